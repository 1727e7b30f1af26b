//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Once;

use threadkit::channel::{bounded, Receiver, Sender};

/// Silences the panic output of workers (the tests' own assertion failures
/// still print). Installed before any worker runs, so threadkit's hook
/// chains in front of it (rule 6 in action).
pub fn quiet_panics() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if threadkit::current().is_none() {
                default(info);
            }
        }));
    });
}

/// A gate a stubborn worker blocks on, ignoring cancellation. Dropping the
/// `Release` (at the end of a test) lets the worker's thread finish.
pub fn gate() -> (Release, Receiver<()>) {
    let (sender, receiver) = bounded(0);
    (Release(Some(sender)), receiver)
}

pub struct Release(Option<Sender<()>>);

impl Release {
    pub fn open(&mut self) {
        self.0.take();
    }
}

/// The process's OS threads, from `/proc/self/task` (0 where there is none).
pub fn os_threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

/// Waits, at most 30 s, for the OS thread count to come back down to
/// `baseline`: a released thread ends a moment after its worker's exit is
/// recorded. `Err` says how many remain.
pub fn threads_back_to(baseline: usize) -> Result<(), String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = os_threads();
        if now <= baseline {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("{now} OS threads remain, baseline {baseline}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// This test binary started again as a child process, on its ignored
/// `child_process` test, with `THREADKIT_CHILD=scenario`.
pub fn child_of_this_binary(scenario: &str) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "child_process", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("THREADKIT_CHILD", scenario)
        .env("RUST_BACKTRACE", "0");
    command
}

/// A child process whose stdout and stderr lines arrive, merged, on a
/// channel; every wait on it is bounded.
pub struct Watched {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watched {
    pub fn start(command: &mut std::process::Command) -> Watched {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let to_stderr = send.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = to_stderr.send(line);
            }
        });
        Watched { child, lines }
    }

    /// Waits (at most a minute) for a line containing `marker`; returns
    /// the lines seen until then.
    pub fn wait_for(&self, marker: &str) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(marker);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(error) => panic!("no line with {marker:?} ({error}) after {seen:?}"),
            }
        }
    }

    /// Sends `signal` (a name such as `TERM`) with the shell's `kill`.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("kill -s {signal} {}", self.child.id()))
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// Waits (at most `within`, then kills it and panics) for the child to
    /// exit; its status, every line it printed, and how long that took.
    pub fn finish(
        mut self,
        within: std::time::Duration,
    ) -> (std::process::ExitStatus, String, std::time::Duration) {
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > within {
                self.child.kill().unwrap();
                panic!("the child did not exit within {within:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let waited = started.elapsed();
        // The readers end with the pipes; collect what is left.
        let mut output = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(std::time::Duration::from_secs(5)) {
            output.push(line);
        }
        (status, output.join("\n"), waited)
    }
}

/// A Unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`; its
/// file is removed when it goes.
#[cfg(unix)]
pub struct FakeSystemd {
    socket: std::os::unix::net::UnixDatagram,
    path: std::path::PathBuf,
}

#[cfg(unix)]
impl FakeSystemd {
    /// Binds a socket named after `name` and this process in the temp dir.
    pub fn bind(name: &str) -> FakeSystemd {
        let path = std::env::temp_dir().join(format!("threadkit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        FakeSystemd { socket, path }
    }

    /// What to put in `NOTIFY_SOCKET`.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The next notification (at most a minute away).
    pub fn receive(&self) -> String {
        let mut buffer = [0; 512];
        let length = self.socket.recv(&mut buffer).expect("a notification");
        String::from_utf8_lossy(&buffer[..length]).into_owned()
    }

    /// Receives into `seen` up to and including the first notification
    /// that starts with `prefix`.
    pub fn receive_until(&self, prefix: &str, seen: &mut Vec<String>) {
        loop {
            let message = self.receive();
            let found = message.starts_with(prefix);
            seen.push(message);
            if found {
                return;
            }
        }
    }
}

#[cfg(unix)]
impl Drop for FakeSystemd {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
