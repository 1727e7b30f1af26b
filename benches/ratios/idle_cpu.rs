//! idle_cpu: the CPU an idle group of cancel-aware workers uses.

use std::thread;
use std::time::Duration;

use threadkit::{Supervisor, Worker};

use crate::fail_fast_teardown::TEARDOWN_WORKERS;
use crate::support::{Metric, Target};
use crate::Effort;

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

pub(crate) fn metric(effort: Effort) -> Option<Metric> {
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
