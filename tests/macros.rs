//! What `#[worker]` and `#[supervise]` generate, observed from a user crate.
//! CI lints this file with `clippy -D warnings`; the attribute below makes
//! any clippy finding in generated code a hard error here too.
#![deny(clippy::all)]

use std::time::Duration;

use threadkit::{supervise, worker, Cancelled, Context, Exit, ShutdownCause, Worker};

#[worker(name = "fetch_{n}")]
fn fetch(n: u32) -> Result<u32, String> {
    if n == 0 {
        Err("zero".to_owned())
    } else {
        Ok(n)
    }
}

#[worker(daemon, stack_size = 128 * 1024)]
fn idle(ctx: &Context) -> Result<(), Cancelled> {
    ctx.sleep(Duration::MAX)
}

#[worker]
fn waits(ctx: &Context) -> Result<(), Cancelled> {
    ctx.sleep(Duration::MAX)
}

#[supervise(shutdown_timeout = "5s")]
struct Leaf {
    waiter: Worker<()>,
}

#[supervise(shutdown_timeout = "5s")]
struct Tree {
    left: Leaf,
    right: Leaf,
    idle: Worker<()>,
}

#[test]
fn calling_a_worker_function_builds_without_running() {
    let worker = fetch(3);
    assert_eq!(worker.name(), "fetch_3");
    assert!(!worker.is_daemon());
    assert_eq!(worker.spawn().join().ok(), Some(3));
    assert!(idle().is_daemon());
    assert_eq!(idle().name(), "idle");
}

#[test]
fn the_body_runs_on_a_thread_named_after_the_worker() {
    #[worker(name = "namer_{tag}")]
    fn namer(tag: String) -> Option<String> {
        let _ = tag;
        std::thread::current().name().map(str::to_owned)
    }
    let exit = namer("x".to_owned()).spawn().join();
    assert_eq!(exit.ok().flatten().as_deref(), Some("namer_x"));
}

#[test]
fn errors_are_failures_with_the_users_error() {
    let exit = fetch(0).run();
    assert!(matches!(exit, Exit::Failed(_)));
    assert_eq!(exit.error().unwrap().name(), "fetch_0");
    assert_eq!(exit.error().unwrap().message(), "zero");
}

#[test]
fn cancelling_the_root_cancels_every_subtree() {
    let running = Tree {
        left: Leaf { waiter: waits() },
        right: Leaf { waiter: waits() },
        idle: idle(),
    }
    .start();
    let running = running
        .wait_timeout(Duration::from_millis(10))
        .expect_err("nothing ends this group but a cancel");
    running.cancel();
    let report = running.wait();
    assert_eq!(report.shutdown_cause(), Some(&ShutdownCause::Cancelled));
    for leaf in [&report.left, &report.right] {
        let leaf = leaf.as_ref().expect("the subtree reported");
        assert!(leaf.waiter.is_cancelled());
    }
    assert_eq!(report.record("left").unwrap().code(), 130);
    assert!(report.is_success());
}

#[test]
fn a_failing_subtree_is_one_failure_that_cancels_its_siblings() {
    #[worker]
    fn broken() -> Result<(), String> {
        Err("disk full".to_owned())
    }
    #[supervise]
    struct Failing {
        broken: Worker<()>,
    }
    #[supervise]
    struct Root {
        failing: Failing,
        sibling: Leaf,
    }
    let report = Root {
        failing: Failing { broken: broken() },
        sibling: Leaf { waiter: waits() },
    }
    .run();
    let first = report.first_failure().unwrap();
    assert_eq!(first.name(), "failing");
    assert!(first
        .exit()
        .error()
        .unwrap()
        .message()
        .contains("disk full"));
    assert!(report.sibling.as_ref().unwrap().waiter.is_cancelled());
    assert_eq!(report.exit_code(), 1);
}
