//! Generated code is clean under strict lints: CI runs clippy on this file
//! with `-D warnings`, and the attributes below make pedantic clippy,
//! `missing_docs` and `missing_debug_implementations` findings in generated
//! code hard errors.
#![deny(
    warnings,
    missing_docs,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic
)]

use std::time::Duration;

use threadkit::{supervise, worker, Cancelled, Context, Worker};

/// A generic worker with an inline bound (the generated `Send + 'static`
/// must not add a second bound location).
#[worker]
pub fn echo<T: Clone>(value: T) -> T {
    value.clone()
}

/// A generic worker bounded in a `where` clause.
#[worker]
pub fn echo_where<T>(value: T) -> Vec<T>
where
    T: Clone,
{
    vec![value.clone(), value]
}

/// A daemon that sleeps until cancelled.
#[worker(daemon)]
pub fn idle(ctx: &Context) -> Result<(), Cancelled> {
    ctx.sleep(Duration::MAX)
}

/// A public group.
#[supervise(shutdown_timeout = "1s")]
#[derive(Debug)]
pub struct Public {
    /// Echoes.
    pub echo: Worker<u32>,
    /// Idles.
    pub idle: Worker<()>,
    /// Echoes twice.
    pub twice: Worker<Vec<String>>,
}

#[test]
fn strict_lints_pass_and_the_group_runs() {
    let report = Public {
        echo: echo(7),
        idle: idle(),
        twice: echo_where("x".to_owned()),
    }
    .run();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.echo.value(), Some(&7));
    let running = Public {
        echo: echo(1),
        idle: idle(),
        twice: echo_where(String::new()),
    }
    .start();
    assert!(format!("{running:?}").starts_with("PublicRunning"));
    running.cancel();
    assert!(running.wait().is_success());
}
