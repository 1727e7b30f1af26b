//! Bad input and edge cases. The randomized stress run is `tests/stress.rs`.

mod common;

use std::io;
use std::time::{Duration, Instant};

use common::gate;
use threadkit::{Cancelled, Event, Exit, Supervisor, Worker};

const LONG: Duration = Duration::from_secs(3600);

/// A stack no machine can give: the OS refuses the thread.
#[cfg(target_pointer_width = "64")]
const IMPOSSIBLE_STACK: usize = 1 << 50;

#[cfg(target_pointer_width = "64")]
#[test]
fn an_os_refusal_to_start_a_thread_is_a_failed_exit_not_a_panic() {
    let handle = Worker::infallible("greedy", |_ctx| 1)
        .stack_size(IMPOSSIBLE_STACK)
        .spawn();
    assert_eq!(handle.thread_id(), None);
    let exit = handle.join();
    let error = exit.error().expect("the spawn fails");
    assert_eq!(error.name(), "greedy");
    assert_eq!(error.thread_id(), None);
    assert!(error.downcast_ref::<io::Error>().is_some());
    assert!(error
        .message()
        .starts_with("could not start the worker's thread: "));
    assert_eq!(exit.code(), 1);
}

#[cfg(target_pointer_width = "64")]
#[test]
fn a_spawn_failure_under_a_supervisor_fails_the_group_fast() {
    let supervisor = Supervisor::new();
    let waiter = supervisor.spawn(Worker::new("waiter", |ctx| ctx.sleep(LONG)));
    supervisor.spawn(Worker::new("greedy", |_ctx| ()).stack_size(IMPOSSIBLE_STACK));
    let report = supervisor.wait();
    let greedy = report.first_failure().unwrap();
    assert_eq!(greedy.name(), "greedy");
    assert_eq!(greedy.thread_id(), None);
    assert!(waiter.join().is_cancelled());
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn a_nul_byte_in_a_name_fails_the_worker_under_a_supervisor_too() {
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("bad\0name", |_ctx| ()));
    let report = supervisor.wait();
    let error = report.records()[0].exit().error().unwrap().clone();
    assert_eq!(
        error.downcast_ref::<io::Error>().unwrap().kind(),
        io::ErrorKind::InvalidInput
    );
}

#[test]
fn non_ascii_names_reach_the_thread_the_report_and_the_errors() {
    let name = "获取配置_4 ⚙";
    let supervisor = Supervisor::new();
    let handle = supervisor.spawn(Worker::new(name, |ctx| {
        let thread_name = std::thread::current().name().map(str::to_owned);
        assert_eq!(thread_name.as_deref(), Some(ctx.name()));
        Err::<(), _>("配置无效")
    }));
    let report = supervisor.wait();
    assert_eq!(report.records()[0].name(), name);
    assert!(report.to_string().contains("获取配置_4 ⚙  failed"));
    let exit = handle.join();
    assert_eq!(exit.error().unwrap().name(), name);
    assert_eq!(exit.error().unwrap().message(), "配置无效");
}

#[test]
fn join_timeout_can_be_retried_until_the_worker_exits() {
    let (mut release, worker_gate) = gate();
    let mut handle = Worker::infallible("slow", move |_ctx| {
        let _ = worker_gate.recv();
        "finally"
    })
    .spawn();
    for _ in 0..5 {
        handle = handle
            .join_timeout(Duration::from_millis(2))
            .expect_err("still blocked on the gate");
        assert!(!handle.is_finished());
    }
    handle = handle
        .join_timeout(Duration::ZERO)
        .expect_err("a zero timeout does not block");
    release.open();
    let exit = handle.join_timeout(Duration::MAX).expect("released");
    assert_eq!(exit.ok(), Some("finally"));
}

#[test]
fn join_timeout_on_a_finished_worker_returns_at_once_even_with_zero() {
    let handle = Worker::infallible("quick", |_ctx| 3).spawn();
    let mut handle = Some(handle);
    let exit = loop {
        match handle.take().unwrap().join_timeout(Duration::from_secs(60)) {
            Ok(exit) => break exit,
            Err(again) => handle = Some(again),
        }
    };
    assert_eq!(exit.ok(), Some(3));

    let handle = Worker::infallible("quick", |_ctx| 4).spawn();
    while !handle.is_finished() {
        std::thread::yield_now();
    }
    assert_eq!(handle.join_timeout(Duration::ZERO).unwrap().ok(), Some(4));
}

#[test]
fn cancel_after_completion_is_a_no_op() {
    let handle = Worker::new("done", |ctx| ctx.check().map(|()| 1)).spawn();
    while !handle.is_finished() {
        std::thread::yield_now();
    }
    handle.cancel();
    handle.cancel();
    assert_eq!(handle.join().ok(), Some(1));

    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("done", |_ctx| ()));
    let canceller = supervisor.canceller();
    let report = supervisor.wait();
    canceller.cancel(); // after the group finished: nothing to do
    assert!(report.is_success());
}

#[test]
fn current_gives_helpers_the_workers_context() {
    fn helper() -> Result<String, Cancelled> {
        let ctx = threadkit::current().expect("called on a worker");
        ctx.sleep(LONG)?;
        Ok(ctx.name().to_owned())
    }
    assert!(threadkit::current().is_none());
    let handle = Worker::new("deep", |_ctx| helper()).spawn();
    handle.cancel();
    assert!(handle.join().is_cancelled());
}

#[test]
fn anyhow_errors_work_and_anyhow_wrapped_cancellation_is_recognised() {
    let exit = Worker::new("anyhow", |_ctx| -> anyhow::Result<()> {
        Err(anyhow::anyhow!("config missing"))
    })
    .run();
    assert_eq!(exit.error().unwrap().message(), "config missing");

    let handle = Worker::new("anyhow_cancel", |ctx| -> anyhow::Result<()> {
        ctx.sleep(LONG)?;
        Ok(())
    })
    .spawn();
    handle.cancel();
    assert!(handle.join().is_cancelled());
}

#[test]
fn type_aliases_of_result_classify_by_type_not_spelling() {
    type Fetch<T> = Result<T, io::Error>;
    let exit = Worker::new("alias", |_ctx| -> Fetch<u8> {
        Err(io::Error::other("nope"))
    })
    .run();
    assert!(matches!(exit, Exit::Failed(_)));
    let exit = Worker::new("io_result", |_ctx| -> io::Result<u8> { Ok(1) }).run();
    assert_eq!(exit.ok(), Some(1));
}

#[test]
fn wait_never_blocks_past_the_timeout_while_workers_hang() {
    let timeout = Duration::from_millis(20);
    let (mut release, stubborn_gate) = gate();
    let supervisor = Supervisor::new().shutdown_timeout(timeout);
    for n in 0..20 {
        let stubborn_gate = stubborn_gate.clone();
        supervisor.spawn(Worker::new(format!("stubborn_{n}"), move |_ctx| {
            let _ = stubborn_gate.recv();
        }));
    }
    let started = Instant::now();
    supervisor.cancel();
    let report = supervisor.wait();
    let waited = started.elapsed();
    release.open();
    assert!(report
        .records()
        .iter()
        .all(|record| record.exit().is_hung()));
    assert!(waited >= timeout);
    assert!(waited < timeout + Duration::from_secs(30), "{waited:?}");
}

#[test]
fn a_running_group_does_not_keep_the_values_of_finished_workers() {
    let value = std::sync::Arc::new(());
    let supervisor = Supervisor::new();
    let service = supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(LONG)));
    let copy = value.clone();
    drop(supervisor.spawn(Worker::infallible("job", move |_ctx| copy)));
    // The handle is gone; once the job's thread ends, nothing but the group
    // could hold the copy it returned.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::sync::Arc::strong_count(&value) > 1 && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(
        std::sync::Arc::strong_count(&value),
        1,
        "the group kept the value"
    );
    service.cancel();
    assert!(supervisor.wait().is_success());
}

#[test]
fn public_types_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Supervisor>();
    send_sync::<threadkit::Canceller>();
    send_sync::<threadkit::Handle<String>>();
    send_sync::<threadkit::Context>();
    send_sync::<Exit<String>>();
    send_sync::<threadkit::Report>();
    send_sync::<threadkit::ReportError>();
    send_sync::<Event>();
    send_sync::<threadkit::Error>();
    send_sync::<threadkit::Panic>();
    send::<Worker<String>>();
}

/// `Handle::native_id` is the id the kernel gives the worker's thread:
/// the one the worker reads for itself, distinct per worker, listed among
/// the process's tasks while it runs.
#[cfg(target_os = "linux")]
#[test]
fn native_ids_are_the_kernels_thread_ids() {
    use threadkit::channel::bounded;
    let own_id = || -> u64 {
        let link = std::fs::read_link("/proc/thread-self").unwrap();
        link.file_name().unwrap().to_str().unwrap().parse().unwrap()
    };
    let (up, is_up) = bounded(0);
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let up = up.clone();
            Worker::new(format!("native_{n}"), move |ctx| {
                let _ = up.send(());
                ctx.sleep(std::time::Duration::MAX).map(|()| 0)?;
                Ok::<u64, threadkit::Cancelled>(0)
            })
            .spawn()
        })
        .collect();
    for _ in 0..4 {
        is_up.recv().unwrap();
    }
    let ids: Vec<u64> = handles.iter().map(|h| h.native_id().unwrap()).collect();
    for id in &ids {
        assert!(std::path::Path::new(&format!("/proc/self/task/{id}")).exists());
        assert_ne!(*id, u64::from(std::process::id()));
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 4, "{ids:?}");
    for handle in &handles {
        handle.cancel();
    }
    drop(handles);

    let (tell, told) = bounded(0);
    let handle = Worker::infallible("reads_its_own", move |_| {
        let _ = tell.send(own_id());
    })
    .spawn();
    let id = told.recv().unwrap();
    assert_eq!(handle.native_id(), Some(id));
    assert!(handle.join().is_success());
}
