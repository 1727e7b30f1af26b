//! Ordered shutdown: workers are cancelled one at a time, the last
//! declared first, each once the ones declared after it exited or used
//! their time (their own `shutdown_timeout`, or a share of the group's);
//! `ShutdownOrder::AllAtOnce` cancels everyone together; `wait()` stays
//! within the group's shutdown timeout whatever the workers do.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::gate;
use threadkit::channel::{bounded, unbounded};
use threadkit::{Context, Restart, ShutdownOrder, Supervisor, Worker, WorkerState};

/// Long enough that reaching it means the order or a time was not kept.
const PATIENT: Duration = Duration::from_secs(30);

type Log = Arc<Mutex<Vec<String>>>;

/// Waits for its cancellation, checks that every worker declared after it
/// (`later` of them) already exited, and logs its name as it exits.
fn orderly(name: &str, later: usize, log: &Log, daemon: bool) -> Worker<()> {
    let log = log.clone();
    let name = name.to_owned();
    Worker::new(name.clone(), move |ctx: &Context| {
        let _ = ctx.cancelled().recv();
        let mut log = log.lock().unwrap();
        if log.len() != later {
            return Err(format!("{name} cancelled after only {:?}", *log));
        }
        log.push(name);
        Ok(())
    })
    .daemon(daemon)
}

fn names(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

fn reversed(count: usize) -> Vec<String> {
    (0..count).rev().map(|i| format!("w{i}")).collect()
}

#[test]
fn a_cancel_stops_workers_in_reverse_declaration_order() {
    let log = Log::default();
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT * 2);
    for i in 0..5 {
        supervisor.spawn(orderly(&format!("w{i}"), 4 - i, &log, false));
    }
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(names(&log), reversed(5));
}

#[test]
fn a_failure_stops_the_others_in_reverse_declaration_order() {
    let log = Log::default();
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT * 2);
    let (started, all_started) = unbounded::<()>();
    for i in 0..4 {
        let started = started.clone();
        let worker = orderly(&format!("w{i}"), 3 - i, &log, false);
        supervisor.spawn(worker);
        started.send(()).unwrap();
    }
    // Declared last, so stopped first: it is the one that failed.
    supervisor.spawn(Worker::new("failing", move |_ctx| {
        all_started.iter().take(4).count();
        Err::<(), _>("disk full")
    }));
    let report = supervisor.wait();
    assert_eq!(report.first_failure().map(|r| r.name()), Some("failing"));
    assert_eq!(report.exit_code(), 1);
    assert_eq!(names(&log), reversed(4));
}

#[test]
fn daemons_are_stopped_in_reverse_order_once_the_work_is_done() {
    let log = Log::default();
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT * 2);
    for i in 0..4 {
        supervisor.spawn(orderly(&format!("w{i}"), 3 - i, &log, true));
    }
    let main = supervisor.spawn(Worker::infallible("main", |_ctx| 42));
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(main.join().ok(), Some(42));
    assert_eq!(names(&log), reversed(4));
}

#[test]
fn all_at_once_cancels_every_worker_together() {
    let supervisor = Supervisor::new()
        .shutdown_order(ShutdownOrder::AllAtOnce)
        .shutdown_timeout(PATIENT * 2);
    let (release, released) = bounded::<()>(1);
    supervisor.spawn(Worker::new("first", move |ctx: &Context| {
        let _ = ctx.cancelled().recv();
        let _ = release.send(());
    }));
    supervisor.spawn(Worker::new("last", move |ctx: &Context| {
        let _ = ctx.cancelled().recv();
        released
            .recv_timeout(PATIENT)
            .map_err(|_| "the first worker was not cancelled while the last ran")
    }));
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
}

#[test]
fn a_worker_with_its_own_timeout_holds_the_others_back_only_that_long() {
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT * 2);
    let (release, released) = bounded::<()>(1);
    supervisor.spawn(Worker::new("first", move |ctx: &Context| {
        let _ = ctx.cancelled().recv();
        let _ = release.send(());
    }));
    supervisor.spawn(
        Worker::new("stubborn", move |_ctx: &Context| {
            released
                .recv_timeout(PATIENT)
                .map_err(|_| "held for the group's time, not its own")
        })
        .shutdown_timeout(Duration::from_millis(100)),
    );
    supervisor.cancel();
    // Nobody waits yet, so nobody moved past the stubborn worker.
    let snapshot = supervisor.snapshot();
    let state = |name: &str| snapshot.worker(name).map(|worker| worker.state().clone());
    assert!(matches!(state("stubborn"), Some(WorkerState::Stopping)));
    assert!(matches!(state("first"), Some(WorkerState::Running)));
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
}

#[test]
fn without_own_timeouts_the_group_timeout_is_shared() {
    // 600 ms for three: the stubborn last worker gets a third of it, then
    // the others are cancelled in turn; the first one releases it.
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(600));
    let (release, released) = bounded::<()>(1);
    supervisor.spawn(Worker::new("first", move |ctx: &Context| {
        let _ = ctx.cancelled().recv();
        let _ = release.send(());
    }));
    supervisor.spawn(Worker::new("second", |ctx: &Context| {
        let _ = ctx.cancelled().recv();
    }));
    supervisor.spawn(Worker::new("stubborn", move |_ctx: &Context| {
        released.recv_timeout(PATIENT).map_err(|_| "never released")
    }));
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert!(report
        .records()
        .iter()
        .all(|record| !record.exit().is_hung()));
}

#[test]
fn wait_stays_bounded_and_cancels_everyone_when_the_time_runs_out() {
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(300));
    let (mut release, gate) = gate();
    let (told, cancelled) = unbounded::<(String, bool)>();
    for i in 0..3 {
        let gate = gate.clone();
        let told = told.clone();
        let name = format!("stubborn{i}");
        let mut worker = Worker::new(name.clone(), move |ctx: &Context| {
            let _ = gate.recv();
            let _ = told.send((name, ctx.is_cancelled()));
        });
        if i == 2 {
            // More than the group's whole time: it is cut to the group's.
            worker = worker.shutdown_timeout(Duration::from_secs(3600));
        }
        supervisor.spawn(worker);
    }
    drop(told);
    supervisor.cancel();
    let report = supervisor.wait();
    assert_eq!(report.exit_code(), 124);
    assert_eq!(
        report
            .records()
            .iter()
            .filter(|r| r.exit().is_hung())
            .count(),
        3
    );
    release.open();
    let mut seen: Vec<(String, bool)> = cancelled.iter().collect();
    seen.sort();
    assert_eq!(
        seen,
        (0..3)
            .map(|i| (format!("stubborn{i}"), true))
            .collect::<Vec<_>>(),
        "a worker the shutdown had no time for is still cancelled"
    );
}

#[test]
fn nobody_is_restarted_once_the_shutdown_began() {
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT * 2);
    let (fail_now, told_to_fail) = bounded::<()>(1);
    let (second_run, ran_again) = bounded::<()>(1);
    let policy = Restart::always().backoff(Duration::ZERO, Duration::ZERO);
    let runs = Arc::new(Mutex::new(0));
    let counted = runs.clone();
    let restartable = supervisor.spawn(Worker::restarting("restartable", policy, move |ctx| {
        let run = {
            let mut runs = counted.lock().unwrap();
            *runs += 1;
            *runs
        };
        if run > 1 {
            let _ = second_run.send(());
            ctx.sleep(Duration::MAX)?;
        }
        // The first run fails once the shutdown began, before its turn.
        let _ = told_to_fail.recv();
        Err::<(), _>(Box::<dyn std::error::Error + Send + Sync>::from(
            "lost its connection",
        ))
    }));
    // Declared last, stopped first: it starts the restartable's failure
    // and holds the shutdown long enough for a restart to show.
    supervisor.spawn(Worker::new("holder", move |ctx: &Context| {
        let _ = ctx.cancelled().recv();
        fail_now.send(()).unwrap();
        match ran_again.recv_timeout(Duration::from_millis(500)) {
            Ok(()) => Err("restarted during the shutdown"),
            Err(_) => Ok(()),
        }
    }));
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(*runs.lock().unwrap(), 1);
    assert!(restartable.join().is_cancelled());
    let record = report.record("restartable").unwrap();
    assert!(record.last_failure().is_some(), "its failure is kept");
}
