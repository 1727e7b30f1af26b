//! The exit / cancel / group protocol: all of threadkit's shared state and
//! every transition of it, one mechanism per file.
//!
//! - [`cell`]: [`ExitCell`], a worker's outcome, written exactly once.
//! - [`token`]: [`CancelToken`], a worker's cancellation flag.
//! - [`fanout`]: [`Fanout`](fanout::Fanout), many tokens cancelled at once,
//!   helped by the workers it wakes.
//! - [`shared`]: what a worker shares with its handle ([`Shared`]) and its
//!   group ([`Member`]), and [`record`], the one place an exit is recorded.
//! - [`group`]: [`Group`], a supervisor's state: who runs, who exited how,
//!   whether the shutdown has begun and why.
//! - [`records`]: what a group keeps of finished workers, in bounded memory.
//! - [`pulse`]: [`Pulse`], a worker's heartbeat, read by its group's
//!   monitor.
//!
//! Rules that keep it simple to check (each is listed, with the test or
//! model that checks it, in `RELIABILITY.md`):
//! - no user code runs while a lock here is held, and no user value is
//!   dropped under one;
//! - a group never holds a worker's value, only its [`Member`];
//! - on a shutdown path every worker is cancelled and the owner woken
//!   before anything released is dropped (see [`group`]);
//! - lock order is group, then cell; a token, cell or value lock is never
//!   held while taking another lock;
//! - each exit costs one group lock and O(1) work (O(heartbeat workers)
//!   for a heartbeat worker's), plus the cancellations it takes over from
//!   a fan-out; the only loops over all workers run once per group (begin
//!   shutdown, finish, and the fan-out, shared by the workers it wakes),
//!   besides the heartbeat monitor's, once per window over the workers
//!   that have a heartbeat.

mod cell;
mod fanout;
mod group;
mod pulse;
mod records;
mod shared;
mod token;

#[cfg(all(test, loom))]
mod loom_models;
#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use cell::ExitCell;
pub(crate) use group::{Admission, Enqueued, Group, Launcher, MemberId, RoundEnd};
pub(crate) use pulse::Pulse;
pub(crate) use shared::{record, ExitGuard, LateThread, Member, Membership, Shared};
pub(crate) use token::{CancelToken, HookId};

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Drops `value`, containing a panic from its `Drop`. Used for everything
/// the protocol releases: the panic is reported by the panic hook (its
/// message is printed as usual) and nothing the protocol still has to do
/// is skipped.
pub(crate) fn drop_quietly<T>(value: T) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
}
