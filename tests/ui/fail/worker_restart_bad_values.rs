use threadkit::worker;

#[worker(restart = "always", max_restarts = "3", within = "5 parsecs", backoff = "10s")]
fn serve() {}

#[worker(restart = "always", backoff = "10s..1s")]
fn inverted() {}

#[worker(restart = always)]
fn unquoted() {}

fn main() {
    let _ = (serve(), inverted(), unquoted());
}
