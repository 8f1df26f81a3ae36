use leptos::prelude::*;

use crate::components::console::Console;

/// The agent workbench. Strangers never get here: the server redirects them to /login. Who is signed
/// in arrives with the agent socket's welcome, so nothing here waits for data while rendering and
/// hydration always sees exactly what the server rendered.
#[component]
pub fn WorkbenchPage() -> impl IntoView {
    view! { <Console/> }
}
