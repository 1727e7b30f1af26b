//! What a running worker can ask about itself: [`Context`], [`current`],
//! and the [`Cancelled`] error.

use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::protocol::{CancelToken, HookId, Membership, Pulse};
use crate::sync::Arc as SyncArc;

/// A running worker's view of itself: its name and its cancellation.
///
/// Every worker body receives a `&Context`; code deeper down can reach the
/// same context with [`threadkit::current()`](current). Cloning is cheap.
///
/// Cancellation is cooperative, as it must be for OS threads: a worker
/// checks [`is_cancelled`](Context::is_cancelled) or
/// [`check`](Context::check) between steps, waits with the cancel-aware
/// [`sleep`](Context::sleep), or adds [`cancelled`](Context::cancelled) to a
/// `select!`. Returning `Err(Cancelled)` (for example through `check()?`)
/// records the exit as [`Exit::Cancelled`](crate::Exit::Cancelled).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Context, Exit, Worker};
///
/// let poller = Worker::new("poller", |ctx: &Context| {
///     let mut polls = 0;
///     while ctx.sleep(Duration::from_millis(5)).is_ok() {
///         polls += 1;
///     }
///     ctx.check()?; // Err(Cancelled): recorded as Exit::Cancelled
///     Ok::<_, threadkit::Cancelled>(polls)
/// });
/// let handle = poller.spawn();
/// handle.cancel();
/// assert!(matches!(handle.join(), Exit::Cancelled));
/// ```
#[derive(Clone)]
pub struct Context {
    name: Arc<str>,
    token: CancelToken,
    /// The worker's place in its group, where it announces readiness.
    membership: Option<Membership>,
    /// How many times the worker was restarted before this incarnation.
    restarts: u32,
    /// The heartbeat, for a worker that has one.
    pulse: Option<SyncArc<Pulse>>,
}

impl Context {
    pub(crate) fn new(name: Arc<str>, token: CancelToken) -> Self {
        Context {
            name,
            token,
            membership: None,
            restarts: 0,
            pulse: None,
        }
    }

    pub(crate) fn with_pulse(mut self, pulse: Option<SyncArc<Pulse>>) -> Self {
        self.pulse = pulse;
        self
    }

    pub(crate) fn incarnation(mut self, restarts: u32) -> Self {
        self.restarts = restarts;
        self
    }

    pub(crate) fn in_group(mut self, membership: Option<Membership>) -> Self {
        self.membership = membership;
        self
    }

    pub(crate) fn token(&self) -> &CancelToken {
        &self.token
    }

    /// The worker's place in its group, if it has one.
    #[cfg(not(loom))]
    pub(crate) fn membership(&self) -> Option<&Membership> {
        self.membership.as_ref()
    }

    /// Shows that the worker is making progress, for its
    /// [`heartbeat`](crate::Worker::heartbeat): call it in the worker's loop,
    /// at least once per window. It is a relaxed atomic increment, cheap
    /// enough for a hot loop; without a heartbeat it does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(
    ///     Worker::infallible("busy", |ctx| {
    ///         let mut sum = 0u64;
    ///         for n in 0..1_000_000u64 {
    ///             sum += n;
    ///             ctx.beat();
    ///         }
    ///         sum
    ///     })
    ///     .heartbeat(Duration::from_secs(10)),
    /// );
    /// assert!(supervisor.wait().is_success());
    /// ```
    #[inline]
    pub fn beat(&self) {
        if let Some(pulse) = &self.pulse {
            pulse.beat();
        }
    }

    /// Runs `wait` as a wait the worker's [`heartbeat`](crate::Worker::heartbeat)
    /// excuses: a worker blocked in it is not stalled, however long it
    /// blocks. [`sleep`](Context::sleep) is one already; wrap a `select!`
    /// on [`cancelled`](Context::cancelled) and the worker's own channels
    /// in it, so an idle consumer is not taken for a stuck one. Returns
    /// what `wait` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::channel::{select, unbounded};
    /// use threadkit::{Cancelled, Supervisor, Worker};
    ///
    /// let (jobs, inbox) = unbounded::<u32>();
    /// let supervisor = Supervisor::new();
    /// let consumer = supervisor.spawn(
    ///     Worker::new("consumer", move |ctx| {
    ///         let cancelled = ctx.cancelled();
    ///         let mut total = 0;
    ///         loop {
    ///             let next = ctx.idle(|| select! {
    ///                 recv(inbox) -> job => job.ok(),
    ///                 recv(cancelled) -> _ => None,
    ///             });
    ///             match next {
    ///                 Some(job) => total += job,
    ///                 None => return Ok::<_, Cancelled>(total),
    ///             }
    ///         }
    ///     })
    ///     .heartbeat(Duration::from_millis(10)),
    /// );
    /// std::thread::sleep(Duration::from_millis(50)); // idle for five windows
    /// jobs.send(7).unwrap();
    /// drop(jobs);
    /// assert!(supervisor.wait().is_success());
    /// assert_eq!(consumer.join().ok(), Some(7));
    /// ```
    pub fn idle<R>(&self, wait: impl FnOnce() -> R) -> R {
        let _idle = self.pulse.as_ref().map(|pulse| pulse.idle());
        wait()
    }

    /// How many times the worker was restarted before this run of its body:
    /// 0 for the first, then 1, 2, ... (see [`Restart`](crate::Restart)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Restart, Worker};
    ///
    /// let policy = Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO);
    /// let worker = Worker::restarting("third_time", policy, |ctx| match ctx.restarts() {
    ///     0 | 1 => Err("not yet"),
    ///     n => Ok(n),
    /// });
    /// assert_eq!(worker.run().ok(), Some(2));
    /// ```
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// The worker's name (also its OS thread's name when spawned).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("get_config_4", |ctx| ctx.name().to_owned()).run();
    /// assert_eq!(exit.ok().as_deref(), Some("get_config_4"));
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether cancellation has been requested. A single atomic load, cheap
    /// enough for tight loops.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let handle = Worker::infallible("spin", |ctx| {
    ///     let mut spins = 0_u64;
    ///     while !ctx.is_cancelled() {
    ///         spins += 1;
    ///         std::hint::spin_loop();
    ///     }
    ///     spins
    /// })
    /// .spawn();
    /// handle.cancel();
    /// assert!(handle.join().is_success()); // it returned a value, so Returned
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// `Err(Cancelled)` once cancellation has been requested, for `?`.
    ///
    /// # Errors
    ///
    /// [`Cancelled`] once the worker has been asked to stop.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Cancelled, Context, Exit, Worker};
    ///
    /// fn step(ctx: &Context, item: u32) -> Result<u32, Cancelled> {
    ///     ctx.check()?;
    ///     Ok(item * 2)
    /// }
    ///
    /// let exit = Worker::new("steps", |ctx| (0..3).map(|i| step(ctx, i)).sum::<Result<u32, _>>()).run();
    /// assert_eq!(exit.ok(), Some(6));
    /// ```
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration`, returning `Err(Cancelled)` as soon as
    /// cancellation is requested (at once if it already was). Blocks on a
    /// condition variable: no polling, no CPU while asleep.
    ///
    /// # Errors
    ///
    /// [`Cancelled`] when cancellation is requested before `duration` passes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use threadkit::Worker;
    ///
    /// let handle = Worker::new("sleeper", |ctx| ctx.sleep(Duration::from_secs(3600))).spawn();
    /// let asked = Instant::now();
    /// handle.cancel();
    /// assert!(handle.join().is_cancelled());
    /// assert!(asked.elapsed() < Duration::from_secs(3600));
    /// ```
    pub fn sleep(&self, duration: Duration) -> Result<(), Cancelled> {
        let _idle = self.pulse.as_ref().map(|pulse| pulse.idle());
        if self.token.sleep(duration) {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Announces that the worker is ready: it has bound its socket, loaded
    /// its data, whatever "up" means for it (trio's `task_status.started()`,
    /// systemd's `READY=1`). A group is ready once every worker that
    /// declared [`readiness`](crate::Worker::readiness) has announced it;
    /// see [`Supervisor::wait_ready`](crate::Supervisor::wait_ready).
    /// Idempotent; does nothing for a worker that did not declare readiness
    /// or runs outside a group.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(
    ///     Worker::new("server", |ctx| {
    ///         // bind, load, connect...
    ///         ctx.ready();
    ///         ctx.sleep(Duration::MAX) // serve until cancelled
    ///     })
    ///     .readiness(true),
    /// );
    /// supervisor.wait_ready(Duration::from_secs(60)).expect("the server came up");
    /// supervisor.cancel();
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn ready(&self) {
        if let Some(membership) = &self.membership {
            membership.group.mark_ready(membership.id);
        }
    }

    /// A receiver that becomes ready (disconnected) when cancellation is
    /// requested, for use in [`crossbeam_channel::select!`](crate::channel::select)
    /// beside the worker's own channels. It never delivers a message.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::channel::{select, unbounded};
    /// use threadkit::{Cancelled, Worker};
    ///
    /// let (jobs, inbox) = unbounded::<u32>();
    /// let consumer = Worker::new("consumer", move |ctx| {
    ///     let cancelled = ctx.cancelled();
    ///     let mut total = 0;
    ///     loop {
    ///         select! {
    ///             recv(inbox) -> job => match job {
    ///                 Ok(job) => total += job,
    ///                 Err(_) => return Ok(total), // all producers gone
    ///             },
    ///             recv(cancelled) -> _ => return Err(Cancelled),
    ///         }
    ///     }
    /// });
    /// let handle = consumer.spawn();
    /// jobs.send(2).unwrap();
    /// jobs.send(3).unwrap();
    /// drop(jobs);
    /// assert_eq!(handle.join().ok(), Some(5));
    /// ```
    pub fn cancelled(&self) -> Receiver<Infallible> {
        self.token.receiver()
    }

    /// Runs `hook` once when this run of the worker is cancelled, or now if
    /// it already is: how a worker blocked in a call that knows nothing of
    /// threadkit (a socket read, a `recv` on a channel of its own) is woken.
    /// The hook shuts the socket down, or drops the channel's last sender,
    /// and the blocked call returns.
    ///
    /// The hook runs on the thread that cancels, outside every threadkit
    /// lock. When the group cancels its workers (a shutdown), hooks run
    /// only after every worker was cancelled and the owner woken, so a slow
    /// hook delays no one's cancellation. Keep it short: it runs on someone
    /// else's thread. A hook that panics is caught (the panic hook prints
    /// it) and does not stop the others.
    ///
    /// Since the owner is woken first, `wait()` can return while hooks
    /// still run on a worker's thread: the failing worker's, or in an
    /// ordered shutdown that of the worker whose exit let the next one be
    /// cancelled. Joining the workers' handles (each waits for its thread
    /// to end) is how to know every hook ran; a hook that a call on the
    /// owner's thread (`Supervisor::cancel`) reached ran before that call
    /// returned.
    ///
    /// The hook stays registered while the returned [`OnCancel`] lives;
    /// dropping it removes a hook that has not run, so a worker that blocks
    /// in a loop registers one per iteration and keeps none.
    ///
    /// # Examples
    ///
    /// A worker blocked reading a TCP stream, released by its cancellation:
    ///
    /// ```
    /// use std::io::Read;
    /// use std::net::{Shutdown, TcpListener, TcpStream};
    /// use threadkit::{Cancelled, Context, Supervisor, Worker};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// let (_server_side, _) = listener.accept()?; // never writes
    ///
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("reader", move |ctx: &Context| {
    ///     let closer = client.try_clone().expect("a second handle");
    ///     let _hook = ctx.on_cancel(move || {
    ///         let _ = closer.shutdown(Shutdown::Both);
    ///     });
    ///     let mut buffer = [0; 64];
    ///     let read = (&client).read(&mut buffer); // blocks until the hook runs
    ///     ctx.check()?;
    ///     Ok::<_, Cancelled>(read.map_or(0, |n| n))
    /// }));
    /// supervisor.cancel();
    /// let report = supervisor.wait();
    /// assert!(report.records()[0].exit().is_cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use = "dropping the guard removes the hook at once"]
    pub fn on_cancel(&self, hook: impl FnOnce() + Send + 'static) -> OnCancel {
        let id = self.token.on_cancel_user(Box::new(hook));
        OnCancel {
            token: self.token.clone(),
            id,
        }
    }
}

/// Keeps a hook registered with [`Context::on_cancel`]; dropping it removes
/// the hook if it has not run yet.
///
/// # Examples
///
/// ```
/// use threadkit::Worker;
///
/// let exit = Worker::infallible("tidy", |ctx| {
///     for _ in 0..3 {
///         let _hook = ctx.on_cancel(|| println!("cancelled"));
///         // ... a blocking step that the hook would release ...
///     } // each iteration's hook is removed here
/// })
/// .run();
/// assert!(exit.is_success());
/// ```
pub struct OnCancel {
    token: CancelToken,
    id: Option<HookId>,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.token.remove_hook(id);
        }
    }
}

impl fmt::Debug for OnCancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnCancel").finish_non_exhaustive()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("name", &self.name)
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// The [`Context`] of the worker running on this thread, or `None` outside
/// workers. Lets helpers deep in a call stack honour cancellation without
/// threading a `&Context` through every signature.
///
/// # Examples
///
/// ```
/// use threadkit::{Cancelled, Worker};
///
/// fn deep_helper() -> Result<(), Cancelled> {
///     match threadkit::current() {
///         Some(ctx) => ctx.check(),
///         None => Ok(()), // not on a worker: nothing can cancel us
///     }
/// }
///
/// assert!(threadkit::current().is_none());
/// let exit = Worker::new("outer", |_ctx| deep_helper()).run();
/// assert!(exit.is_success());
/// ```
pub fn current() -> Option<Context> {
    CURRENT
        .try_with(|current| current.try_borrow().ok().and_then(|slot| slot.clone()))
        .ok()
        .flatten()
}

/// Makes `context` this thread's current one until the guard drops, which
/// restores the previous one (inline `run` of a worker inside a worker).
/// Inside a thread-local destructor, where the slot may be gone, nothing is
/// entered and `current()` stays `None`: the worker still runs.
pub(crate) fn enter(context: Context) -> Entered {
    let previous = CURRENT
        .try_with(|current| {
            current
                .try_borrow_mut()
                .map(|mut slot| slot.replace(context))
        })
        .ok()
        .and_then(Result::ok);
    Entered { previous }
}

/// `previous`: `None` when nothing was entered; `Some(previous context)`
/// otherwise.
pub(crate) struct Entered {
    previous: Option<Option<Context>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            let _ = CURRENT.try_with(|current| {
                if let Ok(mut slot) = current.try_borrow_mut() {
                    *slot = previous;
                }
            });
        }
    }
}

/// The error a worker returns to say "I stopped because I was cancelled".
///
/// Produced by [`Context::check`] and [`Context::sleep`]; a worker that
/// returns it (directly, boxed, or as the source of its own error) exits as
/// [`Exit::Cancelled`](crate::Exit::Cancelled), which is not a failure.
/// To use `?` with your own error type, implement `From<Cancelled>` for it.
///
/// # Examples
///
/// ```
/// use std::{error::Error, fmt, time::Duration};
/// use threadkit::{Cancelled, Context, Worker};
///
/// #[derive(Debug)]
/// enum FetchError { Cancelled(Cancelled), Http(u16) }
/// impl From<Cancelled> for FetchError {
///     fn from(cancelled: Cancelled) -> Self { FetchError::Cancelled(cancelled) }
/// }
/// impl fmt::Display for FetchError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         match self {
///             FetchError::Cancelled(_) => f.write_str("fetch stopped"),
///             FetchError::Http(code) => write!(f, "http status {code}"),
///         }
///     }
/// }
/// impl Error for FetchError {
///     // Exposing Cancelled as the source is what marks the exit Cancelled.
///     fn source(&self) -> Option<&(dyn Error + 'static)> {
///         match self {
///             FetchError::Cancelled(cancelled) => Some(cancelled),
///             FetchError::Http(_) => None,
///         }
///     }
/// }
///
/// fn fetch(ctx: &Context) -> Result<Vec<u8>, FetchError> {
///     ctx.sleep(Duration::from_secs(60))?; // the server said: retry after 60 s
///     Err(FetchError::Http(503))
/// }
///
/// let handle = Worker::new("fetch", fetch).spawn();
/// handle.cancel();
/// assert!(handle.join().is_cancelled());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn current_is_set_inside_and_restored_after() {
        let outer = Context::new("outer".into(), CancelToken::new());
        let inner = Context::new("inner".into(), CancelToken::new());
        assert!(current().is_none());
        {
            let _outer = enter(outer);
            {
                let _inner = enter(inner);
                assert_eq!(current().unwrap().name(), "inner");
            }
            assert_eq!(current().unwrap().name(), "outer");
        }
        assert!(current().is_none());
    }

    #[test]
    fn check_and_sleep_follow_the_token() {
        let token = CancelToken::new();
        let context = Context::new("w".into(), token.clone());
        assert_eq!(context.check(), Ok(()));
        assert_eq!(context.sleep(Duration::ZERO), Ok(()));
        token.cancel();
        assert_eq!(context.check(), Err(Cancelled));
        assert_eq!(context.sleep(Duration::from_secs(3600)), Err(Cancelled));
    }

    #[test]
    fn receiver_requested_after_cancel_is_already_disconnected() {
        let token = CancelToken::new();
        let context = Context::new("w".into(), token.clone());
        token.cancel();
        assert!(context.cancelled().recv().is_err());
    }

    #[test]
    fn receiver_requested_before_cancel_disconnects_on_cancel() {
        let token = CancelToken::new();
        let context = Context::new("w".into(), token.clone());
        let receiver = context.cancelled();
        assert_eq!(
            receiver.try_recv(),
            Err(crossbeam_channel::TryRecvError::Empty)
        );
        let waiter = std::thread::spawn(move || receiver.recv());
        token.cancel();
        assert!(waiter.join().unwrap().is_err());
    }
}
