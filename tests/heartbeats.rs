//! Heartbeats (DESIGN rule 12, second half): a worker that neither beats
//! nor waits where threadkit can see it, for longer than its window, is
//! stalled: an event, its run cancelled and counted as a failure that its
//! restart policy handles, and, if the run ignores the cancellation, the
//! group's shutdown. Progress of every kind keeps a worker from stalling.
//!
//! Windows here are short where a stall is expected (it is detected within
//! two windows) and long, with progress many times per window, where none
//! is: a scheduler pause longer than the window would be needed to fail.

mod common;

use std::time::Duration;

use common::gate;
use threadkit::channel::{bounded, select};
use threadkit::{Cancelled, Event, Restart, ShutdownCause, Supervisor, Worker};

const SHORT: Duration = Duration::from_millis(20);
const LONG: Duration = Duration::from_secs(3600);

fn stalls(events: &threadkit::Events) -> Vec<String> {
    events
        .try_iter()
        .filter_map(|event| match event {
            Event::Stalled { worker, silent_for } => {
                assert!(silent_for >= SHORT, "stalled after only {silent_for:?}");
                Some(worker.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Blocks where threadkit cannot see, until the run is cancelled.
fn stuck_until_cancelled(ctx: &threadkit::Context) -> Result<(), Cancelled> {
    let (_keep, never) = bounded::<()>(0);
    let cancelled = ctx.cancelled();
    select! {
        recv(never) -> _ => unreachable!("nothing is ever sent"),
        recv(cancelled) -> _ => Err(Cancelled),
    }
}

#[test]
fn a_stalled_run_is_cancelled_and_restarted_by_its_policy() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let policy = Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO);
    let handle = supervisor.spawn(
        Worker::restarting("flaky", policy, |ctx| {
            if ctx.restarts() == 0 {
                stuck_until_cancelled(ctx)?;
            }
            Ok::<_, Cancelled>(ctx.restarts())
        })
        .heartbeat(SHORT),
    );
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(handle.join().ok(), Some(1));
    let record = &report.records()[0];
    assert_eq!(record.restarts(), 1);
    let failure = record.last_failure().expect("the stall").to_string();
    assert!(
        failure.contains("stalled: no heartbeat for 20ms"),
        "{failure}"
    );
    assert_eq!(stalls(&events), ["flaky"]);
}

#[test]
fn a_stall_without_a_policy_fails_the_group() {
    let supervisor = Supervisor::new();
    let bystander = supervisor.spawn(Worker::new("bystander", |ctx| ctx.sleep(LONG)));
    supervisor.spawn(Worker::new("stuck", stuck_until_cancelled).heartbeat(SHORT));
    let report = supervisor.wait();
    assert_eq!(
        report.shutdown_cause(),
        Some(&ShutdownCause::Failed {
            worker: "stuck".into()
        })
    );
    assert!(report
        .first_failure()
        .unwrap()
        .exit()
        .to_string()
        .contains("stalled"));
    assert!(bystander.join().is_cancelled());
}

#[test]
fn a_stalled_run_that_ignores_its_cancellation_starts_the_shutdown() {
    let (mut release, stubborn) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(100));
    let events = supervisor.events();
    let bystander = supervisor.spawn(Worker::new("bystander", |ctx| ctx.sleep(LONG)).daemon(true));
    supervisor.spawn(
        Worker::new("deaf", move |_ctx| {
            let _ = stubborn.recv();
        })
        .daemon(true)
        .heartbeat(SHORT),
    );
    let report = supervisor
        .wait_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the stall did not start the shutdown"));
    release.open();
    assert_eq!(
        report.shutdown_cause(),
        Some(&ShutdownCause::Failed {
            worker: "deaf".into()
        })
    );
    assert!(report.record("deaf").unwrap().exit().is_hung(), "{report}");
    assert_eq!(report.exit_code(), 124);
    assert!(bystander.join().is_cancelled());
    assert_eq!(stalls(&events), ["deaf"]);
}

/// Runs `body` with a 200 ms window for about five windows, then cancels;
/// returns the stalls seen.
fn stalls_of(
    body: impl FnOnce(&threadkit::Context) -> Result<(), Cancelled> + Send + 'static,
) -> Vec<String> {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    supervisor.spawn(
        Worker::new("busy", body)
            .daemon(true)
            .heartbeat(Duration::from_millis(200)),
    );
    supervisor.spawn(Worker::new("timer", |_ctx| {
        std::thread::sleep(Duration::from_secs(1))
    }));
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    stalls(&events)
}

#[test]
fn beating_keeps_a_busy_worker_from_stalling() {
    let seen = stalls_of(|ctx| {
        while !ctx.is_cancelled() {
            // Busy where threadkit cannot see, but beating.
            std::thread::sleep(Duration::from_millis(1));
            ctx.beat();
        }
        Err(Cancelled)
    });
    assert_eq!(seen, Vec::<String>::new());
}

#[test]
fn waiting_in_sleep_or_idle_is_not_a_stall() {
    assert_eq!(stalls_of(|ctx| ctx.sleep(LONG)), Vec::<String>::new());
    let seen = stalls_of(|ctx| {
        let cancelled = ctx.cancelled();
        ctx.idle(|| cancelled.recv()).ok();
        Err(Cancelled)
    });
    assert_eq!(seen, Vec::<String>::new());
}

#[test]
fn no_stall_is_declared_before_a_whole_window_without_progress() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let window = Duration::from_millis(100);
    supervisor.spawn(Worker::new("late", stuck_until_cancelled).heartbeat(window));
    let silent_for = events
        .iter()
        .find_map(|event| match event {
            Event::Stalled { silent_for, .. } => Some(silent_for),
            _ => None,
        })
        .expect("a stall");
    assert!(silent_for >= window, "{silent_for:?}");
    assert!(supervisor.wait().first_failure().is_some());
}
