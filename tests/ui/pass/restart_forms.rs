//! `#[worker(restart = ...)]` in every form: each policy, the tuning
//! options, patterns and `mut` parameters (bound afresh for each run), and
//! every kind of result.
use std::sync::Arc;
use threadkit::{worker, Context, Restart, Supervisor};

#[derive(Clone)]
struct Settings {
    attempts: u32,
}

#[worker(restart = "on_failure", max_restarts = 5, within = "1m", backoff = "0ms..1ms")]
fn flaky(ctx: &Context, mut left: u32, (a, b): (u8, u8), settings: Settings) -> Result<u32, String> {
    left = left.min(settings.attempts);
    if ctx.restarts() < left {
        Err(format!("attempt {}", ctx.restarts()))
    } else {
        Ok(u32::from(a + b) + ctx.restarts())
    }
}

#[worker(restart = "always", max_restarts = 2, backoff = "0s..0s")]
fn ticker(ctx: &Context) {
    let _ = ctx.restarts();
}

#[worker(restart = "on_failure", backoff = "0s..0s")]
fn plain(text: Arc<str>) -> usize {
    text.len()
}

#[worker(restart = "never")]
fn once(not_clone: std::sync::Mutex<u8>) -> u8 {
    not_clone.into_inner().unwrap_or(0)
}

#[worker(restart = "on_failure", backoff = "0s..0s", daemon, name = "generic_{n}")]
fn generic<T: Clone + Send + 'static>(n: u8, item: T) -> Vec<T> {
    vec![item; usize::from(n)]
}

fn main() {
    let supervisor = Supervisor::new();
    let handle = supervisor.spawn(flaky(3, (1, 2), Settings { attempts: 2 }));
    let report = supervisor.wait();
    assert_eq!(handle.join().ok(), Some(5));
    assert_eq!(report.records()[0].restarts(), 2);
    let exit = ticker().run();
    assert!(exit.error().unwrap().message().contains("restarted 2 times"));
    assert_eq!(plain("abc".into()).run().ok(), Some(3));
    assert_eq!(once(std::sync::Mutex::new(4)).run().ok(), Some(4));
    let worker = generic(2, 'x');
    assert_eq!(worker.name(), "generic_2");
    assert!(worker.is_daemon());
    assert_eq!(worker.run().ok(), Some(vec!['x', 'x']));
    let _ = Restart::never();
    let watched = watched();
    assert_eq!(watched.heartbeat_window(), Some(std::time::Duration::from_secs(10)));
    assert!(watched.run().is_success());
}

#[worker(heartbeat = "10s", restart = "on_failure", backoff = "0s..0s")]
fn watched(ctx: &Context) {
    ctx.beat();
}
