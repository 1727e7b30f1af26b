use threadkit::worker;

#[worker(daemon, daemon)]
fn beat() {}

fn main() {}
