//! spawn_join: spawning and joining trivial workers, against std's
//! `thread::spawn` + `join`.

use std::thread;
use std::time::Instant;

use threadkit::{Supervisor, Worker};

use crate::support::{interleaved, median, micros, paired_median, spread, Metric, Target};
use crate::Effort;

/// Spawns `workers` trivial workers in a supervisor, waits, joins every
/// handle; microseconds per worker. `stack`: bytes, or std's default.
pub(crate) fn supervised_spawn_join(workers: usize, stack: Option<usize>) -> f64 {
    let started = Instant::now();
    let supervisor = Supervisor::new();
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            let worker = Worker::new(format!("w{i}"), |_ctx| ());
            supervisor.spawn(match stack {
                Some(bytes) => worker.stack_size(bytes),
                None => worker,
            })
        })
        .collect();
    let report = supervisor.wait();
    for handle in handles {
        let _ = handle.join();
    }
    assert_eq!(report.records().len() + report.folded(), workers);
    assert!(report.is_success());
    micros(started.elapsed()) / workers as f64
}

/// The same with named `std::thread`s.
pub(crate) fn std_spawn_join(workers: usize, stack: Option<usize>) -> f64 {
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            let builder = thread::Builder::new().name(format!("w{i}"));
            let builder = match stack {
                Some(bytes) => builder.stack_size(bytes),
                None => builder,
            };
            builder.spawn(|| ()).expect("spawn")
        })
        .collect();
    for handle in handles {
        handle.join().expect("join");
    }
    micros(started.elapsed()) / workers as f64
}

/// Minor page faults of this process so far: field 10 of
/// `/proc/self/stat` (Linux; `None` elsewhere).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; it ends at the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}

/// Minor page faults per worker of one `run` of `workers` workers: each
/// new thread faults in the stack pages it touches, so a deeper call
/// path shows up here first (see README, `spawn_join`).
fn faults_per_worker(workers: usize, run: impl FnOnce(usize, Option<usize>) -> f64) -> Option<f64> {
    let before = minor_faults()?;
    run(workers, None);
    let after = minor_faults()?;
    Some(after.saturating_sub(before) as f64 / workers as f64)
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let n = effort.workers;
    let faults = faults_per_worker(n, supervised_spawn_join)
        .zip(faults_per_worker(n, std_spawn_join))
        .map_or_else(String::new, |(ours, std)| {
            format!("; minor page faults per spawn+join: threadkit {ours:.2}, std {std:.2}")
        });
    let (mut ours, mut std) = interleaved(
        effort.reps,
        || supervised_spawn_join(n, None),
        || std_spawn_join(n, None),
    );
    let paired = paired_median(&ours, &std);
    Metric {
        name: "spawn_join",
        threadkit: median(&mut ours),
        baseline: median(&mut std),
        baseline_name: format!("std::thread::Builder name+spawn+join, {n} threads"),
        target: Target::Ratio(1.10),
        unit: "us/worker",
        spread: format!("threadkit {}; std {}", spread(&mut ours), spread(&mut std)),
        detail: format!(
            "{n} trivial workers per run, default stack size; ratio = median of paired runs{faults}"
        ),
        paired_ratio: Some(paired),
    }
}
