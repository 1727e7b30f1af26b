//! What is emitted beside compile errors: the user's item (so IDEs keep
//! working), or for a `#[worker]` function a stand-in constructor with the
//! signature callers expect, so one mistake does not cascade into errors at
//! every call site.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::WorkerFn;
use crate::errors::Errors;

/// The errors, and beside them what is left of the user's item.
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
        output,
        ..
    } = function;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = function.constructor_params();
    // A result type that is itself the mistake is replaced by `()`.
    let worker_output = if output_usable {
        output.worker_type(krate)
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
