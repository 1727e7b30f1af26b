//! The options inside `#[worker(...)]` and `#[supervise(...)]`.
//!
//! Every option is parsed even after a mistake, so one attribute with three
//! wrong options reports three errors.

use proc_macro2::TokenStream;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

use crate::errors::{parse_all, Errors};

/// The options of `#[worker(...)]`.
#[derive(Default)]
pub struct WorkerAttr {
    pub name: Option<LitStr>,
    pub daemon: bool,
    pub readiness: bool,
    pub stack_size: Option<Expr>,
    pub krate: Option<Path>,
    pub restart: Option<RestartAttr>,
    pub heartbeat: Option<(Duration, LitStr)>,
    /// `shutdown_timeout = "..."`: its own time in an ordered shutdown.
    pub shutdown_timeout: Option<(Duration, LitStr)>,
}

/// A duration parsed at compile time: seconds and nanoseconds.
pub type Duration = (u64, u32);

/// `backoff = "min..max"`: the first ceiling, the cap, and the literal.
pub type Backoff = (Duration, Duration, LitStr);

/// `restart = "..."` and the options that tune it.
pub struct RestartAttr {
    /// `never`, `on_failure` or `always`, and the literal it came from.
    pub policy: (&'static str, LitStr),
    pub max_restarts: Option<Expr>,
    pub within: Option<(Duration, LitStr)>,
    /// The backoff's lower bound and cap.
    pub backoff: Option<Backoff>,
}

impl RestartAttr {
    /// Whether the worker is ever restarted (`never` is the default).
    pub fn restarts(&self) -> bool {
        self.policy.0 != "never"
    }
}

/// The options of `#[supervise(...)]` on a struct.
#[derive(Default)]
pub struct SuperviseAttr {
    /// The timeout (seconds, nanoseconds), and the literal it came from.
    pub shutdown_timeout: Option<((u64, u32), LitStr)>,
    pub krate: Option<Path>,
    /// Names for the generated report and running types.
    pub report: Option<syn::Ident>,
    pub running: Option<syn::Ident>,
    /// `signals`: the option's path, for the span of a missing feature.
    pub signals: Option<Path>,
    /// `snapshot_on_sigusr1`: likewise.
    pub snapshot_on_sigusr1: Option<Path>,
    /// `systemd`: the option's path, for the span of a missing feature.
    pub systemd: Option<Path>,
    /// `strategy = "..."`: the `Strategy` variant, and the literal.
    pub strategy: Option<(&'static str, LitStr)>,
    /// `completion = "..."`: the `Completion` variant, and the literal.
    pub completion: Option<(&'static str, LitStr)>,
    /// `shutdown_order = "..."`: the `ShutdownOrder` variant, and the
    /// literal.
    pub shutdown_order: Option<(&'static str, LitStr)>,
    /// `limit = N`: at most N workers at once (checked non-zero).
    pub limit: Option<Expr>,
}

/// `key`, `key = value` or `key(...)`, separated by commas. Like syn's
/// `Punctuated<Meta, Token![,]>`, but a value without `=` is reported as
/// such rather than as a missing comma.
fn parse_options(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<Meta>> {
    let mut metas = Vec::new();
    while !input.is_empty() {
        let path: Path = input.call(Path::parse_mod_style)?;
        let meta = if input.peek(Token![=]) {
            Meta::NameValue(syn::MetaNameValue {
                path,
                eq_token: input.parse()?,
                value: input.parse()?,
            })
        } else if input.peek(syn::token::Paren) {
            let content;
            Meta::List(syn::MetaList {
                path,
                delimiter: syn::MacroDelimiter::Paren(syn::parenthesized!(content in input)),
                tokens: content.parse()?,
            })
        } else {
            Meta::Path(path)
        };
        metas.push(meta);
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            let key = metas
                .last()
                .map(|meta| quote::ToTokens::to_token_stream(meta.path()).to_string());
            let key = key.unwrap_or_default();
            return Err(input.error(format!(
                "expected `=` and a value after `{key}`, or `,` before the next option"
            )));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(metas)
}

/// One well-formed `key` or `key = value` option.
struct Setting {
    key: String,
    path: Path,
    value: Option<Expr>,
}

/// The options in `args`, in source order: each well-formed option once,
/// or the error for a malformed (`key(...)`, `a::b`) or repeated one.
fn options(args: TokenStream) -> Vec<syn::Result<Setting>> {
    let metas = match parse_all(parse_options, args) {
        Ok(metas) => metas,
        Err(error) => return vec![Err(error)],
    };
    let mut seen: Vec<String> = Vec::new();
    let mut options = Vec::new();
    for meta in metas {
        let path = meta.path().clone();
        if path.segments.len() != 1 || path.leading_colon.is_some() {
            options.push(Err(syn::Error::new_spanned(
                &path,
                "expected an option name, not a path",
            )));
            continue;
        }
        let key = path.segments[0].ident.to_string();
        let value = match meta {
            Meta::Path(_) => None,
            Meta::NameValue(pair) => Some(pair.value),
            Meta::List(list) => {
                let message = format!("expected `{key} = ...`, not `{key}(...)`");
                options.push(Err(syn::Error::new(list.delimiter.span().join(), message)));
                continue;
            }
        };
        if seen.contains(&key) {
            options.push(Err(syn::Error::new_spanned(
                &path,
                format!("duplicate `{key}` option"),
            )));
            continue;
        }
        seen.push(key.clone());
        options.push(Ok(Setting { key, path, value }));
    }
    options
}

fn unknown(key: &str, known: &[&str]) -> String {
    format!("unknown option `{key}`; expected {}", one_of(known))
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
    let mut policy = None;
    let mut max_restarts = None;
    let mut within = None;
    let mut backoff = None;
    // The tuning options, to reject when no restart policy is given.
    let mut tuning: Vec<Path> = Vec::new();
    for option in options(args) {
        let Some(Setting { key, path, value }) = errors.ok(option) else {
            continue;
        };
        let value = value.as_ref();
        match key.as_str() {
            "name" => attr.name = string_value("name", value, &path, "\"fetch_{n}\"", errors),
            "daemon" => attr.daemon = flag("daemon", value, errors),
            "readiness" => attr.readiness = flag("readiness", value, errors),
            "stack_size" => attr.stack_size = stack_size(value, &path, errors),
            "crate" => attr.krate = crate_path(value, &path, errors),
            "restart" => policy = restart_policy(value, &path, errors),
            "heartbeat" => {
                attr.heartbeat = duration(&key, value, &path, errors).filter(|((secs, nanos), lit)| {
                    let positive = *secs > 0 || *nanos > 0;
                    if !positive {
                        errors.at(lit, "a heartbeat window must be longer than zero: `heartbeat = \"10s\"`");
                    }
                    positive
                });
            }
            "shutdown_timeout" => attr.shutdown_timeout = duration(&key, value, &path, errors),
            "max_restarts" => {
                max_restarts = integer(&key, value, &path, "3", errors);
                tuning.push(path);
            }
            "within" => {
                within = duration(&key, value, &path, errors);
                tuning.push(path);
            }
            "backoff" => {
                backoff = backoff_range(value, &path, errors);
                tuning.push(path);
            }
            _ => errors.at(
                &path,
                unknown(
                    &key,
                    &[
                        "name",
                        "daemon",
                        "readiness",
                        "stack_size",
                        "restart",
                        "max_restarts",
                        "within",
                        "backoff",
                        "heartbeat",
                        "shutdown_timeout",
                        "crate",
                    ],
                ),
            ),
        }
    }
    match policy {
        Some(policy) => {
            let restart = RestartAttr {
                policy,
                max_restarts,
                within,
                backoff,
            };
            if !restart.restarts() {
                for path in &tuning {
                    errors.at(
                        path,
                        "`restart = \"never\"` never restarts: remove this option, or restart `\"on_failure\"` or `\"always\"`",
                    );
                }
            }
            attr.restart = Some(restart);
        }
        None => {
            for path in &tuning {
                let key = quote::ToTokens::to_token_stream(path).to_string();
                errors.at(
                    path,
                    format_args!(
                        "`{key}` tunes restarts, which need a policy: add `restart = \"on_failure\"` or `restart = \"always\"`"
                    ),
                );
            }
        }
    }
    attr
}

/// `restart = "never" | "on_failure" | "always"`.
fn restart_policy(
    value: Option<&Expr>,
    path: &Path,
    errors: &mut Errors,
) -> Option<(&'static str, LitStr)> {
    let choices = [
        ("never", "never"),
        ("on_failure", "on_failure"),
        ("always", "always"),
    ];
    let lit = string_value("restart", value, path, "\"on_failure\"", errors)?;
    choice(lit, "restart policy", &choices, errors)
}

/// The value `lit` names among `choices` (written, what it stands for),
/// or an error listing them; `what` names the option's kind.
fn choice(
    lit: LitStr,
    what: &str,
    choices: &[(&str, &'static str)],
    errors: &mut Errors,
) -> Option<(&'static str, LitStr)> {
    let written = lit.value();
    match choices.iter().find(|(name, _)| *name == written) {
        Some((_, meaning)) => Some((meaning, lit)),
        None => {
            let quoted: Vec<String> = choices
                .iter()
                .map(|(name, _)| format!("\"{name}\""))
                .collect();
            let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
            errors.at(
                &lit,
                format_args!("unknown {what} `{written}`; expected {}", one_of(&quoted)),
            );
            None
        }
    }
}

/// An integer option: a literal or an expression (`256 * 1024`), not a
/// string, a boolean, a float or a character.
fn integer(
    key: &str,
    value: Option<&Expr>,
    path: &Path,
    example: &str,
    errors: &mut Errors,
) -> Option<Expr> {
    match value {
        Some(Expr::Lit(ExprLit {
            lit: lit @ (Lit::Str(_) | Lit::Bool(_) | Lit::Float(_) | Lit::Char(_)),
            ..
        })) => {
            errors.at(
                lit,
                format_args!("expected an integer expression: `{key} = {example}`"),
            );
            None
        }
        Some(expr) => Some(expr.clone()),
        None => {
            errors.at(path, format_args!("expected a value: `{key} = {example}`"));
            None
        }
    }
}

/// `backoff = "100ms..10s"`: the first ceiling and the cap.
fn backoff_range(value: Option<&Expr>, path: &Path, errors: &mut Errors) -> Option<Backoff> {
    let example = "\"100ms..10s\"";
    let lit = string_value("backoff", value, path, example, errors)?;
    let text = lit.value();
    let Some((min, max)) = text.split_once("..") else {
        errors.at(
            &lit,
            format_args!(
                "expected a range of durations, the first delay and the cap: `backoff = {example}`"
            ),
        );
        return None;
    };
    let parsed = (parse_duration(min), parse_duration(max));
    match parsed {
        (Ok(min), Ok(max)) if max < min => {
            errors.at(
                &lit,
                "the cap is below the first delay: write the smaller duration first",
            );
            None
        }
        (Ok(min), Ok(max)) => Some((min, max, lit)),
        (Err(why), _) | (_, Err(why)) => {
            errors.at(&lit, why);
            None
        }
    }
}

/// `key` alone, or `key = true/false`.
fn flag(key: &str, value: Option<&Expr>, errors: &mut Errors) -> bool {
    match value {
        None => true,
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(flag),
            ..
        })) => flag.value,
        Some(other) => {
            errors.at(
                other,
                format_args!("expected `true` or `false`, or `{key}` alone"),
            );
            false
        }
    }
}

fn stack_size(value: Option<&Expr>, path: &Path, errors: &mut Errors) -> Option<Expr> {
    integer("stack_size", value, path, "256 * 1024", errors)
}

pub fn parse_supervise(args: TokenStream, errors: &mut Errors) -> SuperviseAttr {
    let mut attr = SuperviseAttr::default();
    for option in options(args) {
        let Some(Setting { key, path, value }) = errors.ok(option) else {
            continue;
        };
        let value = value.as_ref();
        match key.as_str() {
            "shutdown_timeout" => attr.shutdown_timeout = duration(&key, value, &path, errors),
            "crate" => attr.krate = crate_path(value, &path, errors),
            "report" => attr.report = type_name(&key, value, &path, "\"AppOutcome\"", errors),
            "signals" => {
                if flag("signals", value, errors) {
                    attr.signals = Some(path);
                }
            }
            "snapshot_on_sigusr1" => {
                if flag("snapshot_on_sigusr1", value, errors) {
                    attr.snapshot_on_sigusr1 = Some(path);
                }
            }
            "strategy" => attr.strategy = strategy(value, &path, errors),
            "completion" => attr.completion = completion(value, &path, errors),
            "shutdown_order" => attr.shutdown_order = shutdown_order(value, &path, errors),
            "limit" => attr.limit = limit(value, &path, errors),
            "systemd" => {
                if flag("systemd", value, errors) {
                    attr.systemd = Some(path);
                }
            }
            "running" => attr.running = type_name(&key, value, &path, "\"AppHandle\"", errors),
            "skip" => errors.at(
                &path,
                "`skip` belongs on a field: `#[supervise(skip)] label: String`",
            ),
            _ => errors.at(
                &path,
                unknown(
                    &key,
                    &[
                        "shutdown_timeout",
                        "shutdown_order",
                        "limit",
                        "strategy",
                        "completion",
                        "signals",
                        "snapshot_on_sigusr1",
                        "systemd",
                        "report",
                        "running",
                        "crate",
                    ],
                ),
            ),
        }
    }
    attr
}

/// `strategy = "one_for_one" | "one_for_all" | "rest_for_one"`: the
/// `Strategy` variant.
fn strategy(
    value: Option<&Expr>,
    path: &Path,
    errors: &mut Errors,
) -> Option<(&'static str, LitStr)> {
    let choices = [
        ("one_for_one", "OneForOne"),
        ("one_for_all", "OneForAll"),
        ("rest_for_one", "RestForOne"),
    ];
    let lit = string_value("strategy", value, path, "\"one_for_all\"", errors)?;
    choice(lit, "strategy", &choices, errors)
}

/// `completion = "all_succeed" | "first_success" | "all_settle"`: the
/// `Completion` variant.
fn completion(
    value: Option<&Expr>,
    path: &Path,
    errors: &mut Errors,
) -> Option<(&'static str, LitStr)> {
    let choices = [
        ("all_succeed", "AllSucceed"),
        ("first_success", "FirstSuccess"),
        ("all_settle", "AllSettle"),
    ];
    let lit = string_value("completion", value, path, "\"first_success\"", errors)?;
    choice(lit, "completion", &choices, errors)
}

/// `limit = N`: an integer expression; a literal 0 is rejected here, a
/// constant that is 0 by the generated code's const check.
fn limit(value: Option<&Expr>, path: &Path, errors: &mut Errors) -> Option<Expr> {
    let expr = integer("limit", value, path, "4", errors)?;
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = &expr
    {
        if int.base10_parse::<u64>().is_ok_and(|n| n == 0) {
            errors.at(
                int,
                "a limit of 0 would never run a worker; the limit is at least 1: `limit = 4`",
            );
            return None;
        }
    }
    Some(expr)
}

/// `shutdown_order = "reverse" | "all_at_once"`: the `ShutdownOrder`
/// variant.
fn shutdown_order(
    value: Option<&Expr>,
    path: &Path,
    errors: &mut Errors,
) -> Option<(&'static str, LitStr)> {
    let choices = [("reverse", "Reverse"), ("all_at_once", "AllAtOnce")];
    let lit = string_value("shutdown_order", value, path, "\"all_at_once\"", errors)?;
    choice(lit, "shutdown_order", &choices, errors)
}

/// A name for a generated type: a string holding an identifier.
fn type_name(
    key: &str,
    value: Option<&Expr>,
    path: &Path,
    example: &str,
    errors: &mut Errors,
) -> Option<syn::Ident> {
    let lit = string_value(key, value, path, example, errors)?;
    match lit.parse::<syn::Ident>() {
        Ok(ident) => Some(syn::Ident::new(&ident.to_string(), lit.span())),
        Err(_) => {
            errors.at(
                &lit,
                format_args!("expected the name of a type, such as `{key} = {example}`"),
            );
            None
        }
    }
}

/// A duration option's literal, parsed at compile time.
fn duration(
    key: &str,
    value: Option<&Expr>,
    path: &Path,
    errors: &mut Errors,
) -> Option<((u64, u32), LitStr)> {
    let lit = string_value(key, value, path, "\"5s\"", errors)?;
    match parse_duration(&lit.value()) {
        Ok(duration) => Some((duration, lit)),
        Err(why) => {
            errors.at(&lit, why);
            None
        }
    }
}

/// A duration as users write it: one or more parts, each a number
/// (decimals allowed) and a unit, with or without spaces: `"250ms"`,
/// `"5s"`, `"5 s"`, `"1.5s"`, `"1m30s"`, `"2h"`. Returns seconds and
/// nanoseconds.
pub fn parse_duration(text: &str) -> Result<(u64, u32), String> {
    const UNITS: &[(&[&str], u128)] = &[
        (&["ns"], 1),
        (&["us", "\u{b5}s"], 1_000),
        (&["ms"], 1_000_000),
        (&["s", "sec", "secs", "second", "seconds"], 1_000_000_000),
        (&["m", "min", "mins", "minute", "minutes"], 60_000_000_000),
        (&["h", "hr", "hrs", "hour", "hours"], 3_600_000_000_000),
        (&["d", "day", "days"], 86_400_000_000_000),
    ];
    let expected =
        "a duration looks like `\"250ms\"`, `\"5s\"`, `\"1.5s\"`, `\"1m30s\"` or `\"2h\"`";
    let trimmed = text.trim();
    // "`1m 5`: " where the problem is one part of a longer duration.
    let within = |part: &str| {
        if part == trimmed {
            String::new()
        } else {
            format!("`{text}`: ")
        }
    };
    let mut rest = trimmed;
    if rest.starts_with('-') {
        return Err(format!("`{text}`: a duration cannot be negative"));
    }
    if rest.is_empty() {
        return Err(format!("the duration is empty; {expected}"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        if number.is_empty() {
            return Err(format!(
                "{}expected a number before `{rest}`; {expected}",
                within(rest)
            ));
        }
        let after = after.trim_start();
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(after.len());
        let (unit, remaining) = after.split_at(unit_end);
        if unit.is_empty() {
            return Err(format!(
                "{}`{number}` needs a unit (`ms`, `s`, `m` or `h`); {expected}",
                within(number)
            ));
        }
        let scale = UNITS
            .iter()
            .find(|(names, _)| names.contains(&unit))
            .map(|(_, scale)| *scale)
            .ok_or_else(|| {
                format!(
                    "{}`{unit}` is not a unit of time; use `ns`, `us`, `ms`, `s`, `m`, `h` or `d`",
                    within(unit)
                )
            })?;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
            return Err(format!(
                "{}`{number}` is not a number; {expected}",
                within(number)
            ));
        }
        let too_long = || format!("`{text}` is too long for a duration");
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_long())?
        };
        let mut part = whole.checked_mul(scale).ok_or_else(too_long)?;
        let mut place = scale;
        for digit in fraction.chars() {
            place /= 10;
            part += u128::from(digit.to_digit(10).unwrap_or(0)) * place;
        }
        total = total.checked_add(part).ok_or_else(too_long)?;
        rest = remaining.trim_start();
    }
    let secs = u64::try_from(total / 1_000_000_000)
        .map_err(|_| format!("`{text}` is too long for a duration"))?;
    let nanos = u32::try_from(total % 1_000_000_000).unwrap_or(0);
    Ok((secs, nanos))
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
                if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
                    return Err(meta.error("`skip` takes no value: write `#[supervise(skip)]`"));
                }
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
    for conditional in crate::cfg::conditional(attrs, "supervise") {
        errors.at(
            &conditional,
            "a field is supervised or passed through in every configuration, so \
             `#[supervise(...)]` cannot be applied by `cfg_attr`: write it on the field, \
             or put the whole field under `#[cfg]`",
        );
        skip = true;
    }
    skip
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn durations_parse_as_users_write_them() {
        assert_eq!(parse_duration("250ms"), Ok((0, 250_000_000)));
        assert_eq!(parse_duration("5s"), Ok((5, 0)));
        assert_eq!(parse_duration("5 s"), Ok((5, 0)));
        assert_eq!(parse_duration(" 1.5s "), Ok((1, 500_000_000)));
        assert_eq!(parse_duration("1m30s"), Ok((90, 0)));
        assert_eq!(parse_duration("1m 30s"), Ok((90, 0)));
        assert_eq!(parse_duration("2h"), Ok((7_200, 0)));
        assert_eq!(parse_duration("0.5ms"), Ok((0, 500_000)));
        assert_eq!(parse_duration("1 minute"), Ok((60, 0)));
        assert_eq!(parse_duration("0s"), Ok((0, 0)));
    }

    #[test]
    fn rejected_durations_say_what_is_expected_without_contradiction() {
        let error = |text| parse_duration(text).unwrap_err();
        assert!(error("5").contains("`5` needs a unit"), "{}", error("5"));
        assert!(error("5x").contains("`x` is not a unit of time"));
        assert!(error("5 fortnights").contains("`fortnights` is not a unit of time"));
        assert!(error("s").contains("expected a number before `s`"));
        assert!(error("").contains("the duration is empty"));
        assert!(error("1.2.3s").contains("`1.2.3` is not a number"));
        assert!(error("99999999999999999999999999h").contains("too long"));
        assert!(error("-5s").contains("cannot be negative"));
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
