//! The kefu Leptos application, rendered on the server (feature `ssr`) and hydrated in the browser
//! (feature `hydrate`). One folder per area, each the same shape:
//!
//! - `mod.rs`: the area's types and what it owns; `api.rs`: server functions (thin adapters that
//!   start with `Ctx::require`); `service.rs` (ssr): the rules, called by server functions and by
//!   sockets; `repo.rs` (ssr): the area's SQL, tenant-scoped; `ui/`: its components and pages.
//! - Areas: [`auth`] (sign-in, sessions, setup), [`sites`], [`chat`] (conversations, messages),
//!   [`visitors`] (arrivals, page views), [`workbench`] (the shell composing the areas).
//! - Shared: [`infra`] (db and its write path, batch worker, request context and permissions,
//!   realtime handle, state, errors), [`kit`] (UI building blocks), [`i18n`] (every visible string).
//!
//! Imports go one way: `workbench → areas → infra/kit → kefu_protocol`. Areas use each other's
//! `service` (and types), never each other's `repo`.

// Leptos views are deeply nested types; the release hydrate build needs more than the default 128.
#![recursion_limit = "256"]

pub mod agents;
pub mod auth;
pub mod blocks;
pub mod canned;
pub mod categories;
pub mod chat;
pub mod colleagues;
pub mod customers;
pub mod departments;
pub mod files;
pub mod i18n;
pub mod infra;
pub mod invitations;
pub mod kit;
pub mod oplog;
pub mod privacy;
pub mod profile;
pub mod ratings;
pub mod records;
pub mod roles;
pub mod routing;
pub mod sites;
pub mod stats;
pub mod supervision;
pub mod visitors;
pub mod workbench;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};

use crate::i18n::{tr, Key};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = i18n::page_lang();
    #[cfg(feature = "ssr")]
    page_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Static, so in the server-only shell rather than in the hydrated tree.
                <link rel="stylesheet" id="kefu" href="/pkg/kefu.css"/>
                <link rel="icon" href="data:,"/>
                // Installable (issue 13): the manifest, and the icon phones use.
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/192.png"/>
                <meta name="theme-color" content="#0969da"/>
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

/// The workbench page's Content-Security-Policy: scripts only from this origin, plus the inline
/// hydration scripts that carry this response's nonce, and WebAssembly; nothing may frame it.
/// (Responses that are not pages get a stricter default from the server.)
#[cfg(feature = "ssr")]
fn page_security_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The workbench's pages, each an area's. Every path here but `/login` needs a session (the server
/// redirects strangers), see [`is_workbench_page`].
#[component]
pub fn App() -> impl IntoView {
    use workbench::ui::{
        AgentsRoute, BlocksRoute, CannedRoute, CategoriesRoute, ChatsPage, ColleaguesRoute, CustomersRoute, DataRoute,
        DepartmentsRoute, FilesRoute, InvitationsRoute, LibraryRoute, LogRoute, ProfileRoute, RatingsRoute,
        RecordsRoute, RegistrationRoute, RolesRoute, RoutingRoute, Shell, SitesRoute, StatsRoute, TeamRoute,
        VisitorsPage,
    };
    provide_meta_context();
    i18n::provide_lang();
    view! {
        <Router>
            <Routes fallback=|| view! { <p>"404"</p> }>
                <Route path=path!("/login") view=auth::ui::LoginPage/>
                <Route path=path!("/setup") view=auth::ui::SetupPage/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=ChatsPage/>
                    <Route path=path!("chats") view=ChatsPage/>
                    <Route path=path!("visitors") view=VisitorsPage/>
                    <Route path=path!("admin/sites") view={Lazy::<SitesRoute>::new()}/>
                    <Route path=path!("admin/agents") view={Lazy::<AgentsRoute>::new()}/>
                    <Route path=path!("admin/departments") view={Lazy::<DepartmentsRoute>::new()}/>
                    <Route path=path!("admin/roles") view={Lazy::<RolesRoute>::new()}/>
                    <Route path=path!("admin/log") view={Lazy::<LogRoute>::new()}/>
                    <Route path=path!("admin/data") view={Lazy::<DataRoute>::new()}/>
                    <Route path=path!("admin/categories") view={Lazy::<CategoriesRoute>::new()}/>
                    <Route path=path!("admin/routing") view={Lazy::<RoutingRoute>::new()}/>
                    <Route path=path!("admin/ratings") view={Lazy::<RatingsRoute>::new()}/>
                    <Route path=path!("admin/blocks") view={Lazy::<BlocksRoute>::new()}/>
                    <Route path=path!("admin/invitations") view={Lazy::<InvitationsRoute>::new()}/>
                    <Route path=path!("admin/registration") view={Lazy::<RegistrationRoute>::new()}/>
                    <Route path=path!("admin/files") view={Lazy::<FilesRoute>::new()}/>
                    <Route path=path!("admin/library") view={Lazy::<LibraryRoute>::new()}/>
                    <Route path=path!("canned") view={Lazy::<CannedRoute>::new()}/>
                    <Route path=path!("colleagues") view={Lazy::<ColleaguesRoute>::new()}/>
                    <Route path=path!("records") view={Lazy::<RecordsRoute>::new()}/>
                    <Route path=path!("customers") view={Lazy::<CustomersRoute>::new()}/>
                    <Route path=path!("stats") view={Lazy::<StatsRoute>::new()}/>
                    <Route path=path!("team") view={Lazy::<TeamRoute>::new()}/>
                    <Route path=path!("me") view={Lazy::<ProfileRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Whether a path is a signed-in workbench page (strangers are sent to /login).
pub fn is_workbench_page(path: &str) -> bool {
    path == "/"
        || [
            "/chats",
            "/visitors",
            "/canned",
            "/colleagues",
            "/records",
            "/customers",
            "/stats",
            "/team",
            "/admin",
            "/me",
        ]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Builds the application state: the database, the realtime handle, and each area's parts.
#[cfg(feature = "ssr")]
pub fn build_state(
    db: infra::db::Db,
    settings: infra::state::Settings,
    realtime: std::sync::Arc<dyn infra::realtime::Realtime>,
) -> infra::state::AppState {
    let builder = infra::state::AppState::builder(db, settings, realtime.clone());
    let limits = builder.settings().limits.clone();
    let files = builder.settings().files.clone();
    let chat = chat::service::Chat::start(builder.db(), &limits);
    let visitors = visitors::service::Visitors::start(builder.db(), &limits);
    let geo = std::sync::Arc::new(infra::geo::Geo::open(&builder.settings().geoip_db));
    let router = routing::service::Router::start(builder.db(), realtime.clone(), geo.clone());
    let state = builder
        .with(geo.clone())
        .with(router)
        .with(routing::service::SetupCache::default())
        .with(chat)
        .with(chat::service::DraftAudiences::default())
        .with(visitors)
        .with(sites::service::SiteCache::default())
        .with(blocks::service::Blocks::default())
        .with(invitations::service::RulesCache::default())
        .with(visitors::service::FormCache::default())
        .with(auth::service::LoginLimiter::new(&limits))
        .with(files::service::Files::new(files, &limits))
        .build();
    auth::service::start_session_purge(&state, state.settings.session_purge);
    oplog::service::start_purge(&state);
    chat::service::start_idle_sweep(&state);
    routing::service::start_offer_sweep(&state);
    visitors::service::start_ip_sweep(&state);
    privacy::service::start_retention_sweep(&state);
    stats::service::start_rollups(&state, geo);
    files::service::start_unsent_sweep(&state);
    infra::search::start_backfill(state.db.clone());
    state
}

/// Entry point of the browser bundle (called by the `frontend` crate).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    // `hydrate_lazy`: a page opened directly on a lazy route (an admin page) waits for its chunk.
    leptos::mount::hydrate_lazy(App);
}
