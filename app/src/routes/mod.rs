pub mod login;
pub mod workbench;

use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};

/// Sends the browser elsewhere: a 302 when rendered on the server (pages using it render with
/// `SsrMode::Async`), a location change after hydration, and a link meanwhile.
#[component]
pub fn Redirect(to: &'static str, label: Key) -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(to);
    Effect::new(move |_| {
        let _ = window().location().set_href(to);
    });
    view! { <p><a href=to>{tr(lang, label)}</a></p> }
}
