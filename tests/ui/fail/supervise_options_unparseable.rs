use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout "5s")]
struct App {
    job: Worker<u8>,
}

fn main() {}
