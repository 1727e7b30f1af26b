use threadkit::{supervise, Worker};

#[supervise]
struct App {
    job: Worker<u8>,
    #[supervise(ignore)]
    settings: String,
}

fn main() {}
