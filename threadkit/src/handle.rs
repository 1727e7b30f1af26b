//! A started worker: [`Handle`].

use std::fmt;
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use crate::protocol::{LateThread, Membership, Shared};
use crate::sync::{deadline_after, Arc as SyncArc};
use crate::Exit;

/// A started worker: ask about it, cancel it, join it.
///
/// Dropping a handle detaches the worker; it keeps running, and a
/// [`Supervisor`](crate::Supervisor) it belongs to still records its exit.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Exit, Worker};
///
/// let handle = Worker::new("ticker", |ctx| {
///     let mut ticks = 0;
///     while ctx.sleep(Duration::from_millis(1)).is_ok() {
///         ticks += 1;
///     }
///     Ok::<_, std::io::Error>(ticks) // returns normally when cancelled
/// })
/// .spawn();
/// assert_eq!(handle.name(), "ticker");
/// handle.cancel();
/// assert!(matches!(handle.join(), Exit::Returned(_)));
/// ```
pub struct Handle<T> {
    name: Arc<str>,
    daemon: bool,
    thread: Option<JoinHandle<()>>,
    shared: SyncArc<Shared<T>>,
    /// The worker's place in its group, for [`stop`](Handle::stop).
    membership: Option<Membership>,
    /// Where a worker that waited for a slot gets its thread.
    late_thread: Option<LateThread>,
}

impl<T> Handle<T> {
    pub(crate) fn new(
        name: Arc<str>,
        daemon: bool,
        thread: Option<JoinHandle<()>>,
        shared: SyncArc<Shared<T>>,
        membership: Option<Membership>,
    ) -> Self {
        Handle {
            name,
            daemon,
            thread,
            shared,
            membership,
            late_thread: None,
        }
    }

    /// For a worker that waits for a slot: its thread comes later, here.
    pub(crate) fn with_late_thread(mut self, late_thread: LateThread) -> Self {
        self.late_thread = Some(late_thread);
        self
    }

    /// The worker's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// assert_eq!(Worker::new("db", |_ctx| ()).spawn().name(), "db");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The worker thread's id; `None` if the thread could not be started.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let handle = Worker::infallible("id", |_ctx| std::thread::current().id()).spawn();
    /// let id = handle.thread_id();
    /// assert_eq!(handle.join().ok(), id);
    /// ```
    pub fn thread_id(&self) -> Option<ThreadId> {
        // A worker that waited for a slot got its thread later.
        self.thread
            .as_ref()
            .map(|thread| thread.thread().id())
            .or_else(|| self.shared.member.cell.thread())
    }

    /// The operating system's id of the worker's thread, as CPython's
    /// `Thread.native_id`: what `top -H`, `ps -L`, `gdb` and
    /// `/proc/<pid>/task/` show. Linux only; `None` on other systems, if the
    /// thread could not be started, or until the thread has run its first
    /// line (after [`join`](Handle::join), or once the worker has done
    /// anything, it is known).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::channel::bounded;
    /// use threadkit::Worker;
    ///
    /// let (up, is_up) = bounded(0);
    /// let handle = Worker::new("server", move |ctx| {
    ///     let _ = up.send(()); // after its first line: the id is known
    ///     ctx.sleep(Duration::MAX)
    /// })
    /// .spawn();
    /// is_up.recv().unwrap();
    /// if cfg!(target_os = "linux") {
    ///     let id = handle.native_id().expect("known once the worker runs");
    ///     assert!(std::path::Path::new(&format!("/proc/self/task/{id}")).exists());
    /// }
    /// handle.cancel();
    /// assert!(handle.join().is_cancelled());
    /// ```
    pub fn native_id(&self) -> Option<u64> {
        self.shared.member.native_id.get().copied()
    }

    /// The worker thread's id; renamed [`thread_id`](Handle::thread_id), as
    /// on every other type.
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use threadkit::Worker;
    /// let handle = Worker::infallible("id", |_ctx| ()).spawn();
    /// assert_eq!(handle.id(), handle.thread_id());
    /// # let _ = handle.join();
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use `thread_id()`, as on `Record`, `Error` and `Panic`"
    )]
    pub fn id(&self) -> Option<ThreadId> {
        self.thread_id()
    }

    /// Whether the worker is a daemon.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// assert!(Worker::new("d", |_ctx| ()).daemon(true).spawn().is_daemon());
    /// ```
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Whether the worker's exit is recorded, so [`join`](Handle::join)
    /// would not block. Never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let handle = Worker::new("waiter", |ctx| ctx.sleep(std::time::Duration::MAX)).spawn();
    /// assert!(!handle.is_finished());
    /// handle.cancel();
    /// let exit = handle.join();
    /// assert!(exit.is_cancelled());
    /// ```
    ///
    /// As with [`JoinHandle::is_finished`](std::thread::JoinHandle::is_finished),
    /// `true` means the worker's *exit is recorded*: its body has returned
    /// (or panicked, or it was reported hung), but its OS thread may still be
    /// running thread-local destructors for a moment.
    pub fn is_finished(&self) -> bool {
        self.shared.member.cell.outcome().is_some()
    }

    /// Requests cancellation of this worker only. Idempotent; a no-op once
    /// the worker has exited. Under a supervisor, a worker that stops
    /// because of this exits [`Exit::Cancelled`], which is not a failure, so
    /// the rest of the group keeps running.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let handle = Worker::infallible("quick", |_ctx| 7).spawn();
    /// let exit = {
    ///     while !handle.is_finished() { std::thread::yield_now(); }
    ///     handle.cancel(); // too late: nothing happens
    ///     handle.join()
    /// };
    /// assert_eq!(exit.ok(), Some(7));
    /// ```
    pub fn cancel(&self) {
        self.shared.member.token.cancel();
        // A worker waiting for a slot under its group's limit never starts.
        if let Some(membership) = &self.membership {
            membership.group.cancel_if_waiting(membership.id);
        }
    }

    /// Waits for the worker to exit and returns how it ended. When a
    /// supervisor reported the worker [`Exit::Hung`], returns that at once.
    ///
    /// Everything the worker did happens-before `join` returns (as with
    /// [`std::thread::JoinHandle::join`]): its writes are visible to the
    /// caller. Unless the worker is `Hung`, its OS thread has ended too.
    ///
    /// # Panics
    ///
    /// When called on the worker's own thread (a worker that was handed its
    /// own handle), since it would wait for itself forever. std's `join`
    /// reports the same mistake (`EDEADLK`), CPython raises `RuntimeError`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("answer", |_ctx| 42).spawn().join();
    /// assert_eq!(exit.ok(), Some(42));
    /// ```
    pub fn join(mut self) -> Exit<T> {
        self.refuse_self_join();
        // Without a deadline, `wait` returns only once an outcome is recorded.
        let outcome = self.shared.member.cell.wait(None).unwrap_or(Exit::Hung);
        let hung = outcome.is_hung();
        let exit = self.shared.exit(outcome);
        if !hung {
            if let Some(thread) = self.thread.take().or_else(|| {
                let late = self.late_thread.as_ref()?;
                late.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
            }) {
                // The exit is recorded, so the thread is past the worker
                // body. Its closure contains every panic, so the result
                // carries nothing.
                let _ = thread.join();
            }
        }
        exit
    }

    fn refuse_self_join(&self) {
        let pending = self.shared.member.cell.outcome().is_none();
        if pending && self.shared.member.cell.thread() == Some(thread::current().id()) {
            panic!(
                "worker `{}` joined its own handle, which would wait for itself forever",
                self.name
            );
        }
    }

    /// Waits at most `timeout` for the worker to exit. On time-out the
    /// handle comes back in `Err`, ready to wait again. The wait blocks on a
    /// condition variable and wakes when the exit is recorded: no polling.
    ///
    /// The OS thread is detached rather than joined, since after its exit is
    /// recorded it only runs thread-local destructors.
    ///
    /// # Errors
    ///
    /// The handle itself, when the worker has not exited within `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::Worker;
    ///
    /// let mut handle = Worker::new("slow", |ctx| ctx.sleep(Duration::from_secs(3600))).spawn();
    /// handle = match handle.join_timeout(Duration::from_millis(10)) {
    ///     Ok(_) => unreachable!("it sleeps for an hour"),
    ///     Err(handle) => handle,
    /// };
    /// handle.cancel();
    /// let exit = handle.join_timeout(Duration::from_secs(60)).expect("cancelled, so it exits");
    /// assert!(exit.is_cancelled());
    /// ```
    pub fn join_timeout(self, timeout: Duration) -> Result<Exit<T>, Handle<T>> {
        match self.shared.member.cell.wait(deadline_after(timeout)) {
            Some(outcome) => Ok(self.shared.exit(outcome)),
            None => Err(self),
        }
    }

    /// Stops this worker alone, as Elixir's `DynamicSupervisor`
    /// `terminate_child`: cancels it, waits up to `timeout` for it to exit,
    /// and returns its exit. A worker still running after `timeout` is given
    /// up: its thread is detached, and it is [`Exit::Hung`] here, in its
    /// group's report and events (recorded once, now, so the group no
    /// longer waits for it; a hung worker makes the group's exit code 124
    /// unless a failure came first). The rest of its group runs on: this is
    /// not a shutdown, and the worker's own exit is not a failure that
    /// fails the group fast unless it fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new();
    /// let keep = supervisor.spawn(Worker::new("keep", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    /// let extra = supervisor.spawn(Worker::new("extra", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    ///
    /// assert!(extra.stop(Duration::from_secs(5)).is_cancelled());
    /// assert!(!keep.is_finished()); // the group runs on
    /// assert!(supervisor.snapshot().shutdown_cause().is_none());
    /// supervisor.cancel();
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn stop(self, timeout: Duration) -> Exit<T> {
        self.cancel();
        let handle = match self.join_timeout(timeout) {
            Ok(exit) => return exit,
            Err(handle) => handle,
        };
        // Settles the exit cell (as `Hung`, unless the worker exited just
        // now) and, in a group, records it there once.
        match &handle.membership {
            Some(membership) => membership.group.give_up(membership.id),
            None => drop(handle.shared.member.cell.settle()),
        }
        handle.join()
    }
}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("name", &self.name)
            .field("thread_id", &self.thread_id())
            .field("daemon", &self.daemon)
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::protocol::{record, CancelToken};
    use crate::Worker;

    fn parked<T>(shared: SyncArc<Shared<T>>) -> Handle<T> {
        Handle::new("parked".into(), false, None, shared, None)
    }

    #[test]
    fn a_timed_out_join_returns_the_same_handle() {
        let shared = SyncArc::new(Shared::new());
        let handle = parked(shared.clone());
        let handle = handle.join_timeout(Duration::ZERO).unwrap_err();
        assert_eq!(handle.name(), "parked");
        record(&shared, None, Exit::Returned(5));
        assert!(handle.is_finished());
        assert_eq!(handle.join_timeout(Duration::ZERO).unwrap().ok(), Some(5));
    }

    #[test]
    fn cancel_reaches_the_workers_token() {
        let shared: SyncArc<Shared<u8>> = SyncArc::new(Shared::new());
        let token: CancelToken = shared.member.token.clone();
        parked(shared).cancel();
        assert!(token.is_cancelled());
    }

    #[test]
    fn join_of_a_hung_worker_does_not_wait_for_its_thread() {
        let shared: SyncArc<Shared<()>> = SyncArc::new(Shared::new());
        let (release, gate) = crossbeam_channel::bounded::<()>(0);
        let thread = std::thread::spawn(move || {
            let _ = gate.recv();
        });
        let handle = Handle::new("stuck".into(), false, Some(thread), shared.clone(), None);
        assert!(shared.member.cell.settle().is_hung());
        assert!(handle.join().is_hung());
        drop(release);
    }

    #[test]
    fn a_late_value_after_hung_is_dropped_not_delivered() {
        let shared: SyncArc<Shared<Arc<()>>> = SyncArc::new(Shared::new());
        let value = Arc::new(());
        assert!(shared.member.cell.settle().is_hung());
        record(&shared, None, Exit::Returned(value.clone()));
        assert_eq!(Arc::strong_count(&value), 1, "the late value was dropped");
        assert!(parked(shared).join().is_hung());
    }

    #[test]
    fn a_worker_joining_its_own_handle_panics_instead_of_deadlocking() {
        let (give, take) = crossbeam_channel::bounded::<Handle<()>>(1);
        let handle = Worker::infallible("narcissus", move |_ctx| {
            let own = take.recv().unwrap();
            let _ = own.join();
        })
        .spawn();
        let watcher = handle.shared.clone();
        give.send(handle).unwrap();
        let outcome = watcher.member.cell.wait(None).unwrap();
        let panic = watcher.exit(outcome);
        let message = panic
            .panic()
            .expect("the self-join panics")
            .message()
            .to_owned();
        assert!(message.contains("joined its own handle"), "{message}");
    }

    #[test]
    fn debug_shows_name_and_state() {
        let handle = Worker::infallible("dbg", |_ctx| 1).spawn();
        let text = format!("{handle:?}");
        assert!(text.starts_with("Handle { name: \"dbg\""), "{text}");
        assert_eq!(handle.join().ok(), Some(1));
    }
}
