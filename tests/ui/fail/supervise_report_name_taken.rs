//! A type of the user's already has the report's default name: one error,
//! on the generated alias, and the program may go on using the group.
use threadkit::{supervise, worker, Worker};

#[worker]
fn job() -> u8 {
    1
}

struct AppReport;

#[supervise]
struct App {
    job: Worker<u8>,
}

fn main() {
    let report = App { job: job() }.run();
    assert_eq!(report.job.value(), Some(&1));
    let _mine = AppReport;
}
