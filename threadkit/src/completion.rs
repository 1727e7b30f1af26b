//! When a group is done: [`Completion`].

/// When a group's work is done, and what a failure does to the others. Set
/// it with [`Supervisor::completion`](crate::Supervisor::completion) or
/// `#[supervise(completion = "first_success")]`. Daemons never count: they
/// are cancelled once the group is done, whatever the policy.
///
/// | policy | done when | a failure | exit code |
/// |---|---|---|---|
/// | [`AllSucceed`](Completion::AllSucceed) (default) | every non-daemon ended | cancels the rest (fail-fast) | the first failure's, else 0 |
/// | [`FirstSuccess`](Completion::FirstSuccess) | one non-daemon returned successfully (the rest are cancelled), or all ended | cancels nobody | 0 after a success; else the first failure's |
/// | [`AllSettle`](Completion::AllSettle) | every non-daemon ended | cancels nobody | the first failure's, else 0 |
///
/// `FirstSuccess` is for hedged requests (ask three replicas, keep the
/// first answer; Java's `anySuccessfulResultOrThrow`); `AllSettle` for
/// batches whose every outcome matters (Java's `awaitAll`, JavaScript's
/// `Promise.allSettled`). After a success, failures stay in the report's
/// records but are not its [`first_failure`](crate::Report::first_failure);
/// a worker that then ignores its cancellation is still `Hung` (exit code
/// 124), since its thread leaks.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Completion, Supervisor, Worker};
///
/// // Hedged request: the fastest replica answers, the others are cancelled.
/// let supervisor = Supervisor::new().completion(Completion::FirstSuccess);
/// let slow = supervisor.spawn(Worker::new("replica_a", |ctx| {
///     ctx.sleep(Duration::from_secs(3600))?;
///     Ok::<_, threadkit::Cancelled>("a")
/// }));
/// let down = supervisor.spawn(Worker::new("replica_b", |_ctx| Err::<&str, _>("refused")));
/// assert!(down.join().is_failure()); // tolerated: no fail-fast
/// let fast = supervisor.spawn(Worker::infallible("replica_c", |_ctx| "c"));
///
/// let report = supervisor.wait();
/// assert_eq!(fast.join().ok(), Some("c"));
/// assert!(slow.join().is_cancelled());
/// assert!(report.is_success());
/// assert_eq!(report.exit_code(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Completion {
    /// Every non-daemon worker must succeed; the first failure cancels the
    /// rest and is the group's outcome.
    #[default]
    AllSucceed,
    /// The first non-daemon worker to return successfully completes the
    /// group and the rest are cancelled; failures before it are tolerated.
    /// If none succeeds, the first failure is the group's outcome.
    FirstSuccess,
    /// Every worker runs to its end; failures cancel nobody, and the first
    /// one is the group's outcome.
    AllSettle,
}
