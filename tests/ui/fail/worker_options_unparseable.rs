use threadkit::worker;

#[worker(name "job")]
fn job() {}

fn main() {}
