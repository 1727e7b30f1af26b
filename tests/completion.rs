//! Completion policies: `FirstSuccess` ends the group at the first success
//! and tolerates failures before it; `AllSettle` lets every worker run to
//! its end; both keep every outcome in the report.

use std::time::Duration;

use threadkit::channel::unbounded;
use threadkit::{Completion, Exit, ShutdownCause, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);

#[test]
fn first_success_cancels_the_rest_and_forgives_earlier_failures() {
    let supervisor = Supervisor::new().completion(Completion::FirstSuccess);
    let events = supervisor.events();
    let slow = supervisor.spawn(Worker::new("slow", |ctx| {
        ctx.sleep(LONG)?;
        Ok::<_, threadkit::Cancelled>("slow")
    }));
    let failing = supervisor.spawn(Worker::new("failing", |_| Err::<&str, _>("refused")));
    assert!(failing.join().is_failure());
    let daemon = supervisor.spawn(Worker::new("daemon", |ctx| ctx.sleep(LONG)).daemon(true));
    let fast = supervisor.spawn(Worker::infallible("fast", |_| "fast"));
    let report = supervisor.wait();

    assert_eq!(fast.join().ok(), Some("fast"));
    assert!(slow.join().is_cancelled(), "{report}");
    assert!(daemon.join().is_cancelled(), "{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.exit_code(), 0);
    assert!(report.first_failure().is_none());
    assert_eq!(
        report.failures().count(),
        1,
        "the failure is still recorded"
    );
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
    // The failure started no shutdown; the success did.
    let causes: Vec<ShutdownCause> = events
        .iter()
        .filter_map(|event| match event {
            threadkit::Event::ShutdownStarted { cause, .. } => Some(cause),
            _ => None,
        })
        .collect();
    assert_eq!(causes, [ShutdownCause::Completed]);
}

#[test]
fn first_success_without_any_success_is_the_first_failure() {
    let supervisor = Supervisor::new().completion(Completion::FirstSuccess);
    let a = supervisor.spawn(Worker::new("a", |_| Err::<(), _>("a is down")));
    supervisor.spawn(Worker::new("b", move |_| {
        let _ = a.join(); // fails after `a`, whose failure cancelled nobody
        Err::<(), _>("b is down")
    }));
    let report = supervisor.wait();
    assert_eq!(report.exit_code(), 1);
    assert_eq!(report.first_failure().unwrap().name(), "a", "{report}");
    // Neither failure cancelled the other: both failed on their own.
    assert!(report
        .records()
        .iter()
        .all(|record| matches!(record.exit(), Exit::Failed(_))));
}

#[test]
fn a_daemon_returning_does_not_decide_a_first_success_group() {
    let supervisor = Supervisor::new().completion(Completion::FirstSuccess);
    let (daemon_done, on_daemon_done) = unbounded::<()>();
    supervisor.spawn(
        Worker::new("daemon", move |_| {
            let _ = daemon_done.send(());
        })
        .daemon(true),
    );
    let job = supervisor.spawn(Worker::new("job", move |ctx| {
        let _ = on_daemon_done.recv();
        ctx.check()?;
        Ok::<_, threadkit::Cancelled>(1)
    }));
    let report = supervisor.wait();
    assert_eq!(job.join().ok(), Some(1), "{report}");
}

#[test]
fn all_settle_runs_everyone_to_the_end_and_reports_the_first_failure() {
    let supervisor = Supervisor::new().completion(Completion::AllSettle);
    let (failed, on_failed) = unbounded::<()>();
    supervisor.spawn(Worker::new("bad", move |_| {
        let _ = failed.send(());
        Err::<(), _>("bad row")
    }));
    let good = supervisor.spawn(Worker::new("good", move |ctx| {
        // Runs on after its sibling failed: no fail-fast.
        let _ = on_failed.recv();
        ctx.check()?;
        Ok::<_, threadkit::Cancelled>(7)
    }));
    let report = supervisor.wait();
    assert_eq!(good.join().ok(), Some(7), "{report}");
    assert_eq!(report.exit_code(), 1);
    assert_eq!(report.first_failure().unwrap().name(), "bad");
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Completed));
}

#[test]
fn the_default_still_fails_fast() {
    let supervisor = Supervisor::new();
    let waiting = supervisor.spawn(Worker::new("waiting", |ctx| ctx.sleep(LONG)));
    supervisor.spawn(Worker::new("bad", |_| Err::<(), _>("bad")));
    let report = supervisor.wait();
    assert!(waiting.join().is_cancelled());
    assert_eq!(report.exit_code(), 1);
}
