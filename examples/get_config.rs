//! Seed 000: nine config fetchers, one of them fails.
//!
//! The Python original starts nine threads that append to a global
//! `all_config` list; the thread for `n == 4` dies and the main thread never
//! finds out. Its follow-up stores an `exitcode` on each thread and polls
//! every 0.1 s to notice.
//!
//! Here each fetcher is a `#[worker]`: its result comes back typed in the
//! report (no shared list, no lock), its failure is recorded the moment it
//! happens (no polling), and `main` exits with code 1 and a table naming
//! `get_config_4` and its error.
//!
//! The fetchers do CPU-bound work with no cancellation checkpoints, as in
//! the seed, so the others finish even though the first failure cancels the
//! group (see the `exc_thread` example for workers that stop early).
//!
//! Run it with `cargo run --example get_config`.

use std::fmt;

use threadkit::{supervise, worker, Context, Exit, Worker};

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
#[worker(name = "get_config_{id}")]
fn get_config(ctx: &Context, id: u32) -> Result<Config, ConfigError> {
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
}

#[supervise]
struct Fetchers {
    configs: Vec<Worker<Config>>,
}

fn main() -> FetchersReport {
    let report = Fetchers {
        configs: (1..=9).map(get_config).collect(),
    }
    .run();

    let configs: Vec<&Config> = report.configs.iter().filter_map(Exit::value).collect();
    let ids: Vec<u32> = configs.iter().map(|config| config.id).collect();
    println!("collected {} configs: {ids:?}", configs.len());
    if let Some(config) = configs.first() {
        println!("config {} checksum {:#x}", config.id, config.checksum);
    }

    // Exits with the report's code (1 here) and prints the table to stderr.
    report
}
