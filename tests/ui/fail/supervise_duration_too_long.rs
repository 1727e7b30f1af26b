use threadkit::{supervise, Worker};

#[supervise(shutdown_timeout = "99999999999999999999999h")]
struct App {
    job: Worker<u8>,
}

fn main() {}
