//! Regression tests for the faults found from outside (RELIABILITY.md,
//! "Faults"). Each failed before its fix.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{gate, quiet_panics};
use threadkit::{Event, Exit, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);

/// A value whose `Drop` panics.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("PanicOnDrop dropped");
        }
    }
}

/// A value whose `Drop` takes a while.
struct SlowDrop(Duration);

impl Drop for SlowDrop {
    fn drop(&mut self) {
        std::thread::sleep(self.0);
    }
}

/// Fault 1: with many cooperative workers woken by a fail-fast shutdown,
/// some finish (and drop the last reference to their value) while the
/// shutdown is still cancelling the rest. A value whose `Drop` panics there
/// stopped the cancellations and the owner's wake-up: `wait()` hung.
#[test]
fn a_panicking_drop_on_the_shutdown_path_loses_nothing() {
    quiet_panics();
    for round in 0..20 {
        let supervisor = Supervisor::new().shutdown_timeout(LONG);
        for n in 0..60 {
            // Handles dropped: nobody but the runtime holds the values.
            drop(
                supervisor.spawn(Worker::new(format!("r{round}_w{n}"), |ctx| {
                    ctx.sleep(LONG).ok();
                    Ok::<_, String>(PanicOnDrop)
                })),
            );
        }
        supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("boom")));
        let report = supervisor
            .wait_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("round {round}: wait() did not return"));
        assert_eq!(report.records().len(), 61, "round {round}");
        assert_eq!(report.first_failure().unwrap().name(), "fails");
        let returned = report
            .records()
            .iter()
            .filter(|r| r.exit().is_success())
            .count();
        assert_eq!(
            returned, 60,
            "round {round}: every sleeper was cancelled and returned\n{report}"
        );
    }
}

/// Fault 1, the slow variant: a `Drop` that takes 20 ms, run on the
/// shutdown path, delayed the cancellation of the others until the
/// cooperative ones were reported `Hung`.
#[test]
fn a_slow_drop_does_not_delay_the_cancellation_of_the_others() {
    for round in 0..4 {
        let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(300));
        for n in 0..40 {
            drop(
                supervisor.spawn(Worker::new(format!("r{round}_w{n}"), |ctx| {
                    ctx.sleep(LONG).ok();
                    Ok::<_, String>(SlowDrop(Duration::from_millis(250)))
                })),
            );
        }
        supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("boom")));
        let report = supervisor.wait();
        let hung: Vec<&str> = report
            .records()
            .iter()
            .filter(|record| record.exit().is_hung())
            .map(|record| record.name())
            .collect();
        assert!(hung.is_empty(), "round {round}: reported hung: {hung:?}");
    }
}

/// Fault 5: a supervisor dropped without `wait()` kept the value of every
/// later exit until its last worker exited, and its listeners never got
/// `Event::Finished`.
#[test]
fn a_dropped_supervisor_releases_values_and_finishes_for_its_listeners() {
    let value = Arc::new(());
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let service = supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(LONG)).daemon(true));
    let (mut release, job_gate) = gate();
    let copy = value.clone();
    drop(supervisor.spawn(Worker::infallible("job", move |_ctx| {
        let _ = job_gate.recv();
        copy
    })));
    drop(supervisor);
    release.open();
    // The job's thread ends and nothing keeps its value.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while Arc::strong_count(&value) > 1 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(
        Arc::strong_count(&value),
        1,
        "the abandoned group kept the value"
    );
    assert!(service.join().is_cancelled());
    let last = events.iter().last();
    assert!(matches!(last, Some(Event::Finished { .. })), "{last:?}");
}

/// Fault 5, with a worker that ignores cancellation: the listener still
/// hears `Finished` by the shutdown deadline, with the worker `Hung`.
#[test]
fn a_dropped_supervisor_with_a_hung_worker_still_finishes_on_time() {
    let (mut release, stuck_gate) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(50));
    let events = supervisor.events();
    supervisor.spawn(Worker::new("stuck", move |_ctx| {
        let _ = stuck_gate.recv();
    }));
    drop(supervisor);
    let mut hung = false;
    let finished = loop {
        match events.recv_timeout(Duration::from_secs(30)) {
            Ok(Event::Exited(record)) => hung |= record.exit().is_hung(),
            Ok(Event::Finished { exit_code }) => break exit_code,
            Ok(_) => {}
            Err(error) => panic!("no Finished event: {error}"),
        }
    };
    release.open();
    assert!(hung);
    assert_eq!(finished, 124);
}

/// Fault 6: a `Hung` record said the thread never started.
#[test]
fn a_hung_record_names_the_thread_its_handle_names() {
    let (mut release, stuck_gate) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::ZERO);
    let handle = supervisor.spawn(Worker::new("stuck", move |_ctx| {
        let _ = stuck_gate.recv();
    }));
    supervisor.cancel();
    let report = supervisor.wait();
    let record = &report.records()[0];
    assert!(record.exit().is_hung());
    assert!(handle.thread_id().is_some());
    assert_eq!(record.thread_id(), handle.thread_id());
    release.open();
}

/// Fault 7: `Worker::run()` from a thread-local's destructor aborted the
/// process (a thread-local access during destruction panics, and a panic
/// in a destructor aborts).
#[test]
fn run_inside_a_thread_local_destructor_runs_normally() {
    struct RunsOnExit(threadkit::channel::Sender<Exit<u32>>);
    impl Drop for RunsOnExit {
        fn drop(&mut self) {
            let exit = Worker::infallible("at_exit", |ctx| {
                assert!(!ctx.is_cancelled());
                40 + 2
            })
            .run();
            let _ = self.0.send(exit);
        }
    }
    thread_local! {
        static AT_EXIT: std::cell::RefCell<Option<RunsOnExit>> = const { std::cell::RefCell::new(None) };
    }
    let (sender, exits) = threadkit::channel::bounded(1);
    std::thread::spawn(move || {
        // Destructors run in reverse order of first use: ours is set first,
        // then threadkit's own slots are used (by a worker run inline), so
        // they are gone by the time ours runs.
        AT_EXIT.with(|slot| *slot.borrow_mut() = Some(RunsOnExit(sender)));
        assert!(Worker::infallible("warm_up", |_ctx| ()).run().is_success());
    })
    .join()
    .unwrap();
    assert_eq!(exits.recv().unwrap().ok(), Some(42));
}

/// Fault 8: a worker that joined its own handle waited for itself forever.
#[test]
fn a_worker_joining_its_own_handle_fails_clearly() {
    quiet_panics();
    let (give, take) = threadkit::channel::bounded(1);
    let supervisor = Supervisor::new();
    let handle = supervisor.spawn(Worker::infallible("narcissus", move |_ctx| {
        let own: threadkit::Handle<()> = take.recv().unwrap();
        let _ = own.join();
    }));
    give.send(handle).unwrap();
    let report = supervisor
        .wait_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the self-join deadlocked"));
    let panic = report.records()[0]
        .exit()
        .panic()
        .expect("a clear panic")
        .clone();
    assert!(
        panic.message().contains("joined its own handle"),
        "{}",
        panic.message()
    );
}

/// Fault 3 through the public API: a worker that runs child groups in a
/// loop, then is cancelled; every child group was finished and none is
/// cancelled twice or kept.
#[test]
fn child_groups_run_in_a_loop_and_the_parent_still_cancels_the_live_one() {
    let started = Arc::new(AtomicUsize::new(0));
    let counted = started.clone();
    let handle = Worker::new("parent", move |ctx| {
        for _ in 0..200 {
            let child = Supervisor::child_of(ctx);
            child.spawn(Worker::new("leaf", |_ctx| ()));
            let report = child.wait();
            if let Err(error) = report.into_result() {
                return Err(error.to_string());
            }
        }
        let child = Supervisor::child_of(ctx);
        child.spawn(Worker::new("waits", |leaf| leaf.sleep(LONG)));
        counted.fetch_add(1, Ordering::SeqCst);
        let report = child.wait();
        Ok::<_, String>(report.records()[0].exit().is_cancelled())
    })
    .spawn();
    while started.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    handle.cancel();
    assert_eq!(handle.join().ok(), Some(true));
}
