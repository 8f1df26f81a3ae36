//! The colleagues page (every agent of the company with status, load and unread count; a
//! one-to-one chat; an admin's broadcast form) and the broadcast banners of the workbench shell.

use kefu_protocol::{AgentId, AgentStatus, Perm};
use leptos::prelude::*;

use crate::i18n::{error_text, status_text, tr, use_lang, Key};
use crate::kit::live::{AgentLoad, Live};
use crate::kit::{clock_text, EmptyState, MessageText};

/// Every colleague, those who are on first, then by name.
fn colleagues(live: Live) -> Vec<(AgentId, AgentLoad)> {
    let me = live.agent.with(|a| a.as_ref().map(|a| a.id));
    let mut list: Vec<(AgentId, AgentLoad)> =
        live.statuses.with(|s| s.iter().filter(|(a, _)| Some(**a) != me).map(|(a, l)| (*a, l.clone())).collect());
    list.sort_by(|a, b| {
        (a.1.status == AgentStatus::Offline, &a.1.name).cmp(&(b.1.status == AgentStatus::Offline, &b.1.name))
    });
    list
}

#[component]
pub fn ColleaguesPage() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let open = live.internal.open;
    on_cleanup(move || open.set(None));
    let admin = move || live.agent.with(|a| a.as_ref().is_some_and(|a| a.can(Perm::AgentsManage)));
    view! {
        <div class="columns colleagues" class:has-chat=move || open.get().is_some()>
            <section class="conversations" aria-labelledby="colleagues-title">
                <h2 id="colleagues-title">{tr(lang, Key::ColleaguesTitle)}</h2>
                <Show when=admin>
                    <BroadcastForm/>
                </Show>
                {move || {
                    let list = colleagues(live);
                    if list.is_empty() {
                        return view! { <EmptyState text=tr(lang, Key::NoColleagues)/> }.into_any();
                    }
                    view! {
                        <ul>
                            {list.into_iter().map(|(id, load)| {
                                let unread = move || live.internal.threads.with(|t| t.get(&id).map_or(0, |t| t.unread()));
                                let chats = tr(lang, Key::ColleagueLoad)
                                    .replace("{chats}", &load.chats.to_string())
                                    .replace("{max}", &load.max_chats.to_string());
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="conversation colleague"
                                            data-status=load.status.as_str()
                                            aria-pressed=move || (open.get() == Some(id)).to_string()
                                            on:click=move |_| live.open_colleague(Some(id))
                                        >
                                            <strong>{load.name.clone()}</strong>
                                            <span class="status">{status_text(lang, load.status)}</span>
                                            <span class="load">{chats}</span>
                                            {move || (unread() > 0).then(|| view! {
                                                <span class="badge">{unread()} " " <span class="visually-hidden">{tr(lang, Key::Unread)}</span></span>
                                            })}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="chat">
                {move || match open.get() {
                    Some(peer) => view! { <Thread peer/> }.into_any(),
                    None => view! { <EmptyState text=tr(lang, Key::PickColleague)/> }.into_any(),
                }}
            </section>
        </div>
    }
}

/// The chat with one colleague.
#[component]
fn Thread(peer: AgentId) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let name = move || live.statuses.with(|s| s.get(&peer).map(|l| l.name.clone())).unwrap_or_default();
    let me = move || live.agent.with(|a| a.as_ref().map(|a| a.id));
    let messages = move || {
        live.internal.logs.with(|l| l.get(&peer).map(|l| l.messages().cloned().collect::<Vec<_>>()).unwrap_or_default())
    };
    let pending = move || live.internal.logs.with(|l| l.get(&peer).map(|l| l.pending().to_vec()).unwrap_or_default());
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        match live.send_colleague(peer, &text) {
            Ok(()) => {
                draft.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(error_text(lang, &e))),
        }
    };
    view! {
        <header class="chat-head">
            <button type="button" class="back" aria-label=tr(lang, Key::BackToColleagues) on:click=move |_| live.open_colleague(None)>
                "←"
            </button>
            <h2>{name}</h2>
        </header>
        <div class="messages" role="log" aria-label=tr(lang, Key::Messages) aria-live="polite">
            <ol class="message-list">
                <For each=messages key=|m| m.seq let:m>
                    {
                        let mine = Some(m.from) == me();
                        view! {
                            <li class=if mine { "msg mine" } else { "msg theirs" }>
                                <span class="who">{if mine { tr(lang, Key::You).to_owned() } else { name() }}</span>
                                <MessageText body=m.body.clone()/>
                                <time>{clock_text(m.sent_at)}</time>
                            </li>
                        }
                    }
                </For>
                <crate::kit::PendingMessages pending=Signal::derive(pending)/>
            </ol>
        </div>
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <textarea
                aria-label=move || tr(lang, Key::MessageTo).replace("{name}", &name())
                rows="2"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    let ctrl = ev.ctrl_key() || ev.meta_key();
                    let send_key = live.agent.with_untracked(|a| a.as_ref().map(|a| a.prefs.send_key)).unwrap_or_default();
                    let sends = match send_key {
                        kefu_protocol::SendKey::Enter => !ctrl,
                        kefu_protocol::SendKey::CtrlEnter => ctrl,
                    };
                    if ev.key() == "Enter" && sends && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button type="submit">{tr(lang, Key::Send)}</button>
            <p role="alert" class="error">{move || error.get()}</p>
        </form>
    }
}

/// An admin's message to everyone online. The client id stays until the broadcast went out, so
/// sending again after a lost answer does not send it twice.
#[component]
fn BroadcastForm() -> impl IntoView {
    let lang = use_lang();
    let text = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<usize, String>>);
    let client_id = StoredValue::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() || busy.get_untracked() {
            return;
        }
        let id = client_id.get_value().unwrap_or_else(crate::kit::live::new_client_msg_id);
        client_id.set_value(Some(id.clone()));
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = super::api::send_broadcast(id, body).await;
            busy.set(false);
            match answer {
                Ok(n) => {
                    client_id.set_value(None);
                    text.set(String::new());
                    result.set(Some(Ok(n)));
                }
                Err(e) => result.set(Some(Err(error_text(lang, &e.0)))),
            }
        });
    };
    view! {
        <form class="broadcast-form field" on:submit=submit>
            <label for="broadcast">{tr(lang, Key::BroadcastLabel)}</label>
            <textarea id="broadcast" rows="2" prop:value=move || text.get() on:input=move |ev| {
                text.set(event_target_value(&ev));
                client_id.set_value(None);
            }></textarea>
            <button type="submit" disabled=move || busy.get()>{tr(lang, Key::BroadcastSend)}</button>
            <p role="status">
                {move || match result.get() {
                    Some(Ok(n)) => Some(tr(lang, Key::BroadcastDone).replace("{n}", &n.to_string())),
                    _ => None,
                }}
            </p>
            <p role="alert" class="error">{move || result.get().and_then(|r| r.err())}</p>
        </form>
    }
}

/// Broadcasts the agent has not dismissed, under the top bar.
#[component]
pub fn BroadcastBanners() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let list = move || live.internal.broadcasts.get();
    view! {
        <Show when=move || live.internal.broadcasts.with(|b| !b.is_empty())>
            <section class="broadcasts" aria-label=tr(lang, Key::Broadcasts)>
                <For each=list key=|b| b.id let:b>
                    {
                        let id = b.id;
                        let from = tr(lang, Key::BroadcastFrom).replace("{name}", &b.from_name);
                        let dismiss = tr(lang, Key::DismissBroadcast).replace("{name}", &b.from_name);
                        view! {
                            <div class="broadcast" role="status">
                                <strong>{from}</strong>
                                <MessageText body=b.body.clone()/>
                                <time>{clock_text(b.sent_at)}</time>
                                <button type="button" aria-label=dismiss on:click=move |_| live.dismiss_broadcast(id)>
                                    "×"
                                </button>
                            </div>
                        }
                    }
                </For>
            </section>
        </Show>
    }
}
