use threadkit::{supervise, Worker};

#[supervise]
struct App<T: Send + 'static> {
    job: Worker<T>,
}

fn main() {}
