//! SIGUSR1 prints a group's snapshot to stderr (feature `signals`, Unix):
//! [`SnapshotOnSignal`], held by a [`Supervisor`](crate::Supervisor) that
//! asked for it with
//! [`snapshot_on_sigusr1`](crate::Supervisor::snapshot_on_sigusr1), like
//! the thread dump a JVM prints on SIGQUIT.
//!
//! A thread (`threadkit-sigusr1`) waits on signal-hook's iterator and
//! prints the snapshot for each SIGUSR1; it takes the snapshot outside
//! every lock but the group's own brief one, and writes with one call so
//! the table is not interleaved with other output.

use std::io::{self, Write};
use std::thread::JoinHandle;

use signal_hook::consts::SIGUSR1;
use signal_hook::iterator::{Handle, Signals};

use crate::protocol::Group;
use crate::sync::Arc;

/// A group's SIGUSR1 printer; dropping it stops it.
pub(crate) struct SnapshotOnSignal {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

impl SnapshotOnSignal {
    pub(crate) fn install(group: Arc<Group>) -> io::Result<SnapshotOnSignal> {
        let mut signals = Signals::new([SIGUSR1])?;
        let handle = signals.handle();
        let spawned = std::thread::Builder::new()
            .name("threadkit-sigusr1".to_owned())
            .spawn(move || {
                for _ in signals.forever() {
                    let table = format!(
                        "threadkit: snapshot on SIGUSR1 (pid {})\n{}",
                        std::process::id(),
                        group.snapshot()
                    );
                    let _ = io::stderr().lock().write_all(table.as_bytes());
                }
            });
        match spawned {
            Ok(thread) => Ok(SnapshotOnSignal {
                handle,
                thread: Some(thread),
            }),
            Err(error) => {
                handle.close();
                Err(error)
            }
        }
    }
}

impl Drop for SnapshotOnSignal {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
