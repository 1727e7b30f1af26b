use threadkit::worker;

// Two independent mistakes: two errors, nothing more.
#[worker(daemon = 1)]
async fn job() {}

fn main() {}
