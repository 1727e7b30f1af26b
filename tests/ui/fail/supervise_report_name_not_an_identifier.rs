use threadkit::{supervise, Worker};

#[supervise(report = "App Outcome")]
struct App {
    job: Worker<u8>,
}

fn main() {}
