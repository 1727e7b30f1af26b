//! `crate = "..."` for crates that re-export threadkit under another path.
mod vendored {
    pub use threadkit as runtime;
}

use vendored::runtime::{supervise, worker, Worker};

#[worker(crate = "crate::vendored::runtime", name = "job_{n}")]
fn job(n: u8) -> u8 {
    n
}

#[supervise(crate = "crate::vendored::runtime")]
struct Jobs {
    jobs: Vec<Worker<u8>>,
}

fn main() {
    let report = Jobs { jobs: vec![job(1), job(2)] }.run();
    assert_eq!(report.jobs[1].value(), Some(&2));
}
