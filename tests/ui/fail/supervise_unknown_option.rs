use threadkit::{supervise, Worker};

#[supervise(timeout = "5s")]
struct App {
    job: Worker<u8>,
}

fn main() {}
