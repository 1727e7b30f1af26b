//! Every form `#[worker]` accepts.
use std::io;
use std::time::Duration;
use threadkit::{worker, Context, Exit, Worker};

mod app {
    /// A crate's own `Result` alias.
    pub type Result<T> = std::result::Result<T, String>;
}

/// No return type.
#[worker]
fn unit() {}

#[worker]
fn plain(n: u32) -> u32 {
    n * 2
}

#[worker]
fn fallible(n: u32) -> Result<u32, String> {
    if n == 0 { Err("zero".to_owned()) } else { Ok(n) }
}

#[worker]
fn io_alias(path: String) -> io::Result<usize> {
    Ok(path.len())
}

#[worker]
fn anyhow_alias(fail: bool) -> anyhow::Result<u8> {
    if fail { anyhow::bail!("asked to fail") } else { Ok(1) }
}

#[worker]
fn own_alias(n: u8) -> app::Result<u8> {
    Ok(n)
}

#[worker]
fn fmt_result() -> std::fmt::Result {
    Ok(())
}

#[worker]
fn generic<T: Clone + Send + 'static>(item: T) -> Vec<T> {
    vec![item.clone(), item]
}

/// A generic error: the conversion is proven from the bound.
#[worker]
fn generic_error<E: std::error::Error + Send + Sync + 'static>(error: E) -> Result<u8, E> {
    Err(error)
}

/// A generic error bounded by the conversion itself.
#[worker]
fn generic_into<E>(error: E) -> Result<(), E>
where
    E: Into<threadkit::BoxError>,
{
    Err(error)
}

/// A generic value that might be anything, even a `Result`, by the caller's
/// choice: it is a value.
#[worker]
fn generic_value<T: Send + 'static>(value: T) -> T {
    value
}

#[derive(Debug)]
struct Quota(u32);

impl std::fmt::Display for Quota {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "quota {} exceeded", self.0)
    }
}

impl std::error::Error for Quota {}

/// An error type of the user's own.
#[worker]
fn own_error(limit: u32) -> Result<u32, Quota> {
    Err(Quota(limit))
}

#[worker]
fn const_generic<const N: usize>(items: [u8; N]) -> usize {
    items.len()
}

#[worker(name = "middle_{id}")]
fn context_in_the_middle(id: u32, ctx: &Context, tag: String) -> String {
    format!("{id}-{}-{tag}", ctx.name())
}

#[worker]
fn full_context_path(ctx: &threadkit::Context) -> bool {
    ctx.is_cancelled()
}

#[worker]
fn patterns((a, b): (u32, u32), mut total: u32) -> u32 {
    total += a + b;
    total
}

#[worker(name = "padded_{n:03}")]
fn padded(n: u32) -> String {
    let _ = n;
    threadkit::current().map(|ctx| ctx.name().to_owned()).unwrap_or_default()
}

#[worker(name = "{{literal}}")]
fn braces() {}

#[worker]
fn r#type() -> &'static str {
    "raw"
}

#[worker(daemon = false, stack_size = 256 * 1024)]
fn sized() -> u8 {
    7
}

#[worker(daemon)]
fn service(ctx: &Context) -> Result<(), threadkit::Cancelled> {
    loop {
        ctx.sleep(Duration::from_millis(1))?;
    }
}

#[worker]
fn never_returns(ctx: &Context) -> ! {
    while ctx.sleep(Duration::from_secs(60)).is_ok() {}
    panic!("stopped")
}

/// Doc comments, visibility and attributes carry over.
#[cfg(not(any()))]
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn documented_marker() {}

#[worker]
#[allow(unused_variables)]
pub(crate) fn documented(unused: u8) {}

fn main() {
    assert!(unit().run().is_success());
    assert_eq!(plain(21).spawn().join().ok(), Some(42));
    assert_eq!(fallible(3).run().ok(), Some(3));
    assert_eq!(fallible(0).run().error().unwrap().message(), "zero");
    assert_eq!(io_alias("abc".into()).run().ok(), Some(3));
    assert_eq!(anyhow_alias(true).run().error().unwrap().message(), "asked to fail");
    assert_eq!(anyhow_alias(false).run().ok(), Some(1));
    assert_eq!(own_alias(5).run().ok(), Some(5));
    assert!(fmt_result().run().is_success());
    assert_eq!(generic("x".to_owned()).run().ok().unwrap().len(), 2);
    assert_eq!(const_generic([1, 2, 3]).run().ok(), Some(3));
    let error = generic_error(Quota(1)).run().error().unwrap().message().to_owned();
    assert_eq!(error, "quota 1 exceeded");
    assert_eq!(generic_into("no").run().error().unwrap().message(), "no");
    let value: Exit<Result<u8, String>> = generic_value(Err("kept".to_owned())).run();
    assert_eq!(value.ok(), Some(Err("kept".to_owned())));
    assert_eq!(own_error(9).run().error().unwrap().message(), "quota 9 exceeded");
    let worker: Worker<String> = context_in_the_middle(7, "t".into());
    assert_eq!(worker.name(), "middle_7");
    assert_eq!(worker.run().ok().as_deref(), Some("7-middle_7-t"));
    assert_eq!(full_context_path().run().ok(), Some(false));
    assert_eq!(patterns((1, 2), 3).run().ok(), Some(6));
    assert_eq!(padded(7).name(), "padded_007");
    assert_eq!(padded(7).spawn().join().ok().as_deref(), Some("padded_007"));
    assert_eq!(braces().name(), "{literal}");
    assert_eq!(r#type().name(), "type");
    let sized_worker = sized();
    assert!(!sized_worker.is_daemon());
    assert_eq!(sized_worker.spawn().join().ok(), Some(7));
    let service = service();
    assert!(service.is_daemon());
    let handle = service.spawn();
    handle.cancel();
    assert!(matches!(handle.join(), Exit::Cancelled));
    let handle = never_returns().spawn();
    handle.cancel();
    assert_eq!(handle.join().panic().unwrap().message(), "stopped");
    documented_marker();
    assert!(documented(1).run().is_success());
}
