//! How generated code names the runtime: `::threadkit` or the path given
//! with `crate = "..."`, and its `__private` items at a user's span, so
//! that an unmet bound is reported on the user's tokens.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::Path;

pub fn crate_path(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path),
        None => quote!(::threadkit),
    }
}

/// The same path as [`crate_path`], written for a module one level below
/// the annotated item: a path relative to that item's module (`self::...`,
/// `super::...`) gains a `super`.
pub fn crate_path_in_child(krate: Option<&Path>) -> TokenStream {
    let Some(path) = krate else {
        return quote!(::threadkit);
    };
    let relative = path.leading_colon.is_none()
        && path
            .segments
            .first()
            .is_some_and(|first| first.ident == "self" || first.ident == "super");
    if !relative {
        return quote!(#path);
    }
    let mut segments = path.segments.iter();
    match segments.next() {
        Some(first) if first.ident == "self" => quote!(super #(::#segments)*),
        _ => quote!(super::#path),
    }
}

/// The path `krate::__private::item` with every token at `span` (the user's
/// type the item checks), so that an unmet bound of the item is reported
/// there and not at the attribute.
pub fn private_at(krate: &TokenStream, span: Span, item: &str) -> TokenStream {
    let krate = respan(krate.clone(), span);
    let item = Ident::new(item, span);
    quote_spanned!(span=> #krate::__private::#item)
}

pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
