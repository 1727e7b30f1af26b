#![doc = include_str!("lib.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod completion;
mod context;
mod error;
mod event;
mod exit;
mod handle;
mod native;
mod panic;
mod probe;
mod protocol;
mod ready;
mod report;
mod restart;
mod shutdown_order;
#[cfg(all(feature = "signals", unix))]
mod signals;
mod snapshot;
#[cfg(all(feature = "signals", unix))]
mod snapshot_signal;
mod strategy;
mod supervised;
mod supervisor;
mod sync;
#[cfg(all(feature = "systemd", unix))]
mod systemd;
mod trace;
mod worker;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The README's code runs as doctests too, though the README is not the
/// crate's front page (it also holds benchmark numbers and the Python
/// programs this crate grew from).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub use completion::Completion;
pub use context::{current, Cancelled, Context, OnCancel};
pub use error::{BoxError, Error};
pub use event::{Event, Events, EventsIntoIter, ShutdownCause};
pub use exit::{Exit, ExitError, ExitKind};
pub use handle::Handle;
pub use panic::{Location, Panic};
pub use probe::Probe;
pub use ready::NotReady;
pub use report::{Record, Report, ReportError};
pub use restart::{
    Restart, DEFAULT_BACKOFF_MAX, DEFAULT_BACKOFF_MIN, DEFAULT_MAX_RESTARTS, DEFAULT_RESTART_WINDOW,
};
pub use shutdown_order::ShutdownOrder;
pub use snapshot::{Health, Snapshot, WorkerSnapshot, WorkerState};
pub use strategy::Strategy;
pub use supervised::Supervised;
pub use supervisor::{
    Canceller, Spawner, Supervisor, DEFAULT_RETAINED_RECORDS, DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use worker::{Worker, WorkerResult};

/// The channels workers use beside their [`Context::cancelled`] receiver:
/// `select!` on cancellation and on work, queues between workers, timers.
///
/// These are [`crossbeam-channel`](https://docs.rs/crossbeam-channel) 0.5's
/// own items, re-exported rather than wrapped, so a `Receiver` from here is
/// a `crossbeam_channel::Receiver` and code that depends on
/// `crossbeam-channel` directly interoperates freely. Only what a worker
/// needs is re-exported, which keeps threadkit's semver tied to
/// crossbeam-channel at these items alone (the ones [`Events`] and
/// [`Context::cancelled`] expose anyway); for the rest, depend on
/// `crossbeam-channel` yourself.
///
/// # Examples
///
/// ```
/// use threadkit::channel::{bounded, select};
/// let (tx, rx) = bounded(1);
/// tx.send("hi").unwrap();
/// select! { recv(rx) -> msg => assert_eq!(msg, Ok("hi")) }
/// ```
pub mod channel {
    pub use crossbeam_channel::{
        after, at, bounded, never, select, tick, unbounded, IntoIter, Iter, Receiver, RecvError,
        RecvTimeoutError, Select, SelectedOperation, SendError, SendTimeoutError, Sender, TryIter,
        TryRecvError, TrySendError,
    };
}

/// Turns a free function into a constructor of a not-yet-started
/// [`Worker`]: calling it runs nothing, it returns a `Worker<T>` that owns
/// the arguments; the body runs when the worker is spawned (or `run`).
///
/// # Examples
///
/// ```
/// use threadkit::{worker, Context, Exit};
///
/// #[derive(Debug, PartialEq)]
/// struct Config { id: u32 }
///
/// #[worker(name = "get_config_{id}")]
/// fn get_config(id: u32) -> Result<Config, String> {
///     if id == 4 { Err(format!("config {id} is unreachable")) } else { Ok(Config { id }) }
/// }
///
/// let worker = get_config(1); // nothing runs yet
/// assert_eq!(worker.name(), "get_config_1");
/// assert_eq!(worker.spawn().join().ok(), Some(Config { id: 1 }));
/// assert!(matches!(get_config(4).spawn().join(), Exit::Failed(_)));
/// ```
///
/// # Options
///
/// | option | meaning | example |
/// |---|---|---|
/// | `name = "..."` | the worker's (and its thread's) name; `{param}` placeholders are filled from the parameters, checked at compile time. Default: the function's name | `name = "fetch_{host}"` |
/// | `daemon` | a daemon worker (`daemon = true/false` also works) | `daemon` |
/// | `readiness` | the worker announces when it is ready with [`Context::ready`]; the group is ready once every such worker has (see [`Supervisor::wait_ready`]) | `readiness` |
/// | `stack_size = N` | the thread's stack size in bytes, any integer expression | `stack_size = 256 * 1024` |
/// | `restart = "..."` | run the body again after it ends: `"never"` (default), `"on_failure"` or `"always"`; see [`Restart`] | `restart = "on_failure"` |
/// | `max_restarts = N` | at most N restarts within `within` (default 3), then the last failure is the worker's exit | `max_restarts = 5` |
/// | `within = "..."` | the window of `max_restarts` (default `"5s"`) | `within = "1m"` |
/// | `heartbeat = "..."` | a worker that goes this long without [`Context::beat`] outside [`Context::sleep`]/[`Context::idle`] is stalled: its run is cancelled and counts as a failure; see [`Worker::heartbeat`] | `heartbeat = "10s"` |
/// | `backoff = "min..max"` | full-jitter exponential backoff from `min`, capped at `max` (default `"100ms..10s"`) | `backoff = "50ms..5s"` |
/// | `shutdown_timeout = "..."` | its own time to stop in its group's ordered shutdown, instead of a share of the group's; see [`Worker::shutdown_timeout`] | `shutdown_timeout = "8s"` |
/// | `crate = "path"` | where threadkit is, for crates that re-export it | `crate = "::my_crate::threadkit"` |
///
/// ```
/// use std::time::Duration;
/// use threadkit::{worker, Cancelled, Context};
///
/// #[worker(name = "beat_{every_ms}ms", daemon, stack_size = 64 * 1024)]
/// fn heartbeat(ctx: &Context, every_ms: u64) -> Result<(), Cancelled> {
///     loop {
///         ctx.sleep(Duration::from_millis(every_ms))?;
///     }
/// }
///
/// let worker = heartbeat(250);
/// assert_eq!(worker.name(), "beat_250ms");
/// assert!(worker.is_daemon());
/// let handle = worker.spawn();
/// handle.cancel();
/// assert!(handle.join().is_cancelled());
/// ```
///
/// # Restarts
///
/// With `restart = "on_failure"` or `"always"`, the body runs again after it
/// ends, by the [`Restart`] policy the options describe, on the same thread:
/// the handle stays valid and `join` gives the final exit. Each run gets its
/// own clone of the arguments, so they must be `Clone` (share what should
/// not be copied in an `Arc`); [`Context::restarts`] tells the run which
/// one it is.
///
/// ```
/// use threadkit::{worker, Context};
///
/// #[worker(restart = "on_failure", max_restarts = 5, backoff = "1ms..10ms")]
/// fn connect(ctx: &Context, host: String) -> Result<String, String> {
///     if ctx.restarts() < 2 {
///         Err(format!("{host} refused"))
///     } else {
///         Ok(format!("connected to {host}"))
///     }
/// }
///
/// assert_eq!(connect("db".into()).run().ok().as_deref(), Some("connected to db"));
/// ```
///
/// # Parameters
///
/// Parameters become the constructor's parameters and must be
/// `Send + 'static`: they move to the worker's thread, so borrowed types
/// (`&str`, `Cow<'a, str>`) are rejected at compile time. Patterns, raw
/// identifiers (`r#type`, usable as `{type}` or `{r#type}` in the name) and
/// `#[cfg]`/`#[cfg_attr]` attributes are kept as written. A parameter of
/// type `&Context`, `&threadkit::Context` (or, with `crate = "..."`, that
/// path's `Context`), in any position, is not a constructor parameter: the
/// runtime lends it when the worker runs. A `Context` reached by any other
/// path is your own type and an ordinary parameter. Generic type parameters
/// carry over, with `Send + 'static` added where they are already bounded.
///
/// ```
/// use threadkit::{worker, Context};
///
/// #[worker(name = "job_{type}")]
/// fn job(r#type: u32, #[cfg(any())] never: u32, ctx: &Context) -> u32 {
///     assert!(!ctx.is_cancelled());
///     r#type * 2
/// }
///
/// let worker = job(21);
/// assert_eq!(worker.name(), "job_21");
/// assert_eq!(worker.run().ok(), Some(42));
/// ```
///
/// # Return types
///
/// - none or `()`: the worker's value is `()`;
/// - a type named `Result` (`Result<T, E>`, `io::Result<T>`,
///   `anyhow::Result<T>`, your crate's `Result<T>` alias): `Ok` is the value,
///   `Err` a failure (`E` must convert into a boxed error; `Cancelled` as the
///   error means the worker was cancelled);
/// - any other type: the value itself; only a panic is a failure;
/// - `!`: a worker that only ends by panicking.
///
/// The classification is checked by the compiler, never guessed: a type
/// named `Result` must really be one, and a `Result` behind an alias with
/// another name is a compile error rather than an `Err` taken for a value.
///
/// # Errors at compile time
///
/// `async`, `const`, `unsafe` and `extern` functions, `self` receivers,
/// lifetime parameters, borrowed parameters or results, `impl Trait`, a
/// second `&Context`, `&mut Context` or `Context` by value, unknown,
/// duplicate or ill-typed options, an empty name or unknown placeholder,
/// `Box<dyn Error>` without `Send + Sync` as the error type, `#[worker]`
/// applied twice, and use on anything but a function: each is one error on
/// the offending tokens with a hint. Non-`Send` parameters and results are
/// trait errors on their type that say why.
#[cfg(feature = "macros")]
pub use threadkit_macros::worker;

/// Makes a struct of workers a supervised group: generates `start()`,
/// `run()`, a `<Name>Running` handle and a typed `<Name>Report` that mirrors
/// the struct's fields, so `report.configs[3]` is an `Exit<Config>`.
///
/// # Examples
///
/// ```
/// use threadkit::{supervise, worker, Context, Exit, Worker};
///
/// #[worker(name = "get_config_{id}")]
/// fn get_config(id: u32) -> Result<u32, String> {
///     if id == 4 { Err("unreachable".to_owned()) } else { Ok(id * 10) }
/// }
///
/// #[worker(daemon)]
/// fn heartbeat(ctx: &Context) {
///     while ctx.sleep(std::time::Duration::from_millis(50)).is_ok() {}
/// }
///
/// #[supervise(shutdown_timeout = "5s")]
/// struct App {
///     configs: Vec<Worker<u32>>,
///     heartbeat: Worker<()>,
///     #[supervise(skip)]
///     label: &'static str,
/// }
///
/// let report = App {
///     configs: (1..=9).map(get_config).collect(),
///     heartbeat: heartbeat(),
///     label: "demo",
/// }
/// .run();
/// assert!(matches!(report.configs[3], Exit::Failed(_)));
/// assert_eq!(report.first_failure().unwrap().name(), "get_config_4");
/// assert_eq!(report.exit_code(), 1); // through Deref to threadkit::Report
/// assert_eq!(report.label, "demo");
/// ```
///
/// # Fields
///
/// A field may be a [`Worker<T>`](Worker), a `Vec`, `Option` or array of
/// them, or another `#[supervise]` struct: a subtree that runs as one worker
/// of the parent (named after the field), whose failure is one failure of
/// the parent, and which is cancelled with its parent (a subtree runs on a
/// thread of its parent's, so a group is one only where it and its report
/// are `Send + 'static`; a group holding an `Rc` still runs on its own).
/// Any type implementing
/// [`Supervised`] works; `#[supervise(skip)]` passes a plain data field
/// through to the report untouched. Any other field type is a compile error
/// on the field's type; a call of `start()` or `run()` on that struct is
/// then reported as well (rustc: "its trait bounds were not satisfied",
/// pointing at the same field), as for any method whose bounds fail.
///
/// | field | in `<Name>Running` | in `<Name>Report` |
/// |---|---|---|
/// | `Worker<T>` | `Handle<T>` | `Exit<T>` |
/// | `Vec<Worker<T>>` | `Vec<Handle<T>>` | `Vec<Exit<T>>` |
/// | `Option<Worker<T>>` | `Option<Handle<T>>` | `Option<Exit<T>>` |
/// | `[Worker<T>; N]` | `[Handle<T>; N]` | `[Exit<T>; N]` |
/// | `Sub` (`#[supervise]`) | the subtree's worker | `Option<SubReport>` (`None` if it never reported) |
/// | `#[supervise(skip)] T` | `T` | `T` |
///
/// # Options
///
/// | option | meaning | example |
/// |---|---|---|
/// | `shutdown_timeout = "..."` | how long workers get to stop once the shutdown began, parsed at compile time: numbers (decimals allowed) with units `ns`, `us`, `ms`, `s`, `m`, `h`, `d`, parts combined. Default 5 s | `"500ms"`, `"1.5s"`, `"1m30s"` |
/// | `signals` | SIGINT and SIGTERM start the group's graceful shutdown (feature `signals`, Unix): see `Supervisor::handle_signals`. The exit code is then 128 + the signal | `signals` |
/// | `systemd` | speak systemd's notify protocol (feature `systemd`, Unix): see `Supervisor::notify_systemd` | `systemd` |
/// | `strategy = "..."` | what else a restart takes along: `"one_for_one"` (default), `"one_for_all"`, `"rest_for_one"` (in field order); see [`Strategy`] | `strategy = "rest_for_one"` |
/// | `completion = "..."` | when the group is done: `"all_succeed"` (default, fail-fast), `"first_success"`, `"all_settle"`; see [`Completion`] | `completion = "first_success"` |
/// | `shutdown_order = "..."` | `"reverse"` (default: one at a time, the last field first) or `"all_at_once"`; see [`ShutdownOrder`] | `shutdown_order = "all_at_once"` |
/// | `limit = N` | at most N workers run at once; the rest wait in field order (an integer expression, at least 1, checked at compile time); see [`Supervisor::limit`] | `limit = 4` |
/// | `snapshot_on_sigusr1` | SIGUSR1 prints the group's snapshot to stderr (feature `signals`, Unix); see `Supervisor::snapshot_on_sigusr1` | `snapshot_on_sigusr1` |
/// | `report = "Name"` | the name of the generated report type. Default `<Struct>Report` | `report = "AppOutcome"` |
/// | `running = "Name"` | the name of the generated running type. Default `<Struct>Running` | `running = "AppHandle"` |
/// | `crate = "path"` | where threadkit is, for crates that re-export it: absolute (`::x`, `crate::x`) or relative to the struct's module (`self::x`, `super::x`) | `crate = "::my_crate::threadkit"` |
///
/// Fields may carry `#[cfg]` and `#[cfg_attr]` (honoured in every generated
/// type and function) and raw identifiers (`r#type`), and may have any
/// name. The generated items include a module named `__threadkit_<Struct>`
/// beside the struct.
///
/// # The generated types
///
/// `<Name>Report` and `<Name>Running` are type aliases, in the struct's
/// module and with its visibility, of structs generic over the group
/// (compiler messages show `AppReport<App>`). They are ordinary types: name
/// them in signatures, match them in patterns, and add methods and trait
/// impls of your own (`impl AppReport { ... }`); their fields have the
/// visibility of the struct's fields. A group may be declared inside a
/// function, over types local to it.
///
/// If a generated name is already taken by an item of your own, that is one
/// error on the name ("the name `AppReport` is defined multiple times");
/// choose other names with `report` and `running`:
///
/// ```
/// use threadkit::{supervise, worker, Worker};
///
/// struct AppReport; // already taken
///
/// #[worker]
/// fn job() -> u8 { 7 }
///
/// #[supervise(report = "AppOutcome", running = "AppHandle", shutdown_timeout = "1m30s")]
/// struct App {
///     job: Worker<u8>,
/// }
///
/// let running: AppHandle = App { job: job() }.start();
/// let report: AppOutcome = running.wait();
/// assert_eq!(report.job.value(), Some(&7));
/// # let _ = AppReport;
/// ```
///
/// # Generic groups
///
/// A group may have type, lifetime and const parameters, with bounds inline
/// or in a `where` clause. The aliases take the same parameters
/// (`PoolReport<u32>`). `start()` and `run()` exist where every field's
/// type can be supervised, so a parameter may even be a whole field's
/// type.
///
/// ```
/// use threadkit::{supervise, Worker};
///
/// #[supervise]
/// struct Pool<T: Send + 'static> {
///     workers: Vec<Worker<T>>,
/// }
///
/// fn total(report: &PoolReport<u32>) -> u32 {
///     report.workers.iter().filter_map(|exit| exit.value()).sum()
/// }
///
/// let pool = Pool {
///     workers: (1..=3).map(|n| Worker::infallible(format!("w{n}"), move |_ctx| n)).collect(),
/// };
/// assert_eq!(total(&pool.run()), 6);
/// ```
///
/// # Running without blocking
///
/// ```
/// use std::time::Duration;
/// use threadkit::{supervise, worker, Cancelled, Context, Worker};
///
/// #[worker]
/// fn serve(ctx: &Context) -> Result<(), Cancelled> {
///     ctx.sleep(Duration::MAX)
/// }
///
/// #[supervise(shutdown_timeout = "1s")]
/// struct Service {
///     server: Worker<()>,
/// }
///
/// let running = Service { server: serve() }.start();
/// let events = running.events();
/// let running = running.wait_timeout(Duration::from_millis(10)).unwrap_err(); // still serving
/// running.cancel();
/// let report = running.wait();
/// assert!(report.server.is_cancelled());
/// assert!(report.is_success());
/// assert!(events.iter().count() > 0);
/// ```
///
/// `fn main() -> NameReport` exits with the report's code and prints the
/// table to stderr when something failed.
#[cfg(feature = "macros")]
pub use threadkit_macros::supervise;
