use threadkit::worker;

#[worker]
extern "C" fn job() {}

fn main() {}
