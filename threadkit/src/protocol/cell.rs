//! A worker's exit, recorded exactly once: [`ExitCell`].

use std::thread::ThreadId;
use std::time::Instant;

use crate::sync::{lock, wait_until, Condvar, Mutex};
use crate::Exit;

/// A worker's outcome, written exactly once: by the worker's thread, by a
/// spawn failure, or as `Hung` by a supervisor giving up on it. Whoever
/// loses the race gets its outcome handed back.
///
/// The cell holds the outcome without the value (`Exit<()>`): the value
/// stays in the worker's [`Shared`](super::Shared), which a group never
/// holds, so no group can own, or drop, a user's value.
pub(crate) struct ExitCell {
    inner: Mutex<CellInner>,
    ready: Condvar,
}

struct CellInner {
    outcome: Option<Exit<()>>,
    /// The worker's thread: set by the spawner as soon as the thread exists
    /// and by the thread itself first thing, whichever comes first, so a
    /// worker reported `Hung` still names its thread.
    thread: Option<ThreadId>,
    /// Threads in `wait`: recording only pays for a wake-up when there are some.
    waiters: usize,
}

impl ExitCell {
    pub(crate) fn new() -> Self {
        ExitCell {
            inner: Mutex::new(CellInner {
                outcome: None,
                thread: None,
                waiters: 0,
            }),
            ready: Condvar::new(),
        }
    }

    /// Records `outcome`, or hands it back when one is already recorded.
    pub(crate) fn fill(&self, outcome: Exit<()>) -> Result<(), Exit<()>> {
        let mut inner = lock(&self.inner);
        if inner.outcome.is_some() {
            return Err(outcome);
        }
        inner.outcome = Some(outcome);
        let waiters = inner.waiters;
        drop(inner);
        if waiters > 0 {
            self.ready.notify_all();
        }
        Ok(())
    }

    /// The recorded outcome; if there is none yet, records `Hung` and
    /// returns that. What a supervisor does at its shutdown deadline.
    pub(crate) fn settle(&self) -> Exit<()> {
        let mut inner = lock(&self.inner);
        if let Some(outcome) = &inner.outcome {
            return outcome.clone();
        }
        inner.outcome = Some(Exit::Hung);
        let waiters = inner.waiters;
        drop(inner);
        if waiters > 0 {
            self.ready.notify_all();
        }
        Exit::Hung
    }

    /// The outcome, if recorded. Never blocks on anything but the lock.
    pub(crate) fn outcome(&self) -> Option<Exit<()>> {
        lock(&self.inner).outcome.clone()
    }

    /// Waits until an outcome is recorded, or `deadline` passes (`None`: no
    /// deadline); `None` when the deadline passed first.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> Option<Exit<()>> {
        let mut guard = lock(&self.inner);
        guard.waiters += 1;
        let (mut inner, _) = wait_until(&self.ready, guard, deadline, |inner| {
            inner.outcome.is_some()
        });
        inner.waiters -= 1;
        inner.outcome.clone()
    }

    /// Notes the worker's thread (the first call wins; later ones agree).
    pub(crate) fn set_thread(&self, thread: ThreadId) {
        lock(&self.inner).thread.get_or_insert(thread);
    }

    pub(crate) fn thread(&self) -> Option<ThreadId> {
        lock(&self.inner).thread
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn records_once_and_hands_back_the_loser() {
        let cell = ExitCell::new();
        assert!(cell.fill(Exit::Returned(())).is_ok());
        assert!(matches!(cell.fill(Exit::Cancelled), Err(Exit::Cancelled)));
        assert!(cell.wait(None).unwrap().is_success());
        assert!(
            cell.settle().is_success(),
            "settle reports what is recorded"
        );
    }

    #[test]
    fn settling_a_pending_cell_records_hung_and_the_worker_loses() {
        let cell = ExitCell::new();
        assert!(cell.settle().is_hung());
        assert!(cell.fill(Exit::Returned(())).is_err());
        assert!(cell.wait(None).unwrap().is_hung());
    }

    #[test]
    fn wait_with_a_past_deadline_does_not_block() {
        let cell = ExitCell::new();
        assert!(cell.wait(Some(Instant::now())).is_none());
    }

    #[test]
    fn the_first_thread_id_wins() {
        let cell = ExitCell::new();
        let here = std::thread::current().id();
        cell.set_thread(here);
        let other = std::thread::spawn(|| std::thread::current().id())
            .join()
            .unwrap();
        cell.set_thread(other);
        assert_eq!(cell.thread(), Some(here));
    }
}
