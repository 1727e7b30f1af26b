//! The options inside `#[worker(...)]` and `#[supervise(...)]`.
//!
//! Every option is parsed even after a mistake, so one attribute with three
//! wrong options reports three errors.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

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

    pub fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The options of `#[worker(...)]`.
#[derive(Default)]
pub struct WorkerAttr {
    pub name: Option<LitStr>,
    pub daemon: bool,
    pub stack_size: Option<Expr>,
    pub krate: Option<Path>,
}

/// The options of `#[supervise(...)]` on a struct.
#[derive(Default)]
pub struct SuperviseAttr {
    /// The timeout in milliseconds, and the literal it came from.
    pub shutdown_timeout: Option<(u64, LitStr)>,
    pub krate: Option<Path>,
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

fn parse_metas(args: TokenStream, errors: &mut Errors) -> Vec<Meta> {
    match parse_all(Punctuated::<Meta, Token![,]>::parse_terminated, args) {
        Ok(metas) => metas.into_iter().collect(),
        Err(error) => {
            errors.push(error);
            Vec::new()
        }
    }
}

/// The option's name and its `= value`, rejecting the list form `key(...)`.
fn key_and_value<'a>(
    meta: &'a Meta,
    errors: &mut Errors,
) -> Option<(String, &'a Path, Option<&'a Expr>)> {
    let path = meta.path();
    if path.segments.len() != 1 || path.leading_colon.is_some() {
        errors.at(path, "expected an option name, not a path");
        return None;
    }
    let key = path.segments[0].ident.to_string();
    match meta {
        Meta::Path(_) => Some((key, path, None)),
        Meta::NameValue(pair) => Some((key, path, Some(&pair.value))),
        Meta::List(list) => {
            errors.at_span(
                list.delimiter.span().join(),
                format_args!("expected `{key} = ...`, not `{key}(...)`"),
            );
            None
        }
    }
}

fn string_value(
    key: &str,
    value: Option<&Expr>,
    path: &Path,
    example: &str,
    errors: &mut Errors,
) -> Option<LitStr> {
    match value {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) => Some(lit.clone()),
        Some(other) => {
            errors.at(
                other,
                format_args!("expected a string literal: `{key} = {example}`"),
            );
            None
        }
        None => {
            errors.at(path, format_args!("expected a value: `{key} = {example}`"));
            None
        }
    }
}

fn crate_path(value: Option<&Expr>, path: &Path, errors: &mut Errors) -> Option<Path> {
    let lit = string_value("crate", value, path, "\"::my_crate::threadkit\"", errors)?;
    match lit.parse::<Path>() {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            errors.at(
                &lit,
                "expected a path to the threadkit crate, such as `\"::my_crate::threadkit\"`",
            );
            None
        }
    }
}

/// Calls `apply` for each well-formed option whose name is in `known`, once
/// per name; unknown and duplicate options are errors. `hint` may add to the
/// message about an unknown option.
fn for_each_option(
    args: TokenStream,
    known: &[&str],
    hint: fn(&str) -> &'static str,
    errors: &mut Errors,
    mut apply: impl FnMut(&str, &Path, Option<&Expr>, &mut Errors),
) {
    let mut seen: Vec<String> = Vec::new();
    for meta in parse_metas(args, errors) {
        let Some((key, path, value)) = key_and_value(&meta, errors) else {
            continue;
        };
        if !known.contains(&key.as_str()) {
            errors.at(
                path,
                format_args!(
                    "unknown option `{key}`; expected {}{}",
                    one_of(known),
                    hint(&key)
                ),
            );
        } else if seen.contains(&key) {
            errors.at(path, format_args!("duplicate `{key}` option"));
        } else {
            seen.push(key.clone());
            apply(&key, path, value, errors);
        }
    }
}

/// "`a`, `b` or `c`"
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

pub fn parse_worker(args: TokenStream, errors: &mut Errors) -> WorkerAttr {
    let mut attr = WorkerAttr::default();
    let known = ["name", "daemon", "stack_size", "crate"];
    for_each_option(
        args,
        &known,
        |_| "",
        errors,
        |key, path, value, errors| match key {
            "name" => attr.name = string_value("name", value, path, "\"fetch_{n}\"", errors),
            "daemon" => match value {
                None => attr.daemon = true,
                Some(Expr::Lit(ExprLit {
                    lit: Lit::Bool(flag),
                    ..
                })) => attr.daemon = flag.value,
                Some(other) => errors.at(other, "expected `true` or `false`, or `daemon` alone"),
            },
            "stack_size" => match value {
                Some(Expr::Lit(ExprLit {
                    lit: lit @ (Lit::Str(_) | Lit::Bool(_) | Lit::Float(_) | Lit::Char(_)),
                    ..
                })) => errors.at(
                    lit,
                    "expected an integer expression in bytes: `stack_size = 256 * 1024`",
                ),
                Some(expr) => attr.stack_size = Some(expr.clone()),
                None => errors.at(path, "expected a size in bytes: `stack_size = 256 * 1024`"),
            },
            _ => attr.krate = crate_path(value, path, errors),
        },
    );
    attr
}

pub fn parse_supervise(args: TokenStream, errors: &mut Errors) -> SuperviseAttr {
    let mut attr = SuperviseAttr::default();
    let hint = |key: &str| {
        if key == "skip" {
            "; `skip` belongs on a field: `#[supervise(skip)]`"
        } else {
            ""
        }
    };
    let known = ["shutdown_timeout", "crate"];
    for_each_option(args, &known, hint, errors, |key, path, value, errors| {
        if key == "crate" {
            attr.krate = crate_path(value, path, errors);
        } else if let Some(lit) = string_value(key, value, path, "\"5s\"", errors) {
            match parse_duration(&lit.value()) {
                Ok(millis) => attr.shutdown_timeout = Some((millis, lit)),
                Err(why) => errors.at(&lit, why),
            }
        }
    });
    attr
}

/// `"250ms"`, `"5s"` or `"2m"`, in milliseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let help = "expected a whole number and a unit: `\"250ms\"`, `\"5s\"` or `\"2m\"`";
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err(format!("`{text}` is not a duration; {help}"));
    }
    let scale: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "" => return Err(format!("`{text}` has no unit; {help}")),
        _ => return Err(format!("unknown unit `{}`; {help}", unit.trim())),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is too long a duration"))
}

/// Whether a field carries `#[supervise(skip)]`; other `#[supervise(...)]`
/// contents are errors, and such a field is skipped too (its author meant it
/// to be special), so its type does not add errors of its own.
pub fn field_is_skipped(attrs: &[syn::Attribute], errors: &mut Errors) -> bool {
    let mut skip = false;
    for attr in attrs
        .iter()
        .filter(|attr| attr.path().is_ident("supervise"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                skip = true;
                Ok(())
            } else {
                Err(meta.error("unknown field option; the only one is `skip`"))
            }
        });
        if let Err(error) = result {
            errors.push(error);
            skip = true;
        }
    }
    skip
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("5s"), Ok(5_000));
        assert_eq!(parse_duration("2m"), Ok(120_000));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("5h")
            .unwrap_err()
            .contains("unknown unit `h`"));
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("99999999999999999999m").is_err());
    }

    #[test]
    fn all_bad_worker_options_are_reported() {
        let mut errors = Errors::default();
        let attr = parse_worker(
            quote!(nmae = "x", daemon = 3, name = 5, daemon),
            &mut errors,
        );
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("unknown option `nmae`"));
        assert_eq!(messages[3], "duplicate `daemon` option");
        assert!(attr.name.is_none());
    }

    #[test]
    fn crate_option_takes_a_path() {
        let mut errors = Errors::default();
        let attr = parse_worker(quote!(crate = "::reexport::threadkit"), &mut errors);
        assert!(errors.finish().is_ok());
        let path = attr.krate.unwrap();
        assert_eq!(quote!(#path).to_string(), ":: reexport :: threadkit");
    }
}
