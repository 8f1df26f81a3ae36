//! The signed-in workbench: a shell (top bar, navigation, the agent socket) around one page per
//! route. Strangers never get here: the server redirects them to /login. Who is signed in arrives
//! with the agent socket's welcome, so nothing here waits for data while rendering and hydration
//! always sees exactly what the server rendered.

use kefu_protocol::Perm;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::{lazy_route, LazyRoute};

use crate::auth::api::Logout;
use crate::chat::ui::{ChatPanel, ConversationList, Shortcuts};
use crate::i18n::{error_text, tr, use_lang, Key};
use crate::kit::live::{ConnStatus, Live};
use crate::kit::{remember, remembered};
use crate::routing::ui::StatusPicker;
use crate::sites::ui::SiteList;
use crate::visitors::ui::{VisitorConsole, VisitorList};

/// Top bar, navigation and the page of the current route.
#[component]
pub fn Shell() -> impl IntoView {
    let lang = use_lang();
    let live = Live::new(lang);
    provide_context(live);
    connect(live);
    crate::kit::alerts::watch(live);

    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            let _ = window().location().set_href("/login");
        }
    });
    let status = move || match live.status.get() {
        ConnStatus::Connecting => tr(lang, Key::Connecting),
        ConnStatus::Connected => tr(lang, Key::Connected),
        ConnStatus::Reconnecting => tr(lang, Key::Reconnecting),
    };
    // The areas in the navigation, each shown when the role grants one of its permissions.
    let areas = [
        (&[Perm::ChatServe][..], "/chats", Key::NavChats),
        (&[Perm::VisitorsView][..], "/visitors", Key::NavVisitors),
        (&[Perm::ChatServe][..], "/canned", Key::NavCanned),
        (&[Perm::ChatServe][..], "/colleagues", Key::NavColleagues),
        (&[Perm::SitesView][..], "/admin/sites", Key::NavSites),
        (&[Perm::AgentsManage][..], "/admin/agents", Key::NavAgents),
        (&[Perm::AgentsManage][..], "/admin/departments", Key::NavDepartments),
        (&[Perm::AgentsManage][..], "/admin/categories", Key::NavCategories),
        (&[Perm::RolesManage][..], "/admin/roles", Key::NavRoles),
        (&[Perm::SitesManage][..], "/admin/routing", Key::NavRouting),
        (&[Perm::SitesManage][..], "/admin/invitations", Key::SiteInvitations),
        (&[Perm::SitesManage][..], "/admin/registration", Key::NavRegistration),
        (&[Perm::SitesManage][..], "/admin/files", Key::NavFiles),
        (&[Perm::SettingsManage][..], "/admin/library", Key::NavLibrary),
        (&[Perm::RecordsViewAll, Perm::RecordsViewOwn][..], "/records", Key::NavRecords),
        (&[Perm::VisitorsView][..], "/customers", Key::NavCustomers),
        (&[Perm::StatsView][..], "/stats", Key::NavStats),
        (&[Perm::MonitorChats][..], "/team", Key::NavTeam),
        (&[Perm::SettingsManage][..], "/admin/ratings", Key::NavRatings),
        (&[Perm::BlockManage][..], "/admin/blocks", Key::NavBlocks),
        (&[Perm::RecordsDelete][..], "/admin/data", Key::NavData),
        (&[Perm::OplogView][..], "/admin/log", Key::NavLog),
    ];
    let nav = move || {
        let agent = live.agent.get()?;
        let links = areas
            .into_iter()
            .filter(|(perms, ..)| perms.iter().any(|p| agent.can(*p)))
            .map(|(_, href, key)| {
                // Colleagues: with the count of their unread messages.
                let unread = move || (key == Key::NavColleagues).then(|| live.colleague_unread()).filter(|n| *n > 0);
                view! {
                    <li>
                        <A href=href>
                            {tr(lang, key)}
                            {move || unread().map(|n| view! {
                                " " <span class="badge">{n} <span class="visually-hidden">" " {tr(lang, Key::Unread)}</span></span>
                            })}
                        </A>
                    </li>
                }
            })
            .collect_view();
        Some(view! { <ul>{links}</ul> })
    };
    view! {
        <div class="workbench">
            <header class="topbar">
                <h1>{tr(lang, Key::AppTitle)}</h1>
                <nav class="areas" aria-label=tr(lang, Key::MainNav)>{nav}</nav>
                <SitePicker/>
                <StatusPicker/>
                <crate::kit::alerts::NotifyPermission/>
                <span role="status" class="conn" data-status=move || format!("{:?}", live.status.get())>{status}</span>
                <A href="/me" attr:class="me" attr:title=tr(lang, Key::MySettings)>
                    {move || live.agent.get().map(|a| a.display_name)}
                </A>
                <button type="button" on:click=move |_| { logout.dispatch(Logout {}); }>{tr(lang, Key::SignOut)}</button>
            </header>
            <p role="alert" class="error">{move || live.error.get().map(|e| error_text(lang, &e))}</p>
            <crate::colleagues::ui::BroadcastBanners/>
            <Outlet/>
        </div>
    }
}

/// The site chosen in the top bar: the visitors and conversations lists (and later every
/// site-scoped page) show only its. Offered when the agent has more than one site; remembered in
/// this browser.
#[component]
fn SitePicker() -> impl IntoView {
    const KEY: &str = "kefu.site";
    let lang = use_lang();
    let live = expect_context::<Live>();
    let sites = LocalResource::new(crate::sites::api::my_sites);
    // The remembered choice, once the sites are known (a site no longer there is forgotten).
    Effect::new(move |_| {
        let Some(Ok(sites)) = sites.get() else { return };
        let remembered = remembered(KEY).and_then(|v| v.parse::<i64>().ok());
        let site = remembered.filter(|id| sites.iter().any(|s| s.id == *id)).map(kefu_protocol::SiteId);
        if site != live.site.get_untracked() {
            live.choose_site(site);
        }
    });
    move || {
        let sites = sites.get().and_then(|s| s.ok()).unwrap_or_default();
        (sites.len() > 1).then(|| {
            let chosen = live.site.get().map(|s| s.0.to_string()).unwrap_or_default();
            view! {
                <label class="site-picker">
                    <span>{tr(lang, Key::SiteFilter)}</span>
                    <select on:change=move |ev| {
                        let value = event_target_value(&ev);
                        remember(KEY, &value);
                        live.choose_site(value.parse::<i64>().ok().map(kefu_protocol::SiteId));
                    }>
                        <option value="" selected=chosen.is_empty()>{tr(lang, Key::ScopeAll)}</option>
                        {sites.into_iter().map(|s| {
                            let selected = chosen == s.id.to_string();
                            view! { <option value=s.id.to_string() selected=selected>{s.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        })
    }
}

/// Conversations, the open chat, and who is on the site.
#[component]
pub fn ChatsPage() -> impl IntoView {
    // What other areas add to the chat panel.
    provide_context(crate::kit::Whispers {
        tools: Callback::new(|(id, error)| view! { <crate::supervision::ui::SupervisorTools id error/> }.into_any()),
        load: Callback::new(crate::supervision::ui::load_whispers),
        send: Callback::new(|(id, text, done)| crate::supervision::ui::send_whisper(id, text, done)),
    });
    provide_context(crate::kit::ChatTools(Callback::new(|visitor_id| {
        view! {
            <crate::visitors::ui::DetailsTool visitor_id/>
            <crate::blocks::ui::BlockVisitorTool visitor_id/>
        }
        .into_any()
    })));
    // On a phone the three columns are stacked views: the lists, or the open chat (with a way back).
    let live = expect_context::<Live>();
    view! {
        <Shortcuts/>
        <div class="columns" class:has-chat=move || live.selected.get().is_some()>
            <ConversationList/>
            <ChatPanel/>
            <aside class="side">
                <VisitorList/>
            </aside>
        </div>
    }
}

#[component]
pub fn VisitorsPage() -> impl IntoView {
    view! { <div class="page wide"><VisitorConsole/></div> }
}

/// The company's sites. Admin pages are lazy routes: built with `cargo leptos build --split` (as the
/// Makefile does) their code is a separate WASM chunk fetched when the page is first opened, so the
/// workbench's first load does not grow with every admin page.
pub struct SitesRoute;

#[lazy_route]
impl LazyRoute for SitesRoute {
    fn data() -> Self {
        SitesRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <div class="page"><SiteList/></div> }.into_any()
    }
}

/// Declares a lazy route for an admin page: its code is a separate WASM chunk.
macro_rules! admin_route {
    ($route:ident, $page:path) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <div class="page">{$page()}</div> }.into_any()
            }
        }
    };
}

admin_route!(AgentsRoute, crate::agents::ui::AgentsPage);
admin_route!(DepartmentsRoute, crate::departments::ui::DepartmentsPage);
admin_route!(RolesRoute, crate::roles::ui::RolesPage);
admin_route!(LogRoute, crate::oplog::ui::LogPage);
admin_route!(DataRoute, crate::privacy::ui::DataPage);
admin_route!(CategoriesRoute, crate::categories::ui::CategoriesPage);
admin_route!(ProfileRoute, crate::profile::ui::ProfilePage);
admin_route!(RoutingRoute, crate::routing::ui::RoutingPage);
admin_route!(RatingsRoute, crate::ratings::ui::RatingsPage);
admin_route!(BlocksRoute, crate::blocks::ui::BlocksPage);
admin_route!(InvitationsRoute, crate::invitations::ui::InvitationsPage);
admin_route!(RegistrationRoute, crate::visitors::ui::RegistrationPage);
admin_route!(FilesRoute, crate::files::ui::FilesPage);
admin_route!(LibraryRoute, crate::files::ui::LibraryPage);
admin_route!(CannedRoute, crate::canned::ui::CannedPage);
admin_route!(RecordsRoute, crate::records::ui::RecordsPage);
admin_route!(CustomersRoute, crate::customers::ui::CustomersPage);
admin_route!(StatsRoute, crate::stats::ui::StatsPage);
admin_route!(TeamRoute, crate::supervision::ui::TeamPage);

/// Internal chat: a separate chunk too, laid out in columns like the chats page.
pub struct ColleaguesRoute;

#[lazy_route]
impl LazyRoute for ColleaguesRoute {
    fn data() -> Self {
        ColleaguesRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::colleagues::ui::ColleaguesPage/> }.into_any()
    }
}

/// Opens the agent socket (browser only) and ticks the clock.
fn connect(live: Live) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use kefu_webclient::SocketEvent;
        // Installable: the service worker keeps the app shell (never pages or API answers). A
        // browser without service workers (or one that refuses) just has no install.
        if window().is_secure_context() {
            let _ = window().navigator().service_worker().register("/sw.js");
        }
        let socket = crate::kit::live::AgentSocket::connect(
            || {
                let location = window().location();
                let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
                format!(
                    "{scheme}://{}/api/v1/agent/ws?v={}",
                    location.host().unwrap_or_default(),
                    kefu_protocol::PROTOCOL_VERSION
                )
            },
            move |event| match event {
                SocketEvent::Open => {}
                SocketEvent::Frame(frame) => live.on_frame(frame),
                SocketEvent::Closed { .. } => {
                    live.on_closed();
                    // A session that ended (signed out elsewhere, expired) cannot reconnect: sign in again.
                    leptos::task::spawn_local(async move {
                        if let Err(crate::infra::error::AppError(kefu_protocol::ApiError::Unauthorized)) =
                            crate::auth::api::current_agent().await
                        {
                            let _ = window().location().set_href("/login");
                        }
                    });
                }
            },
        );
        live.conn.update_value(|c| c.socket = Some(socket));
        live.now.set(js_sys::Date::now() as i64);
        gloo_timers::callback::Interval::new(1000, move || live.now.set(js_sys::Date::now() as i64)).forget();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
}
