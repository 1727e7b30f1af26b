use threadkit::worker;

#[worker(name = "job\0one")]
fn job() {}

fn main() {}
