use threadkit::{supervise, Worker};

#[supervise(shutdown_timout = "5s")]
struct App {
    job: Worker<u8>,
}

fn main() {}
