use threadkit::worker;

#[worker]
type Job = u8;

fn main() {}
