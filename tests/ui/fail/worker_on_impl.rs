use threadkit::worker;

struct Fetcher;

#[worker]
impl Fetcher {
    fn fetch() {}
}

fn main() {}
