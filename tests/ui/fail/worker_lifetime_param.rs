use threadkit::worker;

use std::borrow::Cow;

#[worker]
fn greet<'a>(name: Cow<'a, str>) -> usize {
    name.len()
}

fn main() {}
