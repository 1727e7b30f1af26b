//! Which siblings a restart takes along: [`Strategy`].

/// What else restarts when a worker's [`Restart`](crate::Restart) policy
/// restarts it, as in Erlang/OTP supervisors. Set it with
/// [`Supervisor::strategy`](crate::Supervisor::strategy) or
/// `#[supervise(strategy = "one_for_all")]`.
///
/// A sibling's restart is a *round*: the restarting worker's siblings (all
/// of them, or those started after it) have their current run cancelled;
/// once every one of those runs has ended, each runs again (a sibling
/// between runs, or not started yet, waits for the round before its next
/// run). Threads cannot
/// be killed, so nobody runs again before every old run ended: two runs of
/// one worker never overlap, and a sibling that ignores the cancellation
/// for the shutdown timeout fails the round, which starts the group's
/// shutdown (with the restarting worker as the cause). Only workers with a
/// restart policy take part; the others run on undisturbed. The restarting
/// worker's intensity limit counts the round; a sibling's restart counts in
/// its [`Record::restarts`](crate::Record::restarts) and is announced by
/// [`Event::Restarting`](crate::Event::Restarting) like any other.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::channel::bounded;
/// use threadkit::{Cancelled, Restart, Strategy, Supervisor, Worker};
///
/// let policy = Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO);
/// let (up, writer_is_up) = bounded::<()>(1);
/// let supervisor = Supervisor::new().strategy(Strategy::OneForAll);
/// let writer = supervisor.spawn(Worker::restarting("writer", policy.clone(), move |ctx| {
///     if ctx.restarts() == 0 {
///         let _ = up.send(());
///         ctx.sleep(Duration::MAX)?; // until the reader's restart cancels this run
///     }
///     Ok::<_, Cancelled>(ctx.restarts())
/// }));
/// let reader = supervisor.spawn(Worker::restarting("reader", policy, move |ctx| {
///     if ctx.restarts() == 0 {
///         let _ = writer_is_up.recv();
///         return Err("connection lost"); // the writer restarts with it
///     }
///     Ok(ctx.restarts())
/// }));
/// let report = supervisor.wait();
/// assert!(report.is_success());
/// assert_eq!((reader.join().ok(), writer.join().ok()), (Some(1), Some(1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Only the worker restarts (Erlang's `one_for_one`; the default).
    #[default]
    OneForOne,
    /// Every restartable worker of the group restarts with it
    /// (`one_for_all`): for workers that only make sense together.
    OneForAll,
    /// The restartable workers started after it restart with it
    /// (`rest_for_one`): for pipelines where later workers depend on
    /// earlier ones.
    RestForOne,
}
