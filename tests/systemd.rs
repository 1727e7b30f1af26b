//! The systemd watchdog and stalled workers (feature `systemd`): a child
//! process of this test binary runs a service whose worker beats for a
//! while, then stalls and ignores its cancellation; a real Unix datagram
//! socket stands in for systemd. While the worker is stalled no
//! `WATCHDOG=1` arrives, so systemd's `WatchdogSec=` would restart the
//! process.
#![cfg(all(unix, feature = "systemd"))]

mod common;

use std::time::{Duration, Instant};

use common::{child_of_this_binary, FakeSystemd, Watched};
use threadkit::{Supervisor, Worker};

#[test]
#[ignore = "a child process of the other tests in this file"]
fn child_process() {
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
