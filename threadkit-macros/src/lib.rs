//! Procedural macros for [threadkit](https://docs.rs/threadkit). Use them
//! through the `threadkit` crate (`threadkit::worker`,
//! `threadkit::supervise`), which re-exports them.
//!
//! This release holds placeholders: both attributes keep the annotated item
//! as written and report that they are not available yet, so code written
//! against them fails with one clear message instead of ten confusing ones.
//! Until they land, use `threadkit::Worker` and `threadkit::Supervisor`.

use proc_macro::TokenStream;
use proc_macro2::Span;

/// Turns a function into a worker constructor (not available yet; use
/// `threadkit::Worker::new`).
#[proc_macro_attribute]
pub fn worker(_args: TokenStream, item: TokenStream) -> TokenStream {
    not_yet("worker", "threadkit::Worker::new", item)
}

/// Generates `run()`/`start()` for a struct of workers (not available yet;
/// use `threadkit::Supervisor`).
#[proc_macro_attribute]
pub fn supervise(_args: TokenStream, item: TokenStream) -> TokenStream {
    not_yet("supervise", "threadkit::Supervisor", item)
}

fn not_yet(name: &str, instead: &str, item: TokenStream) -> TokenStream {
    let message =
        format!("#[{name}] is not available in this release of threadkit; use `{instead}` for now");
    let error = syn::Error::new(Span::call_site(), message).to_compile_error();
    let item = proc_macro2::TokenStream::from(item);
    quote::quote!(#error #item).into()
}
