//! The generated report and running types are ordinary types under the
//! chosen names: usable in signatures, patterns, struct literals and the
//! user's own impls; groups declared inside a function may use types local
//! to it; field visibility is the user's.
#![deny(warnings, missing_docs, missing_debug_implementations)]

use threadkit::{supervise, worker, Worker};

#[worker(name = "fetch_{n}")]
fn fetch(n: u32) -> u32 {
    n * 10
}

/// A group with a report the user extends.
#[derive(Debug)]
#[supervise]
pub struct App {
    /// Fetchers.
    pub fetchers: Vec<Worker<u32>>,
}

impl AppReport {
    /// A method of the user's on the generated report.
    pub fn total(&self) -> u32 {
        self.fetchers.iter().filter_map(|exit| exit.value()).sum()
    }
}

/// A signature naming the generated types.
pub fn finish(running: AppRunning) -> AppReport {
    running.wait()
}

mod inner {
    use threadkit::{supervise, Worker};

    mod vendored {
        pub use threadkit as runtime;
    }

    /// Fields visible to the parent module, and a relative `crate` path.
    #[supervise(crate = "self::vendored::runtime")]
    pub struct Nested {
        pub(super) visible: Worker<u32>,
        pub(in crate::inner) hidden: Worker<u32>,
    }

    pub fn nested(visible: Worker<u32>, hidden: Worker<u32>) -> Nested {
        Nested { visible, hidden }
    }

    pub fn hidden_of(report: &NestedReport) -> Option<&u32> {
        report.hidden.value()
    }
}

fn main() {
    let report = finish(App { fetchers: vec![fetch(1), fetch(2)] }.start());
    assert_eq!(report.total(), 30);
    let AppReport { fetchers, .. } = report;
    assert_eq!(fetchers.len(), 2);

    let nested = inner::nested(fetch(3), fetch(4)).run();
    assert_eq!(nested.visible.value(), Some(&30));
    assert_eq!(inner::hidden_of(&nested), Some(&40));

    // A group local to a function, over types local to it.
    #[derive(Debug, PartialEq)]
    struct Local(u8);
    #[worker]
    fn local() -> Local {
        Local(7)
    }
    #[supervise]
    struct Here {
        local: Worker<Local>,
    }
    let here: HereReport = Here { local: local() }.run();
    assert_eq!(here.local.value(), Some(&Local(7)));
    assert!(here.is_success());
}
