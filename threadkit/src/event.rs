//! What a supervisor tells its listeners: [`Events`], [`Event`] and
//! [`ShutdownCause`].

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Iter, Receiver};

use crate::protocol::Group;
use crate::report::Record;
use crate::sync::Arc as SyncArc;
use crate::Exit;

/// Something that happened in a supervised group, in the order it happened.
/// Receive them from [`Supervisor::events`](crate::Supervisor::events) to
/// log, count or alert (mail the traceback of a failed worker, say).
///
/// # Examples
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
    /// A worker's body ended and its [`Restart`](crate::Restart) policy
    /// runs it again after `delay`. Not an exit: the worker keeps its
    /// thread, its handle and its place in the group.
    Restarting {
        /// The worker's name.
        worker: Arc<str>,
        /// Which restart this is: 1 for the first.
        restart: u32,
        /// The backoff before the body runs again (cut short by a
        /// cancellation, which ends the worker instead).
        delay: Duration,
        /// How the ended run finished (a failure, or a return under
        /// `always`).
        exit: Exit<()>,
    },
    /// A worker with a [`heartbeat`](crate::Worker::heartbeat) made no
    /// progress for longer than its window: it neither beat
    /// ([`Context::beat`](crate::Context::beat)) nor waited in a way
    /// threadkit knows ([`Context::sleep`](crate::Context::sleep),
    /// [`Context::idle`](crate::Context::idle)). Its run is cancelled and
    /// counts as a failure, which its restart policy handles; a run that
    /// ignores the cancellation for another window starts the group's
    /// shutdown.
    Stalled {
        /// The worker's name.
        worker: Arc<str>,
        /// How long it had made no progress.
        silent_for: Duration,
    },
    /// A worker that declared readiness ([`Worker::readiness`](crate::Worker::readiness))
    /// announced it with [`Context::ready`](crate::Context::ready).
    Ready {
        /// The worker's name.
        worker: Arc<str>,
    },
    /// The group is ready: the owner waits (so it has spawned what the
    /// start needs) and every worker that declared readiness has announced
    /// it (see [`Supervisor::wait_ready`](crate::Supervisor::wait_ready)).
    /// Only for groups where some worker declared readiness; sent again only
    /// if a worker spawned later made the group unready.
    GroupReady,
    /// The systemd notifier (see `Supervisor::notify_systemd`, feature
    /// `systemd`) could not send to `$NOTIFY_SOCKET`. Sent once, for the first error;
    /// the group keeps running and the notifier keeps trying, so a socket
    /// that comes back is used again. systemd itself will not see the
    /// process become ready: a `Type=notify` unit then fails its start.
    NotifyFailed {
        /// What the send reported.
        error: Arc<std::io::Error>,
    },
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
/// # Examples
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
    /// The process received a signal the group handles (SIGINT, SIGTERM;
    /// see `Supervisor::handle_signals`, feature `signals`). The report's
    /// exit code is then 128 + `signal`.
    Signal {
        /// The signal's number (2 for SIGINT, 15 for SIGTERM).
        signal: i32,
    },
}

/// A subscription to a group's [`Event`]s, from
/// [`Supervisor::events`](crate::Supervisor::events): a
/// [`Receiver<Event>`](crate::channel::Receiver) (it derefs to one, so
/// `recv`, `try_recv`, `recv_timeout`, `iter`, `try_iter` and `select!`
/// work as on any receiver) that also ends the subscription when dropped.
///
/// The channel is unbounded and disconnects after
/// [`Event::Finished`]. Dropping the `Events` unsubscribes at once: a
/// reader that comes and goes costs the group nothing, even if no event is
/// ever sent. A receiver cloned out of it stops receiving then too.
///
/// # Examples
///
/// ```
/// use threadkit::channel::select;
/// use threadkit::{Event, Supervisor, Worker};
///
/// let supervisor = Supervisor::new();
/// let events = supervisor.events();
/// supervisor.spawn(Worker::new("job", |_ctx| ()));
/// let _ = supervisor.wait();
/// select! {
///     recv(events.receiver()) -> event => assert!(matches!(event, Ok(Event::Started { .. }))),
/// }
/// let rest: Vec<Event> = events.into_iter().collect();
/// assert!(matches!(rest.last(), Some(Event::Finished { exit_code: 0 })));
/// ```
pub struct Events {
    // Declared first, so it is dropped before the subscription ends: the
    // events still buffered are dropped on the reader's thread.
    receiver: Receiver<Event>,
    subscription: Subscription,
}

struct Subscription {
    group: SyncArc<Group>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.group.unsubscribe(self.id);
    }
}

impl Events {
    pub(crate) fn subscribe(group: SyncArc<Group>) -> Self {
        let (id, receiver) = group.subscribe();
        Events {
            receiver,
            subscription: Subscription { group, id },
        }
    }

    /// The receiver, for `select!` and for APIs that take a `&Receiver`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Supervisor;
    /// let supervisor = Supervisor::new();
    /// let events = supervisor.events();
    /// assert!(events.receiver().is_empty());
    /// # drop(supervisor);
    /// ```
    pub fn receiver(&self) -> &Receiver<Event> {
        &self.receiver
    }
}

impl Deref for Events {
    type Target = Receiver<Event>;
    fn deref(&self) -> &Receiver<Event> {
        &self.receiver
    }
}

/// Every event until the group finishes, then the iteration ends.
impl IntoIterator for Events {
    type Item = Event;
    type IntoIter = EventsIntoIter;
    fn into_iter(self) -> EventsIntoIter {
        EventsIntoIter { events: self }
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = Event;
    type IntoIter = Iter<'a, Event>;
    fn into_iter(self) -> Iter<'a, Event> {
        self.receiver.iter()
    }
}

/// The iterator of an owned [`Events`]: blocks for each event, ends when
/// the group finished.
///
/// # Examples
///
/// ```
/// use threadkit::{Supervisor, Worker};
/// let supervisor = Supervisor::new();
/// let events = supervisor.events();
/// supervisor.spawn(Worker::new("job", |_ctx| ()));
/// let _ = supervisor.wait();
/// assert_eq!(events.into_iter().count(), 4); // started, exited, shutdown, finished
/// ```
pub struct EventsIntoIter {
    events: Events,
}

impl Iterator for EventsIntoIter {
    type Item = Event;
    fn next(&mut self) -> Option<Event> {
        self.events.receiver.recv().ok()
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("pending", &self.receiver.len())
            .field("subscription", &self.subscription.id)
            .finish()
    }
}

impl fmt::Debug for EventsIntoIter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsIntoIter").finish_non_exhaustive()
    }
}
