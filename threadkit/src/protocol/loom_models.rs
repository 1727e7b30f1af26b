//! Loom models of the protocol: every interleaving of the threads in each
//! model (up to the preemption bound) is run, and each must keep the
//! property its doc comment states. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p threadkit --release --target-dir target/loom --lib loom`.
//! `RELIABILITY.md` maps each guarantee to the model that checks it.

use std::time::{Duration, Instant};

use loom::sync::atomic::AtomicUsize;
use loom::thread;

use super::*;
use crate::sync::{Arc, Ordering};
use crate::{Error, Event, Exit, NotReady, ShutdownCause, ShutdownOrder};

/// Preemptions per interleaving. Bugs in protocols like this one show up
/// within two or three (loom's documentation); three keeps the whole set to
/// a few minutes on two cores.
const PREEMPTIONS: usize = 4;

fn model(body: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(PREEMPTIONS);
    builder.check(body);
}

fn member(group: &Arc<Group>, name: &str, daemon: bool) -> (Arc<Shared<u8>>, Membership) {
    let shared = Arc::new(Shared::new());
    let id = group
        .register(name.into(), daemon, false, None, &shared.member, true)
        .id()
        .unwrap();
    let membership = Membership {
        group: group.clone(),
        id,
    };
    (shared, membership)
}

fn failure(name: &str) -> Exit<u8> {
    Exit::Failed(Error::new(name.into(), None, "boom".into()))
}

/// Exactly once, with a shutdown timeout of zero: the worker's own exit
/// races the owner's `settle` (which records `Hung`). Exactly one of them
/// is recorded; the cell, the report and the events all agree on which;
/// the worker's late value is never delivered as a result.
#[test]
fn loom_exit_recorded_once_when_fill_races_settle() {
    model(|| {
        let group = Arc::new(Group::new(Duration::ZERO));
        let (_, events) = group.subscribe();
        let (shared, membership) = member(&group, "w", false);
        group.cancel();
        let worker = {
            let shared = shared.clone();
            thread::spawn(move || record(&shared, Some(&membership), Exit::Returned(7)))
        };
        let report = group
            .wait(None)
            .expect("the owner's wait finishes the group");
        worker.join().unwrap();

        assert_eq!(report.records().len(), 1);
        let recorded = report.records()[0].exit().clone();
        assert!(recorded.is_hung() || recorded.is_success(), "{recorded}");
        let cell = shared.member.cell.outcome().unwrap();
        assert_eq!(
            cell.code(),
            recorded.code(),
            "the cell and the report agree"
        );
        let exited = events
            .try_iter()
            .filter(|event| matches!(event, Event::Exited(_)))
            .count();
        assert_eq!(exited, 1);
        match shared.exit(cell) {
            Exit::Returned(7) => assert!(recorded.is_success()),
            Exit::Hung => assert!(recorded.is_hung()),
            other => panic!("unexpected {other}"),
        }
    });
}

/// Fail-fast: two workers fail at once. Exactly one is the first failure;
/// it is the cause of the shutdown; the other failure is kept too; the
/// worker still running is cancelled.
#[test]
fn loom_first_failure_wins_and_cancels_everyone_else() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        let (_, a) = member(&group, "a", false);
        let (_, b) = member(&group, "b", false);
        let (waiter, waiter_membership) = member(&group, "waiter", false);
        let fail = |shared: Arc<Shared<u8>>, membership: Membership, name: &'static str| {
            thread::spawn(move || record(&shared, Some(&membership), failure(name)))
        };
        let first = fail(Arc::new(Shared::new()), a, "a");
        let second = fail(Arc::new(Shared::new()), b, "b");
        first.join().unwrap();
        second.join().unwrap();

        assert!(
            waiter.member.token.is_cancelled(),
            "the survivor is cancelled"
        );
        record(&waiter, Some(&waiter_membership), Exit::Cancelled);
        let report = group.wait(None).unwrap();
        let first = report.first_failure().unwrap().name().to_owned();
        assert!(first == "a" || first == "b");
        assert_eq!(
            report.shutdown_cause(),
            Some(&ShutdownCause::Failed {
                worker: first.as_str().into()
            })
        );
        assert_eq!(report.failures().count(), 2, "the later failure is kept");
        assert_eq!(report.exit_code(), 1);
    });
}

/// Cancel racing completion: the owner cancels while one worker completes
/// and another sleeps cancel-aware. The sleeper always wakes (no lost
/// wake-up: loom reports a deadlock otherwise), each exit is recorded once,
/// and the completed worker keeps its own outcome.
#[test]
fn loom_cancel_racing_completion_and_a_sleeper() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        let (done, done_membership) = member(&group, "done", false);
        let (sleeper, sleeper_membership) = member(&group, "sleeper", false);
        let completes =
            thread::spawn(move || record(&done, Some(&done_membership), Exit::Returned(1)));
        let sleeps = thread::spawn(move || {
            let cancelled = sleeper.member.token.sleep(Duration::MAX);
            assert!(cancelled, "an unbounded sleep only ends by cancellation");
            record(&sleeper, Some(&sleeper_membership), Exit::Cancelled);
        });
        group.cancel();
        completes.join().unwrap();
        sleeps.join().unwrap();
        let report = group.wait(None).unwrap();
        let outcomes: Vec<i32> = report.records().iter().map(|r| r.code()).collect();
        assert_eq!(outcomes, [0, 130]);
        assert!(report.is_success());
    });
}

/// `join_timeout` racing the exit: a timed-out wait never consumes or
/// loses the exit, and the value is delivered exactly once.
#[test]
fn loom_join_timeout_racing_the_exit() {
    model(|| {
        let shared = Arc::new(Shared::<u8>::new());
        let worker = {
            let shared = shared.clone();
            thread::spawn(move || record(&shared, None, Exit::Returned(5)))
        };
        // An expired deadline: either the exit is there or it is not yet.
        let early = shared.member.cell.wait(Some(Instant::now()));
        let outcome = match early {
            Some(outcome) => outcome,
            None => shared.member.cell.wait(None).unwrap(),
        };
        assert_eq!(shared.exit(outcome.clone()).ok(), Some(5));
        assert!(
            shared.exit(outcome).ok().is_none(),
            "the value is taken once"
        );
        worker.join().unwrap();
    });
}

/// The last non-daemon exit racing the owner's `wait`: the owner always
/// wakes (loom reports a lost wake-up as a deadlock), the daemon is
/// cancelled exactly once, and the shutdown's cause is completion.
#[test]
fn loom_last_exit_racing_the_owners_wait() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        let (daemon, daemon_membership) = member(&group, "daemon", true);
        let (job, job_membership) = member(&group, "job", false);
        let cancels = Arc::new(AtomicUsize::new(0));
        let counted = cancels.clone();
        daemon.member.token.on_cancel(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
        let finishes =
            thread::spawn(move || record(&job, Some(&job_membership), Exit::Returned(1)));
        let daemon_thread = thread::spawn(move || {
            assert!(daemon.member.token.sleep(Duration::MAX));
            record(&daemon, Some(&daemon_membership), Exit::Cancelled);
        });
        let report = group.wait(None).unwrap();
        finishes.join().unwrap();
        daemon_thread.join().unwrap();
        assert_eq!(cancels.load(Ordering::SeqCst), 1);
        assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
        assert_eq!(report.records().len(), 2);
    });
}

/// A spawn racing the start of the shutdown: the new member either starts
/// cancelled or is cancelled by the shutdown (first, being the last
/// member); it is never missed, its exit is recorded, and the earlier
/// member is cancelled once it exited.
#[test]
fn loom_spawn_racing_the_start_of_the_shutdown() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        let (first, first_membership) = member(&group, "first", false);
        let canceller = {
            let group = group.clone();
            thread::spawn(move || group.cancel())
        };
        let spawner = {
            let group = group.clone();
            thread::spawn(move || member(&group, "late", false))
        };
        canceller.join().unwrap();
        let (late, late_membership) = spawner.join().unwrap();
        // Joined before the shutdown, it is the last member and stopped
        // first; joined after, it starts cancelled.
        assert!(
            late.member.token.is_cancelled(),
            "the late member was missed"
        );
        record(&late, Some(&late_membership), Exit::Cancelled);
        assert!(first.member.token.is_cancelled(), "the order stalled");
        record(&first, Some(&first_membership), Exit::Cancelled);
        let report = group.wait(None).unwrap();
        assert_eq!(report.records().len(), 2);
    });
}

/// An abandoned group (owner dropped without waiting) racing its last
/// exit: the group finishes exactly once, and a listener's last event is
/// `Finished`.
#[test]
fn loom_abandon_racing_the_last_exit() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        let (_, events) = group.subscribe();
        let (worker, membership) = member(&group, "w", false);
        let exits = thread::spawn(move || record(&worker, Some(&membership), Exit::Cancelled));
        group.abandon();
        exits.join().unwrap();
        let events: Vec<Event> = events.try_iter().collect();
        let finished = events
            .iter()
            .filter(|event| matches!(event, Event::Finished { .. }))
            .count();
        assert_eq!(finished, 1, "{events:?}");
        assert!(matches!(events.last(), Some(Event::Finished { .. })));
    });
}

/// Readiness racing exits and the owner's wait: one member announces while
/// the other returns without announcing (a failed start that is not a
/// failure, so no fail-fast wakes the owner). The owner waiting for
/// readiness always wakes (no lost wake-up) and learns which member failed
/// the start.
#[test]
fn loom_readiness_racing_announcements_and_exits() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        let a = Arc::new(Shared::<u8>::new());
        let b = Arc::new(Shared::<u8>::new());
        let id_a = group
            .register("a".into(), false, true, None, &a.member, true)
            .id()
            .unwrap();
        let id_b = group
            .register("b".into(), false, true, None, &b.member, true)
            .id()
            .unwrap();
        let announces = {
            let group = group.clone();
            thread::spawn(move || group.mark_ready(id_a))
        };
        let fails_first = {
            let group = group.clone();
            thread::spawn(move || {
                let membership = Membership { group, id: id_b };
                record(&b, Some(&membership), Exit::Returned(0));
            })
        };
        let outcome = group.wait_ready(None);
        announces.join().unwrap();
        fails_first.join().unwrap();
        assert!(
            matches!(outcome, Err(NotReady::Exited { ref worker, .. }) if &**worker == "b"),
            "{outcome:?}"
        );
        assert!(!group.is_ready());
        let membership = Membership {
            group: group.clone(),
            id: id_a,
        };
        record(&a, Some(&membership), Exit::Cancelled);
        let report = group.wait(None).unwrap();
        assert_eq!(report.records().len(), 2);
    });
}

/// Restarts: a worker announces two restarts and then fails, racing the
/// owner who cancels and waits with a timeout of zero. The record agrees
/// with what was announced before it: the restarts counted are exactly the
/// `Restarting` events that precede its `Exited`, a notice that comes after
/// the record is dropped rather than miscounted, and `Finished` is last.
#[test]
fn loom_restart_notices_race_the_record() {
    model(|| {
        let group = Arc::new(Group::new(Duration::ZERO));
        let (_, events) = group.subscribe();
        let (shared, membership) = member(&group, "w", false);
        let worker = thread::spawn(move || {
            for restart in 1..=2 {
                let exit = Exit::Failed(Error::new("w".into(), None, "boom".into()));
                membership
                    .group
                    .restarting(membership.id, restart, Duration::ZERO, exit);
            }
            record(&shared, Some(&membership), failure("w"));
        });
        group.cancel();
        let report = group
            .wait(None)
            .expect("the owner's wait finishes the group");
        worker.join().unwrap();

        let events: Vec<Event> = events.try_iter().collect();
        let exited_at = events
            .iter()
            .position(|event| matches!(event, Event::Exited(_)))
            .expect("one exit");
        let announced = events[..exited_at]
            .iter()
            .filter(|event| matches!(event, Event::Restarting { .. }))
            .count();
        assert!(
            events[exited_at..]
                .iter()
                .all(|event| !matches!(event, Event::Restarting { .. })),
            "no restart notice after the exit"
        );
        let record = &report.records()[0];
        assert_eq!(record.restarts() as usize, announced);
        if announced > 0 {
            assert!(record.last_failure().is_some());
        }
        assert!(matches!(events.last(), Some(Event::Finished { .. })));
    });
}

/// Heartbeats: the monitor declares a run stalled while the worker ends
/// that run. Either the stall happened to the run (the worker learns it
/// from `end_run` and the run's token is cancelled) or it found no run;
/// it never leaves a stalled flag behind a run that ended unstalled, which
/// would make the monitor escalate against a worker that is not running.
#[test]
fn loom_a_stall_racing_the_end_of_a_run_is_all_or_nothing() {
    model(|| {
        let pulse = Arc::new(Pulse::new(Some(Duration::from_secs(1)), false));
        let run = CancelToken::new();
        pulse.start_run(run.clone());
        let monitor = {
            let pulse = pulse.clone();
            thread::spawn(move || pulse.stall())
        };
        let was_stalled = pulse.end_run();
        let stalled = monitor.join().unwrap();
        assert_eq!(
            stalled.is_some(),
            was_stalled,
            "the stall and the run's end agree"
        );
        assert!(!pulse.is_stalled(), "no stall flag outlives its run");
    });
}

/// A member of a `one_for_all` group whose runs a round can cancel.
fn strategic_member(group: &Arc<Group>, name: &str) -> (Arc<Shared<u8>>, MemberId) {
    let pulse = Arc::new(Pulse::new(None, true));
    let shared = Arc::new(Shared::with_pulse(Some(pulse)));
    let id = group
        .register(name.into(), false, false, None, &shared.member, true)
        .id()
        .unwrap();
    (shared, id)
}

/// Strategies: a worker's restart round races the end of its sibling's
/// run. The restarting worker's wait always ends released (loom reports a
/// wait that never ends), and the sibling never misses the round: it
/// either waited for it after its run, or holds a ticket that makes it
/// wait before its next run.
#[test]
fn loom_a_round_racing_a_siblings_run_end_releases_and_holds_it() {
    model(|| {
        let group = Arc::new(Group::new(Duration::from_secs(3600)));
        group.set_strategy(crate::Strategy::OneForAll);
        let (_a, restarting) = strategic_member(&group, "a");
        let (b, sibling) = strategic_member(&group, "b");
        let pulse = b.member.pulse.clone().unwrap();
        pulse.start_run(CancelToken::new());
        let ends = {
            let group = group.clone();
            thread::spawn(move || {
                pulse.end_run();
                group.run_ended(sibling);
                match group.held_by_round(sibling) {
                    Some(generation) => {
                        assert!(matches!(group.wait_round(generation), RoundEnd::Released));
                        true
                    }
                    None => false,
                }
            })
        };
        let generation = group.start_round(restarting).expect("a sibling strategy");
        assert!(matches!(group.wait_round(generation), RoundEnd::Released));
        let waited = ends.join().unwrap();
        assert!(
            waited || group.held_by_round(sibling).is_some(),
            "the sibling missed the round"
        );
    });
}

/// Stopping one worker (`Handle::stop` past its timeout): the owner's
/// `give_up` races the worker's own exit while a sibling keeps running.
/// The worker is recorded exactly once (its own exit or `Hung`), the cell
/// and the report agree, and the sibling is neither cancelled nor made to
/// wait: the group is not shutting down.
#[test]
fn loom_giving_up_on_one_worker_races_its_exit() {
    model(|| {
        let group = Arc::new(Group::new(Duration::ZERO));
        let (_, events) = group.subscribe();
        let (shared, membership) = member(&group, "stopped", true);
        let (sibling, _) = member(&group, "sibling", true);
        let id = membership.id;
        shared.member.token.cancel();
        let worker = {
            let shared = shared.clone();
            thread::spawn(move || record(&shared, Some(&membership), Exit::Cancelled))
        };
        group.give_up(id);
        worker.join().unwrap();

        assert!(!sibling.member.token.is_cancelled(), "the sibling runs on");
        let cell = shared.member.cell.outcome().unwrap();
        assert!(cell.is_hung() || cell.is_cancelled(), "{cell}");
        let seen: Vec<Event> = events.try_iter().collect();
        let exited: Vec<&Exit<()>> = seen
            .iter()
            .filter_map(|event| match event {
                Event::Exited(record) => Some(record.exit()),
                _ => None,
            })
            .collect();
        assert_eq!(exited.len(), 1, "recorded once");
        assert_eq!(
            exited[0].code(),
            cell.code(),
            "the cell and the record agree"
        );
        assert!(
            !seen
                .iter()
                .any(|event| matches!(event, Event::ShutdownStarted { .. })),
            "no shutdown"
        );
    });
}

/// Ordered shutdown: the later member's own exit races the shutdown's
/// start. Whichever comes first, the earlier member is cancelled only once
/// the later one was recorded, it is cancelled at all (loom reports a wait
/// that never ends), and the owner's wait records both.
#[test]
fn loom_an_ordered_shutdown_cancels_the_earlier_member_after_the_later_exits() {
    model(|| {
        let group = Arc::new(Group::new(Duration::MAX));
        let (first, first_membership) = member(&group, "first", false);
        let (last, last_membership) = member(&group, "last", false);
        let last_exits = thread::spawn(move || {
            record(&last, Some(&last_membership), Exit::Returned(1));
        });
        let first_stops = {
            let group = group.clone();
            thread::spawn(move || {
                first.member.token.sleep(Duration::MAX);
                let later_recorded = group
                    .report()
                    .records()
                    .iter()
                    .any(|record| record.name() == "last");
                record(&first, Some(&first_membership), Exit::Cancelled);
                later_recorded
            })
        };
        group.cancel();
        let report = group.wait(None).expect("the owner's wait finishes");
        last_exits.join().unwrap();
        assert!(
            first_stops.join().unwrap(),
            "the first member was cancelled before the last one exited"
        );
        assert_eq!(report.records().len(), 2);
    });
}

/// Limits: the exit that frees the only slot races the shutdown's start
/// while a member waits for that slot. The waiting member is either
/// started (its launcher runs once) or recorded `Cancelled` without
/// starting, never both and never neither, and the group finishes.
#[test]
fn loom_a_freed_slot_racing_the_shutdown_starts_or_cancels_the_waiting_member() {
    model(|| {
        let group = Arc::new(Group::new(Duration::MAX));
        group.set_limit(1);
        let (running, running_membership) = member(&group, "running", false);
        let waiting = Arc::new(Shared::<u8>::new());
        let waiting_id =
            match group.register("waiting".into(), false, false, None, &waiting.member, true) {
                Admission::Waits(id, _) => id,
                _ => panic!("the only slot is taken"),
            };
        let launched = Arc::new(AtomicUsize::new(0));
        let counted = launched.clone();
        match group.enqueue(
            waiting_id,
            Box::new(move |_id| {
                counted.fetch_add(1, Ordering::SeqCst);
            }),
        ) {
            Enqueued::Kept => {}
            _ => panic!("nobody freed the slot yet"),
        }
        let exits = thread::spawn(move || {
            record(&running, Some(&running_membership), Exit::Returned(1));
        });
        group.cancel();
        exits.join().unwrap();

        let launched = launched.load(Ordering::SeqCst);
        let recorded = waiting.member.cell.outcome();
        match (launched, &recorded) {
            // Started: its thread would record its exit; here, at once.
            (1, None) => record(
                &waiting,
                Some(&Membership {
                    group: group.clone(),
                    id: waiting_id,
                }),
                Exit::Cancelled,
            ),
            (0, Some(exit)) => assert!(exit.is_cancelled(), "{exit}"),
            other => panic!("launched {} times, recorded {:?}", other.0, other.1),
        }
        let report = group.wait(None).expect("the owner's wait finishes");
        assert_eq!(report.records().len(), 2);
        let waiting = report.record("waiting").unwrap();
        assert_eq!(waiting.started(), launched == 1);
    });
}

/// The cancelled help: the owner cancels three members at once while the
/// first, woken, helps on its way out (`fanout.rs`). Every member is
/// cancelled before `cancel` returns, even one the helper claimed; a
/// user's hook runs once, on the cancelling thread, after all three are
/// cancelled; and every exit is recorded.
#[test]
fn loom_a_woken_member_helps_cancel_the_rest() {
    model(|| {
        let group = Arc::new(Group::new(Duration::MAX));
        group.set_shutdown_order(ShutdownOrder::AllAtOnce);
        let (helper, helper_membership) = member(&group, "helper", false);
        let (second, second_membership) = member(&group, "second", false);
        let (third, third_membership) = member(&group, "third", false);
        let tokens: Vec<CancelToken> = [&helper, &second, &third]
            .iter()
            .map(|shared| shared.member.token.clone())
            .collect();
        let seen_by_hook = Arc::new(AtomicUsize::new(0));
        let hook_runs = Arc::new(AtomicUsize::new(0));
        {
            let tokens = tokens.clone();
            let seen_by_hook = seen_by_hook.clone();
            let hook_runs = hook_runs.clone();
            let hook = move || {
                let cancelled = tokens.iter().filter(|token| token.is_cancelled()).count();
                seen_by_hook.store(cancelled, Ordering::SeqCst);
                hook_runs.fetch_add(1, Ordering::SeqCst);
            };
            assert!(third.member.token.on_cancel_user(Box::new(hook)).is_some());
        }
        let helps = thread::spawn(move || {
            let token = &helper.member.token;
            assert!(token.sleep(Duration::MAX), "only a cancel ends it");
            token.help_cancel();
            record(&helper, Some(&helper_membership), Exit::Cancelled);
        });
        group.cancel();
        assert!(tokens.iter().all(CancelToken::is_cancelled));
        assert_eq!(hook_runs.load(Ordering::SeqCst), 1);
        assert_eq!(seen_by_hook.load(Ordering::SeqCst), 3);
        record(&second, Some(&second_membership), Exit::Cancelled);
        record(&third, Some(&third_membership), Exit::Cancelled);
        helps.join().unwrap();
        let report = group.wait(None).expect("the owner's wait finishes");
        let codes: Vec<i32> = report.records().iter().map(|r| r.code()).collect();
        assert_eq!(codes, [130, 130, 130]);
    });
}
