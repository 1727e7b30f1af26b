//! The report and running types of a `#[supervise]` group.
//!
//! They are structs generic over the group, in a module of their own beside
//! it (`__threadkit_<Name>`), and every generated item names them by that
//! module's path; the user's scope gets type aliases with the chosen names.
//! An item of the user's that takes one of those names is then one error on
//! the alias (E0428), not a cascade of errors in generated code that would
//! reach the user's item through the name. The structs' field types are
//! associated types of two traits the group implements beside the module,
//! so the module sees nothing of the user's scope, and groups declared
//! inside a function, over types local to it, work too.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::Visibility;

use crate::ast::{SuperviseStruct, SupervisedField};

pub struct Types {
    /// The group as a type, with its parameters: `App<'a, T>`.
    pub group: TokenStream,
    module: Ident,
    report_fields_trait: Ident,
    running_fields_trait: Ident,
    /// `module::Report::<Group>`: a type, or the path of a struct literal.
    pub report: TokenStream,
    /// `module::Running::<Group>`.
    pub running: TokenStream,
    /// The structs' own fields beside the user's, named so that no user
    /// field can take their names: the running group's supervisor, the
    /// report's whole `Report`, and a marker that ties both structs to the
    /// group even when it has no fields.
    pub supervisor: Ident,
    pub summary: Ident,
    pub marker: Ident,
}

impl Types {
    pub fn new(group: &SuperviseStruct, report: &Ident, running: &Ident) -> Self {
        let name = &group.item.ident;
        let (_, ty_generics, _) = group.item.generics.split_for_impl();
        let group_ty = quote!(#name #ty_generics);
        let module = format_ident!("__threadkit_{}", name.unraw());
        Types {
            report: quote!(#module::#report::<#group_ty>),
            running: quote!(#module::#running::<#group_ty>),
            group: group_ty,
            module,
            report_fields_trait: format_ident!("__ThreadkitReportFields"),
            running_fields_trait: format_ident!("__ThreadkitRunningFields"),
            supervisor: unused_field_name(group, "__threadkit_supervisor"),
            summary: unused_field_name(group, "__threadkit_report"),
            marker: unused_field_name(group, "__threadkit_group"),
        }
    }

    /// The module with the traits and structs, the aliases, and the
    /// group's impls of the traits (under the group's `bounds`).
    pub fn definitions(
        &self,
        group: &SuperviseStruct,
        krate: &TokenStream,
        krate_in_module: &TokenStream,
        report: &Ident,
        running: &Ident,
        bounds: &TokenStream,
    ) -> TokenStream {
        let Types {
            group: group_ty,
            module,
            report_fields_trait,
            running_fields_trait,
            supervisor,
            summary,
            marker,
            ..
        } = self;
        let name = &group.item.ident;
        let vis = &group.item.vis;
        let (impl_generics, _, _) = group.item.generics.split_for_impl();
        let alias_params = alias_params(&group.item.generics);
        let group_param = format_ident!("__ThreadkitGroup");
        let report_fields = group.fields.iter().map(|field| {
            generated_field(
                field,
                &group_param,
                report_fields_trait,
                "How the workers of `{}` ended.",
            )
        });
        let running_fields = group.fields.iter().map(|field| {
            generated_field(
                field,
                &group_param,
                running_fields_trait,
                "The running workers of `{}`.",
            )
        });
        let trait_items: Vec<TokenStream> = group
            .fields
            .iter()
            .map(|SupervisedField { ident, cfgs, .. }| quote!(#(#cfgs)* type #ident;))
            .collect();
        let report_types = assoc_types(group, krate, "Exits");
        let running_types = assoc_types(group, krate, "Running");

        // Links name the runtime by the path the expansion uses, so that a
        // crate reaching threadkit through `crate = "..."` gets working links.
        let krate_doc = krate.to_string().replace(' ', "");
        let krate_doc = krate_doc.trim_start_matches("::");
        let report_doc = doc(format!(
            "How every worker of [`{name}`] ended: one field per field of `{name}`, \
             and, through `Deref`, the whole [`Report`]({krate_doc}::Report) \
             (exit code, table, `Termination`).\n\n\
             `as_report()` and `into_report()` give the whole report; it also \
             implements `Display` (the table), `Debug` and `Termination`."
        ));
        let running_doc = doc(format!(
            "A started [`{name}`]: its workers' handles, field by field. \
             Cancel the group, listen to its events, or wait for its [`{report}`].\n\n\
             Methods, each forwarding to the group's \
             [`Supervisor`]({krate_doc}::Supervisor): `cancel()`, `canceller()`, \
             `wait()`, `wait_timeout(timeout)`, `wait_ready(timeout)`, `is_ready()`, \
             `events()`, `snapshot()`, `probe()` and `spawner()`."
        ));
        let inner_report_doc = doc(format!(
            "How every worker of `{name}` ended: see the alias `{report}`."
        ));
        let inner_running_doc = doc(format!("A started `{name}`: see the alias `{running}`."));
        let report_types_doc = doc(format!("The types of `{name}`'s report fields."));
        let running_types_doc = doc(format!("The types of `{name}`'s running fields."));

        // An alias is spanned at its name, so that a name already taken is
        // reported on the `report = "..."` or `running = "..."` that chose it.
        let alias = |doc: &TokenStream, alias: &Ident, target: &TokenStream| {
            let target = crate::paths::respan(target.clone(), alias.span());
            quote_spanned! {alias.span()=>
                #doc
                #[allow(dead_code)]
                #vis type #alias #alias_params = #target;
            }
        };
        let report_alias = alias(&report_doc, report, &self.report);
        let running_alias = alias(&running_doc, running, &self.running);

        quote! {
            // The traits are private (a public one would make each field
            // type part of a public interface) and bound the structs'
            // parameter.
            #[allow(non_snake_case, non_camel_case_types, unreachable_pub, private_bounds, private_interfaces)]
            mod #module {
                #report_types_doc
                pub(super) trait #report_fields_trait {
                    #(#trait_items)*
                }

                #running_types_doc
                pub(super) trait #running_fields_trait {
                    #(#trait_items)*
                }

                #inner_report_doc
                // Reading only some fields of a report is normal.
                #[allow(dead_code)]
                pub struct #report<#group_param: #report_fields_trait> {
                    #(#report_fields)*
                    pub(super) #summary: #krate_in_module::__private::Report,
                    pub(super) #marker: #krate_in_module::__private::PhantomData<fn() -> #group_param>,
                }

                #inner_running_doc
                #[allow(dead_code)]
                pub struct #running<#group_param: #running_fields_trait> {
                    #(#running_fields)*
                    pub(super) #supervisor: #krate_in_module::__private::Supervisor,
                    pub(super) #marker: #krate_in_module::__private::PhantomData<fn() -> #group_param>,
                }
            }

            #report_alias
            #running_alias

            #[allow(non_camel_case_types)]
            impl #impl_generics #module::#report_fields_trait for #group_ty #bounds {
                #(#report_types)*
            }

            #[allow(non_camel_case_types)]
            impl #impl_generics #module::#running_fields_trait for #group_ty #bounds {
                #(#running_types)*
            }
        }
    }
}

/// The group's associated type for each field: the field type's
/// `Supervised::<assoc>`, or a skipped field's own type.
fn assoc_types(group: &SuperviseStruct, krate: &TokenStream, assoc: &str) -> Vec<TokenStream> {
    group
        .fields
        .iter()
        .map(
            |SupervisedField {
                 ident,
                 ty,
                 skip,
                 cfgs,
                 ..
             }| {
                if *skip {
                    return quote!(#(#cfgs)* type #ident = #ty;);
                }
                let assoc = format_ident!("{}", assoc, span = ty.span());
                quote_spanned!(ty.span()=>
                    #(#cfgs)* type #ident = <#ty as #krate::__private::Supervised>::#assoc;
                )
            },
        )
        .collect()
}

/// A field of the generated report or running struct: its type is the
/// group's associated type of the field's name, and its visibility the
/// field's, seen from the generated module.
fn generated_field(
    field: &SupervisedField,
    group_param: &Ident,
    fields_trait: &Ident,
    doc_template: &str,
) -> TokenStream {
    let SupervisedField {
        ident,
        vis,
        skip,
        cfgs,
        ..
    } = field;
    let shown = ident.unraw();
    let doc = if *skip {
        doc(format!("`{shown}`, passed through untouched."))
    } else {
        doc(doc_template.replace("{}", &shown.to_string()))
    };
    let vis = visibility_in_child(vis);
    quote!(#(#cfgs)* #doc #vis #ident: <#group_param as #fields_trait>::#ident,)
}

/// `vis` as written one module below the item it was written on, so that a
/// generated field is visible exactly where the user's field is.
fn visibility_in_child(vis: &Visibility) -> TokenStream {
    match vis {
        Visibility::Public(_) => quote!(#vis),
        Visibility::Inherited => quote!(pub(super)),
        Visibility::Restricted(restricted) => {
            match crate::paths::relative_path_in_child(&restricted.path) {
                Some(path) => quote!(pub(in #path)),
                None => quote!(#vis),
            }
        }
    }
}

/// `base`, or `base` with underscores appended, whichever no field of the
/// group is named.
fn unused_field_name(group: &SuperviseStruct, base: &str) -> Ident {
    let mut name = base.to_owned();
    while group.fields.iter().any(|field| field.ident.unraw() == name) {
        name.push('_');
    }
    format_ident!("{}", name)
}

/// The group's generic parameters as an alias declares them: without
/// bounds (rustc does not check an alias's bounds, and warns about them),
/// with their defaults.
fn alias_params(generics: &syn::Generics) -> TokenStream {
    if generics.params.is_empty() {
        return TokenStream::new();
    }
    let params = generics.params.iter().map(|param| match param {
        syn::GenericParam::Lifetime(param) => {
            let lifetime = &param.lifetime;
            quote!(#lifetime)
        }
        syn::GenericParam::Type(param) => {
            let (ident, default) = (&param.ident, &param.default);
            let default = default.as_ref().map(|default| quote!(= #default));
            quote!(#ident #default)
        }
        syn::GenericParam::Const(param) => {
            let (ident, ty, default) = (&param.ident, &param.ty, &param.default);
            let default = default.as_ref().map(|default| quote!(= #default));
            quote!(const #ident: #ty #default)
        }
    });
    quote!(<#(#params),*>)
}

fn doc(text: String) -> TokenStream {
    quote!(#[doc = #text])
}
