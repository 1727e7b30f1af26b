//! What a worker shares with its handle and its group: [`Shared`],
//! [`Member`], and [`record`], the one place an exit is recorded.

use std::sync::Arc as StdArc;

use super::{drop_quietly, CancelToken, ExitCell, Group, MemberId, Pulse};
use crate::panic::Panic;
use crate::sync::{lock, Arc, Mutex};
use crate::Exit;

/// The part of a worker its group holds: the exit cell and the cancel
/// token. It never holds the worker's value, so a group never owns, and
/// never drops, a user's value.
pub(crate) struct Member {
    pub(crate) cell: ExitCell,
    pub(crate) token: CancelToken,
    /// The heartbeat, for a worker that has one.
    pub(crate) pulse: Option<Arc<Pulse>>,
    /// The OS's id of the worker's thread, set by its first line. Not
    /// protocol state (it synchronises nothing), hence std's type.
    pub(crate) native_id: std::sync::OnceLock<u64>,
}

impl Member {
    pub(crate) fn new(pulse: Option<Arc<Pulse>>) -> Self {
        Member {
            cell: ExitCell::new(),
            token: CancelToken::new(),
            pulse,
            native_id: std::sync::OnceLock::new(),
        }
    }
}

/// What a worker's thread shares with its [`Handle`](crate::Handle): the
/// member, and the value of a `Returned` exit until the handle takes it.
pub(crate) struct Shared<T> {
    pub(crate) member: Arc<Member>,
    value: Mutex<Option<T>>,
}

/// The thread of a worker that waited for a slot, started by whoever freed
/// it, for its handle to join; only such workers have one. Not protocol
/// state (the exit cell orders everything), hence std's types.
pub(crate) type LateThread = StdArc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>;

impl<T> Shared<T> {
    pub(crate) fn new() -> Self {
        Self::with_pulse(None)
    }

    /// For a worker with a heartbeat.
    pub(crate) fn with_pulse(pulse: Option<Arc<Pulse>>) -> Self {
        Shared {
            member: Arc::new(Member::new(pulse)),
            value: Mutex::new(None),
        }
    }

    /// The worker's exit, with its value, once `outcome` was recorded. A
    /// `Returned` outcome always finds its value: [`record`] stores it
    /// before recording the outcome, and only one handle ever takes it.
    pub(crate) fn exit(&self, outcome: Exit<()>) -> Exit<T> {
        match outcome {
            Exit::Returned(()) => match lock(&self.value).take() {
                Some(value) => Exit::Returned(value),
                None => Exit::Hung,
            },
            Exit::Failed(error) => Exit::Failed(error),
            Exit::Panicked(panic) => Exit::Panicked(panic),
            Exit::Cancelled => Exit::Cancelled,
            Exit::Hung => Exit::Hung,
        }
    }
}

/// A worker's place in a group.
#[derive(Clone)]
pub(crate) struct Membership {
    pub(crate) group: Arc<Group>,
    pub(crate) id: MemberId,
}

/// Records `exit` as the worker's exit, exactly once: the worker's own
/// thread, its exit guard while unwinding, and a failed spawn all come
/// here. The value is stored before the outcome is published, so whoever
/// sees `Returned` finds it. When a supervisor already reported the worker
/// `Hung`, that report stands and the late value is dropped here, after
/// the bookkeeping, where a panicking `Drop` cannot undo any of it.
pub(crate) fn record<T>(shared: &Shared<T>, membership: Option<&Membership>, exit: Exit<T>) {
    let outcome = exit.outcome();
    if let Exit::Returned(value) = exit {
        *lock(&shared.value) = Some(value);
    }
    match shared.member.cell.fill(outcome.clone()) {
        Ok(()) => {
            if let Some(membership) = membership {
                membership.group.record_exit(membership.id, outcome);
            }
        }
        Err(_) => {
            let late = lock(&shared.value).take();
            drop_quietly(late);
        }
    }
}

/// Records the worker's exit exactly once: with the body's outcome through
/// [`complete`](ExitGuard::complete), or, if the thread unwinds before that
/// (a panic outside the caught body), as a panic from `Drop`.
pub(crate) struct ExitGuard<T> {
    shared: Arc<Shared<T>>,
    membership: Option<Membership>,
    name: StdArc<str>,
    done: bool,
}

impl<T> ExitGuard<T> {
    pub(crate) fn new(
        shared: Arc<Shared<T>>,
        membership: Option<Membership>,
        name: StdArc<str>,
    ) -> Self {
        ExitGuard {
            shared,
            membership,
            name,
            done: false,
        }
    }

    pub(crate) fn shared(&self) -> &Shared<T> {
        &self.shared
    }

    pub(crate) fn complete(mut self, exit: Exit<T>) {
        self.done = true;
        record(&self.shared, self.membership.as_ref(), exit);
    }
}

impl<T> Drop for ExitGuard<T> {
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            let escaped = Exit::Panicked(Panic::escaped(self.name.clone()));
            record(&self.shared, self.membership.as_ref(), escaped);
        }
    }
}
