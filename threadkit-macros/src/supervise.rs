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
use syn::{Item, LitStr};

use crate::ast::{self, SuperviseStruct, SupervisedField};
use crate::attr;
use crate::errors::Errors;
use crate::fallback;
use crate::paths::{crate_path, crate_path_in_child, private_at};

mod types;
use types::Types;

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
    // Two generated types cannot share a name; the one the user chose (or
    // the later of two chosen) is the mistake. Past that error, the running
    // type gets a stand-in name, so that the rest of the program still
    // compiles against the group.
    let running = if report == running {
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
    let (impl_generics, _, user_where) = item.generics.split_for_impl();
    let running_name = LitStr::new(&running.to_string(), running.span());
    let types = Types::new(group, report, running);
    let Types {
        group: group_ty,
        report: report_ty,
        running: running_ty,
        supervisor,
        summary,
        marker: group_marker,
        ..
    } = &types;
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
    let user_bounds = user_where
        .into_iter()
        .flat_map(|clause| clause.predicates.iter());
    let bounds = quote!(where #(#user_bounds,)* #(#bounds,)*);
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

    let definitions = types.definitions(group, krate, krate_in_module, report, running, &bounds);
    // A nested group runs on a thread of its parent's and sends its report
    // back, so a group is a subtree only where it and its report are
    // `Send + 'static`. The `for<'_>` keeps rustc from checking that bound
    // where it is written when it names no parameter (a group without
    // parameters): a group holding an `Rc` still runs on its own, and is
    // an error only where it is nested.
    let nested_bounds = quote! {
        #bounds
        for<'__threadkit_nested> #group_ty: ::core::marker::Send + 'static,
        for<'__threadkit_nested> #report_ty: ::core::marker::Send + 'static,
    };

    quote! {
        #item

        #definitions

        impl #impl_generics #group_ty #bounds {
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

        impl #impl_generics #running_ty #bounds {
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

        impl #impl_generics #report_ty #bounds {
            /// The group's overall report (also reachable through `Deref`).
            #vis fn as_report(&self) -> &#krate::__private::Report {
                &self.#summary
            }

            /// The group's overall report, without the typed fields.
            #vis fn into_report(self) -> #krate::__private::Report {
                self.#summary
            }
        }

        impl #impl_generics #krate::__private::Deref for #report_ty #bounds {
            type Target = #krate::__private::Report;
            fn deref(&self) -> &#krate::__private::Report {
                &self.#summary
            }
        }

        impl #impl_generics #krate::__private::Display for #report_ty #bounds {
            fn fmt(&self, #formatter: &mut #krate::__private::Formatter<'_>) -> #krate::__private::FmtResult {
                #krate::__private::Display::fmt(&self.#summary, #formatter)
            }
        }

        impl #impl_generics #krate::__private::Debug for #report_ty #bounds {
            fn fmt(&self, #formatter: &mut #krate::__private::Formatter<'_>) -> #krate::__private::FmtResult {
                #krate::__private::Debug::fmt(&self.#summary, #formatter)
            }
        }

        impl #impl_generics #krate::__private::Debug for #running_ty #bounds {
            fn fmt(&self, #formatter: &mut #krate::__private::Formatter<'_>) -> #krate::__private::FmtResult {
                #formatter.debug_struct(#running_name).finish_non_exhaustive()
            }
        }

        impl #impl_generics #krate::__private::Termination for #report_ty #bounds {
            fn report(self) -> #krate::__private::ExitCode {
                #krate::__private::Termination::report(self.#summary)
            }
        }

        impl #impl_generics #krate::__private::Supervised for #group_ty #nested_bounds {
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
