use threadkit::{supervise, Worker};

const AT_ONCE: usize = 0;

#[supervise(limit = AT_ONCE)]
struct Crawl {
    pages: Vec<Worker<()>>,
}

fn main() {
    let _ = Crawl { pages: Vec::new() }.run();
}
