//! Whether a field is supervised cannot depend on the configuration: one
//! error on the `supervise(skip)` inside the `cfg_attr`.
use threadkit::{supervise, worker, Worker};

#[worker]
fn job() -> u8 {
    1
}

#[supervise]
struct App {
    job: Worker<u8>,
    #[cfg_attr(unix, supervise(skip))]
    label: String,
}

fn main() {
    let _ = App { job: job(), label: String::new() }.run();
}
