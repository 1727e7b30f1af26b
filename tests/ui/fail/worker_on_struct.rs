use threadkit::worker;

#[worker]
struct Fetcher;

fn main() {}
