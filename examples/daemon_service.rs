//! A long-running service (seed 002): daemon workers, a main thread that
//! waits, and signals that stop it cleanly.
//!
//! ```sh
//! cargo run --example daemon_service            # Ctrl-C: exits 130
//! kill -TERM <pid>                              # exits 143
//! cargo run --example daemon_service -- --crash # the health check keeps panicking: exits 101
//! ```
//!
//! Three daemon workers: a ticker, a queue consumer fed by an ingest
//! worker, and a health check. Each announces readiness once it is up;
//! main prints `service ready` when all have, then waits. SIGINT or SIGTERM
//! starts the graceful shutdown: every worker is cancelled and has 5 s to
//! stop, and the process exits 128 + the signal, the code a shell and
//! systemd expect from a process a signal stopped. A second signal exits at
//! once.
//!
//! With `--crash` the health check panics every time it runs. Its policy,
//! `restart = "on_failure"`, runs it again after a backoff, three times
//! within a minute; the fourth panic is more than the policy allows, so the
//! group fails fast and the process exits 101, and systemd's
//! `Restart=on-failure` starts the whole process again.
//!
//! Under systemd (`$NOTIFY_SOCKET` set) it speaks the notify protocol:
//! `READY=1` once every worker announced readiness, `WATCHDOG=1` every
//! half `WatchdogSec=`, `STOPPING=1` when the shutdown begins, and a
//! `STATUS=` line for each step. A unit for it:
//!
//! ```ini
//! [Service]
//! Type=notify
//! ExecStart=/usr/local/bin/daemon_service
//! WatchdogSec=10
//! Restart=on-failure
//! KillSignal=SIGTERM
//! TimeoutStopSec=10
//! ```

use std::time::Duration;

use threadkit::channel::{bounded, select, Receiver, Sender};
use threadkit::{supervise, worker, Cancelled, Context, Event, Worker};

#[worker(daemon, readiness)]
fn ticker(ctx: &Context) -> Result<(), Cancelled> {
    ctx.ready();
    for tick in 1.. {
        ctx.sleep(Duration::from_secs(1))?;
        eprintln!("tick {tick}");
    }
    Ok(())
}

#[worker(daemon, readiness)]
fn ingest(ctx: &Context, queue: Sender<u64>) -> Result<(), Cancelled> {
    ctx.ready();
    let cancelled = ctx.cancelled();
    for job in 1.. {
        ctx.sleep(Duration::from_millis(300))?;
        select! {
            send(queue, job) -> sent => if sent.is_err() { break },
            recv(cancelled) -> _ => break,
        }
    }
    // Only a shutdown stops this service's consumer, so either way the
    // service is shutting down (workers are cancelled one after another,
    // so the consumer may be gone before this worker hears of it).
    Err(Cancelled)
}

#[worker(daemon, readiness)]
fn consumer(ctx: &Context, queue: Receiver<u64>) -> Result<(), Cancelled> {
    ctx.ready();
    let cancelled = ctx.cancelled();
    let mut done = 0;
    loop {
        select! {
            recv(queue) -> job => match job {
                Ok(job) => {
                    done += 1;
                    eprintln!("job {job} done");
                }
                // The producer is gone, which only a shutdown does.
                Err(_) => break,
            },
            recv(cancelled) -> _ => break,
        }
    }
    eprintln!("consumer stopping after {done} jobs");
    Err(Cancelled)
}

#[worker(
    daemon,
    readiness,
    restart = "on_failure",
    max_restarts = 3,
    within = "1m",
    backoff = "100ms..1s"
)]
fn health(ctx: &Context, crash: bool) -> Result<(), Cancelled> {
    ctx.ready();
    loop {
        ctx.sleep(Duration::from_millis(500))?;
        if crash {
            panic!("health check failed: the database does not answer");
        }
    }
}

#[supervise(signals, systemd, shutdown_timeout = "5s")]
struct Service {
    ticker: Worker<()>,
    ingest: Worker<()>,
    consumer: Worker<()>,
    health: Worker<()>,
}

fn main() -> ServiceReport {
    let crash = std::env::args().any(|arg| arg == "--crash");
    let (queue, inbox) = bounded(16);
    let running = Service {
        ticker: ticker(),
        ingest: ingest(queue),
        consumer: consumer(inbox),
        health: health(crash),
    }
    .start();
    let events = running.events();
    std::thread::spawn(move || {
        for event in events {
            if let Event::Restarting {
                worker,
                restart,
                delay,
                exit,
                ..
            } = event
            {
                eprintln!("restarting {worker} in {delay:?} (restart {restart}) after: {exit}");
            }
        }
    });
    match running.wait_ready(Duration::from_secs(5)) {
        Ok(()) => eprintln!("service ready (pid {})", std::process::id()),
        Err(error) => eprintln!("service did not start: {error}"),
    }
    // `fn main() -> ServiceReport`: the process exits with the report's code
    // and prints its table to stderr when that code is not 0.
    running.wait()
}
