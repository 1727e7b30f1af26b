//! The synchronization primitives threadkit is built on.
//!
//! Every lock, condition variable, atomic and shared pointer of the
//! protocol comes from here, so that `--cfg loom` swaps all of them for
//! loom's model-checked doubles in one place (see `RELIABILITY.md`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use loom::thread_local;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::thread_local;

use std::sync::PoisonError;
use std::time::{Duration, Instant};

/// Locks `mutex`, ignoring poisoning: threadkit never runs user code while
/// holding one of its locks, so a poisoned lock still guards consistent
/// state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `condvar` until `done` holds or `deadline` passes (`None`: no
/// deadline). Returns the guard and whether `done` holds. Spurious wake-ups
/// only re-evaluate `done`.
pub(crate) fn wait_until<'a, S>(
    condvar: &Condvar,
    mut guard: MutexGuard<'a, S>,
    deadline: Option<Instant>,
    mut done: impl FnMut(&mut S) -> bool,
) -> (MutexGuard<'a, S>, bool) {
    loop {
        if done(&mut guard) {
            return (guard, true);
        }
        guard = match deadline {
            None => condvar.wait(guard).unwrap_or_else(PoisonError::into_inner),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return (guard, false);
                }
                condvar
                    .wait_timeout(guard, deadline - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

/// `now + timeout`, or `None` ("never") when that overflows `Instant`.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
