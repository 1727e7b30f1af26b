//! Cancelling many members at once, helped by the cancelled: [`Fanout`].
//!
//! A group that cancels many members in one transition (a shutdown under
//! `ShutdownOrder::AllAtOnce`, or the start of any shutdown when no order
//! applies) used to cancel them one by one from the thread that made the
//! transition. Every member it woke then competed with it for a core, and
//! each time the cancelling thread was preempted, the members it had not
//! reached yet waited: on two cores, 100 cancellations took a third longer
//! than waking 100 parked threads from an idle one (`benches/ratios`,
//! `fail_fast_teardown`).
//!
//! So the cancelled help. Each token a fan-out cancels keeps a link to
//! it, and its worker, on its way out (after its body returned, before
//! its exit is recorded, holding no lock and no user guard), cancels the
//! members the fan-out has not reached yet, claiming them by an atomic
//! index. Whichever thread runs moves the fan-out on; a preempted
//! canceller no longer stalls it.
//!
//! The thread that made the transition still finishes it. Once every
//! member is claimed it waits until each claimed cancellation is done,
//! which is threadkit's own work only: users' hooks met on the way
//! ([`CancelToken::on_cancel_user`]) are collected, not run. Then it wakes
//! the owner and runs those hooks, in the order `group.rs` requires. The
//! fan-out holds the tokens; the tokens hold it only until the canceller
//! closes it, so a member that never exits keeps nothing alive.

use super::token::{defer_user_hooks, run_or_defer_user_hook, CancelHook};
use super::CancelToken;
use crate::sync::{lock, wait_until, Arc, AtomicUsize, Condvar, Mutex, Ordering};

/// What a token keeps of the fan-out that cancelled it: the fan-out while
/// it is going, nothing once its canceller closed it. Closing is what
/// breaks the cycle of a fan-out holding the tokens that link to it.
#[derive(Clone)]
pub(crate) struct FanoutLink(Arc<Mutex<Option<Arc<Fanout>>>>);

impl FanoutLink {
    fn open(fanout: &Arc<Fanout>) -> Self {
        FanoutLink(Arc::new(Mutex::new(Some(fanout.clone()))))
    }

    /// The fan-out, unless it is over.
    pub(crate) fn fanout(&self) -> Option<Arc<Fanout>> {
        lock(&self.0).clone()
    }

    /// Ends the link: a token that still holds it reaches nothing.
    fn close(&self) {
        let fanout = lock(&self.0).take();
        drop(fanout);
    }
}

/// One transition's cancellation of several tokens.
pub(crate) struct Fanout {
    tokens: Vec<CancelToken>,
    /// The index of the next token to claim; past the end once all are.
    next: AtomicUsize,
    /// Cancellations not yet done, claimed or not.
    unfinished: AtomicUsize,
    end: Mutex<End>,
    ended: Condvar,
}

#[derive(Default)]
struct End {
    done: bool,
    /// Users' hooks that helpers met, for the canceller to run.
    user_hooks: Vec<CancelHook>,
}

impl Fanout {
    fn new(tokens: Vec<CancelToken>) -> Self {
        Fanout {
            unfinished: AtomicUsize::new(tokens.len()),
            tokens,
            next: AtomicUsize::new(0),
            end: Mutex::new(End::default()),
            ended: Condvar::new(),
        }
    }

    /// Cancels every token, helped by the workers it wakes, and returns
    /// the users' hooks the cancellations reached, not yet run (as
    /// [`defer_user_hooks`] does). Returns once every token is cancelled.
    pub(crate) fn cancel_all(tokens: Vec<CancelToken>) -> Vec<CancelHook> {
        defer_user_hooks(|| {
            if tokens.len() < 2 {
                // Nobody could help: no fan-out to share.
                tokens.iter().for_each(CancelToken::cancel);
                return;
            }
            let fanout = Arc::new(Fanout::new(tokens));
            let link = FanoutLink::open(&fanout);
            fanout.help(&link);
            let end = lock(&fanout.end);
            let (mut end, _) = wait_until(&fanout.ended, end, None, |end| end.done);
            let met = std::mem::take(&mut end.user_hooks);
            drop(end);
            link.close();
            // Within `defer_user_hooks`, so these join the hooks returned
            // (or an enclosing fan-out's, when this one runs inside it).
            met.into_iter().for_each(run_or_defer_user_hook);
        })
    }

    /// Cancels unclaimed tokens until none is left. Users' hooks met on
    /// this thread are kept for the canceller (unless this thread is the
    /// canceller, whose own deferral keeps them).
    pub(crate) fn help(&self, link: &FanoutLink) {
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(token) = self.tokens.get(index) else {
                return;
            };
            let mut claim = Claim {
                fanout: self,
                met: Vec::new(),
            };
            claim.met = defer_user_hooks(|| token.cancel_from(link));
        }
    }
}

/// A claimed cancellation: counted done when dropped, even by unwinding,
/// so the canceller's wait always ends.
struct Claim<'a> {
    fanout: &'a Fanout,
    met: Vec<CancelHook>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let fanout = self.fanout;
        let mut end = (!self.met.is_empty()).then(|| lock(&fanout.end));
        if let Some(end) = &mut end {
            end.user_hooks.append(&mut self.met);
        }
        if fanout.unfinished.fetch_sub(1, Ordering::AcqRel) == 1 {
            let mut end = end.unwrap_or_else(|| lock(&fanout.end));
            end.done = true;
            drop(end);
            fanout.ended.notify_all();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn tokens(count: usize) -> Vec<CancelToken> {
        (0..count).map(|_| CancelToken::new()).collect()
    }

    #[test]
    fn every_token_is_cancelled_and_users_hooks_are_returned_not_run() {
        let tokens = tokens(3);
        let (ran, runs) = crossbeam_channel::unbounded();
        for (index, token) in tokens.iter().enumerate() {
            let ran = ran.clone();
            let hook = Box::new(move || ran.send(index).unwrap());
            assert!(token.on_cancel_user(hook).is_some());
        }
        let hooks = Fanout::cancel_all(tokens.clone());
        assert!(tokens.iter().all(CancelToken::is_cancelled));
        assert_eq!(runs.try_iter().count(), 0, "no user hook ran yet");
        assert_eq!(hooks.len(), 3);
        super::super::token::run_user_hooks(hooks);
        assert_eq!(runs.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    }

    #[test]
    fn a_token_keeps_no_fanout_alive() {
        // The fan-out holds the tokens; if a token held the fan-out too,
        // a member that never exits would keep every token it was
        // cancelled with.
        let tokens = tokens(2);
        drop(Fanout::cancel_all(tokens.clone()));
        for token in &tokens {
            assert_eq!(token.clones(), 1);
            token.help_cancel(); // nothing left to help
        }
    }

    #[test]
    fn a_helper_cancels_the_tokens_left_and_hands_back_their_hooks() {
        let tokens = tokens(3);
        let fanout = Arc::new(Fanout::new(tokens.clone()));
        fanout.next.store(1, Ordering::Relaxed); // the canceller took the first
        let link = FanoutLink::open(&fanout);
        assert!(tokens[2].on_cancel_user(Box::new(|| ())).is_some());
        tokens[0].cancel_from(&link);
        std::thread::spawn({
            let helper = tokens[0].clone();
            move || helper.help_cancel()
        })
        .join()
        .unwrap();
        assert!(tokens.iter().all(CancelToken::is_cancelled));
        let end = lock(&fanout.end);
        assert!(
            !end.done,
            "the first token's claim is still the canceller's"
        );
        assert_eq!(end.user_hooks.len(), 1, "the helper ran no user hook");
        assert_eq!(fanout.unfinished.load(Ordering::Acquire), 1);
    }
}
