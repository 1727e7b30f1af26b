use threadkit::worker;

#[worker(name = 5)]
fn fetch() {}

fn main() {}
