//! Every form `#[supervise]` accepts, and what it generates.
use std::time::Duration;
use threadkit::{supervise, worker, Context, Exit, Worker};

#[worker(name = "fetch_{n}")]
fn fetch(n: u32) -> Result<u32, String> {
    if n == 4 { Err(format!("fetch {n} failed")) } else { Ok(n * 10) }
}

#[worker(daemon)]
fn heartbeat(ctx: &Context) {
    while ctx.sleep(Duration::from_millis(1)).is_ok() {}
}

#[worker]
fn wait_for_cancel(ctx: &Context) -> Result<(), threadkit::Cancelled> {
    ctx.sleep(Duration::MAX)
}

type Workers = Vec<Worker<u32>>;

/// A subtree.
#[supervise(shutdown_timeout = "1s")]
struct Cache {
    warmers: Workers,
}

/// The whole app.
#[supervise(shutdown_timeout = "250ms")]
pub struct App {
    pub fetchers: Vec<Worker<u32>>,
    heartbeat: Worker<()>,
    optional: Option<Worker<u32>>,
    pair: [Worker<u32>; 2],
    cache: Cache,
    #[supervise(skip)]
    pub label: String,
}

#[supervise]
struct Empty {}

#[supervise]
struct Service {
    idle: Worker<()>,
}

fn main() {
    strategies::run();
    completions::run();
    shutdown_orders::run();
    let report = App {
        fetchers: (1..=3).map(fetch).collect(),
        heartbeat: heartbeat(),
        optional: None,
        pair: [fetch(5), fetch(6)],
        cache: Cache { warmers: vec![fetch(7)] },
        label: "demo".to_owned(),
    }
    .run();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.fetchers[2].value(), Some(&30));
    assert!(report.optional.is_none());
    assert_eq!(report.pair[1].value(), Some(&60));
    let cache = report.cache.as_ref().expect("the subtree reported");
    assert_eq!(cache.warmers[0].value(), Some(&70));
    assert_eq!(report.label, "demo");
    assert!(report.heartbeat.is_success());
    assert_eq!(report.exit_code(), 0);

    // A failure in a subtree is one failure of the parent.
    let report = App {
        fetchers: vec![],
        heartbeat: heartbeat(),
        optional: Some(fetch(1)),
        pair: [fetch(2), fetch(3)],
        cache: Cache { warmers: vec![fetch(4)] },
        label: String::new(),
    }
    .run();
    assert_eq!(report.first_failure().unwrap().name(), "cache");
    assert_eq!(report.exit_code(), 1);
    let cache = report.cache.as_ref().unwrap();
    assert!(matches!(cache.warmers[0], Exit::Failed(_)));

    assert!(Empty {}.run().is_success());

    // start(): a running group to cancel, listen to and wait on.
    let running = Service { idle: wait_for_cancel() }.start();
    let events = running.events();
    let running = running.wait_timeout(Duration::from_millis(5)).unwrap_err();
    running.idle.cancel();
    let report = running.wait();
    assert!(report.idle.is_cancelled());
    assert!(events.iter().count() >= 2);

    let running = Service { idle: wait_for_cancel() }.start();
    let canceller = running.canceller();
    canceller.cancel();
    let report = running.wait();
    assert_eq!(report.as_report().exit_code(), 0);
    let plain: threadkit::Report = report.into_report();
    assert_eq!(plain.records().len(), 1);
}

mod completions {
    use std::time::Duration;
    use threadkit::{supervise, worker, Cancelled, Context, Exit, Worker};

    #[worker]
    fn replica(ctx: &Context, delay: Duration) -> Result<Duration, Cancelled> {
        ctx.sleep(delay)?;
        Ok(delay)
    }

    #[supervise(completion = "first_success")]
    pub struct Hedged {
        pub replicas: Vec<Worker<Duration>>,
    }

    #[supervise(completion = "all_settle", strategy = "one_for_one")]
    pub struct Batch {
        pub rows: Vec<Worker<Duration>>,
    }

    pub fn run() {
        let report = Hedged {
            replicas: vec![replica(Duration::from_secs(3600)), replica(Duration::ZERO)],
        }
        .run();
        assert!(report.replicas[0].is_cancelled());
        assert!(matches!(report.replicas[1], Exit::Returned(d) if d.is_zero()));
        let report = Batch {
            rows: vec![replica(Duration::ZERO)],
        }
        .run();
        assert!(matches!(report.rows[0], Exit::Returned(d) if d.is_zero()));
    }
}

mod shutdown_orders {
    use std::sync::{Arc, Mutex};
    use threadkit::{supervise, worker, Context, Worker};

    type Log = Arc<Mutex<Vec<&'static str>>>;

    #[worker(daemon, shutdown_timeout = "30s")]
    fn journal(ctx: &Context, log: Log) {
        let _ = ctx.cancelled().recv();
        log.lock().unwrap().push("journal");
    }

    #[worker(daemon, shutdown_timeout = "250ms")]
    fn api(ctx: &Context, log: Log) {
        let _ = ctx.cancelled().recv();
        log.lock().unwrap().push("api");
    }

    #[supervise(shutdown_timeout = "60s")]
    pub struct Ordered {
        pub journal: Worker<()>,
        pub api: Worker<()>,
    }

    #[supervise(shutdown_order = "all_at_once")]
    pub struct AtOnce {
        pub journal: Worker<()>,
        pub api: Worker<()>,
    }

    pub fn run() {
        let log = Log::default();
        let running = Ordered {
            journal: journal(log.clone()),
            api: api(log.clone()),
        }
        .start();
        running.cancel();
        assert!(running.wait().is_success());
        assert_eq!(*log.lock().unwrap(), ["api", "journal"]);

        let running = AtOnce {
            journal: journal(log.clone()),
            api: api(log.clone()),
        }
        .start();
        running.cancel();
        assert!(running.wait().is_success());
    }
}

mod strategies {
    use threadkit::{supervise, worker, Restart, Worker};

    #[worker(restart = "on_failure", backoff = "0s..0s")]
    fn stage(n: u32) -> u32 {
        n
    }

    #[supervise(strategy = "rest_for_one")]
    pub struct Pipeline {
        pub first: Worker<u32>,
        pub second: Worker<u32>,
    }

    pub fn run() {
        let report = Pipeline {
            first: stage(1),
            second: stage(2),
        }
        .run();
        assert_eq!(report.first.ok(), Some(1));
        assert_eq!(report.second.ok(), Some(2));
        let _ = Restart::never();
    }
}
