//! DESIGN "Semantics" rules 1-5, each asserted through the public API.
//! (Rule 6, the chained panic hook, needs a process of its own:
//! `tests/panic_hook.rs`.)

mod common;

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use common::{gate, quiet_panics};
use threadkit::channel::{select, unbounded};
use threadkit::{Cancelled, Event, Exit, ShutdownCause, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);

fn waits_for_cancel(name: &str) -> Worker<()> {
    Worker::new(name, |ctx| ctx.sleep(LONG))
}

fn outcomes(report: &threadkit::Report) -> Vec<(String, &'static str)> {
    report
        .records()
        .iter()
        .map(|record| (record.name().to_owned(), record.exit().kind().as_str()))
        .collect()
}

// ---------------------------------------------------------------------------
// Rule 1: every exit is recorded exactly once, panics included.

#[test]
fn every_outcome_kind_is_recorded_once_in_report_events_and_handles() {
    quiet_panics();
    let (mut release, stubborn_gate) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(200));
    let events = supervisor.events();
    let returned = supervisor.spawn(Worker::infallible("returns", |_ctx| 7));
    let cancelled = supervisor.spawn(waits_for_cancel("cancelled"));
    let hung = supervisor.spawn(Worker::new("hung", move |_ctx| {
        let _ = stubborn_gate.recv();
    }));
    // The panic starts the shutdown; the error comes after it, from cleanup.
    let failed = supervisor.spawn(Worker::new("fails_on_cleanup", |ctx| {
        let _ = ctx.sleep(LONG);
        Err::<(), _>("cleanup failed")
    }));
    let panicked = supervisor.spawn(Worker::infallible("panics", |_ctx| -> u8 {
        panic!("boom")
    }));

    let report = supervisor.wait();
    release.open();

    assert_eq!(
        outcomes(&report),
        [
            ("returns".to_owned(), "returned"),
            ("cancelled".to_owned(), "cancelled"),
            ("hung".to_owned(), "hung"),
            ("fails_on_cleanup".to_owned(), "failed"),
            ("panics".to_owned(), "panicked"),
        ]
    );
    assert_eq!(report.first_failure().unwrap().name(), "panics");
    assert_eq!(report.exit_code(), 101);

    // Handles agree with the report.
    assert_eq!(returned.join().ok(), Some(7));
    assert!(cancelled.join().is_cancelled());
    assert!(hung.join().is_hung());
    assert_eq!(failed.join().error().unwrap().message(), "cleanup failed");
    assert_eq!(panicked.join().panic().unwrap().message(), "boom");

    // Exactly one Exited event per worker, and Finished is the last event.
    let events: Vec<Event> = events.iter().collect();
    let mut exits: HashMap<String, usize> = HashMap::new();
    for event in &events {
        if let Event::Exited(record) = event {
            *exits.entry(record.name().to_owned()).or_default() += 1;
        }
    }
    assert_eq!(exits.len(), 5);
    assert!(exits.values().all(|&count| count == 1), "{exits:?}");
    assert!(matches!(
        events.last(),
        Some(Event::Finished { exit_code: 101 })
    ));
}

#[test]
fn a_value_whose_drop_panics_at_return_is_one_panicked_exit() {
    quiet_panics();
    struct ExplodesOnDrop;
    impl Drop for ExplodesOnDrop {
        fn drop(&mut self) {
            panic!("drop exploded");
        }
    }
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    supervisor.spawn(Worker::infallible("dropper", |_ctx| {
        let _local = ExplodesOnDrop;
        5
    }));
    supervisor.spawn(Worker::infallible("bystander", |_ctx| 6));
    let report = supervisor.wait();
    let dropper = report.record("dropper").unwrap();
    assert_eq!(dropper.exit().panic().unwrap().message(), "drop exploded");
    assert!(report.record("bystander").unwrap().exit().is_success());
    let exited = events
        .iter()
        .filter(|event| matches!(event, Event::Exited(record) if record.name() == "dropper"))
        .count();
    assert_eq!(exited, 1);
}

#[test]
fn a_non_string_panic_payload_is_kept_and_described() {
    quiet_panics();
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::infallible("odd_payload", |_ctx| {
        std::panic::panic_any(404_u32)
    }));
    let report = supervisor.wait();
    let panic = report.records()[0].exit().panic().unwrap().clone();
    assert_eq!(panic.message(), "Box<dyn Any>");
    assert_eq!(
        panic.take_payload().unwrap().downcast_ref::<u32>(),
        Some(&404)
    );
    assert_eq!(report.exit_code(), 101);
}

// ---------------------------------------------------------------------------
// Rule 2: fail-fast.

#[derive(Debug, PartialEq)]
struct ConfigError {
    id: u32,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config {} is invalid", self.id)
    }
}

impl std::error::Error for ConfigError {}

#[test]
fn the_first_failure_cancels_the_rest_and_is_the_reports_cause() {
    let supervisor = Supervisor::new();
    for n in 0..5 {
        supervisor.spawn(waits_for_cancel(&format!("waiter_{n}")));
    }
    supervisor.spawn(Worker::new("get_config_4", |_ctx| {
        Err::<(), _>(ConfigError { id: 4 })
    }));
    let report = supervisor.wait();

    let first = report.first_failure().unwrap();
    assert_eq!(first.name(), "get_config_4");
    assert_eq!(report.exit_code(), 1);
    assert_eq!(
        report.shutdown_cause(),
        Some(&ShutdownCause::Failed {
            worker: "get_config_4".into()
        })
    );
    let waiters: Vec<_> = report
        .records()
        .iter()
        .filter(|record| record.name().starts_with("waiter_"))
        .collect();
    assert_eq!(waiters.len(), 5);
    assert!(waiters.iter().all(|record| record.exit().is_cancelled()));

    // The cause, re-raised in the caller: it says which worker failed, and
    // its source is the user's own error, each link printed once.
    let error = report.into_result().unwrap_err();
    assert_eq!(error.to_string(), "worker `get_config_4` failed");
    let source = std::error::Error::source(&error).unwrap();
    assert_eq!(
        source.downcast_ref::<ConfigError>(),
        Some(&ConfigError { id: 4 })
    );
    let Exit::Failed(worker_error) = error.report().first_failure().unwrap().exit() else {
        panic!("not a failure");
    };
    assert_eq!(worker_error.name(), "get_config_4");
}

#[test]
fn a_panic_fails_fast_too() {
    quiet_panics();
    let supervisor = Supervisor::new();
    supervisor.spawn(waits_for_cancel("waiter"));
    supervisor.spawn(Worker::infallible("panics", |_ctx| -> () {
        panic!("kaboom")
    }));
    let report = supervisor.wait();
    assert_eq!(report.first_failure().unwrap().name(), "panics");
    assert!(report.record("waiter").unwrap().exit().is_cancelled());
    assert_eq!(report.exit_code(), 101);
}

#[test]
fn later_failures_are_kept_but_the_first_stays_the_cause() {
    let supervisor = Supervisor::new();
    for n in 0..3 {
        supervisor.spawn(Worker::new(format!("flusher_{n}"), |ctx| {
            let _ = ctx.sleep(LONG);
            Err::<(), _>("flush after cancel failed")
        }));
    }
    supervisor.spawn(Worker::new("first", |_ctx| Err::<(), _>("original")));
    let report = supervisor.wait();
    assert_eq!(report.first_failure().unwrap().name(), "first");
    assert_eq!(report.failures().count(), 4);
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn cancellation_reaches_workers_blocked_in_select() {
    let (jobs, inbox) = unbounded::<u32>();
    // Keeps the inbox connected, so only cancellation can end the consumer.
    let _keep_open = jobs.clone();
    let supervisor = Supervisor::new();
    let consumer = supervisor.spawn(Worker::new("consumer", move |ctx| {
        let cancelled = ctx.cancelled();
        let mut seen = 0;
        loop {
            select! {
                recv(inbox) -> job => match job {
                    Ok(_) => seen += 1,
                    Err(_) => return Ok(seen),
                },
                recv(cancelled) -> _ => return Err(Cancelled),
            }
        }
    }));
    supervisor.spawn(Worker::new("producer", move |_ctx| {
        jobs.send(1).map_err(|_| "consumer gone")?;
        Err::<(), _>("upstream closed")
    }));
    let report = supervisor.wait();
    assert_eq!(report.first_failure().unwrap().name(), "producer");
    assert!(consumer.join().is_cancelled());
}

#[test]
fn failures_reach_listeners_before_anyone_waits() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    supervisor.spawn(Worker::new("flaky", |_ctx| Err::<(), _>("disk full")));
    // No wait() yet: the exit is pushed, not discovered by an owner's poll.
    let failure = events
        .iter()
        .find_map(|event| match event {
            Event::Exited(record) if record.exit().is_failure() => Some(record),
            _ => None,
        })
        .unwrap();
    assert_eq!(failure.name(), "flaky");
    assert!(matches!(
        events.recv().unwrap(),
        Event::ShutdownStarted {
            cause: ShutdownCause::Failed { .. },
            ..
        }
    ));
    assert_eq!(supervisor.wait().exit_code(), 1);
}

// ---------------------------------------------------------------------------
// Rule 3: daemons.

#[test]
fn daemons_are_cancelled_once_every_non_daemon_exited() {
    let supervisor = Supervisor::new();
    let beats = supervisor.spawn(
        Worker::new("heartbeat", |ctx| {
            let mut beats = 0_u32;
            while ctx.sleep(Duration::from_millis(1)).is_ok() {
                beats += 1;
            }
            Ok::<_, Cancelled>(beats)
        })
        .daemon(true),
    );
    let job = supervisor.spawn(Worker::infallible("job", |_ctx| "done"));
    let report = supervisor.wait();
    assert!(report.is_success());
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
    assert_eq!(job.join().ok(), Some("done"));
    assert!(
        beats.join().is_success(),
        "the daemon returned its count when told to stop"
    );
}

#[test]
fn a_group_of_only_daemons_runs_until_cancelled() {
    let supervisor = Supervisor::new();
    supervisor.spawn(waits_for_cancel("service_a").daemon(true));
    supervisor.spawn(waits_for_cancel("service_b").daemon(true));
    let supervisor = supervisor
        .wait_timeout(Duration::from_millis(50))
        .expect_err("daemons alone never complete the group");
    let canceller = supervisor.canceller();
    let stopper = std::thread::spawn(move || canceller.cancel());
    let report = supervisor.wait();
    stopper.join().unwrap();
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Cancelled));
    assert!(report.records().iter().all(|r| r.exit().is_cancelled()));
    assert_eq!(report.exit_code(), 0);
}

#[test]
fn a_group_of_only_daemons_stops_on_a_failure() {
    let supervisor = Supervisor::new();
    supervisor.spawn(waits_for_cancel("service").daemon(true));
    supervisor.spawn(Worker::new("watchdog", |_ctx| Err::<(), _>("lost quorum")).daemon(true));
    let report = supervisor.wait();
    assert_eq!(report.first_failure().unwrap().name(), "watchdog");
    assert!(report.record("service").unwrap().exit().is_cancelled());
}

#[test]
fn daemons_that_all_return_end_the_group_without_a_shutdown() {
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("d1", |_ctx| ()).daemon(true));
    supervisor.spawn(Worker::new("d2", |_ctx| ()).daemon(true));
    let report = supervisor.wait();
    assert!(report.is_success());
    assert_eq!(report.shutdown_cause(), None);
}

#[test]
fn the_group_is_not_complete_before_the_owner_waits() {
    let supervisor = Supervisor::new();
    let first = supervisor.spawn(Worker::new("early", |_ctx| ()));
    let daemon = supervisor.spawn(waits_for_cancel("daemon").daemon(true));
    let mut first = Some(first);
    // "early" exits while the owner is still spawning...
    while let Some(handle) = first.take() {
        match handle.join_timeout(Duration::from_secs(60)) {
            Ok(exit) => assert!(exit.is_success()),
            Err(handle) => first = Some(handle),
        }
    }
    // ...which must not end the group: the owner has not said it is done.
    let late = supervisor.spawn(Worker::new("late", |ctx| ctx.check()));
    assert!(!daemon.is_finished());
    let report = supervisor.wait();
    assert!(late.join().is_success(), "late ran uncancelled");
    assert!(daemon.join().is_cancelled());
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
}

// ---------------------------------------------------------------------------
// Rule 4: threads cannot be killed; wait() returns anyway.

#[test]
fn a_worker_ignoring_cancellation_is_reported_hung_and_wait_returns() {
    let timeout = Duration::from_millis(100);
    let (mut release, stubborn_gate) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(timeout);
    let events = supervisor.events();
    let stubborn = supervisor.spawn(Worker::new("stubborn", move |_ctx| {
        let _ = stubborn_gate.recv();
    }));
    supervisor.spawn(waits_for_cancel("polite"));
    let asked = Instant::now();
    supervisor.cancel();
    let report = supervisor.wait();
    let waited = asked.elapsed();

    // It gave the grace period, and came back although the worker never will
    // (until released below).
    assert!(waited >= timeout, "{waited:?}");
    assert!(waited < timeout + Duration::from_secs(30), "{waited:?}");
    assert!(report.record("stubborn").unwrap().exit().is_hung());
    assert!(report.record("polite").unwrap().exit().is_cancelled());
    assert_eq!(report.exit_code(), 124);
    assert!(stubborn.is_finished());
    assert!(
        stubborn.join().is_hung(),
        "join does not block on a hung worker"
    );

    // Its late exit is not recorded a second time.
    release.open();
    let hung_exits = events
        .iter()
        .filter(|event| matches!(event, Event::Exited(record) if record.name() == "stubborn"))
        .count();
    assert_eq!(hung_exits, 1);
}

#[test]
fn a_zero_timeout_gives_no_grace_but_still_records_everyone() {
    let (mut release, stubborn_gate) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::ZERO);
    supervisor.spawn(Worker::new("stubborn", move |_ctx| {
        let _ = stubborn_gate.recv();
    }));
    supervisor.spawn(waits_for_cancel("polite"));
    supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("x")));
    let report = supervisor.wait();
    release.open();
    assert_eq!(report.records().len(), 3);
    assert!(report.record("stubborn").unwrap().exit().is_hung());
    let polite = report.record("polite").unwrap().exit();
    assert!(polite.is_cancelled() || polite.is_hung(), "{polite}");
    assert_eq!(report.first_failure().unwrap().name(), "fails");
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn a_huge_timeout_waits_for_cooperative_workers_without_overflow() {
    let supervisor = Supervisor::new().shutdown_timeout(Duration::MAX);
    supervisor.spawn(waits_for_cancel("polite"));
    supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("x")));
    let report = supervisor.wait_timeout(Duration::MAX).unwrap();
    assert!(report.record("polite").unwrap().exit().is_cancelled());
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn the_empty_group_succeeds_at_once() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let report = supervisor.wait();
    assert!(report.is_success());
    assert!(report.records().is_empty());
    assert_eq!(report.shutdown_cause(), None);
    let events: Vec<Event> = events.iter().collect();
    assert!(matches!(
        events.as_slice(),
        [Event::Finished { exit_code: 0 }]
    ));
}

#[test]
fn dropping_a_supervisor_cancels_its_workers() {
    let supervisor = Supervisor::new();
    let handle = supervisor.spawn(waits_for_cancel("orphan"));
    drop(supervisor);
    assert!(handle.join().is_cancelled());
}

// ---------------------------------------------------------------------------
// Rule 5: event-driven. (The owner's wake-ups are counted in the protocol's
// unit tests; here: events come in causal order and end with Finished.)

#[test]
fn events_come_in_causal_order() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    supervisor.spawn(waits_for_cancel("waiter"));
    supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("x")));
    let report = supervisor.wait();
    let events: Vec<Event> = events.iter().collect();
    let position = |wanted: &dyn Fn(&Event) -> bool| events.iter().position(wanted).unwrap();
    let started_fails =
        position(&|e| matches!(e, Event::Started { worker, .. } if &**worker == "fails"));
    let exited_fails = position(&|e| matches!(e, Event::Exited(r) if r.name() == "fails"));
    let shutdown = position(&|e| matches!(e, Event::ShutdownStarted { .. }));
    let exited_waiter = position(&|e| matches!(e, Event::Exited(r) if r.name() == "waiter"));
    assert!(started_fails < exited_fails);
    assert!(exited_fails < shutdown);
    assert!(shutdown < exited_waiter);
    assert!(matches!(
        events.last(),
        Some(Event::Finished { exit_code: 1 })
    ));
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn every_listener_gets_every_event() {
    let supervisor = Supervisor::new();
    let logger = supervisor.events();
    let alerter = supervisor.events();
    supervisor.spawn(Worker::new("one", |_ctx| ()));
    let _ = supervisor.wait();
    assert_eq!(logger.iter().count(), alerter.iter().count());
}
