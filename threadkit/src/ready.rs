//! Why a group is not ready: [`NotReady`].

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::Exit;

/// Why [`Supervisor::wait_ready`](crate::Supervisor::wait_ready) came back
/// without the group being ready.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{NotReady, Supervisor, Worker};
///
/// let supervisor = Supervisor::new();
/// supervisor.spawn(Worker::new("db", |_ctx| Err::<(), _>("no such host")).readiness(true));
/// match supervisor.wait_ready(Duration::from_secs(60)) {
///     Err(NotReady::Exited { worker, exit }) => {
///         assert_eq!(&*worker, "db");
///         assert_eq!(exit.code(), 1);
///     }
///     other => panic!("{other:?}"),
/// }
/// # let _ = supervisor.wait();
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum NotReady {
    /// A worker that declared readiness exited before announcing it: the
    /// start failed. (The first such worker.)
    Exited {
        /// The worker's name.
        worker: Arc<str>,
        /// How it ended.
        exit: Exit<()>,
    },
    /// The timeout passed first.
    TimedOut,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReady::Exited { worker, exit } => {
                write!(f, "worker `{worker}` ended before it was ready: {exit}")
            }
            NotReady::TimedOut => f.write_str("the group did not become ready in time"),
        }
    }
}

impl StdError for NotReady {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            NotReady::Exited {
                exit: Exit::Failed(error),
                ..
            } => Some(error),
            NotReady::Exited {
                exit: Exit::Panicked(panic),
                ..
            } => Some(panic),
            _ => None,
        }
    }
}
