use threadkit::{supervise, Worker};

#[supervise]
enum App {
    One(Worker<()>),
}

fn main() {}
