//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Once;

use threadkit::channel::{bounded, Receiver, Sender};

/// Silences the panic output of workers (the tests' own assertion failures
/// still print). Installed before any worker runs, so threadkit's hook
/// chains in front of it (rule 6 in action).
pub fn quiet_panics() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if threadkit::current().is_none() {
                default(info);
            }
        }));
    });
}

/// A gate a stubborn worker blocks on, ignoring cancellation. Dropping the
/// `Release` (at the end of a test) lets the worker's thread finish.
pub fn gate() -> (Release, Receiver<()>) {
    let (sender, receiver) = bounded(0);
    (Release(Some(sender)), receiver)
}

pub struct Release(Option<Sender<()>>);

impl Release {
    pub fn open(&mut self) {
        self.0.take();
    }
}

/// The process's OS threads, from `/proc/self/task` (0 where there is none).
pub fn os_threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

/// Waits, at most 30 s, for the OS thread count to come back down to
/// `baseline`: a released thread ends a moment after its worker's exit is
/// recorded. `Err` says how many remain.
pub fn threads_back_to(baseline: usize) -> Result<(), String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = os_threads();
        if now <= baseline {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("{now} OS threads remain, baseline {baseline}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
