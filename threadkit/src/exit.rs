//! How a worker ended: [`Exit`], [`ExitKind`], and [`ExitError`] for `?`.

use std::error::Error as StdError;
use std::fmt;

use crate::{Error, Panic};

/// How a worker ended, and the process exit code that outcome stands for.
///
/// | variant       | meaning                                                   | [`code`](Exit::code) |
/// |---------------|-----------------------------------------------------------|------|
/// | `Returned(T)` | the worker returned a value (or `Ok(value)`)              | 0    |
/// | `Failed`      | the worker returned `Err`, or its thread could not start  | 1    |
/// | `Panicked`    | the worker panicked                                       | 101  |
/// | `Cancelled`   | the worker stopped because it was asked to                | 130  |
/// | `Hung`        | the worker ignored cancellation past the shutdown timeout | 124  |
///
/// The codes follow shell conventions: 101 is what Rust uses for a panicking
/// `main`, 130 is 128 + SIGINT, 124 is what `timeout(1)` returns.
///
/// `Failed`, `Panicked` and `Hung` are failures ([`is_failure`](Exit::is_failure)).
/// `Cancelled` is not: a worker that stops when told to did its job.
///
/// # Examples
///
/// ```
/// use threadkit::{Exit, Worker};
///
/// let exit = Worker::new("parse", |_ctx| "42".parse::<u32>()).run();
/// assert!(exit.is_success());
/// assert_eq!(exit.code(), 0);
/// assert_eq!(exit.ok(), Some(42));
///
/// let exit = Worker::new("parse", |_ctx| "forty-two".parse::<u32>()).run();
/// assert!(matches!(exit, Exit::Failed(_)));
/// assert_eq!(exit.code(), 1);
/// assert_eq!(exit.to_string(), "failed: invalid digit found in string");
/// ```
#[must_use = "an Exit may hold a failure that should be handled"]
#[derive(Debug, Clone)]
pub enum Exit<T> {
    /// The worker returned this value.
    Returned(T),
    /// The worker returned an error, or the OS refused to start its thread.
    Failed(Error),
    /// The worker panicked.
    Panicked(Panic),
    /// The worker stopped because cancellation was requested.
    Cancelled,
    /// The worker did not stop within the shutdown timeout and was detached.
    Hung,
}

impl<T> Exit<T> {
    /// The process exit code this outcome stands for (see the table above).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert_eq!(Exit::<()>::Cancelled.code(), 130);
    /// assert_eq!(Exit::<()>::Hung.code(), 124);
    /// ```
    pub const fn code(&self) -> i32 {
        match self {
            Exit::Returned(_) => 0,
            Exit::Failed(_) => 1,
            Exit::Panicked(_) => 101,
            Exit::Cancelled => 130,
            Exit::Hung => 124,
        }
    }

    /// `true` for `Returned`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert!(Exit::Returned(7).is_success());
    /// assert!(!Exit::<i32>::Cancelled.is_success());
    /// ```
    pub const fn is_success(&self) -> bool {
        matches!(self, Exit::Returned(_))
    }

    /// `true` for `Failed`, `Panicked` and `Hung`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert!(Exit::<()>::Hung.is_failure());
    /// assert!(!Exit::<()>::Cancelled.is_failure());
    /// ```
    pub const fn is_failure(&self) -> bool {
        matches!(self, Exit::Failed(_) | Exit::Panicked(_) | Exit::Hung)
    }

    /// `true` for `Cancelled`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert!(Exit::<()>::Cancelled.is_cancelled());
    /// ```
    pub const fn is_cancelled(&self) -> bool {
        matches!(self, Exit::Cancelled)
    }

    /// `true` for `Hung`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert!(Exit::<()>::Hung.is_hung());
    /// ```
    pub const fn is_hung(&self) -> bool {
        matches!(self, Exit::Hung)
    }

    /// The returned value, if the worker returned one.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert_eq!(Exit::Returned("config").ok(), Some("config"));
    /// assert_eq!(Exit::<&str>::Hung.ok(), None);
    /// ```
    pub fn ok(self) -> Option<T> {
        match self {
            Exit::Returned(value) => Some(value),
            _ => None,
        }
    }

    /// A reference to the returned value, if the worker returned one.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// let exit = Exit::Returned(String::from("config"));
    /// assert_eq!(exit.value().map(String::as_str), Some("config"));
    /// ```
    pub fn value(&self) -> Option<&T> {
        match self {
            Exit::Returned(value) => Some(value),
            _ => None,
        }
    }

    /// The error, if the worker failed by returning `Err` (or could not start).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::new("io", |_ctx| std::fs::read("/definitely/not/here")).run();
    /// let error = exit.error().expect("reading a missing file fails");
    /// assert!(error.downcast_ref::<std::io::Error>().is_some());
    /// ```
    pub fn error(&self) -> Option<&Error> {
        match self {
            Exit::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// The panic, if the worker panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    /// let exit = Worker::infallible("boom", |_ctx| -> u8 { panic!("boom") }).run();
    /// assert_eq!(exit.panic().map(|p| p.message()), Some("boom"));
    /// ```
    pub fn panic(&self) -> Option<&Panic> {
        match self {
            Exit::Panicked(panic) => Some(panic),
            _ => None,
        }
    }

    /// Borrows the returned value, keeping the rest of the outcome.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// let exit = Exit::Returned(vec![1, 2]);
    /// assert_eq!(exit.as_ref().map(|v| v.len()).ok(), Some(2));
    /// ```
    pub fn as_ref(&self) -> Exit<&T> {
        match self {
            Exit::Returned(value) => Exit::Returned(value),
            Exit::Failed(error) => Exit::Failed(error.clone()),
            Exit::Panicked(panic) => Exit::Panicked(panic.clone()),
            Exit::Cancelled => Exit::Cancelled,
            Exit::Hung => Exit::Hung,
        }
    }

    /// Maps the returned value, keeping every other outcome as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert_eq!(Exit::Returned(20).map(|n| n + 1).ok(), Some(21));
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Exit<U> {
        match self {
            Exit::Returned(value) => Exit::Returned(f(value)),
            Exit::Failed(error) => Exit::Failed(error),
            Exit::Panicked(panic) => Exit::Panicked(panic),
            Exit::Cancelled => Exit::Cancelled,
            Exit::Hung => Exit::Hung,
        }
    }

    /// The outcome without the value: what a [`Report`](crate::Report) and an
    /// [`Event`](crate::Event) keep. Errors and panics are shared, not copied.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert!(Exit::Returned("big value").outcome().is_success());
    /// ```
    pub fn outcome(&self) -> Exit<()> {
        self.as_ref().map(|_| ())
    }

    /// A one-line description of the failure, without the worker's name:
    /// the error's message with its sources joined by `": "`, or the panic
    /// message with its location. Empty for `Returned` and `Cancelled`.
    pub(crate) fn message(&self) -> String {
        match self {
            Exit::Returned(_) | Exit::Cancelled => String::new(),
            Exit::Failed(error) => error.message(),
            Exit::Panicked(panic) => match panic.location() {
                Some(location) => format!("{} (at {location})", panic.message()),
                None => panic.message().to_owned(),
            },
            Exit::Hung => "did not stop within the shutdown timeout; detached".to_owned(),
        }
    }

    /// Which way the worker ended, without what it carries.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{ExitKind, Worker};
    /// let exit = Worker::new("w", |_ctx| Err::<(), _>("no")).run();
    /// assert_eq!(exit.kind(), ExitKind::Failed);
    /// assert_eq!(exit.kind().to_string(), "failed");
    /// ```
    pub const fn kind(&self) -> ExitKind {
        match self {
            Exit::Returned(_) => ExitKind::Returned,
            Exit::Failed(_) => ExitKind::Failed,
            Exit::Panicked(_) => ExitKind::Panicked,
            Exit::Cancelled => ExitKind::Cancelled,
            Exit::Hung => ExitKind::Hung,
        }
    }

    /// `Ok(value)` when the worker returned one; otherwise an [`ExitError`]
    /// whose [`source`](std::error::Error::source) is the worker's
    /// [`Error`] or [`Panic`], for `?` and anyhow.
    ///
    /// # Errors
    ///
    /// Every exit but `Returned`: `Failed`, `Panicked`, `Cancelled` and
    /// `Hung`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Worker;
    ///
    /// fn load() -> Result<u32, Box<dyn std::error::Error>> {
    ///     let port = Worker::new("port", |_ctx| "80".parse::<u32>()).run().into_result()?;
    ///     let bad = Worker::new("bad", |_ctx| "x".parse::<u32>()).run().into_result();
    ///     assert_eq!(bad.unwrap_err().to_string(), "worker `bad` failed");
    ///     Ok(port)
    /// }
    /// assert_eq!(load().unwrap(), 80);
    /// ```
    pub fn into_result(self) -> Result<T, ExitError> {
        match self {
            Exit::Returned(value) => Ok(value),
            other => Err(ExitError {
                exit: other.outcome(),
            }),
        }
    }
}

/// Which way a worker ended: [`Exit`] without what it carries.
///
/// # Examples
///
/// ```
/// use threadkit::{Exit, ExitKind};
/// assert_eq!(Exit::<()>::Hung.kind(), ExitKind::Hung);
/// assert_eq!(ExitKind::Cancelled.code(), 130);
/// assert_eq!(ExitKind::Panicked.as_str(), "panicked");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExitKind {
    /// [`Exit::Returned`].
    Returned,
    /// [`Exit::Failed`].
    Failed,
    /// [`Exit::Panicked`].
    Panicked,
    /// [`Exit::Cancelled`].
    Cancelled,
    /// [`Exit::Hung`].
    Hung,
}

impl ExitKind {
    /// Every kind, in declaration order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(threadkit::ExitKind::ALL.len(), 5);
    /// ```
    pub const ALL: [ExitKind; 5] = [
        ExitKind::Returned,
        ExitKind::Failed,
        ExitKind::Panicked,
        ExitKind::Cancelled,
        ExitKind::Hung,
    ];

    /// The word the report table uses: `returned`, `failed`, `panicked`,
    /// `cancelled` or `hung`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(threadkit::ExitKind::Returned.as_str(), "returned");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ExitKind::Returned => "returned",
            ExitKind::Failed => "failed",
            ExitKind::Panicked => "panicked",
            ExitKind::Cancelled => "cancelled",
            ExitKind::Hung => "hung",
        }
    }

    /// The exit code, as [`Exit::code`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(threadkit::ExitKind::Failed.code(), 1);
    /// ```
    pub const fn code(self) -> i32 {
        match self {
            ExitKind::Returned => 0,
            ExitKind::Failed => 1,
            ExitKind::Panicked => 101,
            ExitKind::Cancelled => 130,
            ExitKind::Hung => 124,
        }
    }
}

impl fmt::Display for ExitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exit that is not `Returned`, as an error: from
/// [`Exit::into_result`]. `Display` names the worker for failures and
/// panics; [`source`](std::error::Error::source) is the [`Error`] or
/// [`Panic`].
///
/// # Examples
///
/// ```
/// use threadkit::{ExitKind, Worker};
/// let error = Worker::<()>::infallible("boom", |_ctx| panic!("no")).run().into_result().unwrap_err();
/// assert_eq!(error.kind(), ExitKind::Panicked);
/// assert_eq!(error.code(), 101);
/// assert!(error.to_string().starts_with("worker `boom` panicked at "));
/// ```
#[derive(Debug, Clone)]
pub struct ExitError {
    exit: Exit<()>,
}

impl ExitError {
    /// The exit, without its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// let error = Exit::<u8>::Cancelled.into_result().unwrap_err();
    /// assert!(error.exit().is_cancelled());
    /// ```
    pub fn exit(&self) -> &Exit<()> {
        &self.exit
    }

    /// Which way the worker ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Exit, ExitKind};
    /// assert_eq!(Exit::<u8>::Hung.into_result().unwrap_err().kind(), ExitKind::Hung);
    /// ```
    pub fn kind(&self) -> ExitKind {
        self.exit.kind()
    }

    /// The exit code, as [`Exit::code`].
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Exit;
    /// assert_eq!(Exit::<u8>::Hung.into_result().unwrap_err().code(), 124);
    /// ```
    pub fn code(&self) -> i32 {
        self.exit.code()
    }
}

impl fmt::Display for ExitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.exit {
            Exit::Failed(error) => write!(f, "{error}"),
            Exit::Panicked(panic) => write!(f, "{panic}"),
            Exit::Cancelled => f.write_str("the worker was cancelled"),
            other => write!(f, "the worker {other}"),
        }
    }
}

impl StdError for ExitError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.exit {
            Exit::Failed(error) => Some(error),
            Exit::Panicked(panic) => Some(panic),
            _ => None,
        }
    }
}

/// `returned`, `failed: <message>`, `panicked: <message> (at file:line:col)`,
/// `cancelled` or `hung: ...`. The worker's name is not included; the
/// [`Error`] and [`Panic`] inside carry it.
impl<T> fmt::Display for Exit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message();
        if message.is_empty() {
            f.write_str(self.kind().as_str())
        } else {
            write!(f, "{}: {message}", self.kind())
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_design_table() {
        let codes: Vec<i32> = [
            Exit::Returned(()),
            Exit::Cancelled,
            Exit::Hung,
            Exit::Failed(Error::spawn_failed("w".into(), std::io::Error::other("x"))),
        ]
        .iter()
        .map(Exit::code)
        .collect();
        assert_eq!(codes, [0, 130, 124, 1]);
    }

    #[test]
    fn cancelled_is_neither_success_nor_failure() {
        let exit = Exit::<()>::Cancelled;
        assert!(!exit.is_success());
        assert!(!exit.is_failure());
        assert_eq!(exit.to_string(), "cancelled");
    }

    #[test]
    fn hung_is_a_failure_with_a_message() {
        let exit = Exit::<()>::Hung;
        assert!(exit.is_failure());
        assert_eq!(
            exit.to_string(),
            "hung: did not stop within the shutdown timeout; detached"
        );
    }

    #[test]
    fn outcome_drops_the_value_but_shares_the_error() {
        let error = Error::spawn_failed("w".into(), std::io::Error::other("no threads left"));
        let exit: Exit<String> = Exit::Failed(error);
        let outcome = exit.outcome();
        assert_eq!(outcome.code(), 1);
        assert_eq!(outcome.to_string(), exit.to_string());
    }
}
