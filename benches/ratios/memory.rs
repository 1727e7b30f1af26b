//! memory: heap a worker holds while it runs, against std's threads; what
//! its record keeps after it exits, and how many bytes a spawn+join
//! allocates in all (transient buffers included).

use stats_alloc::{Region, Stats};
use threadkit::channel::{bounded, Receiver};
use threadkit::{Supervisor, Worker};

use crate::spawn_join::{std_spawn_join, supervised_spawn_join};
use crate::support::{Metric, Target};
use crate::Effort;

/// Heap bytes in use: what was allocated and not yet freed (`stats_alloc`
/// counts a realloc's growth as allocated and its shrinking as freed).
fn in_use(stats: Stats) -> f64 {
    stats.bytes_allocated as f64 - stats.bytes_deallocated as f64
}

fn allocated_per_worker(workers: usize, run: impl FnOnce(usize)) -> f64 {
    let region = Region::new(crate::ALLOCATOR);
    run(workers);
    region.change().bytes_allocated as f64 / workers as f64
}

/// What `spawn` does with a body that reports it started and then blocks
/// until `release` is dropped.
type Start<'a> = &'a mut dyn FnMut(String, Box<dyn FnOnce() + Send>);

/// Starts `workers` bodies with `start`, waits until every one runs, and
/// returns the heap bytes held per running body; the bodies are released
/// before returning.
fn held_per_worker(workers: usize, start: Start<'_>) -> f64 {
    // Made before the region: the channels' buffers are nobody's workers.
    let (started, all_started) = bounded::<()>(workers);
    let (release, released): (_, Receiver<()>) = bounded(0);
    let names: Vec<String> = (0..workers).map(|i| format!("w{i}")).collect();
    let region = Region::new(crate::ALLOCATOR);
    for name in names {
        let started = started.clone();
        let released = released.clone();
        start(
            name,
            Box::new(move || {
                let _ = started.send(());
                let _ = released.recv();
            }),
        );
    }
    for _ in 0..workers {
        all_started.recv().expect("every body starts");
    }
    let held = in_use(region.change());
    drop(release);
    held / workers as f64
}

/// Heap bytes a supervised run of `workers` trivial workers keeps once
/// `wait()` returned and every handle was joined: the report's records.
fn kept_per_worker(workers: usize) -> f64 {
    let region = Region::new(crate::ALLOCATOR);
    let supervisor = Supervisor::new();
    let handles: Vec<_> = (0..workers)
        .map(|i| supervisor.spawn(Worker::new(format!("w{i}"), |_ctx| ())))
        .collect();
    let report = supervisor.wait();
    for handle in handles {
        let _ = handle.join();
    }
    let kept = in_use(region.change());
    drop(report);
    kept / workers as f64
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let n = effort.workers;
    // Warm up lazily initialised state (thread-locals, the panic hook).
    supervised_spawn_join(8, None);
    std_spawn_join(8, None);
    let supervisor = Supervisor::new();
    let mut handles = Vec::with_capacity(n);
    let ours = held_per_worker(n, &mut |name, body| {
        handles.push(supervisor.spawn(Worker::infallible(name, move |_ctx| body())));
    });
    let mut threads = Vec::with_capacity(n);
    let std = held_per_worker(n, &mut |name, body| {
        let builder = std::thread::Builder::new().name(name);
        threads.push(builder.spawn(body).expect("spawn"));
    });
    assert!(supervisor.wait().is_success());
    for handle in handles {
        assert!(handle.join().ok().is_some());
    }
    for thread in threads {
        thread.join().expect("join");
    }
    let kept = kept_per_worker(n);
    let allocated_ours = allocated_per_worker(n, |n| {
        supervised_spawn_join(n, None);
    });
    let allocated_std = allocated_per_worker(n, |n| {
        std_spawn_join(n, None);
    });
    Metric {
        name: "memory",
        threadkit: ours - std,
        baseline: std,
        baseline_name: "heap bytes a named std thread holds while it runs (subtracted)".to_owned(),
        target: Target::Value(1024.0),
        unit: "extra heap bytes/running worker",
        spread: "allocator count (earlier threads' late frees move it by tens of bytes)".to_owned(),
        detail: format!(
            "{n} running workers hold {ours:.0} bytes each; a finished worker's record keeps {kept:.0} bytes \
             (up to retain_records); allocated per spawn+join, transient buffers included: \
             {allocated_ours:.0} bytes vs std's {allocated_std:.0} ({:.0} extra)",
            allocated_ours - allocated_std
        ),
        paired_ratio: None,
    }
}
