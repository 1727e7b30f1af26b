use threadkit::worker;

#[worker]
mod jobs {}

fn main() {}
