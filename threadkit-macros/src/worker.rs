//! `#[worker]`: parse -> validate -> expand. The function becomes a
//! constructor of `Worker<T>`; its body moves into a nested function that
//! runs on the worker's thread.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Generics, Item, LitStr, Path, ReturnType, Type, WherePredicate};

use crate::ast::{self, Output, Param, WorkerFn};
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
    let function = WorkerFn::new(item, attr.krate.as_ref());
    let mut shape = Errors::default();
    let output_usable = valid::worker_fn(&function, attr.krate.as_ref(), &mut shape);
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
        ..
    } = function;
    let ident = &sig.ident;
    let generics = with_send_bounds(&sig.generics);
    let (impl_generics, _, where_clause) = generics.split_for_impl();

    // The body runs in the worker's closure, which owns the constructor's
    // parameters (patterns and `#[cfg]`s as the user wrote them). Its own
    // parameter is hygienic, so no user name can collide with it.
    let context = Ident::new("__threadkit_context", Span::mixed_site());
    let context_params: Vec<&Param> = params.iter().filter(|param| param.is_context).collect();
    let closure_param = if context_params.is_empty() {
        quote!(_)
    } else {
        quote!(#context)
    };
    let context_bindings = context_params.iter().map(|param| {
        let Param { attrs, pat, ty, .. } = param;
        quote!(#(#attrs)* let #pat: #ty = #context;)
    });
    let ctor_params = function.constructor_params();
    let argument_checks = params
        .iter()
        .filter(|param| !param.is_context)
        .map(|param| {
            let ty = &param.ty;
            let cfgs = param.cfgs();
            let check = private_at(krate, ty.span(), "assert_argument");
            quote_spanned!(ty.span()=> #(#cfgs)* #check::<#ty>();)
        });
    // A diverging body (`-> !`) coerces to the `()` a unit worker returns.
    let body_output = match (&sig.output, output) {
        (ReturnType::Default, _) | (_, Output::Never) => quote!(),
        (ReturnType::Type(arrow, ty), _) => quote!(#arrow #ty),
    };

    // Each output kind has its constructor in `__private`, whose bound
    // carries the readable message; spanned at the return type.
    let worker_output = output.worker_type(krate);
    let (build, output_checks) = match output {
        Output::Unit | Output::Never => (quote!(#krate::__private::unit_worker), quote!()),
        Output::Result { ty, .. } => (private_at(krate, ty.span(), "fallible_worker"), quote!()),
        Output::Plain(ty) => {
            let check = private_at(krate, ty.span(), "assert_plain_value");
            (
                private_at(krate, ty.span(), "plain_worker"),
                quote_spanned!(ty.span()=> #check::<#ty, _>();),
            )
        }
    };

    let name = worker_name(function, attr.name.as_ref(), placeholders, krate);
    let daemon = attr.daemon.then(|| quote!(.daemon(true)));
    let readiness = attr.readiness.then(|| quote!(.readiness(true)));
    let stack_size = attr
        .stack_size
        .as_ref()
        .map(|bytes| quote_spanned!(bytes.span()=> .stack_size(#bytes)));

    // The signature keeps the user's spans (their `fn` token, spans of
    // their signature for the rest), so the constructor is the user's item
    // to the compiler: `dead_code` flags it when unused, like any function.
    let fn_token = &sig.fn_token;
    let returns = quote_spanned!(sig.span()=> -> #krate::__private::Worker<#worker_output>);
    let closure = quote! {
        move |#closure_param: &#krate::__private::Context| #body_output {
            #(#context_bindings)*
            #block
        }
    };
    // The builder's call carries the result type's span, so an unmet bound
    // (a result that is not `Send`) is reported on the type.
    let call = quote_spanned!(output.span()=> #build(#name, #closure));
    let body = quote_spanned! {block.span()=> {
        #(#argument_checks)*
        #output_checks
        #call
        #daemon
        #readiness
        #stack_size
    }};
    quote! {
        #(#attrs)*
        #vis #fn_token #ident #impl_generics (#(#ctor_params),*) #returns #where_clause #body
    }
}

/// The path `krate::__private::item` with every token at `span` (the user's
/// type the item checks), so that an unmet bound of the item is reported
/// there and not at the attribute.
fn private_at(krate: &TokenStream, span: Span, item: &str) -> TokenStream {
    let krate = respan(krate.clone(), span);
    let item = Ident::new(item, span);
    quote_spanned!(span=> #krate::__private::#item)
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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

/// The generics with `Send + 'static` added to every type parameter (its
/// values move to the worker's thread), where the user bounds it already:
/// in the `where` clause if it is bounded there, else inline, so no
/// parameter gains bounds in two places (`clippy::multiple_bound_locations`).
fn with_send_bounds(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    let names: Vec<Ident> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    for name in names {
        let send: [syn::TypeParamBound; 2] = [
            syn::parse_quote!(::core::marker::Send),
            syn::parse_quote!('static),
        ];
        let in_where = generics.where_clause.as_mut().and_then(|clause| {
            clause
                .predicates
                .iter_mut()
                .find_map(|predicate| match predicate {
                    WherePredicate::Type(predicate) => match &predicate.bounded_ty {
                        Type::Path(path) if path.qself.is_none() && path.path.is_ident(&name) => {
                            Some(predicate)
                        }
                        _ => None,
                    },
                    _ => None,
                })
        });
        match in_where {
            Some(predicate) => predicate.bounds.extend(send),
            None => {
                if let Some(param) = generics.type_params_mut().find(|param| param.ident == name) {
                    param.bounds.extend(send);
                }
            }
        }
    }
    generics
}

/// The worker's name: a literal, or `format!` over the template's
/// parameters. The template is rewritten with positional placeholders, so
/// that `{type}` and `{r#type}` both reach the parameter `r#type`.
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
    let positional = valid::positional_template(&text, &unique);
    let template = LitStr::new(&positional, lit.span());
    let values = unique.iter().filter_map(|name| {
        let param = function
            .params
            .iter()
            .find(|param| param.name().as_deref() == Some(name.as_str()))?;
        let ident = param.ident.as_ref()?;
        Some(quote_spanned!(lit.span()=> #ident))
    });
    quote!(#krate::__private::format!(#template, #(#values),*))
}
