//! Seed 001: the `ExcThread` pattern, done without polling.
//!
//! The Python post subclasses `Thread` to keep `exit_code`, `exception` and
//! a formatted traceback, makes every child a daemon, polls them all every
//! 0.1 s, re-raises the first failure in the main thread, and mails the
//! traceback to someone.
//!
//! Here a parser panics on a short record. The panic is caught with its
//! location, the other workers are cancelled at once (fail-fast), an alert
//! goes out from the events channel, and the process exits with 101, the
//! code of a panic, with the report table on stderr.
//!
//! Run it with `cargo run --example exc_thread`.

use std::time::Duration;

use threadkit::channel::{bounded, Receiver};
use threadkit::{supervise, worker, Cancelled, Context, Event, Record, Worker};

/// Keeps a lease alive while the group runs.
#[worker(daemon)]
fn heartbeat(ctx: &Context) {
    while ctx.sleep(Duration::from_millis(100)).is_ok() {}
}

/// Polls a source until cancelled.
#[worker(name = "poller_{id}")]
fn poller(ctx: &Context, id: u32) -> Result<(), Cancelled> {
    loop {
        ctx.sleep(Duration::from_millis(10 * u64::from(id)))?;
        // poll the source here
    }
}

/// Reads the fourth byte of each record: a short record panics.
#[worker]
fn parser(records: Receiver<Vec<u8>>) -> u64 {
    let mut total = 0;
    for record in records {
        total += u64::from(record[3]);
    }
    total
}

#[supervise(shutdown_timeout = "2s")]
struct Pipeline {
    heartbeat: Worker<()>,
    pollers: Vec<Worker<()>>,
    parser: Worker<u64>,
}

/// What the seed does with `exc_traceback`: tell a human.
fn send_alert(record: &Record) {
    println!(
        "ALERT to ops@example.com: {} {}",
        record.name(),
        record.exit()
    );
    if let Some(panic) = record.exit().panic() {
        if let Some(backtrace) = panic.backtrace() {
            println!("backtrace status: {:?}", backtrace.status());
        }
    }
}

fn main() -> PipelineReport {
    let (records, inbox) = bounded(1);
    let running = Pipeline {
        heartbeat: heartbeat(),
        pollers: (1..=3).map(poller).collect(),
        parser: parser(inbox),
    }
    .start();

    let events = running.events();
    let alerts = std::thread::spawn(move || {
        for event in events {
            if let Event::Exited(record) = event {
                if record.exit().is_failure() {
                    send_alert(&record);
                }
            }
        }
    });

    for record in [vec![1, 2, 3, 4], vec![5, 6]] {
        if records.send(record).is_err() {
            break; // the parser is gone
        }
    }
    drop(records);

    let report = running.wait();
    let _ = alerts.join();
    report
}
