use threadkit::worker;

#[worker(name = "")]
fn fetch() {}

fn main() {}
