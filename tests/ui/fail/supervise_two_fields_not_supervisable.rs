use threadkit::{supervise, Worker};

// Two independent mistakes: two errors, one on each field's type.
#[supervise]
struct App {
    settings: String,
    job: Worker<u8>,
    retries: Vec<u32>,
}

fn main() {}
