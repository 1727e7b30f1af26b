use threadkit::{supervise, Worker};

#[supervise]
#[supervise(shutdown_timeout = "1s")]
struct App {
    job: Worker<u8>,
}

fn main() {}
