//! A worker's failure by `Err`: [`Error`], and [`BoxError`].

use std::backtrace::Backtrace;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::thread::ThreadId;

/// The boxed error type a worker's `Err` is converted into.
///
/// Anything that converts into it works as a worker's error type: every
/// `E: std::error::Error + Send + Sync + 'static`, `String`, `&str`, and
/// `anyhow::Error`.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A worker returned `Err`, or the OS refused to start its thread.
///
/// It carries the worker's name, the thread it ran on, the original error
/// (reachable by [`downcast_ref`](Error::downcast_ref) and through
/// [`source`](std::error::Error::source)) and a backtrace of the worker's
/// return when `RUST_BACKTRACE`/`RUST_LIB_BACKTRACE` ask for one. Capturing
/// walks the failing thread's stack before the group is told (tens of
/// microseconds per failure, more than the notice itself);
/// `RUST_LIB_BACKTRACE=0` skips it and keeps panics' backtraces.
///
/// Cloning is cheap: clones share the original error. That is how the same
/// failure can sit in a [`Handle`](crate::Handle)'s exit, a
/// [`Report`](crate::Report) and an [`Event`](crate::Event) at once.
///
/// Following the Rust API guidelines, `Display` names the worker only; the
/// original error is the [`source`](std::error::Error::source). Use
/// [`message`](Error::message) for the whole chain on one line.
///
/// # Examples
///
/// ```
/// use std::num::ParseIntError;
/// use threadkit::Worker;
///
/// let exit = Worker::new("parse_port", |_ctx| "http".parse::<u16>()).run();
/// let error = exit.error().unwrap();
/// assert_eq!(error.name(), "parse_port");
/// assert_eq!(error.to_string(), "worker `parse_port` failed");
/// assert_eq!(error.message(), "invalid digit found in string");
/// assert!(error.downcast_ref::<ParseIntError>().is_some());
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Arc<ErrorInner>,
}

struct ErrorInner {
    worker: Arc<str>,
    thread: Option<ThreadId>,
    error: BoxError,
    backtrace: Backtrace,
}

impl Error {
    pub(crate) fn new(worker: Arc<str>, thread: Option<ThreadId>, error: BoxError) -> Self {
        Error {
            inner: Arc::new(ErrorInner {
                worker,
                thread,
                error,
                backtrace: Backtrace::capture(),
            }),
        }
    }

    pub(crate) fn spawn_failed(worker: Arc<str>, cause: std::io::Error) -> Self {
        Error::new(worker, None, Box::new(SpawnError { cause }))
    }

    /// The name of the worker that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::new("db", |_ctx| Err::<(), _>("down")).run();
    /// assert_eq!(exit.error().unwrap().name(), "db");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.worker
    }

    /// The name of the worker that failed; renamed [`name`](Error::name),
    /// as on every other type.
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use threadkit::Worker;
    /// let exit = Worker::new("db", |_ctx| Err::<(), _>("down")).run();
    /// assert_eq!(exit.error().unwrap().worker(), "db");
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use `name()`, as on `Handle`, `Record` and `Panic`"
    )]
    pub fn worker(&self) -> &str {
        self.name()
    }

    /// The thread the worker ran on; `None` when its thread never started.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::new("db", |_ctx| Err::<(), _>("down")).run();
    /// // `run` executes inline, so the worker ran on this very thread.
    /// assert_eq!(exit.error().unwrap().thread_id(), Some(std::thread::current().id()));
    /// ```
    pub fn thread_id(&self) -> Option<ThreadId> {
        self.inner.thread
    }

    /// The error the worker returned, as it was converted into a [`BoxError`].
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::new("db", |_ctx| Err::<(), _>("down")).run();
    /// assert_eq!(exit.error().unwrap().get_ref().to_string(), "down");
    /// ```
    pub fn get_ref(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner.error
    }

    /// The first error of type `E` in the chain that starts at the worker's
    /// error and follows [`source`](std::error::Error::source).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use threadkit::Worker;
    ///
    /// let exit = Worker::new("io", |_ctx| Err::<(), _>(io::Error::other("disk full"))).run();
    /// let io_error = exit.error().unwrap().downcast_ref::<io::Error>().unwrap();
    /// assert_eq!(io_error.kind(), io::ErrorKind::Other);
    /// ```
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        self.chain().find_map(|error| error.downcast_ref::<E>())
    }

    /// The worker's error followed by its sources, outermost first.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::new("io", |_ctx| std::fs::read("/no/such/file")).run();
    /// assert_eq!(exit.error().unwrap().chain().count(), 1);
    /// ```
    pub fn chain(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        chain(&*self.inner.error)
    }

    /// The worker's error and its sources on one line, joined by `": "`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::new("db", |_ctx| Err::<(), _>("connection refused")).run();
    /// assert_eq!(exit.error().unwrap().message(), "connection refused");
    /// ```
    pub fn message(&self) -> String {
        let parts: Vec<String> = self.chain().map(ToString::to_string).collect();
        parts.join(": ")
    }

    /// Where the worker returned its error, if `RUST_BACKTRACE` or
    /// `RUST_LIB_BACKTRACE` enabled capturing; check
    /// [`Backtrace::status`](std::backtrace::Backtrace::status).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::backtrace::BacktraceStatus;
    /// use threadkit::Worker;
    /// let exit = Worker::new("db", |_ctx| Err::<(), _>("down")).run();
    /// let status = exit.error().unwrap().backtrace().status();
    /// assert!(matches!(status, BacktraceStatus::Captured | BacktraceStatus::Disabled));
    /// ```
    pub fn backtrace(&self) -> &Backtrace {
        &self.inner.backtrace
    }
}

/// `first` followed by its sources.
pub(crate) fn chain<'a>(
    first: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(first), |&error| error.source())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "worker `{}` failed", self.inner.worker)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("worker", &self.inner.worker)
            .field("thread", &self.inner.thread)
            .field("error", &self.inner.error)
            .finish_non_exhaustive()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.inner.error)
    }
}

/// The OS refused to start a worker's thread (the source is the OS error),
/// or the worker's name cannot be an OS thread name.
#[derive(Debug)]
struct SpawnError {
    cause: std::io::Error,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not start the worker's thread")
    }
}

impl StdError for SpawnError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.cause)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("loading config")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    fn sample() -> Error {
        let outer = Outer(std::io::Error::other("permission denied"));
        Error::new("loader".into(), None, Box::new(outer))
    }

    #[test]
    fn message_joins_the_source_chain() {
        assert_eq!(sample().message(), "loading config: permission denied");
    }

    #[test]
    fn downcast_finds_errors_deeper_in_the_chain() {
        let error = sample();
        assert!(error.downcast_ref::<Outer>().is_some());
        let io = error.downcast_ref::<std::io::Error>().unwrap();
        assert_eq!(io.to_string(), "permission denied");
        assert!(error.downcast_ref::<fmt::Error>().is_none());
    }

    #[test]
    fn display_names_the_worker_and_source_is_the_original() {
        let error = sample();
        assert_eq!(error.to_string(), "worker `loader` failed");
        assert_eq!(error.source().unwrap().to_string(), "loading config");
    }

    #[test]
    fn spawn_failure_keeps_the_os_error_as_source() {
        let error = Error::spawn_failed("w".into(), std::io::Error::other("EAGAIN"));
        assert_eq!(error.thread_id(), None);
        assert_eq!(
            error.message(),
            "could not start the worker's thread: EAGAIN"
        );
        assert!(error.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<E: StdError + Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }
}
