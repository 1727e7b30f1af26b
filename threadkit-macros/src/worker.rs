//! `#[worker]`: parse -> validate -> expand. The function becomes a
//! constructor of `Worker<T>`; its body moves into a nested function that
//! runs on the worker's thread.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, TokenStreamExt};
use syn::spanned::Spanned;
use syn::{Generics, Item, LitStr, ReturnType, Type, WherePredicate};

use crate::ast::{self, Output, Param, WorkerFn};
use crate::attr::{self, RestartAttr, WorkerAttr};
use crate::errors::Errors;
use crate::paths::{crate_path, private_at, respan};
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
    // A restartable worker binds its arguments afresh for each run, so a
    // `mut` on a parameter is used there, not in the constructor.
    let restart = attr.restart.as_ref().filter(|restart| restart.restarts());
    let allow_mut = restart.map(|_| quote!(#[allow(unused_mut)]));
    let ctor_params: Vec<TokenStream> = function
        .constructor_params()
        .map(|param| quote!(#allow_mut #param))
        .collect();
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
            let probe = private_at(krate, ty.span(), "PlainProbe");
            let kinds = private_at(krate, ty.span(), "ResultNamedOtherwiseKind");
            let plain = private_at(krate, ty.span(), "PlainKind");
            (
                private_at(krate, ty.span(), "plain_worker"),
                quote_spanned!(ty.span()=> {
                    #[allow(unused_imports)]
                    use #kinds as _;
                    #[allow(unused_imports)]
                    use #plain as _;
                    (&&#probe::<#ty>::new()).__threadkit_plain().check::<#ty>();
                }),
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
    let heartbeat = attr.heartbeat.as_ref().map(|((secs, nanos), lit)| {
        quote_spanned!(lit.span()=> .heartbeat(#krate::__private::Duration::new(#secs, #nanos)))
    });
    let shutdown_timeout = attr.shutdown_timeout.as_ref().map(|((secs, nanos), lit)| {
        quote_spanned!(lit.span()=> .shutdown_timeout(#krate::__private::Duration::new(#secs, #nanos)))
    });

    // The signature keeps the user's spans (their `fn` token, spans of
    // their signature for the rest), so the constructor is the user's item
    // to the compiler: `dead_code` flags it when unused, like any function.
    let fn_token = &sig.fn_token;
    // The return type is at the user's (its own, or the signature's), so
    // that a return type that is not what its name says is one error.
    let returns_span = match output {
        Output::Unit | Output::Never => sig.span(),
        Output::Result { ty, .. } | Output::Plain(ty) => ty.span(),
    };
    let worker = private_at(krate, returns_span, "Worker");
    let returns = quote_spanned!(returns_span=> -> #worker<#worker_output>);
    // The user's block with its own braces, the context bindings put
    // first inside it: wrapping it in a block of ours would make rustc's
    // `unused_braces` flag the user's braces around a plain tail expression.
    let mut user_body = TokenStream::new();
    block.brace_token.surround(&mut user_body, |inner| {
        inner.append_all(context_bindings);
        inner.append_all(&block.stmts);
    });
    let (build, closure) = match restart {
        Some(restart) => {
            let closure =
                restarting_closure(function, krate, &closure_param, &user_body, &body_output);
            let build = private_at(krate, output.span(), "restarting_worker");
            let policy = restart_policy(restart, krate);
            (build, quote!(#policy, #closure))
        }
        None => (
            build,
            once_closure(output, krate, &closure_param, &user_body, &body_output),
        ),
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
        #heartbeat
        #shutdown_timeout
    }};
    quote! {
        #(#attrs)*
        #vis #fn_token #ident #impl_generics (#(#ctor_params),*) #returns #where_clause #body
    }
}

/// The body of a worker that runs once: a closure that owns the
/// constructor's parameters and runs the user's body.
fn once_closure(
    output: &Output,
    krate: &TokenStream,
    closure_param: &TokenStream,
    user_body: &TokenStream,
    body_output: &TokenStream,
) -> TokenStream {
    match output {
        Output::Result { ty, err, .. } => {
            let result = Ident::new("__threadkit_result", ty.span());
            let converted = error_conversion(krate, err.as_deref().unwrap_or(ty), &result);
            let shaped = private_at(krate, ty.span(), "ResultShaped");
            // Spanned at the type, so that a type named `Result` that is
            // not one is the same error here as in the signature: one error.
            let call =
                quote_spanned!(ty.span()=> #shaped::into_std((move || #body_output #user_body)()));
            let context_type = private_at(krate, ty.span(), "Context");
            quote_spanned! {ty.span()=>
                move |#closure_param: &#context_type| {
                    // The body is a closure of its own so that its
                    // `return`s and `?`s keep their meaning.
                    #[allow(clippy::redundant_closure_call)]
                    let #result = #call;
                    #converted
                }
            }
        }
        _ => quote! {
            move |#closure_param: &#krate::__private::Context| #body_output #user_body
        },
    }
}

/// The body of a restartable worker: an `FnMut` closure that owns the
/// constructor's parameters and, for each run, binds fresh clones of them
/// (so a run gets the arguments the worker was made with, whatever the
/// runs before did to theirs), runs the user's body, and returns
/// `Result<T, BoxError>`.
fn restarting_closure(
    function: &WorkerFn,
    krate: &TokenStream,
    closure_param: &TokenStream,
    user_body: &TokenStream,
    body_output: &TokenStream,
) -> TokenStream {
    let clones = function
        .params
        .iter()
        .filter(|param| !param.is_context)
        .flat_map(|param| {
            let cfgs = param.cfgs();
            // A parameter that is one binding is checked at its type; a
            // binding inside a pattern, at itself.
            let whole = param.ident.is_some();
            param
                .bindings()
                .into_iter()
                .map(move |(mutability, ident)| {
                    let span = if whole { param.ty.span() } else { ident.span() };
                    let clone = private_at(krate, span, "clone_argument");
                    let value = quote_spanned!(span=> #clone(&#ident));
                    quote!(#(#cfgs)* let #mutability #ident = #value;)
                })
        });
    let output = &function.output;
    let result = Ident::new("__threadkit_result", output.span());
    let finish = match output {
        Output::Result { ty, err, .. } => {
            let shaped = private_at(krate, ty.span(), "ResultShaped");
            let std_result = Ident::new("__threadkit_std_result", ty.span());
            let converted = error_conversion(krate, err.as_deref().unwrap_or(ty), &std_result);
            quote_spanned! {ty.span()=>
                let #std_result = #shaped::into_std(#result);
                #converted
            }
        }
        _ => quote!(#krate::__private::Result::Ok(#result)),
    };
    let context_type = private_at(krate, output.span(), "Context");
    quote_spanned! {output.span()=>
        move |#closure_param: &#context_type| {
            #(#clones)*
            // The body is a closure of its own so that its `return`s and
            // `?`s keep their meaning.
            #[allow(clippy::redundant_closure_call)]
            let #result = (move || #body_output #user_body)();
            #finish
        }
    }
}

/// `Restart::<policy>()` with the options the attribute tuned.
fn restart_policy(restart: &RestartAttr, krate: &TokenStream) -> TokenStream {
    let (policy, lit) = &restart.policy;
    let constructor = Ident::new(policy, lit.span());
    let duration =
        |(secs, nanos): &(u64, u32)| quote!(#krate::__private::Duration::new(#secs, #nanos));
    let max_restarts = restart
        .max_restarts
        .as_ref()
        .map(|limit| quote_spanned!(limit.span()=> .max_restarts(#limit)));
    let within = restart.within.as_ref().map(|(window, lit)| {
        let window = duration(window);
        quote_spanned!(lit.span()=> .within(#window))
    });
    let backoff = restart.backoff.as_ref().map(|(min, max, lit)| {
        let (min, max) = (duration(min), duration(max));
        quote_spanned!(lit.span()=> .backoff(#min, #max))
    });
    quote! {
        #krate::__private::Restart::#constructor() #max_restarts #within #backoff
    }
}

/// `result`, the function's `Result`, as `Result<T, BoxError>`. The
/// error conversion is probed (see `__private::ErrorProbe`), so an error
/// type that does not convert is one error, spanned at `error_ty`, that
/// says why.
fn error_conversion(krate: &TokenStream, error_ty: &Type, result: &Ident) -> TokenStream {
    let span = error_ty.span();
    let private = respan(quote!(#krate::__private), span);
    // At the error type, so that an unmet bound is reported there; the
    // binding is the only name in scope of its arm.
    let error = Ident::new("__threadkit_error", span);
    quote_spanned! {span=>
        {
            #[allow(unused_imports)]
            use #private::ConvertKind as _;
            #[allow(unused_imports)]
            use #private::RejectKind as _;
            match #result {
                #private::Result::Ok(value) => #private::Result::Ok(value),
                #private::Result::Err(#error) => #private::Result::Err(
                    (&&#private::ErrorProbe::of(&#error)).__threadkit_conversion().apply(#error),
                ),
            }
        }
    }
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
