//! Valid Rust that the macros' shape allows: raw identifiers, `cfg` on
//! parameters and fields, names that collide with the generated code's own,
//! user types named like threadkit's and std's.
#![deny(warnings)]

use threadkit::{supervise, worker};

mod shadows {
    //! User types with the names the generated code uses.
    pub struct Context;
    pub struct Worker;
    pub struct Report;
    pub struct Handle;
    pub struct Exit;
    pub struct Vec;
    pub enum Option {}
    pub struct Result;
    pub struct Duration;
    pub struct Supervisor;
}
#[allow(unused_imports)]
use shadows::*;

/// Raw identifiers as parameters, and as `{type}` or `{r#type}` placeholders.
#[worker(name = "job_{type}_{r#match}")]
fn job(r#type: u32, r#match: String) -> u32 {
    r#type + r#match.len() as u32
}

/// `cfg` on a parameter: the constructor has only the configured ones.
#[worker]
fn configured(a: u32, #[cfg(any())] never: u32, #[cfg(all())] always: u32) -> u32 {
    a + always
}

/// A user's own `Context` type, by another path, is a plain parameter.
#[worker]
fn takes_own_context(own: &'static shadows::Context, ctx: &threadkit::Context) -> bool {
    let _ = own;
    ctx.is_cancelled()
}

/// A parameter named like the generated code's locals.
#[worker]
fn locals(timeout: u64, supervisor: u8, ctx_: u8, report: u8) -> u64 {
    timeout + u64::from(supervisor) + u64::from(ctx_) + u64::from(report)
}

static OWN: shadows::Context = shadows::Context;

#[supervise(shutdown_timeout = "1s")]
struct Group {
    r#type: threadkit::Worker<u32>,
    #[cfg(any())]
    never: threadkit::Worker<u32>,
    #[cfg(all())]
    always: threadkit::Worker<u32>,
    #[cfg_attr(all(), allow(unused))]
    timeout: threadkit::Worker<u64>,
    /// A `cfg_attr` that applies more than configuration: only its `cfg`
    /// part is repeated on generated items.
    #[cfg_attr(all(), doc = "Configured documentation.", cfg(all()))]
    documented: threadkit::Worker<u32>,
    supervisor: threadkit::Worker<bool>,
    report: std::vec::Vec<threadkit::Worker<u32>>,
    /// Names like the generated structs' own fields.
    __threadkit_report: threadkit::Worker<u32>,
    __threadkit_supervisor: threadkit::Worker<u32>,
    __threadkit_group: threadkit::Worker<u32>,
}

fn main() {
    let report = Group {
        r#type: job(1, "ab".to_owned()),
        #[cfg(any())]
        never: configured(1, 2, 3),
        always: configured(1, 2),
        timeout: locals(1, 2, 3, 4),
        documented: job(3, String::new()),
        supervisor: takes_own_context(&OWN),
        report: std::vec![job(2, String::new())],
        __threadkit_report: job(4, String::new()),
        __threadkit_supervisor: job(5, String::new()),
        __threadkit_group: job(6, String::new()),
    }
    .run();
    assert_eq!(report.r#type.value(), std::option::Option::Some(&3));
    assert_eq!(report.always.value(), std::option::Option::Some(&3));
    assert_eq!(report.timeout.value(), std::option::Option::Some(&10));
    assert_eq!(report.report.len(), 1);
    assert_eq!(report.__threadkit_report.value(), std::option::Option::Some(&4));
    assert_eq!(report.__threadkit_supervisor.value(), std::option::Option::Some(&5));
    assert_eq!(report.records()[0].name(), "job_1_ab");
}
