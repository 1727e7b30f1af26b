//! A worker's panic: [`Panic`], [`Location`], and the chained panic hook
//! that records where a worker panicked.
//!
//! `catch_unwind` hands back only the payload; the location and backtrace
//! exist only inside the panic hook. threadkit therefore installs, once per
//! process, a hook that stores them in a thread-local slot when (and only
//! when) a worker body is running on the panicking thread, and then calls
//! the hook that was installed before it. A user's hook keeps running and the
//! default "thread '...' panicked at ..." output stays.

use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Arc, Once};

use crate::sync::{lock, Mutex};
use std::thread::{self, ThreadId};

/// A worker panicked.
///
/// It carries the worker's name, the thread, the panic message (or
/// `Box<dyn Any>` for a payload that is not a string, as std prints it), the
/// source location, a backtrace when `RUST_BACKTRACE` asks for one, and the
/// original payload for [`resume`](Panic::resume).
///
/// Cloning is cheap: clones share one record (and one payload).
///
/// # Examples
///
/// ```
/// use threadkit::Worker;
///
/// let exit = Worker::infallible("divider", |_ctx| -> u32 {
///     let zero = std::hint::black_box(0);
///     10 / zero
/// })
/// .run();
/// let panic = exit.panic().unwrap();
/// assert_eq!(panic.name(), "divider");
/// assert_eq!(panic.message(), "attempt to divide by zero");
/// assert!(panic.location().unwrap().file().ends_with(".rs"));
/// ```
#[derive(Clone)]
pub struct Panic {
    inner: Arc<PanicInner>,
}

struct PanicInner {
    worker: Arc<str>,
    thread: ThreadId,
    message: String,
    location: Option<Location>,
    backtrace: Option<Backtrace>,
    payload: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Panic {
    /// A panic that unwound through threadkit's own frames instead of being
    /// caught around the worker body (for example a panicking `Drop` of a
    /// worker's return value). Keeps the exit record complete.
    pub(crate) fn escaped(worker: Arc<str>) -> Self {
        Panic::from_parts(
            worker,
            "the worker's thread unwound before its exit was recorded".to_owned(),
            None,
            None,
            None,
        )
    }

    fn from_parts(
        worker: Arc<str>,
        message: String,
        location: Option<Location>,
        backtrace: Option<Backtrace>,
        payload: Option<Box<dyn Any + Send>>,
    ) -> Self {
        Panic {
            inner: Arc::new(PanicInner {
                worker,
                thread: thread::current().id(),
                message,
                location,
                backtrace,
                payload: Mutex::new(payload),
            }),
        }
    }

    /// The name of the worker that panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// assert_eq!(exit.panic().unwrap().name(), "boom");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.worker
    }

    /// The name of the worker that panicked; renamed
    /// [`name`](Panic::name), as on every other type.
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// assert_eq!(exit.panic().unwrap().worker(), "boom");
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use `name()`, as on `Handle`, `Record` and `Error`"
    )]
    pub fn worker(&self) -> &str {
        self.name()
    }

    /// The thread the worker panicked on.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let handle = Worker::infallible("boom", |_ctx| panic!("oh no")).spawn();
    /// let thread = handle.thread_id();
    /// let exit = handle.join();
    /// assert_eq!(Some(exit.panic().unwrap().thread_id()), thread);
    /// ```
    pub fn thread_id(&self) -> ThreadId {
        self.inner.thread
    }

    /// The panic message: the payload if it is a `&str` or `String`,
    /// otherwise `Box<dyn Any>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| std::panic::panic_any(7_u8)).run();
    /// assert_eq!(exit.panic().unwrap().message(), "Box<dyn Any>");
    /// ```
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Where the panic happened, when threadkit's panic hook saw it (it is
    /// installed before the first worker runs; a hook set later with
    /// [`std::panic::set_hook`] that does not chain to it hides locations).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// let location = exit.panic().unwrap().location().unwrap();
    /// assert_eq!(location.line(), line!() - 2);
    /// ```
    pub fn location(&self) -> Option<&Location> {
        self.inner.location.as_ref()
    }

    /// The backtrace captured when the worker panicked, if the panic hook saw
    /// the panic; it is only resolved into frames when `RUST_BACKTRACE` or
    /// `RUST_LIB_BACKTRACE` enables it (see
    /// [`Backtrace::status`](std::backtrace::Backtrace::status)).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// assert!(exit.panic().unwrap().backtrace().is_some());
    /// ```
    pub fn backtrace(&self) -> Option<&Backtrace> {
        self.inner.backtrace.as_ref()
    }

    /// Takes the original panic payload out of this record (all clones share
    /// it, so only the first call gets it).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| std::panic::panic_any(7_u8)).run();
    /// let payload = exit.panic().unwrap().take_payload().unwrap();
    /// assert_eq!(payload.downcast_ref::<u8>(), Some(&7));
    /// ```
    pub fn take_payload(&self) -> Option<Box<dyn Any + Send>> {
        lock(&self.inner.payload).take()
    }

    /// Re-raises the panic on the calling thread, with the original payload
    /// if it is still here (otherwise with the message).
    ///
    /// # Panics
    ///
    /// Always: that is what it is for (like [`std::panic::resume_unwind`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// let panic = exit.panic().unwrap().clone();
    /// let caught = std::panic::catch_unwind(move || panic.resume()).unwrap_err();
    /// assert_eq!(caught.downcast_ref::<&str>(), Some(&"oh no"));
    /// ```
    pub fn resume(self) -> ! {
        let payload = self
            .take_payload()
            .unwrap_or_else(|| Box::new(self.inner.message.clone()));
        panic::resume_unwind(payload)
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "worker `{}` panicked", self.inner.worker)?;
        if let Some(location) = &self.inner.location {
            write!(f, " at {location}")?;
        }
        write!(f, ": {}", self.inner.message)
    }
}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panic")
            .field("worker", &self.inner.worker)
            .field("thread", &self.inner.thread)
            .field("message", &self.inner.message)
            .field("location", &self.inner.location)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Panic {}

/// A source location (`file:line:column`) that owns its file name.
///
/// # Examples
///
/// ```
/// use threadkit::Worker;
/// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
/// let location = exit.panic().unwrap().location().unwrap().clone();
/// assert_eq!(location.to_string(), format!("{}:{}:{}", location.file(), location.line(), location.column()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    file: String,
    line: u32,
    column: u32,
}

impl Location {
    /// The source file.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::Worker;
    /// # let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// let location = exit.panic().unwrap().location().unwrap();
    /// assert_eq!(location.file(), file!());
    /// ```
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line, starting at 1.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// assert_eq!(exit.panic().unwrap().location().unwrap().line(), line!() - 1);
    /// ```
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column, starting at 1.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::Worker;
    /// # let exit = Worker::infallible("boom", |_ctx| panic!("oh no")).run();
    /// assert!(exit.panic().unwrap().location().unwrap().column() >= 1);
    /// ```
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What the hook saw of the last panic on this thread.
struct Seen {
    message: String,
    location: Option<Location>,
    backtrace: Backtrace,
}

thread_local! {
    /// How many worker bodies are running on this thread (inline `run` nests).
    static ARMED: Cell<usize> = const { Cell::new(0) };
    static LAST_SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// Installs the chained hook once per process. Called on the thread that
/// starts a worker, never on a worker's own thread, so a worker started
/// from inside a panic hook (which runs under std's hook lock) never waits
/// for that lock. Skipped on a panicking thread, where `take_hook` itself
/// would panic or deadlock; a later start installs it.
///
/// std offers no atomic "chain a hook": between `take_hook` and `set_hook`
/// a hook that another thread sets at the same instant is replaced. Install
/// your own hook before the first worker starts (or chain it, taking the
/// current hook) and the race cannot arise.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    if thread::panicking() {
        return;
    }
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            remember(info);
            previous(info);
        }));
    });
}

fn remember(info: &PanicHookInfo<'_>) {
    if ARMED.try_with(Cell::get).unwrap_or(0) == 0 {
        return;
    }
    let seen = Seen {
        message: payload_message(info.payload()).to_owned(),
        location: info.location().map(|location| Location {
            file: location.file().to_owned(),
            line: location.line(),
            column: location.column(),
        }),
        backtrace: Backtrace::capture(),
    };
    let _ = LAST_SEEN.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(seen);
        }
    });
}

fn payload_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "Box<dyn Any>"
    }
}

/// Runs `body`, turning a panic into a [`Panic`] record for `worker`.
pub(crate) fn catch<R>(worker: &Arc<str>, body: impl FnOnce() -> R) -> Result<R, Panic> {
    let _armed = Armed::arm();
    // Whatever an earlier body on this thread left behind is not ours.
    let _ = LAST_SEEN.try_with(|slot| slot.try_borrow_mut().map(|mut slot| slot.take()));
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    result.map_err(|payload| {
        let message = payload_message(&*payload).to_owned();
        let seen = LAST_SEEN
            .try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut slot| slot.take()))
            .ok()
            .flatten()
            // A panic the worker caught itself may have left an older record;
            // only a record of this very panic carries its location.
            .filter(|seen| seen.message == message);
        let (location, backtrace) = match seen {
            Some(seen) => (seen.location, Some(seen.backtrace)),
            None => (None, None),
        };
        Panic::from_parts(worker.clone(), message, location, backtrace, Some(payload))
    })
}

struct Armed;

impl Armed {
    /// Inside a thread-local destructor the counter may be gone already;
    /// the body then runs unarmed (its panic has no location) rather than
    /// aborting the process.
    fn arm() -> Self {
        let _ = ARMED.try_with(|armed| armed.set(armed.get() + 1));
        Armed
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        let _ = ARMED.try_with(|armed| armed.set(armed.get().saturating_sub(1)));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn string_payloads_become_the_message() {
        install_hook();
        let worker: Arc<str> = "w".into();
        let panic = catch(&worker, || panic!("formatted {}", 42)).unwrap_err();
        assert_eq!(panic.message(), "formatted 42");
        assert_eq!(panic.name(), "w");
        assert!(panic.location().unwrap().file().ends_with("panic.rs"));
    }

    #[test]
    fn non_string_payload_is_kept_and_described_like_std() {
        let worker: Arc<str> = "w".into();
        let panic = catch(&worker, || panic::panic_any(vec![1_u8, 2])).unwrap_err();
        assert_eq!(panic.message(), "Box<dyn Any>");
        let payload = panic.take_payload().unwrap();
        assert_eq!(payload.downcast_ref::<Vec<u8>>(), Some(&vec![1, 2]));
        assert!(panic.take_payload().is_none(), "the payload is taken once");
    }

    #[test]
    fn a_panic_caught_inside_the_worker_does_not_lend_its_location() {
        let worker: Arc<str> = "w".into();
        let panic = catch(&worker, || {
            let _ = panic::catch_unwind(|| panic!("inner"));
            panic::resume_unwind(Box::new("outer"))
        })
        .unwrap_err();
        assert_eq!(panic.message(), "outer");
        // resume_unwind skips the hook, so no location is known: better none
        // than the inner panic's.
        assert!(panic.location().is_none());
    }

    #[test]
    fn no_panic_passes_the_value_through() {
        let worker: Arc<str> = "w".into();
        assert_eq!(catch(&worker, || 5).unwrap(), 5);
        assert_eq!(ARMED.with(Cell::get), 0);
    }

    #[test]
    fn display_has_worker_location_and_message() {
        install_hook();
        let worker: Arc<str> = "w".into();
        let panic = catch(&worker, || panic!("bad")).unwrap_err();
        let location = panic.location().unwrap().to_string();
        assert_eq!(
            panic.to_string(),
            format!("worker `w` panicked at {location}: bad")
        );
    }
}
