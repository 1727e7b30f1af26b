use threadkit::worker;

#[worker]
const JOB: u8 = 1;

fn main() {}
