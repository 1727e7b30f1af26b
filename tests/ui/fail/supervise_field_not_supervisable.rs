use threadkit::{supervise, Worker};

#[supervise]
struct App {
    job: Worker<u8>,
    settings: String,
}

fn main() {}
