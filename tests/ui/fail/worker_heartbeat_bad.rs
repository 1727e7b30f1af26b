use threadkit::worker;

#[worker(heartbeat = "0s")]
fn zero() {}

#[worker(heartbeat = 10)]
fn unquoted() {}

fn main() {
    let _ = (zero(), unquoted());
}
