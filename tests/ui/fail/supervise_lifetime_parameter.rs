use threadkit::{supervise, Worker};

#[supervise]
struct App<'a> {
    job: Worker<u8>,
    label: &'a str,
}

fn main() {}
