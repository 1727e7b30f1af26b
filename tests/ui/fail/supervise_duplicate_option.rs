use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout = "1s", shutdown_timeout = "2s")]
struct App {
    job: Worker<u8>,
}

fn main() {}
