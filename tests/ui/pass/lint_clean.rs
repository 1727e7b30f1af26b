//! The expansion adds no lint findings to a strict user crate. (Compiled by
//! rustc here; CI's `cargo clippy -D warnings` checks `tests/macros.rs`,
//! which uses the same forms.)
#![deny(clippy::all, missing_docs, unused, rust_2018_idioms)]

use threadkit::{supervise, worker, Context, Worker};

/// A documented worker.
#[worker(name = "job_{n}", stack_size = 64 * 1024)]
pub fn job(ctx: &Context, n: u32) -> Result<u32, String> {
    ctx.check().map_err(|c| c.to_string())?;
    Ok(n)
}

/// A worker compiled only where `cfg` says so.
#[cfg(not(any()))]
#[worker]
pub fn configured() {}

/// A documented group.
#[supervise(shutdown_timeout = "1s")]
pub struct Group {
    /// The jobs.
    pub jobs: Vec<Worker<u32>>,
    /// The configured worker.
    pub configured: Worker<()>,
}

fn main() {
    let report = Group {
        jobs: vec![job(1), job(2)],
        configured: configured(),
    }
    .run();
    assert!(report.is_success());
}
