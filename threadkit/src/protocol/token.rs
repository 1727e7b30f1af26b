//! A worker's cancellation flag: [`CancelToken`].

use std::cell::RefCell;
use std::convert::Infallible;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::fanout::FanoutLink;

use crate::sync::{
    deadline_after, lock, thread_local, wait_until, Arc, AtomicBool, Condvar, Mutex, Ordering,
};

/// Something to run once when a token is cancelled.
pub(crate) type CancelHook = Box<dyn FnOnce() + Send>;

thread_local! {
    /// Users' hooks that cancellations on this thread came across while a
    /// group was cancelling its members (see `defer_user_hooks`).
    static DEFERRED: RefCell<Option<Vec<CancelHook>>> = RefCell::new(None);
}

/// Runs `cancelling`; the users' hooks (`CancelToken::on_cancel_user`)
/// that its cancellations reach are returned instead of run, so that a
/// group cancels every member and wakes its owner before any user code
/// runs. Nested calls (a child group cancelled by its parent's hook) leave
/// the hooks to the outermost one.
pub(crate) fn defer_user_hooks(cancelling: impl FnOnce()) -> Vec<CancelHook> {
    let outermost = DEFERRED
        .try_with(|deferred| {
            let mut deferred = deferred.borrow_mut();
            let outermost = deferred.is_none();
            if outermost {
                *deferred = Some(Vec::new());
            }
            outermost
        })
        .unwrap_or(false);
    cancelling();
    if !outermost {
        return Vec::new();
    }
    DEFERRED
        .try_with(|deferred| deferred.borrow_mut().take())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Runs users' hooks, each behind `catch_unwind`: a panicking hook (its
/// message printed by the panic hook) cannot stop the others.
pub(crate) fn run_user_hooks(hooks: Vec<CancelHook>) {
    hooks.into_iter().for_each(run_caught);
}

fn run_caught(hook: CancelHook) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook));
}

/// A user's hook: deferred while a group cancels its members, else run now.
pub(crate) fn run_or_defer_user_hook(hook: CancelHook) {
    let mut hook = Some(hook);
    let _ = DEFERRED.try_with(|deferred| {
        if let Some(deferred) = deferred.borrow_mut().as_mut() {
            deferred.extend(hook.take());
        }
    });
    if let Some(hook) = hook {
        run_caught(hook);
    }
}

/// Names a hook registered with [`CancelToken::on_cancel`], to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HookId(u64);

struct TokenState {
    cancelled: bool,
    /// Threads in `sleep`: cancel only pays for a wake-up when there are some.
    sleepers: usize,
    /// Dropped on cancel, which disconnects `receiver` for `select!`.
    sender: Option<Sender<Infallible>>,
    receiver: Option<Receiver<Infallible>>,
    /// Run once, on cancel, outside the token's lock: how a child group
    /// hears that the worker it runs in was cancelled. Removed again when
    /// the child group finishes, so a worker that runs child groups in a
    /// loop keeps none of them.
    hooks: Vec<(HookId, Hook)>,
    next_hook: u64,
    /// The fan-out that cancelled this token, for its worker to help on
    /// its way out (see `fanout.rs`).
    fanout: Option<FanoutLink>,
}

/// Threadkit's own hooks run where the cancellation happens; a user's hook
/// (`Context::on_cancel`) is caught if it panics, and deferred while a
/// group cancels its members.
enum Hook {
    Internal(CancelHook),
    User(CancelHook),
}

impl Hook {
    fn run(self) {
        match self {
            Hook::Internal(hook) => hook(),
            Hook::User(hook) => run_or_defer_user_hook(hook),
        }
    }
}

struct TokenInner {
    /// Mirrors `state.cancelled` for lock-free checks in hot loops.
    cancelled: AtomicBool,
    state: Mutex<TokenState>,
    changed: Condvar,
}

/// A worker's cancellation flag, with a condition variable for cancel-aware
/// sleeps and a channel that disconnects on cancel for `select!`. The
/// channel only mirrors the flag; correctness rests on the flag. Cloning
/// shares the flag. Holds no user value.
#[derive(Clone)]
pub(crate) struct CancelToken {
    inner: Arc<TokenInner>,
}

impl CancelToken {
    pub(crate) fn new() -> Self {
        CancelToken {
            inner: Arc::new(TokenInner {
                cancelled: AtomicBool::new(false),
                state: Mutex::new(TokenState {
                    cancelled: false,
                    sleepers: 0,
                    sender: None,
                    receiver: None,
                    hooks: Vec::new(),
                    next_hook: 0,
                    fanout: None,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Acquire)
    }

    /// Requests cancellation; wakes sleepers and `select!`s, then runs the
    /// hooks. Idempotent: only the first call does anything.
    pub(crate) fn cancel(&self) {
        self.cancel_with(None);
    }

    /// `cancel`, by a fan-out that this token's worker can help on its way
    /// out ([`CancelToken::help_cancel`]).
    pub(crate) fn cancel_from(&self, fanout: &FanoutLink) {
        self.cancel_with(Some(fanout));
    }

    fn cancel_with(&self, fanout: Option<&FanoutLink>) {
        let mut state = lock(&self.inner.state);
        if state.cancelled {
            return;
        }
        state.cancelled = true;
        state.fanout = fanout.cloned();
        self.inner.cancelled.store(true, Ordering::Release);
        let sender = state.sender.take();
        let hooks = std::mem::take(&mut state.hooks);
        let sleepers = state.sleepers;
        drop(state);
        drop(sender);
        if sleepers > 0 {
            self.inner.changed.notify_all();
        }
        for (_, hook) in hooks {
            hook.run();
        }
    }

    /// Helps the fan-out that cancelled this token, if one did and it is
    /// still going: called by the worker on its way out, holding no lock.
    pub(crate) fn help_cancel(&self) {
        if !self.is_cancelled() {
            return;
        }
        let link = lock(&self.inner.state).fanout.take();
        if let Some(link) = link {
            if let Some(fanout) = link.fanout() {
                fanout.help(&link);
            }
        }
    }

    /// Runs `hook` when the token is cancelled: now, on this thread, if it
    /// already is (then `None`), otherwise later on the cancelling thread.
    pub(crate) fn on_cancel(&self, hook: CancelHook) -> Option<HookId> {
        self.add_hook(Hook::Internal(hook))
    }

    /// `on_cancel` for a user's hook (see `Hook`).
    pub(crate) fn on_cancel_user(&self, hook: CancelHook) -> Option<HookId> {
        self.add_hook(Hook::User(hook))
    }

    fn add_hook(&self, hook: Hook) -> Option<HookId> {
        let mut state = lock(&self.inner.state);
        if state.cancelled {
            drop(state);
            hook.run();
            return None;
        }
        let id = HookId(state.next_hook);
        state.next_hook += 1;
        state.hooks.push((id, hook));
        Some(id)
    }

    /// Forgets a hook that has not run. The hook is dropped after the lock
    /// is released (it may own the last reference to a group).
    pub(crate) fn remove_hook(&self, id: HookId) {
        let mut state = lock(&self.inner.state);
        let position = state.hooks.iter().position(|(hook, _)| *hook == id);
        let removed = position.map(|position| state.hooks.swap_remove(position));
        drop(state);
        drop(removed);
    }

    /// Hooks waiting to run: lets tests show that removed hooks are gone.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn hook_count(&self) -> usize {
        lock(&self.inner.state).hooks.len()
    }

    /// How many clones of this token exist: lets tests show what keeps one.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn clones(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    /// Sleeps for `duration` unless cancelled first. `true` if cancelled.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let mut guard = lock(&self.inner.state);
        guard.sleepers += 1;
        let (mut guard, cancelled) = wait_until(
            &self.inner.changed,
            guard,
            deadline_after(duration),
            |state| state.cancelled,
        );
        guard.sleepers -= 1;
        drop(guard);
        cancelled
    }

    /// A receiver that never yields a message and disconnects on cancel.
    /// Created on first use, so workers that never `select!` pay nothing.
    pub(crate) fn receiver(&self) -> Receiver<Infallible> {
        let mut state = lock(&self.inner.state);
        if let Some(receiver) = &state.receiver {
            return receiver.clone();
        }
        let (sender, receiver) = crossbeam_channel::bounded(0);
        if !state.cancelled {
            state.sender = Some(sender);
        }
        state.receiver = Some(receiver.clone());
        receiver
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn hooks_run_once_on_cancel_and_at_once_when_already_cancelled() {
        let token = CancelToken::new();
        let (ran, seen) = crossbeam_channel::unbounded();
        let early = ran.clone();
        assert!(token
            .on_cancel(Box::new(move || early.send("early").unwrap()))
            .is_some());
        token.cancel();
        token.cancel();
        assert!(token
            .on_cancel(Box::new(move || ran.send("late").unwrap()))
            .is_none());
        assert_eq!(seen.try_iter().collect::<Vec<_>>(), ["early", "late"]);
    }

    #[test]
    fn a_removed_hook_never_runs_and_is_released() {
        let token = CancelToken::new();
        let owned = std::sync::Arc::new(());
        let held = owned.clone();
        let id = token.on_cancel(Box::new(move || drop(held))).unwrap();
        let kept = token.on_cancel(Box::new(|| ())).unwrap();
        token.remove_hook(id);
        assert_eq!(std::sync::Arc::strong_count(&owned), 1, "hook dropped");
        assert_eq!(token.hook_count(), 1);
        token.remove_hook(id); // unknown by now: nothing happens
        token.remove_hook(kept);
        assert_eq!(token.hook_count(), 0);
    }
}
