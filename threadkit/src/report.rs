//! What a supervised group leaves behind: [`Report`], [`Record`] and
//! [`ReportError`].

use std::error::Error as StdError;
use std::fmt;
use std::process::{ExitCode, Termination};
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::Duration;

use crate::{Exit, ExitKind, ShutdownCause};

/// One worker's exit as a supervisor recorded it: name, daemon flag, thread,
/// run time and outcome (the value itself stays with the worker's
/// [`Handle`](crate::Handle)). Cheap to clone.
///
/// # Examples
///
/// ```
/// use threadkit::{Supervisor, Worker};
/// let supervisor = Supervisor::new();
/// supervisor.spawn(Worker::new("loader", |_ctx| ()));
/// let report = supervisor.wait();
/// let record = &report.records()[0];
/// assert_eq!(record.name(), "loader");
/// assert!(!record.is_daemon());
/// assert!(record.exit().is_success());
/// assert_eq!(record.code(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Record {
    name: Arc<str>,
    daemon: bool,
    thread: Option<ThreadId>,
    duration: Duration,
    exit: Exit<()>,
    restarts: u32,
    last_failure: Option<Exit<()>>,
    never_started: bool,
}

impl Record {
    pub(crate) fn new(
        name: Arc<str>,
        daemon: bool,
        thread: Option<ThreadId>,
        duration: Duration,
        exit: Exit<()>,
    ) -> Self {
        Record {
            name,
            daemon,
            thread,
            duration,
            exit,
            restarts: 0,
            last_failure: None,
            never_started: false,
        }
    }

    /// Marks a worker that waited for a slot under its group's limit and
    /// was cancelled before it started.
    pub(crate) fn never_started(mut self, never_started: bool) -> Self {
        self.never_started = never_started;
        self
    }

    /// Whether the worker's body ever ran: `false` for a worker that waited
    /// for a slot under its group's [`limit`](crate::Supervisor::limit) and
    /// was cancelled (by the shutdown, or its handle) before its turn. Its
    /// exit is then [`Exit::Cancelled`] and it had no thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use threadkit::{Supervisor, Worker};
    ///
    /// let supervisor = Supervisor::new().limit(NonZeroUsize::MIN); // one at a time
    /// supervisor.spawn(Worker::new("first", |ctx| ctx.sleep(std::time::Duration::MAX)));
    /// supervisor.spawn(Worker::new("second", |_ctx| ()));
    /// supervisor.cancel(); // "second" never got a slot
    /// let report = supervisor.wait();
    /// assert!(report.record("first").unwrap().started());
    /// let second = report.record("second").unwrap();
    /// assert!(!second.started() && second.exit().is_cancelled());
    /// ```
    pub fn started(&self) -> bool {
        !self.never_started
    }

    /// With the restarts of the worker before its exit and the last
    /// failure among its runs (the exit itself, when it is one).
    pub(crate) fn with_restarts(mut self, restarts: u32, last_failure: Option<Exit<()>>) -> Self {
        self.restarts = restarts;
        self.last_failure = if self.exit.is_failure() {
            Some(self.exit.clone())
        } else {
            last_failure
        };
        self
    }

    /// How many times the worker's [`Restart`](crate::Restart) policy ran
    /// its body again before it exited (0 without a policy).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Restart, Supervisor, Worker};
    /// let policy = Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO);
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::restarting("flaky", policy, |ctx| {
    ///     if ctx.restarts() == 0 { Err("first run fails") } else { Ok(()) }
    /// }));
    /// let report = supervisor.wait();
    /// assert_eq!(report.records()[0].restarts(), 1);
    /// assert!(report.is_success());
    /// ```
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// The last failure (`Err` or panic) among the worker's runs: its exit
    /// when that is a failure, else the failure that caused its last
    /// restart, else `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Restart, Supervisor, Worker};
    /// let policy = Restart::on_failure().backoff(Duration::ZERO, Duration::ZERO);
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::restarting("flaky", policy, |ctx| {
    ///     if ctx.restarts() == 0 { Err("first run fails") } else { Ok(()) }
    /// }));
    /// let report = supervisor.wait();
    /// let record = &report.records()[0];
    /// assert!(record.exit().is_success());
    /// assert_eq!(record.last_failure().unwrap().to_string(), "failed: first run fails");
    /// ```
    pub fn last_failure(&self) -> Option<&Exit<()>> {
        self.last_failure.as_ref()
    }

    /// The worker's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::{Supervisor, Worker};
    /// # let supervisor = Supervisor::new();
    /// # supervisor.spawn(Worker::new("loader", |_ctx| ()));
    /// # let report = supervisor.wait();
    /// assert_eq!(report.records()[0].name(), "loader");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the worker was a daemon.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("beat", |ctx| ctx.sleep(std::time::Duration::MAX)).daemon(true));
    /// supervisor.spawn(Worker::new("job", |_ctx| ()));
    /// let report = supervisor.wait();
    /// assert!(report.records()[0].is_daemon());
    /// ```
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// The worker's thread; `None` if it never started.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::{Supervisor, Worker};
    /// # let supervisor = Supervisor::new();
    /// # supervisor.spawn(Worker::new("loader", |_ctx| ()));
    /// # let report = supervisor.wait();
    /// assert_ne!(report.records()[0].thread_id(), Some(std::thread::current().id()));
    /// ```
    pub fn thread_id(&self) -> Option<ThreadId> {
        self.thread
    }

    /// From the worker's spawn to its recorded exit (for `Hung`, to the
    /// moment the supervisor gave up on it).
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::{Supervisor, Worker};
    /// use std::time::Duration;
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("nap", |_ctx| std::thread::sleep(Duration::from_millis(20))));
    /// let report = supervisor.wait();
    /// assert!(report.records()[0].duration() >= Duration::from_millis(20));
    /// ```
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// How the worker ended.
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("bad", |_ctx| Err::<(), _>("nope")));
    /// let report = supervisor.wait();
    /// assert_eq!(report.records()[0].exit().to_string(), "failed: nope");
    /// ```
    pub fn exit(&self) -> &Exit<()> {
        &self.exit
    }

    /// The exit's [`code`](Exit::code).
    ///
    /// # Examples
    ///
    /// ```
    /// # use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::infallible("bad", |_ctx| panic!("nope")));
    /// let report = supervisor.wait();
    /// assert_eq!(report.records()[0].code(), 101);
    /// ```
    pub fn code(&self) -> i32 {
        self.exit.code()
    }
}

/// Everything a supervised group did: one [`Record`] per worker, in spawn
/// order, the failure that decides the exit code, and why it shut down.
///
/// - [`exit_code`](Report::exit_code): 0 when no worker failed; otherwise
///   the code of the [first failure](Report::first_failure): 1 for an
///   `Err`, 101 for a panic, 124 when the only failures are hung workers.
///   Cancelled workers are not failures.
/// - `Display` prints an aligned table; `fn main() -> Report` exits with the
///   exit code and prints the table to stderr when something failed.
/// - [`into_result`](Report::into_result) turns it into a `Result` for `?`.
///
/// # Examples
///
/// ```
/// use threadkit::{Supervisor, Worker};
///
/// let supervisor = Supervisor::new();
/// for n in 1..=3 {
///     supervisor.spawn(Worker::new(format!("job_{n}"), move |_ctx| {
///         if n == 2 { Err("bad input") } else { Ok(n) }
///     }));
/// }
/// let report = supervisor.wait();
/// assert_eq!(report.exit_code(), 1);
/// assert_eq!(report.first_failure().unwrap().name(), "job_2");
/// println!("{report}");
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Report says whether the group failed"]
pub struct Report {
    records: Vec<Record>,
    first_failure: Option<usize>,
    cause: Option<ShutdownCause>,
    folded: Folded,
}

/// Records a group folded into counts (see
/// [`Supervisor::retain_records`](crate::Supervisor::retain_records)),
/// indexed by [`ExitKind`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Folded {
    counts: [usize; 5],
}

impl Folded {
    pub(crate) fn count(&mut self, exit: &Exit<()>) {
        self.counts[exit.kind() as usize] += 1;
    }

    fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

impl Report {
    pub(crate) fn new(
        records: Vec<Record>,
        first_failure: Option<usize>,
        cause: Option<ShutdownCause>,
    ) -> Self {
        // A hang counts only when nothing failed outright.
        let first_failure =
            first_failure.or_else(|| records.iter().position(|record| record.exit.is_hung()));
        Report {
            records,
            first_failure,
            cause,
            folded: Folded::default(),
        }
    }

    pub(crate) fn with_folded(mut self, folded: Folded) -> Self {
        self.folded = folded;
        self
    }

    /// How many finished workers' records the group folded into counts to
    /// stay in bounded memory (see
    /// [`Supervisor::retain_records`](crate::Supervisor::retain_records)).
    /// `records().len() + folded()` is the number of workers recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new().retain_records(1);
    /// supervisor.spawn(Worker::new("a", |_ctx| ()));
    /// supervisor.spawn(Worker::new("b", |_ctx| ()));
    /// let report = supervisor.wait();
    /// assert_eq!((report.records().len(), report.folded()), (1, 1));
    /// assert!(report.to_string().contains("2 workers: 2 returned"));
    /// ```
    pub fn folded(&self) -> usize {
        self.folded.total()
    }

    /// Every worker's record, in the order the workers were spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("a", |_ctx| ()));
    /// supervisor.spawn(Worker::new("b", |_ctx| ()));
    /// let report = supervisor.wait();
    /// let names: Vec<&str> = report.records().iter().map(|r| r.name()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The first record named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("db", |_ctx| ()));
    /// let report = supervisor.wait();
    /// assert!(report.record("db").unwrap().exit().is_success());
    /// assert!(report.record("cache").is_none());
    /// ```
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|record| record.name() == name)
    }

    /// The failure that decides the exit code: the first worker, in time,
    /// to fail or panic (the one that started a fail-fast shutdown); or, if
    /// none did, the first hung worker.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("waits", |ctx| ctx.sleep(Duration::MAX)));
    /// supervisor.spawn(Worker::new("fails", |_ctx| Err::<(), _>("first")));
    /// let report = supervisor.wait();
    /// assert_eq!(report.first_failure().unwrap().name(), "fails");
    /// assert!(report.record("waits").unwrap().exit().is_cancelled());
    /// ```
    pub fn first_failure(&self) -> Option<&Record> {
        self.first_failure.map(|index| &self.records[index])
    }

    /// Every failed, panicked or hung worker, in spawn order. Failures after
    /// the first are kept too.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("a", |_ctx| Err::<(), _>("x")));
    /// supervisor.spawn(Worker::new("b", |_ctx| ()));
    /// assert_eq!(supervisor.wait().failures().count(), 1);
    /// ```
    pub fn failures(&self) -> impl Iterator<Item = &Record> {
        self.records
            .iter()
            .filter(|record| record.exit.is_failure())
    }

    /// 0 if no worker failed; otherwise the first failure's code. When a
    /// signal started the shutdown (no worker had failed before it), 128 +
    /// the signal's number: 130 for SIGINT, 143 for SIGTERM, as a shell
    /// reports a process the signal killed.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::Supervisor;
    /// assert_eq!(Supervisor::new().wait().exit_code(), 0);
    /// ```
    pub fn exit_code(&self) -> i32 {
        match &self.cause {
            Some(ShutdownCause::Signal { signal }) => 128 + signal,
            _ => self.first_failure().map_or(0, Record::code),
        }
    }

    /// `true` when no worker failed, panicked or hung.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("fine", |_ctx| ()));
    /// assert!(supervisor.wait().is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        self.first_failure.is_none()
    }

    /// Why the group shut down; `None` if every worker exited before a
    /// shutdown was needed (a group of daemons that all returned, or an
    /// empty group).
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{ShutdownCause, Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("bad", |_ctx| Err::<(), _>("x")));
    /// let report = supervisor.wait();
    /// assert!(matches!(report.shutdown_cause(), Some(ShutdownCause::Failed { worker }) if &**worker == "bad"));
    /// ```
    pub fn shutdown_cause(&self) -> Option<&ShutdownCause> {
        self.cause.as_ref()
    }

    /// `Ok(self)` on success, otherwise a [`ReportError`] that says what
    /// the first failure's [`Error`](crate::Error) or
    /// [`Panic`](crate::Panic) says, and whose source is that failure's
    /// cause, so that `?` and anyhow show each link of the chain once.
    ///
    /// # Errors
    ///
    /// A [`ReportError`] when a worker failed, panicked or hung.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    ///
    /// fn run() -> Result<(), Box<dyn std::error::Error>> {
    ///     let supervisor = Supervisor::new();
    ///     supervisor.spawn(Worker::new("db", |_ctx| Err::<(), _>("connection refused")));
    ///     supervisor.wait().into_result()?;
    ///     Ok(())
    /// }
    ///
    /// let error = run().unwrap_err();
    /// assert_eq!(error.to_string(), "worker `db` failed");
    /// assert_eq!(error.source().unwrap().to_string(), "connection refused");
    /// ```
    pub fn into_result(self) -> Result<Report, ReportError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(ReportError { report: self })
        }
    }

    fn summary(&self) -> String {
        let mut counts: Vec<(ExitKind, usize)> = Vec::new();
        let mut add =
            |kind: ExitKind, n: usize| match counts.iter_mut().find(|(seen, _)| *seen == kind) {
                Some((_, count)) => *count += n,
                None => counts.push((kind, n)),
            };
        for record in &self.records {
            add(record.exit.kind(), 1);
        }
        for (kind, n) in ExitKind::ALL.into_iter().zip(self.folded.counts) {
            if n > 0 {
                add(kind, n);
            }
        }
        let counts: Vec<String> = counts
            .iter()
            .map(|(kind, count)| format!("{count} {kind}"))
            .collect();
        let workers = match self.records.len() + self.folded.total() {
            1 => "1 worker".to_owned(),
            n => format!("{n} workers"),
        };
        let mut line = workers;
        if !counts.is_empty() {
            line = format!("{line}: {}", counts.join(", "));
        }
        line = format!("{line}; exit code {}", self.exit_code());
        let folded = self.folded.total();
        if folded > 0 {
            line = format!("{line}; {folded} earlier records folded into these counts");
        }
        if let Some(failure) = self.first_failure() {
            line = format!("{line} ({} {})", failure.name(), failure.exit.kind());
        }
        line
    }
}

impl fmt::Display for Report {
    /// ```text
    /// worker        outcome   code    time  message
    /// get_config_1  returned     0  10.4ms
    /// get_config_4  failed       1  10.1ms  config 4 is unreachable
    /// 2 workers: 1 returned, 1 failed; exit code 1 (get_config_4 failed)
    ///
    /// # Examples
    ///
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = ["worker", "outcome", "code", "time", "message"];
        let rows: Vec<[String; 5]> = self
            .records
            .iter()
            .map(|record| {
                let name = if record.daemon {
                    format!("{} (daemon)", record.name)
                } else {
                    record.name.to_string()
                };
                let message = if record.never_started {
                    "never started (waited for a slot)".to_owned()
                } else {
                    record.exit.message().replace(['\n', '\r'], " ")
                };
                let outcome = match record.restarts {
                    0 => record.exit.kind().to_string(),
                    1 => format!("{}, 1 restart", record.exit.kind()),
                    n => format!("{}, {n} restarts", record.exit.kind()),
                };
                [
                    name,
                    outcome,
                    record.code().to_string(),
                    format_duration(record.duration),
                    message,
                ]
            })
            .collect();
        let width = |column: usize| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header[column].len()])
                .max()
                .unwrap_or(0)
        };
        let widths = [width(0), width(1), width(2), width(3)];
        let mut line = |cells: [&str; 5]| -> fmt::Result {
            let text = format!(
                "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {}",
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                cells[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
            );
            writeln!(f, "{}", text.trim_end())
        };
        line(header)?;
        for row in &rows {
            line([&row[0], &row[1], &row[2], &row[3], &row[4]])?;
        }
        write!(f, "{}", self.summary())
    }
}

fn format_duration(duration: Duration) -> String {
    let micros = duration.as_micros();
    if micros < 1_000 {
        format!("{micros}µs")
    } else if micros < 1_000_000 {
        format!("{:.1}ms", duration.as_secs_f64() * 1e3)
    } else if micros < 60_000_000 {
        format!("{:.2}s", duration.as_secs_f64())
    } else {
        let seconds = duration.as_secs();
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

/// `fn main() -> threadkit::Report` exits with [`Report::exit_code`] and, when
/// the group failed, prints the table to stderr (on success it prints
/// nothing, like a `main` that returns `Ok`).
impl Termination for Report {
    fn report(self) -> ExitCode {
        let code = self.exit_code();
        if code != 0 {
            eprintln!("{self}");
        }
        ExitCode::from(u8::try_from(code).unwrap_or(1))
    }
}

/// A failed [`Report`] as an error: `Display` describes the first failure,
/// [`source`](std::error::Error::source) is its [`Error`](crate::Error) or
/// [`Panic`](crate::Panic), and `Debug` (what `fn main() -> Result<..>`
/// prints) adds the whole table.
///
/// # Examples
///
/// ```
/// use threadkit::{Supervisor, Worker};
/// let supervisor = Supervisor::new();
/// supervisor.spawn(Worker::infallible("boom", |_ctx| panic!("kaboom")));
/// let error = supervisor.wait().into_result().unwrap_err();
/// assert!(error.to_string().starts_with("worker `boom` panicked at "));
/// assert_eq!(error.report().exit_code(), 101);
/// ```
pub struct ReportError {
    report: Report,
}

impl ReportError {
    /// The report this error was made from.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("bad", |_ctx| Err::<(), _>("x")));
    /// let error = supervisor.wait().into_result().unwrap_err();
    /// assert_eq!(error.report().records().len(), 1);
    /// ```
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Gives the report back.
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit::{Supervisor, Worker};
    /// let supervisor = Supervisor::new();
    /// supervisor.spawn(Worker::new("bad", |_ctx| Err::<(), _>("x")));
    /// let report = supervisor.wait().into_result().unwrap_err().into_report();
    /// assert_eq!(report.exit_code(), 1);
    /// ```
    pub fn into_report(self) -> Report {
        self.report
    }

    fn failure(&self) -> Option<&Record> {
        self.report.first_failure()
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failure().map(|record| (record, record.exit())) {
            Some((_, Exit::Failed(error))) => write!(f, "{error}"),
            Some((_, Exit::Panicked(panic))) => write!(f, "{panic}"),
            Some((record, exit)) => write!(f, "worker `{}` {}", record.name(), exit),
            None => f.write_str("the supervised group failed"),
        }
    }
}

impl fmt::Debug for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        if let Some(record) = self.failure() {
            if matches!(record.exit(), Exit::Failed(_)) {
                write!(f, ": {}", record.exit().message())?;
            }
        }
        write!(f, "\n\n{}", self.report)
    }
}

impl StdError for ReportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The failure's own message is this error's message: its source
        // is the next link, so a chain prints each cause once.
        match self.failure()?.exit() {
            Exit::Failed(error) => error.source(),
            Exit::Panicked(panic) => panic.source(),
            _ => None,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::Error;

    fn record(name: &str, daemon: bool, exit: Exit<()>, millis: u64) -> Record {
        Record::new(
            name.into(),
            daemon,
            None,
            Duration::from_millis(millis),
            exit,
        )
    }

    fn failed(name: &str, message: &str) -> Exit<()> {
        Exit::Failed(Error::new(name.into(), None, message.into()))
    }

    #[test]
    fn table_is_aligned_and_ends_with_a_summary() {
        let report = Report::new(
            vec![
                record("get_config_1", false, Exit::Returned(()), 12),
                record(
                    "get_config_4",
                    false,
                    failed("get_config_4", "unreachable"),
                    3,
                ),
                record("beat", true, Exit::Cancelled, 1500),
            ],
            Some(1),
            Some(ShutdownCause::Failed {
                worker: "get_config_4".into(),
            }),
        );
        let expected = "\
worker         outcome    code    time  message
get_config_1   returned      0  12.0ms
get_config_4   failed        1   3.0ms  unreachable
beat (daemon)  cancelled   130   1.50s
3 workers: 1 returned, 1 failed, 1 cancelled; exit code 1 (get_config_4 failed)";
        assert_eq!(report.to_string(), expected);
    }

    #[test]
    fn hung_decides_the_code_only_without_real_failures() {
        let hung_only = Report::new(vec![record("h", false, Exit::Hung, 5)], None, None);
        assert_eq!(hung_only.exit_code(), 124);
        assert_eq!(hung_only.first_failure().unwrap().name(), "h");

        let both = Report::new(
            vec![
                record("h", false, Exit::Hung, 5),
                record("f", false, failed("f", "x"), 1),
            ],
            Some(1),
            None,
        );
        assert_eq!(both.exit_code(), 1);
        assert_eq!(both.failures().count(), 2);
    }

    #[test]
    fn cancelled_workers_do_not_fail_the_report() {
        let report = Report::new(vec![record("c", false, Exit::Cancelled, 1)], None, None);
        assert!(report.is_success());
        assert_eq!(report.exit_code(), 0);
        assert!(report.into_result().is_ok());
    }

    #[test]
    fn report_error_debug_shows_cause_and_table() {
        let report = Report::new(
            vec![record("db", false, failed("db", "refused"), 1)],
            Some(0),
            None,
        );
        let error = report.into_result().unwrap_err();
        let debug = format!("{error:?}");
        assert!(
            debug.starts_with("worker `db` failed: refused\n\nworker"),
            "{debug}"
        );
        assert!(debug.ends_with("exit code 1 (db failed)"), "{debug}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_micros(250)), "250µs");
        assert_eq!(format_duration(Duration::from_micros(12_345)), "12.3ms");
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2.50s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m05s");
    }

    #[test]
    fn non_ascii_names_keep_the_columns_aligned() {
        let report = Report::new(
            vec![
                record("取配置_4", false, Exit::Returned(()), 1),
                record("ab", false, Exit::Returned(()), 1),
            ],
            None,
            None,
        );
        let table = report.to_string();
        let lines: Vec<&str> = table.lines().collect();
        let column = |line: &str| line.chars().position(|c| c == 'r').unwrap();
        assert_eq!(column(lines[1]), column(lines[2]));
    }
}
