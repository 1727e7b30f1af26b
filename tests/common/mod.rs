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
