//! Signals (feature `signals`): real SIGINT/SIGTERM sent with `kill` to a
//! child process (this binary again, on the ignored `child_process` test),
//! checked by exit code and output, every wait bounded.
#![cfg(all(unix, feature = "signals"))]

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use common::{child_of_this_binary, Watched};

use threadkit::{supervise, worker, Context, ShutdownCause, Supervisor, Worker};

// ---------------------------------------------------------------------------
// The child side.

#[test]
#[ignore = "a child process of the other tests in this file"]
fn child_process() {
    match std::env::var("THREADKIT_CHILD").as_deref() {
        Ok("service") => service(),
        Ok("macro_service") => macro_service(),
        Ok("stuck_shutdown") => stuck_shutdown(),
        Ok("signal_before_workers") => signal_before_workers(),
        Ok("after_the_group") => after_the_group(),
        Ok("dumps_on_sigusr1") => dumps_on_sigusr1(),
        Ok("macro_dumps_on_sigusr1") => macro_dumps_on_sigusr1(),
        other => panic!("unknown scenario {other:?}"),
    }
}

fn ready() {
    println!("READY");
}

fn exit_with(report: &threadkit::Report) -> ! {
    println!("CAUSE {:?}", report.shutdown_cause());
    std::process::exit(report.exit_code())
}

/// A daemon service that stops when told to.
fn service() {
    let supervisor = Supervisor::new()
        .handle_signals()
        .expect("signal handlers")
        .shutdown_timeout(Duration::from_secs(10));
    supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    ready();
    exit_with(&supervisor.wait());
}

#[worker(daemon)]
fn ticker(ctx: &Context) -> Result<(), threadkit::Cancelled> {
    loop {
        ctx.sleep(Duration::from_millis(10))?;
    }
}

#[supervise(signals, shutdown_timeout = "10s")]
struct Service {
    ticker: Worker<()>,
}

/// The same through `#[supervise(signals)]`.
fn macro_service() {
    let running = Service { ticker: ticker() }.start();
    ready();
    let report = running.wait();
    assert!(report.ticker.is_cancelled());
    exit_with(&report);
}

#[supervise(signals, snapshot_on_sigusr1, shutdown_timeout = "10s")]
struct Inspected {
    ticker: Worker<()>,
}

/// The SIGUSR1 printer through `#[supervise(snapshot_on_sigusr1)]`.
fn macro_dumps_on_sigusr1() {
    let running = Inspected { ticker: ticker() }.start();
    ready();
    exit_with(&running.wait());
}

/// A worker that ignores cancellation, with a long shutdown timeout: only
/// a second signal ends the process early.
fn stuck_shutdown() {
    let supervisor = Supervisor::new()
        .handle_signals()
        .expect("signal handlers")
        .shutdown_timeout(Duration::from_secs(60));
    supervisor.spawn(Worker::new("stubborn", |_ctx| {
        std::thread::sleep(Duration::from_secs(60))
    }));
    ready();
    let _ = supervisor.wait();
    println!("UNREACHABLE: the second signal should have ended the process");
}

/// The signal arrives before any worker is spawned: the group is already
/// shutting down, so the worker starts cancelled.
fn signal_before_workers() {
    let supervisor = Supervisor::new().handle_signals().expect("signal handlers");
    signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
    // The signal thread delivers it asynchronously; the group's events say
    // when the shutdown has begun.
    let events = supervisor.events();
    let began = events
        .recv_timeout(Duration::from_secs(30))
        .expect("a shutdown event");
    assert!(
        matches!(began, threadkit::Event::ShutdownStarted { .. }),
        "{began:?}"
    );
    let late = supervisor.spawn(Worker::new("late", |ctx| ctx.sleep(Duration::MAX)));
    let report = supervisor.wait();
    assert!(late.join().is_cancelled());
    exit_with(&report);
}

/// Once no group handles signals, SIGINT does what it would without
/// threadkit: it ends the process.
fn after_the_group() {
    let supervisor = Supervisor::new().handle_signals().expect("signal handlers");
    supervisor.spawn(Worker::new("quick", |_ctx| ()));
    let report = supervisor.wait();
    assert_eq!(report.exit_code(), 0);
    ready();
    std::thread::sleep(Duration::from_secs(60));
    println!("UNREACHABLE: SIGINT should have ended the process");
}

/// A service with a worker blocked where threadkit cannot see it, that
/// prints its snapshot on SIGUSR1.
fn dumps_on_sigusr1() {
    let supervisor = Supervisor::new()
        .handle_signals()
        .expect("signal handlers")
        .snapshot_on_sigusr1()
        .expect("SIGUSR1")
        .shutdown_timeout(Duration::from_secs(10));
    let (release, released) = threadkit::channel::bounded::<()>(0);
    supervisor.spawn(
        Worker::new("blocked", move |ctx| {
            let _hook = ctx.on_cancel(move || drop(release));
            let _ = released.recv();
            ctx.check()
        })
        .daemon(true),
    );
    supervisor.spawn(Worker::new("server", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    ready();
    exit_with(&supervisor.wait());
}

// ---------------------------------------------------------------------------
// The parent side.

fn start(scenario: &str) -> Watched {
    Watched::start(&mut child_of_this_binary(scenario))
}

/// Starts `scenario`, sends `signal` once it is ready, and checks that it
/// exits `code` with the signal as the shutdown's cause.
fn stopped_by(scenario: &str, signal: &str, number: i32) {
    let child = start(scenario);
    child.wait_for("READY");
    child.signal(signal);
    let (status, output, _) = child.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(128 + number), "{output}");
    let cause = format!("CAUSE Some(Signal {{ signal: {number} }})");
    assert!(output.contains(&cause), "{output}");
}

#[test]
fn sigterm_stops_a_service_gracefully_with_143() {
    stopped_by("service", "TERM", 15);
}

#[test]
fn sigint_stops_a_supervise_signals_group_with_130() {
    stopped_by("macro_service", "INT", 2);
}

#[test]
fn a_second_signal_ends_a_stuck_shutdown_at_once() {
    let child = start("stuck_shutdown");
    child.wait_for("READY");
    child.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    child.signal("TERM");
    // The shutdown timeout is 60 s; the second signal must not wait for it.
    let (status, output, waited) = child.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "{output}");
    assert!(!output.contains("UNREACHABLE"), "{output}");
    assert!(waited < Duration::from_secs(30));
}

#[test]
fn a_signal_before_any_worker_started_stops_the_group() {
    let child = start("signal_before_workers");
    let (status, output, _) = child.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "{output}");
    assert!(
        output.contains("CAUSE Some(Signal { signal: 15 })"),
        "{output}"
    );
}

#[test]
fn once_no_group_handles_signals_sigint_ends_the_process() {
    let child = start("after_the_group");
    child.wait_for("READY");
    child.signal("INT");
    let (status, output, _) = child.finish(Duration::from_secs(30));
    assert_eq!(status.signal(), Some(2), "{status:?}\n{output}");
    assert!(!output.contains("UNREACHABLE"), "{output}");
}

/// A signal after a worker failed does not change the cause or the code.
#[test]
fn a_failure_before_the_signal_keeps_its_code() {
    let supervisor = Supervisor::new().handle_signals().expect("signal handlers");
    let events = supervisor.events();
    supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("boom")));
    supervisor.spawn(Worker::new("waits", |ctx| ctx.sleep(Duration::MAX)));
    // Wait for the fail-fast shutdown, then signal this very process: the
    // group handles it (no default action while it runs).
    while !matches!(events.recv(), Ok(threadkit::Event::ShutdownStarted { .. })) {}
    signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
    let report = supervisor.wait();
    assert!(matches!(
        report.shutdown_cause(),
        Some(ShutdownCause::Failed { .. })
    ));
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn sigusr1_prints_the_snapshot_and_the_service_runs_on() {
    let child = start("dumps_on_sigusr1");
    child.wait_for("READY");
    for _ in 0..2 {
        child.signal("USR1");
        let table = child.wait_for("threadkit: snapshot on SIGUSR1 (pid ");
        drop(table);
        let rows = child.wait_for("server (daemon)");
        let rows = rows.join("\n");
        assert!(
            rows.contains("group running, ready; 2 running, 0 exited"),
            "{rows}"
        );
        assert!(rows.contains("blocked (daemon)"), "{rows}");
        assert!(rows.contains("running"), "{rows}");
    }
    // SIGUSR1 only printed: the service still stops as a service does.
    child.signal("TERM");
    let (status, output, _) = child.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "{output}");
}

#[test]
fn supervise_prints_the_snapshot_on_sigusr1_when_asked() {
    let child = start("macro_dumps_on_sigusr1");
    child.wait_for("READY");
    child.signal("USR1");
    let rows = child.wait_for("ticker (daemon)").join("\n");
    assert!(
        rows.contains("threadkit: snapshot on SIGUSR1 (pid "),
        "{rows}"
    );
    child.signal("TERM");
    let (status, output, _) = child.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "{output}");
}
