//! Feature `tracing`: each worker's thread runs inside a `worker` span
//! (name, daemon, restarts), so what the body logs is attributed to it, and
//! threadkit's own events (start, restart, exit with its code, the
//! shutdown, the group's end) reach the subscriber. One test: the
//! subscriber is the process's global default.
#![cfg(feature = "tracing")]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use threadkit::{Restart, Supervisor, Worker};

/// Everything the subscriber writes, without colours.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn workers_run_in_their_span_and_transitions_are_traced() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    let supervisor = Supervisor::new();
    let policy = Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO);
    supervisor.spawn(Worker::restarting("fetch", policy, |ctx| {
        tracing::info!("fetching, attempt {}", ctx.restarts() + 1);
        if ctx.restarts() == 0 {
            return Err("timed out");
        }
        Ok(())
    }));
    supervisor.spawn(Worker::new("db", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");

    // A worker blocked where threadkit cannot see it, past its heartbeat:
    // its stall is traced, and its cancel hook releases it.
    let stalling = Supervisor::new();
    stalling.spawn(
        Worker::new("stuck", |ctx| {
            let (release, released) = threadkit::channel::bounded::<()>(0);
            let _hook = ctx.on_cancel(move || drop(release));
            let _ = released.recv();
            ctx.check()
        })
        .heartbeat(Duration::from_millis(20)),
    );
    assert_eq!(stalling.wait().exit_code(), 1);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let has = |needle: &str| {
        assert!(
            text.lines().any(|line| line.contains(needle)),
            "no line with {needle:?} in:\n{text}"
        );
    };
    // The body's own log lines carry the worker's span and its run's.
    has(r#"worker{name="fetch" daemon=false}:run{restart=0}: tracing: fetching, attempt 1"#);
    has(r#"worker{name="fetch" daemon=false}:run{restart=1}: tracing: fetching, attempt 2"#);
    has(r#" INFO worker{name="fetch" daemon=false}: threadkit: worker started"#);
    has(
        r#" WARN worker{name="fetch" daemon=false}: threadkit: worker restarting restart=1 delay=0ns after=failed: timed out"#,
    );
    has(
        r#" INFO worker{name="fetch" daemon=false}: threadkit: worker exited code=0 outcome=returned"#,
    );
    has(
        r#" INFO worker{name="db" daemon=true}: threadkit: worker exited code=130 outcome=cancelled"#,
    );
    // Group transitions belong to no worker.
    has(" INFO threadkit: shutdown started cause=Completed timeout=5s");
    has(" INFO threadkit: group finished exit_code=0");
    has(r#" WARN threadkit: worker stalled worker="stuck""#);
    has(
        r#"ERROR worker{name="stuck" daemon=false}: threadkit: worker exited code=1 outcome=failed: stalled"#,
    );
}
