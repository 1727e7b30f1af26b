//! A group holding a value that cannot cross threads runs on its own, but
//! cannot be a field of another group (a subtree runs on a thread of its
//! parent's): one error, on the field.
use std::rc::Rc;

use threadkit::{supervise, Worker};

#[supervise]
struct Local {
    job: Worker<u8>,
    #[supervise(skip)]
    shared: Rc<u8>,
}

#[supervise]
struct Outer {
    local: Local,
}

fn main() {
    let report = Local { job: Worker::infallible("job", |_ctx| 1), shared: Rc::new(2) }.run();
    assert_eq!(*report.shared, 2);
}
