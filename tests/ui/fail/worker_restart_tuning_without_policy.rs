use threadkit::worker;

#[worker(max_restarts = 3, backoff = "1s..10s")]
fn serve() {}

#[worker(restart = "never", within = "5s")]
fn once() {}

fn main() {
    let _ = (serve(), once());
}
