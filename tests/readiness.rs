//! Readiness: a group is ready once every worker that declared readiness
//! announced it with `ctx.ready()`; one that exits first fails the start.

mod common;

use std::time::Duration;

use common::{gate, quiet_panics};
use threadkit::{Event, Exit, NotReady, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);

fn server(name: &str) -> Worker<()> {
    Worker::new(name, |ctx| {
        ctx.ready();
        ctx.ready(); // idempotent
        ctx.sleep(LONG).ok();
    })
    .readiness(true)
}

#[test]
fn the_group_is_ready_once_every_declaring_worker_announced_it() {
    let supervisor = Supervisor::new();
    let events = supervisor.events();
    let (mut release, slow_gate) = gate();
    supervisor.spawn(server("fast"));
    supervisor.spawn(
        Worker::new("slow", move |ctx| {
            let _ = slow_gate.recv();
            ctx.ready();
            ctx.sleep(LONG).ok();
        })
        .readiness(true),
    );
    supervisor.spawn(Worker::new("undeclared", |ctx| ctx.sleep(LONG)));
    assert_eq!(
        supervisor
            .wait_ready(Duration::from_millis(20))
            .unwrap_err()
            .to_string(),
        "the group did not become ready in time"
    );
    assert!(!supervisor.is_ready(), "slow has not announced it");
    release.open();
    supervisor
        .wait_ready(Duration::from_secs(60))
        .expect("both announced");
    assert!(supervisor.is_ready());
    supervisor.cancel();
    assert!(supervisor.wait().is_success());

    let ready: Vec<String> = events
        .iter()
        .filter_map(|event| match event {
            Event::Ready { worker } => Some(worker.to_string()),
            Event::GroupReady => Some("GROUP".to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(
        ready,
        ["fast", "slow", "GROUP"],
        "each once, the group last"
    );
}

#[test]
fn a_declaring_worker_that_fails_first_fails_the_start() {
    quiet_panics();
    let supervisor = Supervisor::new();
    supervisor.spawn(server("fine"));
    supervisor.spawn(Worker::new("db", |_ctx| Err::<(), _>("no such host")).readiness(true));
    let error = supervisor.wait_ready(Duration::from_secs(60)).unwrap_err();
    match &error {
        NotReady::Exited { worker, exit } => {
            assert_eq!(&**worker, "db");
            assert!(matches!(exit, Exit::Failed(_)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "worker `db` ended before it was ready: failed: no such host"
    );
    assert!(std::error::Error::source(&error).is_some());
    // Asked again, the answer stands.
    assert!(matches!(
        supervisor.wait_ready(Duration::ZERO),
        Err(NotReady::Exited { .. })
    ));
    assert!(!supervisor.is_ready());
    assert_eq!(supervisor.wait().exit_code(), 1);
}

#[test]
fn returning_without_announcing_is_a_failed_start_too() {
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("forgetful", |_ctx| ()).readiness(true));
    match supervisor.wait_ready(Duration::from_secs(60)) {
        Err(NotReady::Exited { exit, .. }) => assert!(exit.is_success()),
        other => panic!("{other:?}"),
    }
    let _ = supervisor.wait();
}

#[test]
fn a_group_where_nobody_declared_readiness_is_ready_at_once() {
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("plain", |ctx| ctx.sleep(LONG)));
    assert!(supervisor.is_ready());
    supervisor.wait_ready(Duration::ZERO).unwrap();
    supervisor.cancel();
    let _ = supervisor.wait();
}

#[test]
fn a_later_declaring_worker_makes_the_group_not_ready_until_it_announces() {
    let supervisor = Supervisor::new();
    supervisor.spawn(server("first"));
    supervisor.wait_ready(Duration::from_secs(60)).unwrap();
    let (mut release, gate) = gate();
    supervisor.spawn(
        Worker::new("second", move |ctx| {
            let _ = gate.recv();
            ctx.ready();
            ctx.sleep(LONG).ok();
        })
        .readiness(true),
    );
    assert!(!supervisor.is_ready());
    release.open();
    supervisor.wait_ready(Duration::from_secs(60)).unwrap();
    supervisor.cancel();
    let _ = supervisor.wait();
}

#[test]
fn ready_outside_a_group_does_nothing() {
    let exit = Worker::infallible("alone", |ctx| {
        ctx.ready();
        1
    })
    .readiness(true)
    .run();
    assert_eq!(exit.ok(), Some(1));
    let handle = server("spawned_alone").spawn();
    handle.cancel();
    assert!(handle.join().is_success());
}

mod with_macros {
    use std::time::Duration;

    use threadkit::{supervise, worker, Cancelled, Context, Worker};

    #[worker(readiness, daemon)]
    fn listener(ctx: &Context) -> Result<(), Cancelled> {
        ctx.ready();
        ctx.sleep(Duration::MAX)
    }

    #[supervise(shutdown_timeout = "5s")]
    struct Service {
        listener: Worker<()>,
        job: Worker<u8>,
    }

    #[worker]
    fn job(ctx: &Context) -> Result<u8, Cancelled> {
        ctx.sleep(Duration::MAX)?;
        Ok(1)
    }

    #[test]
    fn a_supervise_group_waits_for_its_readiness_workers() {
        assert!(listener().declares_readiness());
        let running = Service {
            listener: listener(),
            job: job(),
        }
        .start();
        running.wait_ready(Duration::from_secs(60)).unwrap();
        assert!(running.is_ready());
        running.cancel();
        let report = running.wait();
        assert!(report.listener.is_cancelled());
    }
}
