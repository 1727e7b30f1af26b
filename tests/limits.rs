//! Concurrency limits: at most `limit` workers of a group run at once, the
//! rest wait in spawn order without a thread; `try_spawn` hands a worker
//! back when every slot is taken; waiting workers are cancelled without
//! ever starting when the shutdown begins (or their handle cancels them),
//! and their records say so.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use threadkit::channel::bounded;
use threadkit::{supervise, worker, Context, Exit, Supervisor, Worker, WorkerState};

fn limit(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

/// Counts the workers inside their bodies at once, and the most ever.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Gauge {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn never_more_than_the_limit_run_at_once() {
    let supervisor = Supervisor::new().limit(limit(3));
    let gauge = Arc::new(Gauge::default());
    let handles: Vec<_> = (0..40)
        .map(|n| {
            let gauge = gauge.clone();
            supervisor.spawn(Worker::infallible(format!("job_{n}"), move |_ctx| {
                gauge.enter();
                // Long enough for the others to pile up at the limit.
                std::thread::sleep(Duration::from_millis(1));
                gauge.leave();
                n
            }))
        })
        .collect();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    let most = gauge.most.load(Ordering::SeqCst);
    assert!((1..=3).contains(&most), "{most} at once");
    for (n, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join().ok(), Some(n));
    }
    assert!(report.records().iter().all(|record| record.started()));
}

#[test]
fn waiting_workers_start_in_spawn_order() {
    // One slot: each starts only once the one before it exited.
    let supervisor = Supervisor::new().limit(limit(1));
    let order = Arc::new(Mutex::new(Vec::new()));
    for n in 0..30 {
        let order = order.clone();
        supervisor.spawn(Worker::infallible(format!("job_{n}"), move |_ctx| {
            order.lock().unwrap().push(n);
        }));
    }
    assert!(supervisor.wait().is_success());
    assert_eq!(*order.lock().unwrap(), (0..30).collect::<Vec<_>>());
}

#[test]
fn try_spawn_hands_the_worker_back_while_every_slot_is_taken() {
    let supervisor = Supervisor::new().limit(limit(1));
    let (release, released) = bounded::<()>(0);
    let busy = supervisor.spawn(Worker::new("busy", move |_ctx| {
        let _ = released.recv();
    }));
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = ran.clone();
    let extra = Worker::infallible("extra", move |_ctx| counted.fetch_add(1, Ordering::SeqCst));
    let extra = match supervisor.try_spawn(extra) {
        Ok(_) => panic!("started beyond the limit"),
        Err(extra) => extra,
    };
    // A waiting worker takes the next slot before any `try_spawn`.
    let queued = supervisor.spawn(Worker::infallible("queued", |_ctx| 7));
    drop(release);
    assert!(busy.join().is_success());
    assert_eq!(queued.join().ok(), Some(7));
    let handle = supervisor
        .spawner()
        .try_spawn(extra)
        .unwrap_or_else(|_| panic!("refused with every slot free"));
    assert!(handle.join().is_success());
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert!(supervisor.wait().is_success());
}

#[test]
fn the_shutdown_cancels_waiting_workers_without_starting_them() {
    let supervisor = Supervisor::new().limit(limit(2));
    let started = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..6)
        .map(|n| {
            let started = started.clone();
            supervisor.spawn(Worker::new(format!("w{n}"), move |ctx: &Context| {
                started.fetch_add(1, Ordering::SeqCst);
                ctx.sleep(Duration::MAX)
            }))
        })
        .collect();
    let snapshot = supervisor.snapshot();
    let waiting = snapshot
        .workers()
        .iter()
        .filter(|worker| matches!(worker.state(), WorkerState::Waiting))
        .count();
    assert_eq!(waiting, 4);
    supervisor.cancel();
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(started.load(Ordering::SeqCst), 2);
    let never: Vec<&str> = report
        .records()
        .iter()
        .filter(|record| !record.started())
        .map(|record| record.name())
        .collect();
    assert_eq!(never, ["w2", "w3", "w4", "w5"]);
    assert!(report.records().iter().all(|r| r.exit().is_cancelled()));
    assert!(report.to_string().contains("never started"), "{report}");
    for handle in handles {
        assert!(handle.join().is_cancelled());
    }
}

#[test]
fn a_failure_cancels_the_waiting_workers_too() {
    let supervisor = Supervisor::new().limit(limit(1));
    supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("broken")));
    let later = supervisor.spawn(Worker::new("later", |ctx: &Context| {
        ctx.sleep(Duration::MAX)
    }));
    let report = supervisor.wait();
    assert_eq!(report.exit_code(), 1);
    // It either never started (still waiting when the failure came) or
    // was cancelled by it; it never outlives the group.
    assert!(later.join().is_cancelled());
}

#[test]
fn cancelling_a_waiting_workers_handle_drops_it_without_starting_it() {
    let supervisor = Supervisor::new().limit(limit(1));
    let (release, released) = bounded::<()>(0);
    supervisor.spawn(Worker::new("busy", move |_ctx| {
        let _ = released.recv();
    }));
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = ran.clone();
    let waiting = supervisor.spawn(Worker::new("waiting", move |_ctx| {
        counted.fetch_add(1, Ordering::SeqCst);
    }));
    waiting.cancel();
    assert!(waiting.is_finished(), "recorded at once");
    assert!(waiting.stop(Duration::ZERO).is_cancelled());
    drop(release);
    let report = supervisor.wait();
    assert!(report.is_success(), "{report}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert!(!report.record("waiting").unwrap().started());
}

#[test]
fn a_worker_that_waited_is_joined_with_its_thread() {
    let supervisor = Supervisor::new().limit(limit(1));
    let first = supervisor.spawn(Worker::infallible("first", |_ctx| 1));
    let second = supervisor.spawn(Worker::infallible("second", |_ctx| {
        std::thread::current().id()
    }));
    assert_eq!(first.join().ok(), Some(1));
    let thread = second.thread_id();
    let ran_on = second.join().ok();
    assert!(ran_on.is_some());
    assert!(thread.is_none() || thread == ran_on);
    assert!(supervisor.wait().is_success());
}

#[worker]
fn fetch(n: u32, gauge: Arc<Gauge>) -> u32 {
    gauge.enter();
    std::thread::sleep(Duration::from_millis(1));
    gauge.leave();
    n
}

#[supervise(limit = 2)]
struct Crawl {
    pages: Vec<Worker<u32>>,
}

const PAGES_AT_ONCE: usize = 3;

#[supervise(limit = PAGES_AT_ONCE)]
struct Wider {
    pages: Vec<Worker<u32>>,
}

#[test]
fn supervise_takes_a_limit() {
    let gauge = Arc::new(Gauge::default());
    let report = Crawl {
        pages: (0..12).map(|n| fetch(n, gauge.clone())).collect(),
    }
    .run();
    assert!(report.is_success(), "{report}");
    assert!(gauge.most.load(Ordering::SeqCst) <= 2);
    assert_eq!(report.pages[11].value(), Some(&11));

    let gauge = Arc::new(Gauge::default());
    let running = Wider {
        pages: (0..12).map(|n| fetch(n, gauge.clone())).collect(),
    }
    .start();
    // More workers join the running group through its spawner.
    let extra = running.spawner().spawn(fetch(99, gauge.clone()));
    let report = running.wait();
    assert!(report.is_success(), "{report}");
    assert!(gauge.most.load(Ordering::SeqCst) <= PAGES_AT_ONCE);
    assert_eq!(report.records().len(), 13);
    assert!(matches!(extra.join(), Exit::Returned(99)));
}
