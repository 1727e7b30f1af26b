//! Unit tests of the group protocol, with the test playing the workers.

use std::time::{Duration, Instant};

use super::*;
use crate::sync::Arc;
use crate::{Exit, ShutdownCause};

fn join(group: &Group, name: &str, daemon: bool) -> (MemberId, Arc<Member>) {
    let member = Arc::new(Member::new(None));
    let id = group
        .register(name.into(), daemon, false, None, &member, true)
        .id()
        .unwrap();
    (id, member)
}

fn failed(name: &str, message: &str) -> Exit<()> {
    Exit::Failed(crate::Error::new(name.into(), None, message.into()))
}

#[test]
fn owner_is_woken_per_transition_not_per_exit() {
    let group = Arc::new(Group::new(Duration::from_secs(60)));
    let (daemon, daemon_member) = join(&group, "daemon", true);
    let workers: Vec<MemberId> = (0..500)
        .map(|n| join(&group, &format!("w{n}"), false).0)
        .collect();

    let exits = {
        let group = group.clone();
        std::thread::spawn(move || {
            while !group.is_sealed() {
                std::thread::yield_now();
            }
            for id in workers {
                group.record_exit(id, Exit::Returned(()));
            }
            // The last non-daemon exit cancelled the daemon.
            assert!(daemon_member.token.is_cancelled());
            group.record_exit(daemon, Exit::Cancelled);
        })
    };
    let report = group.wait(None).unwrap();
    exits.join().unwrap();
    assert_eq!(report.records().len() + report.folded(), 501);
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
    // One check on entry, one per transition (shutdown began, last
    // exit), and a little room for spurious wake-ups; 500 if it woke per exit.
    let checks = group.owner_checks();
    assert!(checks <= 6, "owner evaluated its condition {checks} times");
}

#[test]
fn an_idle_owner_is_not_woken() {
    let group = Group::new(Duration::from_secs(60));
    let (_, member) = join(&group, "service", true);
    let give_up = Instant::now() + Duration::from_millis(200);
    assert!(group.wait(Some(give_up)).is_none());
    let checks = group.owner_checks();
    assert!(
        checks <= 4,
        "owner evaluated its condition {checks} times while idle"
    );
    assert!(
        !member.token.is_cancelled(),
        "giving up a wait is not a cancel"
    );
}

#[test]
fn first_failure_cancels_the_rest_and_is_kept_as_the_cause() {
    let group = Group::new(Duration::from_secs(60));
    let (a, member_a) = join(&group, "a", false);
    let (b, member_b) = join(&group, "b", false);
    group.record_exit(b, failed("b", "boom"));
    assert!(member_a.token.is_cancelled());
    assert!(
        !member_b.token.is_cancelled(),
        "exited workers are not cancelled"
    );
    group.record_exit(a, failed("a", "cleanup"));
    let report = group.wait(None).unwrap();
    assert_eq!(report.first_failure().unwrap().name(), "b");
    assert_eq!(report.failures().count(), 2);
}

#[test]
fn exits_after_finish_and_duplicate_exits_are_ignored() {
    let group = Group::new(Duration::ZERO);
    let (id, member) = join(&group, "stuck", false);
    group.cancel();
    let report = group.wait(None).unwrap();
    assert!(report.records()[0].exit().is_hung());
    assert!(
        member.cell.fill(Exit::Returned(())).is_err(),
        "hung is recorded in the cell"
    );
    group.record_exit(id, Exit::Returned(()));
    group.record_exit(id, Exit::Returned(()));
    let again = group.wait(None).expect("a finished group keeps its report");
    assert_eq!(again.records().len(), 1, "it does not finish twice");
    assert!(again.records()[0].exit().is_hung());
    assert_eq!(group.report().exit_code(), 124);
}

#[test]
fn a_reused_slot_does_not_take_a_stale_exit() {
    let group = Group::new(Duration::from_secs(1));
    let (first, _) = join(&group, "first", false);
    group.record_exit(first, Exit::Returned(()));
    let (second, _) = join(&group, "second", false);
    assert_eq!(group.live_slots(), 1, "the slot was reused");
    group.record_exit(first, failed("first", "stale"));
    group.record_exit(second, Exit::Returned(()));
    let report = group.wait(None).unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.records().len(), 2);
}

#[test]
fn a_worker_joining_during_shutdown_starts_cancelled() {
    let group = Group::new(Duration::from_secs(1));
    group.cancel();
    let (id, member) = join(&group, "late", false);
    assert!(member.token.is_cancelled());
    group.record_exit(id, Exit::Returned(()));
    let report = group.wait(None).unwrap();
    assert!(
        report.records()[0].exit().is_success(),
        "it ran and its exit counts"
    );
}

#[test]
fn a_finished_group_takes_no_members() {
    let group = Group::new(Duration::from_secs(1));
    assert!(group.wait(None).is_some());
    let member = Arc::new(Member::new(None));
    assert!(group
        .register("late".into(), false, false, None, &member, true)
        .id()
        .is_none());
    assert!(member.token.is_cancelled());
}

#[test]
fn only_daemons_run_until_cancelled() {
    let group = Group::new(Duration::from_secs(1));
    let (id, member) = join(&group, "service", true);
    assert!(group.wait(Some(Instant::now())).is_none());
    assert!(!member.token.is_cancelled());
    group.cancel();
    assert!(member.token.is_cancelled());
    group.record_exit(id, Exit::Cancelled);
    let report = group.wait(None).unwrap();
    assert!(report.is_success());
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Cancelled));
}

#[test]
fn an_abandoned_group_finishes_at_its_last_exit() {
    let group = Group::new(Duration::from_secs(60));
    let (id, member) = join(&group, "w", false);
    let (_, events) = group.subscribe();
    assert!(group.abandon(), "a listener waits for Finished");
    assert!(member.token.is_cancelled());
    group.record_exit(id, Exit::Cancelled);
    let last = events.iter().last();
    assert!(
        matches!(last, Some(crate::Event::Finished { exit_code: 0 })),
        "{last:?}"
    );
    assert_eq!(group.listener_count(), 0);
}

#[test]
fn unsubscribing_forgets_the_listener_at_once() {
    let group = Group::new(Duration::from_secs(1));
    let subscriptions: Vec<u64> = (0..100).map(|_| group.subscribe().0).collect();
    assert_eq!(group.listener_count(), 100);
    for id in subscriptions {
        group.unsubscribe(id);
    }
    assert_eq!(group.listener_count(), 0);
}

#[test]
fn a_declaring_member_still_running_at_the_deadline_fails_the_start_as_hung() {
    let group = Group::new(Duration::ZERO);
    let member = Arc::new(Member::new(None));
    group
        .register("stuck".into(), false, true, None, &member, true)
        .id()
        .unwrap();
    assert!(!group.is_ready());
    group.cancel();
    let report = group.wait(None).unwrap();
    assert!(report.records()[0].exit().is_hung());
    match group.wait_ready(None) {
        Err(crate::NotReady::Exited { worker, exit }) => {
            assert_eq!(&*worker, "stuck");
            assert!(exit.is_hung());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_member_that_announces_twice_counts_once() {
    let group = Group::new(Duration::from_secs(1));
    let a = Arc::new(Member::new(None));
    let b = Arc::new(Member::new(None));
    let id_a = group
        .register("a".into(), false, true, None, &a, true)
        .id()
        .unwrap();
    let id_b = group
        .register("b".into(), false, true, None, &b, true)
        .id()
        .unwrap();
    group.mark_ready(id_a);
    group.mark_ready(id_a);
    assert!(!group.is_ready(), "b has not announced");
    group.mark_ready(id_b);
    assert!(group.is_ready());
    assert!(group.wait_ready(Some(Instant::now())).is_ok());
}
