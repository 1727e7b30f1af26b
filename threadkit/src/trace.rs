//! What threadkit tells `tracing` (feature `tracing`): a span per worker,
//! entered on its thread, and an event per transition. Without the feature
//! every function here is empty and inlined away.
//!
//! Subscribers are user code, so nothing here runs under a threadkit lock:
//! transitions that the group decides under its lock are traced from its
//! `Aftermath`, after the cancellations and the owner's wake-up.

use std::time::Duration;

use crate::{Event, Exit};

/// A span threadkit opens: a worker's, entered on its thread for its whole
/// life, or one run's of a restartable worker, inside it.
pub(crate) struct Span {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl Span {
    /// The span of worker `name`.
    #[inline]
    pub(crate) fn worker(name: &str, daemon: bool) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = (name, daemon);
        Span {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(target: "threadkit", "worker", name, daemon),
        }
    }

    /// The span of a run after `restart` restarts: what the run logs shows
    /// which restart it is.
    #[inline]
    pub(crate) fn run(restart: u32) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = restart;
        Span {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(target: "threadkit", "run", restart),
        }
    }

    /// Runs `body` inside the span.
    #[inline]
    pub(crate) fn in_scope<R>(&self, body: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        return self.span.in_scope(body);
        #[cfg(not(feature = "tracing"))]
        body()
    }
}

/// A worker's thread began; inside its span.
#[inline]
pub(crate) fn started() {
    #[cfg(feature = "tracing")]
    tracing::info!(target: "threadkit", "worker started");
}

/// A worker's exit; inside its span.
#[inline]
pub(crate) fn exited<T>(exit: &Exit<T>) {
    #[cfg(feature = "tracing")]
    {
        let code = exit.code();
        if exit.is_failure() || exit.is_hung() {
            tracing::error!(target: "threadkit", code, outcome = %exit.outcome(), "worker exited");
        } else {
            tracing::info!(target: "threadkit", code, outcome = %exit.outcome(), "worker exited");
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = exit;
}

/// A run ended and the policy runs the worker again; inside its span.
#[inline]
pub(crate) fn restarting(restart: u32, delay: Duration, exit: &Exit<()>) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: "threadkit", restart, ?delay, after = %exit, "worker restarting");
    #[cfg(not(feature = "tracing"))]
    let _ = (restart, delay, exit);
}

/// A group transition, traced from the group's aftermath (outside its
/// lock): stalls, the shutdown's start, the group's end. Root events: the
/// thread that happens to run the aftermath says nothing about them.
#[inline]
pub(crate) fn group_event(event: &Event) {
    #[cfg(feature = "tracing")]
    match event {
        Event::Stalled { worker, silent_for } => {
            tracing::warn!(target: "threadkit", parent: None, worker = &**worker, ?silent_for, "worker stalled");
        }
        Event::ShutdownStarted { cause, timeout } => {
            tracing::info!(target: "threadkit", parent: None, ?cause, ?timeout, "shutdown started");
        }
        Event::Finished { exit_code } => {
            tracing::info!(target: "threadkit", parent: None, exit_code, "group finished");
        }
        _ => {}
    }
    #[cfg(not(feature = "tracing"))]
    let _ = event;
}

/// Whether group transitions are traced at all: lets the group skip
/// keeping them when the feature is off.
pub(crate) const TRACES_GROUPS: bool = cfg!(feature = "tracing");
