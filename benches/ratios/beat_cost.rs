//! beat_cost: one `ctx.beat()`, against an atomic store.

use std::time::{Duration, Instant};

use threadkit::{Supervisor, Worker};

use crate::support::{interleaved, median, paired_median, spread, Metric, Target};
use crate::Effort;

/// Nanoseconds per `ctx.beat()` in a heartbeat worker, over `beats` beats.
fn beats_in_a_worker(beats: u64) -> f64 {
    let supervisor = Supervisor::new();
    let handle = supervisor.spawn(
        Worker::infallible("beating", move |ctx| {
            let started = Instant::now();
            for _ in 0..beats {
                ctx.beat();
                std::hint::black_box(());
            }
            started.elapsed()
        })
        .heartbeat(Duration::from_secs(3600)),
    );
    assert!(supervisor.wait().is_success());
    let elapsed = handle.join().ok().expect("the worker's time");
    elapsed.as_secs_f64() * 1e9 / beats as f64
}

/// Nanoseconds per relaxed atomic store, the same number of times.
fn atomic_stores(stores: u64) -> f64 {
    let cell = std::sync::atomic::AtomicU64::new(0);
    let started = Instant::now();
    for n in 0..stores {
        std::hint::black_box(&cell).store(n, std::sync::atomic::Ordering::Relaxed);
    }
    started.elapsed().as_secs_f64() * 1e9 / stores as f64
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let beats = u64::from(effort.runs) * 10_000;
    let (mut ours, mut theirs) = interleaved(
        effort.reps,
        || beats_in_a_worker(beats),
        || atomic_stores(beats),
    );
    let paired = paired_median(&ours, &theirs);
    Metric {
        name: "beat_cost",
        threadkit: median(&mut ours),
        baseline: median(&mut theirs),
        baseline_name: "a relaxed AtomicU64::store in the same loop".to_owned(),
        target: Target::Ratio(1.5),
        unit: "ns/beat",
        spread: format!(
            "threadkit {}; store {}",
            spread(&mut ours),
            spread(&mut theirs)
        ),
        detail: format!(
            "{beats} beats of a worker with a heartbeat; ratio = median of paired runs"
        ),
        paired_ratio: Some(paired),
    }
}
