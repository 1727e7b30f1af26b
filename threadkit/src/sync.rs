//! The synchronization primitives the protocol is built on.
//!
//! Everything in [`protocol`](crate::protocol) takes its primitives from
//! here, so that a model checker's drop-in types (loom's `sync` module) can
//! replace std's in one place.

pub(crate) use std::sync::atomic::{AtomicBool, Ordering};
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Locks `mutex`, ignoring poisoning: the protocol never runs user code while
/// holding a lock, so a poisoned lock still guards consistent state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
