use threadkit::worker;

#[worker(shutdown_timeout = "soon")]
fn flush() {}

fn main() {}
