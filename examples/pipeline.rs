//! A pipeline (seed 004): a producer, four parsers and a collector, joined
//! by bounded channels.
//!
//! ```sh
//! cargo run --example pipeline                  # every item committed: exits 0
//! cargo run --example pipeline -- --corrupt 37  # a parser fails on item 37: exits 1
//! ```
//!
//! The Python original passes work through `queue.Queue`s and stops its
//! threads with sentinels; a thread that dies leaves the others blocked on
//! a queue forever. Here every stage is a `#[worker]` that waits in
//! `select!` on its channel *and* its context's cancel receiver, so when
//! one stage fails the group's fail-fast cancels the others, upstream
//! first (a shutdown goes in reverse declaration order), and each stops at
//! its next wait: the producer stops producing, the parsers stop parsing,
//! and the collector commits what reached it, then stops. `main` exits
//! with the failure's code and a table naming the stage that failed.
//!
//! **Delivery guarantee.** An item is *acknowledged* once the collector has
//! committed it to the sink. Every acknowledged item is in the sink exactly
//! once; an item the pipeline produced but did not commit before it
//! stopped is listed as not processed, so a rerun can start from those.
//! Nothing acknowledged is lost, and nothing unacknowledged is claimed done.
//! When every stage succeeds, every produced item is acknowledged.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use threadkit::channel::{bounded, select, Receiver, Sender};
use threadkit::{supervise, worker, Cancelled, Context, Worker};

/// How many items the producer makes.
const ITEMS: u64 = 10_000;
const PARSERS: usize = 4;

/// What a stage can fail with.
#[derive(Debug)]
enum StageError {
    Cancelled,
    Corrupt(u64),
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StageError::Cancelled => f.write_str("cancelled"),
            StageError::Corrupt(item) => write!(f, "item {item} is corrupt"),
        }
    }
}

impl std::error::Error for StageError {}

impl From<Cancelled> for StageError {
    fn from(_: Cancelled) -> Self {
        StageError::Cancelled
    }
}

/// Sends item ids 1..=ITEMS, recording each one the channel took.
#[worker]
fn producer(
    ctx: &Context,
    items: Sender<u64>,
    produced: Arc<Mutex<Vec<u64>>>,
) -> Result<u64, Cancelled> {
    let cancelled = ctx.cancelled();
    for item in 1..=ITEMS {
        select! {
            send(items, item) -> sent => {
                if sent.is_err() {
                    break; // every parser is gone: the pipeline is stopping
                }
                produced.lock().unwrap().push(item);
            }
            recv(cancelled) -> _ => return Err(Cancelled),
        }
    }
    ctx.check()?;
    Ok(ITEMS)
}

/// Parses items into results; fails on the item `corrupt`, if any.
#[worker(name = "parser_{index}")]
fn parser(
    ctx: &Context,
    index: usize,
    items: Receiver<u64>,
    results: Sender<(u64, u64)>,
    corrupt: Option<u64>,
) -> Result<u64, StageError> {
    let cancelled = ctx.cancelled();
    let mut parsed = 0;
    loop {
        let item = select! {
            recv(items) -> item => match item {
                Ok(item) => item,
                // The producer is done, or was stopped: `check` tells which.
                Err(_) => return ctx.check().map(|()| parsed).map_err(Into::into),
            },
            recv(cancelled) -> _ => return Err(StageError::Cancelled),
        };
        if Some(item) == corrupt {
            return Err(StageError::Corrupt(item));
        }
        let value = item * item;
        select! {
            send(results, (item, value)) -> sent => if sent.is_err() {
                return Err(StageError::Cancelled);
            },
            recv(cancelled) -> _ => return Err(StageError::Cancelled),
        }
        parsed += 1;
    }
}

/// Commits results to the sink: this is where an item is acknowledged.
#[worker]
fn collector(
    ctx: &Context,
    results: Receiver<(u64, u64)>,
    sink: Arc<Mutex<Vec<(u64, u64)>>>,
) -> Result<usize, Cancelled> {
    let cancelled = ctx.cancelled();
    loop {
        select! {
            recv(results) -> result => match result {
                Ok(result) => sink.lock().unwrap().push(result),
                // Every parser is done, or was stopped: `check` tells which.
                Err(_) => return ctx.check().map(|()| sink.lock().unwrap().len()),
            },
            recv(cancelled) -> _ => return Err(Cancelled),
        }
    }
}

/// Declared downstream first: a shutdown cancels workers in reverse
/// declaration order, so the producer stops first and each stage is
/// cancelled only after every stage feeding it has stopped.
#[supervise]
struct Pipeline {
    collector: Worker<usize>,
    parsers: Vec<Worker<u64>>,
    producer: Worker<u64>,
}

fn main() -> PipelineReport {
    let corrupt = std::env::args()
        .skip_while(|arg| arg != "--corrupt")
        .nth(1)
        .map(|item| item.parse().expect("--corrupt takes an item number"));
    let (items, parser_inbox) = bounded(8);
    let (results, collector_inbox) = bounded(8);
    let produced = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::new(Mutex::new(Vec::new()));

    let pipeline = Pipeline {
        collector: collector(collector_inbox, sink.clone()),
        parsers: (0..PARSERS)
            .map(|index| parser(index, parser_inbox.clone(), results.clone(), corrupt))
            .collect(),
        producer: producer(items, produced.clone()),
    };
    // The stages hold the only ends: the collector's inbox disconnects once
    // every parser is done, and the parsers' once the producer is.
    drop((parser_inbox, results));
    let report = pipeline.run();

    // The guarantee, checked: every acknowledged item is in the sink once,
    // and everything produced is either acknowledged or listed as not
    // processed.
    let produced: BTreeSet<u64> = produced.lock().unwrap().iter().copied().collect();
    let sink = sink.lock().unwrap();
    let committed: BTreeSet<u64> = sink.iter().map(|(item, _)| *item).collect();
    assert_eq!(committed.len(), sink.len(), "an item was committed twice");
    assert!(
        committed.is_subset(&produced),
        "an unproduced item was committed"
    );
    let not_processed: Vec<u64> = produced.difference(&committed).copied().collect();
    println!("produced {} items", produced.len());
    println!("committed {} items", committed.len());
    println!(
        "not processed: {} items {:?}{}",
        not_processed.len(),
        &not_processed[..not_processed.len().min(10)],
        if not_processed.len() > 10 { " ..." } else { "" }
    );
    // `fn main() -> PipelineReport`: exits with the report's code and
    // prints its table to stderr when that code is not 0.
    report
}
