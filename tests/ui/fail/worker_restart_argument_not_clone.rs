use std::sync::Mutex;
use threadkit::worker;

// Each run gets a fresh clone of the arguments: a `Mutex` cannot be cloned.
#[worker(restart = "on_failure")]
fn count(total: Mutex<u32>, step: u32) -> u32 {
    total.into_inner().unwrap_or(0) + step
}

fn main() {
    let _ = count(Mutex::new(0), 1);
}
