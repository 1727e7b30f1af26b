//! The systemd notifier from outside (feature `systemd`), in child
//! processes of this test binary:
//!
//! - the watchdog and stalled workers: a service whose worker beats for a
//!   while, then stalls and ignores its cancellation; a real Unix datagram
//!   socket stands in for systemd. While the worker is stalled no
//!   `WATCHDOG=1` arrives, so systemd's `WatchdogSec=` would restart the
//!   process;
//! - a `$NOTIFY_SOCKET` that points nowhere: one `NotifyFailed` event, and
//!   the service runs on.
#![cfg(all(unix, feature = "systemd"))]

mod common;

use std::time::{Duration, Instant};

use common::{child_of_this_binary, FakeSystemd, Watched};
use threadkit::{Event, Supervisor, Worker};

#[test]
#[ignore = "a child process of the other tests in this file"]
fn child_process() {
    match std::env::var("THREADKIT_CHILD").as_deref() {
        Ok("stalled_service") => stalled_service(),
        Ok("unreachable_systemd") => unreachable_systemd(),
        other => panic!("unknown scenario {other:?}"),
    }
}

fn stalled_service() -> ! {
    // As systemd does: the watchdog is addressed to this process.
    std::env::set_var("WATCHDOG_PID", std::process::id().to_string());
    let supervisor = Supervisor::new()
        .shutdown_timeout(Duration::from_millis(100))
        .notify_systemd()
        .expect("notifier");
    supervisor.spawn(
        Worker::new("deaf", |ctx| {
            let beating = Instant::now();
            while beating.elapsed() < Duration::from_millis(300) {
                ctx.beat();
                std::thread::sleep(Duration::from_millis(1));
            }
            // Stalls, and ignores the cancellation for good.
            std::thread::sleep(Duration::from_secs(3600));
        })
        .daemon(true)
        .heartbeat(Duration::from_millis(200)),
    );
    std::process::exit(supervisor.wait().exit_code());
}

fn unreachable_systemd() -> ! {
    let supervisor = Supervisor::new().notify_systemd().expect("notifier");
    let events = supervisor.events();
    supervisor.spawn(
        Worker::new("service", |ctx| {
            ctx.ready();
            ctx.sleep(Duration::MAX)
        })
        .readiness(true),
    );
    supervisor
        .wait_ready(Duration::from_secs(30))
        .expect("the group gets ready without systemd");
    let failures: Vec<String> = events
        .iter()
        .take_while(|event| !matches!(event, Event::Exited(_)))
        .filter_map(|event| match event {
            Event::NotifyFailed { error } => Some(error.to_string()),
            _ => None,
        })
        .take(1)
        .collect();
    println!("notify failed: {failures:?}");
    // The service still runs: only the owner's cancellation ends it.
    supervisor.cancel();
    let report = supervisor.wait();
    println!("{report}");
    std::process::exit(report.exit_code());
}

#[test]
fn a_notify_socket_that_points_nowhere_is_one_event_and_the_service_runs_on() {
    let child = Watched::start(
        child_of_this_binary("unreachable_systemd")
            .env("NOTIFY_SOCKET", "/nonexistent/threadkit/notify.sock"),
    );
    let (status, output, _) = child.finish(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("notify failed: [\"No such file or directory"),
        "{output}"
    );
    assert_eq!(
        output.matches("threadkit: cannot notify systemd").count(),
        1,
        "{output}"
    );
    assert!(
        output
            .lines()
            .any(|line| line.starts_with("service") && line.contains("cancelled")),
        "{output}"
    );
}

#[test]
fn no_watchdog_ping_while_a_worker_is_stalled() {
    let systemd = FakeSystemd::bind("watchdog");
    let child = Watched::start(
        child_of_this_binary("stalled_service")
            .env("NOTIFY_SOCKET", systemd.path())
            .env("WATCHDOG_USEC", "20000"),
    );
    let mut messages = Vec::new();
    systemd.receive_until("STOPPING=1", &mut messages);
    let (status, output, _) = child.finish(Duration::from_secs(60));
    assert_eq!(status.code(), Some(124), "{output}");

    let stalled = messages
        .iter()
        .position(|message| message.contains("STATUS=stalled: deaf"))
        .unwrap_or_else(|| panic!("no stall announced: {messages:?}"));
    let pings_before = messages[..stalled]
        .iter()
        .filter(|message| message.as_str() == "WATCHDOG=1\n")
        .count();
    assert!(
        pings_before >= 2,
        "the watchdog was fed while the worker beat: {messages:?}"
    );
    assert!(
        messages[stalled..]
            .iter()
            .all(|message| message.as_str() != "WATCHDOG=1\n"),
        "a ping while stalled: {messages:?}"
    );
}
