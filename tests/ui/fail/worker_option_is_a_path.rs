use threadkit::worker;

#[worker(threadkit::name = "job")]
fn job() {}

fn main() {}
