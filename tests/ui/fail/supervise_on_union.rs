use threadkit::{supervise, Worker};

#[supervise]
union App {
    job: std::mem::ManuallyDrop<Worker<u8>>,
}

fn main() {}
