//! What is emitted beside compile errors: the user's item (so IDEs keep
//! working), or for a `#[worker]` function a stand-in constructor with the
//! signature callers expect, so one mistake does not cascade into errors at
//! every call site.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::Item;

use crate::ast::WorkerFn;
use crate::attr::Errors;
use crate::expand::{constructor_params, output_type};

pub fn item(input: TokenStream, errors: Errors) -> TokenStream {
    let errors = errors.finish().err().map(|error| error.to_compile_error());
    quote!(#errors #input)
}

/// The constructor's signature with an `unimplemented!()` body.
pub fn worker_stand_in(
    function: &WorkerFn,
    krate: &TokenStream,
    output_usable: bool,
    errors: Errors,
) -> TokenStream {
    let errors = errors.finish().err().map(|error| error.to_compile_error());
    let WorkerFn {
        attrs,
        vis,
        sig,
        params,
        output,
        ..
    } = function;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = constructor_params(params);
    // A result type that is itself the mistake is replaced by `()`.
    let worker_output = if output_usable {
        output_type(output, krate)
    } else {
        quote!(())
    };
    quote! {
        #errors
        #(#attrs)*
        #[allow(unused_variables, clippy::diverging_sub_expression)]
        #vis fn #ident #generics (#(#inputs),*) -> #krate::__private::Worker<#worker_output> #where_clause {
            ::core::unimplemented!("#[worker] could not expand this function")
        }
    }
}

/// Parses the annotated item and returns it when `accept` takes it; else
/// the tokens to emit: an error naming what the attribute `goes_on` (beside
/// the item, or alone when the input is not an item at all, since
/// re-emitting an expression could change how the code around it parses).
pub fn expect_item<T>(
    input: &TokenStream,
    goes_on: &str,
    accept: impl FnOnce(Item) -> Option<T>,
    mut errors: Errors,
) -> Result<(T, Errors), TokenStream> {
    match crate::attr::parse_all(<Item as syn::parse::Parse>::parse, input.clone()) {
        Ok(item) => {
            let (keyword, kind) = (item_keyword(&item), item_kind(&item));
            match accept(item) {
                Some(accepted) => Ok((accepted, errors)),
                None => {
                    errors.at(keyword, format_args!("{goes_on}, not on {kind}"));
                    Err(self::item(input.clone(), errors))
                }
            }
        }
        Err(error) => {
            errors.at_span(error.span(), goes_on);
            Err(self::item(TokenStream::new(), errors))
        }
    }
}

/// The token to point at when an item is the wrong kind.
fn item_keyword(item: &Item) -> TokenStream {
    match item {
        Item::Struct(item) => item.struct_token.to_token_stream(),
        Item::Enum(item) => item.enum_token.to_token_stream(),
        Item::Union(item) => item.union_token.to_token_stream(),
        Item::Impl(item) => item.impl_token.to_token_stream(),
        Item::Trait(item) => item.trait_token.to_token_stream(),
        Item::Const(item) => item.const_token.to_token_stream(),
        Item::Static(item) => item.static_token.to_token_stream(),
        Item::Mod(item) => item.mod_token.to_token_stream(),
        Item::Type(item) => item.type_token.to_token_stream(),
        Item::Use(item) => item.use_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

fn item_kind(item: &Item) -> &'static str {
    match item {
        Item::Struct(_) => "a struct",
        Item::Enum(_) => "an enum",
        Item::Union(_) => "a union",
        Item::Impl(_) => "an impl block (put it on a free function instead)",
        Item::Trait(_) => "a trait",
        Item::Const(_) => "a constant",
        Item::Static(_) => "a static",
        Item::Mod(_) => "a module",
        Item::Type(_) => "a type alias",
        Item::Use(_) => "a `use` declaration",
        _ => "this item",
    }
}
