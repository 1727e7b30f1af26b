//! Kubernetes-style health probes for a service: `/livez`, `/readyz` and
//! `/snapshot` over HTTP, answered from the group's `Probe`.
//!
//! ```sh
//! cargo run --example health                    # serves on 127.0.0.1:8080
//! cargo run --example health -- --port 0        # any free port (printed)
//! cargo run --example health -- --stall         # the worker stalls: /livez turns 503
//! curl -i localhost:8080/readyz
//! ```
//!
//! The HTTP server is itself a worker: it blocks in `tiny_http`'s `recv`,
//! which knows nothing of threadkit, so it registers `ctx.on_cancel` to
//! unblock the server when the shutdown begins. The probes read the
//! group's `Probe`, a `Send + Sync` view of it:
//!
//! - `/livez`: 200 while no worker is stalled, else 503 naming the stalled
//!   ones (Kubernetes then restarts the container);
//! - `/readyz`: 200 once every worker that declared readiness announced it
//!   and until the shutdown begins, else 503 (no traffic meanwhile);
//! - `/snapshot`: the group's table, for an operator.
//!
//! Ctrl-C or SIGTERM stops it (130 or 143). With `--stall` the processor
//! stops making progress: a second after its last beat it is stalled,
//! `/livez` answers 503, and since it ignores its cancellation the group
//! shuts down and the process exits 124 (hung) after the shutdown timeout,
//! for the orchestrator to restart it.

use std::sync::Arc;
use std::time::Duration;

use threadkit::{worker, Cancelled, Context, Event, Probe, Report, Supervisor};
use tiny_http::{Response, Server};

/// The service's real work: beats while it works; with `stall`, stops
/// beating after a while without waiting anywhere threadkit can see.
#[worker(daemon, readiness, heartbeat = "1s")]
fn processor(ctx: &Context, stall: bool) -> Result<(), Cancelled> {
    ctx.ready();
    let mut rounds = 0u64;
    loop {
        ctx.sleep(Duration::from_millis(100))?;
        rounds += 1;
        if stall && rounds == 5 {
            eprintln!("processor: stuck in a call that never returns");
            let (_keep, never) = threadkit::channel::bounded::<()>(0);
            let _ = never.recv_timeout(Duration::from_secs(3600));
        }
    }
}

/// Answers the probes until cancelled.
#[worker(daemon, readiness)]
fn http(ctx: &Context, server: Arc<Server>, probe: Probe) -> Result<(), Cancelled> {
    let unblock = server.clone();
    let _hook = ctx.on_cancel(move || unblock.unblock());
    ctx.ready();
    while let Ok(request) = server.recv() {
        let health = probe.health();
        let (status, body) = match request.url() {
            "/livez" if health.is_live() => (200, "live\n".to_owned()),
            "/livez" => {
                let stalled: Vec<&str> = health.stalled().collect();
                (503, format!("stalled: {}\n", stalled.join(", ")))
            }
            "/readyz" if health.is_ready() => (200, "ready\n".to_owned()),
            "/readyz" => (503, "not ready\n".to_owned()),
            "/snapshot" => (200, probe.snapshot().to_string()),
            _ => (404, "try /livez, /readyz or /snapshot\n".to_owned()),
        };
        let _ = request.respond(Response::from_string(body).with_status_code(status));
    }
    ctx.check()
}

fn main() -> Report {
    let args: Vec<String> = std::env::args().collect();
    let stall = args.iter().any(|arg| arg == "--stall");
    let port = args
        .iter()
        .skip_while(|arg| *arg != "--port")
        .nth(1)
        .map_or(8080, |port| port.parse().expect("--port takes a number"));
    let server = Arc::new(Server::http(("127.0.0.1", port)).expect("bind the HTTP port"));
    let address = server.server_addr().to_ip().expect("an IP address");

    // The macro-free API here: the HTTP worker needs the group's probe
    // before it starts.
    let supervisor = Supervisor::new()
        .handle_signals()
        .expect("SIGINT and SIGTERM handlers");
    let events = supervisor.events();
    std::thread::spawn(move || {
        for event in events {
            if let Event::Stalled { worker, silent_for } = event {
                eprintln!("stalled: {worker} (silent for {silent_for:?}); /livez now says 503");
            }
        }
    });
    supervisor.spawn(processor(stall));
    supervisor.spawn(http(server, supervisor.probe()));
    eprintln!("listening on http://{address}");
    if supervisor.wait_ready(Duration::from_secs(10)).is_ok() {
        eprintln!("service ready");
    }
    // `fn main() -> Report`: exits with the report's code, and prints its
    // table to stderr when that code is not 0.
    supervisor.wait()
}
