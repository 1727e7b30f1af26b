//! In which order a shutdown cancels a group's workers: [`ShutdownOrder`].

/// In which order a group's shutdown cancels its workers. Set it with
/// [`Supervisor::shutdown_order`](crate::Supervisor::shutdown_order) or
/// `#[supervise(shutdown_order = "all_at_once")]`.
///
/// Under [`Reverse`](ShutdownOrder::Reverse) (the default, Erlang's rule)
/// the last worker started is cancelled first, and each worker is cancelled
/// only once every worker started after it has exited or used its time: a
/// database writer declared before the request handlers that feed it
/// outlives them and can flush what they sent. A worker's time is its own
/// [`Worker::shutdown_timeout`](crate::Worker::shutdown_timeout) if it has
/// one, else an even share of what is left of the group's
/// [`shutdown_timeout`](crate::Supervisor::shutdown_timeout) after the
/// reserved times of the workers still to stop; time a worker does not use
/// passes to the next. Every time is cut to what is left of the group's, so
/// [`wait`](crate::Supervisor::wait) still returns within the group's
/// shutdown timeout of the shutdown's start. A worker that outlives its
/// time is not yet `Hung`: the next one is cancelled, and it is recorded as
/// what it returns if it still exits before the group's time is up.
///
/// The group's waiting owner (`wait`, `run`) keeps the times: while nobody
/// waits, a worker that does not exit holds back the ones before it. A
/// supervisor dropped without waiting cancels all its workers at once.
/// Workers spawned after the shutdown began start already cancelled, as
/// always.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use threadkit::{Supervisor, Worker};
///
/// let stopped = Arc::new(Mutex::new(Vec::new()));
/// let supervisor = Supervisor::new();
/// for name in ["database", "cache", "server"] {
///     let stopped = stopped.clone();
///     supervisor.spawn(Worker::new(name, move |ctx| {
///         ctx.cancelled().recv().ok(); // until this worker's turn
///         stopped.lock().unwrap().push(name);
///     }));
/// }
/// supervisor.cancel();
/// assert!(supervisor.wait().is_success());
/// assert_eq!(*stopped.lock().unwrap(), ["server", "cache", "database"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ShutdownOrder {
    /// One worker at a time, the last started first (default).
    #[default]
    Reverse,
    /// Every worker at once, each with the group's whole shutdown timeout:
    /// the quickest teardown, for workers that do not depend on each other.
    AllAtOnce,
}
