#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod context;
mod error;
mod event;
mod exit;
mod handle;
mod panic;
mod protocol;
mod report;
mod supervised;
mod supervisor;
mod sync;
mod worker;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use context::{current, Cancelled, Context};
pub use error::{BoxError, Error};
pub use event::{Event, ShutdownCause};
pub use exit::Exit;
pub use handle::Handle;
pub use panic::{Location, Panic};
pub use report::{Record, Report, ReportError};
pub use supervised::Supervised;
pub use supervisor::{Canceller, Supervisor, DEFAULT_SHUTDOWN_TIMEOUT};
pub use worker::{Worker, WorkerResult};

/// The channels workers use, re-exported so that `select!` on a worker's
/// [`Context::cancelled`] receiver needs no extra dependency: this is
/// [`crossbeam_channel`](https://docs.rs/crossbeam-channel), whole.
///
/// ```
/// use threadkit::channel::{bounded, select};
/// let (tx, rx) = bounded(1);
/// tx.send("hi").unwrap();
/// select! { recv(rx) -> msg => assert_eq!(msg, Ok("hi")) }
/// ```
pub mod channel {
    pub use crossbeam_channel::*;
}

#[cfg(feature = "macros")]
pub use threadkit_macros::{supervise, worker};
