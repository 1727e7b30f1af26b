//! A handle for looking into a running group from anywhere: [`Probe`].

use std::fmt;

use crate::protocol::Group;
use crate::snapshot::{Health, Snapshot};
use crate::sync::Arc;

/// A cloneable, `Send + Sync` view of a group for other threads: an HTTP
/// server answering Kubernetes probes, a debug endpoint, a signal handler
/// printing what is stuck. From
/// [`Supervisor::probe`](crate::Supervisor::probe) (or the `probe()` of a
/// `#[supervise]` group's running struct). It only reads: taking a
/// snapshot copies threadkit's own bookkeeping under the group's lock and
/// runs no user code.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Supervisor, Worker};
///
/// let supervisor = Supervisor::new();
/// supervisor.spawn(
///     Worker::new("server", |ctx| {
///         ctx.ready();
///         ctx.sleep(Duration::MAX)
///     })
///     .readiness(true)
///     .daemon(true),
/// );
/// let probe = supervisor.probe();
/// supervisor.wait_ready(Duration::from_secs(10)).unwrap();
/// let readyz = std::thread::spawn(move || probe.health().is_ready());
/// assert!(readyz.join().unwrap());
/// supervisor.cancel();
/// assert!(supervisor.wait().is_success());
/// ```
#[derive(Clone)]
pub struct Probe {
    group: Arc<Group>,
}

impl Probe {
    pub(crate) fn new(group: Arc<Group>) -> Self {
        Probe { group }
    }

    /// Every worker's state now; see [`Snapshot`].
    pub fn snapshot(&self) -> Snapshot {
        self.group.snapshot()
    }

    /// Liveness and readiness now; see [`Health`].
    pub fn health(&self) -> Health {
        self.snapshot().health()
    }
}

impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probe").finish_non_exhaustive()
    }
}
