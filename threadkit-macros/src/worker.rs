//! `#[worker]`: parse -> validate -> expand. The function becomes a
//! constructor of `Worker<T>`; its body moves into a nested function that
//! runs on the worker's thread.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Item, LitStr, Path};

use crate::ast::{self, Output, WorkerFn};
use crate::attr::{self, WorkerAttr};
use crate::errors::Errors;
use crate::{fallback, valid};

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let attr = attr::parse_worker(args, &mut errors);
    let accept = |item| match item {
        Item::Fn(function) => Some(function),
        _ => None,
    };
    let goes_on = "`#[worker]` goes on a free function";
    let item = match ast::parse_item(&input, goes_on, accept, &mut errors) {
        Ok(item) => item,
        Err(reemit) => return fallback::item(reemit, errors),
    };
    let function = WorkerFn::new(item);
    let mut shape = Errors::default();
    let output_usable = valid::worker_fn(&function, &mut shape);
    let shape_errors = shape.finish();
    let placeholders = match &attr.name {
        Some(lit) => valid::name_template(lit, &function, &mut errors),
        None => Some(Vec::new()),
    };
    let krate = crate_path(attr.krate.as_ref());
    match shape_errors {
        // Bad options alone still expand (with what was valid), so the rest
        // of the crate sees the constructor it expects.
        Ok(()) => {
            let expanded = constructor(&function, &attr, placeholders.as_deref(), &krate);
            match errors.finish() {
                Ok(()) => expanded,
                Err(error) => {
                    let error = error.to_compile_error();
                    quote!(#error #expanded)
                }
            }
        }
        Err(shape) => {
            errors.push(shape);
            fallback::worker_stand_in(&function, &krate, output_usable, errors)
        }
    }
}

pub fn crate_path(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path),
        None => quote!(::threadkit),
    }
}

fn constructor(
    function: &WorkerFn,
    attr: &WorkerAttr,
    placeholders: Option<&[String]>,
    krate: &TokenStream,
) -> TokenStream {
    let WorkerFn {
        attrs,
        vis,
        sig,
        block,
        params,
        output,
    } = function;
    let ident = &sig.ident;
    let inputs = &sig.inputs;
    let body_output = &sig.output;
    let generics = &sig.generics;
    let (impl_generics, _, where_clause) = generics.split_for_impl();

    // The constructor's type parameters move to another thread.
    let mut bounded = generics.clone();
    let type_params: Vec<_> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    for param in &type_params {
        bounded
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#param: ::core::marker::Send + 'static));
    }
    let ctor_where = &bounded.where_clause;
    let turbofish_params: Vec<syn::Ident> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => Some(param.ident.clone()),
            GenericParam::Const(param) => Some(param.ident.clone()),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    let turbofish = if turbofish_params.is_empty() {
        quote!()
    } else {
        quote!(::<#(#turbofish_params),*>)
    };

    let context = format_ident!("__threadkit_ctx");
    let uses_context = params.iter().any(|param| param.is_context);
    let closure_param = if uses_context {
        quote!(#context)
    } else {
        quote!(_)
    };
    let ctor_params = function.constructor_params();
    let call_args = params.iter().map(|param| {
        if param.is_context {
            quote!(#context)
        } else {
            let name = &param.ident;
            quote!(#name)
        }
    });
    let argument_checks = params
        .iter()
        .filter(|param| !param.is_context)
        .map(|param| {
            let ty = &param.ty;
            quote_spanned!(ty.span()=> #krate::__private::assert_argument::<#ty>();)
        });

    // Each output kind has its constructor in `__private`, whose bound
    // carries the readable message; spanned at the return type.
    let worker_output = output.worker_type(krate);
    let (build, output_checks) = match output {
        Output::Unit | Output::Never => (quote!(#krate::__private::unit_worker), quote!()),
        Output::Result { ty, .. } => (
            quote_spanned!(ty.span()=> #krate::__private::fallible_worker),
            quote!(),
        ),
        Output::Plain(ty) => (
            quote_spanned!(ty.span()=> #krate::__private::plain_worker),
            quote_spanned!(ty.span()=> #krate::__private::assert_plain_value::<#ty, _>();),
        ),
    };

    let name = worker_name(function, attr.name.as_ref(), placeholders, krate);
    let daemon = attr.daemon.then(|| quote!(.daemon(true)));
    let stack_size = attr
        .stack_size
        .as_ref()
        .map(|bytes| quote_spanned!(bytes.span()=> .stack_size(#bytes)));
    let lint_attrs = attrs.iter().filter(|attr| {
        ["allow", "warn", "deny", "forbid", "expect"]
            .iter()
            .any(|lint| attr.path().is_ident(lint))
    });

    quote! {
        #(#attrs)*
        #vis fn #ident #impl_generics (#(#ctor_params),*) -> #krate::__private::Worker<#worker_output> #ctor_where {
            #(#lint_attrs)*
            fn __threadkit_body #impl_generics (#inputs) #body_output #where_clause #block
            #(#argument_checks)*
            #output_checks
            #build(#name, move |#closure_param: &#krate::__private::Context| {
                __threadkit_body #turbofish (#(#call_args),*)
            })
            #daemon
            #stack_size
        }
    }
}

/// The worker's name: a literal, or `format!` over the template's
/// parameters (passed by name, so the template is checked by `format!` too).
fn worker_name(
    function: &WorkerFn,
    name: Option<&LitStr>,
    placeholders: Option<&[String]>,
    krate: &TokenStream,
) -> TokenStream {
    let Some(lit) = name else {
        let default = LitStr::new(&function.default_name(), function.sig.ident.span());
        return quote!(#default);
    };
    let text = lit.value();
    let Some(placeholders) = placeholders.filter(|_| text.contains(['{', '}'])) else {
        return quote!(#lit);
    };
    let mut unique: Vec<&String> = Vec::new();
    for placeholder in placeholders {
        if !unique.contains(&placeholder) {
            unique.push(placeholder);
        }
    }
    let names = unique
        .iter()
        .map(|name| format_ident!("{}", name, span = lit.span()));
    let values = unique
        .iter()
        .map(|name| format_ident!("{}", name, span = lit.span()));
    quote!(#krate::__private::format!(#lit, #(#names = #values),*))
}
