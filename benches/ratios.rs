//! threadkit against its baselines, measured side by side in one run.
//!
//! `cargo bench --bench ratios` prints a table; `-- --json` prints one JSON
//! object per metric and a final `{"summary": ...}` line; `-- --quick` keeps
//! the whole run well under a minute. Without `--bench` (as under
//! `cargo test --benches`) every metric runs once at toy sizes, so the suite
//! cannot rot.
//!
//! Every ratio compares threadkit with a baseline measured in this process,
//! with repetitions interleaved (A, B, A, B, ...) so that drift hits both.

use std::alloc::System;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use threadkit::channel::{bounded, select, unbounded};
use threadkit::{supervise, worker, Cancelled, Context, Supervisor, Worker};

mod support;

use support::{interleaved, median, micros, paired_median, percentile, spread, Metric, Target};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// How hard to measure.
#[derive(Clone, Copy)]
struct Effort {
    reps: usize,
    latency_samples: usize,
    poll_samples: usize,
    teardown_samples: usize,
    idle_window: Duration,
    scale: [usize; 3],
    workers: usize,
}

const FULL: Effort = Effort {
    reps: 21,
    latency_samples: 2_000,
    poll_samples: 30,
    teardown_samples: 300,
    idle_window: Duration::from_secs(1),
    scale: [100, 1_000, 10_000],
    workers: 1_000,
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
};

const SMOKE: Effort = Effort {
    reps: 1,
    latency_samples: 3,
    poll_samples: 1,
    teardown_samples: 2,
    idle_window: Duration::from_millis(20),
    scale: [10, 20, 40],
    workers: 20,
};

// ---------------------------------------------------------------------------
// 1. spawn_join

/// Spawns `workers` trivial workers in a supervisor, waits, joins every
/// handle; microseconds per worker. `stack`: bytes, or std's default.
fn supervised_spawn_join(workers: usize, stack: Option<usize>) -> f64 {
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
fn std_spawn_join(workers: usize, stack: Option<usize>) -> f64 {
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

fn spawn_join(effort: Effort) -> Metric {
    let n = effort.workers;
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
            "{n} trivial workers per run, default stack size; ratio = median of paired runs"
        ),
        paired_ratio: Some(paired),
    }
}

// ---------------------------------------------------------------------------
// 2. macro_overhead

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

fn macro_overhead(effort: Effort) -> Metric {
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

// ---------------------------------------------------------------------------
// 3. failure_notice

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

fn failure_notice(effort: Effort) -> (Metric, f64) {
    let (mut ours, mut raw) = interleaved(effort.latency_samples, threadkit_notice, channel_notice);
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
            baseline_name: "crossbeam-channel send -> blocked recv between two threads".to_owned(),
            target: Target::Ratio(1.5),
            unit: "us (p50)",
            spread: format!("p99 threadkit {p99_ours:.1} us, channel {p99_raw:.1} us"),
            detail: format!(
                "seeds' 100 ms poll ported to Rust: p50 {:.1} ms over {} samples ({:.0}x threadkit)",
                p50_polled / 1e3,
                polled.len(),
                p50_polled / p50_ours
            ),
            paired_ratio: None,
        },
        p50_ours,
    )
}

// ---------------------------------------------------------------------------
// 4. fail_fast_teardown

const TEARDOWN_WORKERS: usize = 100;

/// (ms until `wait()` returned, ms until every OS thread was joined too)
fn threadkit_teardown() -> (f64, f64) {
    let supervisor = Supervisor::new();
    let mut handles = Vec::with_capacity(TEARDOWN_WORKERS);
    let mut keep_inboxes = Vec::new();
    for i in 0..TEARDOWN_WORKERS {
        let handle = if i % 2 == 0 {
            supervisor.spawn(Worker::new(format!("sleeper_{i}"), |ctx| {
                ctx.sleep(Duration::MAX)
            }))
        } else {
            let (outbox, inbox) = unbounded::<u32>();
            keep_inboxes.push(outbox);
            supervisor.spawn(Worker::new(
                format!("selector_{i}"),
                move |ctx: &Context| {
                    let cancelled = ctx.cancelled();
                    loop {
                        select! {
                            recv(inbox) -> _ => {}
                            recv(cancelled) -> _ => return Err::<(), _>(Cancelled),
                        }
                    }
                },
            ))
        };
        handles.push(handle);
    }
    let (stamp, stamped) = bounded(1);
    supervisor.spawn(Worker::new("fails", move |_ctx| {
        thread::sleep(Duration::from_millis(2));
        let _ = stamp.send(Instant::now());
        Err::<(), _>("boom")
    }));
    let report = supervisor.wait();
    let reported = Instant::now();
    for handle in handles {
        assert!(handle.join().is_cancelled());
    }
    let joined = Instant::now();
    assert_eq!(report.exit_code(), 1);
    let failed = stamped.recv().expect("stamp");
    (
        micros(reported - failed) / 1e3,
        micros(joined - failed) / 1e3,
    )
}

/// The floor for "every exit recorded": 100 plain threads parked on a flag,
/// each unparked directly (no shared lock on the wake path); each counts
/// down, and the last one wakes the main thread once, as threadkit wakes its
/// owner once.
fn park_wake_all() -> f64 {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let remaining = Arc::new(AtomicUsize::new(TEARDOWN_WORKERS));
    let (done, finished) = bounded::<()>(1);
    let handles: Vec<_> = (0..TEARDOWN_WORKERS)
        .map(|_| {
            let stop = stop.clone();
            let remaining = remaining.clone();
            let done = done.clone();
            thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    thread::park();
                }
                if remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                    let _ = done.send(());
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(2));
    let started = Instant::now();
    stop.store(true, Ordering::Release);
    for handle in &handles {
        handle.thread().unpark();
    }
    let _ = finished.recv();
    let elapsed = micros(started.elapsed()) / 1e3;
    for handle in handles {
        handle.join().expect("join");
    }
    elapsed
}

/// The floor with joins: wake and join 100 plain threads blocked on a channel.
fn channel_teardown() -> f64 {
    let (stop, stopped) = bounded::<()>(0);
    let handles: Vec<_> = (0..TEARDOWN_WORKERS)
        .map(|_| {
            let stopped = stopped.clone();
            thread::spawn(move || {
                let _ = stopped.recv();
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(2));
    let started = Instant::now();
    drop(stop);
    for handle in handles {
        handle.join().expect("join");
    }
    micros(started.elapsed()) / 1e3
}

fn fail_fast_teardown(effort: Effort) -> Metric {
    let mut joined = Vec::new();
    let mut floor_joined = Vec::new();
    let (mut reported, mut floor) = interleaved(
        effort.teardown_samples,
        || {
            let (reported, all_joined) = threadkit_teardown();
            joined.push(all_joined);
            reported
        },
        || {
            floor_joined.push(channel_teardown());
            park_wake_all()
        },
    );
    let p50 = median(&mut reported);
    Metric {
        name: "fail_fast_teardown",
        threadkit: percentile(&mut reported, 0.99),
        baseline: percentile(&mut floor, 0.99),
        baseline_name: "100 parked std threads, each unparked; the last to run wakes main once".to_owned(),
        target: Target::Value(2.0),
        unit: "ms (p99)",
        spread: format!(
            "p50 {p50:.3} ms vs floor p50 {:.3} ms over {} samples",
            median(&mut floor),
            reported.len()
        ),
        detail: format!(
            "until wait() returned with all 100 exits recorded; with every OS thread joined too: p99 {:.3} ms \
             (floor with joins: p99 {:.3} ms); 50 workers in ctx.sleep, 50 in select! on ctx.cancelled(); one fails",
            percentile(&mut joined, 0.99),
            percentile(&mut floor_joined, 0.99),
        ),
        paired_ratio: None,
    }
}

// ---------------------------------------------------------------------------
// 5. idle_cpu

/// CPU time used so far by every live thread of this process except the
/// calling one (whose reading of /proc is the measurement's own cost), in
/// ms. Linux only: sums the first field of /proc/self/task/*/schedstat (ns).
fn process_cpu_ms() -> Option<f64> {
    let me = std::fs::read_link("/proc/thread-self").ok()?;
    let me = me.file_name()?.to_owned();
    let mut total_ns: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let task = task.ok()?;
        if task.file_name() == me {
            continue;
        }
        let path = task.path().join("schedstat");
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // the thread ended meanwhile
        };
        total_ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total_ns as f64 / 1e6)
}

fn idle_window_cpu(window: Duration, start: impl FnOnce() -> Box<dyn FnOnce()>) -> Option<f64> {
    let stop = start();
    thread::sleep(Duration::from_millis(50)); // let every thread block
    let before = process_cpu_ms()?;
    thread::sleep(window);
    let after = process_cpu_ms()?;
    stop();
    Some(after - before)
}

fn idle_cpu(effort: Effort) -> Option<Metric> {
    let window = effort.idle_window;
    let ours = idle_window_cpu(window, || {
        let supervisor = Supervisor::new();
        for i in 0..TEARDOWN_WORKERS {
            supervisor.spawn(
                Worker::new(format!("idle_{i}"), |ctx| ctx.sleep(Duration::MAX)).daemon(true),
            );
        }
        Box::new(move || {
            supervisor.cancel();
            assert!(supervisor.wait().is_success());
        })
    })?;
    // The seeds' way, for contrast (and to show the measurement sees CPU):
    // each thread wakes every 100 ms to check a stop flag.
    let polling = idle_window_cpu(window, || {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handles: Vec<_> = (0..TEARDOWN_WORKERS)
            .map(|_| {
                let stop = stop.clone();
                thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        thread::sleep(Duration::from_millis(100));
                    }
                })
            })
            .collect();
        Box::new(move || {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for handle in handles {
                let _ = handle.join();
            }
        })
    })?;
    Some(Metric {
        name: "idle_cpu",
        threadkit: ours,
        baseline: polling,
        baseline_name: "100 threads checking a stop flag every 100 ms (the seeds' way)".to_owned(),
        target: Target::Value(1.0),
        unit: "ms CPU per idle window",
        spread: "one window each".to_owned(),
        detail: format!(
            "100 idle daemon workers, owner asleep, {:.1} s window",
            window.as_secs_f64()
        ),
        paired_ratio: None,
    })
}

// ---------------------------------------------------------------------------
// 6. scaling

const SMALL_STACK: Option<usize> = Some(64 * 1024);

fn scaling(effort: Effort) -> Metric {
    let [small, middle, large] = effort.scale;
    let mut per_worker = [Vec::new(), Vec::new(), Vec::new()];
    let mut std_small = Vec::new();
    let mut std_large = Vec::new();
    supervised_spawn_join(small, SMALL_STACK);
    // Small groups are noisy, so they run as often as it takes to spend
    // about as long on them as on one large group.
    let rounds = effort.reps.div_ceil(3).max(1);
    for _ in 0..rounds {
        for (slot, n) in per_worker.iter_mut().zip(effort.scale) {
            for _ in 0..(large / n).clamp(1, 30) {
                slot.push(supervised_spawn_join(n, SMALL_STACK));
            }
        }
        for _ in 0..(large / small).clamp(1, 30) {
            std_small.push(std_spawn_join(small, SMALL_STACK));
        }
        std_large.push(std_spawn_join(large, SMALL_STACK));
    }
    let [mut at_small, mut at_middle, mut at_large] = per_worker;
    let std_growth = median(&mut std_large) / median(&mut std_small);
    Metric {
        name: "scaling",
        threadkit: median(&mut at_large),
        baseline: median(&mut at_small),
        baseline_name: format!("threadkit itself at {small} workers"),
        target: Target::Ratio(1.5),
        unit: "us/worker",
        spread: format!("{large}: {}", spread(&mut at_large)),
        detail: format!(
            "{middle} workers: {:.2} us/worker; 64 KiB stacks; std::thread alone grows {std_growth:.2}x from {small} to {large} ({:.2} -> {:.2} us/thread)",
            median(&mut at_middle),
            median(&mut std_small),
            median(&mut std_large),
        ),
        paired_ratio: None,
    }
}

// ---------------------------------------------------------------------------
// 7. memory

fn bytes_per_worker(workers: usize, run: impl FnOnce(usize)) -> f64 {
    let region = Region::new(ALLOCATOR);
    run(workers);
    region.change().bytes_allocated as f64 / workers as f64
}

fn memory(effort: Effort) -> Metric {
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

// ---------------------------------------------------------------------------
// 8. python_seed

fn python_seed(effort: Effort, threadkit_notice_us: f64) -> Option<Metric> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/python/seed_monitor.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(effort.poll_samples.to_string())
        .arg("8")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut notice = json_numbers(&text, "notice_ms");
    let mut teardown = json_numbers(&text, "teardown_ms");
    let python_notice_us = median(&mut notice) * 1e3;
    Some(Metric {
        name: "python_seed",
        threadkit: threadkit_notice_us,
        baseline: python_notice_us,
        baseline_name: "the seeds' Python ExcThread + 0.1 s polling monitor (python3)".to_owned(),
        target: Target::Ratio(0.01),
        unit: "us failure notice (p50)",
        spread: format!("{} python samples", notice.len()),
        detail: format!(
            "python teardown of 8 siblings: p50 {:.1} ms (they poll a stop flag every 0.1 s)",
            median(&mut teardown)
        ),
        paired_ratio: None,
    })
}

/// The numbers of `"key": [...]` in a flat JSON object.
fn json_numbers(text: &str, key: &str) -> Vec<f64> {
    let Some(start) = text.find(&format!("\"{key}\": [")) else {
        return Vec::new();
    };
    let rest = &text[start + key.len() + 5..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end]
        .split(',')
        .filter_map(|number| number.trim().parse().ok())
        .collect()
}

// ---------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    let json = has("--json");
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    let (effort, mode) = if !has("--bench") {
        (SMOKE, "smoke (run with `cargo bench --bench ratios`)")
    } else if has("--quick") {
        (QUICK, "quick")
    } else {
        (FULL, "full")
    };
    let started = Instant::now();
    let mut metrics = vec![spawn_join(effort), macro_overhead(effort)];
    let (notice, notice_us) = failure_notice(effort);
    metrics.push(notice);
    metrics.push(fail_fast_teardown(effort));
    let mut skipped = Vec::new();
    match idle_cpu(effort) {
        Some(metric) => metrics.push(metric),
        None => skipped.push("idle_cpu: /proc/self/task/*/schedstat is not readable here"),
    }
    metrics.push(scaling(effort));
    metrics.push(memory(effort));
    match python_seed(effort, notice_us) {
        Some(metric) => metrics.push(metric),
        None => skipped.push("python_seed: python3 is not available"),
    }

    support::print(
        "ratios",
        &metrics,
        &skipped,
        mode,
        started.elapsed(),
        json,
        has("--bench"),
    );
}
