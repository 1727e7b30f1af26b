//! `Context::on_cancel`: a worker blocked in a call that knows nothing of
//! threadkit (a real TCP read) is released by its hook; hooks run once,
//! after the group cancelled everyone, never stop one another, and go away
//! with their guard.

mod common;

use std::io::Read;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::quiet_panics;
use threadkit::channel::{bounded, unbounded};
use threadkit::{Cancelled, Context, Exit, ShutdownCause, ShutdownOrder, Supervisor, Worker};

/// Bounds every wait, so a hook that never runs fails instead of hanging.
const BOUND: Duration = Duration::from_secs(30);

/// A connected pair on localhost; the server side never writes.
fn connected() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    (client, server)
}

/// Blocks in `read` on `stream` until its hook shuts the stream down.
fn blocked_reader(stream: TcpStream, reading: threadkit::channel::Sender<()>) -> Worker<usize> {
    Worker::new("reader", move |ctx: &Context| {
        let closer = stream.try_clone().expect("clone");
        let _hook = ctx.on_cancel(move || {
            let _ = closer.shutdown(Shutdown::Both);
        });
        let _ = reading.send(());
        let mut buffer = [0; 16];
        let read = (&stream).read(&mut buffer);
        ctx.check()?;
        Ok::<_, Cancelled>(read.unwrap_or(0))
    })
}

#[test]
fn a_tcp_read_is_released_when_a_sibling_fails() {
    let (client, _server) = connected();
    let (reading, on_reading) = unbounded();
    let supervisor = Supervisor::new().shutdown_timeout(BOUND);
    let reader = supervisor.spawn(blocked_reader(client, reading));
    on_reading.recv_timeout(BOUND).expect("the reader reads");
    supervisor.spawn(Worker::new("db", |_| Err::<(), _>("connection refused")));
    let report = supervisor.wait();
    assert!(reader.join().is_cancelled(), "{report}");
    assert_eq!(
        report.shutdown_cause(),
        Some(&ShutdownCause::Failed {
            worker: "db".into()
        })
    );
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn a_tcp_read_is_released_by_cancelling_its_handle() {
    let (client, _server) = connected();
    let (reading, on_reading) = unbounded();
    let handle = blocked_reader(client, reading).spawn();
    on_reading.recv_timeout(BOUND).expect("the reader reads");
    handle.cancel();
    assert!(handle.join_timeout(BOUND).expect("released").is_cancelled());
}

#[test]
fn a_hook_registered_after_the_cancellation_runs_at_once_on_the_worker() {
    let handle = Worker::infallible("late", |ctx| {
        let _ = ctx.sleep(Duration::MAX);
        let ran_on = Arc::new(std::sync::Mutex::new(None));
        let seen = ran_on.clone();
        let _hook = ctx.on_cancel(move || {
            *seen.lock().unwrap() = std::thread::current().name().map(str::to_owned);
        });
        let ran_on = ran_on.lock().unwrap().clone();
        ran_on
    })
    .spawn();
    handle.cancel();
    let exit = handle.join_timeout(BOUND).expect("ends");
    assert_eq!(exit.ok().flatten().as_deref(), Some("late"));
}

/// The group cancels every member and wakes the owner before it runs any
/// hook: a hook that waits for a sibling's exit does not hold back that
/// sibling's cancellation. All at once, so the sibling is cancelled after
/// the waiter (in the default order it would be cancelled first).
#[test]
fn hooks_run_after_every_member_was_cancelled() {
    let (sibling_exited, on_sibling_exit) = bounded::<()>(1);
    let (waiting, on_waiting) = unbounded::<()>();
    let (saw, what_the_hook_saw) = unbounded();
    let supervisor = Supervisor::new()
        .shutdown_timeout(BOUND)
        .shutdown_order(ShutdownOrder::AllAtOnce);
    let waiter = supervisor.spawn(Worker::new("waiter", move |ctx: &Context| {
        let (release, released) = bounded::<()>(0);
        let _hook = ctx.on_cancel(move || {
            // Waits for the sibling, cancelled after this worker.
            let _ = saw.send(on_sibling_exit.recv_timeout(Duration::from_secs(5)));
            drop(release);
        });
        let _ = waiting.send(());
        let _ = released.recv();
        ctx.check()
    }));
    on_waiting.recv_timeout(BOUND).expect("the waiter waits");
    supervisor.spawn(Worker::new("sibling", move |ctx: &Context| {
        let slept = ctx.sleep(Duration::MAX);
        let _ = sibling_exited.send(());
        slept
    }));
    supervisor.cancel();
    let report = supervisor.wait();
    assert_eq!(
        what_the_hook_saw.try_recv(),
        Ok(Ok(())),
        "the hook ran before the sibling was cancelled"
    );
    assert!(waiter.join().is_cancelled(), "{report}");
    assert!(report.is_success(), "{report}");
}

#[test]
fn a_panicking_hook_does_not_stop_the_others() {
    quiet_panics();
    let supervisor = Supervisor::new().shutdown_timeout(BOUND);
    let (up, on_up) = unbounded::<()>();
    let mut handles = Vec::new();
    for name in ["first", "second", "third"] {
        let up = up.clone();
        handles.push(supervisor.spawn(Worker::new(name, move |ctx: &Context| {
            let (release, released) = bounded::<()>(0);
            let _hook = ctx.on_cancel(move || {
                drop(release);
                if name == "first" {
                    panic!("a hook panicked");
                }
            });
            let _ = up.send(());
            let _ = released.recv();
            ctx.check()
        })));
    }
    for _ in 0..3 {
        on_up.recv_timeout(BOUND).expect("every worker waits");
    }
    supervisor.cancel();
    let report = supervisor.wait();
    for handle in handles {
        assert!(matches!(handle.join(), Exit::Cancelled), "{report}");
    }
}

#[test]
fn a_dropped_guard_removes_its_hook_and_a_hook_runs_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let (up, on_up) = unbounded::<()>();
    let handle = Worker::new("looping", move |ctx: &Context| {
        for _ in 0..1_000 {
            let counted = counted.clone();
            let _hook = ctx.on_cancel(move || {
                counted.fetch_add(1, Ordering::SeqCst);
            });
        }
        let counted = counted.clone();
        let _kept = ctx.on_cancel(move || {
            counted.fetch_add(100, Ordering::SeqCst);
        });
        let _ = up.send(());
        ctx.sleep(Duration::MAX)
    })
    .spawn();
    on_up.recv_timeout(BOUND).expect("the worker is up");
    handle.cancel();
    handle.cancel();
    assert!(handle.join().is_cancelled());
    assert_eq!(runs.load(Ordering::SeqCst), 100);
}

/// Many workers cancelled at once share the cancellation: the first ones
/// woken help cancel the rest on their way out. Every worker's hook still
/// runs exactly once (a helper hands the hooks it meets to the cancelling
/// thread, which runs them after waking the owner).
#[test]
fn every_hook_runs_once_when_many_workers_are_cancelled_at_once() {
    const WORKERS: usize = 64;
    let supervisor = Supervisor::new()
        .shutdown_timeout(BOUND)
        .shutdown_order(ShutdownOrder::AllAtOnce);
    let hook_runs = Arc::new(AtomicUsize::new(0));
    let (up, on_up) = unbounded::<()>();
    for i in 0..WORKERS {
        let hook_runs = hook_runs.clone();
        let up = up.clone();
        supervisor.spawn(Worker::new(format!("sleeper_{i}"), move |ctx: &Context| {
            let _hook = ctx.on_cancel(move || {
                hook_runs.fetch_add(1, Ordering::SeqCst);
            });
            let _ = up.send(());
            ctx.sleep(Duration::MAX)
        }));
    }
    for _ in 0..WORKERS {
        on_up.recv_timeout(BOUND).expect("every worker is up");
    }
    // Its thread cancels the others and runs their hooks; once it is
    // joined, every hook that will run has run.
    let fails = supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("boom")));
    let report = supervisor.wait();
    assert!(fails.join().is_failure());
    assert_eq!(report.exit_code(), 1, "{report}");
    let cancelled = report
        .records()
        .iter()
        .filter(|record| record.exit().is_cancelled())
        .count();
    assert_eq!(cancelled, WORKERS, "{report}");
    assert_eq!(hook_runs.load(Ordering::SeqCst), WORKERS);
}
