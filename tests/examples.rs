//! Runs the examples as a user would and checks what they print and return.
//! `cargo test` builds the examples before running tests; if one is missing
//! (a filtered build), it is built here first.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The example's binary, built first if need be.
fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path: PathBuf = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--example", name])
            .status()
            .unwrap();
        assert!(status.success(), "could not build example {name}");
    }
    path
}

fn example(name: &str, args: &[&str]) -> Output {
    Command::new(example_path(name))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn get_config_exits_1_and_names_the_failed_fetcher() {
    let output = example("get_config", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("collected 8 configs: [1, 2, 3, 5, 6, 7, 8, 9]"),
        "{stdout}"
    );
    let failed_row = stderr
        .lines()
        .find(|line| line.starts_with("get_config_4 "))
        .unwrap_or_else(|| panic!("no row for get_config_4 in:\n{stderr}"));
    assert!(failed_row.contains("failed"), "{failed_row}");
    assert!(
        failed_row.contains("config 4 failed validation"),
        "{failed_row}"
    );
    assert!(
        stderr.contains("9 workers: 8 returned, 1 failed; exit code 1 (get_config_4 failed)"),
        "{stderr}"
    );
}

#[test]
fn exc_thread_fails_fast_alerts_and_exits_101() {
    let output = example("exc_thread", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "{stdout}\n{stderr}");
    let alert = stdout
        .lines()
        .find(|line| line.starts_with("ALERT to ops@example.com: parser panicked: "))
        .unwrap_or_else(|| panic!("no alert in:\n{stdout}"));
    assert!(alert.contains("index out of bounds"), "{alert}");
    assert!(alert.contains("(at examples/exc_thread.rs:"), "{alert}");
    for poller in ["poller_1 ", "poller_2 ", "poller_3 "] {
        let row = stderr
            .lines()
            .find(|line| line.starts_with(poller))
            .unwrap();
        assert!(row.contains("cancelled"), "{row}");
    }
    assert!(
        stderr.contains("exit code 101 (parser panicked)"),
        "{stderr}"
    );
}

#[test]
fn results_collects_typed_values_and_exits_0() {
    let output = example("results", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("sum of 0..1000000 = 499999500000"),
        "{stdout}"
    );
    assert!(stdout.contains("longest word: results"), "{stdout}");
    assert!(
        output.stderr.is_empty(),
        "a successful report prints nothing"
    );
}

/// The three counts `pipeline` prints after its run: produced, committed,
/// and the ids not processed.
fn pipeline_counts(stdout: &str) -> (usize, usize, Vec<u64>) {
    let count = |prefix: &str| -> usize {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{stdout}"));
        line[prefix.len()..]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {line:?}"))
    };
    let listed = stdout
        .lines()
        .find_map(|line| line.strip_prefix("not processed: "))
        .and_then(|rest| Some(rest.split_once('[')?.1.split_once(']')?.0.to_owned()))
        .unwrap_or_default();
    let ids = listed
        .split(", ")
        .filter(|id| !id.is_empty())
        .map(|id| id.parse().unwrap())
        .collect();
    (count("produced "), count("committed "), ids)
}

#[test]
fn pipeline_commits_every_item_and_exits_0() {
    let output = example("pipeline", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        pipeline_counts(&stdout),
        (10_000, 10_000, Vec::new()),
        "{stdout}"
    );
}

/// A parser fails on a corrupt item: the pipeline stops long before the
/// producer is done, the report names the stage, and what was committed
/// plus what was not processed is exactly what was produced.
#[test]
fn pipeline_stops_at_a_corrupt_item_and_loses_nothing_acknowledged() {
    for corrupt in ["1", "37", "5000"] {
        let output = example("pipeline", &["--corrupt", corrupt]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
        let (produced, committed, not_processed) = pipeline_counts(&stdout);
        let corrupt: u64 = corrupt.parse().unwrap();
        assert!(produced < 10_000, "the producer was not stopped:\n{stdout}");
        assert!(produced as u64 >= corrupt, "{stdout}");
        assert!(committed < produced, "{stdout}");
        // Fewer than ten are listed in full.
        if produced - committed <= 10 {
            assert_eq!(not_processed.len(), produced - committed, "{stdout}");
            assert!(not_processed.contains(&corrupt), "{stdout}");
        }
        assert!(
            stdout.contains(&format!("not processed: {} items", produced - committed)),
            "{stdout}"
        );
        let failed_row = stderr
            .lines()
            .find(|line| line.contains(&format!("item {corrupt} is corrupt")))
            .unwrap_or_else(|| panic!("no failed row in:\n{stderr}"));
        assert!(failed_row.starts_with("parser_"), "{failed_row}");
        assert!(failed_row.contains("failed"), "{failed_row}");
        let row = |stage: &str| stderr.lines().find(|line| line.starts_with(stage)).unwrap();
        assert!(row("producer ").contains("cancelled"), "{stderr}");
        // Stopped after the parsers, the collector may see its inbox
        // close (it committed everything sent) before its cancellation.
        let collector = row("collector ");
        assert!(
            collector.contains("cancelled") || collector.contains("returned"),
            "{collector}"
        );
    }
}

/// `health`: real HTTP requests against the probes it serves.
#[cfg(unix)]
mod health {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::process::Command;
    use std::time::Duration;

    use crate::common::Watched;

    /// Starts the example on a free port; its address once it listens.
    fn start(args: &[&str]) -> (Watched, String) {
        let child = Watched::start(
            Command::new(super::example_path("health"))
                .args(["--port", "0"])
                .args(args),
        );
        let lines = child.wait_for("listening on http://");
        let address = lines
            .last()
            .and_then(|line| line.split("http://").nth(1))
            .unwrap()
            .to_owned();
        (child, address)
    }

    /// One GET over a fresh connection: the status code and the body.
    fn get(address: &str, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not HTTP: {response:?}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    #[test]
    fn it_answers_live_and_ready_and_stops_on_sigterm() {
        let (child, address) = start(&[]);
        child.wait_for("service ready");
        assert_eq!(get(&address, "/readyz"), (200, "ready\n".to_owned()));
        assert_eq!(get(&address, "/livez"), (200, "live\n".to_owned()));
        let (status, table) = get(&address, "/snapshot");
        assert_eq!(status, 200);
        assert!(table.contains("processor (daemon)  ready"), "{table}");
        assert!(table.contains("http (daemon)"), "{table}");
        assert_eq!(get(&address, "/nope").0, 404);
        child.signal("TERM");
        let (status, output, _) = child.finish(Duration::from_secs(30));
        assert_eq!(status.code(), Some(143), "{output}");
    }

    #[test]
    fn a_stalled_worker_makes_livez_fail_and_the_process_exit_hung() {
        let (child, address) = start(&["--stall"]);
        child.wait_for("service ready");
        assert_eq!(get(&address, "/livez").0, 200);
        child.wait_for("stalled: processor");
        // From the stall until the process exits, the worker stays stalled.
        assert_eq!(
            get(&address, "/livez"),
            (503, "stalled: processor\n".to_owned())
        );
        let (status, output, _) = child.finish(Duration::from_secs(60));
        assert_eq!(status.code(), Some(124), "{output}");
    }
}

/// `daemon_service` (seed 002), driven as an operator would: start it,
/// wait for `service ready`, send a real signal, check the exit code.
#[cfg(all(unix, feature = "signals", feature = "systemd"))]
mod daemon_service {
    use std::process::Command;
    use std::time::Duration;

    use super::common::{FakeSystemd, Watched};

    /// Runs the example with `args`; once it is ready, sends `signal` (if
    /// any); returns its exit code and everything it printed.
    fn run(args: &[&str], signal: Option<&str>) -> (Option<i32>, String) {
        let service =
            Watched::start(Command::new(super::example_path("daemon_service")).args(args));
        if let Some(signal) = signal {
            service.wait_for("service ready");
            service.signal(signal);
        }
        let (status, output, _) = service.finish(Duration::from_secs(60));
        (status.code(), output)
    }

    #[test]
    fn sigterm_stops_it_gracefully_with_143() {
        let (code, output) = run(&[], Some("TERM"));
        assert_eq!(code, Some(143), "{output}");
        assert!(
            output.contains("4 workers: 4 cancelled; exit code 143"),
            "{output}"
        );
        assert!(output.contains("consumer stopping after"), "{output}");
    }

    /// A real Unix datagram socket stands in for systemd: the service says
    /// `READY=1` once up, pings the watchdog every half `WATCHDOG_USEC`,
    /// and says `STOPPING=1` when SIGTERM starts the shutdown.
    #[test]
    fn it_speaks_the_systemd_notify_protocol() {
        let systemd = FakeSystemd::bind("notify");
        // As systemd does, the watchdog is addressed to the service's pid:
        // the shell execs the service, which keeps the shell's pid.
        let service = Watched::start(
            Command::new("sh")
                .arg("-c")
                .arg("WATCHDOG_PID=$$ exec \"$0\"")
                .arg(super::example_path("daemon_service"))
                .env("NOTIFY_SOCKET", systemd.path())
                .env("WATCHDOG_USEC", "100000"),
        );
        let mut seen = Vec::new();
        // Ready, then at least two watchdog pings (every 50 ms).
        while seen
            .iter()
            .filter(|message: &&String| message.as_str() == "WATCHDOG=1\n")
            .count()
            < 2
            || !seen.iter().any(|message| message.starts_with("READY=1\n"))
        {
            seen.push(systemd.receive());
        }
        let ready = seen
            .iter()
            .find(|message| message.starts_with("READY=1\n"))
            .unwrap();
        assert!(
            ready.contains("STATUS=ready: 4 workers running"),
            "{seen:?}"
        );
        service.signal("TERM");
        systemd.receive_until("STOPPING=1\n", &mut seen);
        assert!(
            seen.last().unwrap().contains("STATUS=stopping: signal 15"),
            "{seen:?}"
        );
        let (status, output, _) = service.finish(Duration::from_secs(60));
        assert_eq!(status.code(), Some(143), "{output}");
        let last = systemd.receive();
        assert!(
            last.contains("STATUS=finished with exit code 143"),
            "{last} after {seen:?}"
        );
    }

    #[test]
    fn ctrl_c_stops_it_with_130() {
        let (code, output) = run(&[], Some("INT"));
        assert_eq!(code, Some(130), "{output}");
        assert!(output.contains("exit code 130"), "{output}");
    }

    #[test]
    fn a_crashing_health_check_is_restarted_then_fails_the_service_with_101() {
        let (code, output) = run(&["--crash"], None);
        assert_eq!(code, Some(101), "{output}");
        for restart in 1..=3 {
            let announced = "restarting health in";
            let numbered = format!("(restart {restart}) after: panicked");
            assert!(
                output
                    .lines()
                    .any(|line| line.contains(announced) && line.contains(&numbered)),
                "restart {restart} not announced in:\n{output}"
            );
        }
        let row = output
            .lines()
            .find(|line| line.starts_with("health (daemon)"))
            .unwrap_or_else(|| panic!("no health row in:\n{output}"));
        assert!(row.contains("panicked, 3 restarts"), "{row}");
        assert!(row.contains("the database does not answer"), "{row}");
    }
}
