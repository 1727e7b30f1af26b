//! An unused `#[worker]` constructor is flagged like any unused function.
#![deny(dead_code)]

use threadkit::worker;

#[worker]
fn forgotten(n: u32) -> u32 {
    n
}

fn main() {}
