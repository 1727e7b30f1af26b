use threadkit::worker;

use std::fmt::Debug;

#[worker]
fn make() -> impl Debug {
    1
}

fn main() {}
