//! Rule 6: threadkit chains its panic hook; a user's hook still runs and the
//! default panic output stays. The hook is global to a process, so every
//! scenario runs in a child process of its own: this test binary, started
//! again on the ignored `child_process` test with `THREADKIT_CHILD` set.

mod common;

use std::io::Read;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::child_of_this_binary;
use threadkit::{Supervisor, Worker};

/// Runs `scenario` in a child process; a child that deadlocks is killed
/// after a minute, and its output then says so.
fn run_child(scenario: &str) -> Output {
    let mut child = child_of_this_binary(scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || read_all(&mut stdout));
    let err = std::thread::spawn(move || read_all(&mut stderr));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("scenario {scenario} did not finish within a minute (deadlock?)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(stream: &mut impl Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    bytes
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
#[ignore = "a child process of the other tests in this file"]
fn child_process() {
    match std::env::var("THREADKIT_CHILD").as_deref() {
        Ok("user_hook_first") => user_hook_first(),
        Ok("user_hook_later") => user_hook_later(),
        Ok("default_output") => default_output(),
        Ok("double_panic") => double_panic(),
        Ok("worker_from_panic_hook") => worker_from_panic_hook(),
        other => panic!("unknown scenario {other:?}"),
    }
}

fn panicking_worker(name: &str) -> Worker<()> {
    Worker::infallible(name, |_ctx| panic!("worker boom"))
}

/// A user hook installed before any worker keeps running, and threadkit
/// still records where the worker panicked.
fn user_hook_first() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        eprintln!(
            "USER HOOK: {}",
            info.payload().downcast_ref::<&str>().unwrap_or(&"?")
        );
    }));
    let exit = panicking_worker("hooked").spawn().join();
    let panic = exit.panic().expect("the worker panicked");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(panic.location().unwrap().file().ends_with("panic_hook.rs"));
    println!("CHILD OK");
}

/// A user hook installed after threadkit's, chaining to the one before it
/// (the usual `take_hook` + `set_hook` pattern), keeps locations too.
fn user_hook_later() {
    let _ = panicking_worker("first").run();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!("LATE USER HOOK");
        previous(info);
    }));
    let exit = panicking_worker("second").spawn().join();
    assert!(exit.panic().unwrap().location().is_some());
    println!("CHILD OK");
}

/// A user hook that reports through a worker, where that worker is the
/// first the process starts: the hook runs under std's hook lock, so a
/// worker that installed threadkit's hook from its own thread deadlocked.
fn worker_from_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("?");
        let report = Worker::infallible("reporter", move |_ctx| format!("REPORTED {message}"));
        eprintln!("{}", report.spawn().join().ok().unwrap_or_default());
    }));
    let caught = std::panic::catch_unwind(|| panic!("main boom"));
    assert!(caught.is_err());
    // The hook is installed by the next start from a thread that is not
    // panicking, and locations are recorded from then on.
    let exit = panicking_worker("later").spawn().join();
    assert!(exit.panic().unwrap().location().is_some());
    println!("CHILD OK");
}

/// Without a user hook, std's default message still reaches stderr.
fn default_output() {
    let supervisor = Supervisor::new();
    supervisor.spawn(panicking_worker("noisy"));
    let report = supervisor.wait();
    let panic = report.records()[0].exit().panic().unwrap().clone();
    println!("LOCATION {}", panic.location().unwrap());
    println!("CHILD OK");
}

/// A panic inside `Drop` while a worker unwinds aborts the process (Rust's
/// rule for a panic during a panic); threadkit must not hang or turn it into
/// something else.
fn double_panic() {
    struct PanicsInDrop;
    impl Drop for PanicsInDrop {
        fn drop(&mut self) {
            panic!("second panic, in drop");
        }
    }
    let supervisor = Supervisor::new();
    supervisor.spawn(Worker::new("bystander", |ctx| {
        ctx.sleep(std::time::Duration::MAX)
    }));
    supervisor.spawn(Worker::<()>::infallible("double", |_ctx| {
        let _bomb = PanicsInDrop;
        panic!("first panic");
    }));
    let _ = supervisor.wait();
    println!("UNREACHABLE: the process should have aborted");
}

#[test]
fn a_user_hook_installed_first_still_runs_and_locations_are_recorded() {
    let output = run_child("user_hook_first");
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(text(&output.stdout).contains("CHILD OK"));
    assert!(stderr.contains("USER HOOK: worker boom"), "{stderr}");
}

#[test]
fn a_user_hook_installed_later_that_chains_keeps_locations() {
    let output = run_child("user_hook_later");
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(text(&output.stdout).contains("CHILD OK"));
    assert!(stderr.contains("LATE USER HOOK"), "{stderr}");
}

#[test]
fn the_default_panic_message_is_still_printed() {
    let output = run_child("default_output");
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("CHILD OK"), "{stdout}");
    assert!(stderr.contains("thread 'noisy'"), "{stderr}");
    assert!(stderr.contains("panicked at"), "{stderr}");
    assert!(stderr.contains("worker boom"), "{stderr}");
    // The location threadkit recorded is the one std printed.
    let location = stdout
        .lines()
        .find_map(|line| line.split("LOCATION ").nth(1))
        .unwrap();
    assert!(stderr.contains(location), "{location} not in {stderr}");
}

#[test]
fn a_worker_started_inside_a_panic_hook_does_not_deadlock() {
    let output = run_child("worker_from_panic_hook");
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(text(&output.stdout).contains("CHILD OK"));
    assert!(stderr.contains("REPORTED main boom"), "{stderr}");
    assert!(stderr.contains("REPORTED worker boom"), "{stderr}");
}

#[test]
fn a_panic_in_drop_during_unwinding_aborts_instead_of_hanging() {
    let output = run_child("double_panic");
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(!text(&output.stdout).contains("UNREACHABLE"));
    assert!(stderr.contains("second panic, in drop"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            output.status.signal(),
            Some(6),
            "SIGABRT expected: {stderr}"
        );
    }
}
