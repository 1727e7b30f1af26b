use threadkit::{supervise, Worker};

#[supervise]
struct App {
    job: Worker<u8>,
    #[supervise(skip = true)]
    label: String,
}

fn main() {}
