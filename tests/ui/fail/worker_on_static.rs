use threadkit::worker;

#[worker]
static JOB: u8 = 1;

fn main() {}
