//! The kefu Leptos application, rendered on the server (feature `ssr`) and hydrated in the browser
//! (feature `hydrate`).
//!
//! - `routes/`: one file per page (login, workbench).
//! - `components/`: the workbench's parts (visitor list, conversation list, chat panel).
//! - `api/`: server functions (thin adapters over `ssr/`).
//! - `ssr/`: database, services and auth, shared with the chat hub in the `server` crate.
//! - `i18n`: every visible string, per language.

// Leptos views are deeply nested types; the release hydrate build needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod i18n;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::i18n::{tr, Key};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = i18n::page_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Static, so in the server-only shell rather than in the hydrated tree.
                <link rel="stylesheet" id="kefu" href="/pkg/kefu.css"/>
                <link rel="icon" href="data:,"/>
                <title>{tr(lang, Key::AppTitle)}</title>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    i18n::provide_lang();
    view! {
        <Router>
            <Routes fallback=|| view! { <p>"404"</p> }>
                <Route path=path!("/") view=routes::workbench::WorkbenchPage/>
                <Route path=path!("/login") view=routes::login::LoginPage/>
            </Routes>
        </Router>
    }
}

/// Entry point of the browser bundle (called by the `frontend` crate).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
