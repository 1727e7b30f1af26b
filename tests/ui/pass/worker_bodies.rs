//! Worker bodies as users write them compile warning-free: a plain tail
//! expression (no `unused_braces` on the user's braces), with or without an
//! injected context, for every kind of result and for restartable workers;
//! and a body's inner attributes (`#![allow(...)]`) apply to the function.
#![deny(warnings)]

use std::io;

use threadkit::{worker, Context, Exit};

#[worker]
fn plain(x: u8) -> u8 { x }

#[worker]
fn fallible(x: u8) -> Result<u8, io::Error> { Ok(x) }

#[worker]
fn with_context(ctx: &Context) -> bool { ctx.is_cancelled() }

#[worker(restart = "on_failure")]
fn restartable(x: u8) -> Result<u8, io::Error> { Ok(x) }

#[worker(restart = "on_failure")]
fn restartable_plain(x: u8) -> u8 { x }

#[worker]
fn unit() { }

#[worker]
fn inner_attribute() -> u8 {
    #![allow(unused_variables)]
    let unused = 1;
    2
}

fn main() {
    assert!(matches!(plain(1).run(), Exit::Returned(1)));
    assert!(matches!(fallible(2).run(), Exit::Returned(2)));
    assert!(matches!(with_context().run(), Exit::Returned(false)));
    assert!(matches!(restartable(3).run(), Exit::Returned(3)));
    assert!(matches!(restartable_plain(4).run(), Exit::Returned(4)));
    assert!(matches!(unit().run(), Exit::Returned(())));
    assert!(matches!(inner_attribute().run(), Exit::Returned(2)));
}
