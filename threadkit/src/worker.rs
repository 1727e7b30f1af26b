//! A not-yet-started unit of work: [`Worker`], and [`WorkerResult`], the
//! return types a worker body may have.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::context::{self, Context};
use crate::panic as worker_panic;
use crate::protocol::{
    drop_quietly, record, CancelToken, ExitGuard, Group, LateThread, Launcher, Membership, Pulse,
    RoundEnd, Shared,
};
use crate::restart::{Next, Restart, Restarts};
use crate::sync::Arc as SyncArc;
use crate::trace;
use crate::{BoxError, Cancelled, Error, Exit, Handle};

/// A worker's body: run once, or (with a [`Restart`] policy) as often as
/// the policy restarts it.
enum Body<T> {
    Once(OnceBody<T>),
    Restarting(RepeatedBody<T>, Restart),
}

type OnceBody<T> = Box<dyn FnOnce(&Context) -> Result<T, BoxError> + Send>;
type RepeatedBody<T> = Box<dyn FnMut(&Context) -> Result<T, BoxError> + Send>;

/// A unit of work that has not started yet: a name, a daemon flag, an
/// optional stack size, and a body that gets a [`Context`].
///
/// Build one with [`Worker::new`] (the body returns `()` or `Result`) or
/// [`Worker::infallible`] (the body returns any value), then either
/// [`spawn`](Worker::spawn) it on its own named OS thread, hand it to a
/// [`Supervisor`](crate::Supervisor), or [`run`](Worker::run) it inline.
/// Starting consumes the worker, so "start only once" is checked by the
/// compiler rather than at run time (Python raises `RuntimeError`).
///
/// Why two constructors: one generic bound cannot accept both "any `T`"
/// and "`Result<T, E>`, where `Err` is a failure" without specialization,
/// because a `Result` is also a `T`. `new` takes the bodies that can fail,
/// `infallible` the ones that cannot. (`#[worker]` looks at the function's
/// return type for you.) A closure that only panics has no return type to
/// infer; name one: `Worker::<()>::infallible("boom", |_| panic!())`.
///
/// # Examples
///
/// ```
/// use threadkit::{Exit, Worker};
///
/// let fetch = |n: u32| {
///     Worker::new(format!("get_config_{n}"), move |_ctx| {
///         if n == 4 { Err(format!("config {n} is unreachable")) } else { Ok(n * 10) }
///     })
/// };
///
/// assert_eq!(fetch(1).spawn().join().ok(), Some(10));
/// match fetch(4).spawn().join() {
///     Exit::Failed(error) => assert_eq!(error.message(), "config 4 is unreachable"),
///     other => panic!("unexpected {other}"),
/// }
/// ```
#[must_use = "a worker does nothing until it is spawned, run, or handed to a supervisor"]
pub struct Worker<T> {
    name: Arc<str>,
    daemon: bool,
    readiness: bool,
    stack_size: Option<usize>,
    heartbeat: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    body: Body<T>,
}

/// The return types a [`Worker::new`] body may have: `()` and
/// `Result<T, E>` where `E` converts into a [`BoxError`] (any
/// `std::error::Error + Send + Sync + 'static`, `String`, `&str`,
/// `anyhow::Error`, ...). `Err` makes the worker [`Exit::Failed`]; an error
/// that is, or has as a source, [`Cancelled`] makes it [`Exit::Cancelled`].
///
/// Implement it for your own status types to decide what counts as failure.
///
/// # Examples
///
/// ```
/// use threadkit::{BoxError, Worker, WorkerResult};
///
/// enum Status { Done(u32), Gave { reason: &'static str } }
///
/// impl WorkerResult for Status {
///     type Output = u32;
///     fn into_result(self) -> Result<u32, BoxError> {
///         match self {
///             Status::Done(n) => Ok(n),
///             Status::Gave { reason } => Err(reason.into()),
///         }
///     }
/// }
///
/// let exit = Worker::new("status", |_ctx| Status::Gave { reason: "quota" }).run();
/// assert_eq!(exit.error().unwrap().message(), "quota");
/// # let _ = Status::Done(1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a worker result",
    label = "this closure returns `{Self}`",
    note = "a `Worker::new` body returns `()` or `Result<T, E>` with `E: Into<BoxError>`",
    note = "use `Worker::infallible` for a body that returns a plain value"
)]
pub trait WorkerResult {
    /// The value a successful worker returns.
    type Output;
    /// Splits the body's return value into success or failure.
    fn into_result(self) -> Result<Self::Output, BoxError>;
}

impl WorkerResult for () {
    type Output = ();
    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<T, E: Into<BoxError>> WorkerResult for Result<T, E> {
    type Output = T;
    fn into_result(self) -> Result<T, BoxError> {
        self.map_err(Into::into)
    }
}

impl<T: Send + 'static> Worker<T> {
    /// A worker named `name` whose body returns `()` or `Result<T, E>`.
    /// Whatever the body captures moves to the worker's thread, so it must
    /// be `Send + 'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let path = std::env::temp_dir().join("threadkit-doc-new.txt");
    /// std::fs::write(&path, "hello").unwrap();
    /// let reader = Worker::new("reader", move |_ctx| std::fs::read_to_string(path));
    /// assert_eq!(reader.spawn().join().ok().as_deref(), Some("hello"));
    /// ```
    pub fn new<F, R>(name: impl Into<Arc<str>>, body: F) -> Self
    where
        F: FnOnce(&Context) -> R + Send + 'static,
        R: WorkerResult<Output = T>,
    {
        Worker::from_body(
            name.into(),
            Body::Once(Box::new(move |ctx| body(ctx).into_result())),
        )
    }

    /// A worker whose body returns a plain value: only a panic keeps it from
    /// `Returned`. A `Result`
    /// returned here is a value like any other, never a failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let sum = Worker::infallible("sum", |_ctx| (1..=10).sum::<u32>());
    /// assert_eq!(sum.spawn().join().ok(), Some(55));
    /// ```
    pub fn infallible<F>(name: impl Into<Arc<str>>, body: F) -> Self
    where
        F: FnOnce(&Context) -> T + Send + 'static,
    {
        Worker::from_body(name.into(), Body::Once(Box::new(move |ctx| Ok(body(ctx)))))
    }

    /// A worker whose body runs again, by `policy`, after it ended: see
    /// [`Restart`] for what is restarted, how often, and after which delay.
    /// The body is `FnMut` because it runs once per incarnation; each run
    /// gets a [`Context`] whose [`restarts`](Context::restarts) says which
    /// one it is. Incarnations run one after another on the worker's
    /// thread, so its [`Handle`] stays valid and `join` gives the final
    /// exit. (`#[worker(restart = "...")]` writes this for a function,
    /// cloning its arguments for each incarnation.)
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Restart, Supervisor, Worker};
    ///
    /// let policy = Restart::on_failure().max_restarts(2).backoff(Duration::ZERO, Duration::ZERO);
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::restarting("doomed", policy, |_ctx| Err::<(), _>("disk full")));
    /// let report = supervisor.wait();
    /// // Two restarts, then the third failure escalated: fail-fast, code 1.
    /// assert_eq!(report.records()[0].restarts(), 2);
    /// assert_eq!(report.exit_code(), 1);
    /// ```
    pub fn restarting<F, R>(name: impl Into<Arc<str>>, policy: Restart, mut body: F) -> Self
    where
        F: FnMut(&Context) -> R + Send + 'static,
        R: WorkerResult<Output = T>,
    {
        Worker::from_body(
            name.into(),
            Body::Restarting(Box::new(move |ctx| body(ctx).into_result()), policy),
        )
    }

    fn from_body(name: Arc<str>, body: Body<T>) -> Self {
        Worker {
            name,
            daemon: false,
            readiness: false,
            stack_size: None,
            heartbeat: None,
            shutdown_timeout: None,
            body,
        }
    }

    /// Marks the worker as a daemon (or not). Under a
    /// [`Supervisor`](crate::Supervisor), the group is done when every
    /// non-daemon worker has exited; daemons are then cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let beat = Worker::new("heartbeat", |ctx| ctx.sleep(std::time::Duration::MAX)).daemon(true);
    /// assert!(beat.is_daemon());
    /// ```
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Declares that the worker will announce, with
    /// [`Context::ready`], when it is ready (default `false`). Until every
    /// such worker of a group has, the group is not ready
    /// ([`Supervisor::wait_ready`](crate::Supervisor::wait_ready)); one that
    /// exits first fails the start.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let server = Worker::new("server", |ctx| ctx.ready()).readiness(true);
    /// assert!(server.declares_readiness());
    /// ```
    pub fn readiness(mut self, declared: bool) -> Self {
        self.readiness = declared;
        self
    }

    /// How long this worker gets to stop in its group's ordered shutdown
    /// (see [`ShutdownOrder`](crate::ShutdownOrder)) before the worker
    /// started before it is cancelled, instead of an even share of the
    /// group's [`shutdown_timeout`](crate::Supervisor::shutdown_timeout).
    /// Cut to what is left of the group's: the group's timeout still bounds
    /// the whole shutdown. Without a group, or under
    /// [`ShutdownOrder::AllAtOnce`](crate::ShutdownOrder::AllAtOnce), it
    /// changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().shutdown_timeout(Duration::from_secs(10));
    /// // Flushing takes a while; the workers declared after it take little.
    /// supervisor.spawn(
    ///     Worker::new("journal", |ctx| drop(ctx.cancelled().recv()))
    ///         .shutdown_timeout(Duration::from_secs(8)),
    /// );
    /// supervisor.spawn(Worker::new("api", |ctx| drop(ctx.cancelled().recv())));
    /// supervisor.cancel();
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    pub(crate) fn own_shutdown_timeout(&self) -> Option<Duration> {
        self.shutdown_timeout
    }

    /// Whether the worker declared [`readiness`](Worker::readiness).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// assert!(!Worker::new("w", |_ctx| ()).declares_readiness());
    /// ```
    pub fn declares_readiness(&self) -> bool {
        self.readiness
    }

    /// Gives the worker a heartbeat: under a [`Supervisor`](crate::Supervisor),
    /// a worker that for longer than `window` neither beats
    /// ([`Context::beat`]) nor waits in a way threadkit knows
    /// ([`Context::sleep`], [`Context::idle`]) is *stalled*: the group sends
    /// [`Event::Stalled`](crate::Event::Stalled) and cancels the run, which
    /// then ends as a failure ("stalled") that the worker's
    /// [`Restart`] policy handles. A thread cannot be killed, so a stalled
    /// run that ignores its cancellation for another window starts the
    /// group's shutdown, and ends `Hung` if it ignores that too: the
    /// process exits and its orchestrator restarts it. The monitor sees a
    /// stall between one and two windows after the last progress. A worker
    /// started without a supervisor has no monitor; a zero window means no
    /// heartbeat.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Event, Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new();
    /// let events = supervisor.events();
    /// let (_never_sent, stuck) = threadkit::channel::bounded::<()>(0);
    /// let worker = Worker::new("stuck", move |ctx| {
    ///     // Blocked where threadkit cannot see; the stall cancels the run.
    ///     let cancelled = ctx.cancelled();
    ///     threadkit::channel::select! {
    ///         recv(stuck) -> _ => Ok(()),
    ///         recv(cancelled) -> _ => ctx.check(),
    ///     }
    /// });
    /// supervisor.spawn(worker.heartbeat(Duration::from_millis(20)));
    /// let report = supervisor.wait();
    /// assert!(events.iter().any(|event| matches!(event, Event::Stalled { .. })));
    /// assert!(report.records()[0].exit().to_string().contains("stalled"));
    /// ```
    pub fn heartbeat(mut self, window: Duration) -> Self {
        self.heartbeat = (!window.is_zero()).then_some(window);
        self
    }

    /// Whether the worker has a [`Restart`] policy that ever restarts it.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Restart, Worker};
    /// assert!(Worker::restarting("w", Restart::always(), |_ctx| ()).is_restartable());
    /// assert!(!Worker::new("w", |_ctx| ()).is_restartable());
    /// ```
    pub fn is_restartable(&self) -> bool {
        matches!(&self.body, Body::Restarting(_, policy) if policy.restarts_at_all())
    }

    /// The [`heartbeat`](Worker::heartbeat) window, if the worker has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::Worker;
    /// let worker = Worker::new("w", |_ctx| ()).heartbeat(Duration::from_secs(10));
    /// assert_eq!(worker.heartbeat_window(), Some(Duration::from_secs(10)));
    /// ```
    pub fn heartbeat_window(&self) -> Option<Duration> {
        self.heartbeat
    }

    /// Sets the size of the worker thread's stack, in bytes (see
    /// [`std::thread::Builder::stack_size`]). Ignored by [`run`](Worker::run).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let small = Worker::infallible("small", |_ctx| 1 + 1).stack_size(64 * 1024);
    /// assert_eq!(small.spawn().join().ok(), Some(2));
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// The worker's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// assert_eq!(Worker::new("取配置_4", |_ctx| ()).name(), "取配置_4");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the worker is a daemon.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// assert!(!Worker::new("w", |_ctx| ()).is_daemon());
    /// ```
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Starts the worker on a new OS thread named after it.
    ///
    /// Never panics: if the OS refuses to start the thread (or the name
    /// holds a NUL byte, which OS thread names cannot), the handle's exit is
    /// [`Exit::Failed`] with the reason as the error's source.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let handle = Worker::infallible("namer", |_ctx| {
    ///     std::thread::current().name().map(str::to_owned)
    /// })
    /// .spawn();
    /// assert_eq!(handle.join().ok().flatten().as_deref(), Some("namer"));
    /// ```
    pub fn spawn(self) -> Handle<T> {
        self.start(SyncArc::new(Shared::new()), None)
    }

    /// Runs the worker to completion on the calling thread (Python's
    /// `run()` where [`spawn`](Worker::spawn) is `start()`), catching its
    /// panic. Inside another worker, the inline worker shares that worker's
    /// cancellation.
    ///
    /// Works on any thread, including inside a thread-local's destructor
    /// (where `threadkit::current()` is then `None` for the body).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("inline", |_ctx| std::thread::current().id()).run();
    /// assert_eq!(exit.ok(), Some(std::thread::current().id()));
    /// ```
    pub fn run(self) -> Exit<T> {
        worker_panic::install_hook();
        let token = context::current().map_or_else(CancelToken::new, |ctx| ctx.token().clone());
        execute(&self.name, &token, None, None, self.body)
    }

    /// The worker under the name its group gave it.
    pub(crate) fn named(mut self, name: Arc<str>) -> Self {
        self.name = name;
        self
    }

    pub(crate) fn shared_name(&self) -> Arc<str> {
        self.name.clone()
    }

    /// Starts the worker on `shared`, as a member of a group when
    /// `membership` says so.
    ///
    /// threadkit's panic hook is installed here, on the starting thread,
    /// never on the worker's: a worker started from inside a panic hook
    /// (where std holds its hook lock) must not wait for that lock.
    pub(crate) fn start(
        self,
        shared: SyncArc<Shared<T>>,
        membership: Option<Membership>,
    ) -> Handle<T> {
        worker_panic::install_hook();
        let name = self.name.clone();
        let daemon = self.daemon;
        // If the thread cannot start, its closure (and what it owns) is
        // dropped by std; these copies record the failure instead.
        let ours = shared.clone();
        let kept_membership = membership.clone();
        match self.launch(shared, membership) {
            Ok(thread) => {
                ours.member.cell.set_thread(thread.thread().id());
                Handle::new(name, daemon, Some(thread), ours, kept_membership)
            }
            Err(cause) => {
                let exit = Exit::Failed(Error::spawn_failed(name.clone(), cause));
                record(&ours, kept_membership.as_ref(), exit);
                Handle::new(name, daemon, None, ours, kept_membership)
            }
        }
    }

    /// Starts a worker that waited for a slot in `group`, on the thread
    /// that freed the slot. Its thread goes to `shared` for the handle to
    /// join; the slot holds the lock until then, so a handle that saw the
    /// exit finds the thread.
    pub(crate) fn start_later(
        self,
        shared: SyncArc<Shared<T>>,
        group: SyncArc<Group>,
        late_thread: LateThread,
    ) -> Launcher
    where
        T: 'static,
    {
        Box::new(move |id| {
            worker_panic::install_hook();
            let membership = Membership { group, id };
            let name = self.name.clone();
            let mut slot = late_thread
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match self.launch(shared.clone(), Some(membership.clone())) {
                Ok(thread) => {
                    shared.member.cell.set_thread(thread.thread().id());
                    *slot = Some(thread);
                }
                Err(cause) => {
                    // Recording runs the group's aftermath (users' hooks
                    // and drops), which must not run under this lock: a
                    // hook could join this worker's handle.
                    drop(slot);
                    let exit = Exit::Failed(Error::spawn_failed(name, cause));
                    record(&shared, Some(&membership), exit);
                }
            }
        })
    }

    fn launch(
        self,
        shared: SyncArc<Shared<T>>,
        membership: Option<Membership>,
    ) -> io::Result<JoinHandle<()>> {
        let Worker {
            name,
            stack_size,
            body,
            daemon,
            ..
        } = self;
        if name.contains('\0') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the worker's name contains a NUL byte, which an OS thread name cannot hold",
            ));
        }
        let mut builder = thread::Builder::new().name(name.to_string());
        if let Some(bytes) = stack_size {
            builder = builder.stack_size(bytes);
        }
        builder.spawn(move || {
            shared.member.cell.set_thread(thread::current().id());
            if let Some(id) = crate::native::current_thread_id() {
                let _ = shared.member.native_id.set(id);
            }
            // Kept past the guard, so the value of an exit nobody will join
            // is dropped last, after every bookkeeping step, and a panic in
            // its `Drop` is contained.
            let keep = shared.clone();
            let in_group = membership.clone();
            let span = trace::Span::worker(&name, daemon);
            span.in_scope(|| {
                trace::started();
                let guard = ExitGuard::new(shared, membership, name.clone());
                let member = &guard.shared().member;
                let exit = execute(&name, &member.token, in_group, member.pulse.clone(), body);
                // Before this exit counts, so a group that cancelled its
                // members all at once finishes that sooner (`fanout.rs`).
                member.token.help_cancel();
                trace::exited(&exit);
                guard.complete(exit);
            });
            drop_quietly(keep);
        })
    }
}

impl<T> fmt::Debug for Worker<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("daemon", &self.daemon)
            .field("readiness", &self.readiness)
            .field("stack_size", &self.stack_size)
            .field("heartbeat", &self.heartbeat)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field(
                "restart",
                &match &self.body {
                    Body::Once(_) => None,
                    Body::Restarting(_, policy) => Some(policy),
                },
            )
            .finish_non_exhaustive()
    }
}

/// Runs a body, once or by its restart policy, and returns the worker's
/// exit. Between incarnations the group hears of each restart, the ended
/// incarnation's value is dropped, and the backoff waits, cut short by a
/// cancellation.
fn execute<T>(
    name: &Arc<str>,
    token: &CancelToken,
    membership: Option<Membership>,
    pulse: Option<SyncArc<Pulse>>,
    body: Body<T>,
) -> Exit<T> {
    let run = Run {
        name,
        token,
        membership: &membership,
        pulse: pulse.as_ref(),
    };
    let (mut body, policy) = match body {
        Body::Once(body) => return run.once(0, body),
        Body::Restarting(body, policy) => (body, policy),
    };
    let mut restarts = Restarts::new(policy);
    // Under a sibling strategy, the group's rounds (see `Strategy`).
    let rounds = membership
        .as_ref()
        .filter(|_| pulse.as_ref().is_some_and(|pulse| pulse.in_strategy()));
    loop {
        // A round that came while no run was going (before the first, or
        // during a backoff) holds the next run until it is released.
        if let Some(membership) = rounds {
            if let Some(generation) = membership.group.held_by_round(membership.id) {
                if let RoundEnd::ShuttingDown = membership.group.wait_round(generation) {
                    return Exit::Cancelled;
                }
            }
        }
        let started = Instant::now();
        let exit =
            trace::Span::run(restarts.count()).in_scope(|| run.once(restarts.count(), &mut body));
        if let Some(membership) = rounds {
            membership.group.run_ended(membership.id);
        }
        let outcome = exit.outcome();
        if token.is_cancelled() {
            // A failure that came with the cancellation (or was caused by
            // it) and that the policy would have restarted is not the
            // worker's exit: a moment later it would have been cut short in
            // its backoff. The record still shows it as the last failure.
            if outcome.is_failure() && restarts.would_restart(&outcome, Instant::now()) {
                if let Some(membership) = &membership {
                    membership
                        .group
                        .failed_while_cancelled(membership.id, outcome);
                }
                drop_quietly(exit);
                return Exit::Cancelled;
            }
            return exit;
        }
        // A sibling's restart cancelled this run: run again with it.
        if let Some(membership) = rounds {
            if let Some(generation) = membership.group.held_by_round(membership.id) {
                drop_quietly(exit);
                if let RoundEnd::ShuttingDown = membership.group.wait_round(generation) {
                    return Exit::Cancelled;
                }
                let restart = restarts.add_sibling_restart();
                trace::restarting(restart, Duration::ZERO, &outcome);
                membership
                    .group
                    .restarting(membership.id, restart, Duration::ZERO, outcome);
                continue;
            }
        }
        match restarts.after(name, &outcome, started, Instant::now()) {
            Next::Exit => return exit,
            Next::GiveUp(error) => {
                drop_quietly(exit);
                return Exit::Failed(error);
            }
            Next::Restart { delay } => {
                if let Some(membership) = &membership {
                    if membership.group.is_shutting_down() {
                        return stop_at_turn(token, membership, outcome, exit);
                    }
                }
                trace::restarting(restarts.count(), delay, &outcome);
                if let Some(membership) = &membership {
                    let restart = restarts.count();
                    membership
                        .group
                        .restarting(membership.id, restart, delay, outcome);
                }
                if let Some(membership) = rounds {
                    if let Some(generation) = membership.group.start_round(membership.id) {
                        if let RoundEnd::ShuttingDown = membership.group.wait_round(generation) {
                            // A sibling did not stop in time, or the group
                            // is stopping: this failure is the worker's exit.
                            return exit;
                        }
                    }
                }
                drop_quietly(exit);
                if token.sleep(delay) {
                    return Exit::Cancelled;
                }
                if let Some(membership) = &membership {
                    if membership.group.is_shutting_down() {
                        return stop_at_turn(token, membership, Exit::Cancelled, Exit::Cancelled);
                    }
                }
            }
        }
    }
}

/// Nobody is restarted once the group's shutdown began: a worker whose run
/// ended then waits for its turn to be cancelled (an ordered shutdown
/// cancels one worker at a time) and ends `Cancelled`, its run's failure
/// kept as its last.
fn stop_at_turn<T>(
    token: &CancelToken,
    membership: &Membership,
    outcome: Exit<()>,
    exit: Exit<T>,
) -> Exit<T> {
    drop_quietly(exit);
    if outcome.is_failure() {
        membership
            .group
            .failed_while_cancelled(membership.id, outcome);
    }
    token.sleep(Duration::MAX);
    Exit::Cancelled
}

/// What every run of a worker shares.
struct Run<'a> {
    name: &'a Arc<str>,
    token: &'a CancelToken,
    membership: &'a Option<Membership>,
    pulse: Option<&'a SyncArc<Pulse>>,
}

impl Run<'_> {
    /// Runs the body once, after `restarts` restarts. With a heartbeat,
    /// the run has a token of its own, cancelled with the worker's or by a
    /// stall, and a stalled run is a failure whatever it returned.
    fn once<T>(
        &self,
        restarts: u32,
        body: impl FnOnce(&Context) -> Result<T, BoxError>,
    ) -> Exit<T> {
        let Some(pulse) = self.pulse else {
            return incarnation(
                self.name,
                self.token,
                self.membership.clone(),
                None,
                restarts,
                body,
            );
        };
        let run_token = CancelToken::new();
        let linked = run_token.clone();
        let hook = self.token.on_cancel(Box::new(move || linked.cancel()));
        if hook.is_none() {
            run_token.cancel();
        }
        pulse.start_run(run_token.clone());
        let exit = incarnation(
            self.name,
            &run_token,
            self.membership.clone(),
            Some(pulse.clone()),
            restarts,
            body,
        );
        if let Some(hook) = hook {
            self.token.remove_hook(hook);
        }
        if pulse.end_run() && !self.token.is_cancelled() {
            drop_quietly(exit);
            let message = format!(
                "stalled: no heartbeat for {:?} (see `Worker::heartbeat`)",
                pulse.window().unwrap_or_default()
            );
            return Exit::Failed(Error::new(
                self.name.clone(),
                Some(thread::current().id()),
                message.into(),
            ));
        }
        exit
    }
}

/// Runs one incarnation with its context installed and classifies how it
/// ended. Classification runs inside the panic catcher too: it calls the
/// user's `Display` and drops the user's error, and either may panic.
fn incarnation<T>(
    name: &Arc<str>,
    token: &CancelToken,
    membership: Option<Membership>,
    pulse: Option<SyncArc<Pulse>>,
    restarts: u32,
    body: impl FnOnce(&Context) -> Result<T, BoxError>,
) -> Exit<T> {
    let context = Context::new(name.clone(), token.clone())
        .in_group(membership)
        .incarnation(restarts)
        .with_pulse(pulse);
    let _entered = context::enter(context.clone());
    let classified = worker_panic::catch(name, || match body(&context) {
        Ok(value) => Exit::Returned(value),
        Err(error) if is_cancellation(&*error, &context) => Exit::Cancelled,
        Err(error) => Exit::Failed(Error::new(
            name.clone(),
            Some(thread::current().id()),
            error,
        )),
    });
    classified.unwrap_or_else(Exit::Panicked)
}

/// An error means "cancelled" when `Cancelled` is in its source chain, or
/// (for error types such as `anyhow::Error` that hide what they wrap once
/// boxed) when cancellation was requested and the message is exactly
/// `Cancelled`'s.
fn is_cancellation(error: &(dyn StdError + Send + Sync + 'static), context: &Context) -> bool {
    crate::error::chain(error).any(|error| error.is::<Cancelled>())
        || (context.is_cancelled() && error.to_string() == Cancelled.to_string())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn unit_and_result_bodies_classify() {
        assert!(Worker::new("unit", |_ctx| ()).run().is_success());
        assert_eq!(
            Worker::new("ok", |_ctx| Ok::<_, io::Error>(3)).run().ok(),
            Some(3)
        );
        let failed = Worker::new("err", |_ctx| Err::<(), _>(io::Error::other("x"))).run();
        assert_eq!(failed.code(), 1);
    }

    #[test]
    fn infallible_treats_a_result_as_a_value() {
        let exit = Worker::infallible("value", |_ctx| Err::<(), &str>("just data")).run();
        assert_eq!(exit.ok(), Some(Err("just data")));
    }

    #[test]
    fn cancelled_error_is_recognised_directly_boxed_and_as_source() {
        #[derive(Debug)]
        struct Wrapped(Cancelled);
        impl fmt::Display for Wrapped {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("stopping")
            }
        }
        impl StdError for Wrapped {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        assert!(Worker::new("a", |_ctx| Err::<(), _>(Cancelled))
            .run()
            .is_cancelled());
        let boxed: BoxError = Box::new(Cancelled);
        assert!(Worker::new("b", |_ctx| Err::<(), _>(boxed))
            .run()
            .is_cancelled());
        assert!(Worker::new("c", |_ctx| Err::<(), _>(Wrapped(Cancelled)))
            .run()
            .is_cancelled());
    }

    #[test]
    fn a_cancelled_message_alone_is_not_a_cancellation() {
        let exit = Worker::new("liar", |_ctx| Err::<(), _>("cancelled")).run();
        assert!(exit.error().is_some(), "nobody cancelled this worker");
    }

    #[test]
    fn nul_in_name_fails_the_spawn_instead_of_panicking() {
        let exit = Worker::new("bad\0name", |_ctx| ()).spawn().join();
        let error = exit.error().expect("spawn must fail");
        assert_eq!(error.thread_id(), None);
        let io = error.downcast_ref::<io::Error>().unwrap();
        assert_eq!(io.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn exit_guard_records_a_panic_when_dropped_before_completion() {
        use crate::protocol::{ExitGuard, Group, Membership};
        let group = SyncArc::new(Group::new(std::time::Duration::from_secs(1)));
        let shared = SyncArc::new(Shared::<u8>::new());
        let id = group
            .register("w".into(), false, false, None, &shared.member, true)
            .id()
            .unwrap();
        let membership = Membership {
            group: group.clone(),
            id,
        };
        let guard = ExitGuard::new(shared.clone(), Some(membership), "w".into());
        drop(guard); // as if unwinding past it
        let outcome = shared.member.cell.wait(None).unwrap();
        let exit = shared.exit(outcome);
        assert!(exit.panic().unwrap().message().contains("unwound"));
        let report = group.wait(None).unwrap();
        assert_eq!(report.records()[0].code(), 101);
        assert_eq!(report.records().len(), 1);
    }

    #[test]
    fn a_panicking_display_during_classification_is_a_caught_panic() {
        #[derive(Debug)]
        struct Nasty;
        impl fmt::Display for Nasty {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                panic!("display exploded")
            }
        }
        impl StdError for Nasty {}
        let handle = Worker::new("nasty", |ctx| {
            ctx.sleep(std::time::Duration::MAX).ok();
            Err::<(), _>(Nasty)
        })
        .spawn();
        handle.cancel(); // cancelled, so the message is compared: Display runs
        let exit = handle.join();
        assert_eq!(exit.panic().unwrap().message(), "display exploded");
    }

    #[test]
    fn inline_run_inside_a_worker_shares_its_cancellation() {
        let handle = Worker::infallible("outer", |ctx| {
            ctx.sleep(std::time::Duration::from_secs(3600)).ok();
            Worker::new("inner", |inner| inner.check()).run()
        })
        .spawn();
        handle.cancel();
        let inner = handle.join().ok().expect("outer returns the inner exit");
        assert!(inner.is_cancelled());
    }
}
