//! The agent's status in the top bar: a menu of the five statuses (a native select, so it works by
//! keyboard) and what colleagues see now, with the agent's load.

mod settings;

pub use settings::RoutingPage;

use kefu_protocol::{AgentStatus, Perm};
use leptos::prelude::*;

use crate::i18n::{status_text, tr, use_lang, Key};
use crate::kit::live::Live;

#[component]
pub fn StatusPicker() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let serves = move || live.agent.with(|a| a.as_ref().is_some_and(|a| a.can(Perm::ChatServe)));
    let chosen = move || {
        live.my_load()
            .map(|l| l.chosen)
            .or_else(|| live.agent.with(|a| a.as_ref().map(|a| a.status)))
            .unwrap_or_default()
    };
    let shown = move || live.my_load().map(|l| l.status).unwrap_or_else(chosen);
    let load = move || {
        live.my_load().map(|l| {
            let chats = tr(lang, Key::ChatsOfMax)
                .replace("{n}", &l.chats.to_string())
                .replace("{max}", &l.max_chats.to_string());
            format!("{} · {chats}", status_text(lang, l.status))
        })
    };
    move || {
        serves().then(|| {
            view! {
                <div class="status-picker" data-status=move || shown().as_str()>
                    <label>
                        <span class="dot" aria-hidden="true"></span>
                        <span class="label">{tr(lang, Key::MyStatus)}</span>
                        <select
                            prop:value=move || chosen().as_str()
                            on:change=move |ev| {
                                if let Some(status) = AgentStatus::parse(&event_target_value(&ev)) {
                                    live.set_status(status);
                                }
                            }
                        >
                            {AgentStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || chosen() == s>{status_text(lang, s)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <span class="load" aria-live="polite">{load}</span>
                </div>
            }
        })
    }
}
