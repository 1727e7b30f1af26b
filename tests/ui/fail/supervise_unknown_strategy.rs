use threadkit::{supervise, Worker};

#[supervise(strategy = "all_for_one")]
struct App {
    job: Worker<()>,
}

fn main() {}
