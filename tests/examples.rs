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
