//! fail_fast_teardown: from a failure to every sibling stopped, all at
//! once (`ShutdownOrder::AllAtOnce`), against the floor of waking parked
//! threads. The default reverse order is `ordered_teardown`.

use std::thread;
use std::time::{Duration, Instant};

use threadkit::channel::{bounded, select, unbounded, Receiver};
use threadkit::{Cancelled, Context, ShutdownOrder, Supervisor, Worker};

use crate::support::{interleaved, median, micros, percentile, Metric, Target};
use crate::Effort;

pub(crate) const TEARDOWN_WORKERS: usize = 100;

/// (ms until `wait()` returned, ms until every OS thread was joined too)
fn threadkit_teardown() -> (f64, f64) {
    let supervisor = Supervisor::new().shutdown_order(ShutdownOrder::AllAtOnce);
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
    let stamped = spawn_failing(&supervisor);
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

/// Spawns the worker whose failure starts the teardown, 2 ms from now;
/// the receiver gets the moment it fails.
pub(crate) fn spawn_failing(supervisor: &Supervisor) -> Receiver<Instant> {
    let (stamp, stamped) = bounded(1);
    supervisor.spawn(Worker::new("fails", move |_ctx| {
        thread::sleep(Duration::from_millis(2));
        let _ = stamp.send(Instant::now());
        Err::<(), _>("boom")
    }));
    stamped
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

pub(crate) fn metric(effort: Effort) -> Metric {
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
        target: Target::Ratio(1.10),
        unit: "ms (p99)",
        spread: format!(
            "p50 {p50:.3} ms vs floor p50 {:.3} ms over {} samples",
            median(&mut floor),
            reported.len()
        ),
        detail: format!(
            "until wait() returned with all 100 exits recorded; with every OS thread joined too: p99 {:.3} ms \
             (floor with joins: p99 {:.3} ms); 50 workers in ctx.sleep, 50 in select! on ctx.cancelled(); one fails; \
             shutdown_order all_at_once",
            percentile(&mut joined, 0.99),
            percentile(&mut floor_joined, 0.99),
        ),
        paired_ratio: None,
    }
}
