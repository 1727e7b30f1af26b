//! failure_notice: how soon the owner learns that a worker failed,
//! against a channel and against polling every 0.1 s (the seeds' loop).
//!
//! A worker's [`threadkit::Error`] captures a backtrace when
//! `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` ask for one (std's convention,
//! as `anyhow` does): std's unwinder then walks the failing thread's stack
//! before the owner can be told, which costs more than the notice itself.
//! So the headline is measured in a child process with capturing off
//! (std's default, and what `RUST_LIB_BACKTRACE=0` chooses), and the detail
//! gives the figure under this process's own environment.

use std::thread;
use std::time::{Duration, Instant};

use threadkit::channel::bounded;
use threadkit::{Supervisor, Worker};

use crate::support::{interleaved, median, micros, percentile, Metric, Target};
use crate::Effort;

/// Long enough for the owner to be asleep in `wait()` when the worker fails.
const SETTLE: Duration = Duration::from_micros(300);

fn threadkit_notice() -> f64 {
    let (stamp, stamped) = bounded(1);
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("fails", move |_ctx| {
        thread::sleep(SETTLE);
        let _ = stamp.send(Instant::now());
        Err::<(), _>("boom")
    }));
    let report = supervisor.wait();
    let observed = Instant::now();
    assert_eq!(report.exit_code(), 1);
    micros(observed - stamped.recv().expect("stamp"))
}

fn channel_notice() -> f64 {
    let (wake, woken) = bounded(1);
    let sender = thread::spawn(move || {
        thread::sleep(SETTLE);
        let _ = wake.send(Instant::now());
    });
    let sent = woken.recv().expect("wake");
    let observed = Instant::now();
    sender.join().expect("join");
    micros(observed - sent)
}

/// The seeds' monitor in Rust: scan every child, then sleep 100 ms.
fn polling_notice() -> f64 {
    let failed_at = std::sync::Arc::new(std::sync::Mutex::new(None));
    let stamp = failed_at.clone();
    let offset = Duration::from_micros(u64::from(thread_local_random() % 100_000));
    let child = thread::spawn(move || {
        thread::sleep(offset);
        *stamp.lock().expect("lock") = Some(Instant::now());
    });
    let observed = loop {
        if child.is_finished() {
            break Instant::now();
        }
        thread::sleep(Duration::from_millis(100));
    };
    child.join().expect("join");
    let failed = failed_at.lock().expect("lock").expect("stamped");
    micros(observed - failed)
}

fn thread_local_random() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(Instant::now().elapsed().as_nanos() as u64);
    hasher.finish() as u32
}

/// Set in the child process: how many pairs to measure.
const CHILD_SAMPLES: &str = "THREADKIT_BENCH_NOTICE_SAMPLES";

/// When this process is the bench's child (see [`without_backtraces`]),
/// prints one `threadkit channel` pair of microseconds per line and exits.
pub(crate) fn serve_as_child() {
    use std::io::Write as _;
    let Some(samples) = std::env::var(CHILD_SAMPLES)
        .ok()
        .and_then(|n| n.parse().ok())
    else {
        return;
    };
    let (ours, raw) = interleaved(samples, threadkit_notice, channel_notice);
    let mut stdout = std::io::stdout().lock();
    for (ours, raw) in ours.iter().zip(&raw) {
        let _ = writeln!(stdout, "{ours} {raw}");
    }
    let _ = stdout.flush();
    std::process::exit(0);
}

/// The notice measured in a child process that captures no backtraces.
fn without_backtraces(samples: usize) -> (Vec<f64>, Vec<f64>) {
    let output = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .env(CHILD_SAMPLES, samples.to_string())
        .env("RUST_LIB_BACKTRACE", "0")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the bench's child process");
    assert!(output.status.success(), "the child failed: {output:?}");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let mut pair = line.split(' ').map(|n| n.parse::<f64>().expect("a number"));
            (
                pair.next().expect("threadkit"),
                pair.next().expect("channel"),
            )
        })
        .unzip()
}

/// Whether this process's environment makes `Error` capture backtraces.
fn captures_backtraces() -> bool {
    std::backtrace::Backtrace::capture().status() == std::backtrace::BacktraceStatus::Captured
}

pub(crate) fn metric(effort: Effort) -> (Metric, f64) {
    let (mut ours, mut raw) = without_backtraces(effort.latency_samples);
    let configured = if captures_backtraces() {
        let (mut ours, mut raw) =
            interleaved(effort.latency_samples, threadkit_notice, channel_notice);
        format!(
            "; with this environment's backtraces captured (one per failure): p50 {:.1} us vs {:.1} us",
            median(&mut ours),
            median(&mut raw)
        )
    } else {
        String::new()
    };
    let mut polled: Vec<f64> = (0..effort.poll_samples).map(|_| polling_notice()).collect();
    let p99_ours = percentile(&mut ours, 0.99);
    let p99_raw = percentile(&mut raw, 0.99);
    let p50_polled = median(&mut polled);
    let p50_ours = median(&mut ours);
    (
        Metric {
            name: "failure_notice",
            threadkit: p50_ours,
            baseline: median(&mut raw),
            baseline_name:
                "crossbeam-channel send -> blocked recv between two threads; no backtraces captured"
                    .to_owned(),
            target: Target::Ratio(1.5),
            unit: "us (p50)",
            spread: format!("p99 threadkit {p99_ours:.1} us, channel {p99_raw:.1} us"),
            detail: format!(
                "seeds' 100 ms poll ported to Rust: p50 {:.1} ms over {} samples ({:.0}x threadkit){configured}",
                p50_polled / 1e3,
                polled.len(),
                p50_polled / p50_ours
            ),
            paired_ratio: None,
        },
        p50_ours,
    )
}
