//! Bounded memory for long-running groups (RELIABILITY.md, "Memory"): the
//! heap a group holds stops growing however many workers, child groups and
//! event readers come and go. Measured with a counting allocator; the
//! tests run one at a time (the counts are process-wide).

use std::alloc::System;
use std::sync::Mutex;
use std::time::Duration;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use threadkit::{Supervisor, Worker};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Bytes allocated and not freed since `region` began.
fn held(region: &Region<'_, System>) -> isize {
    let change = region.change();
    change.bytes_allocated as isize - change.bytes_deallocated as isize
}

/// Runs `round` `rounds` times after a warm-up of the same size, and
/// returns how much the heap grew over the measured rounds.
fn growth(rounds: usize, mut round: impl FnMut(usize)) -> isize {
    for n in 0..rounds {
        round(n);
    }
    let region = Region::new(GLOBAL);
    for n in rounds..rounds * 10 {
        round(n);
    }
    let grew = held(&region);
    eprintln!(
        "heap growth over {} rounds after {rounds}: {grew} bytes",
        rounds * 9
    );
    grew
}

const SLACK: isize = 16 * 1024;

/// Fault 9: a service running a worker per request under one supervisor
/// kept about 200 bytes per finished worker for ever. Now 100,000 workers
/// cost what 10,000 do, once the retained records are full (here 50, with
/// one request in 100 failing, so failures fill them during the warm-up).
#[test]
fn a_group_running_100_000_workers_stays_flat() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let supervisor = Supervisor::new().retain_records(50);
    let service =
        supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    let grew = growth(10_000, |n| {
        let handle = supervisor.spawn(Worker::new(format!("request_{n}"), move |_ctx| {
            if n % 100 == 7 {
                Err("a failed request")
            } else {
                Ok(n)
            }
        }));
        let _ = handle.join();
    });
    assert!(
        grew < SLACK,
        "the group grew by {grew} bytes over 90,000 workers"
    );
    service.cancel();
    let report = supervisor.wait();
    assert_eq!(report.records().len() + report.folded(), 100_001);
    assert_eq!(report.first_failure().unwrap().name(), "request_7");
    assert_eq!(report.records().len(), 51);
    assert_eq!(
        report.failures().count(),
        51,
        "failures are kept before successes"
    );
}

/// Fault 3: each `Supervisor::child_of` left a hook on the parent worker
/// until it exited.
#[test]
fn a_worker_running_child_groups_in_a_loop_stays_flat() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let exit = Worker::new("parent", |ctx| {
        let grew = growth(1_000, |_| {
            let child = Supervisor::child_of(ctx);
            child.spawn(Worker::new("leaf", |_ctx| ()));
            let _ = child.wait();
        });
        Ok::<_, String>(grew)
    })
    .spawn()
    .join();
    let grew = exit.ok().unwrap();
    assert!(
        grew < SLACK,
        "the parent grew by {grew} bytes over 9,000 child groups"
    );
}

/// Fault 4: dropped `events()` readers were kept until the next event; an
/// idle service polled by short-lived readers grew without bound.
#[test]
fn short_lived_event_readers_of_an_idle_group_stay_flat() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
    let grew = growth(10_000, |_| {
        let events = supervisor.events();
        assert!(events.try_recv().is_err());
    });
    assert!(
        grew < SLACK,
        "the group grew by {grew} bytes over 90,000 readers"
    );
    supervisor.cancel();
    assert!(supervisor.wait().is_success());
}
