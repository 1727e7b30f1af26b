//! Property tests: `#[worker]` and `#[supervise]` run here as plain
//! functions on `proc_macro2` tokens. Over random token trees and over
//! mutations of real inputs they never panic, and every error they emit
//! points at a token of the input (never at nothing), unless the input has
//! no token to point at.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};
use proptest::prelude::*;

const WORKERS: &[&str] = &[
    "fn get_config(n: u32) -> Result<u32, String> { Ok(n) }",
    "pub fn beat(ctx: &Context, every: u64) -> Result<(), Cancelled> { loop { ctx.sleep(Duration::from_millis(every))?; } }",
    "fn generic<T: Send + 'static>(value: T) -> T { value }",
    "fn unit() {}",
    "fn plain((a, b): (u8, u8)) -> u16 { a as u16 + b as u16 }",
];

const WORKER_ARGS: &[&str] = &[
    "",
    "name = \"get_config_{n}\"",
    "daemon, stack_size = 64 * 1024",
    "name = \"x\", daemon = true, crate = \"::threadkit\"",
];

const STRUCTS: &[&str] = &[
    "struct App { configs: Vec<Worker<u32>>, beat: Worker<()> }",
    "pub struct Tree { #[supervise(skip)] label: &'static str, sub: App, opt: Option<Worker<u8>>, arr: [Worker<u8>; 2] }",
];

const SUPERVISE_ARGS: &[&str] = &[
    "",
    "shutdown_timeout = \"5s\"",
    "crate = \"::threadkit\", shutdown_timeout = \"250ms\"",
];

/// Tokens that lex on their own, for random streams and insertions.
const TOKENS: &[&str] = &[
    "fn",
    "struct",
    "pub",
    "async",
    "unsafe",
    "const",
    "impl",
    "self",
    "Self",
    "r#type",
    "mut",
    "&",
    "'a",
    "'static",
    "->",
    ":",
    "::",
    ";",
    ",",
    "=",
    "<",
    ">",
    "#",
    "!",
    "*",
    "?",
    "_",
    "x",
    "Worker",
    "Context",
    "Result",
    "Vec",
    "Option",
    "name",
    "daemon",
    "stack_size",
    "crate",
    "shutdown_timeout",
    "skip",
    "supervise",
    "worker",
    "\"\"",
    "\"{x}\"",
    "\"5 s\"",
    "\"{\"",
    "0",
    "1.5",
    "u32",
    "dyn",
    "impl Trait",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
];

/// Runs one expansion; `Err` if it panicked or emitted an unspanned error.
fn check(
    expand: fn(TokenStream, TokenStream) -> TokenStream,
    args: &str,
    item: &str,
) -> Result<(), String> {
    let (Ok(args_tokens), Ok(item_tokens)) =
        (TokenStream::from_str(args), TokenStream::from_str(item))
    else {
        return Ok(()); // does not lex: the compiler would reject it first
    };
    // An attribute always annotates an item; without one (never the case in
    // real code) there is nothing the error could point at.
    let empty = item_tokens.is_empty();
    let output = catch_unwind(AssertUnwindSafe(|| expand(args_tokens, item_tokens)))
        .map_err(|_| format!("panicked on #[..({args})] {item}"))?;
    if empty {
        return Ok(());
    }
    for span in error_spans(output) {
        if span.source_text().is_none() {
            return Err(format!(
                "an error points outside the input: #[..({args})] {item}"
            ));
        }
    }
    Ok(())
}

/// The span of every `compile_error!` in `tokens`.
fn error_spans(tokens: TokenStream) -> Vec<proc_macro2::Span> {
    let mut spans = Vec::new();
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) if ident == "compile_error" => spans.push(ident.span()),
            TokenTree::Group(group) => spans.extend(error_spans(group.stream())),
            _ => {}
        }
    }
    spans
}

fn tokens_of(text: &str) -> Vec<String> {
    TokenStream::from_str(text)
        .map(|stream| stream.into_iter().map(|tree| tree.to_string()).collect())
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Insert(usize, usize),
    Duplicate(usize),
    Swap(usize, usize),
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut tokens = tokens_of(text);
    for mutation in mutations {
        let len = tokens.len().max(1);
        match *mutation {
            Mutation::Delete(at) if !tokens.is_empty() => {
                tokens.remove(at % len);
            }
            Mutation::Insert(at, token) => tokens.insert(
                at % (tokens.len() + 1),
                TOKENS[token % TOKENS.len()].to_owned(),
            ),
            Mutation::Duplicate(at) if !tokens.is_empty() => {
                let token = tokens[at % len].clone();
                tokens.insert(at % len, token);
            }
            Mutation::Swap(a, b) if !tokens.is_empty() => tokens.swap(a % len, b % len),
            _ => {}
        }
    }
    tokens.join(" ")
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), any::<usize>()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn random_tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(0..TOKENS.len(), 0..24).prop_map(|picks| {
        picks
            .into_iter()
            .map(|pick| TOKENS[pick])
            .collect::<Vec<_>>()
            .join(" ")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn worker_survives_mutated_real_inputs(
        item in 0..WORKERS.len(),
        args in 0..WORKER_ARGS.len(),
        item_mutations in prop::collection::vec(mutation(), 0..4),
        args_mutations in prop::collection::vec(mutation(), 0..3),
    ) {
        let item = mutate(WORKERS[item], &item_mutations);
        let args = mutate(WORKER_ARGS[args], &args_mutations);
        prop_assert_eq!(check(crate::worker::expand, &args, &item), Ok(()));
    }

    #[test]
    fn supervise_survives_mutated_real_inputs(
        item in 0..STRUCTS.len(),
        args in 0..SUPERVISE_ARGS.len(),
        item_mutations in prop::collection::vec(mutation(), 0..4),
        args_mutations in prop::collection::vec(mutation(), 0..3),
    ) {
        let item = mutate(STRUCTS[item], &item_mutations);
        let args = mutate(SUPERVISE_ARGS[args], &args_mutations);
        prop_assert_eq!(check(crate::supervise::expand, &args, &item), Ok(()));
    }

    #[test]
    fn both_survive_random_token_trees(args in random_tokens(), item in random_tokens()) {
        prop_assert_eq!(check(crate::worker::expand, &args, &item), Ok(()));
        prop_assert_eq!(check(crate::supervise::expand, &args, &item), Ok(()));
    }
}
