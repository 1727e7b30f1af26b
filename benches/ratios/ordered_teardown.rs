//! ordered_teardown: from a failure to every sibling stopped one at a time
//! in reverse declaration order (the default), against a relay of plain
//! threads where each one, once woken, wakes the one before it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use threadkit::channel::bounded;
use threadkit::{Supervisor, Worker};

use crate::fail_fast_teardown::{spawn_failing, TEARDOWN_WORKERS};
use crate::support::{interleaved, median, micros, percentile, Metric, Target};
use crate::Effort;

/// ms from the failure until `wait()` returned with every exit recorded.
fn threadkit_teardown() -> f64 {
    let supervisor = Supervisor::new();
    for i in 0..TEARDOWN_WORKERS {
        supervisor.spawn(Worker::new(format!("sleeper_{i}"), |ctx| {
            ctx.sleep(Duration::MAX)
        }));
    }
    // Declared last: it exits first, then the others stop from the last.
    let stamped = spawn_failing(&supervisor);
    let report = supervisor.wait();
    let reported = Instant::now();
    assert_eq!(report.exit_code(), 1);
    let failed = stamped.recv().expect("stamp");
    micros(reported - failed) / 1e3
}

/// The floor: 100 parked threads; main wakes the last, and each, once
/// woken, wakes the one before it; the first tells main.
fn relay() -> f64 {
    let flags: Arc<Vec<AtomicBool>> = Arc::new(
        (0..TEARDOWN_WORKERS)
            .map(|_| AtomicBool::new(false))
            .collect(),
    );
    let (done, finished) = bounded::<()>(1);
    let mut handles: Vec<thread::JoinHandle<()>> = Vec::with_capacity(TEARDOWN_WORKERS);
    for index in 0..TEARDOWN_WORKERS {
        let flags = flags.clone();
        let done = done.clone();
        let previous = handles.last().map(|handle| handle.thread().clone());
        handles.push(thread::spawn(move || {
            while !flags[index].load(Ordering::Acquire) {
                thread::park();
            }
            match previous {
                Some(previous) => {
                    flags[index - 1].store(true, Ordering::Release);
                    previous.unpark();
                }
                None => {
                    let _ = done.send(());
                }
            }
        }));
    }
    thread::sleep(Duration::from_millis(2));
    let started = Instant::now();
    flags[TEARDOWN_WORKERS - 1].store(true, Ordering::Release);
    handles[TEARDOWN_WORKERS - 1].thread().unpark();
    let _ = finished.recv();
    let elapsed = micros(started.elapsed()) / 1e3;
    for handle in handles {
        handle.join().expect("join");
    }
    elapsed
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let (mut reported, mut floor) = interleaved(effort.teardown_samples, threadkit_teardown, relay);
    let p50 = median(&mut reported);
    Metric {
        name: "ordered_teardown",
        threadkit: percentile(&mut reported, 0.99),
        baseline: percentile(&mut floor, 0.99),
        baseline_name: "a relay of 100 parked std threads, each waking the one before it"
            .to_owned(),
        target: Target::Ratio(ORDERED_TARGET),
        unit: "ms (p99)",
        spread: format!(
            "p50 {p50:.3} ms vs relay p50 {:.3} ms over {} samples",
            median(&mut floor),
            reported.len()
        ),
        detail:
            "until wait() returned with all 100 exits recorded, each worker cancelled only after \
                 the one declared after it exited; 100 workers in ctx.sleep; one fails"
                .to_owned(),
        paired_ratio: None,
    }
}

/// Each step of an ordered shutdown records an exit and cancels the next
/// worker under the group's lock, where the relay only unparks.
const ORDERED_TARGET: f64 = 2.0;
