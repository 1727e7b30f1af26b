//! What a supervisor tells its listeners: [`Event`] and [`ShutdownCause`].

use std::sync::Arc;
use std::time::Duration;

use crate::report::Record;

/// Something that happened in a supervised group, in the order it happened.
/// Receive them from [`Supervisor::events`](crate::Supervisor::events) to
/// log, count or alert (the seeds mail the traceback of a failed thread).
///
/// ```
/// use threadkit::{Event, Supervisor, Worker};
///
/// let supervisor = Supervisor::new();
/// let events = supervisor.events();
/// supervisor.spawn(Worker::new("flaky", |_ctx| Err::<(), _>("disk full")));
/// let report = supervisor.wait();
///
/// let alerts: Vec<String> = events
///     .iter() // ends when the supervisor finishes
///     .filter_map(|event| match event {
///         Event::Exited(record) if record.exit().is_failure() => {
///             Some(format!("{} {}", record.name(), record.exit()))
///         }
///         _ => None,
///     })
///     .collect();
/// assert_eq!(alerts, ["flaky failed: disk full"]);
/// assert_eq!(report.exit_code(), 1);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A worker was handed to the supervisor (its thread is being started).
    Started {
        /// The worker's name.
        worker: Arc<str>,
        /// Whether it is a daemon.
        daemon: bool,
    },
    /// A worker's exit was recorded; the record is the one the report keeps.
    Exited(Record),
    /// The group began shutting down: every running worker was cancelled and
    /// has `timeout` to exit before it is reported hung.
    ShutdownStarted {
        /// Why.
        cause: ShutdownCause,
        /// The shutdown timeout in force.
        timeout: Duration,
    },
    /// The supervisor finished; the last event. The channel closes after it.
    Finished {
        /// The report's [`exit_code`](crate::Report::exit_code).
        exit_code: i32,
    },
}

/// Why a group began shutting down.
///
/// ```
/// use threadkit::{ShutdownCause, Supervisor, Worker};
/// let supervisor = Supervisor::new();
/// supervisor.spawn(Worker::new("only", |_ctx| ()));
/// let report = supervisor.wait();
/// assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShutdownCause {
    /// A worker failed (returned `Err` or panicked): fail-fast.
    Failed {
        /// The worker whose failure started the shutdown.
        worker: Arc<str>,
    },
    /// Every non-daemon worker exited, so the daemons were told to stop.
    Completed,
    /// The owner asked for it ([`Supervisor::cancel`](crate::Supervisor::cancel)
    /// or a [`Canceller`](crate::Canceller)), or dropped the supervisor.
    Cancelled,
}
