//! The one error collector both macros use, and parsing that keeps every
//! error inside the user's input.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;

/// Errors collected along the way, reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// An error covering all of `tokens` (first to last token).
    pub fn at(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn at_span(&mut self, span: proc_macro2::Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// The value, or `None` with the error kept.
    pub fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Runs `parser` over all of `tokens`. syn reports running out of tokens
/// at the call site, which is not in the user's input; such an error is
/// moved to the input's last token, where the missing part belongs.
pub fn parse_all<T>(parser: impl Parser<Output = T>, tokens: TokenStream) -> syn::Result<T> {
    let last = tokens.clone().into_iter().last().map(|tree| match tree {
        proc_macro2::TokenTree::Group(group) => group.span_close(),
        tree => tree.span(),
    });
    parser.parse2(tokens).map_err(|error| match last {
        Some(last) if is_call_site(error.span()) => syn::Error::new(last, error),
        _ => error,
    })
}

/// Spans are opaque, but within one expansion the call site always prints
/// the same, and differently from any token of the input.
fn is_call_site(span: proc_macro2::Span) -> bool {
    format!("{span:?}") == format!("{:?}", proc_macro2::Span::call_site())
}
