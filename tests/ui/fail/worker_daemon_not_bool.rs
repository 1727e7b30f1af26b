use threadkit::worker;

#[worker(daemon = 3)]
fn beat() {}

fn main() {}
