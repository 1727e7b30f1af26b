use threadkit::worker;

use std::fmt::Display;

#[worker]
fn show(item: impl Display) -> String {
    item.to_string()
}

fn main() {}
