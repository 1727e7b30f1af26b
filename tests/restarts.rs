//! Restart policies (DESIGN rule 9) through the public API: what is
//! restarted, the intensity limit and its escalation, the backoff cut short
//! by a cancellation, and what the events, records, handles and contexts
//! say about restarts.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::quiet_panics;
use threadkit::channel::unbounded;
use threadkit::{Event, Exit, Restart, ShutdownCause, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);

/// A policy without waiting, so tests do not depend on time.
fn immediate(policy: Restart) -> Restart {
    policy.backoff(Duration::ZERO, Duration::ZERO).within(LONG)
}

fn restart_events(events: &threadkit::Events) -> Vec<(String, u32, String)> {
    events
        .try_iter()
        .filter_map(|event| match event {
            Event::Restarting {
                worker,
                restart,
                exit,
                ..
            } => {
                // A panic's location is known only if threadkit's hook ran
                // in front of `quiet_panics`' (hooks are process-wide and
                // this binary's tests race to install them): compare the
                // kind and message.
                let described = match exit.panic() {
                    Some(panic) => format!("panicked: {}", panic.message()),
                    None => exit.to_string(),
                };
                Some((worker.to_string(), restart, described))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_failing_worker_is_restarted_without_failing_the_group() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    // The sibling finishes only when the flaky worker finally succeeds: had
    // a restart started the fail-fast shutdown, it would be cancelled.
    let (succeeded, on_success) = unbounded::<()>();
    let sibling = supervisor.spawn(Worker::new("sibling", move |ctx| {
        let _ = on_success.recv();
        ctx.check()
    }));
    let flaky = supervisor.spawn(Worker::restarting(
        "flaky",
        immediate(Restart::on_failure()),
        move |ctx| match ctx.restarts() {
            0 => Err("first".to_owned()),
            1 => panic!("second"),
            n => {
                let _ = succeeded.send(());
                Ok(n)
            }
        },
    ));
    quiet_panics();
    let report = supervisor.wait();

    assert!(report.is_success(), "{report}");
    assert_eq!(
        flaky.join().ok(),
        Some(2),
        "the handle gives the final exit"
    );
    assert!(sibling.join().is_success());
    let record = report
        .records()
        .iter()
        .find(|r| r.name() == "flaky")
        .unwrap();
    assert_eq!(record.restarts(), 2);
    assert!(record.exit().is_success());
    assert_eq!(record.last_failure().unwrap().kind().as_str(), "panicked");
    assert_eq!(
        restart_events(&events),
        [
            ("flaky".to_owned(), 1, "failed: first".to_owned()),
            ("flaky".to_owned(), 2, "panicked: second".to_owned()),
        ]
    );
}

#[test]
fn past_the_intensity_the_last_failure_escalates_to_fail_fast() {
    let supervisor = Supervisor::new();
    let bystander = supervisor.spawn(Worker::new("bystander", |ctx| ctx.sleep(LONG)));
    supervisor.spawn(Worker::restarting(
        "doomed",
        immediate(Restart::on_failure().max_restarts(3)),
        |ctx| Err::<(), _>(format!("attempt {}", ctx.restarts())),
    ));
    let report = supervisor.wait();

    assert_eq!(
        report.shutdown_cause(),
        Some(&ShutdownCause::Failed {
            worker: "doomed".into()
        })
    );
    let failure = report.first_failure().expect("the escalated failure");
    assert_eq!(failure.name(), "doomed");
    assert_eq!(failure.restarts(), 3);
    assert_eq!(failure.exit().to_string(), "failed: attempt 3");
    assert_eq!(report.exit_code(), 1);
    assert!(
        bystander.join().is_cancelled(),
        "fail-fast cancelled the rest"
    );
}

#[test]
fn max_restarts_zero_exits_at_the_first_failure() {
    let runs = Arc::new(AtomicU32::new(0));
    let counted = runs.clone();
    let exit = Worker::restarting(
        "once",
        immediate(Restart::always().max_restarts(0)),
        move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>("down")
        },
    )
    .run();
    assert_eq!(
        exit.error().map(|e| e.message().to_owned()).as_deref(),
        Some("down")
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn on_failure_does_not_restart_a_return_and_always_does() {
    let runs = |policy: Restart| {
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let exit = Worker::restarting("w", immediate(policy.max_restarts(4)), move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .run();
        (runs.load(Ordering::SeqCst), exit.kind().as_str())
    };
    assert_eq!(runs(Restart::never()), (1, "returned"));
    assert_eq!(runs(Restart::on_failure()), (1, "returned"));
    // Four restarts, then the fifth return is more than the policy allows.
    assert_eq!(runs(Restart::always()), (5, "failed"));
}

#[test]
fn a_cancelled_worker_is_not_restarted_even_under_always() {
    let runs = Arc::new(AtomicU32::new(0));
    let counted = runs.clone();
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let handle = supervisor.spawn(Worker::restarting(
        "service",
        immediate(Restart::always()),
        move |ctx| {
            counted.fetch_add(1, Ordering::SeqCst);
            // Returns normally once cancelled, which `always` restarts
            // unless the cancellation stops it.
            let _ = ctx.sleep(LONG);
        },
    ));
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(handle.join().is_success());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(restart_events(&events).is_empty());
    assert_eq!(report.records()[0].restarts(), 0);
}

#[test]
fn the_backoff_is_cut_short_by_a_cancellation() {
    // An hour of backoff: only the cancellation can end it, and it must end
    // it as `Cancelled` within the shutdown timeout, not as `Hung`.
    let policy = Restart::on_failure().backoff(LONG, LONG);
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_secs(30));
    let events = supervisor.events();
    let handle = supervisor.spawn(Worker::restarting("backing_off", policy, |_| {
        Err::<(), _>("down")
    }));
    let delay = events
        .iter()
        .find_map(|event| match event {
            Event::Restarting { delay, .. } => Some(delay),
            _ => None,
        })
        .expect("a restart was announced");
    assert!(delay <= LONG);
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(handle.join().is_cancelled());
    let record = &report.records()[0];
    assert_eq!(record.restarts(), 1);
    assert_eq!(record.last_failure().unwrap().to_string(), "failed: down");
    assert_eq!(
        report.exit_code(),
        0,
        "a cancelled group that did not fail succeeds"
    );
}

#[test]
fn incarnations_never_overlap_and_each_sees_its_number() {
    let running = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (flag, numbers) = (running.clone(), seen.clone());
    let exit = Worker::restarting(
        "serial",
        immediate(Restart::on_failure().max_restarts(50)),
        move |ctx| {
            assert!(
                !flag.swap(true, Ordering::SeqCst),
                "two incarnations at once"
            );
            numbers.lock().unwrap().push(ctx.restarts());
            let thread = std::thread::current().name().map(str::to_owned);
            flag.store(false, Ordering::SeqCst);
            if ctx.restarts() < 20 {
                Err(format!("run {}", ctx.restarts()))
            } else {
                Ok(thread)
            }
        },
    )
    .spawn()
    .join();
    assert_eq!(exit.ok().flatten().as_deref(), Some("serial"));
    assert_eq!(*seen.lock().unwrap(), (0..=20).collect::<Vec<u32>>());
}

#[test]
fn restarting_values_are_dropped_between_runs_and_the_last_is_joined() {
    struct Counted(Arc<AtomicU32>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicU32::new(0));
    let counter = drops.clone();
    let exit = Worker::restarting(
        "values",
        immediate(Restart::always().max_restarts(3)),
        move |ctx| {
            if ctx.restarts() < 3 {
                Ok(Counted(counter.clone()))
            } else {
                Err("done")
            }
        },
    )
    .run();
    // Three values were returned and restarted past; the last run failed.
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert!(matches!(exit, Exit::Failed(_)));
}

#[test]
fn the_table_shows_restarts_beside_the_outcome() {
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::restarting(
        "flaky",
        immediate(Restart::on_failure()),
        |ctx| {
            if ctx.restarts() < 2 {
                Err("down")
            } else {
                Ok(())
            }
        },
    ));
    let table = supervisor.wait().to_string();
    let row = table
        .lines()
        .find(|line| line.starts_with("flaky"))
        .unwrap();
    assert!(row.contains("returned, 2 restarts"), "{table}");
}

#[test]
fn a_worker_that_fails_before_announcing_readiness_is_restarted_not_failed_at_start() {
    let supervisor = Supervisor::new();
    supervisor.spawn(
        Worker::restarting(
            "server",
            immediate(Restart::on_failure()),
            |ctx| -> Result<(), threadkit::BoxError> {
                if ctx.restarts() == 0 {
                    return Err("could not bind".into());
                }
                ctx.ready();
                ctx.sleep(LONG)?;
                Ok(())
            },
        )
        .readiness(true),
    );
    supervisor
        .wait_ready(LONG)
        .expect("the second run announced readiness");
    supervisor.cancel();
    let report = supervisor.wait();
    assert_eq!(report.records()[0].restarts(), 1);
    assert!(report.records()[0].exit().is_cancelled());
}

#[test]
fn a_worker_that_never_announces_fails_the_start_once_its_restarts_are_spent() {
    let supervisor = Supervisor::new();
    supervisor.spawn(
        Worker::restarting(
            "server",
            immediate(Restart::on_failure().max_restarts(2)),
            |_ctx| Err::<(), _>("could not bind"),
        )
        .readiness(true),
    );
    match supervisor.wait_ready(LONG) {
        Err(threadkit::NotReady::Exited { worker, exit }) => {
            assert_eq!(&*worker, "server");
            assert_eq!(exit.to_string(), "failed: could not bind");
        }
        other => panic!("expected a failed start, got {other:?}"),
    }
    assert_eq!(supervisor.wait().records()[0].restarts(), 2);
}

#[test]
fn a_zero_window_makes_max_restarts_a_total() {
    let runs = Arc::new(AtomicU32::new(0));
    let counted = runs.clone();
    let policy = Restart::on_failure()
        .max_restarts(2)
        .within(Duration::ZERO)
        .backoff(Duration::ZERO, Duration::ZERO);
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::restarting("flaky", policy, move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
        Err::<(), _>("down")
    }));
    let report = supervisor.wait();
    assert_eq!(runs.load(Ordering::SeqCst), 3, "{report}");
    assert_eq!(report.records()[0].restarts(), 2);
    assert_eq!(report.exit_code(), 1);
}

/// A body that fails at once every time does not spin: each run starts
/// only after the delay its `Restarting` event announced, and the limit
/// still trips.
#[test]
fn a_worker_failing_at_once_every_time_waits_each_announced_backoff() {
    let starts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = starts.clone();
    let policy = Restart::on_failure()
        .max_restarts(8)
        .within(LONG)
        .backoff(Duration::from_millis(20), Duration::from_millis(40));
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    supervisor.spawn(Worker::restarting("crashing", policy, move |_| {
        seen.lock().unwrap().push(std::time::Instant::now());
        Err::<(), _>("crash")
    }));
    let report = supervisor.wait();
    let delays: Vec<Duration> = events
        .iter()
        .filter_map(|event| match event {
            Event::Restarting { delay, .. } => Some(delay),
            _ => None,
        })
        .collect();
    let starts = starts.lock().unwrap();
    assert_eq!(starts.len(), 9, "{report}");
    assert_eq!(delays.len(), 8);
    for (restart, delay) in delays.iter().enumerate() {
        let gap = starts[restart + 1] - starts[restart];
        assert!(
            gap >= *delay,
            "restart {} came after {gap:?}, announced {delay:?}",
            restart + 1
        );
        assert!(*delay <= Duration::from_millis(40), "the cap is exceeded");
    }
    // Full jitter draws each delay below its ceiling: eight draws all under
    // a millisecond would mean no backoff at all.
    assert!(delays.iter().sum::<Duration>() > Duration::from_millis(8));
    assert_eq!(report.exit_code(), 1);
    assert_eq!(report.records()[0].restarts(), 8);
}

/// A daemon with `always` runs again after each return until the group
/// completes; then it is cancelled, not restarted.
#[test]
fn a_restarting_daemon_runs_until_the_group_completes() {
    let (third, on_third) = unbounded::<()>();
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let daemon = supervisor.spawn(
        Worker::restarting("poller", immediate(Restart::always()), move |ctx| {
            if ctx.restarts() == 3 {
                let _ = third.send(());
                ctx.sleep(LONG)?;
            }
            Ok::<_, threadkit::Cancelled>(ctx.restarts())
        })
        .daemon(true),
    );
    supervisor.spawn(Worker::infallible("job", move |_| on_third.recv().is_ok()));
    let report = supervisor.wait();
    assert!(daemon.join().is_cancelled(), "{report}");
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
    assert_eq!(report.record("poller").unwrap().restarts(), 3);
    assert_eq!(report.exit_code(), 0);
    let events: Vec<Event> = events.iter().collect();
    let shutdown = events
        .iter()
        .position(|event| matches!(event, Event::ShutdownStarted { .. }))
        .expect("a shutdown");
    assert!(
        !events[shutdown..]
            .iter()
            .any(|event| matches!(event, Event::Restarting { .. })),
        "restarted after the shutdown began: {events:?}"
    );
}

/// A worker restarting as fast as it can while the owner cancels: however
/// the two race, it ends cancelled, the group does not fail, and the
/// record counts exactly the restarts announced.
#[test]
fn a_restart_racing_a_shutdown_ends_cancelled_and_counted() {
    for round in 0..50 {
        let supervisor = Supervisor::new();
        let events = supervisor.events();
        let (running, on_running) = unbounded::<()>();
        let handle = supervisor.spawn(Worker::restarting(
            "racer",
            immediate(Restart::on_failure().max_restarts(u32::MAX)),
            move |_| {
                let _ = running.send(());
                Err::<(), _>("again")
            },
        ));
        for _ in 0..=(round % 5) {
            on_running.recv().unwrap();
        }
        supervisor.cancel();
        let report = supervisor.wait();
        assert!(handle.join().is_cancelled(), "round {round}: {report}");
        assert_eq!(report.exit_code(), 0, "round {round}: {report}");
        let announced = restart_events(&events).len() as u32;
        assert_eq!(report.records()[0].restarts(), announced, "round {round}");
    }
}

/// Nested groups with different strategies: a child group under
/// `one_for_all` that spends its restarts fails its parent's worker once,
/// and the parent's `one_for_one` policy restarts that worker alone.
#[test]
fn a_child_groups_escalation_is_one_failure_of_its_parent() {
    let parent = Supervisor::new().strategy(threadkit::Strategy::OneForOne);
    let events = parent.events();
    let (bystander_started, on_bystander) = unbounded::<()>();
    let bystander = parent.spawn(Worker::restarting(
        "bystander",
        immediate(Restart::on_failure()),
        move |ctx| {
            let _ = bystander_started.send(());
            ctx.sleep(LONG)?;
            Ok::<_, threadkit::Cancelled>(ctx.restarts())
        },
    ));
    on_bystander.recv().unwrap();
    let nested = parent.spawn(Worker::restarting(
        "nested",
        immediate(Restart::on_failure()),
        |ctx| {
            if ctx.restarts() > 0 {
                return Ok(ctx.restarts());
            }
            let child = Supervisor::child_of(ctx).strategy(threadkit::Strategy::OneForAll);
            child.spawn(Worker::restarting(
                "leaf",
                immediate(Restart::on_failure().max_restarts(2)),
                |_| Err::<(), _>("leaf down"),
            ));
            child.spawn(Worker::restarting(
                "sibling",
                immediate(Restart::on_failure()),
                |ctx| ctx.sleep(LONG),
            ));
            child.wait().into_result().map(|_| 0)
        },
    ));
    assert_eq!(nested.join().ok(), Some(1));
    parent.cancel();
    let report = parent.wait();
    assert!(bystander.join().is_cancelled(), "{report}");
    assert_eq!(report.record("bystander").unwrap().restarts(), 0);
    let nested = report.record("nested").unwrap();
    assert_eq!(nested.restarts(), 1, "{report}");
    assert_eq!(
        nested.last_failure().unwrap().to_string(),
        "failed: worker `leaf` failed: leaf down"
    );
    assert_eq!(
        restart_events(&events)
            .iter()
            .map(|(worker, ..)| worker.as_str())
            .collect::<Vec<_>>(),
        ["nested"]
    );
    assert_eq!(report.exit_code(), 0);
}
