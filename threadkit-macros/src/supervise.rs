//! `#[supervise]`: a struct of workers gets `start()`/`run()`, a
//! `<Name>Running` handle and a typed `<Name>Report` that mirrors its fields,
//! plus `Supervised` so it can be a field of another group (a subtree).
//!
//! Field types are classified by the `Supervised` trait, not by their
//! spelling: aliases work, and a wrong field type is a trait error on that
//! field.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Item, LitStr, Visibility};

use crate::ast::{self, SuperviseStruct, SupervisedField};
use crate::attr;
use crate::errors::Errors;
use crate::fallback;
use crate::paths::{crate_path, crate_path_in_child, private_at};

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let attr = attr::parse_supervise(args, &mut errors);
    let accept = |item| match item {
        Item::Struct(item) => Some(item),
        _ => None,
    };
    let goes_on = "`#[supervise]` goes on a struct with named fields";
    let item = match ast::parse_item(&input, goes_on, accept, &mut errors) {
        Ok(item) => item,
        Err(reemit) => return fallback::item(reemit, errors),
    };
    let mut shape = Errors::default();
    crate::valid::supervise_struct(&item, &mut shape);
    let group = SuperviseStruct::new(item, &mut errors);
    crate::valid::repeated("supervise", &group.repeats, &mut errors);
    if let Err(error) = shape.finish() {
        errors.push(error);
        let item = &group.item;
        return fallback::item(quote!(#item), errors);
    }
    let krate = crate_path(attr.krate.as_ref());
    let krate_in_module = crate_path_in_child(attr.krate.as_ref());
    let timeout = match &attr.shutdown_timeout {
        Some(((secs, nanos), lit)) => {
            quote_spanned!(lit.span()=> #krate::__private::Duration::new(#secs, #nanos))
        }
        None => quote!(#krate::__private::DEFAULT_SHUTDOWN_TIMEOUT),
    };
    let name = &group.item.ident;
    let report = attr
        .report
        .clone()
        .unwrap_or_else(|| format_ident!("{}Report", name));
    let running = attr
        .running
        .clone()
        .unwrap_or_else(|| format_ident!("{}Running", name));
    if report == running {
        // Two generated types cannot share a name; the one the user chose
        // (or the later of two chosen) is the mistake.
        let chosen = if attr.running.is_some() {
            &running
        } else {
            &report
        };
        errors.at(
            chosen,
            format_args!(
                "the report and running types would both be named `{report}`: \
                 choose different names with `report = \"...\"` and `running = \"...\"`"
            ),
        );
    }
    // Past that error, the running type gets a stand-in name, so that the
    // rest of the program still compiles against the group.
    let running = if report == running {
        format_ident!("__ThreadkitRunning{}", name.unraw())
    } else {
        running
    };
    let mut supervisor_new = quote!(#krate::__private::Supervisor::new());
    if let Some((variant, lit)) = &attr.strategy {
        let variant = Ident::new(variant, lit.span());
        supervisor_new = quote_spanned!(lit.span()=>
            #supervisor_new.strategy(#krate::__private::Strategy::#variant)
        );
    }
    if let Some(limit) = &attr.limit {
        supervisor_new = quote_spanned!(limit.span()=>
            #supervisor_new.limit(const {
                match #krate::__private::NonZeroUsize::new(#limit) {
                    ::core::option::Option::Some(limit) => limit,
                    ::core::option::Option::None => ::core::panic!("`limit` must be at least 1"),
                }
            })
        );
    }
    if let Some((variant, lit)) = &attr.shutdown_order {
        let variant = Ident::new(variant, lit.span());
        supervisor_new = quote_spanned!(lit.span()=>
            #supervisor_new.shutdown_order(#krate::__private::ShutdownOrder::#variant)
        );
    }
    if let Some((variant, lit)) = &attr.completion {
        let variant = Ident::new(variant, lit.span());
        supervisor_new = quote_spanned!(lit.span()=>
            #supervisor_new.completion(#krate::__private::Completion::#variant)
        );
    }
    for (option, wrapper) in [
        (&attr.signals, "with_signals"),
        (&attr.snapshot_on_sigusr1, "with_snapshot_on_sigusr1"),
        (&attr.systemd, "with_systemd"),
    ] {
        if let Some(option) = option {
            let wrapper = syn::Ident::new(wrapper, option.span());
            let wrap = quote_spanned!(option.span()=> #krate::__private::#wrapper::<()>);
            supervisor_new = quote!(#wrap(#supervisor_new));
        }
    }
    let generated = generate(
        &group,
        &krate,
        &krate_in_module,
        &timeout,
        &report,
        &running,
        &supervisor_new,
    );
    let errors = errors.finish().err().map(|error| error.to_compile_error());
    quote!(#errors #generated)
}

fn generate(
    group: &SuperviseStruct,
    krate: &TokenStream,
    krate_in_module: &TokenStream,
    timeout: &TokenStream,
    report: &Ident,
    running: &Ident,
    supervisor_new: &TokenStream,
) -> TokenStream {
    let item = &group.item;
    let name = &item.ident;
    let vis = &item.vis;
    let running_name = LitStr::new(&running.to_string(), running.span());
    // The report and running structs live in a module of their own, generic
    // over the group, and every generated item names them by that module's
    // path; the user's scope gets type aliases with the chosen names. An item
    // of the user's that takes one of those names is then one error on the
    // alias (E0428), not a cascade of errors in generated code that would
    // reach the user's item through the name. The module sees nothing of the
    // user's scope, so groups declared inside a function work too.
    let module = format_ident!("__threadkit_{}", name.unraw());
    let report_fields_trait = format_ident!("__ThreadkitReportFields");
    let running_fields_trait = format_ident!("__ThreadkitRunningFields");
    let group_param = format_ident!("__ThreadkitGroup");
    let report_ty = quote!(#module::#report::<#name>);
    let running_ty = quote!(#module::#running::<#name>);
    // Fields of the generated structs beside the user's, named so that no
    // user field can take their names.
    let supervisor = unused_field_name(group, "__threadkit_supervisor");
    let summary = unused_field_name(group, "__threadkit_report");
    // Ties the structs to the group even when it has no fields.
    let group_marker = unused_field_name(group, "__threadkit_group");
    // Parameters and locals of generated functions: hygienic, so a field
    // named `timeout` or `parent` cannot shadow them.
    let timeout_param = Ident::new("timeout", Span::mixed_site());
    let formatter = Ident::new("f", Span::mixed_site());
    let parent = Ident::new("parent", Span::mixed_site());
    let field_name = Ident::new("field", Span::mixed_site());
    let running_param = Ident::new("running", Span::mixed_site());
    let ctx = Ident::new("ctx", Span::mixed_site());

    // Every field, as a binding or shorthand initializer, with its `cfg`s.
    let all: Vec<TokenStream> = group
        .fields
        .iter()
        .map(|field| {
            let (cfgs, ident) = (&field.cfgs, &field.ident);
            quote!(#(#cfgs)* #ident)
        })
        .collect();
    let (workers, data): (Vec<&SupervisedField>, Vec<&SupervisedField>) =
        group.fields.iter().partition(|field| !field.skip);

    let report_fields = group.fields.iter().map(|field| {
        generated_field(
            field,
            &group_param,
            &report_fields_trait,
            "How the workers of `{}` ended.",
        )
    });
    let running_fields = group.fields.iter().map(|field| {
        generated_field(
            field,
            &group_param,
            &running_fields_trait,
            "The running workers of `{}`.",
        )
    });
    let trait_items: Vec<TokenStream> = group
        .fields
        .iter()
        .map(|SupervisedField { ident, cfgs, .. }| quote!(#(#cfgs)* type #ident;))
        .collect();
    let assoc_types = |assoc: &str| -> Vec<TokenStream> {
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
    };
    let report_types = assoc_types("Exits");
    let running_types = assoc_types("Running");
    // Every generated item requires its fields' types to be supervisable,
    // in a `where` clause spanned at each type: a wrong type is then one
    // error on that type (rustc reports an unmet bound of a `where` clause
    // once, where it is written, and assumes it inside the item). A field
    // under `#[cfg]` cannot be named in a `where` clause; it is checked in
    // `start()` instead.
    let supervised_at = |ty: &syn::Type| private_at(krate, ty.span(), "Supervised");
    let bounds = workers.iter().filter(|field| field.cfgs.is_empty()).map(
        |SupervisedField { ty, .. }| {
            let supervised = supervised_at(ty);
            quote_spanned!(ty.span()=> #ty: #supervised)
        },
    );
    let bounds = quote!(where #(#bounds,)*);
    let field_checks = workers.iter().filter(|field| !field.cfgs.is_empty()).map(
        |SupervisedField {
             ident, ty, cfgs, ..
         }| {
            let check = private_at(krate, ty.span(), "assert_field");
            quote_spanned!(ty.span()=> #(#cfgs)* {
                #[allow(non_camel_case_types)]
                struct #ident;
                #check::<#ty, #ident>();
            })
        },
    );
    let spawns = workers.iter().map(|field| {
        let SupervisedField { ident, ty, cfgs, .. } = field;
        let label = LitStr::new(&ident.unraw().to_string(), ident.span());
        quote_spanned!(ty.span()=>
            #(#cfgs)* #ident: <#ty as #krate::__private::Supervised>::spawn_in(#ident, &#supervisor, #label),
        )
    });
    let data_idents: Vec<TokenStream> = data
        .iter()
        .map(|field| {
            let (cfgs, ident) = (&field.cfgs, &field.ident);
            quote!(#(#cfgs)* #ident)
        })
        .collect();
    let joins = workers.iter().map(|field| {
        let SupervisedField { ident, ty, cfgs, .. } = field;
        quote_spanned!(ty.span()=> #(#cfgs)* #ident: <#ty as #krate::__private::Supervised>::join(#ident),)
    });
    let joins: Vec<TokenStream> = joins.collect();
    // Built where `#summary` holds the group's `Report`.
    let finished = quote! {
        #report_ty {
            #(#joins)*
            #(#data_idents,)*
            #summary,
            #group_marker: #krate::__private::PhantomData,
        }
    };

    // Links name the runtime by the path the expansion uses, so that a crate
    // reaching threadkit through `crate = "..."` gets working links.
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
    let field_types_doc = doc(format!("The types of `{name}`'s report fields."));
    let running_types_doc = doc(format!("The types of `{name}`'s running fields."));

    // An alias is spanned at its name, so that a name already taken is
    // reported on the `report = "..."` or `running = "..."` that chose it.
    let alias = |doc: &TokenStream, alias: &Ident, target: &TokenStream| {
        let target = crate::paths::respan(target.clone(), alias.span());
        quote_spanned! {alias.span()=>
            #doc
            #[allow(dead_code)]
            #vis type #alias = #target;
        }
    };
    let report_alias = alias(&report_doc, report, &report_ty);
    let running_alias = alias(&running_doc, running, &running_ty);

    quote! {
        #item

        // The traits are private (a public one would make each field type
        // part of a public interface) and bound the structs' parameter.
        #[allow(non_snake_case, non_camel_case_types, unreachable_pub, private_bounds, private_interfaces)]
        mod #module {
            #field_types_doc
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
                pub(super) #group_marker: #krate_in_module::__private::PhantomData<fn() -> #group_param>,
            }

            #inner_running_doc
            #[allow(dead_code)]
            pub struct #running<#group_param: #running_fields_trait> {
                #(#running_fields)*
                pub(super) #supervisor: #krate_in_module::__private::Supervisor,
                pub(super) #group_marker: #krate_in_module::__private::PhantomData<fn() -> #group_param>,
            }
        }

        #report_alias
        #running_alias

        #[allow(non_camel_case_types)]
        impl #module::#report_fields_trait for #name #bounds {
            #(#report_types)*
        }

        #[allow(non_camel_case_types)]
        impl #module::#running_fields_trait for #name #bounds {
            #(#running_types)*
        }

        impl #name #bounds {
            /// Starts every worker and returns at once, with a handle on the running group.
            #vis fn start(self) -> #running_ty {
                self.__threadkit_start_in(#supervisor_new)
            }

            /// Starts every worker and waits until the group is done: see `Supervisor::wait`.
            #vis fn run(self) -> #report_ty {
                self.start().wait()
            }

            fn __threadkit_start_in(self, #supervisor: #krate::__private::Supervisor) -> #running_ty {
                #(#field_checks)*
                let #supervisor = #supervisor.shutdown_timeout(#timeout);
                let #name { #(#all),* } = self;
                #running_ty {
                    #(#spawns)*
                    #(#data_idents,)*
                    #supervisor,
                    #group_marker: #krate::__private::PhantomData,
                }
            }
        }

        impl #running_ty #bounds {
            /// Starts the shutdown: every worker is cancelled and gets the shutdown timeout to exit.
            #vis fn cancel(&self) {
                self.#supervisor.cancel();
            }

            /// Waits until every worker that declared readiness announced it: see `Supervisor::wait_ready`.
            #vis fn wait_ready(
                &self,
                #timeout_param: #krate::__private::Duration,
            ) -> #krate::__private::Result<(), #krate::__private::NotReady> {
                self.#supervisor.wait_ready(#timeout_param)
            }

            /// Whether every worker that declared readiness announced it.
            #vis fn is_ready(&self) -> bool {
                self.#supervisor.is_ready()
            }

            /// A handle that can cancel the group from another thread.
            #vis fn canceller(&self) -> #krate::__private::Canceller {
                self.#supervisor.canceller()
            }

            /// Every worker's state now: see `Supervisor::snapshot`.
            #vis fn snapshot(&self) -> #krate::__private::Snapshot {
                self.#supervisor.snapshot()
            }

            /// A handle that reads the group's snapshot and health from other threads: see `Supervisor::probe`.
            #vis fn probe(&self) -> #krate::__private::Probe {
                self.#supervisor.probe()
            }

            /// A handle that adds workers to the running group from any thread: see `Supervisor::spawner`. They are in the report's records, not in its fields.
            #vis fn spawner(&self) -> #krate::__private::Spawner {
                self.#supervisor.spawner()
            }

            /// A channel of the group's events from now on.
            #vis fn events(&self) -> #krate::__private::Events {
                self.#supervisor.events()
            }

            /// Waits until the group is done (bounded by the shutdown timeout once it shuts down).
            #vis fn wait(self) -> #report_ty {
                let Self { #(#all,)* #supervisor, .. } = self;
                let #summary = #supervisor.wait();
                #finished
            }

            /// Waits at most `timeout`; on time-out the running group comes back to wait again.
            #vis fn wait_timeout(
                self,
                #timeout_param: #krate::__private::Duration,
            ) -> #krate::__private::Result<#report_ty, Self> {
                let Self { #(#all,)* #supervisor, .. } = self;
                match #supervisor.wait_timeout(#timeout_param) {
                    #krate::__private::Result::Ok(#summary) => #krate::__private::Result::Ok(#finished),
                    #krate::__private::Result::Err(#supervisor) => {
                        #krate::__private::Result::Err(Self { #(#all,)* #supervisor, #group_marker: #krate::__private::PhantomData })
                    }
                }
            }
        }

        impl #report_ty #bounds {
            /// The group's overall report (also reachable through `Deref`).
            #vis fn as_report(&self) -> &#krate::__private::Report {
                &self.#summary
            }

            /// The group's overall report, without the typed fields.
            #vis fn into_report(self) -> #krate::__private::Report {
                self.#summary
            }
        }

        impl #krate::__private::Deref for #report_ty #bounds {
            type Target = #krate::__private::Report;
            fn deref(&self) -> &#krate::__private::Report {
                &self.#summary
            }
        }

        impl #krate::__private::Display for #report_ty #bounds {
            fn fmt(&self, #formatter: &mut #krate::__private::Formatter<'_>) -> #krate::__private::FmtResult {
                #krate::__private::Display::fmt(&self.#summary, #formatter)
            }
        }

        impl #krate::__private::Debug for #report_ty #bounds {
            fn fmt(&self, #formatter: &mut #krate::__private::Formatter<'_>) -> #krate::__private::FmtResult {
                #krate::__private::Debug::fmt(&self.#summary, #formatter)
            }
        }

        impl #krate::__private::Debug for #running_ty #bounds {
            fn fmt(&self, #formatter: &mut #krate::__private::Formatter<'_>) -> #krate::__private::FmtResult {
                #formatter.debug_struct(#running_name).finish_non_exhaustive()
            }
        }

        impl #krate::__private::Termination for #report_ty #bounds {
            fn report(self) -> #krate::__private::ExitCode {
                #krate::__private::Termination::report(self.#summary)
            }
        }

        impl #krate::__private::Supervised for #name #bounds {
            type Running = #krate::__private::NestedRunning<#report_ty>;
            type Exits = #krate::__private::Option<#report_ty>;
            fn spawn_in(
                self,
                #parent: &#krate::__private::Supervisor,
                #field_name: &'static str,
            ) -> Self::Running {
                #krate::__private::spawn_nested(
                    #parent,
                    #field_name,
                    move |#ctx| self.__threadkit_start_in(#krate::__private::Supervisor::child_of(#ctx)).wait(),
                    <#report_ty>::as_report,
                )
            }
            fn join(#running_param: Self::Running) -> Self::Exits {
                #krate::__private::join_nested(#running_param)
            }
        }
    }
}

/// A field of the generated report or running struct: its type is the
/// group's associated type of the field's name (the field's
/// `Supervised::Exits` or `Supervised::Running`, or a skipped field's own
/// type), and its visibility the field's, seen from the generated module.
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
            let path = &restricted.path;
            let first = path.segments.first().map(|segment| &segment.ident);
            match first {
                Some(first) if first == "self" => quote!(pub(super)),
                Some(first) if first == "super" => quote!(pub(in super::#path)),
                _ => quote!(#vis),
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

fn doc(text: String) -> TokenStream {
    quote!(#[doc = #text])
}
