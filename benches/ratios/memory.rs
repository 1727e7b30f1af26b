//! memory: heap bytes per worker, against std's threads.

use stats_alloc::Region;

use crate::spawn_join::{std_spawn_join, supervised_spawn_join};
use crate::support::{Metric, Target};
use crate::Effort;

fn bytes_per_worker(workers: usize, run: impl FnOnce(usize)) -> f64 {
    let region = Region::new(crate::ALLOCATOR);
    run(workers);
    region.change().bytes_allocated as f64 / workers as f64
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let n = effort.workers;
    // Warm up lazily initialised state (thread-locals, the panic hook).
    supervised_spawn_join(8, None);
    std_spawn_join(8, None);
    let ours = bytes_per_worker(n, |n| {
        supervised_spawn_join(n, None);
    });
    let std = bytes_per_worker(n, |n| {
        std_spawn_join(n, None);
    });
    Metric {
        name: "memory",
        threadkit: ours - std,
        baseline: std,
        baseline_name: "bytes std allocates per named spawn+join (subtracted)".to_owned(),
        target: Target::Value(1024.0),
        unit: "extra heap bytes/worker",
        spread: "exact count".to_owned(),
        detail: format!("{ours:.0} bytes/worker in total over {n} workers"),
        paired_ratio: None,
    }
}
