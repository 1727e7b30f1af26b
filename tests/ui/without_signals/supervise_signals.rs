use threadkit::{supervise, Worker};

#[supervise(signals)]
struct Service {
    job: Worker<u8>,
}

fn main() {}
