use threadkit::worker;

#[worker(daemon = "yes")]
fn job() {}

fn main() {}
