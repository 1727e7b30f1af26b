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
/// the annotated item.
pub fn crate_path_in_child(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => relative_path_in_child(path).unwrap_or_else(|| quote!(#path)),
        None => quote!(::threadkit),
    }
}

/// A path relative to the annotated item's module (`self`, `self::...`,
/// `super`, `super::...`), rewritten for a module one level below it: it
/// gains a `super`. `None` for any other path, which reads the same there.
pub fn relative_path_in_child(path: &Path) -> Option<TokenStream> {
    if path.leading_colon.is_some() {
        return None;
    }
    let mut segments = path.segments.iter();
    let first = segments.next()?;
    if first.ident == "self" {
        Some(quote!(super #(::#segments)*))
    } else if first.ident == "super" {
        Some(quote!(super::#path))
    } else {
        None
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
