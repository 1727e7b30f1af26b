//! Generic groups: type, lifetime and const parameters, bounds inline and
//! in a `where` clause, defaults. The report and running aliases take the
//! group's parameters; a generic group nests in another group.
#![deny(warnings, missing_docs, missing_debug_implementations)]

use std::fmt::Debug;

use threadkit::{supervise, Worker};

/// A pool of workers that all produce a `T`.
#[derive(Debug)]
#[supervise]
pub struct Pool<T: Send + 'static> {
    /// The workers.
    pub workers: Vec<Worker<T>>,
}

/// Bounds in a `where` clause, a default, a const parameter, and a
/// borrowed field passed through untouched.
#[supervise]
pub struct Batch<'a, T = u8, const N: usize = 2>
where
    T: Send + Debug + 'static,
{
    /// A fixed number of workers.
    pub workers: [Worker<T>; N],
    /// Passed through.
    #[supervise(skip)]
    pub label: &'a str,
}

impl<T: Send + Debug + 'static, const N: usize> Debug for Batch<'_, T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("label", &self.label).finish()
    }
}

/// A generic group as a field of another group.
#[derive(Debug)]
#[supervise]
pub struct Outer {
    /// A nested pool of strings.
    pub strings: Pool<String>,
    /// A worker of its own.
    pub own: Worker<u8>,
}

/// The aliases take the group's parameters.
pub fn total(report: &PoolReport<u32>) -> u32 {
    report.workers.iter().filter_map(|exit| exit.value()).sum()
}

fn main() {
    let pool = Pool {
        workers: (1..=3u32)
            .map(|n| Worker::infallible(format!("w{n}"), move |_ctx| n))
            .collect(),
    };
    let report = pool.run();
    assert_eq!(total(&report), 6);

    let label = String::from("batch");
    let batch: Batch<'_> = Batch {
        workers: [
            Worker::infallible("a", |_ctx| 1u8),
            Worker::infallible("b", |_ctx| 2u8),
        ],
        label: &label,
    };
    let running: BatchRunning<'_> = batch.start();
    let report: BatchReport<'_> = running.wait();
    assert_eq!(report.label, "batch");
    assert_eq!(report.workers[1].value(), Some(&2));
    assert!(report.is_success());

    let outer = Outer {
        strings: Pool {
            workers: vec![Worker::infallible("s", |_ctx| String::from("x"))],
        },
        own: Worker::infallible("own", |_ctx| 7u8),
    };
    let report = outer.run();
    let strings = report.strings.as_ref().expect("the nested pool ran");
    assert_eq!(strings.workers[0].value().map(String::as_str), Some("x"));
    assert_eq!(report.own.value(), Some(&7));
}
