use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout = "5 fortnights")]
struct App {
    job: Worker<u8>,
}

fn main() {}
