//! The exit / cancel / group protocol: all of threadkit's shared state and
//! every transition of it, in one place.
//!
//! - [`ExitCell`]: a worker's exit, written exactly once, read by its handle.
//! - [`CancelToken`]: a worker's cancellation flag, with a condvar for
//!   cancel-aware sleeps and a channel that disconnects on cancel for
//!   `select!`. The channel only mirrors the flag; correctness rests on the
//!   flag.
//! - [`Group`]: a supervisor's state: who runs, who exited how, whether the
//!   shutdown has begun and why.
//!
//! Rules that keep it simple to check:
//! - no user code runs while a lock here is held, and no user value is
//!   dropped under one (values that lose a race are handed back);
//! - lock order is group, then token, then cell; a token or cell never
//!   takes the group lock;
//! - each exit costs one group lock and O(1) work; the only loops over all
//!   workers run once per group (begin shutdown, finish).

use std::convert::Infallible;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::report::{Record, Report};
use crate::sync::{lock, Arc, AtomicBool, Condvar, Mutex, Ordering};
use crate::{Event, Exit, ShutdownCause};

/// Waits on `condvar` until `done` holds or `deadline` passes (`None`: no
/// deadline). Returns the guard and whether `done` holds.
fn wait_until<'a, S>(
    condvar: &Condvar,
    mut guard: crate::sync::MutexGuard<'a, S>,
    deadline: Option<Instant>,
    mut done: impl FnMut(&mut S) -> bool,
) -> (crate::sync::MutexGuard<'a, S>, bool) {
    loop {
        if done(&mut guard) {
            return (guard, true);
        }
        guard = match deadline {
            None => condvar
                .wait(guard)
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return (guard, false);
                }
                condvar
                    .wait_timeout(guard, deadline - now)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0
            }
        };
    }
}

/// `now + timeout`, or `None` ("never") when that overflows `Instant`.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

// ---------------------------------------------------------------------------
// ExitCell

enum CellState<T> {
    Pending,
    Ready(Exit<T>),
    /// The handle took the exit; the outcome stays for the supervisor.
    Taken(Exit<()>),
}

/// A worker's exit, recorded exactly once: by the worker's thread, by a
/// spawn failure, or as `Hung` by a supervisor giving up on it.
pub(crate) struct ExitCell<T> {
    inner: Mutex<CellInner<T>>,
    ready: Condvar,
}

struct CellInner<T> {
    state: CellState<T>,
    /// Threads in `take`: recording only pays for a wake-up when there are some.
    waiters: usize,
}

impl<T> ExitCell<T> {
    pub(crate) fn new() -> Self {
        ExitCell {
            inner: Mutex::new(CellInner {
                state: CellState::Pending,
                waiters: 0,
            }),
            ready: Condvar::new(),
        }
    }

    /// Records `exit`, or hands it back when an exit is already recorded.
    pub(crate) fn fill(&self, exit: Exit<T>) -> Result<(), Exit<T>> {
        let mut inner = lock(&self.inner);
        if !matches!(inner.state, CellState::Pending) {
            return Err(exit);
        }
        inner.state = CellState::Ready(exit);
        let waiters = inner.waiters;
        drop(inner);
        if waiters > 0 {
            self.ready.notify_all();
        }
        Ok(())
    }

    pub(crate) fn is_ready(&self) -> bool {
        !matches!(lock(&self.inner).state, CellState::Pending)
    }

    /// Takes the exit once it is recorded, waiting until `deadline` at most
    /// (`None`: no limit). `None` when the deadline passed first.
    pub(crate) fn take(&self, deadline: Option<Instant>) -> Option<Exit<T>> {
        let mut guard = lock(&self.inner);
        guard.waiters += 1;
        let (mut inner, ready) = wait_until(&self.ready, guard, deadline, |inner| {
            !matches!(inner.state, CellState::Pending)
        });
        inner.waiters -= 1;
        if !ready {
            return None;
        }
        match std::mem::replace(&mut inner.state, CellState::Pending) {
            CellState::Ready(exit) => {
                inner.state = CellState::Taken(exit.outcome());
                Some(exit)
            }
            // The handle is consumed by taking, so a second take cannot
            // happen; restore and report nothing rather than panic.
            other => {
                inner.state = other;
                None
            }
        }
    }

    /// For a supervisor at its deadline: the recorded outcome, or `Hung`
    /// (recorded now) if the worker has not exited.
    pub(crate) fn settle(&self) -> Exit<()> {
        let outcome = match &lock(&self.inner).state {
            CellState::Pending => None,
            CellState::Ready(exit) => Some(exit.outcome()),
            CellState::Taken(outcome) => Some(outcome.clone()),
        };
        match outcome {
            Some(outcome) => outcome,
            // The worker may record between the two locks; either way one
            // exit is recorded, and the recorded one is reported.
            None => match self.fill(Exit::Hung) {
                Ok(()) => Exit::Hung,
                Err(_) => self.settle(),
            },
        }
    }
}

// ---------------------------------------------------------------------------
// CancelToken

struct TokenState {
    cancelled: bool,
    /// Threads in `sleep`: cancel only pays for a wake-up when there are some.
    sleepers: usize,
    /// Dropped on cancel, which disconnects `receiver` for `select!`.
    sender: Option<Sender<Infallible>>,
    receiver: Option<Receiver<Infallible>>,
    /// Run once, on cancel, outside the token's lock: how a child group
    /// hears that the worker it runs in was cancelled.
    on_cancel: Vec<CancelHook>,
}

/// Something to do when a token is cancelled.
pub(crate) type CancelHook = Box<dyn FnOnce() + Send>;

struct TokenInner {
    /// Mirrors `state.cancelled` for lock-free checks in hot loops.
    cancelled: AtomicBool,
    state: Mutex<TokenState>,
    changed: Condvar,
}

/// A worker's cancellation flag. Cloning shares the flag.
#[derive(Clone)]
pub(crate) struct CancelToken {
    inner: Arc<TokenInner>,
}

impl CancelToken {
    pub(crate) fn new() -> Self {
        CancelToken {
            inner: Arc::new(TokenInner {
                cancelled: AtomicBool::new(false),
                state: Mutex::new(TokenState {
                    cancelled: false,
                    sleepers: 0,
                    sender: None,
                    receiver: None,
                    on_cancel: Vec::new(),
                }),
                changed: Condvar::new(),
            }),
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Acquire)
    }

    /// Requests cancellation; wakes sleepers and `select!`s. Idempotent.
    pub(crate) fn cancel(&self) {
        let mut state = lock(&self.inner.state);
        if state.cancelled {
            return;
        }
        state.cancelled = true;
        self.inner.cancelled.store(true, Ordering::Release);
        let sender = state.sender.take();
        let hooks = std::mem::take(&mut state.on_cancel);
        let sleepers = state.sleepers;
        drop(state);
        drop(sender);
        if sleepers > 0 {
            self.inner.changed.notify_all();
        }
        for hook in hooks {
            hook();
        }
    }

    /// Runs `hook` when the token is cancelled (now, if it already is).
    pub(crate) fn on_cancel(&self, hook: CancelHook) {
        let mut state = lock(&self.inner.state);
        if state.cancelled {
            drop(state);
            hook();
        } else {
            state.on_cancel.push(hook);
        }
    }

    /// Sleeps for `duration` unless cancelled first. `true` if cancelled.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let mut guard = lock(&self.inner.state);
        guard.sleepers += 1;
        let (mut guard, cancelled) = wait_until(
            &self.inner.changed,
            guard,
            deadline_after(duration),
            |state| state.cancelled,
        );
        guard.sleepers -= 1;
        drop(guard);
        cancelled
    }

    /// A receiver that never yields a message and disconnects on cancel.
    /// Created on first use, so workers that never `select!` pay nothing.
    pub(crate) fn receiver(&self) -> Receiver<Infallible> {
        let mut state = lock(&self.inner.state);
        if let Some(receiver) = &state.receiver {
            return receiver.clone();
        }
        let (sender, receiver) = crossbeam_channel::bounded(0);
        if !state.cancelled {
            state.sender = Some(sender);
        }
        state.receiver = Some(receiver.clone());
        receiver
    }
}

// ---------------------------------------------------------------------------
// Group

/// What a group needs from each member, whatever its output type.
pub(crate) trait Member: Send + Sync {
    fn cancel(&self);
    /// See [`ExitCell::settle`].
    fn settle(&self) -> Exit<()>;
    /// The member's thread, once it has been started.
    fn thread_id(&self) -> Option<std::thread::ThreadId>;
}

struct Entry {
    name: Arc<str>,
    daemon: bool,
    started: Instant,
    slot: Slot,
}

enum Slot {
    Running(Arc<dyn Member>),
    /// The member is released at exit: a group that outlives many workers
    /// keeps their records, not their cells (and the values in them).
    Exited(Record),
    /// The record moved into the report.
    Reported,
}

/// Members released under the group lock, dropped after it is released:
/// the last reference to a member may own a user value with a `Drop`.
type Released = Vec<Arc<dyn Member>>;

struct GroupState {
    timeout: Duration,
    entries: Vec<Entry>,
    running: usize,
    running_non_daemon: usize,
    spawned_non_daemon: usize,
    /// The owner is waiting: no more spawns are coming, so "every
    /// non-daemon exited" now means the group is complete.
    sealed: bool,
    finished: bool,
    shutdown: Option<(Instant, ShutdownCause)>,
    first_failure: Option<usize>,
    /// One sender per `events()` call; each gets every event.
    listeners: Vec<Sender<Event>>,
    /// How often the owner's wait condition was evaluated: lets tests show
    /// that the owner is woken per transition, not per exit or per tick.
    owner_checks: usize,
}

/// A supervisor's shared state.
pub(crate) struct Group {
    state: Mutex<GroupState>,
    changed: Condvar,
}

impl GroupState {
    fn emit(&mut self, event: impl FnOnce() -> Event) {
        if self.listeners.is_empty() {
            return;
        }
        let event = event();
        // A listener whose receiver is gone stops being sent to.
        self.listeners
            .retain(|listener| listener.send(event.clone()).is_ok());
    }

    /// Starts the shutdown (once). Returns the running members, to be
    /// cancelled by the caller after it released the group lock: woken
    /// workers then record their exits while the rest are still being
    /// cancelled, instead of queueing on the lock.
    fn begin_shutdown(&mut self, cause: ShutdownCause) -> Option<Released> {
        if self.shutdown.is_some() || self.finished {
            return None;
        }
        let timeout = self.timeout;
        self.emit(|| Event::ShutdownStarted {
            cause: cause.clone(),
            timeout,
        });
        self.shutdown = Some((Instant::now(), cause));
        let running = self
            .entries
            .iter()
            .filter_map(|entry| match &entry.slot {
                Slot::Running(member) => Some(member.clone()),
                _ => None,
            })
            .collect();
        Some(running)
    }

    fn check_complete(&mut self) -> Option<Released> {
        let complete = self.sealed && self.spawned_non_daemon > 0 && self.running_non_daemon == 0;
        if complete {
            self.begin_shutdown(ShutdownCause::Completed)
        } else {
            None
        }
    }

    fn shutdown_deadline(&self) -> Option<Option<Instant>> {
        self.shutdown
            .as_ref()
            .map(|(started, _)| started.checked_add(self.timeout))
    }

    /// Records member `index`'s exit, once; returns the released member.
    fn record(&mut self, index: usize, exit: Exit<()>) -> Option<Arc<dyn Member>> {
        let entry = self.entries.get_mut(index)?;
        let Slot::Running(member) = std::mem::replace(&mut entry.slot, Slot::Reported) else {
            return None;
        };
        let record = Record::new(
            entry.name.clone(),
            entry.daemon,
            member.thread_id(),
            entry.started.elapsed(),
            exit,
        );
        entry.slot = Slot::Exited(record.clone());
        let daemon = entry.daemon;
        self.emit(|| Event::Exited(record));
        self.running -= 1;
        if !daemon {
            self.running_non_daemon -= 1;
        }
        Some(member)
    }

    /// Reports whoever is still running as hung and closes the group.
    fn finish(&mut self) -> (Report, Released) {
        let mut released = Released::new();
        for index in 0..self.entries.len() {
            if let Slot::Running(member) = &self.entries[index].slot {
                let outcome = member.settle();
                released.extend(self.record(index, outcome));
            }
        }
        self.finished = true;
        let records: Vec<Record> = self
            .entries
            .iter_mut()
            .filter_map(
                |entry| match std::mem::replace(&mut entry.slot, Slot::Reported) {
                    Slot::Exited(record) => Some(record),
                    _ => None,
                },
            )
            .collect();
        let cause = self.shutdown.take().map(|(_, cause)| cause);
        let report = Report::new(records, self.first_failure, cause);
        let exit_code = report.exit_code();
        self.emit(|| Event::Finished { exit_code });
        self.listeners.clear();
        (report, released)
    }
}

impl Group {
    pub(crate) fn new(timeout: Duration) -> Self {
        Group {
            state: Mutex::new(GroupState {
                timeout,
                entries: Vec::new(),
                running: 0,
                running_non_daemon: 0,
                spawned_non_daemon: 0,
                sealed: false,
                finished: false,
                shutdown: None,
                first_failure: None,
                listeners: Vec::new(),
                owner_checks: 0,
            }),
            changed: Condvar::new(),
        }
    }

    pub(crate) fn set_timeout(&self, timeout: Duration) {
        lock(&self.state).timeout = timeout;
    }

    /// Adds a worker about to start and returns its index. A worker that
    /// joins while the group is shutting down starts already cancelled
    /// (errgroup's rule): it runs, sees the cancellation, and its exit is
    /// recorded like any other.
    pub(crate) fn register(&self, name: Arc<str>, daemon: bool, member: Arc<dyn Member>) -> usize {
        let mut state = lock(&self.state);
        if state.shutdown.is_some() || state.finished {
            member.cancel();
        }
        let index = state.entries.len();
        state.entries.push(Entry {
            name: name.clone(),
            daemon,
            started: Instant::now(),
            slot: Slot::Running(member),
        });
        state.running += 1;
        if !daemon {
            state.running_non_daemon += 1;
            state.spawned_non_daemon += 1;
        }
        state.emit(|| Event::Started {
            worker: name,
            daemon,
        });
        index
    }

    /// Records a worker's exit (once; later calls for the same worker, and
    /// calls after the group finished, are ignored). Starts the fail-fast
    /// shutdown on the first failure.
    pub(crate) fn record_exit(&self, index: usize, exit: Exit<()>) {
        let mut state = lock(&self.state);
        if state.finished {
            return;
        }
        let failed = matches!(exit, Exit::Failed(_) | Exit::Panicked(_));
        let running_before = state.running;
        let released = state.record(index, exit);
        let last_exit = state.running == 0 && running_before > 0;
        let to_cancel = if failed && state.first_failure.is_none() {
            state.first_failure = Some(index);
            let worker = state.entries[index].name.clone();
            state.begin_shutdown(ShutdownCause::Failed { worker })
        } else {
            state.check_complete()
        };
        drop(state);
        drop(released);
        self.after_transition(last_exit, to_cancel);
    }

    /// Outside the group lock: cancels the members a shutdown left to
    /// cancel, then wakes the owner if anything it waits for changed.
    fn after_transition(&self, last_exit: bool, to_cancel: Option<Released>) {
        let shutdown_began = to_cancel.is_some();
        cancel_all(to_cancel);
        if last_exit || shutdown_began {
            self.changed.notify_all();
        }
    }

    /// Starts the shutdown because the owner asked for it.
    pub(crate) fn cancel(&self) {
        let to_cancel = lock(&self.state).begin_shutdown(ShutdownCause::Cancelled);
        self.after_transition(false, to_cancel);
    }

    pub(crate) fn events(&self) -> Receiver<Event> {
        let mut state = lock(&self.state);
        let (sender, receiver) = crossbeam_channel::unbounded();
        if !state.finished {
            state.listeners.push(sender);
        }
        receiver
    }

    /// Waits for the group to finish, giving up at `give_up` (`None`: never).
    /// The group finishes when every worker exited, or when the shutdown
    /// timeout passed after the shutdown began (the rest become `Hung`).
    pub(crate) fn wait(&self, give_up: Option<Instant>) -> Option<Report> {
        let mut state = lock(&self.state);
        if state.finished {
            return None;
        }
        state.sealed = true;
        if let Some(to_cancel) = state.check_complete() {
            drop(state);
            cancel_all(Some(to_cancel));
            state = lock(&self.state);
        }
        loop {
            if state.running == 0 {
                break;
            }
            let shutdown_deadline = state.shutdown_deadline();
            let now = Instant::now();
            if matches!(shutdown_deadline, Some(Some(deadline)) if now >= deadline) {
                break;
            }
            if matches!(give_up, Some(give_up) if now >= give_up) {
                if state.shutdown.is_none() {
                    // The owner may still spawn: the group is not complete.
                    state.sealed = false;
                }
                return None;
            }
            let wake_at = match (shutdown_deadline.flatten(), give_up) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            // Exits notify only when the last one leaves or the shutdown
            // begins, so a large group does not wake its owner per exit.
            let shutdown_started = state.shutdown.is_some();
            state = wait_until(&self.changed, state, wake_at, |state| {
                state.owner_checks += 1;
                state.running == 0 || state.shutdown.is_some() != shutdown_started
            })
            .0;
        }
        let (report, released) = state.finish();
        drop(state);
        drop(released);
        Some(report)
    }

    /// The owner went away without waiting: cancel everyone, stop events.
    pub(crate) fn abandon(&self) {
        let mut state = lock(&self.state);
        let to_cancel = state.begin_shutdown(ShutdownCause::Cancelled);
        state.finished = true;
        state.listeners.clear();
        drop(state);
        cancel_all(to_cancel);
    }
}

/// Cancels the members a shutdown released; called without the group lock.
fn cancel_all(to_cancel: Option<Released>) {
    for member in to_cancel.into_iter().flatten() {
        member.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A member without a thread: the test plays the worker.
    struct Fake {
        token: CancelToken,
        cell: ExitCell<()>,
    }

    impl Fake {
        fn new() -> Arc<Self> {
            Arc::new(Fake {
                token: CancelToken::new(),
                cell: ExitCell::new(),
            })
        }
    }

    impl Member for Fake {
        fn cancel(&self) {
            self.token.cancel();
        }
        fn settle(&self) -> Exit<()> {
            self.cell.settle()
        }
        fn thread_id(&self) -> Option<std::thread::ThreadId> {
            None
        }
    }

    fn join(group: &Group, name: &str, daemon: bool) -> (usize, Arc<Fake>) {
        let fake = Fake::new();
        let index = group.register(name.into(), daemon, fake.clone());
        (index, fake)
    }

    fn wait_until_sealed(group: &Group) {
        while !lock(&group.state).sealed {
            std::thread::yield_now();
        }
    }

    #[test]
    fn exit_cell_records_once_and_hands_back_the_loser() {
        let cell = ExitCell::new();
        assert!(cell.fill(Exit::Returned(1)).is_ok());
        assert!(matches!(
            cell.fill(Exit::Returned(2)),
            Err(Exit::Returned(2))
        ));
        assert_eq!(cell.take(None).unwrap().ok(), Some(1));
        // After the handle took it, a supervisor still learns the outcome.
        assert!(cell.settle().is_success());
    }

    #[test]
    fn settling_a_pending_cell_records_hung_and_the_worker_loses() {
        let cell = ExitCell::<u8>::new();
        assert!(cell.settle().is_hung());
        assert!(cell.fill(Exit::Returned(9)).is_err());
        assert!(cell.take(None).unwrap().is_hung());
    }

    #[test]
    fn take_with_a_past_deadline_does_not_block() {
        let cell = ExitCell::<()>::new();
        assert!(cell.take(Some(Instant::now())).is_none());
    }

    #[test]
    fn owner_is_woken_per_transition_not_per_exit() {
        let group = Arc::new(Group::new(Duration::from_secs(60)));
        let (daemon, daemon_fake) = join(&group, "daemon", true);
        let workers: Vec<usize> = (0..500)
            .map(|n| join(&group, &format!("w{n}"), false).0)
            .collect();

        let exits = {
            let group = group.clone();
            std::thread::spawn(move || {
                wait_until_sealed(&group);
                for index in workers {
                    group.record_exit(index, Exit::Returned(()));
                }
                // The last non-daemon exit cancelled the daemon.
                assert!(daemon_fake.token.is_cancelled());
                group.record_exit(daemon, Exit::Cancelled);
            })
        };
        let report = group.wait(None).unwrap();
        exits.join().unwrap();
        assert_eq!(report.records().len(), 501);
        assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
        // One check on entry, one per transition (shutdown began, last
        // exit), and a little room for spurious wake-ups; 500 if it woke per exit.
        let checks = lock(&group.state).owner_checks;
        assert!(checks <= 6, "owner evaluated its condition {checks} times");
    }

    #[test]
    fn an_idle_owner_is_not_woken() {
        let group = Group::new(Duration::from_secs(60));
        let (_, fake) = join(&group, "service", true);
        let give_up = Instant::now() + Duration::from_millis(200);
        assert!(group.wait(Some(give_up)).is_none());
        let checks = lock(&group.state).owner_checks;
        assert!(
            checks <= 4,
            "owner evaluated its condition {checks} times while idle"
        );
        assert!(
            !fake.token.is_cancelled(),
            "giving up a wait is not a cancel"
        );
    }

    #[test]
    fn first_failure_cancels_the_rest_and_is_kept_as_the_cause() {
        let group = Group::new(Duration::from_secs(60));
        let (a, fake_a) = join(&group, "a", false);
        let (b, fake_b) = join(&group, "b", false);
        let failure = Exit::Failed(crate::Error::new("b".into(), None, "boom".into()));
        group.record_exit(b, failure);
        assert!(fake_a.token.is_cancelled());
        assert!(
            !fake_b.token.is_cancelled(),
            "exited workers are not cancelled"
        );
        let later = Exit::Failed(crate::Error::new("a".into(), None, "cleanup".into()));
        group.record_exit(a, later);
        let report = group.wait(None).unwrap();
        assert_eq!(report.first_failure().unwrap().name(), "b");
        assert_eq!(report.failures().count(), 2);
    }

    #[test]
    fn exits_after_finish_and_duplicate_exits_are_ignored() {
        let group = Group::new(Duration::ZERO);
        let (index, _fake) = join(&group, "stuck", false);
        group.cancel();
        let report = group.wait(None).unwrap();
        assert!(report.records()[0].exit().is_hung());
        group.record_exit(index, Exit::Returned(()));
        group.record_exit(index, Exit::Returned(()));
        assert!(
            matches!(lock(&group.state).entries[index].slot, Slot::Reported),
            "the record moved into the report"
        );
        assert!(
            group.wait(None).is_none(),
            "a finished group does not finish twice"
        );
    }

    #[test]
    fn a_worker_joining_during_shutdown_starts_cancelled() {
        let group = Group::new(Duration::from_secs(1));
        group.cancel();
        let (index, fake) = join(&group, "late", false);
        assert!(fake.token.is_cancelled());
        group.record_exit(index, Exit::Returned(()));
        let report = group.wait(None).unwrap();
        assert!(
            report.records()[0].exit().is_success(),
            "it ran and its exit counts"
        );
    }

    #[test]
    fn only_daemons_run_until_cancelled() {
        let group = Group::new(Duration::from_secs(1));
        let (index, fake) = join(&group, "service", true);
        assert!(group.wait(Some(Instant::now())).is_none());
        assert!(!fake.token.is_cancelled());
        group.cancel();
        assert!(fake.token.is_cancelled());
        group.record_exit(index, Exit::Cancelled);
        let report = group.wait(None).unwrap();
        assert!(report.is_success());
        assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Cancelled));
    }
}
