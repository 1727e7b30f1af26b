use threadkit::{supervise, Worker};

#[supervise]
struct App(Worker<()>, Worker<u8>);

fn main() {}
