//! Introspection: a group's snapshot shows each worker's state (running,
//! ready, stalled, stopping, exited), restarts, progress and thread id;
//! `Display` names them; health follows liveness and readiness; a
//! `#[supervise]` group's running struct offers the same.

use std::time::Duration;

use threadkit::channel::{bounded, unbounded};
use threadkit::{supervise, worker, Cancelled, Context, Restart, Supervisor, Worker, WorkerState};

const BOUND: Duration = Duration::from_secs(30);

fn state_of(supervisor: &Supervisor, name: &str) -> WorkerState {
    supervisor
        .snapshot()
        .worker(name)
        .unwrap_or_else(|| panic!("no {name} in\n{}", supervisor.snapshot()))
        .state()
        .clone()
}

#[test]
fn a_snapshot_follows_each_worker_through_its_life() {
    let supervisor = Supervisor::new().shutdown_timeout(BOUND);
    let (up, on_up) = unbounded::<&str>();
    let (announce, on_announce) = bounded::<()>(0);

    let plain_up = up.clone();
    supervisor.spawn(
        Worker::new("plain", move |ctx: &Context| {
            let _ = plain_up.send("plain");
            ctx.sleep(Duration::MAX)
        })
        .daemon(true),
    );
    let announcer_up = up.clone();
    supervisor.spawn(
        Worker::new("announcer", move |ctx: &Context| {
            let _ = announcer_up.send("announcer");
            let _ = on_announce.recv();
            ctx.ready();
            let _ = announcer_up.send("announced");
            ctx.sleep(Duration::MAX)
        })
        .readiness(true),
    );
    let flaky_up = up.clone();
    supervisor.spawn(Worker::restarting(
        "flaky",
        Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO),
        move |ctx: &Context| {
            if ctx.restarts() < 2 {
                return Err::<(), threadkit::BoxError>("not yet".into());
            }
            let _ = flaky_up.send("flaky");
            Ok(ctx.sleep(Duration::MAX)?)
        },
    ));
    assert!(supervisor
        .spawn(Worker::infallible("quick", |_| 7))
        .join()
        .is_success());
    for _ in 0..3 {
        on_up.recv_timeout(BOUND).unwrap();
    }

    assert!(matches!(
        state_of(&supervisor, "plain"),
        WorkerState::Running
    ));
    assert!(matches!(
        state_of(&supervisor, "announcer"),
        WorkerState::Running
    ));
    assert!(!supervisor.snapshot().is_ready());
    assert!(!supervisor.probe().health().is_ready());
    let snapshot = supervisor.snapshot();
    let flaky = snapshot.worker("flaky").unwrap();
    assert_eq!(flaky.restarts(), 2);
    assert!(matches!(flaky.state(), WorkerState::Running));
    assert!(matches!(
        snapshot.worker("quick").unwrap().state(),
        WorkerState::Exited(exit) if exit.is_success()
    ));
    if cfg!(target_os = "linux") {
        assert!(snapshot.worker("plain").unwrap().native_id().is_some());
    }

    announce.send(()).unwrap();
    assert_eq!(on_up.recv_timeout(BOUND), Ok("announced"));
    assert!(matches!(
        state_of(&supervisor, "announcer"),
        WorkerState::Ready
    ));
    let health = supervisor.probe().health();
    assert!(health.is_live() && health.is_ready(), "{health:?}");

    // The table names every worker with its state.
    let table = supervisor.snapshot().to_string();
    assert!(
        table.starts_with("group running, ready; 3 running, 1 exited"),
        "{table}"
    );
    for row in ["plain (daemon)", "announcer", "flaky", "quick"] {
        assert!(table.contains(row), "{table}");
    }
    assert!(table.contains("restarts 2"), "{table}");
    assert!(
        table.contains("exited") && table.contains("returned"),
        "{table}"
    );

    supervisor.cancel();
    let stopping = supervisor.snapshot();
    assert!(stopping.shutdown_cause().is_some());
    assert!(!stopping.health().is_ready(), "shutting down: not ready");
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
}

#[test]
fn a_stalled_worker_is_shown_and_makes_the_group_not_live() {
    let supervisor = Supervisor::new().shutdown_timeout(BOUND);
    let events = supervisor.events();
    let (release, released) = bounded::<()>(0);
    supervisor.spawn(
        Worker::new("stuck", move |ctx: &Context| {
            let _ = released.recv(); // where threadkit cannot see it
            ctx.check()
        })
        .heartbeat(Duration::from_millis(20))
        .daemon(true),
    );
    supervisor.spawn(Worker::new("beating", |ctx: &Context| ctx.sleep(Duration::MAX)).daemon(true));
    events
        .iter()
        .find(|event| matches!(event, threadkit::Event::Stalled { .. }))
        .expect("a stall");
    let snapshot = supervisor.snapshot();
    let stuck = snapshot.worker("stuck").unwrap();
    assert!(matches!(stuck.state(), WorkerState::Stalled), "{snapshot}");
    assert!(stuck.since_progress().unwrap() >= Duration::from_millis(20));
    assert!(snapshot
        .worker("beating")
        .unwrap()
        .since_progress()
        .is_none());
    let health = snapshot.health();
    assert!(!health.is_live());
    assert_eq!(health.stalled().collect::<Vec<_>>(), ["stuck"]);
    assert!(snapshot.to_string().contains("stalled"), "{snapshot}");
    // Released, the stalled run ends as a failure, which fails the group.
    drop(release);
    let report = supervisor.wait();
    assert_eq!(report.exit_code(), 1, "the stall failed it: {report}");
}

#[worker(daemon)]
fn idle(ctx: &Context) -> Result<(), Cancelled> {
    ctx.sleep(Duration::MAX)
}

#[supervise]
struct Service {
    idle: Worker<()>,
}

#[test]
fn a_supervised_groups_running_struct_offers_snapshot_and_probe() {
    let running = Service { idle: idle() }.start();
    let probe = running.probe();
    let names: Vec<String> = std::thread::spawn(move || {
        probe
            .snapshot()
            .workers()
            .iter()
            .map(|worker| worker.name().to_owned())
            .collect()
    })
    .join()
    .unwrap();
    assert_eq!(names, ["idle"]);
    assert!(running.snapshot().health().is_live());
    running.cancel();
    let report = running.wait();
    assert_eq!(report.exit_code(), 0);
}

/// A worker's child groups appear under it, as a tree, and a stall deep in
/// the tree makes the root not live; child groups that are gone are not
/// kept.
#[test]
fn child_groups_are_subtrees_of_their_worker() {
    let parent = Supervisor::new().shutdown_timeout(BOUND);
    let (up, on_up) = unbounded::<&str>();
    let (release, released) = bounded::<()>(0);
    parent.spawn(
        Worker::new("subtree", move |ctx: &Context| {
            // Groups that came and went are not shown.
            for n in 0..50 {
                let passing = Supervisor::child_of(ctx);
                passing.spawn(Worker::infallible(format!("passing_{n}"), |_| ()));
                assert!(passing.wait().is_success());
            }
            let child = Supervisor::child_of(ctx).shutdown_timeout(BOUND);
            let events = child.events();
            child.spawn(
                Worker::new("leaf", move |leaf: &Context| {
                    let _ = released.recv(); // where threadkit cannot see it
                    leaf.check()
                })
                .heartbeat(Duration::from_millis(20))
                .daemon(true),
            );
            let _ = up.send("up");
            if events
                .iter()
                .any(|event| matches!(event, threadkit::Event::Stalled { .. }))
            {
                let _ = up.send("stalled");
            }
            ctx.sleep(Duration::MAX)?;
            drop(child);
            Ok::<_, Cancelled>(())
        })
        .daemon(true),
    );
    assert_eq!(on_up.recv_timeout(BOUND), Ok("up"));

    let snapshot = parent.snapshot();
    let subtree = snapshot.worker("subtree").unwrap();
    assert_eq!(subtree.groups().len(), 1, "{snapshot}");
    let leaf = subtree.groups()[0].worker("leaf").expect("the leaf");
    assert_eq!(leaf.name(), "leaf");
    let table = snapshot.to_string();
    assert!(table.contains("\n    group running"), "{table}");
    assert!(table.contains("\n      leaf (daemon)"), "{table}");

    // The leaf stalls and ignores its cancellation: the root is no longer
    // live, and says who.
    assert_eq!(on_up.recv_timeout(BOUND), Ok("stalled"));
    let health = parent.probe().health();
    assert!(!health.is_live(), "{}", parent.snapshot());
    assert_eq!(health.stalled().collect::<Vec<_>>(), ["leaf"]);
    drop(release);
    parent.cancel();
    let report = parent.wait();
    assert!(report.is_success(), "{report}");
}
