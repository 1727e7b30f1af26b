use threadkit::{supervise, Worker};

#[supervise(running = AppHandle)]
struct App {
    job: Worker<u8>,
}

fn main() {}
