use threadkit::worker;

#[worker(nmae = "fetch")]
fn fetch() {}

fn main() {}
