//! A worker's heartbeat: [`Pulse`], shared by the worker (which beats, and
//! marks the waits threadkit knows about) and its group's monitor (which
//! reads it and declares the worker stalled).

use std::time::Duration;

use super::CancelToken;
use crate::sync::{lock, AtomicBool, AtomicUsize, Mutex, Ordering};

/// How a worker shows it is alive: a beat counter the worker bumps, a count
/// of threadkit-aware waits it is in (a cancel-aware sleep is not a stall),
/// and the cancellation of its current run, which a stall cancels.
pub(crate) struct Pulse {
    /// `None`: no heartbeat; the pulse only tracks runs, for a restart
    /// strategy that cancels siblings' runs.
    window: Option<Duration>,
    /// The worker restarts and its group has a sibling strategy: a
    /// sibling's restart cancels its runs.
    in_strategy: bool,
    beats: AtomicUsize,
    idle: AtomicUsize,
    stalled: AtomicBool,
    /// The token of the run in progress (each run of a restartable worker
    /// gets its own, so a stalled run can be stopped and the worker run
    /// again).
    run: Mutex<Option<CancelToken>>,
}

impl Pulse {
    pub(crate) fn new(window: Option<Duration>, in_strategy: bool) -> Self {
        Pulse {
            window,
            in_strategy,
            beats: AtomicUsize::new(0),
            idle: AtomicUsize::new(0),
            stalled: AtomicBool::new(false),
            run: Mutex::new(None),
        }
    }

    /// The longest a worker may go without a beat outside a known wait.
    pub(crate) fn window(&self) -> Option<Duration> {
        self.window
    }

    pub(crate) fn in_strategy(&self) -> bool {
        self.in_strategy
    }

    /// The token of the run in progress, to cancel it outside every lock
    /// (a sibling's restart does): `None` between runs.
    pub(crate) fn current_run(&self) -> Option<CancelToken> {
        lock(&self.run).clone()
    }

    /// One beat: a relaxed load and store, not a read-modify-write, so that
    /// beating in a hot loop costs about what an atomic store does. Only
    /// the worker's own thread writes the count (beats, the start of a
    /// run, the end of a wait); the monitor only reads it and only needs to
    /// see that it changed.
    #[inline]
    pub(crate) fn beat(&self) {
        let beats = self.beats.load(Ordering::Relaxed);
        self.beats.store(beats.wrapping_add(1), Ordering::Relaxed);
    }

    /// Marks the worker as in a threadkit-aware wait until the guard goes.
    pub(crate) fn idle(&self) -> IdleGuard<'_> {
        self.idle.fetch_add(1, Ordering::Relaxed);
        IdleGuard(self)
    }

    /// What the monitor reads: the beat count, and whether the worker is in
    /// a known wait.
    pub(crate) fn progress(&self) -> (usize, bool) {
        (
            self.beats.load(Ordering::Relaxed),
            self.idle.load(Ordering::Relaxed) > 0,
        )
    }

    /// A run begins with `token`; it counts as a beat.
    pub(crate) fn start_run(&self, token: CancelToken) {
        let mut run = lock(&self.run);
        self.stalled.store(false, Ordering::SeqCst);
        *run = Some(token);
        drop(run);
        self.beat();
    }

    /// The run ended; whether it was declared stalled. Under the same lock
    /// as [`stall`](Pulse::stall), so a stall either happened to this run
    /// (and this says so) or finds no run (and leaves no flag behind).
    pub(crate) fn end_run(&self) -> bool {
        let mut run = lock(&self.run);
        *run = None;
        self.stalled.swap(false, Ordering::SeqCst)
    }

    /// Declares the current run stalled; returns its token, to cancel
    /// outside every lock (`None` between runs, when there is nothing to
    /// stall).
    pub(crate) fn stall(&self) -> Option<CancelToken> {
        let run = lock(&self.run);
        let token = run.clone()?;
        self.stalled.store(true, Ordering::SeqCst);
        Some(token)
    }

    pub(crate) fn is_stalled(&self) -> bool {
        self.stalled.load(Ordering::SeqCst)
    }
}

/// See [`Pulse::idle`].
pub(crate) struct IdleGuard<'a>(&'a Pulse);

impl Drop for IdleGuard<'_> {
    fn drop(&mut self) {
        // Leaving a wait is progress too: the window starts again.
        self.0.beat();
        self.0.idle.fetch_sub(1, Ordering::Relaxed);
    }
}
