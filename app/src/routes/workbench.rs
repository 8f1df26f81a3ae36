use leptos::prelude::*;

use super::Redirect;
use crate::api::auth::current_agent;
use crate::api::sites::my_sites;
use crate::components::console::Console;
use crate::i18n::{tr, use_lang, Key};

/// The agent workbench; sends people who are not signed in to the login page.
#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let lang = use_lang();
    // Both resources are created here, before any suspense, so server and browser create them in
    // the same order and hydration finds the data it expects.
    let me = Resource::new(|| (), |_| current_agent());
    let sites = Resource::new(|| (), |_| my_sites());
    view! {
        <Suspense fallback=move || view! { <p>{tr(lang, Key::Connecting)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(agent) => view! { <Console agent sites/> }.into_any(),
                    Err(_) => view! { <Redirect to="/login" label=Key::SignInNeeded/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
