//! User names that shadow std and threadkit items do not break the expansion.
#![allow(dead_code)]
use threadkit::{supervise, worker};

struct Worker;
struct Supervisor;
struct Report;
struct Option;
struct Result;
struct Duration;
mod threadkit_shadow {}

#[worker(name = "job_{n}")]
fn job(n: u8) -> u8 {
    n
}

#[supervise(shutdown_timeout = "1s")]
struct Jobs {
    one: threadkit::Worker<u8>,
    maybe: std::option::Option<threadkit::Worker<u8>>,
}

fn main() {
    let report = Jobs { one: job(1), maybe: None }.run();
    assert_eq!(report.one.value(), std::option::Option::Some(&1));
}
