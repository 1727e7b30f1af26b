//! A supervisor's shared state and every transition of it: [`Group`].
//!
//! Each transition runs in two steps. Under the group lock it only
//! decides: what to record, whom to cancel, whether to wake the owner, and
//! what it released. Then, with the lock released, [`Aftermath::run`]
//! cancels (helped by the workers it wakes, see `fanout.rs`), wakes, and
//! only after both drops what was released. That order
//! is the rule "no user code runs on a shutdown path until every worker
//! has been cancelled and the owner woken": a `Drop` that is slow or
//! panics can neither delay a cancellation nor lose a wake-up.

use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::fanout::Fanout;
use super::records::Records;
use super::token::run_user_hooks;
use super::{drop_quietly, CancelToken, Member, Pulse};
use crate::report::{Record, Report};
use crate::snapshot::{Snapshot, WorkerSnapshot, WorkerState};
use crate::sync::{lock, wait_until, Arc, Condvar, Mutex};
use crate::{Completion, Event, Exit, NotReady, ShutdownCause, ShutdownOrder, Strategy};

mod limit;
mod names;
mod rounds;
pub(crate) use limit::{Admission, Enqueued, Launcher};
use names::Names;
pub(crate) use rounds::RoundEnd;

/// The groups a member runs, as snapshots find them.
type Children = Vec<std::sync::Weak<Group>>;

/// A member's place in its group: a slot (reused once the member exited)
/// and the spawn sequence number that tells one occupant from the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemberId {
    slot: usize,
    seq: u64,
}

struct Entry {
    seq: u64,
    /// Unique among the running members ([`Names`]).
    name: StdArc<str>,
    daemon: bool,
    /// It declared that it will call `ctx.ready()` and has not yet.
    awaiting_ready: bool,
    /// It declared readiness (announced or not), for snapshots.
    readiness: bool,
    started: Instant,
    member: Arc<Member>,
    /// Its own time to stop in an ordered shutdown
    /// (`Worker::shutdown_timeout`).
    shutdown_timeout: Option<Duration>,
    /// The shutdown cancelled it (or it joined during the shutdown).
    stop_asked: bool,
    /// It waits for a slot under the group's limit: no thread yet.
    waiting: bool,
    /// Restarts so far, and the failure behind the latest one.
    restarts: u32,
    last_failure: Option<Exit<()>>,
    /// Groups this member runs (`Supervisor::child_of`), for snapshots.
    /// Weak: a child group belongs to its own supervisor. Loom's `Arc` has
    /// no `Weak`, and no model needs this. Boxed: few members run groups,
    /// and every running member has an entry.
    #[cfg(not(loom))]
    children: Option<Box<Children>>,
}

/// A member with a heartbeat, as the monitor last saw it.
struct Watch {
    seq: u64,
    name: StdArc<str>,
    pulse: Arc<Pulse>,
    window: Duration,
    /// The beat count at the last progress, and when that was.
    beats: usize,
    progress_at: Instant,
    /// When its current run was declared stalled.
    stalled_at: Option<Instant>,
}

struct GroupState {
    timeout: Duration,
    /// The names running members go by.
    names: Names,
    /// Running members, by slot; a slot is freed when its member exits, so
    /// this grows with the most workers ever running at once, not with the
    /// number ever spawned.
    live: Vec<Option<Entry>>,
    free: Vec<usize>,
    next_seq: u64,
    records: Records,
    running: usize,
    running_non_daemon: usize,
    spawned_non_daemon: usize,
    /// The owner is waiting: no more spawns are coming from it, so "every
    /// non-daemon exited" now means the group is complete.
    sealed: bool,
    /// The owner dropped the supervisor without waiting: the last exit
    /// finishes the group.
    owner_gone: bool,
    finished: bool,
    /// The report the group finished with, for whoever asks after.
    final_report: Option<Report>,
    shutdown: Option<(Instant, ShutdownCause)>,
    /// Members that declared readiness and have not announced it yet.
    not_ready: usize,
    /// The first member that declared readiness and exited without
    /// announcing it: the start failed.
    start_failure: Option<(StdArc<str>, Exit<()>)>,
    /// The owner waits (for readiness or the end), so it has spawned what
    /// the start needs: only now can the group be declared ready.
    readiness_awaited: bool,
    /// `GroupReady` was emitted and the group has not become unready since.
    /// Starts `true`: a group where nobody declares readiness has nothing
    /// to announce.
    ready_announced: bool,
    /// One sender per `events()` subscription; each gets every event.
    listeners: Vec<(u64, Sender<Event>)>,
    /// Told once, when the group is ready (see [`Group::when_ready`]).
    ready_watchers: Vec<Sender<()>>,
    /// The running members that have a heartbeat, as the monitor sees them.
    watched: Vec<Watch>,
    /// Bumped when a member with a heartbeat joins, so the monitor
    /// recomputes its next deadline.
    heartbeat_epoch: u64,
    /// A monitor thread is watching `watched`.
    monitor_running: bool,
    /// At most this many members run at once (`Supervisor::limit`).
    limit: Option<limit::Limit>,
    /// How the shutdown cancels members. Under `ShutdownOrder::Reverse`:
    /// the members still to cancel, in spawn order (the next one last),
    /// with their own timeouts; what those reserve (the sum of their own
    /// timeouts, and how many share the rest); the member being stopped
    /// and when its time is up (`None`: never); and a count bumped when
    /// that time moved earlier, so a sleeping owner recomputes its wake-up.
    order: ShutdownOrder,
    stop_queue: Vec<(MemberId, Option<Duration>)>,
    reserved: Duration,
    sharing: u32,
    stopping: Option<(MemberId, Option<Instant>)>,
    stop_epoch: u64,
    /// When the group is done, and whether a success already decided it
    /// (`Completion::FirstSuccess`).
    completion: Completion,
    won: bool,
    /// What else a restart takes along, and the round in progress.
    strategy: Strategy,
    round: Option<rounds::Round>,
    /// Bumped each time a round is released.
    round_generation: u64,
    /// Members whose run a round took, with that round's generation, until
    /// they ask (`Group::held_by_round`).
    held: Vec<(u64, u64)>,
    next_listener: u64,
    /// How often the owner's wait condition was evaluated: lets tests show
    /// that the owner is woken per transition, not per exit or per tick.
    #[cfg(test)]
    owner_checks: usize,
}

/// A supervisor's shared state.
pub(crate) struct Group {
    state: Mutex<GroupState>,
    changed: Condvar,
}

/// What a transition leaves to do once the group lock is released.
#[derive(Default)]
#[must_use = "an aftermath must be run after the group lock is released"]
struct Aftermath {
    cancel: Vec<CancelToken>,
    wake_owner: bool,
    members: Vec<Arc<Member>>,
    records: Vec<Record>,
    report: Option<Box<Report>>,
    senders: Vec<Sender<Event>>,
    ready_watchers: Vec<Sender<()>>,
    /// Transitions for `tracing`, told after the lock (see `trace.rs`).
    traces: Vec<Event>,
    /// Waiting members given a slot: their threads start after the lock.
    launches: Vec<(Launcher, MemberId)>,
    /// Launchers of members cancelled before they started, to drop.
    launchers: Vec<Launcher>,
}

impl Aftermath {
    /// Keeps `event` for `tracing`, when the feature is on.
    fn trace(&mut self, event: impl FnOnce() -> Event) {
        if crate::trace::TRACES_GROUPS {
            self.traces.push(event());
        }
    }

    /// Cancels, wakes, then drops, in that order (see the module docs).
    fn run(self, group: &Group) {
        let Aftermath {
            cancel,
            wake_owner,
            members,
            records,
            report,
            senders,
            ready_watchers,
            traces,
            launches,
            launchers,
        } = self;
        let user_hooks = Fanout::cancel_all(cancel);
        if wake_owner {
            group.changed.notify_all();
        }
        run_user_hooks(user_hooks);
        for event in &traces {
            crate::trace::group_event(event);
        }
        for (launch, id) in launches {
            launch(id);
        }
        drop_quietly(launchers);
        drop_quietly(members);
        drop_quietly(senders);
        drop_quietly(ready_watchers);
        for record in records {
            drop_quietly(record);
        }
        drop_quietly(report);
    }
}

/// Sends an event to every subscription; one whose receiver is gone
/// stops being sent to. Out of line and cold: most groups have no
/// subscriber, and every exit's path keeps its stack shallow (see
/// `Group::end_member`).
#[cold]
#[inline(never)]
fn send_event(listeners: &mut Vec<(u64, Sender<Event>)>, event: impl FnOnce() -> Event) {
    let event = event();
    listeners.retain(|(_, listener)| listener.send(event.clone()).is_ok());
}

impl GroupState {
    fn emit(&mut self, event: impl FnOnce() -> Event) {
        if !self.listeners.is_empty() {
            send_event(&mut self.listeners, event);
        }
    }

    /// Starts the shutdown (once): every running member is to be cancelled.
    #[cold]
    #[inline(never)]
    fn begin_shutdown(&mut self, cause: ShutdownCause, after: &mut Aftermath) {
        if self.shutdown.is_some() || self.finished {
            return;
        }
        let timeout = self.timeout;
        self.emit(|| Event::ShutdownStarted {
            cause: cause.clone(),
            timeout,
        });
        after.trace(|| Event::ShutdownStarted {
            cause: cause.clone(),
            timeout,
        });
        let now = Instant::now();
        self.shutdown = Some((now, cause));
        self.cancel_waiting(after);
        match self.order {
            ShutdownOrder::AllAtOnce => self.stop_all(after),
            ShutdownOrder::Reverse => {
                let mut queue: Vec<_> = self
                    .live
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, entry)| Some((slot, entry.as_ref()?)))
                    .map(|(slot, entry)| {
                        let id = MemberId {
                            slot,
                            seq: entry.seq,
                        };
                        (id, entry.shutdown_timeout)
                    })
                    .collect();
                queue.sort_unstable_by_key(|(id, _)| id.seq);
                for (_, own) in &queue {
                    self.reserve(*own, true);
                }
                self.stop_queue = queue;
                self.stop_next(now, after);
            }
        }
        after.wake_owner = true;
    }

    /// Cancels every member not cancelled yet, at once.
    fn stop_all(&mut self, after: &mut Aftermath) {
        self.stop_queue.clear();
        self.reserved = Duration::ZERO;
        self.sharing = 0;
        self.stopping = None;
        for entry in self.live.iter_mut().flatten() {
            if !entry.stop_asked {
                entry.stop_asked = true;
                after.cancel.push(entry.member.token.clone());
            }
        }
    }

    /// Adds (or with `add == false` removes) a queued member's claim on the
    /// shutdown's time.
    fn reserve(&mut self, own: Option<Duration>, add: bool) {
        match (own, add) {
            (Some(own), true) => self.reserved = self.reserved.saturating_add(own),
            (Some(own), false) => self.reserved = self.reserved.saturating_sub(own),
            (None, true) => self.sharing = self.sharing.saturating_add(1),
            (None, false) => self.sharing = self.sharing.saturating_sub(1),
        }
    }

    /// In an ordered shutdown, at `now`: once the member being stopped
    /// exited or its time is up, cancels the next one (and the one after
    /// it at once, if that one has no time left). A member's time is its
    /// own timeout, or an even share of what is left of the group's after
    /// the queue's own timeouts, cut to what is left of the group's.
    #[inline(never)]
    fn stop_next(&mut self, now: Instant, after: &mut Aftermath) {
        let Some((started, _)) = &self.shutdown else {
            return;
        };
        let group_deadline = started.checked_add(self.timeout);
        let previous = self.stopping.map(|(_, deadline)| deadline);
        loop {
            if let Some((id, deadline)) = self.stopping {
                let running = self.entry_mut(id).is_some();
                if running && deadline.map_or(true, |deadline| now < deadline) {
                    break;
                }
                self.stopping = None;
            }
            let Some((id, own)) = self.stop_queue.pop() else {
                break;
            };
            // A member that exited before its turn gave its claim back then.
            let Some(entry) = self.entry_mut(id) else {
                continue;
            };
            entry.stop_asked = true;
            after.cancel.push(entry.member.token.clone());
            self.reserve(own, false);
            let left = group_deadline.map(|deadline| deadline.saturating_duration_since(now));
            let time = match (own, left) {
                (Some(own), Some(left)) => Some(own.min(left)),
                (Some(own), None) => Some(own),
                (None, Some(left)) => {
                    Some(left.saturating_sub(self.reserved) / self.sharing.saturating_add(1))
                }
                (None, None) => None,
            };
            self.stopping = Some((id, time.and_then(|time| now.checked_add(time))));
        }
        let current = self.stopping.map(|(_, deadline)| deadline);
        let earlier = match (current, previous) {
            (Some(Some(current)), Some(Some(previous))) => current < previous,
            (Some(Some(_)), _) => true,
            _ => false,
        };
        if earlier {
            self.stop_epoch += 1;
            after.wake_owner = true;
        }
    }

    /// When the member being stopped in an ordered shutdown runs out of
    /// time, if it has a limit.
    fn stop_deadline(&self) -> Option<Instant> {
        self.stopping.and_then(|(_, deadline)| deadline)
    }

    /// Declares the group ready (emits `GroupReady`, wakes waiters) when the
    /// owner waits and every member that declared readiness announced it.
    fn check_ready(&mut self, after: &mut Aftermath) {
        let ready = self.not_ready == 0 && self.start_failure.is_none();
        if self.readiness_awaited && ready {
            for watcher in self.ready_watchers.drain(..) {
                let _ = watcher.send(());
            }
        }
        if self.readiness_awaited && ready && !self.ready_announced {
            self.ready_announced = true;
            self.emit(|| Event::GroupReady);
            after.wake_owner = true;
        }
    }

    /// One look at the watched members at `now`: progress resets a
    /// member's window; a window without progress stalls its run; a stalled
    /// run still going a window later starts the shutdown. Returns when to
    /// look again (`None`: nobody to watch).
    fn check_heartbeats(&mut self, now: Instant, after: &mut Aftermath) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut soonest = |at: Instant| next = Some(next.map_or(at, |next: Instant| next.min(at)));
        let mut stalled = Vec::new();
        let mut escalate = None;
        for watch in &mut self.watched {
            let window = watch.window;
            let (beats, idle) = watch.pulse.progress();
            if beats != watch.beats || idle {
                watch.beats = beats;
                watch.progress_at = now;
            }
            match watch.stalled_at {
                // The stalled run ended (the worker exits or runs again).
                Some(_) if !watch.pulse.is_stalled() => {
                    watch.stalled_at = None;
                    watch.progress_at = now;
                    soonest(now + window);
                }
                Some(at) if now.saturating_duration_since(at) >= window => {
                    escalate.get_or_insert_with(|| watch.name.clone());
                }
                Some(at) => soonest(at + window),
                None => {
                    let silent = now.saturating_duration_since(watch.progress_at);
                    if silent < window {
                        soonest(watch.progress_at + window);
                    } else if let Some(run) = watch.pulse.stall() {
                        after.cancel.push(run);
                        watch.stalled_at = Some(now);
                        stalled.push((watch.name.clone(), silent));
                        soonest(now + window);
                    } else {
                        // Between runs: the next run starts with a beat.
                        watch.progress_at = now;
                        soonest(now + window);
                    }
                }
            }
        }
        for (worker, silent_for) in stalled {
            after.trace(|| Event::Stalled {
                worker: worker.clone(),
                silent_for,
            });
            self.emit(|| Event::Stalled { worker, silent_for });
        }
        if let Some(worker) = escalate {
            self.begin_shutdown(ShutdownCause::Failed { worker }, after);
        }
        next
    }

    fn check_complete(&mut self, after: &mut Aftermath) {
        if self.sealed && self.spawned_non_daemon > 0 && self.running_non_daemon == 0 {
            self.begin_shutdown(ShutdownCause::Completed, after);
        }
    }

    fn shutdown_deadline(&self) -> Option<Option<Instant>> {
        self.shutdown
            .as_ref()
            .map(|(started, _)| started.checked_add(self.timeout))
    }

    /// Member `id`, while it runs; `None` once it was recorded (its slot may
    /// hold a later member by then).
    fn entry_mut(&mut self, id: MemberId) -> Option<&mut Entry> {
        self.live
            .get_mut(id.slot)
            .and_then(Option::as_mut)
            .filter(|entry| entry.seq == id.seq)
    }

    /// Takes member `id` out of the running set; `None` if it is not there
    /// (already recorded).
    fn remove(&mut self, id: MemberId) -> Option<Entry> {
        let slot = self.live.get_mut(id.slot)?;
        if slot.as_ref().map(|entry| entry.seq) != Some(id.seq) {
            return None;
        }
        let entry = slot.take()?;
        self.free.push(id.slot);
        Some(entry)
    }

    /// Records a removed member's exit.
    fn record(
        &mut self,
        entry: Entry,
        outcome: Exit<()>,
        first_failure: bool,
        after: &mut Aftermath,
    ) {
        self.names.release(&entry.name);
        if self.shutdown.is_some() && !entry.stop_asked && !entry.waiting {
            // Still queued for an ordered shutdown: it needs no more time.
            self.reserve(entry.shutdown_timeout, false);
        }
        if entry.awaiting_ready {
            self.not_ready -= 1;
            if self.start_failure.is_none() {
                self.start_failure = Some((entry.name.clone(), outcome.clone()));
            }
            after.wake_owner = true;
        }
        if entry.member.pulse.is_some() {
            self.watched.retain(|watch| watch.seq != entry.seq);
            self.leave_round(entry.seq, after);
        }
        self.leave_limit(entry.seq, entry.waiting, after);
        let record = Record::new(
            entry.name,
            entry.daemon,
            entry.member.cell.thread(),
            entry.started.elapsed(),
            outcome,
        )
        .with_restarts(entry.restarts, entry.last_failure)
        .never_started(entry.waiting);
        self.emit(|| Event::Exited(record.clone()));
        after
            .records
            .extend(self.records.push(entry.seq, record, first_failure));
        after.members.push(entry.member);
        self.running -= 1;
        if !entry.daemon {
            self.running_non_daemon -= 1;
        }
        if self.running == 0 {
            after.wake_owner = true;
        }
    }

    /// Reports whoever is still running as hung (or as what it recorded a
    /// moment ago) and closes the group.
    #[cold]
    #[inline(never)]
    fn finish(&mut self, after: &mut Aftermath) -> Report {
        for slot in 0..self.live.len() {
            if let Some(entry) = self.live[slot].take() {
                if entry.waiting {
                    let _ = entry.member.cell.fill(Exit::Cancelled);
                }
                let outcome = entry.member.cell.settle();
                self.record(entry, outcome, false, after);
            }
        }
        self.free.clear();
        self.live.clear();
        self.finished = true;
        let cause = self.shutdown.take().map(|(_, cause)| cause);
        let report = self.records.take_report(cause);
        self.final_report = Some(report.clone());
        let exit_code = report.exit_code();
        self.emit(|| Event::Finished { exit_code });
        after.trace(|| Event::Finished { exit_code });
        after
            .senders
            .extend(self.listeners.drain(..).map(|(_, sender)| sender));
        after.ready_watchers.append(&mut self.ready_watchers);
        self.watched.clear();
        after.wake_owner = true;
        report
    }
}

impl Group {
    pub(crate) fn new(timeout: Duration) -> Self {
        Group {
            state: Mutex::new(GroupState {
                timeout,
                names: Names::default(),
                live: Vec::new(),
                free: Vec::new(),
                next_seq: 0,
                records: Records::new(),
                running: 0,
                running_non_daemon: 0,
                spawned_non_daemon: 0,
                sealed: false,
                owner_gone: false,
                finished: false,
                final_report: None,
                shutdown: None,
                not_ready: 0,
                start_failure: None,
                readiness_awaited: false,
                ready_announced: true,
                listeners: Vec::new(),
                ready_watchers: Vec::new(),
                watched: Vec::new(),
                heartbeat_epoch: 0,
                monitor_running: false,
                limit: None,
                order: ShutdownOrder::Reverse,
                stop_queue: Vec::new(),
                reserved: Duration::ZERO,
                sharing: 0,
                stopping: None,
                stop_epoch: 0,
                completion: Completion::AllSucceed,
                won: false,
                strategy: Strategy::OneForOne,
                round: None,
                round_generation: 0,
                held: Vec::new(),
                next_listener: 0,
                #[cfg(test)]
                owner_checks: 0,
            }),
            changed: Condvar::new(),
        }
    }

    pub(crate) fn set_timeout(&self, timeout: Duration) {
        lock(&self.state).timeout = timeout;
    }

    pub(crate) fn set_shutdown_order(&self, order: ShutdownOrder) {
        lock(&self.state).order = order;
    }

    /// Whether the shutdown began (a member may not be cancelled yet: an
    /// ordered shutdown cancels one at a time).
    pub(crate) fn is_shutting_down(&self) -> bool {
        let state = lock(&self.state);
        state.shutdown.is_some() || state.finished
    }

    pub(crate) fn set_completion(&self, completion: Completion) {
        lock(&self.state).completion = completion;
    }

    pub(crate) fn retain_records(&self, limit: usize) {
        let folded = lock(&self.state).records.set_limit(limit);
        drop_quietly(folded);
    }

    /// Adds a worker about to start. A worker that joins while the group is
    /// shutting down starts already cancelled (errgroup's rule): it runs,
    /// sees the cancellation, and its exit is recorded like any other. A
    /// group that finished takes no members: the worker starts cancelled and
    /// belongs to no group ([`Admission::Closed`]). Under a limit with every
    /// slot taken, the worker waits for one ([`Admission::Waits`]; during
    /// the shutdown it is recorded cancelled at once), or, unless
    /// `may_wait`, is refused.
    pub(crate) fn register(
        &self,
        name: StdArc<str>,
        daemon: bool,
        readiness: bool,
        shutdown_timeout: Option<Duration>,
        member: &Arc<Member>,
        may_wait: bool,
    ) -> Admission {
        let mut state = lock(&self.state);
        if state.finished {
            drop(state);
            member.token.cancel();
            return Admission::Closed;
        }
        if !may_wait && state.limit.as_ref().is_some_and(limit::Limit::is_full) {
            return Admission::Refused;
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        let shutting_down = state.shutdown.is_some();
        let name = state.names.take(&name);
        let entry = Entry {
            seq,
            name: name.clone(),
            daemon,
            awaiting_ready: readiness,
            readiness,
            started: Instant::now(),
            member: member.clone(),
            shutdown_timeout,
            stop_asked: shutting_down,
            waiting: false,
            restarts: 0,
            last_failure: None,
            #[cfg(not(loom))]
            children: None,
        };
        if readiness {
            state.not_ready += 1;
            state.ready_announced = false;
        }
        let heartbeat = member
            .pulse
            .as_ref()
            .and_then(|pulse| Some((pulse.clone(), pulse.window()?)));
        let watched = heartbeat.map(|(pulse, window)| Watch {
            seq,
            name: name.clone(),
            pulse,
            window,
            beats: 0,
            progress_at: Instant::now(),
            stalled_at: None,
        });
        let watched = watched.map(|watch| {
            state.watched.push(watch);
            state.heartbeat_epoch += 1;
        });
        let slot = match state.free.pop() {
            Some(slot) => {
                state.live[slot] = Some(entry);
                slot
            }
            None => {
                state.live.push(Some(entry));
                state.live.len() - 1
            }
        };
        state.running += 1;
        if !daemon {
            state.running_non_daemon += 1;
            state.spawned_non_daemon += 1;
        }
        state.emit(|| Event::Started {
            worker: name.clone(),
            daemon,
        });
        let id = MemberId { slot, seq };
        let admitted = state.limit.as_mut().map_or(true, |limit| limit.join(id));
        let mut after = Aftermath::default();
        if !admitted {
            if let Some(entry) = state.entry_mut(id) {
                entry.waiting = true;
            }
            if shutting_down {
                state.cancel_unstarted(id, &mut after);
            }
        }
        drop(state);
        after.run(self);
        if watched.is_some() {
            // The monitor recomputes its deadline with the newcomer's.
            self.changed.notify_all();
        }
        if shutting_down {
            member.token.cancel();
        }
        if admitted {
            Admission::Now(id, name)
        } else {
            Admission::Waits(id, name)
        }
    }

    /// Starts the heartbeat monitor of `group` unless it runs: a thread that
    /// sleeps until the earliest moment a watched member could be stalled,
    /// declares stalled members that made no progress within their window
    /// (`Event::Stalled`, and their run cancelled), and starts the group's
    /// shutdown for a stalled run that did not stop within a further
    /// window. It ends with the group.
    pub(crate) fn watch_heartbeats(group: &Arc<Group>) {
        {
            let mut state = lock(&group.state);
            if state.monitor_running || state.finished {
                return;
            }
            state.monitor_running = true;
        }
        let watched = group.clone();
        let spawned = std::thread::Builder::new()
            .name("threadkit-heartbeats".to_owned())
            .spawn(move || watched.monitor());
        if spawned.is_err() {
            // No thread: no stall detection, which `Worker::heartbeat`
            // documents; the next heartbeat worker tries again.
            lock(&group.state).monitor_running = false;
        }
    }

    fn monitor(&self) {
        let mut state = lock(&self.state);
        loop {
            if state.finished {
                state.monitor_running = false;
                return;
            }
            let mut after = Aftermath::default();
            let next = state.check_heartbeats(Instant::now(), &mut after);
            let epoch = state.heartbeat_epoch;
            drop(state);
            after.run(self);
            state = lock(&self.state);
            if state.heartbeat_epoch != epoch {
                continue;
            }
            state = wait_until(&self.changed, state, next, |state| {
                state.finished || state.heartbeat_epoch != epoch
            })
            .0;
        }
    }

    /// Tells the listeners `event`, which no transition of the group caused
    /// (what a helper thread such as the systemd notifier saw).
    #[cfg_attr(not(all(feature = "systemd", unix)), allow(dead_code))]
    pub(crate) fn tell(&self, event: Event) {
        lock(&self.state).emit(|| event);
    }

    /// Whether some running member's current run is stalled.
    #[cfg_attr(not(all(feature = "systemd", unix)), allow(dead_code))]
    pub(crate) fn is_stalled(&self) -> bool {
        lock(&self.state)
            .watched
            .iter()
            .any(|watch| watch.pulse.is_stalled())
    }

    /// Records a member's exit (once; a second call for the same member, and
    /// calls after the group finished, are ignored). Starts the fail-fast
    /// shutdown on the first failure.
    pub(crate) fn record_exit(&self, id: MemberId, outcome: Exit<()>) {
        self.end_member(id, |_| outcome);
    }

    /// Member `id` was stopped alone and did not exit in time: its exit
    /// cell is settled (`Hung`, unless it exited just now) and recorded
    /// here, once, so the group no longer waits for it.
    pub(crate) fn give_up(&self, id: MemberId) {
        self.end_member(id, |entry| entry.member.cell.settle());
    }

    /// Records member `id`'s exit, `outcome` deciding it from the entry.
    fn end_member(&self, id: MemberId, outcome: impl FnOnce(&Entry) -> Exit<()>) {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        let Some(entry) = state.remove(id) else {
            return;
        };
        let outcome = outcome(&entry);
        let failed = matches!(outcome, Exit::Failed(_) | Exit::Panicked(_));
        // After a success decided a `FirstSuccess` group, failures are
        // tolerated for good.
        let first_failure = failed && !state.records.has_first_failure() && !state.won;
        let wins = state.completion == Completion::FirstSuccess
            && !entry.daemon
            && !state.won
            && matches!(outcome, Exit::Returned(()));
        let name = entry.name.clone();
        state.record(entry, outcome, first_failure, &mut after);
        // Only an ordered shutdown in progress has a next member to stop
        // (and needs the time).
        if state.stopping.is_some() {
            state.stop_next(Instant::now(), &mut after);
        }
        if wins {
            state.won = true;
            let forgiven = state.records.forgive_first_failure();
            after.records.extend(forgiven);
            state.begin_shutdown(ShutdownCause::Completed, &mut after);
        } else if first_failure && state.completion == Completion::AllSucceed {
            state.begin_shutdown(ShutdownCause::Failed { worker: name }, &mut after);
        } else {
            state.check_complete(&mut after);
        }
        if state.owner_gone && state.running == 0 {
            after.report = Some(Box::new(state.finish(&mut after)));
        }
        drop(state);
        after.run(self);
    }

    /// Member `id` ended a run that its restart policy runs again after
    /// `delay`: restart number `restart`, after a run that ended `exit`.
    pub(crate) fn restarting(&self, id: MemberId, restart: u32, delay: Duration, exit: Exit<()>) {
        let mut state = lock(&self.state);
        let Some(entry) = state.entry_mut(id) else {
            return;
        };
        entry.restarts = restart;
        if exit.is_failure() {
            entry.last_failure = Some(exit.clone());
        }
        let worker = entry.name.clone();
        state.emit(|| Event::Restarting {
            worker,
            restart,
            delay,
            exit,
        });
    }

    /// Member `id`'s run failed as it was cancelled, with a failure its
    /// policy would have restarted: kept as its last failure, not restarted.
    pub(crate) fn failed_while_cancelled(&self, id: MemberId, exit: Exit<()>) {
        if let Some(entry) = lock(&self.state).entry_mut(id) {
            entry.last_failure = Some(exit);
        }
    }

    /// Member `id` announced that it is ready (once; later calls, and calls
    /// from members that did not declare readiness, do nothing).
    pub(crate) fn mark_ready(&self, id: MemberId) {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        let Some(entry) = state.entry_mut(id).filter(|entry| entry.awaiting_ready) else {
            return;
        };
        entry.awaiting_ready = false;
        let worker = entry.name.clone();
        state.not_ready -= 1;
        state.emit(|| Event::Ready { worker });
        state.check_ready(&mut after);
        drop(state);
        after.run(self);
    }

    /// A channel that receives one message when the group is ready: the
    /// owner waits and every member that declared readiness announced it
    /// (at the owner's first wait when none declared it). Unlike
    /// `GroupReady`, it also fires for groups where nobody declares
    /// readiness; it disconnects without a message if the group finishes
    /// unready.
    #[cfg_attr(not(all(feature = "systemd", unix)), allow(dead_code))]
    pub(crate) fn when_ready(&self) -> Receiver<()> {
        let (sender, receiver) = crossbeam_channel::bounded(1);
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        if !state.finished {
            state.ready_watchers.push(sender);
            state.check_ready(&mut after);
        }
        drop(state);
        after.run(self);
        receiver
    }

    /// Waits until every member that declared readiness announced it,
    /// giving up at `give_up` (`None`: never).
    pub(crate) fn wait_ready(&self, give_up: Option<Instant>) -> Result<(), NotReady> {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        state.readiness_awaited = true;
        state.check_ready(&mut after);
        let (state, _) = wait_until(&self.changed, state, give_up, |state| {
            state.not_ready == 0 || state.start_failure.is_some() || state.finished
        });
        if let Some((worker, exit)) = &state.start_failure {
            return Err(NotReady::Exited {
                worker: worker.clone(),
                exit: exit.clone(),
            });
        }
        // A finished group recorded every worker that had not announced
        // readiness (as `Hung` if need be), which failed the start above.
        let outcome = if state.not_ready == 0 {
            Ok(())
        } else {
            Err(NotReady::TimedOut)
        };
        drop(state);
        after.run(self);
        outcome
    }

    /// Whether every member that declared readiness announced it.
    pub(crate) fn is_ready(&self) -> bool {
        let state = lock(&self.state);
        state.not_ready == 0 && state.start_failure.is_none()
    }

    /// Member `id` runs `child` (a group made with `Supervisor::child_of`
    /// in its body): snapshots show it under the member. Groups already
    /// gone are forgotten here, so a member that runs groups in a loop
    /// keeps only the live ones.
    #[cfg(not(loom))]
    pub(crate) fn adopt(&self, id: MemberId, child: &Arc<Group>) {
        if let Some(entry) = lock(&self.state).entry_mut(id) {
            let children = entry.children.get_or_insert_with(Box::default);
            children.retain(|child| child.strong_count() > 0);
            children.push(Arc::downgrade(child));
        }
    }

    /// Every member's state now, with the groups members run as subtrees.
    /// Copies only threadkit's own data under the lock; the subtrees are
    /// taken after it is released, so no two groups' locks are ever held
    /// together.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let (mut snapshot, children) = self.own_snapshot();
        for (index, groups) in children {
            // A finished child group can outlive its `wait()` for a moment
            // (its last worker's thread still holds it): only groups still
            // running are subtrees.
            snapshot.workers[index].groups = groups
                .iter()
                .filter_map(std::sync::Weak::upgrade)
                .map(|group| group.snapshot())
                .filter(|child| !child.is_finished())
                .collect();
        }
        snapshot
    }

    /// This group's snapshot, and for each running member (by its index in
    /// the snapshot) the groups it runs.
    fn own_snapshot(&self) -> (Snapshot, Vec<(usize, Children)>) {
        let now = Instant::now();
        let state = lock(&self.state);
        let mut running: Vec<(u64, WorkerSnapshot, Children)> = state
            .live
            .iter()
            .flatten()
            .map(|entry| {
                let member = &entry.member;
                let stalled = member
                    .pulse
                    .as_ref()
                    .is_some_and(|pulse| pulse.is_stalled());
                let worker_state = if entry.waiting {
                    WorkerState::Waiting
                } else if member.cell.thread().is_none() {
                    WorkerState::Starting
                } else if stalled {
                    WorkerState::Stalled
                } else if entry.stop_asked || member.token.is_cancelled() {
                    WorkerState::Stopping
                } else if entry.readiness && !entry.awaiting_ready {
                    WorkerState::Ready
                } else {
                    WorkerState::Running
                };
                let since_progress = state
                    .watched
                    .iter()
                    .find(|watch| watch.seq == entry.seq)
                    .map(|watch| now.saturating_duration_since(watch.progress_at));
                let snapshot = WorkerSnapshot {
                    name: entry.name.clone(),
                    daemon: entry.daemon,
                    state: worker_state,
                    running_for: now.saturating_duration_since(entry.started),
                    restarts: entry.restarts,
                    since_progress,
                    native_id: member.native_id.get().copied(),
                    groups: Vec::new(),
                };
                #[cfg(not(loom))]
                let children = entry.children.as_deref().cloned().unwrap_or_default();
                #[cfg(loom)]
                let children = Vec::new();
                (entry.seq, snapshot, children)
            })
            .collect();
        running.sort_by_key(|(seq, _, _)| *seq);
        let children = running
            .iter_mut()
            .enumerate()
            .filter(|(_, (_, _, children))| !children.is_empty())
            .map(|(index, (_, _, children))| (index, std::mem::take(children)))
            .collect();
        // A finished group's records moved into its report.
        let records: Vec<&Record> = match &state.final_report {
            Some(report) => report.records().iter().collect(),
            None => state.records.records().collect(),
        };
        let exited = records.into_iter().map(|record| WorkerSnapshot {
            name: StdArc::from(record.name()),
            daemon: record.is_daemon(),
            state: WorkerState::Exited(record.exit().clone()),
            running_for: record.duration(),
            restarts: record.restarts(),
            since_progress: None,
            native_id: None,
            groups: Vec::new(),
        });
        let snapshot = Snapshot {
            workers: running
                .into_iter()
                .map(|(_, worker, _)| worker)
                .chain(exited)
                .collect(),
            ready: state.not_ready == 0 && state.start_failure.is_none(),
            shutdown: state.shutdown.as_ref().map(|(_, cause)| cause.clone()),
            finished: state.finished,
        };
        (snapshot, children)
    }

    /// Starts the shutdown because the process received `signal` (a no-op
    /// when the shutdown already began: the first cause stands).
    #[cfg_attr(not(all(feature = "signals", unix)), allow(dead_code))]
    pub(crate) fn signal(&self, signal: i32) {
        let mut after = Aftermath::default();
        lock(&self.state).begin_shutdown(ShutdownCause::Signal { signal }, &mut after);
        after.run(self);
    }

    /// Starts the shutdown because the owner asked for it.
    pub(crate) fn cancel(&self) {
        let mut after = Aftermath::default();
        lock(&self.state).begin_shutdown(ShutdownCause::Cancelled, &mut after);
        after.run(self);
    }

    /// A new subscription to every event from now on: its id (for
    /// [`unsubscribe`](Group::unsubscribe)) and its receiver. After the
    /// group finished, the receiver is empty and disconnected.
    pub(crate) fn subscribe(&self) -> (u64, Receiver<Event>) {
        let (sender, receiver) = crossbeam_channel::unbounded();
        let mut state = lock(&self.state);
        let id = state.next_listener;
        state.next_listener += 1;
        if state.finished {
            drop(state);
            drop(sender);
        } else {
            state.listeners.push((id, sender));
        }
        (id, receiver)
    }

    /// Ends a subscription at once, so a dropped reader costs nothing even
    /// if no event ever comes.
    pub(crate) fn unsubscribe(&self, id: u64) {
        let mut state = lock(&self.state);
        let position = state
            .listeners
            .iter()
            .position(|(listener, _)| *listener == id);
        let removed = position.map(|position| state.listeners.swap_remove(position));
        drop(state);
        drop(removed);
    }

    /// Waits for the group to finish, giving up at `give_up` (`None`: never).
    /// The group finishes when every worker exited, or when the shutdown
    /// timeout passed after the shutdown began (the rest become `Hung`).
    /// `None` only when it gave up; a group that finished already answers
    /// with the report it finished with.
    pub(crate) fn wait(&self, give_up: Option<Instant>) -> Option<Report> {
        self.wait_as(give_up, true)
    }

    /// The wait a dropped supervisor's reaper does in the owner's place: it
    /// finishes the group, but an abandoned group is not declared ready.
    pub(crate) fn wait_abandoned(&self) -> Option<Report> {
        self.wait_as(None, false)
    }

    fn wait_as(&self, give_up: Option<Instant>, owner: bool) -> Option<Report> {
        let mut state = lock(&self.state);
        if state.finished {
            return state.final_report.clone();
        }
        state.sealed = true;
        state.readiness_awaited |= owner;
        let mut after = Aftermath::default();
        state.check_ready(&mut after);
        state.check_complete(&mut after);
        if !after.cancel.is_empty() || after.wake_owner {
            drop(state);
            after.run(self);
            state = lock(&self.state);
        }
        loop {
            if state.finished {
                return state.final_report.clone();
            }
            if state.running == 0 {
                break;
            }
            let now = Instant::now();
            // The waiting owner moves an ordered shutdown past a member
            // whose time is up.
            let mut moved_on = Aftermath::default();
            state.stop_next(now, &mut moved_on);
            if !moved_on.cancel.is_empty() {
                drop(state);
                moved_on.run(self);
                state = lock(&self.state);
                continue;
            }
            let shutdown_deadline = state.shutdown_deadline();
            if matches!(shutdown_deadline, Some(Some(deadline)) if now >= deadline) {
                break;
            }
            if matches!(give_up, Some(give_up) if now >= give_up) {
                if state.shutdown.is_none() {
                    // The owner may still spawn: the group is not complete.
                    state.sealed = false;
                }
                return None;
            }
            let wake_at = [shutdown_deadline.flatten(), give_up, state.stop_deadline()]
                .into_iter()
                .flatten()
                .min();
            // Exits notify only when the last one leaves, the shutdown
            // begins, or a stopping member's time moves earlier, so a large
            // group does not wake its owner per exit.
            let shutdown_started = state.shutdown.is_some();
            let stop_epoch = state.stop_epoch;
            state = wait_until(&self.changed, state, wake_at, |state| {
                #[cfg(test)]
                {
                    state.owner_checks += 1;
                }
                state.finished
                    || state.running == 0
                    || state.shutdown.is_some() != shutdown_started
                    || state.stop_epoch != stop_epoch
            })
            .0;
        }
        let mut after = Aftermath::default();
        let report = state.finish(&mut after);
        drop(state);
        after.run(self);
        Some(report)
    }

    /// What is true now: the final report once the group finished, else the
    /// records so far (running workers have none yet).
    pub(crate) fn report(&self) -> Report {
        let state = lock(&self.state);
        match &state.final_report {
            Some(report) => report.clone(),
            None => {
                let cause = state.shutdown.as_ref().map(|(_, cause)| cause.clone());
                state.records.report(cause)
            }
        }
    }

    /// The owner went away without waiting: cancel everyone; the last exit
    /// finishes the group. `true` when workers still run and someone
    /// listens for [`Event::Finished`]: the caller should then have the
    /// group waited for, so the listeners hear it by the shutdown deadline.
    pub(crate) fn abandon(&self) -> bool {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        if state.finished {
            return false;
        }
        state.owner_gone = true;
        state.sealed = true;
        state.begin_shutdown(ShutdownCause::Cancelled, &mut after);
        // Nobody waits to keep an ordered shutdown's times.
        state.stop_all(&mut after);
        let listened = if state.running == 0 {
            after.report = Some(Box::new(state.finish(&mut after)));
            false
        } else {
            !state.listeners.is_empty()
        };
        drop(state);
        after.run(self);
        listened
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn owner_checks(&self) -> usize {
        lock(&self.state).owner_checks
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_sealed(&self) -> bool {
        lock(&self.state).sealed
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn listener_count(&self) -> usize {
        lock(&self.state).listeners.len()
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn live_slots(&self) -> usize {
        lock(&self.state).live.len()
    }
}
