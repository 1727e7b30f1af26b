use threadkit::worker;

#[worker(stack_size)]
fn job() {}

fn main() {}
