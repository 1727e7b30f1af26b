//! macro_overhead: a `#[supervise]` group of `#[worker]`s, against the
//! same workers built by hand.

use std::time::Instant;

use threadkit::{supervise, worker, Worker};

use crate::spawn_join::supervised_spawn_join;
use crate::support::{interleaved, median, micros, paired_median, spread, Metric, Target};
use crate::Effort;

#[worker(name = "w{i}")]
fn trivial(i: usize) {
    let _ = i;
}

#[supervise]
struct Trivial {
    workers: Vec<Worker<()>>,
}

fn macro_spawn_join(workers: usize) -> f64 {
    let started = Instant::now();
    let report = Trivial {
        workers: (0..workers).map(trivial).collect(),
    }
    .run();
    assert!(report.is_success());
    micros(started.elapsed()) / workers as f64
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let n = effort.workers;
    let (mut ours, mut hand) = interleaved(
        effort.reps,
        || macro_spawn_join(n),
        || supervised_spawn_join(n, None),
    );
    let paired = paired_median(&ours, &hand);
    Metric {
        name: "macro_overhead",
        threadkit: median(&mut ours),
        baseline: median(&mut hand),
        baseline_name: "the same group written with Supervisor/Worker by hand".to_owned(),
        target: Target::Ratio(1.02),
        unit: "us/worker",
        spread: format!(
            "macros {}; by hand {}",
            spread(&mut ours),
            spread(&mut hand)
        ),
        detail: format!(
            "#[worker] + #[supervise] with a Vec of {n} workers; ratio = median of paired runs"
        ),
        paired_ratio: Some(paired),
    }
}
