//! An import takes the running type's default name: one error.
use threadkit::{supervise, worker, Worker};

mod elsewhere {
    pub struct AppRunning;
}

use elsewhere::AppRunning;

#[worker]
fn job() -> u8 {
    1
}

#[supervise]
struct App {
    job: Worker<u8>,
}

fn main() {
    let running = App { job: job() }.start();
    running.cancel();
    let _ = running.wait();
}
