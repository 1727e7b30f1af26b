//! Seed 000: nine config fetchers, one of them fails.
//!
//! The Python original starts nine threads that append to a global
//! `all_config` list; the thread for `n == 4` dies, and the main thread
//! never finds out. The follow-up version stores an `exitcode` attribute on
//! each thread and polls every 0.1 s to notice it.
//!
//! Here each fetcher is a `Worker<Config>`: its result comes back through
//! its handle (no shared list, no lock), its failure lands in the report
//! (no polling), and `main` exits with code 1 and a table naming
//! `get_config_4` and its error.
//!
//! The fetchers do CPU-bound work, as in the seed, with no cancellation
//! checkpoints, so the ones that do not fail finish even though the
//! supervisor cancels the group at the first failure (see the
//! `exc_thread` example for workers that stop early).
//!
//! Run it with `cargo run --example get_config`.

use std::fmt;

use threadkit::{Handle, Report, Supervisor, Worker};

#[derive(Debug)]
struct Config {
    id: u32,
    checksum: u64,
}

#[derive(Debug)]
struct ConfigError {
    id: u32,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config {} failed validation", self.id)
    }
}

impl std::error::Error for ConfigError {}

/// The seed's stand-in for real work: count down, then return a config
/// (or, for config 4, fail).
fn get_config(id: u32) -> Worker<Config> {
    Worker::new(format!("get_config_{id}"), move |ctx| {
        println!("{} is running...", ctx.name());
        let mut checksum = u64::from(id);
        for step in 0..2_000_000_u64 {
            checksum = std::hint::black_box(checksum.wrapping_mul(31).wrapping_add(step));
        }
        if id == 4 {
            return Err(ConfigError { id });
        }
        println!("{} is done", ctx.name());
        Ok(Config { id, checksum })
    })
}

fn main() -> Report {
    let supervisor = Supervisor::new();
    let fetchers: Vec<Handle<Config>> =
        (1..=9).map(|id| supervisor.spawn(get_config(id))).collect();

    let report = supervisor.wait();

    let configs: Vec<Config> = fetchers
        .into_iter()
        .filter_map(|fetcher| fetcher.join().ok())
        .collect();
    let ids: Vec<u32> = configs.iter().map(|config| config.id).collect();
    println!("collected {} configs: {ids:?}", configs.len());
    if let Some(config) = configs.first() {
        println!("config {} checksum {:#x}", config.id, config.checksum);
    }

    // Exits with the report's code (1 here) and prints the table to stderr.
    report
}
