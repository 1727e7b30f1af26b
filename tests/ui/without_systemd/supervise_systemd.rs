use threadkit::{supervise, Worker};

#[supervise(systemd)]
struct Service {
    job: Worker<()>,
}

fn main() {
    let _ = Service::start;
}
