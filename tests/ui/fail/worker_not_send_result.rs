use threadkit::worker;

use std::rc::Rc;

#[worker]
fn make() -> Rc<u8> {
    Rc::new(1)
}

fn main() {}
