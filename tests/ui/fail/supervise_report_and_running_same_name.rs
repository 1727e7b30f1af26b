//! The report and running types cannot share a name: one error on the name
//! chosen for the running type, and the program using the group still
//! compiles past it.
use threadkit::{supervise, worker, Worker};

#[worker]
fn job() -> u8 {
    1
}

#[supervise(report = "Same", running = "Same")]
struct App {
    job: Worker<u8>,
}

fn main() {
    let report: Same = App { job: job() }.start().wait();
    assert!(report.is_success());
}
