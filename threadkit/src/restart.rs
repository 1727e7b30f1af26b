//! Restart policies: [`Restart`], and the loop that runs a restartable
//! worker's incarnations one after another on its thread.
//!
//! Every incarnation of a worker runs on the worker's own thread, one after
//! the other. So two incarnations can never overlap, a [`Handle`](crate::Handle)
//! refers to the worker rather than to one incarnation, `join` gives the
//! final exit, and the group records exactly one exit per worker (rule 1)
//! however often it restarted. A restart is not an exit: it does not start
//! the fail-fast shutdown; running out of restarts does.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exit::Exit;
use crate::Error;

/// When a worker is started again after its body ended, how often, and how
/// long it waits first. Give it to
/// [`Worker::restarting`](crate::Worker::restarting), or write
/// `#[worker(restart = "on_failure", max_restarts = 3, within = "5s",
/// backoff = "100ms..10s")]`.
///
/// | policy | restarted after | Erlang/OTP |
/// |---|---|---|
/// | [`never`](Restart::never) | nothing (the default) | `temporary` |
/// | [`on_failure`](Restart::on_failure) | an `Err` or a panic | `transient` |
/// | [`always`](Restart::always) | any end but a cancellation | `permanent` |
///
/// A worker that declared [`readiness`](crate::Worker::readiness) and fails
/// before announcing it is restarted like any other; the start fails only
/// if its last run ends unannounced.
///
/// A cancelled worker is never restarted, and a worker that does not stop
/// when cancelled is reported `Hung` like any other: a thread cannot be
/// killed, so it cannot be replaced either.
///
/// **Intensity.** At most [`max_restarts`](Restart::max_restarts) restarts
/// (default 3) within any window of [`within`](Restart::within) (default
/// 5 s). The end that would exceed it is the worker's exit: for a failure,
/// that failure, which starts the group's fail-fast shutdown with it as
/// the cause; for a return under `always`, a failure saying the worker kept
/// returning.
///
/// **Backoff.** Before restart *n* (counted from 0 since the last reset) the
/// worker waits a random delay between zero and
/// `min(max, min_delay * 2^n)` ("full jitter"), so workers that failed
/// together do not retry together. The wait ends early, without a restart,
/// when the worker is cancelled. An incarnation that ran for at least
/// `within` was healthy: the next delay starts from `min_delay` again.
/// Default `100ms..10s`.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use threadkit::{Restart, Worker};
///
/// let attempts = Arc::new(AtomicU32::new(0));
/// let counted = attempts.clone();
/// let policy = Restart::on_failure().backoff(Duration::from_millis(1), Duration::from_millis(5));
/// let flaky = Worker::restarting("flaky", policy, move |ctx| {
///     counted.fetch_add(1, Ordering::SeqCst);
///     if ctx.restarts() < 2 { Err("not yet") } else { Ok(ctx.restarts()) }
/// });
/// assert_eq!(flaky.run().ok(), Some(2));
/// assert_eq!(attempts.load(Ordering::SeqCst), 3);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Restart {
    when: When,
    max_restarts: u32,
    within: Duration,
    min_delay: Duration,
    max_delay: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum When {
    Never,
    OnFailure,
    Always,
}

/// [`Restart::max_restarts`]'s default.
pub const DEFAULT_MAX_RESTARTS: u32 = 3;
/// [`Restart::within`]'s default.
pub const DEFAULT_RESTART_WINDOW: Duration = Duration::from_secs(5);
/// [`Restart::backoff`]'s default lower bound.
pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(100);
/// [`Restart::backoff`]'s default cap.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(10);

impl Restart {
    fn with(when: When) -> Self {
        Restart {
            when,
            max_restarts: DEFAULT_MAX_RESTARTS,
            within: DEFAULT_RESTART_WINDOW,
            min_delay: DEFAULT_BACKOFF_MIN,
            max_delay: DEFAULT_BACKOFF_MAX,
        }
    }

    /// Never restarted (Erlang's `temporary`): the body runs once.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Restart, Worker};
    /// let once = Worker::restarting("once", Restart::never(), |_ctx| Err::<(), _>("down"));
    /// assert!(once.run().is_failure());
    /// ```
    pub fn never() -> Self {
        Restart::with(When::Never)
    }

    /// Restarted after an `Err` or a panic, not after a return or a
    /// cancellation (Erlang's `transient`).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Restart, Worker};
    /// let fast = Restart::on_failure().backoff(std::time::Duration::ZERO, std::time::Duration::ZERO);
    /// let done = Worker::restarting("done", fast, |ctx| Ok::<_, &str>(ctx.restarts()));
    /// assert_eq!(done.run().ok(), Some(0)); // a return ends it
    /// ```
    pub fn on_failure() -> Self {
        Restart::with(When::OnFailure)
    }

    /// Restarted after any end but a cancellation, a return included
    /// (Erlang's `permanent`): for services that must always run.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Restart, Worker};
    /// let policy = Restart::always().max_restarts(2).backoff(Duration::ZERO, Duration::ZERO);
    /// let exit = Worker::restarting("ticker", policy, |_ctx| ()).run();
    /// // Returned three times within the window: the third end is a failure.
    /// assert!(exit.error().unwrap().message().contains("restarted 2 times"));
    /// ```
    pub fn always() -> Self {
        Restart::with(When::Always)
    }

    /// At most `restarts` restarts within any window of
    /// [`within`](Restart::within) (default 3). `0` means the first end
    /// that would restart is the worker's exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Restart;
    /// assert_eq!(Restart::on_failure().max_restarts(10).restart_limit(), 10);
    /// ```
    pub fn max_restarts(mut self, restarts: u32) -> Self {
        self.max_restarts = restarts;
        self
    }

    /// The window of the restart intensity (default 5 s); an incarnation
    /// that ran this long also resets the backoff. A zero window never
    /// forgets a restart: `max_restarts` is then a limit for the worker's
    /// whole life.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::Restart;
    /// let policy = Restart::on_failure().within(Duration::from_secs(60));
    /// assert_eq!(policy.window(), Duration::from_secs(60));
    /// ```
    pub fn within(mut self, window: Duration) -> Self {
        self.within = window;
        self
    }

    /// The backoff's first ceiling and its cap (default `100ms..10s`); see
    /// the type's docs. A `max` below `min` is taken as `min`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::Restart;
    /// let policy = Restart::on_failure().backoff(Duration::from_millis(50), Duration::from_secs(2));
    /// assert_eq!(policy.backoff_range(), (Duration::from_millis(50), Duration::from_secs(2)));
    /// ```
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// Whether this policy ever restarts.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Restart;
    /// assert!(!Restart::never().restarts_at_all());
    /// assert!(Restart::always().restarts_at_all());
    /// ```
    pub fn restarts_at_all(&self) -> bool {
        self.when != When::Never
    }

    /// The intensity limit: see [`max_restarts`](Restart::max_restarts).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(threadkit::Restart::always().restart_limit(), threadkit::DEFAULT_MAX_RESTARTS);
    /// ```
    pub fn restart_limit(&self) -> u32 {
        self.max_restarts
    }

    /// The intensity window: see [`within`](Restart::within).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(threadkit::Restart::always().window(), threadkit::DEFAULT_RESTART_WINDOW);
    /// ```
    pub fn window(&self) -> Duration {
        self.within
    }

    /// The backoff's first ceiling and cap: see [`backoff`](Restart::backoff).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Restart, DEFAULT_BACKOFF_MAX, DEFAULT_BACKOFF_MIN};
    /// assert_eq!(Restart::always().backoff_range(), (DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX));
    /// ```
    pub fn backoff_range(&self) -> (Duration, Duration) {
        (self.min_delay, self.max_delay)
    }

    /// Whether an incarnation that ended with `exit` is to be restarted
    /// (intensity aside).
    fn wants(&self, exit: &Exit<()>) -> bool {
        match (self.when, exit) {
            (When::Never, _) | (_, Exit::Cancelled | Exit::Hung) => false,
            (When::OnFailure, exit) => exit.is_failure(),
            (When::Always, _) => true,
        }
    }
}

impl Default for Restart {
    /// [`Restart::never`].
    fn default() -> Self {
        Restart::never()
    }
}

impl fmt::Debug for Restart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Restart")
            .field("when", &self.when)
            .field("max_restarts", &self.max_restarts)
            .field("within", &self.within)
            .field("backoff", &(self.min_delay..self.max_delay))
            .finish()
    }
}

/// What the restart loop decided after an incarnation ended.
pub(crate) enum Next {
    /// The incarnation's end is the worker's exit.
    Exit,
    /// Restart after `delay`.
    Restart {
        /// How long to wait first.
        delay: Duration,
    },
    /// The intensity is exceeded by a return (under `always`): the
    /// worker's exit is this failure.
    GiveUp(Error),
}

/// The restart bookkeeping of one worker: the restarts within the window,
/// and the backoff exponent.
pub(crate) struct Restarts {
    policy: Restart,
    recent: std::collections::VecDeque<Instant>,
    exponent: u32,
    count: u32,
    jitter: Jitter,
}

impl Restarts {
    pub(crate) fn new(policy: Restart) -> Self {
        Restarts {
            policy,
            recent: std::collections::VecDeque::new(),
            exponent: 0,
            count: 0,
            jitter: Jitter::new(),
        }
    }

    /// How many restarts so far.
    pub(crate) fn count(&self) -> u32 {
        self.count
    }

    /// A sibling's restart ran this worker again (see `Strategy`): counted,
    /// but not against this worker's intensity. Returns the new count.
    pub(crate) fn add_sibling_restart(&mut self) -> u32 {
        self.count += 1;
        self.count
    }

    /// Whether the policy would restart after `exit` at `now`, without
    /// counting anything: for a run that ended as its worker was cancelled.
    pub(crate) fn would_restart(&self, exit: &Exit<()>, now: Instant) -> bool {
        let recent = self
            .recent
            .iter()
            .filter(|at| !self.left_the_window(**at, now))
            .count();
        self.policy.wants(exit) && recent < self.policy.max_restarts as usize
    }

    /// Whether a restart at `at` no longer counts against the limit at
    /// `now`. A zero window keeps every restart: the limit is then a total.
    fn left_the_window(&self, at: Instant, now: Instant) -> bool {
        let window = self.policy.within;
        !window.is_zero() && now.saturating_duration_since(at) >= window
    }

    /// Decides what follows an incarnation that started at `started` and
    /// ended with `exit`, at `now`.
    pub(crate) fn after(
        &mut self,
        name: &Arc<str>,
        exit: &Exit<()>,
        started: Instant,
        now: Instant,
    ) -> Next {
        if !self.policy.wants(exit) {
            return Next::Exit;
        }
        let window = self.policy.within;
        while self
            .recent
            .front()
            .is_some_and(|at| self.left_the_window(*at, now))
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.policy.max_restarts as usize {
            return match exit {
                Exit::Returned(()) => Next::GiveUp(Error::new(
                    name.clone(),
                    Some(std::thread::current().id()),
                    format!(
                        "returned again after being restarted {} times within {:?} (restart = always)",
                        self.recent.len(),
                        window
                    )
                    .into(),
                )),
                _ => Next::Exit,
            };
        }
        if !window.is_zero() && now.saturating_duration_since(started) >= window {
            self.exponent = 0;
        }
        self.recent.push_back(now);
        let ceiling = self
            .policy
            .min_delay
            .saturating_mul(1u32.checked_shl(self.exponent).unwrap_or(u32::MAX))
            .min(self.policy.max_delay);
        self.exponent = self.exponent.saturating_add(1);
        self.count += 1;
        Next::Restart {
            delay: self.jitter.below(ceiling),
        }
    }
}

/// Full jitter's random fraction: a xorshift generator seeded from std's
/// per-process random hasher keys, so no dependency is needed for what is
/// only a spread of retry times.
struct Jitter(u64);

impl Jitter {
    fn new() -> Self {
        // Each `RandomState` has its own keys: distinct workers, distinct
        // sequences.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u8(0);
        Jitter(hasher.finish() | 1)
    }

    /// A duration uniformly spread over `[0, ceiling]`.
    fn below(&mut self, ceiling: Duration) -> Duration {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(x % (nanos + 1).max(1))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn failed() -> Exit<()> {
        Exit::Failed(Error::new("w".into(), None, "boom".into()))
    }

    #[test]
    fn policies_restart_what_their_table_says() {
        let returned = Exit::Returned(());
        for (policy, on_return, on_failure) in [
            (Restart::never(), false, false),
            (Restart::on_failure(), false, true),
            (Restart::always(), true, true),
        ] {
            assert_eq!(policy.wants(&returned), on_return, "{policy:?}");
            assert_eq!(policy.wants(&failed()), on_failure, "{policy:?}");
            assert!(!policy.wants(&Exit::Cancelled), "{policy:?}");
            assert!(!policy.wants(&Exit::Hung), "{policy:?}");
        }
    }

    /// What `restarts` decides after failures at each of `seconds`, runs
    /// that ended as soon as they started: "restart" or "exit".
    fn decisions(restarts: &mut Restarts, seconds: &[u64]) -> Vec<&'static str> {
        let name: Arc<str> = "w".into();
        let t0 = Instant::now();
        seconds
            .iter()
            .map(|secs| {
                let at = t0 + Duration::from_secs(*secs);
                match restarts.after(&name, &failed(), at, at) {
                    Next::Restart { .. } => "restart",
                    Next::Exit => "exit",
                    Next::GiveUp(_) => "give up",
                }
            })
            .collect()
    }

    #[test]
    fn the_intensity_counts_restarts_within_the_window_only() {
        let policy = Restart::on_failure()
            .max_restarts(2)
            .within(Duration::from_secs(5));
        let mut restarts = Restarts::new(policy);
        // The restart at 0 s left the window at 5 s: one more is allowed.
        let seen = decisions(&mut restarts, &[0, 1, 2, 5]);
        assert_eq!(seen, ["restart", "restart", "exit", "restart"]);
        assert_eq!(restarts.count(), 3);
    }

    #[test]
    fn the_backoff_doubles_up_to_the_cap_and_resets_after_a_healthy_run() {
        let policy = Restart::on_failure()
            .max_restarts(u32::MAX)
            .within(Duration::from_secs(5))
            .backoff(Duration::from_millis(100), Duration::from_millis(350));
        let mut restarts = Restarts::new(policy);
        let name: Arc<str> = "w".into();
        let t0 = Instant::now();
        // The largest of many draws at one exponent shows its ceiling.
        let mut worst_delay = |exponent: u32, now: Instant| {
            (0..200)
                .map(|_| {
                    restarts.exponent = exponent;
                    match restarts.after(&name, &failed(), t0, now) {
                        Next::Restart { delay } => delay.as_millis(),
                        _ => panic!("restarts are unlimited here"),
                    }
                })
                .max()
                .unwrap_or(0)
        };
        let ceilings: Vec<u128> = (0..4).map(|exponent| worst_delay(exponent, t0)).collect();
        assert!(ceilings[0] <= 100 && ceilings[0] > 50, "{ceilings:?}");
        assert!(ceilings[1] <= 200 && ceilings[1] > 100, "{ceilings:?}");
        assert!(ceilings[2] <= 350 && ceilings[2] > 200, "{ceilings:?}");
        assert!(ceilings[3] <= 350 && ceilings[3] > 200, "{ceilings:?}");
        // An incarnation that ran as long as the window resets the exponent.
        let healthy = worst_delay(3, t0 + Duration::from_secs(5));
        assert!(healthy <= 100, "{healthy}");
    }

    #[test]
    fn a_zero_window_makes_the_limit_a_total() {
        let policy = Restart::on_failure().max_restarts(2).within(Duration::ZERO);
        let seen = decisions(&mut Restarts::new(policy), &[0, 100, 9999]);
        assert_eq!(seen, ["restart", "restart", "exit"]);
    }

    #[test]
    fn always_gives_up_on_a_return_with_a_failure_that_says_so() {
        let mut restarts = Restarts::new(Restart::always().max_restarts(0));
        let t0 = Instant::now();
        match restarts.after(&"w".into(), &Exit::Returned(()), t0, t0) {
            Next::GiveUp(error) => {
                assert!(error.message().contains("restarted 0 times"), "{error}")
            }
            _ => panic!("expected a failure"),
        }
    }
}
