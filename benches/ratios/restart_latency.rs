//! restart_latency: a restart with zero backoff (failure recorded to the
//! next run going), against spawning a new std thread.

use std::thread;
use std::time::{Duration, Instant};

use threadkit::{Restart, Supervisor, Worker};

use crate::support::{interleaved, median, micros, paired_median, spread, Metric, Target};
use crate::Effort;

/// A worker that fails `runs - 1` times and is restarted each time with no
/// backoff, in a supervisor; microseconds per run (the one spawn is shared
/// by every run).
fn restarted_runs(runs: u32) -> f64 {
    let policy = Restart::on_failure()
        .max_restarts(runs)
        .within(Duration::from_secs(3600))
        .backoff(Duration::ZERO, Duration::ZERO);
    let started = Instant::now();
    let supervisor = Supervisor::new();
    let handle = supervisor.spawn(Worker::restarting("restarted", policy, move |ctx| {
        if ctx.restarts() + 1 < runs {
            Err("again")
        } else {
            Ok(ctx.restarts())
        }
    }));
    let report = supervisor.wait();
    assert_eq!(handle.join().ok(), Some(runs - 1));
    assert!(report.is_success());
    micros(started.elapsed()) / f64::from(runs)
}

/// What a restart replaces: one named std thread per run, started after
/// the previous one ended with an error; microseconds per run.
fn respawned_threads(runs: u32) -> f64 {
    let started = Instant::now();
    for run in 0..runs {
        let outcome = thread::Builder::new()
            .name("restarted".to_owned())
            .spawn(move || {
                if run + 1 < runs {
                    Err("again")
                } else {
                    Ok(run)
                }
            })
            .expect("spawn")
            .join()
            .expect("join");
        assert_eq!(outcome.is_ok(), run + 1 == runs);
    }
    micros(started.elapsed()) / f64::from(runs)
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let runs = effort.runs;
    let (mut ours, mut theirs) = interleaved(
        effort.reps,
        || restarted_runs(runs),
        || respawned_threads(runs),
    );
    let paired = paired_median(&ours, &theirs);
    Metric {
        name: "restart_latency",
        threadkit: median(&mut ours),
        baseline: median(&mut theirs),
        baseline_name: format!("a new std thread per run (spawn+join), {runs} runs"),
        target: Target::Ratio(1.10),
        unit: "us/run",
        spread: format!("threadkit {}; std {}", spread(&mut ours), spread(&mut theirs)),
        detail: format!(
            "{runs} runs of a failing worker restarted by `on_failure` with zero backoff; ratio = median of paired runs"
        ),
        paired_ratio: Some(paired),
    }
}
