//! Not public API: what `#[worker]` and `#[supervise]` expand to. Generated
//! code reaches everything through `::threadkit::__private` (or the path
//! given with `crate = "..."`), so user names never collide with it.

pub use crate::supervised::{join_nested, spawn_nested, NestedRunning};
pub use probe::{
    ConvertKind, ErrorProbe, PlainKind, PlainProbe, RejectKind, ResultNamedOtherwiseKind,
    ResultShaped,
};

#[path = "private/probe.rs"]
mod probe;
pub use crate::{
    BoxError, Canceller, Completion, Context, Event, Events, Exit, NotReady, Probe, Report,
    Restart, ShutdownOrder, Snapshot, Spawner, Strategy, Supervised, Supervisor, Worker,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use std::fmt::{Debug, Display, Formatter, Result as FmtResult};
pub use std::format;
pub use std::marker::PhantomData;
pub use std::num::NonZeroUsize;
pub use std::ops::Deref;
pub use std::option::Option;
pub use std::process::{ExitCode, Termination};
pub use std::result::Result;
pub use std::time::Duration;

/// A worker's arguments move to its thread.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a worker argument: it cannot move to the worker's thread",
    label = "not `Send + 'static`",
    note = "a worker's arguments move to its thread: use `Arc` rather than `Rc`, `Mutex` rather than `RefCell`, owned data rather than borrows"
)]
pub trait WorkerArgument {}
impl<T: Send + 'static> WorkerArgument for T {}

/// Checks one `#[worker]` parameter; the call is spanned at its type.
pub fn assert_argument<T: WorkerArgument>() {}

/// A worker's value moves back to whoever joins it (the supertraits let the
/// constructors below rely on it).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a worker's result: it cannot move back from the worker's thread",
    label = "not `Send + 'static`",
    note = "a worker's result moves to the thread that joins it: return owned, `Send` data"
)]
pub trait WorkerValue: Send + 'static {}
impl<T: Send + 'static> WorkerValue for T {}

/// Builds the worker of a `#[worker]` function without a result.
pub fn unit_worker<F>(name: impl Into<std::sync::Arc<str>>, body: F) -> Worker<()>
where
    F: FnOnce(&Context) + Send + 'static,
{
    Worker::infallible(name, body)
}

/// Builds the worker of a `#[worker]` function returning a plain value.
pub fn plain_worker<T: WorkerValue, F>(name: impl Into<std::sync::Arc<str>>, body: F) -> Worker<T>
where
    F: FnOnce(&Context) -> T + Send + 'static,
{
    Worker::infallible(name, body)
}

/// Builds the worker of a `#[worker]` function returning a `Result`; the
/// generated body has already turned its error into a [`BoxError`] (see
/// `probe`).
pub fn fallible_worker<T: WorkerValue, F>(
    name: impl Into<std::sync::Arc<str>>,
    body: F,
) -> Worker<T>
where
    F: FnOnce(&Context) -> Result<T, BoxError> + Send + 'static,
{
    Worker::new(name, body)
}

/// Builds the worker of a `#[worker(restart = "...")]` function; the
/// generated body clones the arguments for each run and has already
/// turned its error into a [`BoxError`].
pub fn restarting_worker<T: WorkerValue, F>(
    name: impl Into<std::sync::Arc<str>>,
    policy: Restart,
    body: F,
) -> Worker<T>
where
    F: FnMut(&Context) -> Result<T, BoxError> + Send + 'static,
{
    Worker::restarting(name, policy, body)
}

/// The arguments of a restartable worker are cloned for each run.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a restartable worker: it is not `Clone`",
    label = "not `Clone`",
    note = "each run of a `#[worker(restart = \"...\")]` body gets its own clone of the arguments: derive `Clone`, or share the value in an `Arc`"
)]
pub trait RestartArgument: Clone {}
impl<T: Clone> RestartArgument for T {}

/// A fresh copy of a restartable worker's argument for one run.
pub fn clone_argument<T: RestartArgument>(argument: &T) -> T {
    argument.clone()
}

/// A `#[supervise]` field's type, checked under the field's name.
#[diagnostic::on_unimplemented(
    message = "field `{Field}` cannot be supervised: `{Self}` is not a worker",
    label = "not a `Worker<T>`, a collection of workers, or a `#[supervise]` struct",
    note = "a `#[supervise]` field is a `Worker<T>`, a `Vec`, `Option` or array of supervisable values, or another `#[supervise]` struct",
    note = "mark a plain data field `#[supervise(skip)]` to pass it through untouched"
)]
pub trait SupervisedField<Field> {}
impl<T: Supervised, Field> SupervisedField<Field> for T {}

/// Checks one `#[supervise]` field; `Field` is a marker named after it.
pub fn assert_field<T: SupervisedField<Field>, Field>() {}

/// `#[supervise(signals)]` and `#[supervise(snapshot_on_sigusr1)]` need the
/// `signals` feature; this bound says so.
#[diagnostic::on_unimplemented(
    message = "`#[supervise(signals)]` and `#[supervise(snapshot_on_sigusr1)]` need threadkit's `signals` feature",
    label = "signal handling is not compiled in",
    note = "enable it in Cargo.toml: `threadkit = {{ version = \"0.1\", features = [\"signals\"] }}` (Unix only)"
)]
pub trait SignalsFeature {}
#[cfg(all(feature = "signals", unix))]
impl SignalsFeature for () {}

/// `supervisor` after `install`; a failure is reported on stderr, because
/// the generated `start()` has no error to return.
#[cfg(all(unix, any(feature = "signals", feature = "systemd")))]
fn set_up(
    mut supervisor: Supervisor,
    install: fn(&mut Supervisor) -> std::io::Result<()>,
    failure: &str,
) -> Supervisor {
    if let Err(error) = install(&mut supervisor) {
        std::eprintln!("threadkit: {failure}: {error}");
    }
    supervisor
}

/// The supervisor of a `#[supervise(snapshot_on_sigusr1)]` group (the
/// `signals` feature, as the bound says). A handler that cannot be set up
/// is reported on stderr: `start()` has no error to return.
pub fn with_snapshot_on_sigusr1<F: SignalsFeature>(supervisor: Supervisor) -> Supervisor {
    #[cfg(all(feature = "signals", unix))]
    {
        set_up(
            supervisor,
            Supervisor::install_snapshot_signal,
            "SIGUSR1 does not print snapshots",
        )
    }
    #[cfg(not(all(feature = "signals", unix)))]
    supervisor
}

/// `#[supervise(systemd)]` needs the `systemd` feature; this bound says so.
#[diagnostic::on_unimplemented(
    message = "`#[supervise(systemd)]` needs threadkit's `systemd` feature",
    label = "the systemd notify protocol is not compiled in",
    note = "enable it in Cargo.toml: `threadkit = {{ version = \"0.1\", features = [\"systemd\"] }}` (Unix only)"
)]
pub trait SystemdFeature {}
#[cfg(all(feature = "systemd", unix))]
impl SystemdFeature for () {}

/// The supervisor of a `#[supervise(systemd)]` group. A notifier that
/// cannot start is reported on stderr: `start()` has no error to return.
pub fn with_systemd<F: SystemdFeature>(supervisor: Supervisor) -> Supervisor {
    #[cfg(all(feature = "systemd", unix))]
    {
        set_up(
            supervisor,
            Supervisor::start_systemd_notifier,
            "systemd is not notified",
        )
    }
    #[cfg(not(all(feature = "systemd", unix)))]
    supervisor
}

/// The supervisor of a `#[supervise(signals)]` group. Handlers that cannot
/// be set up are reported on stderr: `start()` has no error to return.
pub fn with_signals<F: SignalsFeature>(supervisor: Supervisor) -> Supervisor {
    #[cfg(all(feature = "signals", unix))]
    {
        set_up(
            supervisor,
            Supervisor::install_signals,
            "SIGINT and SIGTERM are not handled",
        )
    }
    #[cfg(not(all(feature = "signals", unix)))]
    supervisor
}
