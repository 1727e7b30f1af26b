//! Running workers as a group: [`Supervisor`], [`Canceller`] and
//! [`Spawner`].

use std::fmt;
use std::time::Duration;

use crate::event::Events;
use crate::protocol::{
    drop_quietly, Admission, CancelToken, Enqueued, Group, HookId, LateThread, Membership, Pulse,
    Shared,
};
use crate::sync::{deadline_after, Arc};
use crate::Strategy;
use crate::{Context, Handle, Report, Worker};

/// Runs workers as a group, records every exit, and shuts the group down
/// in bounded time. The macro-free API that `#[supervise]` expands onto.
///
/// The rules (the crate's front page lists them all; the repository's
/// `RELIABILITY.md` names the test or model that checks each):
/// 1. Every exit is recorded exactly once, panics included.
/// 2. Fail-fast: the first worker to fail (`Err` or panic) cancels every
///    other worker; [`wait`](Supervisor::wait) then returns a [`Report`]
///    whose [`first_failure`](Report::first_failure) is that worker.
/// 3. Daemons: once [`wait`](Supervisor::wait) is called and every
///    non-daemon worker has exited, the daemons are cancelled. A group of
///    only daemons runs until a failure or a [`cancel`](Supervisor::cancel).
/// 4. Threads cannot be killed: a worker still running
///    [`shutdown_timeout`](Supervisor::shutdown_timeout) after the shutdown
///    began (default 5 s) is reported [`Exit::Hung`](crate::Exit::Hung) and detached, and
///    `wait` returns anyway.
/// 5. No polling: exits arrive as notifications; the owner sleeps until the
///    last exit or the shutdown deadline.
/// 6. A shutdown cancels the workers one at a time, the last spawned
///    first, within the shutdown timeout (see
///    [`ShutdownOrder`](crate::ShutdownOrder)); nobody is restarted once it
///    began.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Exit, Supervisor, Worker};
///
/// let supervisor = Supervisor::new().shutdown_timeout(Duration::from_secs(1));
/// let heartbeat = supervisor.spawn(
///     Worker::new("heartbeat", |ctx| {
///         while ctx.sleep(Duration::from_millis(100)).is_ok() {}
///     })
///     .daemon(true),
/// );
/// let answer = supervisor.spawn(Worker::infallible("answer", |_ctx| 42));
///
/// let report = supervisor.wait(); // `answer` done, so the daemon is cancelled
/// assert!(report.is_success());
/// assert_eq!(answer.join().ok(), Some(42));
/// assert!(matches!(heartbeat.join(), Exit::Returned(())));
/// ```
pub struct Supervisor {
    group: Arc<Group>,
    /// For a child group: the hook on the parent worker's token, removed
    /// when this supervisor goes away.
    parent: Option<ParentLink>,
    /// SIGINT/SIGTERM handling, stopped when this supervisor goes away.
    #[cfg(all(feature = "signals", unix))]
    signals: Option<Box<crate::signals::SignalGuard>>,
    /// SIGUSR1 printing the snapshot, stopped when this supervisor goes away.
    #[cfg(all(feature = "signals", unix))]
    /// Boxed, as `signals`: `wait_timeout` hands the supervisor back by
    /// value, and most groups have neither.
    snapshot_signal: Option<Box<crate::snapshot_signal::SnapshotOnSignal>>,
    /// The systemd notifier, joined by `wait` so its last `STATUS=` is sent
    /// before the owner goes on (and the process, perhaps, exits).
    #[cfg(all(feature = "systemd", unix))]
    systemd: Option<std::thread::JoinHandle<()>>,
}

struct ParentLink {
    token: CancelToken,
    hook: HookId,
}

impl Drop for ParentLink {
    fn drop(&mut self) {
        self.token.remove_hook(self.hook);
    }
}

/// The default [`Supervisor::shutdown_timeout`]: 5 seconds.
///
/// # Examples
///
/// ```
/// assert_eq!(threadkit::DEFAULT_SHUTDOWN_TIMEOUT, std::time::Duration::from_secs(5));
/// ```
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// The default [`Supervisor::retain_records`]: 1024 records besides the
/// first failure.
///
/// # Examples
///
/// ```
/// use threadkit::{Supervisor, Worker, DEFAULT_RETAINED_RECORDS};
/// let supervisor = Supervisor::new();
/// for n in 0..DEFAULT_RETAINED_RECORDS + 1 {
///     supervisor.spawn(Worker::new(format!("job_{n}"), |_ctx| ()));
/// }
/// let report = supervisor.wait();
/// assert_eq!(report.records().len(), DEFAULT_RETAINED_RECORDS);
/// assert_eq!(report.folded(), 1);
/// ```
pub const DEFAULT_RETAINED_RECORDS: usize = 1024;

impl Supervisor {
    /// An empty group with the default shutdown timeout (5 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Supervisor;
    /// let report = Supervisor::new().wait();
    /// assert!(report.is_success());
    /// assert!(report.records().is_empty());
    /// ```
    pub fn new() -> Self {
        Supervisor {
            group: Arc::new(Group::new(DEFAULT_SHUTDOWN_TIMEOUT)),
            parent: None,
            #[cfg(all(feature = "signals", unix))]
            signals: None,
            #[cfg(all(feature = "signals", unix))]
            snapshot_signal: None,
            #[cfg(all(feature = "systemd", unix))]
            systemd: None,
        }
    }

    /// A group nested in the worker that owns `ctx`: cancelling that worker
    /// (directly, or because its own group shuts down) cancels this group,
    /// so cancelling the root of a supervision tree stops every subtree.
    /// Run the child group inside the worker and turn its report into the
    /// worker's result, so that a failing subtree is one failure of its
    /// parent.
    ///
    /// The link to the parent lasts as long as this supervisor: once it has
    /// waited (or is dropped) the parent keeps nothing of it, so a worker
    /// may run child groups in a loop for ever.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let parent = Supervisor::new();
    /// parent.spawn(Worker::new("subtree", |ctx| {
    ///     let child = Supervisor::child_of(ctx);
    ///     child.spawn(Worker::new("leaf", |leaf| leaf.sleep(Duration::MAX)));
    ///     child.wait().into_result().map(|_| ())
    /// }));
    /// parent.spawn(Worker::new("fails", |_ctx| Err::<(), _>("boom")));
    /// let report = parent.wait(); // the failure cancels the subtree, leaf included
    /// assert_eq!(report.first_failure().unwrap().name(), "fails");
    /// assert!(report.record("subtree").unwrap().exit().is_success());
    /// ```
    pub fn child_of(ctx: &Context) -> Self {
        let mut supervisor = Supervisor::new();
        let group = supervisor.group.clone();
        let token = ctx.token().clone();
        let hook = token.on_cancel(Box::new(move || group.cancel()));
        supervisor.parent = hook.map(|hook| ParentLink { token, hook });
        #[cfg(not(loom))]
        if let Some(membership) = ctx.membership() {
            membership.group.adopt(membership.id, &supervisor.group);
        }
        supervisor
    }

    /// How long workers get, once the shutdown began, to exit before they
    /// are reported [`Exit::Hung`](crate::Exit::Hung). `Duration::ZERO` gives no grace at all;
    /// `Duration::MAX` waits for ever.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(50));
    /// // Ignores cancellation: a thread cannot be killed, only abandoned.
    /// supervisor.spawn(Worker::new("stubborn", |_ctx| std::thread::sleep(Duration::from_secs(2))));
    /// supervisor.cancel();
    /// let report = supervisor.wait(); // returns after ~50 ms, not 2 s
    /// assert_eq!(report.exit_code(), 124);
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) -> Self {
        self.group.set_timeout(timeout);
        self
    }

    /// In which order the shutdown cancels the group's workers (default
    /// [`ShutdownOrder::Reverse`](crate::ShutdownOrder::Reverse): one at a
    /// time, the last started first); see
    /// [`ShutdownOrder`](crate::ShutdownOrder).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{ShutdownOrder, Supervisor};
    /// // Independent workers: cancel them all at once.
    /// let supervisor = Supervisor::new().shutdown_order(ShutdownOrder::AllAtOnce);
    /// # drop(supervisor);
    /// ```
    pub fn shutdown_order(self, order: crate::ShutdownOrder) -> Self {
        self.group.set_shutdown_order(order);
        self
    }

    /// When the group is done and what a failure does to the others
    /// (default [`Completion::AllSucceed`](crate::Completion::AllSucceed):
    /// fail-fast); see [`Completion`](crate::Completion).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Completion, Supervisor, Worker};
    ///
    /// // Every outcome matters: a failure cancels nobody.
    /// let supervisor = Supervisor::new().completion(Completion::AllSettle);
    /// supervisor.spawn(Worker::new("bad_row", |_ctx| Err::<(), _>("parse error")));
    /// let good = supervisor.spawn(Worker::infallible("good_rows", |_ctx| 99));
    /// let report = supervisor.wait();
    /// assert_eq!(good.join().ok(), Some(99)); // ran to its end
    /// assert_eq!(report.exit_code(), 1); // the first failure's code
    /// ```
    pub fn completion(self, completion: crate::Completion) -> Self {
        self.group.set_completion(completion);
        self
    }

    /// What else restarts when one of the group's workers is restarted by
    /// its [`Restart`](crate::Restart) policy (default
    /// [`Strategy::OneForOne`]: nothing else); see [`Strategy`]. Set it
    /// before spawning: it applies to workers spawned after.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Strategy, Supervisor};
    /// let supervisor = Supervisor::new().strategy(Strategy::RestForOne);
    /// # drop(supervisor);
    /// ```
    pub fn strategy(self, strategy: Strategy) -> Self {
        self.group.set_strategy(strategy);
        self
    }

    /// SIGINT and SIGTERM start this group's graceful shutdown (feature
    /// `signals`, Unix), until the supervisor has waited or is dropped:
    ///
    /// - the first signal starts the shutdown: the workers are cancelled
    ///   (in the [`ShutdownOrder`](crate::ShutdownOrder)) within the
    ///   shutdown timeout; the report's cause is
    ///   [`ShutdownCause::Signal`](crate::ShutdownCause::Signal) and its exit
    ///   code 128 + the signal (130, 143), unless a worker had failed first;
    /// - a second signal while the group still runs ends the process at
    ///   once, with the group's exit code as it stands;
    /// - a signal that arrives before any worker started stops the group
    ///   all the same (later workers start cancelled);
    /// - once no group handles signals, they do what they would without
    ///   threadkit (terminate the process).
    ///
    /// Signals belong to the whole process: a program that handles SIGINT or
    /// SIGTERM itself should call a [`Canceller`] from its own handler
    /// instead.
    ///
    /// # Errors
    ///
    /// When the signal handlers or their thread cannot be set up.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "signals", unix))] {
    /// use std::time::Duration;
    /// use threadkit::{ShutdownCause, Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().handle_signals().expect("signal handlers");
    /// supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    /// signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap(); // as `kill -TERM`
    /// let report = supervisor.wait();
    /// assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Signal { signal: 15 }));
    /// assert_eq!(report.exit_code(), 143);
    /// # }
    /// ```
    #[cfg(all(feature = "signals", unix))]
    pub fn handle_signals(mut self) -> std::io::Result<Self> {
        self.install_signals()?;
        Ok(self)
    }

    #[cfg(all(feature = "signals", unix))]
    pub(crate) fn install_signals(&mut self) -> std::io::Result<()> {
        if self.signals.is_none() {
            self.signals = Some(Box::new(crate::signals::SignalGuard::install(
                self.group.clone(),
            )?));
        }
        Ok(())
    }

    /// Prints this group's [`snapshot`](Supervisor::snapshot) to stderr
    /// each time the process receives SIGUSR1 (feature `signals`, Unix),
    /// until the supervisor goes away: `kill -USR1 <pid>` shows an operator
    /// which worker is stuck, as a JVM's thread dump does. A thread of the
    /// group's own waits for the signal. Once no group prints on SIGUSR1,
    /// the signal is ignored rather than fatal (signal-hook cannot restore
    /// the default action).
    ///
    /// # Errors
    ///
    /// When the signal cannot be registered or the thread cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "signals", unix))] {
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().snapshot_on_sigusr1().expect("SIGUSR1");
    /// supervisor.spawn(Worker::new("server", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    /// // `kill -USR1 <pid>` now prints:
    /// // threadkit: snapshot on SIGUSR1 (pid 4242)
    /// // group running, ready; 1 running, 0 exited
    /// //   server (daemon)  running  3.2s  tid 4243
    /// supervisor.cancel();
    /// assert!(supervisor.wait().is_success());
    /// # }
    /// ```
    #[cfg(all(feature = "signals", unix))]
    pub fn snapshot_on_sigusr1(mut self) -> std::io::Result<Self> {
        self.install_snapshot_signal()?;
        Ok(self)
    }

    #[cfg(all(feature = "signals", unix))]
    pub(crate) fn install_snapshot_signal(&mut self) -> std::io::Result<()> {
        if self.snapshot_signal.is_none() {
            self.snapshot_signal = Some(Box::new(
                crate::snapshot_signal::SnapshotOnSignal::install(self.group.clone())?,
            ));
        }
        Ok(())
    }

    /// Speaks systemd's notify protocol for this group (feature `systemd`,
    /// Unix), so the process can run as a `Type=notify` service:
    ///
    /// - `READY=1` once the group is ready: the owner waits (or waits for
    ///   readiness) and every worker that declared
    ///   [`readiness`](crate::Worker::readiness) announced it;
    /// - `WATCHDOG=1` every half `WATCHDOG_USEC` while the group runs, when
    ///   systemd set a watchdog (`WatchdogSec=`);
    /// - `STOPPING=1` when the shutdown begins;
    /// - `STATUS=` with a one-line summary: ready, each restart, the
    ///   shutdown's cause, the final exit code.
    ///
    /// Without `$NOTIFY_SOCKET` (not started by systemd) it does nothing.
    /// Otherwise a thread of the group's own sends the datagrams and ends
    /// with the group; [`wait`](Supervisor::wait) returns only once the
    /// final `STATUS=` was sent, so a `main` that exits right after loses
    /// none. A unit for such a service:
    ///
    /// ```ini
    /// [Service]
    /// Type=notify
    /// ExecStart=/usr/local/bin/my_service
    /// WatchdogSec=10
    /// Restart=on-failure
    /// ```
    ///
    /// # Errors
    ///
    /// When the notifier thread cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "systemd", unix))] {
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().notify_systemd().expect("notifier thread");
    /// supervisor.spawn(Worker::new("job", |_ctx| ()));
    /// assert!(supervisor.wait().is_success()); // outside systemd: nothing sent
    /// # }
    /// ```
    #[cfg(all(feature = "systemd", unix))]
    pub fn notify_systemd(mut self) -> std::io::Result<Self> {
        self.start_systemd_notifier()?;
        Ok(self)
    }

    #[cfg(all(feature = "systemd", unix))]
    pub(crate) fn start_systemd_notifier(&mut self) -> std::io::Result<()> {
        if self.systemd.is_none() {
            self.systemd = crate::systemd::start(&self.group)?;
        }
        Ok(())
    }

    /// Once the group finished: lets the systemd notifier send its last
    /// status (it ends at `Finished`, so this waits for one datagram).
    fn finish_notifying(&mut self) {
        #[cfg(all(feature = "systemd", unix))]
        if let Some(notifier) = self.systemd.take() {
            let _ = notifier.join();
        }
    }

    /// How many finished workers' [`Record`](crate::Record)s the group keeps
    /// besides the first failure (default [`DEFAULT_RETAINED_RECORDS`],
    /// 1024), so that a group that runs
    /// a worker per request for months stays in bounded memory.
    ///
    /// When one more record arrives, the oldest kept record that is not a
    /// failure is *folded*: dropped, and counted by outcome in the report
    /// ([`Report::folded`]; the table's summary line still counts every
    /// worker). Only when every kept record is a failure does the oldest
    /// failure go. The first failure is never folded, so the exit code, the
    /// cause and [`Report::first_failure`] never change. Values stay with
    /// the handles either way: a `#[supervise]` report's fields are complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().retain_records(2);
    /// for n in 0..5 {
    ///     supervisor.spawn(Worker::new(format!("job_{n}"), move |_ctx| {
    ///         if n == 1 { Err("bad") } else { Ok(()) }
    ///     }));
    /// }
    /// let report = supervisor.wait();
    /// assert_eq!(report.records().len() + report.folded(), 5);
    /// assert!(report.records().len() <= 3);
    /// assert_eq!(report.first_failure().unwrap().name(), "job_1");
    /// assert_eq!(report.exit_code(), 1);
    /// ```
    pub fn retain_records(self, records: usize) -> Self {
        self.group.retain_records(records);
        self
    }

    /// Starts `worker` on its own thread as a member of this group.
    ///
    /// A worker spawned while the group is shutting down still starts, but
    /// already cancelled (as in Go's errgroup): it decides how to stop, and
    /// its exit is recorded like any other. If the OS refuses the thread,
    /// the exit is [`Exit::Failed`](crate::Exit::Failed), which starts the fail-fast shutdown.
    ///
    /// Names are unique among the group's running workers: a worker whose
    /// name a running worker already goes by is renamed `name#2`, `name#3`,
    /// ... (counting up while `name` stays taken, skipping any such name a
    /// running worker goes by; its thread, handle, events and record all
    /// use it). A name is free again as soon as the worker going by it has
    /// exited, so a report may hold several records of one name, as a loop
    /// that reuses it leaves.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// let handle = supervisor.spawn(Worker::infallible("double", |_ctx| 21 * 2));
    /// assert!(supervisor.wait().is_success());
    /// assert_eq!(handle.join().ok(), Some(42));
    /// ```
    pub fn spawn<T: Send + 'static>(&self, worker: Worker<T>) -> Handle<T> {
        spawn_waiting(&self.group, worker)
    }

    /// Starts `worker` like [`spawn`](Supervisor::spawn) if the group's
    /// [`limit`](Supervisor::limit) has a free slot (and nobody waits for
    /// one), and hands it back otherwise (Go's `errgroup.TryGo`). Without a
    /// limit it always starts.
    ///
    /// # Errors
    ///
    /// The worker itself, unstarted, when every slot is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().limit(NonZeroUsize::MIN);
    /// let busy = supervisor.spawn(Worker::new("busy", |ctx| ctx.sleep(Duration::MAX)));
    /// let refused = supervisor.try_spawn(Worker::infallible("extra", |_ctx| 1));
    /// let extra = refused.expect_err("the only slot is taken");
    /// busy.cancel();
    /// drop(busy.join());
    /// let handle = supervisor.try_spawn(extra).expect("the slot is free again");
    /// assert_eq!(handle.join().ok(), Some(1));
    /// assert!(supervisor.wait().is_success());
    /// ```
    // The refused worker comes back by value, as `TrySendError` returns
    // the message.
    #[allow(clippy::result_large_err)]
    pub fn try_spawn<T: Send + 'static>(&self, worker: Worker<T>) -> Result<Handle<T>, Worker<T>> {
        spawn_into(&self.group, worker, false)
    }

    /// At most `limit` of the group's workers run at once (Go's
    /// `errgroup.SetLimit`), daemons included. A worker spawned while every
    /// slot is taken waits, in spawn order, without a thread, and starts
    /// when a running worker exits: its [`Handle`] is returned at once and
    /// a snapshot shows it [`Waiting`](crate::WorkerState::Waiting). When
    /// the shutdown begins, the waiting workers are cancelled without ever
    /// starting: their exit is [`Cancelled`](crate::Exit::Cancelled) and
    /// their record says [`started`](crate::Record::started) `false`; so is
    /// a waiting worker whose handle is cancelled. Set it before spawning.
    /// A `NonZeroUsize`, since a group that can run nobody would wait for
    /// ever; `#[supervise(limit = 4)]` rejects 0 at compile time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().limit(NonZeroUsize::new(2).unwrap());
    /// let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    /// for n in 0..10 {
    ///     let (running, most) = (running.clone(), most.clone());
    ///     supervisor.spawn(Worker::new(format!("fetch_{n}"), move |_ctx| {
    ///         let now = running.fetch_add(1, Ordering::SeqCst) + 1;
    ///         most.fetch_max(now, Ordering::SeqCst);
    ///         std::thread::yield_now();
    ///         running.fetch_sub(1, Ordering::SeqCst);
    ///     }));
    /// }
    /// assert!(supervisor.wait().is_success());
    /// assert!(most.load(Ordering::SeqCst) <= 2);
    /// ```
    pub fn limit(self, limit: std::num::NonZeroUsize) -> Self {
        self.group.set_limit(limit.get());
        self
    }

    /// A cloneable, `Send` handle that starts workers in this group from
    /// anywhere, a worker of the group included (a crawler that spawns a
    /// worker per link it finds).
    ///
    /// A worker spawned this way is a member like any other: it keeps a
    /// group that is waited for alive while it runs (a worker that spawns
    /// before it exits extends the group), and it starts already cancelled
    /// once the shutdown began. After the group finished it still starts,
    /// cancelled, and belongs to no report.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new();
    /// let spawner = supervisor.spawner();
    /// supervisor.spawn(Worker::new("parent", move |_ctx| {
    ///     let child = spawner.spawn(Worker::infallible("child", |_ctx| 7));
    ///     child.join().ok().ok_or("the child failed")
    /// }));
    /// let report = supervisor.wait();
    /// assert_eq!(report.records().len(), 2);
    /// assert!(report.is_success());
    /// ```
    pub fn spawner(&self) -> Spawner {
        Spawner {
            group: self.group.clone(),
        }
    }

    /// Starts the shutdown now: the workers are cancelled, in the group's
    /// [`ShutdownOrder`](crate::ShutdownOrder), within the shutdown
    /// timeout. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)));
    /// supervisor.cancel();
    /// let report = supervisor.wait();
    /// assert!(report.records()[0].exit().is_cancelled());
    /// assert_eq!(report.exit_code(), 0); // a requested stop is not a failure
    /// ```
    pub fn cancel(&self) {
        self.group.cancel();
    }

    /// Waits until the group is ready: every worker that declared
    /// [`readiness`](Worker::readiness) has announced it with
    /// [`Context::ready`]. At once when no worker declared readiness.
    /// Workers spawned later that declare readiness make the group not
    /// ready again until they announce it.
    ///
    /// # Errors
    ///
    /// [`NotReady::Exited`](crate::NotReady::Exited) when a worker that
    /// declared readiness exited first (the start failed; later calls say
    /// the same), or [`NotReady::TimedOut`](crate::NotReady::TimedOut) after
    /// `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new();
    /// for n in 0..3 {
    ///     supervisor.spawn(
    ///         Worker::new(format!("shard_{n}"), |ctx| {
    ///             ctx.ready();
    ///             ctx.sleep(Duration::MAX)
    ///         })
    ///         .readiness(true),
    ///     );
    /// }
    /// supervisor.wait_ready(Duration::from_secs(60)).unwrap();
    /// assert!(supervisor.is_ready());
    /// supervisor.cancel();
    /// let _ = supervisor.wait();
    /// ```
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), crate::NotReady> {
        self.group.wait_ready(deadline_after(timeout))
    }

    /// Whether every worker spawned so far that declared readiness has
    /// announced it, and none failed the start (see
    /// [`wait_ready`](Supervisor::wait_ready)).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Supervisor;
    /// assert!(Supervisor::new().is_ready()); // nobody declared readiness
    /// ```
    pub fn is_ready(&self) -> bool {
        self.group.is_ready()
    }

    /// Every worker's state now (see [`Snapshot`](crate::Snapshot)); the
    /// same as `self.probe().snapshot()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// assert!(supervisor.spawn(Worker::infallible("job", |_ctx| ())).join().is_success());
    /// assert_eq!(supervisor.snapshot().workers().len(), 1);
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn snapshot(&self) -> crate::Snapshot {
        self.group.snapshot()
    }

    /// A cloneable, `Send + Sync` handle that reads this group's
    /// [`Snapshot`](crate::Snapshot) and [`Health`](crate::Health) from
    /// other threads (an HTTP server's probes); see
    /// [`Probe`](crate::Probe).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Supervisor;
    /// let supervisor = Supervisor::new();
    /// let probe = supervisor.probe();
    /// assert!(std::thread::spawn(move || probe.health().is_live()).join().unwrap());
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn probe(&self) -> crate::Probe {
        crate::Probe::new(self.group.clone())
    }

    /// A cloneable, `Send` handle that can [`cancel`](Canceller::cancel) this
    /// group from another thread (a signal handler thread, a watchdog)
    /// while the owner is blocked in [`wait`](Supervisor::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    /// let canceller = supervisor.canceller();
    /// std::thread::spawn(move || canceller.cancel());
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn canceller(&self) -> Canceller {
        Canceller {
            group: self.group.clone(),
        }
    }

    /// A new channel that receives every [`Event`](crate::Event) from now on: starts,
    /// exits (with the full record, errors and panics included), the
    /// shutdown's start, and a final [`Event::Finished`](crate::Event::Finished) after which the
    /// channel disconnects. Call it before spawning to see every event; call
    /// it again for a second listener (each gets every event). A supervisor
    /// nobody listens to buffers nothing, and dropping the [`Events`] ends
    /// its subscription at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Event, Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// let events = supervisor.events();
    /// supervisor.spawn(Worker::new("one", |_ctx| ()));
    /// let _ = supervisor.wait();
    /// let kinds: Vec<&str> = events.iter().map(|event| match event {
    ///     Event::Started { .. } => "started",
    ///     Event::Exited(_) => "exited",
    ///     Event::ShutdownStarted { .. } => "shutdown",
    ///     Event::Finished { .. } => "finished",
    ///     _ => "other",
    /// }).collect();
    /// assert_eq!(kinds, ["started", "exited", "shutdown", "finished"]);
    /// ```
    pub fn events(&self) -> Events {
        Events::subscribe(self.group.clone())
    }

    /// Waits until the group is done and returns its [`Report`]: until every
    /// worker exited, or until the shutdown timeout passed after the
    /// shutdown began (the rest are then reported [`Exit::Hung`](crate::Exit::Hung) and
    /// detached). Never blocks longer than that.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("ok", |_ctx| ()));
    /// supervisor.spawn(Worker::infallible("bad", |_ctx| panic!("boom")));
    /// let report = supervisor.wait();
    /// assert_eq!(report.exit_code(), 101);
    /// ```
    pub fn wait(mut self) -> Report {
        // Without a deadline the wait only ends with the group finished.
        let report = self.group.wait(None).unwrap_or_else(|| self.group.report());
        self.finish_notifying();
        report
    }

    /// Like [`wait`](Supervisor::wait), but gives up after `timeout` and
    /// hands the supervisor back, to wait again (or spawn more, or cancel).
    ///
    /// # Errors
    ///
    /// The supervisor itself, when the group has not finished within
    /// `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)));
    /// let supervisor = supervisor.wait_timeout(Duration::from_millis(10)).unwrap_err();
    /// supervisor.cancel();
    /// let report = supervisor.wait_timeout(Duration::from_secs(60)).unwrap();
    /// assert!(report.is_success());
    /// ```
    pub fn wait_timeout(mut self, timeout: Duration) -> Result<Report, Supervisor> {
        match self.group.wait(deadline_after(timeout)) {
            Some(report) => {
                self.finish_notifying();
                Ok(report)
            }
            None => Err(self),
        }
    }
}

impl Default for Supervisor {
    fn default() -> Self {
        Supervisor::new()
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor").finish_non_exhaustive()
    }
}

/// Dropping a supervisor without waiting cancels its workers and does not
/// wait for them (like dropping a tokio `JoinSet`). The group still records
/// every exit, keeps no value of any worker, and finishes when the last
/// worker exits; if someone listens to [`events`](Supervisor::events), a
/// short-lived thread waits for the group in the owner's place, so that
/// [`Event::Finished`](crate::Event::Finished) arrives by the shutdown
/// deadline even if a worker hangs.
impl Drop for Supervisor {
    fn drop(&mut self) {
        if self.group.abandon() {
            let group = self.group.clone();
            // If no thread can be had, the last exit finishes the group.
            let _ = std::thread::Builder::new()
                .name("threadkit-reaper".to_owned())
                .spawn(move || drop_quietly(group.wait_abandoned()));
        }
    }
}

/// Starts `worker` in `group`, or queues it for a slot under the group's
/// limit.
fn spawn_waiting<T: Send + 'static>(group: &Arc<Group>, worker: Worker<T>) -> Handle<T> {
    match spawn_into(group, worker, true) {
        Ok(handle) => handle,
        // Only a worker that may not wait is ever handed back.
        Err(worker) => worker.spawn(),
    }
}

/// Starts `worker` as a member of `group` (or queues it for a slot under
/// the group's limit); with `may_wait` false, hands it back rather than
/// queue it.
#[allow(clippy::result_large_err)]
fn spawn_into<T: Send + 'static>(
    group: &Arc<Group>,
    worker: Worker<T>,
    may_wait: bool,
) -> Result<Handle<T>, Worker<T>> {
    let window = worker.heartbeat_window();
    let in_strategy = worker.is_restartable() && group.strategy() != Strategy::OneForOne;
    let pulse =
        (window.is_some() || in_strategy).then(|| Arc::new(Pulse::new(window, in_strategy)));
    if window.is_some() {
        Group::watch_heartbeats(group);
    }
    let shared = Arc::new(Shared::with_pulse(pulse));
    let admission = group.register(
        worker.shared_name(),
        worker.is_daemon(),
        worker.declares_readiness(),
        worker.own_shutdown_timeout(),
        &shared.member,
        may_wait,
    );
    let membership = |id| Membership {
        group: group.clone(),
        id,
    };
    let (id, worker) = match admission {
        Admission::Now(id, name) => {
            return Ok(worker.named(name).start(shared, Some(membership(id))))
        }
        Admission::Closed => return Ok(worker.start(shared, None)),
        Admission::Refused => return Err(worker),
        Admission::Waits(id, name) => (id, worker.named(name)),
    };
    let name = worker.shared_name();
    let daemon = worker.is_daemon();
    let late_thread = LateThread::default();
    let launcher = worker.start_later(shared.clone(), group.clone(), late_thread.clone());
    match group.enqueue(id, launcher) {
        Enqueued::Kept => {}
        Enqueued::StartNow(launch) => launch(id),
        Enqueued::Gone(launcher) => drop_quietly(launcher),
    }
    let handle = Handle::new(name, daemon, None, shared, Some(membership(id)));
    Ok(handle.with_late_thread(late_thread))
}

/// Starts workers in a [`Supervisor`]'s group from anywhere; see
/// [`Supervisor::spawner`].
///
/// # Examples
///
/// ```
/// use threadkit::{Supervisor, Worker};
/// let supervisor = Supervisor::new();
/// let spawner = supervisor.spawner();
/// let handle = std::thread::spawn(move || spawner.spawn(Worker::infallible("from_afar", |_ctx| 1)))
///     .join()
///     .unwrap();
/// assert!(supervisor.wait().is_success());
/// assert_eq!(handle.join().ok(), Some(1));
/// ```
#[derive(Clone)]
pub struct Spawner {
    group: Arc<Group>,
}

impl Spawner {
    /// Same as [`Supervisor::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// let handle = supervisor.spawner().spawn(Worker::infallible("w", |_ctx| 2));
    /// let _ = supervisor.wait();
    /// assert_eq!(handle.join().ok(), Some(2));
    /// ```
    pub fn spawn<T: Send + 'static>(&self, worker: Worker<T>) -> Handle<T> {
        spawn_waiting(&self.group, worker)
    }

    /// Same as [`Supervisor::try_spawn`].
    ///
    /// # Errors
    ///
    /// The worker itself, unstarted, when every slot of the group's limit
    /// is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// let handle = supervisor.spawner().try_spawn(Worker::infallible("w", |_ctx| 2)).unwrap();
    /// let _ = supervisor.wait();
    /// assert_eq!(handle.join().ok(), Some(2));
    /// ```
    // The refused worker comes back by value, as `TrySendError` returns
    // the message.
    #[allow(clippy::result_large_err)]
    pub fn try_spawn<T: Send + 'static>(&self, worker: Worker<T>) -> Result<Handle<T>, Worker<T>> {
        spawn_into(&self.group, worker, false)
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}

/// Cancels a [`Supervisor`]'s group from anywhere; see
/// [`Supervisor::canceller`].
///
/// # Examples
///
/// ```
/// use threadkit::Supervisor;
/// let supervisor = Supervisor::new();
/// let canceller = supervisor.canceller();
/// canceller.cancel();
/// canceller.cancel(); // idempotent
/// assert!(supervisor.wait().is_success());
/// ```
#[derive(Clone)]
pub struct Canceller {
    group: Arc<Group>,
}

impl Canceller {
    /// Same as [`Supervisor::cancel`].
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Supervisor;
    /// let supervisor = Supervisor::new();
    /// supervisor.canceller().cancel();
    /// let _ = supervisor.wait();
    /// ```
    pub fn cancel(&self) {
        self.group.cancel();
    }
}

impl fmt::Debug for Canceller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Canceller").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Event, ShutdownCause};

    #[test]
    fn the_default_shutdown_timeout_is_five_seconds() {
        let events = {
            let supervisor = Supervisor::default();
            let events = supervisor.events();
            supervisor.cancel();
            let _ = supervisor.wait();
            events
        };
        let timeout = events.iter().find_map(|event| match event {
            Event::ShutdownStarted { timeout, .. } => Some(timeout),
            _ => None,
        });
        assert_eq!(timeout, Some(DEFAULT_SHUTDOWN_TIMEOUT));
        assert_eq!(DEFAULT_SHUTDOWN_TIMEOUT, Duration::from_secs(5));
    }

    #[test]
    fn a_canceller_outlives_its_supervisor_harmlessly() {
        let supervisor = Supervisor::new();
        let canceller = supervisor.canceller();
        let report = supervisor.wait();
        canceller.cancel();
        assert_eq!(report.shutdown_cause(), None);
    }

    #[test]
    fn cancel_is_idempotent_and_keeps_the_first_cause() {
        let supervisor = Supervisor::new();
        supervisor.spawn(Worker::new("w", |ctx| ctx.sleep(Duration::MAX)));
        supervisor.cancel();
        supervisor.canceller().cancel();
        let report = supervisor.wait();
        assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Cancelled));
    }

    #[test]
    fn an_unfinished_wait_timeout_leaves_the_group_open_for_more_workers() {
        let supervisor = Supervisor::new();
        supervisor.spawn(Worker::new("slow", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
        let supervisor = supervisor.wait_timeout(Duration::ZERO).unwrap_err();
        let late = supervisor.spawn(Worker::new("late", |ctx| ctx.check()));
        let report = supervisor.wait();
        assert!(late.join().is_success(), "late started uncancelled");
        assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
    }
}

#[cfg(all(test, not(loom)))]
mod child_tests {
    use super::*;

    #[test]
    fn child_groups_in_a_loop_leave_nothing_on_the_parent() {
        let token = CancelToken::new();
        let ctx = Context::new("parent".into(), token.clone());
        for _ in 0..1000 {
            let child = Supervisor::child_of(&ctx);
            child.spawn(Worker::new("leaf", |_ctx| ()));
            assert!(child.wait().is_success());
        }
        assert_eq!(
            token.hook_count(),
            0,
            "a finished child group leaves no hook"
        );
        let dropped = Supervisor::child_of(&ctx);
        drop(dropped);
        assert_eq!(token.hook_count(), 0, "nor does a dropped one");
        let live = Supervisor::child_of(&ctx);
        assert_eq!(token.hook_count(), 1);
        token.cancel();
        assert!(live.wait().is_success());
    }
}
