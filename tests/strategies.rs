//! Restart strategies (DESIGN rule 10): `one_for_all` and `rest_for_one`
//! restart siblings with a restarting worker, only after every cancelled
//! run ended; a sibling that ignores its cancellation fails the round.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::gate;
use threadkit::channel::{unbounded, Receiver, Sender};
use threadkit::{Cancelled, Context, Event, Restart, ShutdownCause, Strategy, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);
/// Bounds every wait, so a broken round fails the test instead of hanging.
const BOUND: Duration = Duration::from_secs(60);

fn immediate() -> Restart {
    Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO)
}

/// Fails its first run once `siblings` others are in theirs (so the round
/// has runs to cancel), then returns its restart count.
fn fails_once(name: &str, siblings: usize, up: Receiver<()>) -> Worker<u32> {
    Worker::restarting(name, immediate(), move |ctx| {
        if ctx.restarts() == 0 {
            for _ in 0..siblings {
                let _ = up.recv();
            }
            return Err("lost the connection");
        }
        Ok(ctx.restarts())
    })
}

/// Says it is up, then waits for cancellation on its first run; returns
/// its restart count.
fn waits_first(name: &str, up: Sender<()>) -> Worker<u32> {
    Worker::restarting(name, immediate(), move |ctx: &Context| {
        if ctx.restarts() == 0 {
            let _ = up.send(());
            ctx.sleep(LONG)?;
        }
        Ok::<_, Cancelled>(ctx.restarts())
    })
}

fn restarted(events: &threadkit::Events) -> Vec<String> {
    events
        .try_iter()
        .filter_map(|event| match event {
            Event::Restarting { worker, .. } => Some(worker.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn one_for_all_restarts_every_restartable_sibling() {
    let supervisor = Supervisor::new().strategy(Strategy::OneForAll);
    let events = supervisor.events();
    let (up, ups) = unbounded();
    let first = supervisor.spawn(waits_first("first", up.clone()));
    let failing = supervisor.spawn(fails_once("failing", 2, ups));
    let last = supervisor.spawn(waits_first("last", up));
    let report = supervisor
        .wait_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the round never ended"));
    assert!(report.is_success(), "{report}");
    assert_eq!(first.join().ok(), Some(1));
    assert_eq!(failing.join().ok(), Some(1));
    assert_eq!(last.join().ok(), Some(1));
    let mut names = restarted(&events);
    names.sort();
    assert_eq!(names, ["failing", "first", "last"]);
}

#[test]
fn rest_for_one_restarts_only_the_siblings_started_after() {
    let supervisor = Supervisor::new().strategy(Strategy::RestForOne);
    let (done, finished) = threadkit::channel::bounded::<()>(1);
    // Not restarted: it runs once, until the last worker's second run.
    let first = supervisor.spawn(Worker::restarting("first", immediate(), move |ctx| {
        let _ = finished.recv();
        Ok::<_, Cancelled>(ctx.restarts())
    }));
    let (up, ups) = unbounded();
    let failing = supervisor.spawn(fails_once("failing", 1, ups));
    let last = supervisor.spawn(Worker::restarting("last", immediate(), move |ctx| {
        if ctx.restarts() == 0 {
            let _ = up.send(());
            ctx.sleep(LONG)?;
        }
        let _ = done.send(());
        Ok::<_, Cancelled>(ctx.restarts())
    }));
    let report = supervisor
        .wait_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the round never ended"));
    assert!(report.is_success(), "{report}");
    assert_eq!(first.join().ok(), Some(0));
    assert_eq!(failing.join().ok(), Some(1));
    assert_eq!(last.join().ok(), Some(1));
}

#[test]
fn workers_without_a_policy_are_left_running() {
    let supervisor = Supervisor::new().strategy(Strategy::OneForAll);
    let (done, finished) = threadkit::channel::bounded::<()>(1);
    let bystander = supervisor.spawn(Worker::new("bystander", move |ctx: &Context| {
        let _ = finished.recv();
        ctx.check()
    }));
    supervisor.spawn(Worker::restarting("failing", immediate(), move |ctx| {
        if ctx.restarts() == 0 {
            return Err("once");
        }
        let _ = done.send(());
        Ok(())
    }));
    let report = supervisor
        .wait_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the round never ended"));
    assert!(report.is_success(), "{report}");
    assert!(bystander.join().is_success());
    assert_eq!(report.record("bystander").unwrap().restarts(), 0);
}

#[test]
fn a_sibling_that_ignores_the_round_fails_it_and_is_never_run_twice() {
    let (mut release, stubborn) = gate();
    let supervisor = Supervisor::new()
        .strategy(Strategy::OneForAll)
        .shutdown_timeout(Duration::from_millis(200));
    let running = Arc::new(AtomicBool::new(false));
    let twice = running.clone();
    let (up, ups) = unbounded();
    let deaf = supervisor.spawn(Worker::restarting("deaf", immediate(), move |_ctx| {
        assert!(!twice.swap(true, Ordering::SeqCst), "two runs at once");
        let _ = up.send(());
        let _ = stubborn.recv();
        Ok::<_, Cancelled>(())
    }));
    supervisor.spawn(fails_once("failing", 1, ups));
    let report = supervisor
        .wait_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the failed round did not stop the group"));
    release.open();
    assert_eq!(
        report.shutdown_cause(),
        Some(&ShutdownCause::Failed {
            worker: "failing".into()
        }),
        "{report}"
    );
    assert!(report.record("deaf").unwrap().exit().is_hung(), "{report}");
    drop(deaf);
}

/// Many small groups whose workers fail a few runs each, under both
/// sibling strategies: rounds overlap, find siblings running, between runs
/// or not started yet. Every group must finish (no round waits for ever),
/// succeed, and never run a worker twice at once.
#[test]
fn random_rounds_finish_and_never_overlap_runs() {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for group in 0..60 {
        let strategy = if group % 2 == 0 {
            Strategy::OneForAll
        } else {
            Strategy::RestForOne
        };
        let supervisor = Supervisor::new().strategy(strategy);
        let policy = immediate().max_restarts(1_000);
        let mut handles = Vec::new();
        for index in 0..3 {
            let failing_runs = (next() % 4) as u32;
            let running = Arc::new(AtomicBool::new(false));
            handles.push((
                failing_runs,
                supervisor.spawn(Worker::restarting(
                    format!("g{group}w{index}"),
                    policy.clone(),
                    move |ctx| {
                        assert!(!running.swap(true, Ordering::SeqCst), "two runs at once");
                        let outcome = if ctx.restarts() < failing_runs {
                            Err("planned")
                        } else {
                            Ok(ctx.restarts())
                        };
                        running.store(false, Ordering::SeqCst);
                        outcome
                    },
                )),
            ));
        }
        let report = supervisor
            .wait_timeout(BOUND)
            .unwrap_or_else(|_| panic!("group {group} never finished"));
        assert!(
            report.is_success(),
            "group {group} ({strategy:?}):\n{report}"
        );
        for (failing_runs, handle) in handles {
            let restarts = handle.join().ok().expect("returned");
            assert!(
                restarts >= failing_runs,
                "group {group}: {restarts} < {failing_runs}"
            );
        }
    }
}
