use leptos::prelude::*;

use super::Redirect;
use crate::api::auth::current_agent;
use crate::components::console::Console;
use crate::i18n::{tr, use_lang, Key};

/// The agent workbench; sends people who are not signed in to the login page.
#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let lang = use_lang();
    let me = Resource::new(|| (), |_| current_agent());
    view! {
        <Suspense fallback=move || view! { <p>{tr(lang, Key::Connecting)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(agent) => view! { <Console agent/> }.into_any(),
                    Err(_) => view! { <Redirect to="/login" label=Key::SignInNeeded/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
