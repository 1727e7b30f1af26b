//! The annotated items, parsed into what the expansion needs.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, Fields, FnArg, GenericArgument, Ident, Item, ItemFn, ItemStruct, Pat,
    PathArguments, ReturnType, Signature, Type, Visibility,
};

use crate::attr;
use crate::errors::{parse_all, Errors};

/// A `#[worker]` function.
pub struct WorkerFn {
    pub attrs: Vec<Attribute>,
    /// A second `#[worker]` on the same function, taken out of `attrs`.
    pub repeats: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub block: Box<Block>,
    pub params: Vec<Param>,
    pub output: Output,
}

/// One parameter of the function, in order.
pub struct Param {
    /// Its attributes (`#[cfg]` among them), carried wherever it goes.
    pub attrs: Vec<Attribute>,
    /// The user's pattern, which the constructor keeps.
    pub pat: Box<Pat>,
    /// The binding, as written (raw or not), when the pattern is a plain
    /// identifier: only such parameters can appear in a name template.
    pub ident: Option<Ident>,
    pub ty: Box<Type>,
    /// threadkit's `&Context`: lent by the runtime, not a constructor
    /// parameter.
    pub is_context: bool,
}

/// What the function returns, as far as classification goes.
pub enum Output {
    /// No return type, or `()`.
    Unit,
    /// `-> !`: a worker that only ends by panicking or by process exit.
    Never,
    /// A type named `Result` (`Result<T, E>`, `io::Result<T>`, a user's
    /// alias): `Err` is a failure. `ok` is `T` and `err` is `E` when they
    /// are spelled out.
    Result {
        ty: Box<Type>,
        ok: Option<Box<Type>>,
        err: Option<Box<Type>>,
    },
    /// Any other type: a value.
    Plain(Box<Type>),
}

impl WorkerFn {
    /// `krate` is the `crate = "..."` option: a path to threadkit that
    /// `&path::Context` may use.
    pub fn new(item: ItemFn, krate: Option<&syn::Path>) -> Self {
        let ItemFn {
            mut attrs,
            vis,
            sig,
            block,
        } = item;
        let repeats = take_repeats(&mut attrs, "worker");
        // syn keeps a body's `#![...]` among the function's attributes; it
        // applies to the whole function, so it goes on the constructor as
        // an outer attribute (an inner one cannot stand before `fn`).
        for attr in &mut attrs {
            attr.style = syn::AttrStyle::Outer;
        }
        let params = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) => Some(Param::new(typed, krate)),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let output = Output::new(&sig.output);
        WorkerFn {
            attrs,
            repeats,
            vis,
            sig,
            block,
            params,
            output,
        }
    }

    /// The worker's default name: the function's, without `r#`.
    pub fn default_name(&self) -> String {
        self.sig.ident.unraw().to_string()
    }

    /// The constructor's parameters: every one but `&Context`, with the
    /// user's attributes and patterns.
    pub fn constructor_params(&self) -> impl Iterator<Item = TokenStream> + '_ {
        self.params
            .iter()
            .filter(|param| !param.is_context)
            .map(|param| {
                let Param { attrs, pat, ty, .. } = param;
                quote!(#(#attrs)* #pat: #ty)
            })
    }
}

impl Param {
    fn new(typed: &syn::PatType, krate: Option<&syn::Path>) -> Self {
        let ident = match &*typed.pat {
            Pat::Ident(binding) if binding.subpat.is_none() && binding.by_ref.is_none() => {
                Some(binding.ident.clone())
            }
            _ => None,
        };
        Param {
            attrs: typed.attrs.clone(),
            pat: typed.pat.clone(),
            ident,
            ty: typed.ty.clone(),
            is_context: context_reference(&typed.ty, krate).is_some(),
        }
    }

    /// The name a `{placeholder}` uses for it: the identifier without `r#`.
    pub fn name(&self) -> Option<String> {
        self.ident.as_ref().map(|ident| ident.unraw().to_string())
    }

    /// Its `#[cfg]` and `#[cfg_attr]` attributes, for code generated per
    /// parameter.
    pub fn cfgs(&self) -> Vec<Attribute> {
        crate::cfg::configuration(&self.attrs)
    }

    /// The names the parameter's pattern binds, each with its `mut`.
    pub fn bindings(&self) -> Vec<(Option<syn::Token![mut]>, Ident)> {
        struct Bindings(Vec<(Option<syn::Token![mut]>, Ident)>);
        impl<'ast> syn::visit::Visit<'ast> for Bindings {
            fn visit_pat_ident(&mut self, binding: &'ast syn::PatIdent) {
                self.0.push((binding.mutability, binding.ident.clone()));
                syn::visit::visit_pat_ident(self, binding);
            }
        }
        let mut bindings = Bindings(Vec::new());
        syn::visit::Visit::visit_pat(&mut bindings, &self.pat);
        bindings.0
    }
}

/// Takes the attributes named `name` (by their last path segment, so
/// `#[threadkit::worker]` counts) out of `attrs`: the same macro applied a
/// second time, which must not expand again.
fn take_repeats(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let (repeats, kept) = std::mem::take(attrs).into_iter().partition(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name)
    });
    *attrs = kept;
    repeats
}

/// threadkit's `&Context` (not `&mut`): the `Context` path.
pub fn context_reference<'a>(ty: &'a Type, krate: Option<&syn::Path>) -> Option<&'a syn::TypePath> {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => {
            context_path(&reference.elem, krate)
        }
        _ => None,
    }
}

/// A path to threadkit's `Context`: `Context` as imported, or
/// `threadkit::Context` (with or without a leading `::`), or, with the
/// `crate = "..."` option, that path's `Context`. A `Context` reached by
/// any other path is the user's own type.
pub fn context_path<'a>(ty: &'a Type, krate: Option<&syn::Path>) -> Option<&'a syn::TypePath> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
            let (last, prefix) = segments.split_last()?;
            if last.ident != "Context" || !last.arguments.is_none() {
                return None;
            }
            let prefix: Vec<String> = prefix
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect();
            let threadkit: Vec<String> = match krate {
                Some(krate) => krate
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect(),
                None => vec!["threadkit".to_owned()],
            };
            let bare = prefix.is_empty() && path.path.leading_colon.is_none();
            (bare || prefix == threadkit).then_some(path)
        }
        Type::Paren(inner) => context_path(&inner.elem, krate),
        Type::Group(inner) => context_path(&inner.elem, krate),
        _ => None,
    }
}

impl Output {
    /// Where errors about the result belong: its type, or the call site
    /// when there is none.
    pub fn span(&self) -> proc_macro2::Span {
        match self {
            Output::Unit | Output::Never => proc_macro2::Span::call_site(),
            Output::Result { ty, .. } | Output::Plain(ty) => ty.span(),
        }
    }

    /// The type the constructor's `Worker<T>` carries.
    pub fn worker_type(&self, krate: &TokenStream) -> TokenStream {
        match self {
            Output::Unit | Output::Never => quote!(()),
            Output::Result { ok: Some(ok), .. } => quote!(#ok),
            Output::Result { ty, ok: None, .. } => {
                let shaped = crate::paths::private_at(krate, ty.span(), "ResultShaped");
                quote_spanned!(ty.span()=> <#ty as #shaped>::Ok)
            }
            Output::Plain(ty) => quote!(#ty),
        }
    }

    fn new(output: &ReturnType) -> Self {
        let ty = match output {
            ReturnType::Default => return Output::Unit,
            ReturnType::Type(_, ty) => ty,
        };
        match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
            Type::Never(_) => Output::Never,
            Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
                Some(last) if last.ident == "Result" => {
                    let argument = |index: usize| match &last.arguments {
                        PathArguments::AngleBracketed(args) => match args.args.iter().nth(index) {
                            Some(GenericArgument::Type(ty)) => Some(Box::new(ty.clone())),
                            _ => None,
                        },
                        _ => None,
                    };
                    Output::Result {
                        ty: ty.clone(),
                        ok: argument(0),
                        err: argument(1),
                    }
                }
                _ => Output::Plain(ty.clone()),
            },
            _ => Output::Plain(ty.clone()),
        }
    }
}

/// A `#[supervise]` struct.
pub struct SuperviseStruct {
    pub item: ItemStruct,
    /// A second `#[supervise]` on the struct, taken out of its attributes.
    pub repeats: Vec<Attribute>,
    pub fields: Vec<SupervisedField>,
}

pub struct SupervisedField {
    pub ident: Ident,
    pub vis: Visibility,
    pub ty: Type,
    pub skip: bool,
    /// Its `#[cfg]` and `#[cfg_attr]`, repeated on everything generated for it.
    pub cfgs: Vec<Attribute>,
}

impl SuperviseStruct {
    /// Reads the fields and strips `#[supervise(...)]` from them (the
    /// compiler does not know that attribute on fields).
    pub fn new(mut item: ItemStruct, errors: &mut Errors) -> Self {
        let repeats = take_repeats(&mut item.attrs, "supervise");
        let mut fields = Vec::new();
        if let Fields::Named(named) = &mut item.fields {
            for field in &mut named.named {
                let skip = attr::field_is_skipped(&field.attrs, errors);
                field.attrs = std::mem::take(&mut field.attrs)
                    .into_iter()
                    .filter(|attr| !attr.path().is_ident("supervise"))
                    .filter_map(|attr| crate::cfg::without_conditional(&attr, "supervise"))
                    .collect();
                if let Some(ident) = &field.ident {
                    fields.push(SupervisedField {
                        ident: ident.clone(),
                        vis: field.vis.clone(),
                        ty: field.ty.clone(),
                        skip,
                        cfgs: crate::cfg::configuration(&field.attrs),
                    });
                }
            }
        }
        SuperviseStruct {
            item,
            repeats,
            fields,
        }
    }
}

/// Parses the annotated item and returns it when `accept` takes it. Else
/// the error, naming what the attribute `goes_on`, is in `errors`, and
/// `Err` holds what to re-emit beside it: the item, or nothing when the
/// input is not an item at all (re-emitting an expression could change how
/// the code around it parses).
pub fn parse_item<T>(
    input: &TokenStream,
    goes_on: &str,
    accept: impl FnOnce(Item) -> Option<T>,
    errors: &mut Errors,
) -> Result<T, TokenStream> {
    match parse_all(<Item as syn::parse::Parse>::parse, input.clone()) {
        Ok(item) => {
            let (keyword, kind) = (item_keyword(&item), item_kind(&item));
            accept(item).ok_or_else(|| {
                errors.at(keyword, format_args!("{goes_on}, not on {kind}"));
                input.clone()
            })
        }
        Err(error) => {
            errors.at_span(error.span(), goes_on);
            Err(TokenStream::new())
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
        Item::Impl(_) => "an impl block",
        Item::Trait(_) => "a trait",
        Item::Const(_) => "a constant",
        Item::Static(_) => "a static",
        Item::Mod(_) => "a module",
        Item::Type(_) => "a type alias",
        Item::Use(_) => "a `use` declaration",
        _ => "this item",
    }
}
