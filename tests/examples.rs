//! Runs the examples as a user would and checks what they print and return.
//! `cargo test` builds the examples before running tests; if one is missing
//! (a filtered build), it is built here first.

use std::path::PathBuf;
use std::process::{Command, Output};

fn example(name: &str) -> Output {
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
    Command::new(&path).output().unwrap()
}

#[test]
fn get_config_exits_1_and_names_the_failed_fetcher() {
    let output = example("get_config");
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
    let output = example("exc_thread");
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
    let output = example("results");
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
