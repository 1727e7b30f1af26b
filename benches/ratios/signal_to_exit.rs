//! signal_to_exit: from SIGTERM to the exit of a service that shuts down
//! gracefully, against a process the signal kills. Unix and the `signals`
//! feature only.

use std::thread;
use std::time::{Duration, Instant};

use threadkit::{Supervisor, Worker};

use crate::support::{interleaved, median, spread, Metric, Target};
use crate::Effort;

/// The child process's side: a service of one daemon worker that handles
/// SIGTERM (`threadkit`), or a plain sleeping thread that the signal kills
/// (`plain`). Prints `ready` once it can be signalled.
fn child(kind: &str) -> ! {
    use std::io::Write as _;
    let ready = || {
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "ready");
        let _ = stdout.flush();
    };
    if kind == "threadkit" {
        let supervisor = Supervisor::new().handle_signals().expect("signal handlers");
        supervisor.spawn(Worker::new("service", |ctx| ctx.sleep(Duration::MAX)).daemon(true));
        ready();
        std::process::exit(supervisor.wait().exit_code())
    }
    ready();
    loop {
        thread::sleep(Duration::from_secs(3600));
    }
}

/// Starts the child of `kind`, waits for `ready`, sends SIGTERM with
/// `kill`, and returns the milliseconds until the child's exit.
fn signalled_exit(kind: &str) -> f64 {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().expect("this bench"))
        .env("THREADKIT_BENCH_CHILD", kind)
        .stdout(Stdio::piped())
        .spawn()
        .expect("child");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    assert_eq!(line.trim(), "ready");
    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("exit");
    let elapsed = started.elapsed();
    if kind == "threadkit" {
        assert_eq!(status.code(), Some(143));
    }
    elapsed.as_secs_f64() * 1e3
}

pub(crate) fn metric(effort: Effort) -> Metric {
    let (mut ours, mut theirs) = interleaved(
        effort.reps,
        || signalled_exit("threadkit"),
        || signalled_exit("plain"),
    );
    Metric {
        name: "signal_to_exit",
        threadkit: median(&mut ours),
        baseline: median(&mut theirs),
        baseline_name: "a process that SIGTERM kills (default disposition)".to_owned(),
        target: Target::Value(50.0),
        unit: "ms",
        spread: format!("threadkit {}; killed {}", spread(&mut ours), spread(&mut theirs)),
        detail: "from `kill -TERM` to the exit of a one-worker service that handles it (graceful shutdown, code 143); both include starting `kill`".to_owned(),
        paired_ratio: None,
    }
}

/// When this process is the bench's child (see `child`), serves as it and
/// never returns.
pub(crate) fn serve_as_child() {
    if let Ok(kind) = std::env::var("THREADKIT_BENCH_CHILD") {
        child(&kind);
    }
}
