//! The annotated items, parsed into what the expansion needs.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{
    Attribute, Block, Fields, FnArg, GenericArgument, Ident, ItemFn, ItemStruct, Pat,
    PathArguments, ReturnType, Signature, Type, Visibility,
};

use crate::attr::{self, Errors};

/// A `#[worker]` function.
pub struct WorkerFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub block: Box<Block>,
    pub params: Vec<Param>,
    pub output: Output,
}

/// One parameter of the function, in order.
pub struct Param {
    /// The constructor's name for it: the user's identifier, or a generated
    /// one when the parameter is a pattern.
    pub ident: Ident,
    /// Whether `ident` is the user's own (usable in a name template).
    pub named: bool,
    pub ty: Box<Type>,
    /// `&Context`: injected by the runtime, not a constructor parameter.
    pub is_context: bool,
}

/// What the function returns, as far as classification goes.
pub enum Output {
    /// No return type, or `()`.
    Unit,
    /// `-> !`: a worker that only ends by panicking or by process exit.
    Never,
    /// A type named `Result` (`Result<T, E>`, `io::Result<T>`, a user's
    /// alias): `Err` is a failure. `ok` is `T` when it is spelled out.
    Result {
        ty: Box<Type>,
        ok: Option<Box<Type>>,
    },
    /// Any other type: a value.
    Plain(Box<Type>),
}

impl WorkerFn {
    pub fn new(item: ItemFn) -> Self {
        let ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = item;
        let params = sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(index, input)| match input {
                FnArg::Typed(typed) => Some(Param::new(index, &typed.pat, &typed.ty)),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let output = Output::new(&sig.output);
        WorkerFn {
            attrs,
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
}

impl Param {
    fn new(index: usize, pat: &Pat, ty: &Type) -> Self {
        let (ident, named) = match pat {
            Pat::Ident(binding) if binding.subpat.is_none() => (
                Ident::new(&binding.ident.unraw().to_string(), binding.ident.span()),
                true,
            ),
            _ => (
                Ident::new(&format!("__threadkit_arg{index}"), Span::call_site()),
                false,
            ),
        };
        Param {
            ident,
            named,
            ty: Box::new(ty.clone()),
            is_context: context_reference(ty).is_some(),
        }
    }
}

/// `&Context` (any path ending in `Context`, not `&mut`): the `Context` path.
pub fn context_reference(ty: &Type) -> Option<&syn::TypePath> {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => {
            context_path(&reference.elem)
        }
        _ => None,
    }
}

/// A path type whose last segment is `Context` without generic arguments.
pub fn context_path(ty: &Type) -> Option<&syn::TypePath> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            (last.ident == "Context" && last.arguments.is_none()).then_some(path)
        }
        Type::Paren(inner) => context_path(&inner.elem),
        Type::Group(inner) => context_path(&inner.elem),
        _ => None,
    }
}

impl Output {
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
                    let ok = match &last.arguments {
                        PathArguments::AngleBracketed(args) => match args.args.first() {
                            Some(GenericArgument::Type(ok)) => Some(Box::new(ok.clone())),
                            _ => None,
                        },
                        _ => None,
                    };
                    Output::Result { ty: ty.clone(), ok }
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
    pub fields: Vec<SupervisedField>,
}

pub struct SupervisedField {
    pub ident: Ident,
    pub vis: Visibility,
    pub ty: Type,
    pub skip: bool,
}

impl SuperviseStruct {
    /// Reads the fields and strips `#[supervise(...)]` from them (the
    /// compiler does not know that attribute on fields).
    pub fn new(mut item: ItemStruct, errors: &mut Errors) -> Self {
        let mut fields = Vec::new();
        if let Fields::Named(named) = &mut item.fields {
            for field in &mut named.named {
                let skip = attr::field_is_skipped(&field.attrs, errors);
                field
                    .attrs
                    .retain(|attr| !attr.path().is_ident("supervise"));
                if let Some(ident) = &field.ident {
                    fields.push(SupervisedField {
                        ident: ident.clone(),
                        vis: field.vis.clone(),
                        ty: field.ty.clone(),
                        skip,
                    });
                }
            }
        }
        SuperviseStruct { item, fields }
    }
}
