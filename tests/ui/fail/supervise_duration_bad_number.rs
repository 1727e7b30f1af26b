use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout = "1.2.3s")]
struct App {
    job: Worker<u8>,
}

fn main() {}
