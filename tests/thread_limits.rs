//! Failure injection: the OS refuses threads. Each scenario runs in a child
//! process (this binary again, on the ignored `child_process` test) under
//! an address-space limit set with the shell's `ulimit -v`, so thread
//! stacks run out after some hundreds of workers.

use std::process::Command;
use std::time::Duration;

use threadkit::{Exit, Supervisor, Worker};

fn os_threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

#[test]
#[ignore = "a child process of the other tests in this file"]
fn child_process() {
    match std::env::var("THREADKIT_CHILD").as_deref() {
        Ok("thousands_near_the_limit") => thousands_near_the_limit(),
        other => panic!("unknown scenario {other:?}"),
    }
}

/// 3,000 workers with 1 MiB stacks in about 1 GiB of address space: the
/// first refused thread fails its worker with the OS error, the rest are
/// cancelled (or refused too), every worker has exactly one record, and
/// once the handles are joined the thread count is back where it was.
fn thousands_near_the_limit() {
    let baseline = os_threads();
    let supervisor = Supervisor::new().shutdown_timeout(Duration::from_secs(30));
    let handles: Vec<_> = (0..3000)
        .map(|n| {
            supervisor.spawn(
                Worker::new(format!("w{n}"), |ctx| ctx.sleep(Duration::MAX)).stack_size(1 << 20),
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
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while os_threads() > baseline && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(os_threads(), baseline, "threads left behind");
    println!("CHILD OK: {cancelled} started and were cancelled, {refused} refused");
}

#[cfg(target_os = "linux")]
#[test]
fn thousands_of_workers_near_the_thread_limit_lose_nothing() {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("sh")
        .arg("-c")
        // ~1.2 GiB of address space; one malloc arena so that it is stacks,
        // not allocator arenas, that run out.
        .arg("ulimit -v 1200000 && exec \"$0\" --exact child_process --ignored --nocapture --test-threads 1")
        .arg(&exe)
        .env("THREADKIT_CHILD", "thousands_near_the_limit")
        .env("MALLOC_ARENA_MAX", "1")
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
