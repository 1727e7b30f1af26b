//! Seed 003: typed results instead of `getResult()` and a locked list.
//!
//! The Python tutorial gives each thread a `getResult()` method, or has all
//! threads append to one list behind a `threading.Lock`. Here each worker
//! returns its value and the report hands it back with its type:
//! `report.sums[i]` is an `Exit<u64>`, `report.longest` an `Exit<String>`.
//! Nothing is shared, so nothing needs a lock.
//!
//! Run it with `cargo run --example results`.

use threadkit::{supervise, worker, Exit, Worker};

/// Sums one slice of the range.
#[worker(name = "sum_{start}_{end}")]
fn partial_sum(start: u64, end: u64) -> u64 {
    (start..end).sum()
}

/// Finds the longest word of a text.
#[worker]
fn longest(text: String) -> Option<String> {
    text.split_whitespace()
        .max_by_key(|word| word.len())
        .map(str::to_owned)
}

#[supervise]
struct Jobs {
    sums: Vec<Worker<u64>>,
    longest: Worker<Option<String>>,
}

fn main() -> JobsReport {
    let slices = 4;
    let size = 250_000;
    let report = Jobs {
        sums: (0..slices)
            .map(|i| partial_sum(i * size, (i + 1) * size))
            .collect(),
        longest: longest("typed results need no shared state".to_owned()),
    }
    .run();

    let total: u64 = report.sums.iter().filter_map(Exit::value).sum();
    println!("sum of 0..{} = {total}", slices * size);
    if let Exit::Returned(Some(word)) = &report.longest {
        println!("longest word: {word}");
    }
    report
}
