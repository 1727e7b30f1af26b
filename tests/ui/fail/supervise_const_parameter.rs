use threadkit::{supervise, Worker};

#[supervise]
struct App<const N: usize> {
    jobs: [Worker<u8>; N],
}

fn main() {}
