//! The systemd notify protocol for a group (feature `systemd`, Unix): a
//! thread that turns the group's readiness and events into `READY=1`,
//! `WATCHDOG=1`, `STOPPING=1` and `STATUS=` datagrams, sent with the
//! `sd-notify` crate to `$NOTIFY_SOCKET`.
//!
//! The thread sleeps on the group's channels and wakes only for an event,
//! the readiness signal, or the next watchdog ping (`WATCHDOG_USEC / 2`):
//! no polling. It ends when the group finishes. While a worker is stalled
//! (see `Worker::heartbeat`) it sends no `WATCHDOG=1`.

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{never, select, Receiver};
use sd_notify::NotifyState;

use crate::protocol::Group;
use crate::{Event, ShutdownCause};

/// Starts the notifier of `group` (`None` when `$NOTIFY_SOCKET` is not
/// set: the process is not a systemd `Type=notify` service). It ends after
/// the group's `Finished`.
pub(crate) fn start(group: &Arc<Group>) -> io::Result<Option<JoinHandle<()>>> {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return Ok(None);
    }
    let (id, events) = group.subscribe();
    let ready = group.when_ready();
    let mut usec = 0;
    let watchdog = sd_notify::watchdog_enabled(false, &mut usec)
        .then(|| Duration::from_micros(usec) / 2)
        .filter(|every| !every.is_zero());
    let group = group.clone();
    std::thread::Builder::new()
        .name("threadkit-systemd".into())
        .spawn(move || {
            Notifier::default().run(&group, events, ready, watchdog);
            group.unsubscribe(id);
        })
        .map(Some)
}

/// What the notifier has seen, for `STATUS=`.
#[derive(Default)]
struct Notifier {
    running: usize,
    restarts: u64,
    /// The first send error was reported (once, as `Event::NotifyFailed`
    /// and on stderr, which journald keeps).
    failed: bool,
}

impl Notifier {
    fn run(
        mut self,
        group: &Group,
        events: Receiver<Event>,
        ready: Receiver<()>,
        watchdog: Option<Duration>,
    ) {
        let mut ready = Some(ready);
        let mut next_ping = watchdog.map(|every| Instant::now() + every);
        loop {
            let ready_channel = ready.clone().unwrap_or_else(never);
            let ping_at = next_ping.map_or_else(never, crossbeam_channel::at);
            select! {
                recv(events) -> event => match event {
                    Ok(event) => {
                        if !self.on_event(group, &event) {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                recv(ready_channel) -> signal => {
                    ready = None;
                    if signal.is_ok() {
                        // `select!` picks among ready channels at random:
                        // the events sent before readiness count first.
                        for event in events.try_iter() {
                            if !self.on_event(group, &event) {
                                return;
                            }
                        }
                        let status = format!("ready: {} workers running", self.running);
                        self.send(group, &[NotifyState::Ready, NotifyState::Status(&status)]);
                    }
                },
                recv(ping_at) -> _ => {
                    // A stalled worker withholds the ping, so systemd's
                    // `WatchdogSec=` restarts a process whose threads are
                    // stuck.
                    if !group.is_stalled() {
                        self.send(group, &[NotifyState::Watchdog]);
                    }
                    next_ping = watchdog.map(|every| Instant::now() + every);
                },
            }
        }
    }

    /// Reports `event`; `false` once the group finished.
    fn on_event(&mut self, group: &Group, event: &Event) -> bool {
        match event {
            Event::Started { .. } => self.running += 1,
            Event::Exited(_) => self.running = self.running.saturating_sub(1),
            Event::Stalled { worker, silent_for } => {
                let status = format!("stalled: {worker}, silent for {silent_for:?}");
                self.send(group, &[NotifyState::Status(&status)]);
            }
            Event::Restarting {
                worker,
                restart,
                delay,
                exit,
            } => {
                self.restarts += 1;
                let status =
                    format!("restarting {worker} in {delay:?} (restart {restart}) after: {exit}");
                self.send(group, &[NotifyState::Status(&status)]);
            }
            Event::ShutdownStarted { cause, .. } => {
                let why = match cause {
                    ShutdownCause::Failed { worker } => format!("{worker} failed"),
                    ShutdownCause::Completed => "every worker finished".to_owned(),
                    ShutdownCause::Cancelled => "cancelled".to_owned(),
                    ShutdownCause::Signal { signal } => format!("signal {signal}"),
                };
                let status = format!("stopping: {why}");
                self.send(
                    group,
                    &[NotifyState::Stopping, NotifyState::Status(&status)],
                );
            }
            Event::Finished { exit_code } => {
                let status = format!(
                    "finished with exit code {exit_code} after {} restarts",
                    self.restarts
                );
                self.send(group, &[NotifyState::Status(&status)]);
                return false;
            }
            _ => {}
        }
        true
    }

    fn send(&mut self, group: &Group, states: &[NotifyState<'_>]) {
        if let Err(error) = sd_notify::notify(false, states) {
            if !self.failed {
                self.failed = true;
                eprintln!("threadkit: cannot notify systemd: {error}");
                group.tell(Event::NotifyFailed {
                    error: Arc::new(error),
                });
            }
        }
    }
}
