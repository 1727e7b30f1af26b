use threadkit::worker;

#[worker(crate = threadkit)]
fn job() {}

fn main() {}
