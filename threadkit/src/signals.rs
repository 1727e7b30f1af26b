//! SIGINT and SIGTERM as a group's shutdown (feature `signals`, Unix):
//! [`SignalGuard`], held by a [`Supervisor`](crate::Supervisor) that
//! handles signals.
//!
//! A signal's disposition belongs to the whole process, so two pieces of
//! state here are per process, not per group:
//! - how many groups handle signals right now;
//! - a conditional default action, registered once per signal: while no
//!   group handles signals it does what the OS would (terminate), because
//!   once signal-hook has seen a signal, unregistering a handler leaves the
//!   signal ignored, and a program that ran one group would no longer stop
//!   on Ctrl-C.
//!
//! Each group that handles signals has a thread (`threadkit-signals`) that
//! waits on signal-hook's iterator: the first signal starts the group's
//! shutdown; another one while it still runs ends the process at once with
//! the group's exit code.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc as StdArc, OnceLock};
use std::thread::JoinHandle;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use crate::protocol::Group;
use crate::sync::{lock, Arc, Mutex};

const HANDLED: [i32; 2] = [SIGINT, SIGTERM];

/// The process's side: whether the default action applies (no group
/// handles signals), and how many groups do.
struct Disposition {
    default_applies: StdArc<AtomicBool>,
    groups: Mutex<usize>,
}

fn disposition() -> io::Result<&'static Disposition> {
    static DISPOSITION: OnceLock<io::Result<Disposition>> = OnceLock::new();
    let disposition = DISPOSITION.get_or_init(|| {
        let default_applies = StdArc::new(AtomicBool::new(true));
        for signal in HANDLED {
            signal_hook::flag::register_conditional_default(signal, default_applies.clone())?;
        }
        Ok(Disposition {
            default_applies,
            groups: Mutex::new(0),
        })
    });
    disposition
        .as_ref()
        .map_err(|error| io::Error::new(error.kind(), error.to_string()))
}

impl Disposition {
    fn enter(&self) {
        let mut groups = lock(&self.groups);
        *groups += 1;
        self.default_applies.store(false, Ordering::SeqCst);
    }

    fn leave(&self) {
        let mut groups = lock(&self.groups);
        *groups = groups.saturating_sub(1);
        if *groups == 0 {
            self.default_applies.store(true, Ordering::SeqCst);
        }
    }
}

/// A group's signal handling; dropping it stops it.
pub(crate) struct SignalGuard {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
    disposition: &'static Disposition,
}

impl SignalGuard {
    /// Handles SIGINT and SIGTERM for `group` until dropped.
    pub(crate) fn install(group: Arc<Group>) -> io::Result<SignalGuard> {
        let disposition = disposition()?;
        // Before the group's own handler exists, so no signal in between
        // takes the default action.
        disposition.enter();
        let mut signals = match Signals::new(HANDLED) {
            Ok(signals) => signals,
            Err(error) => {
                disposition.leave();
                return Err(error);
            }
        };
        let handle = signals.handle();
        let spawned = std::thread::Builder::new()
            .name("threadkit-signals".to_owned())
            .spawn(move || {
                let mut first = true;
                for signal in signals.forever() {
                    if first {
                        first = false;
                        group.signal(signal);
                    } else {
                        // A second signal while the group still runs: the
                        // user wants out now.
                        std::process::exit(group.report().exit_code());
                    }
                }
            });
        match spawned {
            Ok(thread) => Ok(SignalGuard {
                handle,
                thread: Some(thread),
                disposition,
            }),
            Err(error) => {
                handle.close();
                disposition.leave();
                Err(error)
            }
        }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        // Default action first: a signal from now on stops the process as
        // it would without threadkit.
        self.disposition.leave();
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
