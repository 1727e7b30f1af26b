//! Dynamic workers: a running group takes new workers from any thread, and
//! one worker can be stopped alone by its handle (cancelled, waited for up
//! to a timeout, recorded) while the rest run on.

mod common;

use std::time::Duration;

use common::gate;
use threadkit::channel::unbounded;
use threadkit::{Context, Event, Exit, Supervisor, Worker, WorkerState};

const LONG: Duration = Duration::MAX;
/// Long enough that reaching it means the group waited for a stopped worker.
const PATIENT: Duration = Duration::from_secs(60);

fn sleeper(name: &str) -> Worker<()> {
    Worker::new(name, |ctx: &Context| ctx.sleep(LONG)).daemon(true)
}

#[test]
fn workers_join_a_running_group_and_one_is_stopped_alone() {
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT);
    let events = supervisor.events();
    let first = supervisor.spawn(sleeper("first"));
    // Added from another thread while the group runs.
    let spawner = supervisor.spawner();
    let added = std::thread::spawn(move || spawner.spawn(sleeper("added")))
        .join()
        .unwrap();

    assert!(added.stop(PATIENT).is_cancelled());
    let snapshot = supervisor.snapshot();
    assert!(snapshot.shutdown_cause().is_none(), "{snapshot}");
    assert!(matches!(
        snapshot.worker("first").unwrap().state(),
        WorkerState::Running
    ));
    assert!(!first.is_finished());

    supervisor.cancel();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.records().len(), 2);
    let exits = events
        .iter()
        .filter(|event| matches!(event, Event::Exited(record) if record.name() == "added"))
        .count();
    assert_eq!(exits, 1, "recorded once");
}

#[test]
fn a_worker_that_ignores_its_stop_is_hung_and_the_group_does_not_wait_for_it() {
    let (_release, stuck) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(PATIENT);
    let (up, is_up) = unbounded::<()>();
    let deaf = supervisor.spawn(
        Worker::new("deaf", move |_ctx: &Context| {
            let _ = up.send(());
            let _ = stuck.recv(); // ignores its cancellation
        })
        .daemon(true),
    );
    let other = supervisor.spawn(sleeper("other"));
    is_up.recv().unwrap();

    assert!(matches!(deaf.stop(Duration::from_millis(20)), Exit::Hung));
    assert!(!other.is_finished(), "the others run on");
    supervisor.cancel();
    // Were `deaf` still counted, the group would wait its full minute.
    let report = supervisor
        .wait_timeout(PATIENT / 2)
        .unwrap_or_else(|_| panic!("the group waited for the stopped worker"));
    assert!(report.record("deaf").unwrap().exit().is_hung(), "{report}");
    assert_eq!(report.exit_code(), 124, "a leaked thread is not a success");
}

#[test]
fn stopping_a_worker_that_failed_is_its_failure_and_fails_the_group_as_usual() {
    let supervisor = Supervisor::new();
    let failing = supervisor.spawn(Worker::new("failing", |_ctx| Err::<(), _>("broken")));
    let exit = failing.stop(PATIENT);
    assert!(exit.is_failure());
    assert_eq!(supervisor.wait().exit_code(), 1);
}

#[test]
fn a_standalone_worker_can_be_stopped_too() {
    let (_release, stuck) = gate();
    let cooperative = sleeper("cooperative").spawn();
    assert!(cooperative.stop(PATIENT).is_cancelled());
    let deaf = Worker::new("deaf", move |_ctx: &Context| {
        let _ = stuck.recv();
    })
    .spawn();
    assert!(matches!(deaf.stop(Duration::from_millis(10)), Exit::Hung));
}

#[test]
fn running_workers_have_unique_names() {
    let supervisor = Supervisor::new();
    let (mut release, gate) = gate();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let gate = gate.clone();
            supervisor.spawn(Worker::infallible("fetch", move |_ctx| {
                let _ = gate.recv();
                std::thread::current().name().map(str::to_owned)
            }))
        })
        .collect();
    let names: Vec<&str> = handles.iter().map(|handle| handle.name()).collect();
    assert_eq!(names, ["fetch", "fetch#2", "fetch#3"]);
    let snapshot = supervisor.snapshot();
    assert!(snapshot.worker("fetch#3").is_some());
    release.open();
    for (handle, name) in handles.into_iter().zip(["fetch", "fetch#2", "fetch#3"]) {
        assert_eq!(handle.join().ok().flatten().as_deref(), Some(name));
    }
    // No worker of that name runs any more: the name is free again.
    let again = supervisor.spawn(Worker::new("fetch", |_ctx| ()));
    assert_eq!(again.name(), "fetch");
    let report = supervisor.wait();
    let recorded: Vec<&str> = report.records().iter().map(|r| r.name()).collect();
    assert_eq!(recorded, ["fetch", "fetch#2", "fetch#3", "fetch"]);
}
