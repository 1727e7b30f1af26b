use threadkit::{supervise, Worker};

#[supervise(snapshot_on_sigusr1)]
struct Service {
    job: Worker<u8>,
}

fn main() {}
