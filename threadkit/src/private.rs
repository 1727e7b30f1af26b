//! Not public API: what `#[worker]` and `#[supervise]` expand to. Generated
//! code reaches everything through `::threadkit::__private` (or the path
//! given with `crate = "..."`), so user names never collide with it.

pub use crate::supervised::{join_nested, spawn_nested, NestedRunning};
pub use crate::{
    Canceller, Context, Event, Exit, Report, Supervised, Supervisor, Worker, WorkerResult,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use std::fmt::{Debug, Display, Formatter, Result as FmtResult};
pub use std::format;
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

/// A worker's value moves back to whoever joins it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a worker's result: it cannot move back from the worker's thread",
    label = "not `Send + 'static`",
    note = "a worker's result moves to the thread that joins it: return owned, `Send` data"
)]
pub trait WorkerValue {}
impl<T: Send + 'static> WorkerValue for T {}

/// Checks a `#[worker]` function's output; the call is spanned at its type.
pub fn assert_value<T: WorkerValue>() {}

/// `#[worker]` reads a return type whose name does not end in `Result` as a
/// plain value. This check makes that reading safe: for a `Result` behind an
/// alias with another name, both impls apply and compilation stops (rather
/// than an `Err` being taken for a value).
pub trait PlainValueNotResult<Marker> {}
impl<T: ?Sized> PlainValueNotResult<()> for T {}
/// The marker of the impl that matches `Result`s.
pub struct ReturnTypeIsAResultNamedOtherwise;
impl<T, E> PlainValueNotResult<ReturnTypeIsAResultNamedOtherwise> for Result<T, E> {}

/// Fails to compile when `T` is a `Result` (see [`PlainValueNotResult`]).
pub fn assert_plain_value<T: ?Sized + PlainValueNotResult<M>, M>() {}
