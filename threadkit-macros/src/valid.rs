//! Everything `#[worker]` and `#[supervise]` reject, each with a span on
//! the offending tokens and a hint.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{FnArg, GenericParam, Generics, LitStr, ReturnType, Type};

use crate::ast::{context_path, Output, Param, WorkerFn};
use crate::errors::Errors;
use syn::Path;

/// Returns whether the result type is usable (for the fallback's stand-in).
pub fn worker_fn(function: &WorkerFn, krate: Option<&Path>, errors: &mut Errors) -> bool {
    repeated("worker", &function.repeats, errors);
    let sig = &function.sig;
    if let Some(token) = &sig.constness {
        errors.at(
            token,
            "a `#[worker]` function cannot be `const`: calling it builds a worker at run time",
        );
    }
    if let Some(token) = &sig.asyncness {
        errors.at(
            token,
            "a `#[worker]` function cannot be `async`: a worker runs on its own OS thread; \
             write a plain `fn` (and block on an executor inside it if you need one)",
        );
    }
    if let Some(token) = &sig.unsafety {
        errors.at(
            token,
            "a `#[worker]` function cannot be `unsafe`: its body runs later, on another thread, \
             where the caller's promises no longer hold; call the unsafe code from a safe body",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.at(
            abi,
            "a `#[worker]` function cannot have an `extern` ABI: it becomes a Rust constructor",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic, "a `#[worker]` function cannot be variadic");
    }
    generics(&sig.generics, errors);
    let mut context_seen = false;
    for (input, param) in inputs_with_params(sig.inputs.iter(), &function.params) {
        let ty = match input {
            FnArg::Receiver(receiver) => {
                errors.at(
                    receiver,
                    "`#[worker]` goes on free functions: a worker owns its arguments, so it cannot take `self`; \
                     pass the data it needs as parameters",
                );
                continue;
            }
            FnArg::Typed(typed) => &typed.ty,
        };
        if param.is_some_and(|param| param.is_context) {
            if context_seen {
                errors.at(
                    ty,
                    "only one `&Context` parameter: every one would be the same context",
                );
            }
            context_seen = true;
            continue;
        }
        parameter_type(ty, &declared_lifetimes(&sig.generics), krate, errors);
    }
    output(&function.sig.output, &function.output, errors)
}

/// Pairs each input with its parsed parameter (receivers have none).
fn inputs_with_params<'a>(
    inputs: impl Iterator<Item = &'a FnArg>,
    params: &'a [Param],
) -> impl Iterator<Item = (&'a FnArg, Option<&'a Param>)> {
    let mut params = params.iter();
    inputs.map(move |input| match input {
        FnArg::Receiver(_) => (input, None),
        FnArg::Typed(_) => (input, params.next()),
    })
}

fn generics(generics: &Generics, errors: &mut Errors) {
    for param in &generics.params {
        if let GenericParam::Lifetime(lifetime) = param {
            errors.at(
                lifetime,
                "a worker cannot borrow: its arguments move to its own thread, \
                 so lifetime parameters cannot be carried; take owned data",
            );
        }
    }
}

fn declared_lifetimes(generics: &Generics) -> Vec<syn::Ident> {
    generics
        .lifetimes()
        .map(|param| param.lifetime.ident.clone())
        .collect()
}

fn parameter_type(ty: &Type, declared: &[syn::Ident], krate: Option<&Path>, errors: &mut Errors) {
    if let Type::Reference(reference) = ty {
        if context_path(&reference.elem, krate).is_some() && reference.mutability.is_some() {
            errors.at(
                ty,
                "take `&Context`: the runtime lends the worker its context, it cannot be `&mut`",
            );
            return;
        }
    }
    if context_path(ty, krate).is_some() {
        errors.at(
            ty,
            "take the context as `&Context`: it is lent by the runtime when the worker runs, \
             not passed to the constructor",
        );
        return;
    }
    let mut finder = BorrowFinder {
        declared: declared.to_vec(),
        ..BorrowFinder::default()
    };
    finder.visit_type(ty);
    if let Some(span) = finder.impl_trait {
        errors.at(
            span,
            "`impl Trait` parameters are not supported: use a named type parameter, \
             `fn work<T: Trait + Send + 'static>(item: T)`",
        );
    } else if let Some(span) = finder.borrow {
        errors.at(
            span,
            "a worker's arguments move to its thread, so they cannot borrow: \
             take owned data (`String`, `Vec<T>`, `Arc<T>`) or a `&'static` reference",
        );
    }
}

/// One error per repeated application of the macro `name`, on it.
pub fn repeated(name: &str, repeats: &[syn::Attribute], errors: &mut Errors) {
    for attr in repeats {
        errors.at(
            attr,
            format_args!("`#[{name}]` is applied twice; remove this one"),
        );
    }
}

fn output(declared: &ReturnType, output: &Output, errors: &mut Errors) -> bool {
    let ReturnType::Type(_, ty) = declared else {
        return true;
    };
    if matches!(output, Output::Unit | Output::Never) {
        return true;
    }
    if let Output::Result { err: Some(err), .. } = output {
        if let Some(missing) = unsendable_box_error(err) {
            errors.at(
                err,
                format_args!(
                    "a worker's error moves to the thread that joins it, so it must be `Send + Sync`; \
                     this one is not `{missing}`: write `Box<dyn std::error::Error + Send + Sync>`"
                ),
            );
        }
    }
    let mut finder = BorrowFinder::default();
    finder.visit_type(ty);
    if let Some(span) = finder.impl_trait {
        errors.at(
            span,
            "a worker's result type must be named: `impl Trait` cannot be carried in `Worker<T>`",
        );
        false
    } else if let Some(span) = finder.borrow {
        errors.at(
            span,
            "a worker's result moves to the thread that joins it, so it cannot borrow: return owned data",
        );
        false
    } else {
        true
    }
}

/// For `Box<dyn Error>` (any path ending in `Error`) without `Send` or
/// `Sync` among its bounds: what it lacks.
fn unsendable_box_error(ty: &Type) -> Option<&'static str> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Box" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(Type::TraitObject(object))) = args.args.first() else {
        return None;
    };
    let bound_named = |name: &str| {
        object.bounds.iter().any(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => bound
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == name),
            _ => false,
        })
    };
    if !bound_named("Error") {
        return None;
    }
    match (bound_named("Send"), bound_named("Sync")) {
        (true, true) => None,
        (false, true) => Some("Send"),
        (true, false) => Some("Sync"),
        (false, false) => Some("Send + Sync"),
    }
}

/// Finds the first borrow (a reference or lifetime other than `'static`) and
/// the first `impl Trait` in a type.
#[derive(Default)]
struct BorrowFinder {
    borrow: Option<proc_macro2::TokenStream>,
    impl_trait: Option<proc_macro2::TokenStream>,
    /// Lifetime parameters of the function, already reported on their own.
    declared: Vec<syn::Ident>,
}

impl<'ast> Visit<'ast> for BorrowFinder {
    fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
        let is_static = reference
            .lifetime
            .as_ref()
            .is_some_and(|lifetime| lifetime.ident == "static");
        if !is_static && self.borrow.is_none() {
            self.borrow = Some(reference.to_token_stream());
        }
        syn::visit::visit_type_reference(self, reference);
    }

    fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
        let declared = self.declared.contains(&lifetime.ident);
        if lifetime.ident != "static" && !declared && self.borrow.is_none() {
            self.borrow = Some(lifetime.to_token_stream());
        }
    }

    fn visit_type_impl_trait(&mut self, impl_trait: &'ast syn::TypeImplTrait) {
        if self.impl_trait.is_none() {
            self.impl_trait = Some(impl_trait.to_token_stream());
        }
    }
}

/// The `{placeholders}` of a name template, each checked against the
/// function's named parameters. Returns the placeholder names in order.
/// `None` when the template itself is invalid (the expansion then uses it
/// as a plain string, so `format!` does not repeat the error).
pub fn name_template(
    lit: &LitStr,
    function: &WorkerFn,
    errors: &mut Errors,
) -> Option<Vec<String>> {
    let text = lit.value();
    if text.is_empty() {
        errors.at(lit, "a worker's name cannot be empty");
        return None;
    }
    if text.contains('\0') {
        errors.at(
            lit,
            "a worker's name cannot contain a NUL byte: it becomes the OS thread's name",
        );
    }
    let placeholders = match placeholders(&text) {
        Ok(placeholders) => placeholders,
        Err(why) => {
            errors.at(lit, why);
            return None;
        }
    };
    let mut valid = true;
    let usable: Vec<String> = function
        .params
        .iter()
        .filter(|param| !param.is_context)
        .filter_map(Param::name)
        .collect();
    for name in &placeholders {
        if usable.contains(name) {
            continue;
        }
        valid = false;
        let is_context = function
            .params
            .iter()
            .any(|param| param.is_context && param.name().as_ref() == Some(name));
        let message = if is_context {
            format!(
                "`{{{name}}}` is the worker's context, which does not exist until the worker runs"
            )
        } else if usable.is_empty() {
            format!(
                "`{{{name}}}` is not a parameter of `{}`, which has none to use in its name",
                function.sig.ident
            )
        } else {
            format!(
                "`{{{name}}}` is not a parameter of `{}`; the name can use {}",
                function.sig.ident,
                usable
                    .iter()
                    .map(|name| format!("`{{{name}}}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        errors.at(lit, message);
    }
    valid.then_some(placeholders)
}

/// Splits `get_config_{n}` into its placeholder names (`{{` and `}}` are
/// literal braces; `{n:>3}` keeps its format spec for `format!`).
fn placeholders(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let inner: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let written = inner.split(':').next().unwrap_or("").trim();
                // `{r#type}` and `{type}` both name the parameter `r#type`.
                let name = written.strip_prefix("r#").unwrap_or(written);
                let is_ident = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if !is_ident {
                    return Err(format!(
                        "`{{{inner}}}` must name a parameter, like `{{n}}` (positional placeholders are not supported)"
                    ));
                }
                names.push(name.to_owned());
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '}' => {
                return Err("unmatched `}` in the name; write `}}` for a literal brace".to_owned())
            }
            _ => {}
        }
    }
    Ok(names)
}

/// `template` with each `{name[:spec]}` replaced by `{index[:spec]}`, the
/// name's index in `names` (escaped braces stay as they are).
pub fn positional_template(template: &str, names: &[&String]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push_str("{{");
            }
            '{' => {
                let inner: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let (written, spec) = match inner.split_once(':') {
                    Some((written, spec)) => (written, Some(spec)),
                    None => (inner.as_str(), None),
                };
                let written = written.trim();
                let name = written.strip_prefix("r#").unwrap_or(written);
                let index = names.iter().position(|known| *known == name).unwrap_or(0);
                out.push('{');
                out.push_str(&index.to_string());
                if let Some(spec) = spec {
                    out.push(':');
                    out.push_str(spec);
                }
                out.push('}');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push_str("}}");
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether the struct is one `#[supervise]` can handle.
pub fn supervise_struct(item: &syn::ItemStruct, errors: &mut Errors) {
    match &item.fields {
        syn::Fields::Named(_) => {}
        syn::Fields::Unnamed(fields) => errors.at(
            fields,
            "`#[supervise]` needs named fields: the report mirrors them by name (`report.configs[3]`)",
        ),
        syn::Fields::Unit => errors.at(
            &item.ident,
            "`#[supervise]` needs a struct with named fields, one per worker or group of workers",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::context_reference;

    #[test]
    fn placeholders_are_found_and_escapes_skipped() {
        assert_eq!(placeholders("get_config_{n}").unwrap(), ["n"]);
        assert_eq!(placeholders("{a}-{b:>3}").unwrap(), ["a", "b"]);
        assert!(placeholders("{{literal}}").unwrap().is_empty());
        assert!(placeholders("{}")
            .unwrap_err()
            .contains("must name a parameter"));
        assert!(placeholders("{0}").is_err());
        assert!(placeholders("oops}").unwrap_err().contains("unmatched"));
    }

    #[test]
    fn context_reference_detection() {
        let yes = |ty: Type| context_reference(&ty, None).is_some();
        assert!(yes(syn::parse_quote!(&threadkit::Context)));
        assert!(yes(syn::parse_quote!(&::threadkit::Context)));
        assert!(yes(syn::parse_quote!(&Context)));
        assert!(yes(syn::parse_quote!(&'static Context)));
        assert!(!yes(syn::parse_quote!(&mut Context)));
        assert!(!yes(syn::parse_quote!(&my::Context)));
        assert!(!yes(syn::parse_quote!(&::Context)));
        let krate: Path = syn::parse_quote!(::app::threadkit);
        let via: Type = syn::parse_quote!(&app::threadkit::Context);
        assert!(context_reference(&via, Some(&krate)).is_some());
    }

    #[test]
    fn templates_become_positional() {
        let (a, b) = ("type".to_owned(), "n".to_owned());
        assert_eq!(
            positional_template("x_{type}_{r#type}_{n:>3}_{{lit}}", &[&a, &b]),
            "x_{0}_{0}_{1:>3}_{{lit}}"
        );
    }
}
