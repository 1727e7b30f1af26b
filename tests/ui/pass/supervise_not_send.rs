//! A group whose pass-through field cannot cross threads (an `Rc`) still
//! starts, runs and reports on its own.
#![deny(warnings)]

use std::rc::Rc;

use threadkit::{supervise, Worker};

#[supervise]
struct Local {
    job: Worker<u8>,
    #[supervise(skip)]
    shared: Rc<u8>,
}

fn main() {
    let report = Local {
        job: Worker::infallible("job", |_ctx| 1),
        shared: Rc::new(2),
    }
    .run();
    assert_eq!(*report.shared, 2);
    assert_eq!(report.job.value(), Some(&1));
}
