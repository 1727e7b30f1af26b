//! What a `#[supervise]` struct's fields may be: [`Supervised`].

use crate::sync::{lock, Arc, Mutex};

use crate::{Cancelled, Context, Exit, Handle, Report, Supervisor, Worker};

/// A value that can be started as part of a supervised group: a
/// [`Worker<T>`], a `Vec`, `Option` or array of supervised values, or a
/// `#[supervise]` struct (a nested group).
///
/// `#[supervise]` calls [`spawn_in`](Supervised::spawn_in) for each field
/// on `start()`, and [`join`](Supervised::join) after the group finished,
/// which is how `report.configs[3]` comes to be an `Exit<Config>`.
/// Implement it for a container of your own to accept it as a field.
///
/// # Examples
///
/// ```
/// use threadkit::{Exit, Supervised, Supervisor, Worker};
///
/// let supervisor = Supervisor::new();
/// let workers = vec![Worker::infallible("a", |_ctx| 1), Worker::infallible("b", |_ctx| 2)];
/// let running = workers.spawn_in(&supervisor, "workers");
/// let report = supervisor.wait();
/// let exits: Vec<Exit<i32>> = <Vec<Worker<i32>> as Supervised>::join(running);
/// assert_eq!(exits.into_iter().filter_map(Exit::ok).sum::<i32>(), 3);
/// assert!(report.is_success());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be supervised",
    label = "not a `Worker<T>`, a collection of workers, or a `#[supervise]` struct",
    note = "a `#[supervise]` field is a `Worker<T>`, a `Vec`, `Option` or array of supervisable values, or another `#[supervise]` struct",
    note = "mark a plain data field `#[supervise(skip)]` to pass it through untouched"
)]
pub trait Supervised: Sized {
    /// What the started value is while it runs (for a worker, its [`Handle`]).
    type Running;
    /// What is left when the group finished (for a worker, its [`Exit`]).
    /// It is `Send + 'static` because a nested group's exits travel from
    /// the thread that ran it to the one that joins the parent.
    type Exits: Send + 'static;
    /// Starts the value in `supervisor`; `field` is the name of the struct
    /// field it came from (a nested group uses it as its worker's name).
    fn spawn_in(self, supervisor: &Supervisor, field: &'static str) -> Self::Running;
    /// Collects the exits once the group finished.
    fn join(running: Self::Running) -> Self::Exits;
}

impl<T: Send + 'static> Supervised for Worker<T> {
    type Running = Handle<T>;
    type Exits = Exit<T>;
    fn spawn_in(self, supervisor: &Supervisor, _field: &'static str) -> Handle<T> {
        supervisor.spawn(self)
    }
    fn join(running: Handle<T>) -> Exit<T> {
        running.join()
    }
}

impl<S: Supervised> Supervised for Vec<S> {
    type Running = Vec<S::Running>;
    type Exits = Vec<S::Exits>;
    fn spawn_in(self, supervisor: &Supervisor, field: &'static str) -> Self::Running {
        self.into_iter()
            .map(|item| item.spawn_in(supervisor, field))
            .collect()
    }
    fn join(running: Self::Running) -> Self::Exits {
        running.into_iter().map(S::join).collect()
    }
}

impl<S: Supervised> Supervised for Option<S> {
    type Running = Option<S::Running>;
    type Exits = Option<S::Exits>;
    fn spawn_in(self, supervisor: &Supervisor, field: &'static str) -> Self::Running {
        self.map(|item| item.spawn_in(supervisor, field))
    }
    fn join(running: Self::Running) -> Self::Exits {
        running.map(S::join)
    }
}

impl<S: Supervised, const N: usize> Supervised for [S; N] {
    type Running = [S::Running; N];
    type Exits = [S::Exits; N];
    fn spawn_in(self, supervisor: &Supervisor, field: &'static str) -> Self::Running {
        self.map(|item| item.spawn_in(supervisor, field))
    }
    fn join(running: Self::Running) -> Self::Exits {
        running.map(S::join)
    }
}

/// A nested group while it runs: the worker that runs it in the parent, and
/// where that worker leaves the group's typed report.
#[doc(hidden)]
pub struct NestedRunning<R> {
    handle: Handle<()>,
    report: Arc<Mutex<Option<R>>>,
}

/// Runs a nested group as one worker of `parent`, named after its field.
/// The worker fails when the group fails (one failure of the parent, whose
/// source is the group's [`ReportError`](crate::ReportError)); it exits
/// `Cancelled` when the parent cancelled a group that then stopped cleanly.
#[doc(hidden)]
pub fn spawn_nested<R: Send + 'static>(
    parent: &Supervisor,
    field: &'static str,
    run: impl FnOnce(&Context) -> R + Send + 'static,
    report_of: fn(&R) -> &Report,
) -> NestedRunning<R> {
    let slot = Arc::new(Mutex::new(None));
    let filled = slot.clone();
    let handle = parent.spawn(Worker::new(field, move |ctx| {
        let typed = run(ctx);
        let report = report_of(&typed);
        let outcome: Result<(), crate::BoxError> = match report.clone().into_result() {
            Err(failure) => Err(Box::new(failure)),
            Ok(_) if ctx.is_cancelled() => Err(Box::new(Cancelled)),
            Ok(_) => Ok(()),
        };
        *lock(&filled) = Some(typed);
        outcome
    }));
    NestedRunning {
        handle,
        report: slot,
    }
}

/// The nested group's typed report; `None` when the group never reported
/// (its worker could not start, or hung past the parent's timeout).
#[doc(hidden)]
pub fn join_nested<R>(running: NestedRunning<R>) -> Option<R> {
    let _ = running.handle.join();
    let report = lock(&running.report).take();
    report
}
