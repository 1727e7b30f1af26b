//! A group's concurrency limit: at most `max` members run at once; the
//! rest wait in spawn order, as members that have not started, and start
//! as running members exit. A waiting member is cancelled without ever
//! starting when the shutdown begins (or its handle cancels it).
//!
//! A waiting member's thread is started by whoever frees its slot, after
//! the group lock is released, through its [`Launcher`]. The launcher
//! reaches the group a moment after the member was registered
//! ([`Group::enqueue`]), so the slot may be given before it arrives; the
//! decision then waits for it.

use std::collections::VecDeque;
use std::sync::Arc as StdArc;

use super::{Aftermath, Group, GroupState, MemberId};
use crate::sync::lock;
use crate::Exit;

/// Starts a waiting member's thread.
pub(crate) type Launcher = Box<dyn FnOnce(MemberId) + Send>;

/// What [`Group::register`] decided for a new member.
/// A member that joined carries its name in the group, unique among the
/// running members.
pub(crate) enum Admission {
    /// Start it now.
    Now(MemberId, StdArc<str>),
    /// It waits for a slot: hand its launcher to [`Group::enqueue`].
    Waits(MemberId, StdArc<str>),
    /// Every slot is taken and the caller asked not to wait: nothing was
    /// registered.
    Refused,
    /// The group finished: it belongs to no group and starts cancelled.
    Closed,
}

impl Admission {
    /// The member's id, when it joined the group.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn id(&self) -> Option<MemberId> {
        match self {
            Admission::Now(id, _) | Admission::Waits(id, _) => Some(*id),
            Admission::Refused | Admission::Closed => None,
        }
    }
}

/// What [`Group::enqueue`] says about a launcher.
pub(crate) enum Enqueued {
    /// Kept: the group starts the member when a slot frees.
    Kept,
    /// A slot was given before the launcher arrived: start it now.
    StartNow(Launcher),
    /// The member was cancelled before it started: drop the launcher.
    Gone(Launcher),
}

pub(super) struct Limit {
    max: usize,
    /// Members started and not exited.
    active: usize,
    /// Members waiting for a slot, in spawn order, with their launchers
    /// once they arrived.
    waiting: VecDeque<(MemberId, Option<Launcher>)>,
    /// Members given a slot before their launcher arrived.
    admitted_early: Vec<u64>,
}

impl Limit {
    pub(super) fn new(max: usize) -> Self {
        Limit {
            max,
            active: 0,
            waiting: VecDeque::new(),
            admitted_early: Vec::new(),
        }
    }

    pub(super) fn is_full(&self) -> bool {
        self.active >= self.max || !self.waiting.is_empty()
    }

    /// A new member takes a slot (`true`) or joins the queue.
    pub(super) fn join(&mut self, id: MemberId) -> bool {
        if self.is_full() {
            self.waiting.push_back((id, None));
            false
        } else {
            self.active += 1;
            true
        }
    }
}

impl GroupState {
    /// Gives free slots to waiting members, unless the shutdown began.
    pub(super) fn admit(&mut self, after: &mut Aftermath) {
        if self.shutdown.is_some() || self.finished {
            return;
        }
        while let Some(limit) = self.limit.as_mut().filter(|limit| limit.active < limit.max) {
            let Some((id, launcher)) = limit.waiting.pop_front() else {
                break;
            };
            limit.active += 1;
            match launcher {
                Some(launcher) => after.launches.push((launcher, id)),
                None => limit.admitted_early.push(id.seq),
            }
            if let Some(entry) = self.entry_mut(id) {
                entry.waiting = false;
            }
        }
    }

    /// A member left: frees its slot, or its place in the queue (its
    /// launcher is dropped after the lock).
    pub(super) fn leave_limit(&mut self, seq: u64, waited: bool, after: &mut Aftermath) {
        let Some(limit) = &mut self.limit else {
            return;
        };
        if waited {
            if let Some(position) = limit.waiting.iter().position(|(id, _)| id.seq == seq) {
                if let Some((_, Some(launcher))) = limit.waiting.remove(position) {
                    after.launchers.push(launcher);
                }
            }
        } else {
            limit.active = limit.active.saturating_sub(1);
            self.admit(after);
        }
    }

    /// Records every waiting member `Cancelled` without starting it: the
    /// shutdown began.
    pub(super) fn cancel_waiting(&mut self, after: &mut Aftermath) {
        let waiting: Vec<MemberId> = match &self.limit {
            Some(limit) => limit.waiting.iter().map(|(id, _)| *id).collect(),
            None => return,
        };
        for id in waiting {
            self.cancel_unstarted(id, after);
        }
    }

    /// Records waiting member `id` `Cancelled`, its exit cell filled here
    /// since no thread of its will.
    pub(super) fn cancel_unstarted(&mut self, id: MemberId, after: &mut Aftermath) -> bool {
        if !self.entry_mut(id).is_some_and(|entry| entry.waiting) {
            return false;
        }
        let Some(mut entry) = self.remove(id) else {
            return false;
        };
        entry.stop_asked = true;
        // Nothing else fills a cell that has no thread; group, then cell.
        let _ = entry.member.cell.fill(Exit::Cancelled);
        self.record(entry, Exit::Cancelled, false, after);
        true
    }
}

impl Group {
    /// At most `max` members of this group run at once (set before workers
    /// start, in practice; members already running count).
    pub(crate) fn set_limit(&self, max: usize) {
        let mut state = lock(&self.state);
        let running = state.running;
        let mut limit = Limit::new(max);
        limit.active = running;
        state.limit = Some(limit);
    }

    /// The launcher of member `id`, which [`register`](Group::register)
    /// put in the queue.
    pub(crate) fn enqueue(&self, id: MemberId, launcher: Launcher) -> Enqueued {
        let mut state = lock(&self.state);
        let Some(limit) = &mut state.limit else {
            return Enqueued::Gone(launcher);
        };
        if let Some(position) = limit.admitted_early.iter().position(|seq| *seq == id.seq) {
            limit.admitted_early.swap_remove(position);
            return Enqueued::StartNow(launcher);
        }
        match limit
            .waiting
            .iter_mut()
            .find(|(waiting, _)| waiting.seq == id.seq)
        {
            Some((_, slot)) => {
                *slot = Some(launcher);
                Enqueued::Kept
            }
            None => Enqueued::Gone(launcher),
        }
    }

    /// Cancels member `id` without starting it if it waits for a slot (a
    /// member that started, or exited, is left alone).
    pub(crate) fn cancel_if_waiting(&self, id: MemberId) {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        if state.cancel_unstarted(id, &mut after) {
            state.check_complete(&mut after);
        }
        drop(state);
        after.run(self);
    }
}
