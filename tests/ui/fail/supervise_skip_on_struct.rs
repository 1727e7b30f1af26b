use threadkit::{supervise, Worker};

#[supervise(skip)]
struct App {
    job: Worker<u8>,
}

fn main() {}
