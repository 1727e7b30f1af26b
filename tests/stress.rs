//! Randomized stress of the protocol's guarantees (RELIABILITY.md): many
//! small groups with random behaviours, run by several drivers at once,
//! each group checked exactly:
//!
//! - every worker ends exactly as planned (a worker that waits for
//!   cancellation ends `Cancelled`, never excused as `Hung`; only workers
//!   that ignore cancellation are `Hung`);
//! - one record and one `Exited` event per worker; `Started` before
//!   `Exited`; at most one `ShutdownStarted`; `Finished` last;
//! - the first failure is the first failure in event order, and when it
//!   came before any shutdown, it is the shutdown's cause;
//! - a group whose non-daemons all end (or that fails) finishes without
//!   help: daemons are cancelled by completion, the rest by fail-fast;
//! - under the default reverse shutdown order, a worker waiting for its
//!   cancellation sees it only after every such worker declared after it
//!   returned (in groups where nobody's time can run out);
//! - `wait()` returns promptly when every worker cooperates, and within the
//!   shutdown timeout plus a small epsilon when one does not;
//! - the process's OS thread count returns to its baseline after every
//!   round.
//!
//! Hostile concurrency: concurrent cancellers, owners that drop the
//! supervisor without waiting, workers spawning into their own group, child
//! groups, dropped handles and event receivers, values whose `Drop` panics
//! or is slow, a chained panic hook.
//!
//! `THREADKIT_STRESS_GROUPS` (groups per seed, default 240) and
//! `THREADKIT_STRESS_SEED` (one seed instead of the default four) make a
//! long run: `THREADKIT_STRESS_GROUPS=20000 cargo test --release --test stress`.
//! `scripts/mutants.sh` shows this test failing on broken protocols.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use common::{os_threads, threads_back_to};
use threadkit::channel::{bounded, select, Receiver, Sender};
use threadkit::{
    BoxError, Cancelled, Event, Exit, Report, Restart, ShutdownCause, ShutdownOrder, Strategy,
    Supervisor, Worker,
};

/// Shutdown timeout of a group where every worker cooperates: long, so that
/// reaching it means the owner was not woken.
const PATIENT: Duration = Duration::from_secs(10);
/// Shutdown timeout of a group with a worker that ignores cancellation.
const HUNG_AFTER: Duration = Duration::from_millis(500);
/// How late past its bound `wait()` may return on a loaded machine.
const EPSILON: Duration = Duration::from_secs(2);
const DRIVERS: u64 = 4;
const GROUPS_PER_ROUND: usize = 6;

/// xorshift64*: deterministic per seed, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Behaviour {
    Return,
    Fail,
    Panic,
    SelfCancel,
    /// Cancel-aware sleep until cancelled.
    Sleep,
    /// `select!` on the cancel receiver until cancelled.
    Select,
    /// Runs a child group whose leaf waits for cancellation.
    ChildGroup,
    /// Spawns a worker into its own group, then returns.
    SpawnSibling,
    /// Returns a value whose `Drop` panics (its handle is dropped).
    PanicOnDropValue,
    /// Returns a value whose `Drop` takes a few milliseconds.
    SlowDropValue,
    /// Ignores cancellation until the test releases it after `wait()`.
    Stubborn,
}

use Behaviour::*;

const COOPERATIVE: [Behaviour; 10] = [
    Return,
    Fail,
    Panic,
    SelfCancel,
    Sleep,
    Select,
    ChildGroup,
    SpawnSibling,
    PanicOnDropValue,
    SlowDropValue,
];

impl Behaviour {
    /// Ends by itself, whether or not it is cancelled.
    fn is_finite(self) -> bool {
        !matches!(self, Sleep | Select | ChildGroup | Stubborn)
    }

    fn is_failure(self) -> bool {
        matches!(self, Fail | Panic)
    }

    /// The exact exit code: the plan leaves no room for timing.
    fn code(self) -> i32 {
        match self {
            Return | SpawnSibling | PanicOnDropValue | SlowDropValue => 0,
            Fail => 1,
            Panic => 101,
            SelfCancel | Sleep | Select | ChildGroup => 130,
            Stubborn => 124,
        }
    }
}

struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("stress: a value's Drop panicked");
        }
    }
}

struct SlowDrop;

impl Drop for SlowDrop {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(3));
    }
}

/// What the owner does after spawning.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Owner {
    /// Waits without cancelling: the group must finish by itself.
    Waits,
    /// Cancels at once.
    CancelsFirst,
    /// Gives up a short wait, then cancels.
    CancelsLater,
    /// Another thread cancels while the owner waits.
    CancelledFromAfar,
    /// Drops the supervisor without waiting: the group must still record
    /// every exit and tell its listener `Finished` by the deadline.
    Drops,
}

#[derive(Debug)]
struct Plan {
    workers: Vec<(Behaviour, bool)>,
    /// Per worker: `None`, no readiness declared; `Some(true)`, declared and
    /// announced first thing; `Some(false)`, declared and never announced.
    readiness: Vec<Option<bool>>,
    owner: Owner,
    drop_listener: bool,
    /// The owner waits for readiness before anything else.
    waits_ready: bool,
    /// Per worker: how many runs fail before the planned behaviour, each
    /// restarted by an `on_failure` policy (0: no policy).
    restarts: Vec<u32>,
    /// Per worker: a heartbeat whose window no run reaches, so that its
    /// per-run cancellation is exercised without any stall.
    heartbeats: Vec<bool>,
    /// Under `one_for_all` and `rest_for_one`, a failing run also restarts
    /// its siblings that have a policy: their restart counts can exceed
    /// their own planned failures, so their limits are generous and only
    /// workers whose planned behaviour succeeds or waits get a policy (a
    /// planned failure would otherwise be retried up to that limit).
    strategy: Strategy,
    order: ShutdownOrder,
}

/// When each worker of a group saw its cancellation and when it returned,
/// as ticks of one counter, for the shutdown-order check.
struct Stamps {
    clock: AtomicUsize,
    /// Per worker: (saw the cancellation, returned); 0 = never.
    seen: Vec<(AtomicUsize, AtomicUsize)>,
}

impl Stamps {
    fn new(count: usize) -> Arc<Stamps> {
        Arc::new(Stamps {
            clock: AtomicUsize::new(1),
            seen: (0..count)
                .map(|_| (AtomicUsize::new(0), AtomicUsize::new(0)))
                .collect(),
        })
    }

    /// Worker `index` saw its cancellation and returns now.
    fn cancelled(&self, index: usize) {
        let (saw, returned) = &self.seen[index];
        saw.store(self.clock.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
        returned.store(self.clock.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
    }

    fn get(&self, index: usize) -> (usize, usize) {
        let (saw, returned) = &self.seen[index];
        (saw.load(Ordering::SeqCst), returned.load(Ordering::SeqCst))
    }
}

impl Plan {
    fn random(rng: &mut Rng) -> Plan {
        let count = 1 + rng.below(8) as usize;
        let mut workers: Vec<(Behaviour, bool)> = (0..count)
            .map(|_| {
                let behaviour = COOPERATIVE[rng.below(COOPERATIVE.len() as u64) as usize];
                (behaviour, rng.chance(4))
            })
            .collect();
        if rng.chance(10) {
            let index = rng.below(count as u64) as usize;
            workers[index].0 = Stubborn;
        }
        let fails = workers.iter().any(|(b, _)| b.is_failure());
        let non_daemons_finish = workers.iter().all(|(b, daemon)| *daemon || b.is_finite());
        let has_non_daemon = workers.iter().any(|(_, daemon)| !daemon);
        // Waiting without cancelling only ends if the group ends by itself.
        let can_wait = fails || (non_daemons_finish && has_non_daemon);
        let owner = match rng.below(5) {
            0 if can_wait => Owner::Waits,
            1 => Owner::CancelsFirst,
            2 => Owner::CancelledFromAfar,
            3 => Owner::Drops,
            _ => Owner::CancelsLater,
        };
        let strategy = match rng.below(4) {
            0 => Strategy::OneForAll,
            1 => Strategy::RestForOne,
            _ => Strategy::OneForOne,
        };
        // A sibling spawner cut short by the shutdown would leave its
        // planned sibling unspawned: it is never restarted.
        let restartable = |behaviour: Behaviour| match strategy {
            Strategy::OneForOne => behaviour != SpawnSibling,
            _ => !matches!(behaviour, SpawnSibling | Stubborn | Fail | Panic),
        };
        let restarts: Vec<u32> = workers
            .iter()
            .map(|(behaviour, _)| {
                if restartable(*behaviour) && rng.chance(4) {
                    1 + rng.below(3) as u32
                } else {
                    0
                }
            })
            .collect();
        let heartbeats = (0..count).map(|_| rng.chance(4)).collect();
        let order = if rng.chance(4) {
            ShutdownOrder::AllAtOnce
        } else {
            ShutdownOrder::Reverse
        };
        Plan {
            order,
            heartbeats,
            workers,
            owner,
            readiness: (0..count)
                .map(|_| match rng.below(6) {
                    0 | 1 => Some(true),
                    2 => Some(false),
                    _ => None,
                })
                .collect(),
            drop_listener: rng.chance(3),
            waits_ready: rng.chance(2),
            restarts,
            strategy,
        }
    }

    /// Whether a worker that announces readiness may be cancelled before its
    /// first run: a restart round holds siblings that have a policy, and the
    /// shutdown can begin while they wait.
    fn may_hold_announcers(&self) -> bool {
        self.restarts_siblings()
            && (0..self.workers.len())
                .any(|index| self.readiness[index] == Some(true) && self.restarts[index] > 0)
    }

    /// Whether a failing run restarts siblings too.
    fn restarts_siblings(&self) -> bool {
        self.strategy != Strategy::OneForOne
    }

    /// Whether every worker that declares readiness announces it.
    fn all_announce(&self) -> bool {
        self.readiness.iter().all(|ready| *ready != Some(false))
    }

    fn declares_readiness(&self) -> bool {
        self.readiness.iter().any(Option::is_some)
    }

    fn has_stubborn(&self) -> bool {
        self.workers.iter().any(|(b, _)| *b == Stubborn)
    }

    /// The workers whose cancellation comes only from the group's
    /// shutdown, one at a time in reverse order: cancel-aware, no restart
    /// policy (a round cancels runs), in a group where no worker's time can
    /// run out (none ignores cancellation) and the owner waits (a dropped
    /// supervisor cancels everyone at once).
    fn ordered(&self) -> Vec<usize> {
        if self.order != ShutdownOrder::Reverse || self.has_stubborn() || self.owner == Owner::Drops
        {
            return Vec::new();
        }
        (0..self.workers.len())
            .filter(|&index| {
                matches!(self.workers[index].0, Sleep | Select) && self.restarts[index] == 0
            })
            .collect()
    }

    fn timeout(&self) -> Duration {
        if self.has_stubborn() {
            HUNG_AFTER
        } else {
            PATIENT
        }
    }
}

/// What a worker's body uses besides its plan: the gate a stubborn worker
/// waits on, its group's spawner, and where it stamps its cancellation.
struct Around {
    gate: Receiver<()>,
    spawner: threadkit::Spawner,
    stamps: Arc<Stamps>,
    index: usize,
}

fn body(
    behaviour: Behaviour,
    name: String,
    announces: bool,
    failing_runs: u32,
    max_restarts: u32,
    around: Around,
) -> Worker<Box<dyn std::any::Any + Send>> {
    let Around {
        gate,
        spawner,
        stamps,
        index,
    } = around;
    let worker_name = name.clone();
    let run = move |ctx: &threadkit::Context| -> Result<Box<dyn std::any::Any + Send>, BoxError> {
        if announces {
            ctx.ready();
        }
        match behaviour {
            Return => Ok(Box::new(())),
            Fail => Err("stress: planned failure".into()),
            Panic => panic!("stress: planned panic"),
            SelfCancel => Err(Cancelled.into()),
            Sleep => {
                let slept = ctx.sleep(Duration::MAX);
                stamps.cancelled(index);
                slept?;
                unreachable!("an unbounded sleep ends only by cancellation")
            }
            Select => {
                let cancelled = ctx.cancelled();
                let (_open, never) = bounded::<()>(0);
                select! {
                    recv(never) -> _ => unreachable!(),
                    recv(cancelled) -> _ => {
                        stamps.cancelled(index);
                        Err(Cancelled.into())
                    }
                }
            }
            ChildGroup => {
                let child = Supervisor::child_of(ctx);
                child.spawn(Worker::new(format!("{name}_leaf"), |leaf| {
                    leaf.sleep(Duration::MAX)
                }));
                let report = child.wait();
                assert!(report.records()[0].exit().is_cancelled(), "{report}");
                ctx.check()?;
                unreachable!("the child group ends only when its parent is cancelled")
            }
            SpawnSibling => {
                drop(spawner.spawn(Worker::infallible(format!("{name}_sibling"), |_ctx| ())));
                Ok(Box::new(()))
            }
            PanicOnDropValue => Ok(Box::new(PanicOnDrop)),
            SlowDropValue => Ok(Box::new(SlowDrop)),
            Stubborn => {
                let _ = gate.recv();
                Ok(Box::new(()))
            }
        }
    };
    if failing_runs == 0 {
        return Worker::new(worker_name, run);
    }
    let policy = Restart::on_failure()
        .max_restarts(max_restarts)
        .within(Duration::from_secs(3600))
        .backoff(Duration::ZERO, Duration::from_millis(1));
    // Two runs of one worker at once would be a broken restart round.
    let running = Arc::new(std::sync::atomic::AtomicBool::new(false));
    Worker::restarting(worker_name, policy, move |ctx| {
        assert!(
            !running.swap(true, Ordering::SeqCst),
            "two runs of one worker at once"
        );
        let _running = ClearOnDrop(&running);
        if ctx.restarts() < failing_runs {
            if announces {
                ctx.ready();
            }
            return Err("stress: planned failure before a restart".into());
        }
        run(ctx)
    })
}

/// Marks a run over, however it ends.
struct ClearOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Runs one planned group and checks it; `Err` describes the violation.
fn run_group(plan: &Plan, label: &str) -> Result<(), String> {
    let (release, gate) = bounded::<()>(0);
    let supervisor = Supervisor::new()
        .shutdown_timeout(plan.timeout())
        .strategy(plan.strategy)
        .shutdown_order(plan.order);
    let stamps = Stamps::new(plan.workers.len());
    let events = supervisor.events();
    if plan.drop_listener {
        drop(supervisor.events());
    }
    let spawner = supervisor.spawner();
    let mut handles = Vec::new();
    for (index, (behaviour, daemon)) in plan.workers.iter().enumerate() {
        let name = format!("{label}_w{index}");
        let readiness = plan.readiness[index];
        let worker = body(
            *behaviour,
            name,
            readiness == Some(true),
            plan.restarts[index],
            if plan.restarts_siblings() {
                1_000
            } else {
                plan.restarts[index]
            },
            Around {
                gate: gate.clone(),
                spawner: spawner.clone(),
                stamps: stamps.clone(),
                index,
            },
        )
        .daemon(*daemon)
        .readiness(readiness.is_some());
        let worker = if plan.heartbeats[index] {
            worker.heartbeat(Duration::from_secs(600))
        } else {
            worker
        };
        let handle = supervisor.spawn(worker);
        // Values whose Drop misbehaves are left to the runtime. If the
        // worker already finished, this handle holds the last reference and
        // the value is dropped here, as with a std `JoinHandle`.
        if matches!(behaviour, PanicOnDropValue | SlowDropValue) {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(handle)));
        } else {
            handles.push((index, handle));
        }
    }
    drop(spawner);

    if plan.waits_ready && plan.owner != Owner::Drops {
        // Declared workers announce first thing, so a group whose workers
        // all announce is ready well within the bound; one that does not
        // announce fails the start, or (still running) times out.
        let bound = if plan.all_announce() {
            PATIENT
        } else {
            Duration::from_millis(20)
        };
        match supervisor.wait_ready(bound) {
            Ok(()) if plan.all_announce() => {}
            Err(_) if plan.may_hold_announcers() => {}
            Err(threadkit::NotReady::Exited { worker, .. }) if !plan.all_announce() => {
                let index: usize = worker
                    .rsplit("_w")
                    .next()
                    .and_then(|index| index.parse().ok())
                    .unwrap_or(usize::MAX);
                if plan.readiness.get(index) != Some(&Some(false)) {
                    return Err(format!(
                        "{label}: {worker} failed the start but announces: {plan:?}"
                    ));
                }
            }
            Err(threadkit::NotReady::TimedOut) if !plan.all_announce() => {}
            other => return Err(format!("{label}: wait_ready said {other:?}: {plan:?}")),
        }
    }

    let from_afar = match plan.owner {
        Owner::CancelsFirst => {
            supervisor.cancel();
            None
        }
        Owner::CancelledFromAfar => {
            let canceller = supervisor.canceller();
            Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_micros(200));
                canceller.cancel();
            }))
        }
        Owner::Drops => {
            let dropped_at = Instant::now();
            drop(supervisor);
            let events = events_until_finished(&events, plan.timeout() + EPSILON)
                .map_err(|error| format!("{label}: {error}: {plan:?}"))?;
            let waited = dropped_at.elapsed();
            let bound = if plan.has_stubborn() {
                HUNG_AFTER + EPSILON
            } else {
                EPSILON
            };
            if waited > bound {
                return Err(format!(
                    "{label}: Finished came {waited:?} after the drop (bound {bound:?}): {plan:?}"
                ));
            }
            return check(plan, label, None, handles, events, release);
        }
        Owner::Waits | Owner::CancelsLater => None,
    };
    let supervisor = match plan.owner {
        Owner::CancelsLater => match supervisor.wait_timeout(Duration::from_millis(2)) {
            Ok(report) => {
                let events = events.try_iter().collect();
                return check(plan, label, Some(report), handles, events, release);
            }
            Err(supervisor) => {
                supervisor.cancel();
                supervisor
            }
        },
        _ => supervisor,
    };
    let waited_from = Instant::now();
    let bound = if plan.has_stubborn() {
        HUNG_AFTER + EPSILON
    } else {
        EPSILON
    };
    let report = match supervisor.wait_timeout(plan.timeout() + EPSILON) {
        Ok(report) => report,
        Err(_) => return Err(format!("{label}: wait() did not return: {plan:?}")),
    };
    let waited = waited_from.elapsed();
    if let Some(thread) = from_afar {
        thread.join().unwrap();
    }
    if waited > bound {
        return Err(format!(
            "{label}: wait() took {waited:?} (bound {bound:?}): {plan:?}\n{report}"
        ));
    }
    let events: Vec<Event> = events.try_iter().collect();
    check_order(plan, label, &stamps, &events, &report)?;
    check(plan, label, Some(report), handles, events, release)
}

/// Under the reverse order, each worker that waits for its cancellation
/// saw it only after every such worker declared after it had returned
/// (among those that joined before the shutdown began: the others start
/// cancelled).
fn check_order(
    plan: &Plan,
    label: &str,
    stamps: &Stamps,
    events: &[Event],
    report: &Report,
) -> Result<(), String> {
    let joined_before_shutdown: Vec<&str> = events
        .iter()
        .take_while(|event| !matches!(event, Event::ShutdownStarted { .. }))
        .filter_map(|event| match event {
            Event::Started { worker, .. } => Some(&**worker),
            _ => None,
        })
        .collect();
    let ordered: Vec<usize> = plan
        .ordered()
        .into_iter()
        .filter(|index| joined_before_shutdown.contains(&&*format!("{label}_w{index}")))
        .collect();
    for (position, &earlier) in ordered.iter().enumerate() {
        let (saw, _) = stamps.get(earlier);
        for &later in &ordered[position + 1..] {
            let (_, returned) = stamps.get(later);
            if saw != 0 && returned > saw {
                return Err(format!(
                    "{label}: w{earlier} was cancelled before w{later} returned: {plan:?}\n{report}"
                ));
            }
        }
    }
    Ok(())
}

/// Every event up to `Finished`, waiting at most `bound` for it.
fn events_until_finished(
    events: &threadkit::Events,
    bound: Duration,
) -> Result<Vec<Event>, String> {
    let deadline = Instant::now() + bound;
    let mut seen = Vec::new();
    loop {
        match events.recv_deadline(deadline) {
            Ok(event) => {
                let finished = matches!(event, Event::Finished { .. });
                seen.push(event);
                if finished {
                    return Ok(seen);
                }
            }
            Err(error) => return Err(format!("no Finished event ({error}) after {seen:?}")),
        }
    }
}

/// Checks a group's outcome against its plan, from its events and, unless
/// the owner dropped the supervisor, its report.
fn check(
    plan: &Plan,
    label: &str,
    report: Option<Report>,
    handles: Vec<(usize, threadkit::Handle<Box<dyn std::any::Any + Send>>)>,
    events: Vec<Event>,
    release: Sender<()>,
) -> Result<(), String> {
    let shown = report
        .as_ref()
        .map_or("(supervisor dropped)".to_owned(), Report::to_string);
    let context = || format!("{label}: {plan:?}\n{shown}");
    drop(release); // stubborn workers may end now

    // Exactly once, as planned: one Exited event per worker, with the
    // planned code, and the report and the handles agree.
    let mut expected: HashMap<String, i32> = HashMap::new();
    for (index, (behaviour, _)) in plan.workers.iter().enumerate() {
        expected.insert(format!("{label}_w{index}"), behaviour.code());
        if *behaviour == SpawnSibling {
            expected.insert(format!("{label}_w{index}_sibling"), 0);
        }
    }
    let records: Vec<&threadkit::Record> = events
        .iter()
        .filter_map(|event| match event {
            Event::Exited(record) => Some(record),
            _ => None,
        })
        .collect();
    // Restarts: a worker planned to fail `k` runs first is restarted
    // exactly `k` times and then ends as planned, unless the shutdown
    // began first: then it may end with a failing run (code 1) or be
    // cancelled during its backoff (130), after at most `k` restarts.
    let shutdown_at = events
        .iter()
        .position(|event| matches!(event, Event::ShutdownStarted { .. }));
    let failing_runs: HashMap<String, u32> = plan
        .restarts
        .iter()
        .enumerate()
        .map(|(index, runs)| (format!("{label}_w{index}"), *runs))
        .collect();
    let mut restart_events: HashMap<&str, u32> = HashMap::new();
    for (at, event) in events.iter().enumerate() {
        match event {
            Event::Restarting {
                worker, restart, ..
            } => {
                let count = restart_events.entry(worker).or_default();
                *count += 1;
                if *restart != *count {
                    return Err(format!(
                        "{worker}: restart {restart} announced as number {count}: {}",
                        context()
                    ));
                }
            }
            Event::Exited(record) => {
                let planned = failing_runs.get(record.name()).copied().unwrap_or(0);
                let announced = restart_events.get(record.name()).copied().unwrap_or(0);
                let after_shutdown = shutdown_at.is_some_and(|shutdown| shutdown < at);
                let exact = match (after_shutdown, plan.restarts_siblings()) {
                    (true, false) => record.restarts() <= planned,
                    (false, false) => record.restarts() == planned,
                    // Rounds restart siblings: at least the planned
                    // failures, unless the shutdown cut them short.
                    (true, true) => planned > 0 || record.restarts() == 0,
                    (false, true) => record.restarts() >= planned,
                };
                if !exact || announced != record.restarts() {
                    return Err(format!(
                        "{} restarted {} times ({announced} announced), planned {planned}: {}",
                        record.name(),
                        record.restarts(),
                        context()
                    ));
                }
                if planned > 0 && after_shutdown && matches!(record.code(), 1 | 130) {
                    expected.insert(record.name().to_owned(), record.code());
                }
            }
            _ => {}
        }
    }
    if records.len() != expected.len() {
        return Err(format!(
            "{} Exited events for {} workers: {}",
            records.len(),
            expected.len(),
            context()
        ));
    }
    for record in &records {
        match expected.get(record.name()) {
            Some(code) if *code == record.code() => {}
            Some(code) => {
                return Err(format!(
                    "{} ended {} (code {}), planned code {code}: {}",
                    record.name(),
                    record.exit(),
                    record.code(),
                    context()
                ))
            }
            None => return Err(format!("unplanned record {}: {}", record.name(), context())),
        }
    }
    if let Some(report) = &report {
        if report.records().len() != expected.len() || report.folded() != 0 {
            return Err(format!(
                "{} records for {} workers: {}",
                report.records().len(),
                expected.len(),
                context()
            ));
        }
        for record in report.records() {
            if expected.get(record.name()) != Some(&record.code()) {
                return Err(format!(
                    "the report disagrees on {}: {}",
                    record.name(),
                    context()
                ));
            }
        }
    }
    for (index, handle) in handles {
        let exit = handle.join();
        let planned = expected[&format!("{label}_w{index}")];
        if exit.code() != planned {
            return Err(format!(
                "handle of w{index} says {exit}, planned {planned}: {}",
                context()
            ));
        }
    }

    // Events: order per worker and per group.
    let mut started: HashMap<&str, usize> = HashMap::new();
    let mut exited: HashMap<&str, usize> = HashMap::new();
    let mut shutdowns = Vec::new();
    let mut first_failure_event: Option<(usize, &str, i32)> = None;
    let mut hung = false;
    let mut finished_code = None;
    for (at, event) in events.iter().enumerate() {
        match event {
            Event::Started { worker, .. } if started.insert(worker, at).is_some() => {
                return Err(format!("{worker} started twice: {}", context()));
            }
            Event::Exited(record) => {
                if !started.contains_key(record.name()) {
                    return Err(format!(
                        "{} exited before it started: {}",
                        record.name(),
                        context()
                    ));
                }
                if exited.insert(record.name(), at).is_some() {
                    return Err(format!("{} exited twice: {}", record.name(), context()));
                }
                let failed = matches!(record.exit(), Exit::Failed(_) | Exit::Panicked(_));
                if failed && first_failure_event.is_none() {
                    first_failure_event = Some((at, record.name(), record.code()));
                }
                hung |= record.exit().is_hung();
            }
            Event::ShutdownStarted { cause, .. } => shutdowns.push((at, cause.clone())),
            Event::Finished { exit_code } => {
                if at + 1 != events.len() {
                    return Err(format!("Finished is not the last event: {}", context()));
                }
                finished_code = Some(*exit_code);
            }
            _ => {}
        }
    }
    let code = match (first_failure_event, hung) {
        (Some((_, _, code)), _) => code,
        (None, true) => 124,
        (None, false) => 0,
    };
    if finished_code != Some(code) {
        return Err(format!(
            "Finished says {finished_code:?}, the exits say {code}: {}",
            context()
        ));
    }
    if shutdowns.len() > 1 {
        return Err(format!(
            "{} ShutdownStarted events: {}",
            shutdowns.len(),
            context()
        ));
    }
    let cause = shutdowns.first().map(|(_, cause)| cause);
    if let Some(report) = &report {
        if report.shutdown_cause() != cause || report.exit_code() != code {
            return Err(format!(
                "the report disagrees with the events on the cause or code: {}",
                context()
            ));
        }
    }

    // The first failure, against the recorded order.
    if let Some(report) = &report {
        let first = report
            .first_failure()
            .filter(|record| !record.exit().is_hung());
        if first.map(|record| record.name()) != first_failure_event.map(|(_, name, _)| name) {
            return Err(format!(
                "first failure {:?}, events say {first_failure_event:?}: {}",
                first.map(|r| r.name()),
                context()
            ));
        }
    }
    if let Some((failed_at, name, _)) = first_failure_event {
        let shutdown_after = shutdowns.first().map_or(true, |(at, _)| *at > failed_at);
        let caused = matches!(cause, Some(ShutdownCause::Failed { worker }) if &**worker == name);
        if shutdown_after && !caused {
            return Err(format!(
                "{name} failed before any shutdown but did not cause one (fail-fast): {}",
                context()
            ));
        }
    }

    // Readiness: one `Ready` per announcing worker; `GroupReady` once when
    // every declaring worker announced and the owner waited, else never.
    let announced = events
        .iter()
        .filter(|event| matches!(event, Event::Ready { .. }))
        .count();
    let announcing = plan
        .readiness
        .iter()
        .filter(|ready| **ready == Some(true))
        .count();
    let held = plan.may_hold_announcers() && announced < announcing;
    if announced != announcing && !held {
        return Err(format!(
            "{announced} Ready events for {announcing} announcing workers: {}",
            context()
        ));
    }
    let group_ready = events
        .iter()
        .filter(|event| matches!(event, Event::GroupReady))
        .count();
    let expected_ready = usize::from(
        plan.declares_readiness() && plan.all_announce() && plan.owner != Owner::Drops && !held,
    );
    if group_ready != expected_ready {
        return Err(format!(
            "{group_ready} GroupReady events, expected {expected_ready}: {}",
            context()
        ));
    }

    // A group the owner did not cancel finished by itself, for the right reason.
    let completes = plan.owner == Owner::Waits && !plan.workers.iter().any(|(b, _)| b.is_failure());
    if completes && cause != Some(&ShutdownCause::Completed) {
        return Err(format!("expected completion, got {cause:?}: {}", context()));
    }
    Ok(())
}

fn setting(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

/// Counts panics seen by a user hook chained behind threadkit's, which
/// silences the planned ones.
fn count_panics() -> Arc<AtomicUsize> {
    static INSTALL: Once = Once::new();
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    INSTALL.call_once(move || {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
            if message.starts_with("stress: ") {
                seen.fetch_add(1, Ordering::Relaxed);
            } else {
                default(info);
            }
        }));
    });
    counter
}

#[test]
fn random_groups_keep_every_guarantee() {
    let panics = count_panics();
    let seeds: Vec<u64> = match setting("THREADKIT_STRESS_SEED") {
        Some(seed) => vec![seed],
        None => vec![0x5eed_cafe, 1, 2, 3],
    };
    let groups_per_seed = setting("THREADKIT_STRESS_GROUPS").unwrap_or(240) as usize;
    let baseline = os_threads();
    let started = Instant::now();
    let mut groups = 0;
    let mut planned_panics = 0;
    for seed in seeds {
        let mut round = 0;
        while round * GROUPS_PER_ROUND * (DRIVERS as usize) < groups_per_seed {
            let drivers: Vec<_> = (0..DRIVERS)
                .map(|driver| {
                    let mut rng = Rng::new(seed ^ (round as u64) << 8 ^ driver);
                    std::thread::spawn(move || {
                        let mut panics = 0;
                        for n in 0..GROUPS_PER_ROUND {
                            let plan = Plan::random(&mut rng);
                            // A worker that fails runs first may be cut
                            // short by the shutdown before its planned panic.
                            panics += plan
                                .workers
                                .iter()
                                .zip(&plan.restarts)
                                .filter(|((b, _), failing_runs)| {
                                    matches!(b, Panic | PanicOnDropValue) && **failing_runs == 0
                                })
                                .count();
                            let label = format!("s{seed}r{round}d{driver}g{n}");
                            run_group(&plan, &label).map_err(|e| format!("seed {seed}: {e}"))?;
                        }
                        Ok::<usize, String>(panics)
                    })
                })
                .collect();
            for driver in drivers {
                let outcome = driver.join().unwrap_or_else(|payload| {
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
                    Err(format!("a driver panicked: {message:?}"))
                });
                match outcome {
                    Ok(panics) => planned_panics += panics,
                    Err(violation) => panic!("{violation}"),
                }
            }
            groups += GROUPS_PER_ROUND * DRIVERS as usize;
            threads_back_to(baseline).unwrap_or_else(|e| panic!("seed {seed} round {round}: {e}"));
            round += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "stress: {groups} groups in {seconds:.1} s ({:.0} groups/s)",
        groups as f64 / seconds
    );
    // The hook chain saw every planned panic (threadkit's hook chains to it).
    assert!(
        panics.load(Ordering::Relaxed) >= planned_panics,
        "the user's hook missed panics"
    );
}

/// Limits under stress: random groups with a random limit, workers that
/// return, fail or wait for their cancellation, spawned by the owner and by
/// other workers (`spawn` and `try_spawn`), and a random owner. In every
/// group the workers inside their bodies never outnumber the limit; every
/// worker is recorded once; a worker whose record says it never started
/// ended `Cancelled`, its body never ran, and the shutdown had begun.
#[test]
fn random_limited_groups_never_exceed_their_limit() {
    let groups = setting("THREADKIT_STRESS_GROUPS").unwrap_or(240) as usize;
    let baseline = os_threads();
    let mut rng = Rng::new(setting("THREADKIT_STRESS_SEED").unwrap_or(0x11_4175));
    for group in 0..groups {
        let max = 1 + rng.below(4) as usize;
        let count = 1 + rng.below(12) as usize;
        let plan: Vec<u64> = (0..count).map(|_| rng.below(4)).collect();
        let cancels = rng.chance(2);
        limited_group(group, max, &plan, cancels).unwrap_or_else(|e| panic!("{e}"));
    }
    threads_back_to(baseline).unwrap_or_else(|e| panic!("{e}"));
}

fn limited_group(group: usize, max: usize, plan: &[u64], cancels: bool) -> Result<(), String> {
    let supervisor = Supervisor::new()
        .limit(std::num::NonZeroUsize::new(max).unwrap())
        .shutdown_timeout(PATIENT);
    let events = supervisor.events();
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let ran: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let spawner = supervisor.spawner();
    let make = |name: String, kind: u64| {
        let (inside, most, ran) = (inside.clone(), most.clone(), ran.clone());
        let spawner = spawner.clone();
        Worker::new(name.clone(), move |ctx: &threadkit::Context| {
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            ran.lock().unwrap().push(name.clone());
            let outcome = match kind {
                0 => Ok(()),
                1 => Err(BoxError::from("planned failure")),
                2 => ctx.sleep(Duration::MAX).map_err(BoxError::from),
                _ => {
                    // Adds a worker from inside, waiting or not.
                    let child = Worker::new(format!("{name}_child"), |_ctx| ());
                    if let Err(child) = spawner.try_spawn(child) {
                        drop(spawner.spawn(child));
                    }
                    Ok(())
                }
            };
            inside.fetch_sub(1, Ordering::SeqCst);
            outcome
        })
    };
    for (index, kind) in plan.iter().enumerate() {
        drop(supervisor.spawn(make(format!("g{group}_w{index}"), *kind)));
    }
    drop(spawner);
    // Waiting workers hold their slots until cancelled: a failure queued
    // behind them would never come.
    if cancels || plan.contains(&2) {
        supervisor.cancel();
    }
    let waited_from = Instant::now();
    let report = match supervisor.wait_timeout(PATIENT + EPSILON) {
        Ok(report) => report,
        Err(_) => return Err(format!("group {group}: wait() did not return")),
    };
    let waited = waited_from.elapsed();
    let context = || format!("group {group}, limit {max}, plan {plan:?}\n{report}");
    // Everyone cooperates, so the shutdown timeout is never reached.
    if waited > EPSILON {
        return Err(format!("wait() took {waited:?}: {}", context()));
    }
    let most = most.load(Ordering::SeqCst);
    if most > max {
        return Err(format!("{most} workers ran at once: {}", context()));
    }
    let events: Vec<Event> = events.try_iter().collect();
    let shutdown_at = events
        .iter()
        .position(|event| matches!(event, Event::ShutdownStarted { .. }));
    let ran = ran.lock().unwrap();
    let mut seen = std::collections::HashSet::new();
    for (at, event) in events.iter().enumerate() {
        let Event::Exited(record) = event else {
            continue;
        };
        if !seen.insert(record.name().to_owned()) {
            return Err(format!("{} recorded twice: {}", record.name(), context()));
        }
        if !record.started() {
            let body_ran = ran.iter().any(|name| name == record.name());
            if body_ran || !record.exit().is_cancelled() || !shutdown_at.is_some_and(|s| s < at) {
                return Err(format!(
                    "{} never started, yet ran {body_ran}, ended {}, shutdown at {shutdown_at:?}: {}",
                    record.name(),
                    record.exit(),
                    context()
                ));
            }
        }
    }
    if seen.len() != report.records().len() {
        return Err(format!("events and report disagree: {}", context()));
    }
    Ok(())
}
