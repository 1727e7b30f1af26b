use threadkit::{supervise, Worker};

#[supervise(crate = "not a path!")]
struct App {
    job: Worker<u8>,
}

fn main() {}
