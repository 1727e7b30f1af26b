//! Failure injection: the OS refuses threads. Each scenario runs in a child
//! process (this binary again, on the ignored `child_process` test) as the
//! unprivileged user `nobody` with `RLIMIT_NPROC` set, so `pthread_create`
//! fails with `EAGAIN` after a few hundred threads. (The kernel does not
//! apply that limit to root, hence the user switch; an address-space limit
//! is no substitute: near it, std itself aborts when a new thread's stack
//! fits but its signal stack does not.)

mod common;

use std::process::Command;
use std::time::Duration;

use common::{os_threads, threads_back_to};
use threadkit::{Exit, Supervisor, Worker};

#[test]
#[ignore = "a child process of the other tests in this file"]
fn child_process() {
    match std::env::var("THREADKIT_CHILD").as_deref() {
        Ok("thousands_near_the_limit") => thousands_near_the_limit(),
        Ok("thousands_at_the_limit") => thousands_at_the_limit(),
        other => panic!("unknown scenario {other:?}"),
    }
}

/// 3,000 workers where the OS allows about 400 threads: the first refused
/// thread fails its worker with the OS error, the rest are cancelled (or
/// refused too), every worker has exactly one record, and once the handles
/// are joined the thread count is back where it was.
fn thousands_near_the_limit() {
    let baseline = os_threads();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_secs(30));
    let handles: Vec<_> = (0..3000)
        .map(|n| {
            supervisor.spawn(
                Worker::new(format!("w{n}"), |ctx| ctx.sleep(Duration::MAX)).stack_size(64 << 10),
            )
        })
        .collect();
    let report = supervisor.wait();
    assert_eq!(report.records().len() + report.folded(), 3000);
    let first = report.first_failure().expect("the limit was reached");
    let error = first.exit().error().expect("a refused thread is a failure");
    assert!(
        error
            .message()
            .starts_with("could not start the worker's thread: "),
        "{}",
        error.message()
    );
    assert!(error.downcast_ref::<std::io::Error>().is_some());
    assert_eq!(first.thread_id(), None);
    let mut refused = 0;
    let mut cancelled = 0;
    for handle in handles {
        match handle.join() {
            Exit::Cancelled => cancelled += 1,
            Exit::Failed(error) if error.downcast_ref::<std::io::Error>().is_some() => refused += 1,
            other => panic!("unexpected exit {other}"),
        }
    }
    assert_eq!(refused + cancelled, 3000);
    assert!(
        cancelled > 100,
        "only {cancelled} threads started: is the limit too low?"
    );
    assert_eq!(report.exit_code(), 1);
    threads_back_to(baseline).unwrap();
    println!("CHILD OK: {cancelled} started and were cancelled, {refused} refused");
}

/// The same where started workers ignore cancellation until released: the
/// group sits at the limit, so thousands of spawns are refused in a row;
/// the stubborn ones are reported `Hung`, and once released their threads
/// end too.
fn thousands_at_the_limit() {
    let baseline = os_threads();
    let (release, gate) = threadkit::channel::bounded::<()>(0);
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_millis(200));
    let handles: Vec<_> = (0..3000)
        .map(|n| {
            let gate = gate.clone();
            let worker = Worker::new(format!("w{n}"), move |_ctx| {
                let _ = gate.recv();
            });
            supervisor.spawn(worker.stack_size(64 << 10))
        })
        .collect();
    let report = supervisor.wait();
    drop(release);
    assert_eq!(report.records().len() + report.folded(), 3000);
    assert!(report.first_failure().unwrap().exit().error().is_some());
    let mut refused = 0;
    let mut hung = 0;
    for handle in handles {
        match handle.join() {
            Exit::Hung => hung += 1,
            Exit::Failed(error) if error.downcast_ref::<std::io::Error>().is_some() => refused += 1,
            other => panic!("unexpected exit {other}"),
        }
    }
    assert_eq!(refused + hung, 3000);
    assert!(refused > 2000, "only {refused} refused");
    threads_back_to(baseline).unwrap();
    println!("CHILD OK: {hung} started and hung, {refused} refused");
}

#[cfg(target_os = "linux")]
#[test]
fn thousands_of_workers_near_the_thread_limit_lose_nothing() {
    run_limited("thousands_near_the_limit");
}

#[cfg(target_os = "linux")]
#[test]
fn thousands_of_workers_at_the_thread_limit_lose_nothing() {
    run_limited("thousands_at_the_limit");
}

/// Runs `scenario` as `nobody` with at most 400 threads. One at a time: the
/// limit counts every thread of the user.
#[cfg(target_os = "linux")]
fn run_limited(scenario: &str) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|status| status.lines().any(|line| line.starts_with("Uid:\t0\t")))
        .unwrap_or(false);
    let tools = ["prlimit", "setpriv"]
        .iter()
        .all(|tool| Command::new(tool).arg("--version").output().is_ok());
    if !root || !tools {
        eprintln!(
            "skipped: needs root (to run as `nobody` under RLIMIT_NPROC), prlimit and setpriv"
        );
        return;
    }
    let output = Command::new("prlimit")
        .arg("--nproc=400:400")
        .args([
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("THREADKIT_CHILD", scenario)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("CHILD OK"), "{stdout}");
    eprintln!(
        "{}",
        stdout
            .lines()
            .find(|line| line.contains("CHILD OK"))
            .unwrap_or("")
    );
}
