//! A name chosen with `report = "..."` that is already taken: one error,
//! pointing at the chosen name.
use threadkit::{supervise, worker, Worker};

#[worker]
fn job() -> u8 {
    1
}

enum Outcome {}

#[supervise(report = "Outcome")]
struct App {
    job: Worker<u8>,
}

fn main() {
    let _ = App { job: job() }.run();
}
