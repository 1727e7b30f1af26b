use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout = 5)]
struct App {
    job: Worker<u8>,
}

fn main() {}
