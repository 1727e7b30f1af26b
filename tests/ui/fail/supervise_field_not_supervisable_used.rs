//! A field that cannot be supervised, in a group that is started, waited
//! for and read: the error is on the field's type.
use threadkit::{supervise, worker, Worker};

#[worker]
fn job() -> u8 {
    1
}

#[supervise]
struct App {
    job: Worker<u8>,
    settings: String,
}

fn main() {
    let report = App { job: job(), settings: String::new() }.run();
    println!("{report}");
}
