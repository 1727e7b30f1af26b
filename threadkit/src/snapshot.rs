//! What a running group looks like right now: [`Snapshot`],
//! [`WorkerSnapshot`], [`WorkerState`] and [`Health`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::{Exit, ShutdownCause};

/// A group's workers and their states at one moment, from
/// [`Supervisor::snapshot`](crate::Supervisor::snapshot) or a
/// [`Probe`](crate::Probe). `Display` prints it as a table an operator can
/// read to see what is stuck.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::{Supervisor, Worker, WorkerState};
///
/// let supervisor = Supervisor::new();
/// supervisor.spawn(Worker::new("db", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
/// assert!(supervisor.spawn(Worker::infallible("job", |_ctx| 42)).join().is_success());
///
/// let snapshot = supervisor.snapshot();
/// let job = snapshot.worker("job").unwrap();
/// assert!(matches!(job.state(), WorkerState::Exited(exit) if exit.is_success()));
/// assert!(snapshot.worker("db").unwrap().is_daemon());
/// println!("{snapshot}");
/// supervisor.cancel();
/// assert!(supervisor.wait().is_success());
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub(crate) workers: Vec<WorkerSnapshot>,
    pub(crate) ready: bool,
    pub(crate) shutdown: Option<ShutdownCause>,
    pub(crate) finished: bool,
}

impl Snapshot {
    /// Every worker: those running, then those that exited, each in the
    /// order they were spawned (exited ones as many as the group retains;
    /// see
    /// [`Supervisor::retain_records`](crate::Supervisor::retain_records)).
    pub fn workers(&self) -> &[WorkerSnapshot] {
        &self.workers
    }

    /// The first worker called `name`: running ones first.
    pub fn worker(&self, name: &str) -> Option<&WorkerSnapshot> {
        self.workers.iter().find(|worker| worker.name() == name)
    }

    /// Whether every worker that declared readiness has announced it (see
    /// [`Supervisor::is_ready`](crate::Supervisor::is_ready)).
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Why the shutdown began, once it did.
    pub fn shutdown_cause(&self) -> Option<&ShutdownCause> {
        self.shutdown.as_ref()
    }

    /// Whether the group has finished (its report is final).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The stalled workers' names, subtrees included.
    fn collect_stalled(&self, stalled: &mut Vec<Arc<str>>) {
        for worker in &self.workers {
            if matches!(worker.state, WorkerState::Stalled) {
                stalled.push(worker.name.clone());
            }
            for group in &worker.groups {
                group.collect_stalled(stalled);
            }
        }
    }

    /// What a Kubernetes-style probe needs; see [`Health`]. A stalled
    /// worker anywhere in the tree makes the group not live.
    pub fn health(&self) -> Health {
        let mut stalled = Vec::new();
        self.collect_stalled(&mut stalled);
        Health {
            live: stalled.is_empty() && !self.finished,
            ready: self.ready && self.shutdown.is_none(),
            stalled,
        }
    }
}

/// One worker in a [`Snapshot`].
#[derive(Debug, Clone)]
pub struct WorkerSnapshot {
    pub(crate) name: Arc<str>,
    pub(crate) daemon: bool,
    pub(crate) state: WorkerState,
    pub(crate) running_for: Duration,
    pub(crate) restarts: u32,
    pub(crate) since_progress: Option<Duration>,
    pub(crate) native_id: Option<u64>,
    pub(crate) groups: Vec<Snapshot>,
}

impl WorkerSnapshot {
    /// The worker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it is a daemon.
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Where it is in its life.
    pub fn state(&self) -> &WorkerState {
        &self.state
    }

    /// How long it has run (all its runs, backoffs included); for an
    /// exited worker, how long it ran.
    pub fn running_for(&self) -> Duration {
        self.running_for
    }

    /// How many times its restart policy ran it again.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// For a running worker with a
    /// [`heartbeat`](crate::Worker::heartbeat): how long ago the heartbeat
    /// monitor last saw it make progress (a beat, or a wait threadkit
    /// sees). The monitor looks once per window, so this can be up to a
    /// window late; `None` without a heartbeat.
    pub fn since_progress(&self) -> Option<Duration> {
        self.since_progress
    }

    /// The operating system's id of its thread (see
    /// [`Handle::native_id`](crate::Handle::native_id)).
    pub fn native_id(&self) -> Option<u64> {
        self.native_id
    }

    /// The groups this running worker runs in its body
    /// ([`Supervisor::child_of`](crate::Supervisor::child_of)) and that
    /// have not finished, each as a snapshot: the subtrees of a supervision
    /// tree.
    pub fn groups(&self) -> &[Snapshot] {
        &self.groups
    }
}

/// Where a worker is in its life, in a [`WorkerSnapshot`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WorkerState {
    /// Waiting for a slot under the group's
    /// [`limit`](crate::Supervisor::limit): no thread yet.
    Waiting,
    /// Handed to the group; its thread has not run its first line yet.
    Starting,
    /// Running (and, if it declared readiness, not ready yet).
    Running,
    /// Running, and it announced readiness with
    /// [`Context::ready`](crate::Context::ready).
    Ready,
    /// Its heartbeat window passed without progress (see
    /// [`Event::Stalled`](crate::Event::Stalled)).
    Stalled,
    /// Cancelled (the group is shutting down, or its handle was
    /// cancelled), and not exited yet.
    Stopping,
    /// Exited, with its outcome.
    Exited(Exit<()>),
}

impl fmt::Display for WorkerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerState::Waiting => f.write_str("waiting"),
            WorkerState::Starting => f.write_str("starting"),
            WorkerState::Running => f.write_str("running"),
            WorkerState::Ready => f.write_str("ready"),
            WorkerState::Stalled => f.write_str("stalled"),
            WorkerState::Stopping => f.write_str("stopping"),
            WorkerState::Exited(exit) => write!(f, "exited: {exit}"),
        }
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_tree(f, 0)
    }
}

impl Snapshot {
    /// The table, indented by `depth` levels, each worker's groups below it.
    fn write_tree(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let indent = "    ".repeat(depth);
        let phase = match (&self.shutdown, self.finished) {
            (_, true) => "finished".to_owned(),
            (Some(cause), false) => format!("shutting down ({cause:?})"),
            (None, false) => "running".to_owned(),
        };
        let running = self
            .workers
            .iter()
            .filter(|worker| !matches!(worker.state, WorkerState::Exited(_)))
            .count();
        writeln!(
            f,
            "{indent}group {phase}, {}; {running} running, {} exited",
            if self.ready { "ready" } else { "not ready" },
            self.workers.len() - running
        )?;
        let width = self
            .workers
            .iter()
            .map(|worker| worker.name.len() + if worker.daemon { 9 } else { 0 })
            .max()
            .unwrap_or(0);
        for worker in &self.workers {
            let name = if worker.daemon {
                format!("{} (daemon)", worker.name)
            } else {
                worker.name.to_string()
            };
            write!(
                f,
                "{indent}  {name:<width$}  {:<9}  {:>9.1?}",
                // Exits are long; their outcome goes last.
                match worker.state {
                    WorkerState::Exited(_) => "exited".to_owned(),
                    ref state => state.to_string(),
                },
                worker.running_for
            )?;
            if worker.restarts > 0 {
                write!(f, "  restarts {}", worker.restarts)?;
            }
            if let Some(silent) = worker.since_progress {
                write!(f, "  progress {silent:.1?} ago")?;
            }
            if let Some(id) = worker.native_id {
                write!(f, "  tid {id}")?;
            }
            if let WorkerState::Exited(exit) = &worker.state {
                write!(f, "  {exit}")?;
            }
            writeln!(f)?;
            for group in &worker.groups {
                group.write_tree(f, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// A group's health for liveness and readiness probes (Kubernetes'
/// `/livez` and `/readyz`), from [`Snapshot::health`] or
/// [`Probe::health`](crate::Probe::health).
///
/// *Live*: no worker is stalled and the group has not finished: a process
/// that is not live should be restarted. *Ready*: every worker that
/// declared readiness announced it and the shutdown has not begun: a
/// process that is not ready should get no traffic.
///
/// # Examples
///
/// ```
/// use threadkit::Supervisor;
///
/// let supervisor = Supervisor::new();
/// let health = supervisor.probe().health();
/// assert!(health.is_live() && health.is_ready());
/// supervisor.cancel();
/// assert!(!supervisor.probe().health().is_ready()); // shutting down
/// assert!(supervisor.wait().is_success());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    live: bool,
    ready: bool,
    stalled: Vec<Arc<str>>,
}

impl Health {
    /// No worker is stalled and the group is not finished.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The group is ready and not shutting down.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// The stalled workers' names, for the probe's response body.
    pub fn stalled(&self) -> impl Iterator<Item = &str> {
        self.stalled.iter().map(|name| &**name)
    }
}
