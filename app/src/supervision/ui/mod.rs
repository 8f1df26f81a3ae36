//! Supervision in the workbench: the supervisor's tools on a colleague's chat (take over, end with
//! a reason) and loading and sending whispers, which the chat panel gets through
//! [`crate::kit::Whispers`]; the team dashboard.

use kefu_protocol::ConversationId;
use leptos::prelude::*;

use super::api::{ForceClose, TakeOver};
use crate::i18n::{error_text, tr, use_lang, Key};
use crate::kit::form::action_error;
use crate::kit::live::Live;

/// Take over and end-with-a-reason, for a supervisor watching a colleague's chat. Errors show in
/// the panel's alert (`error`).
#[component]
pub fn SupervisorTools(id: ConversationId, error: RwSignal<Option<String>>) -> impl IntoView {
    let lang = use_lang();
    let take = ServerAction::<TakeOver>::new();
    let end = ServerAction::<ForceClose>::new();
    let ending = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let take_error = action_error(take);
    let end_error = action_error(end);
    Effect::new(move |_| {
        if let Some(e) = take_error.get().or_else(|| end_error.get()) {
            error.set(Some(error_text(lang, &e)));
        }
    });
    view! {
        <button type="button" class="take-over" disabled=move || take.pending().get()
            on:click=move |_| { take.dispatch(TakeOver { conversation_id: id.0 }); }>
            {tr(lang, Key::TakeOver)}
        </button>
        <button type="button" class="end" aria-expanded=move || ending.get().to_string()
            on:click=move |_| ending.update(|e| *e = !*e)>
            {tr(lang, Key::EndAsSupervisor)}
        </button>
        <Show when=move || ending.get()>
            <form class="end-form" on:submit=move |ev| {
                ev.prevent_default();
                end.dispatch(ForceClose { conversation_id: id.0, reason: reason.get_untracked() });
            }>
                <label>
                    {tr(lang, Key::EndReason)}
                    <input type="text" required maxlength=super::REASON_CHARS
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                </label>
                <button type="submit" disabled=move || end.pending().get()>{tr(lang, Key::EndNow)}</button>
            </form>
        </Show>
    }
}

/// Loads the conversation's whispers into the workbench each time the socket (re)connects, so
/// one sent while this console was away shows too.
pub fn load_whispers(id: ConversationId) {
    let live = expect_context::<Live>();
    Effect::new(move |_| {
        if live.status.get() == crate::kit::live::ConnStatus::Connected {
            leptos::task::spawn_local(async move {
                if let Ok(list) = super::api::conversation_whispers(id.0).await {
                    live.add_whispers(list);
                }
            });
        }
    });
}

/// Sends `text` as a whisper; `Ok` once it is stored (it shows at once; its frame, arriving too,
/// adds nothing twice).
pub fn send_whisper(id: ConversationId, text: String, on_done: Callback<Result<(), String>>) {
    let live = expect_context::<Live>();
    let lang = live.lang;
    let client_msg_id = crate::kit::live::new_client_msg_id();
    leptos::task::spawn_local(async move {
        match super::api::send_whisper(id.0, client_msg_id, text).await {
            Ok(whisper) => {
                live.add_whispers(vec![whisper]);
                on_done.run(Ok(()));
            }
            Err(e) => on_done.run(Err(error_text(lang, &e.0))),
        }
    });
}

/// Local midnight today, unix ms (0 outside the browser).
fn local_midnight() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new_0();
        d.set_hours(0);
        d.set_minutes(0);
        d.set_seconds(0);
        d.set_milliseconds(0);
        d.get_time() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// The team dashboard ("客服团队"): each agent's status and open chats, live from the socket, and
/// today's figures, read again every [`super::TEAM_REFRESH_MS`].
#[component]
pub fn TeamPage() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let round = Memo::new(move |_| live.now.get() / i64::from(super::TEAM_REFRESH_MS));
    let figures = LocalResource::new(move || {
        round.track();
        super::api::team_today(local_midnight())
    });
    let rows = move || {
        figures.get().map(|r| match r {
            Err(e) => view! { <p role="alert">{error_text(lang, &e.0)}</p> }.into_any(),
            Ok(rows) => {
                let rows = rows
                    .into_iter()
                    .map(|row| {
                        let id = kefu_protocol::AgentId(row.agent_id);
                        let load = move || live.statuses.with(|s| s.get(&id).cloned());
                        let status = move || {
                            load().map_or(crate::i18n::status_text(lang, kefu_protocol::AgentStatus::Offline), |l| {
                                crate::i18n::status_text(lang, l.status)
                            })
                        };
                        let open = move || load().map_or(0, |l| l.chats);
                        let first = row.first_response_ms.map_or_else(|| "–".to_owned(), crate::kit::duration_text);
                        let rating = if row.ratings > 0 {
                            format!("{:.1} ({})", row.rating_total as f64 / row.ratings as f64, row.ratings)
                        } else {
                            "–".to_owned()
                        };
                        view! {
                            <tr>
                                <th scope="row">{row.name}</th>
                                <td>{status}</td>
                                <td>{open}</td>
                                <td>{row.chats}</td>
                                <td>{format!("{} / {}", row.invitations_sent, row.invitations_accepted)}</td>
                                <td>{crate::kit::duration_text(row.talk_ms)}</td>
                                <td>{first}</td>
                                <td>{rating}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="team">
                        <caption>{tr(lang, Key::TeamToday)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{tr(lang, Key::Agent)}</th>
                                <th scope="col">{tr(lang, Key::TeamStatus)}</th>
                                <th scope="col">{tr(lang, Key::TeamOpenChats)}</th>
                                <th scope="col">{tr(lang, Key::TeamChatsToday)}</th>
                                <th scope="col">{tr(lang, Key::TeamInvitations)}</th>
                                <th scope="col">{tr(lang, Key::TeamTalkTime)}</th>
                                <th scope="col">{tr(lang, Key::TeamFirstResponse)}</th>
                                <th scope="col">{tr(lang, Key::TeamRating)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="admin team-page" aria-labelledby="team-title">
            <h2 id="team-title">{tr(lang, Key::NavTeam)}</h2>
            <div class="table-wrap">{rows}</div>
        </section>
    }
}
