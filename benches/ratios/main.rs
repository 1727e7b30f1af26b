//! threadkit against its baselines, measured side by side in one run.
//!
//! `cargo bench --bench ratios` prints a table; `-- --json` prints one JSON
//! object per metric and a final `{"summary": ...}` line; `-- --quick` keeps
//! the whole run around a minute; `-- --only NAME` runs one metric. Without `--bench` (as under
//! `cargo test --benches`) every metric runs once at toy sizes, so the suite
//! cannot rot.
//!
//! Every ratio compares threadkit with a baseline measured in this process,
//! with repetitions interleaved (A, B, A, B, ...) so that drift hits both.
//! One file per metric; `support.rs` holds the statistics and the table.

use std::alloc::System;
use std::time::{Duration, Instant};

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

mod support;

mod beat_cost;
mod fail_fast_teardown;
mod failure_notice;
mod idle_cpu;
mod macro_overhead;
mod memory;
mod ordered_teardown;
mod python_seed;
mod restart_latency;
mod scaling;
#[cfg(all(unix, feature = "signals"))]
mod signal_to_exit;
mod spawn_join;

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// How hard to measure.
#[derive(Clone, Copy)]
pub(crate) struct Effort {
    reps: usize,
    latency_samples: usize,
    poll_samples: usize,
    teardown_samples: usize,
    idle_window: Duration,
    scale: [usize; 3],
    workers: usize,
    /// Runs of a restarting worker, and thousands of beats, per repetition.
    runs: u32,
}

const FULL: Effort = Effort {
    reps: 21,
    latency_samples: 2_000,
    poll_samples: 30,
    teardown_samples: 300,
    idle_window: Duration::from_secs(1),
    scale: [100, 1_000, 10_000],
    workers: 1_000,
    runs: 2_000,
};

const QUICK: Effort = Effort {
    // Thread spawning on 2 cores has a ~5% IQR; fewer runs cannot resolve
    // the 2% macro_overhead target.
    reps: 15,
    latency_samples: 300,
    poll_samples: 10,
    teardown_samples: 50,
    idle_window: Duration::from_secs(1),
    scale: [100, 1_000, 10_000],
    workers: 1_000,
    runs: 1_000,
};

const SMOKE: Effort = Effort {
    reps: 1,
    latency_samples: 3,
    poll_samples: 1,
    teardown_samples: 2,
    idle_window: Duration::from_millis(20),
    scale: [10, 20, 40],
    workers: 20,
    runs: 10,
};

fn main() {
    failure_notice::serve_as_child();
    #[cfg(all(unix, feature = "signals"))]
    signal_to_exit::serve_as_child();
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    let (effort, mode) = if !has("--bench") {
        (SMOKE, "smoke (run with `cargo bench --bench ratios`)")
    } else if has("--quick") {
        (QUICK, "quick")
    } else {
        (FULL, "full")
    };
    // `-- --only NAME` runs one metric (python_seed needs failure_notice's).
    let only = args
        .iter()
        .position(|arg| arg == "--only")
        .and_then(|at| args.get(at + 1).cloned());
    let wanted = |name: &str| only.as_deref().map_or(true, |only| only == name);
    let started = Instant::now();
    let mut metrics = Vec::new();
    let mut skipped = Vec::new();
    if wanted("spawn_join") {
        metrics.push(spawn_join::metric(effort));
    }
    if wanted("macro_overhead") {
        metrics.push(macro_overhead::metric(effort));
    }
    let mut notice_us = None;
    if wanted("failure_notice") || wanted("python_seed") {
        let (notice, us) = failure_notice::metric(effort);
        metrics.push(notice);
        notice_us = Some(us);
    }
    if wanted("fail_fast_teardown") {
        metrics.push(fail_fast_teardown::metric(effort));
    }
    if wanted("ordered_teardown") {
        metrics.push(ordered_teardown::metric(effort));
    }
    if wanted("idle_cpu") {
        match idle_cpu::metric(effort) {
            Some(metric) => metrics.push(metric),
            None => skipped.push("idle_cpu: /proc/self/task/*/schedstat is not readable here"),
        }
    }
    if wanted("scaling") {
        metrics.push(scaling::metric(effort));
    }
    if wanted("memory") {
        metrics.push(memory::metric(effort));
    }
    if let Some(notice_us) = notice_us.filter(|_| wanted("python_seed")) {
        match python_seed::metric(effort, notice_us) {
            Some(metric) => metrics.push(metric),
            None => skipped.push("python_seed: python3 is not available"),
        }
    }
    if wanted("restart_latency") {
        metrics.push(restart_latency::metric(effort));
    }
    if wanted("beat_cost") {
        metrics.push(beat_cost::metric(effort));
    }
    #[cfg(all(unix, feature = "signals"))]
    if wanted("signal_to_exit") {
        metrics.push(signal_to_exit::metric(effort));
    }
    #[cfg(not(all(unix, feature = "signals")))]
    if wanted("signal_to_exit") {
        skipped.push("signal_to_exit: needs Unix and the `signals` feature");
    }
    if let Some(only) = only.filter(|_| metrics.is_empty() && skipped.is_empty()) {
        eprintln!("no metric is named `{only}`; the table's first column lists them");
        std::process::exit(2);
    }
    support::print(
        "ratios",
        &metrics,
        &skipped,
        mode,
        started.elapsed(),
        has("--json"),
        has("--bench"),
    );
}
