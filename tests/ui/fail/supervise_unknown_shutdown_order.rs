use threadkit::{supervise, Worker};

#[supervise(shutdown_order = "forward")]
struct App {
    job: Worker<()>,
}

fn main() {}
