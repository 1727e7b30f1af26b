//! `#[cfg]` and `#[cfg_attr]` on parameters and fields: what of them the
//! generated items repeat, and `#[supervise(...)]` written inside a
//! `cfg_attr`.
//!
//! A `cfg_attr(predicate, attrs...)` may apply any attribute. Generated
//! items repeat only the configuration it carries (its nested `cfg`s and
//! `cfg_attr`s): another attribute belongs to the user's item, and on a
//! generated expression or statement it would be an error of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Token};

/// The configuration among `attrs`, to repeat on every item generated for
/// the parameter or field they are on.
pub fn configuration(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter_map(|attr| {
            let meta = configuration_of(&attr.meta)?;
            Some(Attribute {
                meta,
                ..attr.clone()
            })
        })
        .collect()
}

/// The metas named `name` that `cfg_attr`s among `attrs` would apply.
pub fn conditional<'a>(attrs: &'a [Attribute], name: &'a str) -> Vec<Meta> {
    let mut found = Vec::new();
    for attr in attrs {
        collect_conditional(&attr.meta, name, &mut found);
    }
    found
}

/// `attr` without the metas named `name` that it applies through
/// `cfg_attr`; `None` when nothing is left of it.
pub fn without_conditional(attr: &Attribute, name: &str) -> Option<Attribute> {
    let meta = retain(&attr.meta, &|meta| !meta.path().is_ident(name))?;
    Some(Attribute {
        meta,
        ..attr.clone()
    })
}

/// A `cfg` as it is, a `cfg_attr` with only the configuration it applies,
/// anything else nothing.
fn configuration_of(meta: &Meta) -> Option<Meta> {
    let is_configuration =
        |meta: &Meta| meta.path().is_ident("cfg") || meta.path().is_ident("cfg_attr");
    if !is_configuration(meta) {
        return None;
    }
    retain(meta, &is_configuration)
}

fn collect_conditional(meta: &Meta, name: &str, found: &mut Vec<Meta>) {
    if !meta.path().is_ident("cfg_attr") {
        return;
    }
    let Some((_, applied)) = cfg_attr_parts(meta) else {
        return;
    };
    for meta in applied {
        if meta.path().is_ident(name) {
            found.push(meta);
        } else {
            collect_conditional(&meta, name, found);
        }
    }
}

/// `meta` with only the applied metas `keep` accepts, at every depth of
/// `cfg_attr`; `None` when a `cfg_attr` is left with nothing to apply.
fn retain(meta: &Meta, keep: &dyn Fn(&Meta) -> bool) -> Option<Meta> {
    if !meta.path().is_ident("cfg_attr") {
        return Some(meta.clone());
    }
    let Some((predicate, applied)) = cfg_attr_parts(meta) else {
        return Some(meta.clone());
    };
    let kept: Vec<Meta> = applied
        .iter()
        .filter(|meta| keep(meta))
        .filter_map(|meta| retain(meta, keep))
        .collect();
    rebuild(&predicate, &kept)
}

fn rebuild(predicate: &TokenStream, applied: &[Meta]) -> Option<Meta> {
    if applied.is_empty() {
        return None;
    }
    syn::parse2(quote!(cfg_attr(#predicate, #(#applied),*))).ok()
}

/// A `cfg_attr`'s predicate and the metas it applies; `None` when it is
/// malformed (the compiler reports that on the user's item).
fn cfg_attr_parts(meta: &Meta) -> Option<(TokenStream, Vec<Meta>)> {
    let Meta::List(list) = meta else {
        return None;
    };
    let parser = |input: ParseStream| {
        let predicate: Meta = input.parse()?;
        input.parse::<Token![,]>()?;
        let applied = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        Ok((quote!(#predicate), applied.into_iter().collect()))
    };
    parser.parse2(list.tokens.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::parse_quote;

    fn shown(attrs: &[Attribute]) -> Vec<String> {
        attrs
            .iter()
            .map(|attr| attr.to_token_stream().to_string())
            .collect()
    }

    #[test]
    fn only_configuration_is_repeated() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[cfg(unix)]),
            parse_quote!(#[cfg_attr(unix, allow(dead_code))]),
            parse_quote!(#[cfg_attr(unix, supervise(skip), cfg(feature = "x"))]),
            parse_quote!(#[cfg_attr(a, cfg_attr(b, cfg(c), doc = "d"))]),
            parse_quote!(#[doc = "field"]),
        ];
        assert_eq!(
            shown(&configuration(&attrs)),
            [
                "# [cfg (unix)]",
                "# [cfg_attr (unix , cfg (feature = \"x\"))]",
                "# [cfg_attr (a , cfg_attr (b , cfg (c)))]",
            ]
        );
    }

    #[test]
    fn conditional_supervise_is_found_and_removed() {
        let attr: Attribute = parse_quote!(#[cfg_attr(unix, supervise(skip), allow(unused))]);
        let found = conditional(std::slice::from_ref(&attr), "supervise");
        assert_eq!(found.len(), 1);
        let left = without_conditional(&attr, "supervise").unwrap();
        assert_eq!(
            left.to_token_stream().to_string(),
            "# [cfg_attr (unix , allow (unused))]"
        );
        let only: Attribute = parse_quote!(#[cfg_attr(unix, supervise(skip))]);
        assert!(without_conditional(&only, "supervise").is_none());
    }
}
