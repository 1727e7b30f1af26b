use threadkit::{supervise, Worker};

// The second part has a number but no unit.
#[supervise(shutdown_timeout = "1m 30")]
struct App {
    job: Worker<u8>,
}

fn main() {}
