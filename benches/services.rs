//! What running a service costs: restarts, measured against the plain
//! thread spawns they stand in for; a heartbeat's beat, against an atomic
//! store; and the time from SIGTERM to the exit
//! of a service that shuts down gracefully, against a process that dies of
//! the signal.
//!
//! `cargo bench --bench services` prints a table; `-- --json` prints one
//! JSON object per metric and a summary line. Without `--bench` (as under
//! `cargo test --benches`) every metric runs once at toy sizes.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use support::{interleaved, median, micros, paired_median, spread, Metric, Target};
use threadkit::{Restart, Supervisor, Worker};

/// How hard to measure: repetitions, and runs per repetition.
#[derive(Clone, Copy)]
struct Effort {
    reps: usize,
    runs: u32,
}

const FULL: Effort = Effort {
    reps: 21,
    runs: 2_000,
};
const QUICK: Effort = Effort {
    reps: 9,
    runs: 1_000,
};
const SMOKE: Effort = Effort { reps: 1, runs: 10 };

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

fn restart_latency(effort: Effort) -> Metric {
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

// ---------------------------------------------------------------------------
// beat_cost

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

fn beat_cost(effort: Effort) -> Metric {
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

// ---------------------------------------------------------------------------
// signal_to_exit

/// The child process's side: a service of one daemon worker that handles
/// SIGTERM (`threadkit`), or a plain sleeping thread that the signal kills
/// (`plain`). Prints `ready` once it can be signalled.
#[cfg(all(unix, feature = "signals"))]
fn child(kind: &str) -> ! {
    use std::io::Write as _;
    let ready = || {
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "ready");
        let _ = stdout.flush();
    };
    if kind == "threadkit" {
        let supervisor = Supervisor::new().handle_signals().expect("signal handlers");
        supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
        ready();
        std::process::exit(supervisor.wait().exit_code())
    }
    ready();
    loop {
        thread::sleep(Duration::from_secs(3600));
    }
}

/// Starts the child of `kind`, waits for `ready`, sends SIGTERM with
/// `kill`, and returns the milliseconds until the child's exit.
#[cfg(all(unix, feature = "signals"))]
fn signalled_exit(kind: &str) -> f64 {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().expect("this bench"))
        .env("THREADKIT_BENCH_CHILD", kind)
        .stdout(Stdio::piped())
        .spawn()
        .expect("child");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    assert_eq!(line.trim(), "ready");
    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("exit");
    let elapsed = started.elapsed();
    if kind == "threadkit" {
        assert_eq!(status.code(), Some(143));
    }
    elapsed.as_secs_f64() * 1e3
}

#[cfg(all(unix, feature = "signals"))]
fn signal_to_exit(effort: Effort) -> Metric {
    let (mut ours, mut theirs) = interleaved(
        effort.reps,
        || signalled_exit("threadkit"),
        || signalled_exit("plain"),
    );
    Metric {
        name: "signal_to_exit",
        threadkit: median(&mut ours),
        baseline: median(&mut theirs),
        baseline_name: "a process that SIGTERM kills (default disposition)".to_owned(),
        target: Target::Value(50.0),
        unit: "ms",
        spread: format!("threadkit {}; killed {}", spread(&mut ours), spread(&mut theirs)),
        detail: "from `kill -TERM` to the exit of a one-worker service that handles it (graceful shutdown, code 143); both include starting `kill`".to_owned(),
        paired_ratio: None,
    }
}

fn main() {
    #[cfg(all(unix, feature = "signals"))]
    if let Ok(kind) = std::env::var("THREADKIT_BENCH_CHILD") {
        child(&kind);
    }
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    let (effort, mode) = if !has("--bench") {
        (SMOKE, "smoke (run with `cargo bench --bench services`)")
    } else if has("--quick") {
        (QUICK, "quick")
    } else {
        (FULL, "full")
    };
    let started = Instant::now();
    #[allow(unused_mut)]
    let mut metrics = vec![restart_latency(effort), beat_cost(effort)];
    #[cfg(all(unix, feature = "signals"))]
    metrics.push(signal_to_exit(effort));
    support::print(
        "services",
        &metrics,
        &[],
        mode,
        started.elapsed(),
        has("--json"),
        has("--bench"),
    );
}
