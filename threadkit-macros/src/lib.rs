//! Procedural macros for [threadkit](https://docs.rs/threadkit): `#[worker]`
//! and `#[supervise]`. Use them through the `threadkit` crate, which
//! re-exports them; their documentation, with examples, is there.
//!
//! Layout (after thiserror's `impl/src`): each entry point is a straight
//! line, parse -> validate -> expand, with one error collector (`errors`).
//! `attr` parses the options, `ast` the annotated item, `valid` rejects what
//! cannot work, `worker` and `supervise` generate code, and `fallback`
//! re-emits the user's item (or a stand-in) beside the errors.

mod ast;
mod attr;
mod cfg;
mod errors;
mod fallback;
mod paths;
mod supervise;
mod valid;
mod worker;

#[cfg(test)]
mod proptests;

use proc_macro::TokenStream;

/// Turns a function into a constructor of a not-yet-started
/// `threadkit::Worker`. Documented, with examples, at `threadkit::worker`.
#[proc_macro_attribute]
pub fn worker(args: TokenStream, item: TokenStream) -> TokenStream {
    worker::expand(args.into(), item.into()).into()
}

/// Generates `run()`, `start()`, a typed report and a running handle for a
/// struct of workers. Documented, with examples, at `threadkit::supervise`.
#[proc_macro_attribute]
pub fn supervise(args: TokenStream, item: TokenStream) -> TokenStream {
    supervise::expand(args.into(), item.into()).into()
}
