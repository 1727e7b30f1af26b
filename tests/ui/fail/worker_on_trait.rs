use threadkit::worker;

#[worker]
trait Job {}

fn main() {}
