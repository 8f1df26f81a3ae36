use leptos::prelude::*;

use super::chat::ChatPanel;
use super::conversations::ConversationList;
use super::sites::SiteList;
use super::store::{ConnStatus, Store};
use super::visitors::VisitorList;
use crate::api::auth::Logout;
use crate::i18n::{error_text, tr, use_lang, Key};

/// The signed-in workbench: conversations, chat panel and the live list of visitors.
#[component]
pub fn Console() -> impl IntoView {
    let lang = use_lang();
    let store = Store::new(lang);
    provide_context(store);
    connect(store);

    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            let _ = window().location().set_href("/login");
        }
    });
    let status = move || match store.status.get() {
        ConnStatus::Connecting => tr(lang, Key::Connecting),
        ConnStatus::Connected => tr(lang, Key::Connected),
        ConnStatus::Reconnecting => tr(lang, Key::Reconnecting),
    };
    view! {
        <div class="workbench">
            <header class="topbar">
                <h1>{tr(lang, Key::AppTitle)}</h1>
                <span role="status" class="conn" data-status=move || format!("{:?}", store.status.get())>{status}</span>
                <span class="me">{move || store.agent.get().map(|a| a.display_name)}</span>
                <button type="button" on:click=move |_| { logout.dispatch(Logout {}); }>{tr(lang, Key::SignOut)}</button>
            </header>
            <p role="alert" class="error">{move || store.error.get().map(|e| error_text(lang, &e))}</p>
            <div class="columns">
                <ConversationList/>
                <ChatPanel/>
                <aside class="side">
                    <VisitorList/>
                    <SiteList/>
                </aside>
            </div>
        </div>
    }
}

/// Opens the agent socket (browser only) and ticks the clock.
fn connect(store: Store) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use kefu_webclient::{Socket, SocketEvent};
        let socket = Socket::connect(
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
                SocketEvent::Frame(frame) => store.on_frame(frame),
                SocketEvent::Closed { .. } => {
                    store.on_closed();
                    // A session that ended (signed out elsewhere, expired) cannot reconnect: sign in again.
                    leptos::task::spawn_local(async move {
                        if let Err(crate::error::AppError(kefu_protocol::ApiError::Unauthorized)) =
                            crate::api::auth::current_agent().await
                        {
                            let _ = window().location().set_href("/login");
                        }
                    });
                }
            },
        );
        store.conn.update_value(|c| c.socket = Some(socket));
        store.now.set(js_sys::Date::now() as i64);
        gloo_timers::callback::Interval::new(1000, move || store.now.set(js_sys::Date::now() as i64)).forget();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = store;
}
