use threadkit::worker;

#[worker(name =)]
fn job() {}

fn main() {}
