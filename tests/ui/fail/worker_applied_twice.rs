use threadkit::worker;

#[worker]
#[worker(daemon)]
fn job() {}

fn main() {}
