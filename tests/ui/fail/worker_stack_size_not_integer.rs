use threadkit::worker;

#[worker(stack_size = "big")]
fn deep() {}

fn main() {}
