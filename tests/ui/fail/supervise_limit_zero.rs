use threadkit::{supervise, Worker};

#[supervise(limit = 0)]
struct Crawl {
    pages: Vec<Worker<()>>,
}

fn main() {}
