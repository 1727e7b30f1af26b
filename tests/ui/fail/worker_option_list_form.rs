use threadkit::worker;

#[worker(daemon(true))]
fn beat() {}

fn main() {}
