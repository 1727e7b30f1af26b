use threadkit::{supervise, Worker};

#[supervise(completion = "any_success")]
struct App {
    job: Worker<()>,
}

fn main() {}
