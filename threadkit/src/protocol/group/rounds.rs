//! Restart rounds of the `one_for_all` and `rest_for_one` strategies: a
//! restarting worker cancels its siblings' runs, and nobody runs again
//! before every cancelled run ended.

use std::sync::Arc as StdArc;
use std::time::Instant;

use super::{Aftermath, Group, GroupState, MemberId};
use crate::sync::{lock, wait_until};
use crate::{ShutdownCause, Strategy};

/// A round in progress.
pub(super) struct Round {
    /// Whose restart started it (the cause if it fails).
    initiator: StdArc<str>,
    /// Members (by seq) whose cancelled run has not ended yet.
    pending: Vec<u64>,
    started: Instant,
}

/// How a wait for a round ended.
pub(crate) enum RoundEnd {
    /// Every cancelled run ended: run again.
    Released,
    /// The group is shutting down: do not run again.
    ShuttingDown,
}

impl GroupState {
    /// Releases the round once no cancelled run is pending.
    fn release_if_done(&mut self, after: &mut Aftermath) {
        if self
            .round
            .as_ref()
            .is_some_and(|round| round.pending.is_empty())
        {
            self.round = None;
            self.round_generation += 1;
            after.wake_owner = true;
        }
    }

    /// Takes member `seq` out of any round: it exited.
    pub(super) fn leave_round(&mut self, seq: u64, after: &mut Aftermath) {
        self.held.retain(|(held, _)| *held != seq);
        if let Some(round) = &mut self.round {
            round.pending.retain(|member| *member != seq);
            self.release_if_done(after);
        }
    }
}

impl Group {
    /// Sets the group's strategy (before workers start, in practice).
    pub(crate) fn set_strategy(&self, strategy: Strategy) {
        lock(&self.state).strategy = strategy;
    }

    pub(crate) fn strategy(&self) -> Strategy {
        lock(&self.state).strategy
    }

    /// Member `id`'s restart starts (or joins) a round under the group's
    /// strategy: the runs of its restartable siblings (all, or those
    /// started after it) are cancelled. Returns the round to wait for, or
    /// `None` under `one_for_one`.
    pub(crate) fn start_round(&self, id: MemberId) -> Option<u64> {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        let strategy = state.strategy;
        if strategy == Strategy::OneForOne {
            return None;
        }
        let initiator = state.live.get(id.slot)?.as_ref()?.name.clone();
        let affected: Vec<(u64, Option<crate::protocol::CancelToken>)> = state
            .live
            .iter()
            .flatten()
            .filter(|entry| entry.seq != id.seq)
            .filter(|entry| strategy == Strategy::OneForAll || entry.seq > id.seq)
            .filter_map(|entry| {
                let pulse = entry.member.pulse.as_ref()?;
                pulse
                    .in_strategy()
                    .then(|| (entry.seq, pulse.current_run()))
            })
            .collect();
        state.round.get_or_insert_with(|| Round {
            initiator,
            pending: Vec::new(),
            started: Instant::now(),
        });
        let generation = state.round_generation;
        // Each sibling is told, whenever it looks, that a round took its
        // run, even once the round was released.
        for (seq, _) in &affected {
            if !state.held.iter().any(|(held, _)| held == seq) {
                state.held.push((*seq, generation));
            }
        }
        let round = state.round.as_mut()?;
        for (seq, run) in affected {
            if let Some(run) = run {
                if !round.pending.contains(&seq) {
                    round.pending.push(seq);
                }
                after.cancel.push(run);
            }
        }
        state.release_if_done(&mut after);
        drop(state);
        after.run(self);
        Some(generation)
    }

    /// Whether a sibling's round took member `id`'s run: the round to wait
    /// for before running again (perhaps released already). Asking
    /// consumes the answer.
    pub(crate) fn held_by_round(&self, id: MemberId) -> Option<u64> {
        let mut state = lock(&self.state);
        let index = state.held.iter().position(|(seq, _)| *seq == id.seq)?;
        Some(state.held.swap_remove(index).1)
    }

    /// Member `id` ended a run: a round waiting for it may be released.
    pub(crate) fn run_ended(&self, id: MemberId) {
        let mut after = Aftermath::default();
        let mut state = lock(&self.state);
        if let Some(round) = &mut state.round {
            round.pending.retain(|member| *member != id.seq);
            state.release_if_done(&mut after);
        }
        drop(state);
        after.run(self);
    }

    /// Waits until round `generation` is released, or the group shuts down.
    /// A round not released within the shutdown timeout (a sibling ignores
    /// its cancellation, and a thread cannot be killed) starts the
    /// shutdown, with the round's initiator as the cause.
    pub(crate) fn wait_round(&self, generation: u64) -> RoundEnd {
        let mut after = Aftermath::default();
        let state = lock(&self.state);
        let deadline = state
            .round
            .as_ref()
            .and_then(|round| round.started.checked_add(state.timeout));
        let (mut state, done) = wait_until(&self.changed, state, deadline, |state| {
            state.round_generation != generation || state.shutdown.is_some() || state.finished
        });
        let end = if state.shutdown.is_some() || state.finished {
            RoundEnd::ShuttingDown
        } else if done {
            RoundEnd::Released
        } else {
            let worker = state
                .round
                .as_ref()
                .map(|round| round.initiator.clone())
                .unwrap_or_default();
            state.begin_shutdown(ShutdownCause::Failed { worker }, &mut after);
            RoundEnd::ShuttingDown
        };
        drop(state);
        after.run(self);
        end
    }
}
