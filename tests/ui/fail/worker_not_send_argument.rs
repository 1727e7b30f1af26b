use threadkit::worker;

use std::rc::Rc;

#[worker]
fn count(items: Rc<Vec<u8>>) -> usize {
    items.len()
}

fn main() {}
