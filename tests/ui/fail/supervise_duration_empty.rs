use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout = "")]
struct App {
    job: Worker<u8>,
}

fn main() {}
