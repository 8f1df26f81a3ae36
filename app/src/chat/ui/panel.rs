use kefu_protocol::{AgentId, AgentStatus, ChatMessage, ConversationId, Perm, SenderKind, TransferTo, Whisper};
use leptos::prelude::*;

use crate::canned::ui::{CannedList, CannedPicker};
use crate::chat::api::CloseConversation;
use crate::files::ui::{encode_component, AttachButton, CommonFiles, FileCard, UploadList, Uploads};
use crate::i18n::{error_text, status_text, tr, use_lang, Key};
use crate::kit::emoji::{insert_at_cursor, EmojiPicker};
use crate::kit::live::{AgentLoad, Live};
use crate::kit::{clock_text, visitor_label, EmptyState, MessageText, WhisperItem};

/// Shows the selected conversation, or a hint to pick one.
#[component]
pub fn ChatPanel() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! {
        <section class="chat">
            {move || match live.selected.get() {
                Some(id) => view! { <ChatView id/> }.into_any(),
                None => view! { <EmptyState text=tr(lang, Key::PickConversation)/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ChatView(id: ConversationId) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let title = move || {
        live.conversations.with(|list| {
            list.iter().find(|c| c.id == id).map(|c| visitor_label(lang, c.visitor_name.as_deref(), c.visitor_id))
        })
    };
    // The chat's messages and its whispers (agents only), in the order they were sent.
    let lines = move || {
        let mut lines: Vec<Line> = live
            .logs
            .with(|l| l.get(&id).map(|l| l.messages().cloned().map(Line::Message).collect()).unwrap_or_default());
        live.whispers.with(|w| lines.extend(w.get(&id).into_iter().flatten().cloned().map(Line::Whisper)));
        lines.sort_by_key(Line::at);
        lines
    };
    // Whispers and the supervisor's tools, as the workbench gives them (`kit::Whispers`).
    let whispers = use_context::<crate::kit::Whispers>();
    if let Some(w) = whispers {
        w.load.run(id);
    }
    let pending = move || live.logs.with(|l| l.get(&id).map(|l| l.pending().to_vec()).unwrap_or_default());
    let typing = move || live.typing.with(|t| t.get(&id).is_some_and(|since| live.now.get() - since < 6000));
    let draft = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);
    // `/` in the reply box: canned replies for this conversation's site, names filled in.
    let site = Signal::derive(move || live.conversations.with(|l| l.iter().find(|c| c.id == id).map(|c| c.site_id)));
    let names = Signal::derive(move || {
        let visitor = live.conversations.with(|list| {
            list.iter().find(|c| c.id == id).map(|c| visitor_label(lang, c.visitor_name.as_deref(), c.visitor_id))
        });
        let agent = live.agent.with(|a| a.as_ref().map(|a| a.display_name.clone()));
        (visitor.unwrap_or_default(), agent.unwrap_or_default())
    });
    let picker = CannedPicker::new(draft, site, names);
    let last_typing = StoredValue::new(0i64);
    // Files: picked, dropped on the chat or pasted into the reply box; sent once uploaded.
    let uploads = Uploads::new(
        lang,
        Callback::new(move |name: String| {
            format!("/api/v1/agent/files?conversation={}&name={}", id.0, encode_component(&name))
        }),
        Callback::new(move |answer: String| match serde_json::from_str(&answer) {
            Ok(file) => live.send_file(id, file),
            Err(_) => form_error.set(Some(error_text(lang, &kefu_protocol::ApiError::Internal))),
        }),
    );
    let dragging = RwSignal::new(false);
    let dropped = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        uploads.add_all(ev.data_transfer().and_then(|d| d.files()));
    };
    let pasted = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(files) = ev.clipboard_data().and_then(|d| d.files()).filter(|f| f.length() > 0) {
            // A screenshot: sent as a file, not pasted as text.
            ev.prevent_default();
            uploads.add_all(Some(files));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let mine = move || {
        let me = live.agent.with(|a| a.as_ref().map(|a| a.id));
        live.conversations.with(|l| l.iter().any(|c| c.id == id && c.agent_id.is_some() && c.agent_id == me))
    };
    let guest = move || live.is_guest(id);
    // A supervisor watching a colleague's chat: what they send is a whisper.
    let monitoring = move || {
        !mine()
            && !guest()
            && live.agent.with(|a| a.as_ref().is_some_and(|a| a.can(Perm::MonitorChats)))
            && live.conversations.with(|l| l.iter().any(|c| c.id == id && c.agent_id.is_some()))
    };
    let whispering = RwSignal::new(false);
    let send = move || {
        let text = draft.get_untracked();
        if whispering.get_untracked() || monitoring() {
            let done = Callback::new(move |done: Result<(), String>| match done {
                Ok(()) => {
                    draft.set(String::new());
                    form_error.set(None);
                }
                Err(e) => form_error.set(Some(e)),
            });
            if let Some(w) = whispers {
                w.send.run((id, text, done));
            }
            return;
        }
        match live.send_message(id, &text) {
            Ok(()) => {
                draft.set(String::new());
                form_error.set(None);
                live.send_typing(id, false);
                last_typing.set_value(0);
            }
            Err(e) => form_error.set(Some(error_text(lang, &e))),
        }
    };
    let end = ServerAction::<CloseConversation>::new();
    Effect::new(move |_| {
        if let Some(Err(e)) = end.value().get() {
            form_error.set(Some(error_text(lang, &e.0)));
        }
    });
    // Where the agent may accept or refuse a visitor's file.
    let decides = move || mine() || live.is_guest(id);
    let transferring = RwSignal::new(false);
    let inviting = RwSignal::new(false);
    let linking = RwSignal::new(false);
    let visitor = move || live.conversations.with(|l| l.iter().find(|c| c.id == id).map(|c| c.visitor_id));
    let tools = use_context::<crate::kit::ChatTools>();
    let guests = move || {
        let names: Vec<String> =
            live.guests.with(|g| g.get(&id).map(|l| l.iter().map(|(_, n)| n.clone()).collect()).unwrap_or_default());
        (!names.is_empty()).then(|| tr(lang, Key::WithGuests).replace("{names}", &names.join(", ")))
    };
    view! {
        <header class="chat-head">
            <button type="button" class="back" aria-label=tr(lang, Key::BackToChats) on:click=move |_| live.selected.set(None)>
                "←"
            </button>
            <h2>{title}</h2>
            <span class="guests">{guests}</span>
            <Show when=mine>
                <button
                    type="button"
                    class="invite"
                    aria-expanded=move || inviting.get().to_string()
                    on:click=move |_| inviting.update(|t| *t = !*t)
                >
                    {tr(lang, Key::InviteColleague)}
                </button>
            </Show>
            <Show when=guest>
                <button type="button" class="leave" on:click=move |_| live.leave(id)>{tr(lang, Key::LeaveChat)}</button>
            </Show>
            <Show when=mine>
                <button
                    type="button"
                    class="transfer"
                    aria-expanded=move || transferring.get().to_string()
                    on:click=move |_| transferring.update(|t| *t = !*t)
                >
                    {tr(lang, Key::Transfer)}
                </button>
            </Show>
            <Show when=move || mine() || guest()>
                <button
                    type="button"
                    class="push-url"
                    aria-expanded=move || linking.get().to_string()
                    on:click=move |_| linking.update(|t| *t = !*t)
                >
                    {tr(lang, Key::PushUrl)}
                </button>
            </Show>
            {move || tools.zip(visitor()).map(|(tools, visitor)| tools.0.run(visitor))}
            <Show
                when=monitoring
                fallback=move || view! {
                    <button type="button" class="end" on:click=move |_| { end.dispatch(CloseConversation { conversation_id: id.0 }); }>
                        {tr(lang, Key::EndChat)}
                    </button>
                }
            >
                {whispers.map(|w| w.tools.run((id, form_error)))}
            </Show>
        </header>
        <Show when=move || linking.get() && (mine() || guest())>
            <PushUrlForm id on_sent=Callback::new(move |_| linking.set(false))/>
        </Show>

        <Show when=move || transferring.get() && mine()>
            <TransferForm id on_sent=Callback::new(move |_| transferring.set(false))/>
        </Show>
        <Show when=move || inviting.get() && mine()>
            <InviteForm id on_sent=Callback::new(move |_| inviting.set(false))/>
        </Show>
        // The log holds a list (a list item needs a list around it, which a `role="log"` list is not).
        <div
            class="messages"
            class:dragging=move || dragging.get()
            role="log"
            aria-label=tr(lang, Key::Messages)
            aria-live="polite"
            on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=dropped
        >
        <p class="drop-hint" aria-hidden="true">{tr(lang, Key::DropToSend)}</p>
        <ol class="message-list">
            <For each=lines key=Line::key let:line>
                {match line {
                Line::Whisper(whisper) => view! { <WhisperItem whisper/> }.into_any(),
                Line::Message(m) => {
                    let seq = m.seq;
                    let is_agent = m.sender == SenderKind::Agent;
                    // "Read" under the last agent message the visitor has seen.
                    let read = move || {
                        let upto = live.conversations.with(|l| l.iter().find(|c| c.id == id).map_or(0, |c| c.visitor_read_seq));
                        let last = live.logs.with(|l| {
                            l.get(&id).and_then(|log| {
                                log.messages().filter(|m| m.sender == SenderKind::Agent && m.seq <= upto).map(|m| m.seq).max()
                            })
                        });
                        (is_agent && last == Some(seq)).then(|| view! { <span class="read">{tr(lang, Key::ReadByVisitor)}</span> })
                    };
                view! {
                <li class=if m.sender == SenderKind::Agent { "msg mine" } else { "msg theirs" }>
                    <span class="who">
                        {match m.sender {
                            SenderKind::Agent => m.sender_name.clone().unwrap_or_else(|| tr(lang, Key::You).to_owned()),
                            SenderKind::Visitor => tr(lang, Key::Visitor).to_owned(),
                        }}
                    </span>
                    {match m.file.clone() {
                        _ if m.retracted => view! {
                            <p class="body withdrawn"><s>{m.body.clone()}</s> " " <span class="state">{tr(lang, Key::Withdrawn)}</span></p>
                        }.into_any(),
                        Some(file) => {
                            let from_visitor = m.sender == SenderKind::Visitor;
                            let file_id = file.id.clone();
                            let on_decide = (from_visitor && decides()).then(|| {
                                Callback::new(move |accept| live.decide_file(id, file_id.clone(), accept))
                            });
                            view! { <FileCard file on_decide/> }.into_any()
                        }
                        None => view! { <MessageText body=m.body.clone()/> }.into_any(),
                    }}
                    <time>{clock_text(m.sent_at)}</time>
                    {read}
                    {
                        // The agent's own message, for two minutes: it can be withdrawn.
                        let own = is_agent && !m.retracted
                            && live.agent.with_untracked(|a| a.as_ref().map(|a| a.display_name.clone())) == m.sender_name;
                        let sent_at = m.sent_at;
                        move || (own && live.now.get() - sent_at < kefu_protocol::RETRACT_WINDOW_MS).then(|| view! {
                            <button type="button" class="withdraw" on:click=move |_| live.retract(id, seq)>
                                {tr(lang, Key::Withdraw)}
                            </button>
                        })
                    }
                </li>
                }.into_any()
                }
                }}
            </For>
            <crate::kit::PendingMessages pending=Signal::derive(pending)/>
        </ol>
        </div>
        <p class="typing" aria-live="polite">{move || typing().then(|| tr(lang, Key::VisitorTyping))}</p>
        // Sneak peek: what the visitor is typing, as text; not announced at every keystroke.
        {move || live.drafts.with(|d| d.get(&id).cloned()).map(|draft| view! {
            <p class="draft" aria-label=tr(lang, Key::VisitorDraft)>
                <span class="label">{tr(lang, Key::VisitorDraft)}</span>
                <q>{draft}</q>
            </p>
        })}
        <UploadList uploads/>
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); } on:dragover=move |ev| ev.prevent_default() on:drop=dropped>
            <CannedList picker/>
            <textarea
                id="reply"
                aria-label=tr(lang, Key::Message)
                aria-autocomplete="list"
                aria-controls=move || picker.open().then_some("canned-list")
                aria-activedescendant=move || picker.active_id()
                rows="3"
                prop:value=move || draft.get()
                on:paste=pasted
                on:input=move |ev| {
                    draft.set(event_target_value(&ev));
                    let now = live.now.get_untracked();
                    // A whisper being written is nothing the visitor hears about.
                    let whisper = whispering.get_untracked() || monitoring();
                    if !whisper && now - last_typing.get_value() > 2000 {
                        last_typing.set_value(now);
                        live.send_typing(id, true);
                    }
                }
                on:keydown=move |ev| {
                    if picker.key(&ev) {
                        return;
                    }
                    // The agent's send key sends; Shift+Enter, or the other key, breaks the line.
                    let ctrl = ev.ctrl_key() || ev.meta_key();
                    let send_key = live.agent.with_untracked(|a| a.as_ref().map(|a| a.prefs.send_key)).unwrap_or_default();
                    let sends = match send_key {
                        kefu_protocol::SendKey::Enter => !ctrl,
                        kefu_protocol::SendKey::CtrlEnter => ctrl,
                    };
                    if ev.key() == "Enter" && sends && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    } else if ev.key() == "Enter" && ctrl && !ev.is_composing() {
                        // Ctrl+Enter does not break a line in a textarea by itself.
                        ev.prevent_default();
                        draft.update(|d| d.push('\n'));
                    }
                }
            ></textarea>
            <EmojiPicker on_pick=Callback::new(move |emoji: String| {
                draft.update(|d| *d = insert_at_cursor(d, &emoji));
                focus_reply();
            })/>
            <AttachButton uploads/>
            <CommonFiles on_send=Callback::new(move |file: i64| {
                leptos::task::spawn_local(async move {
                    match crate::chat::api::prepare_common_file(id.0, file).await {
                        Ok(attachment) => live.send_file(id, attachment),
                        Err(e) => form_error.set(Some(error_text(lang, &e.0))),
                    }
                });
            })/>
            <Show
                when=monitoring
                fallback=move || view! {
                    <label class="check whisper-mode">
                        <input type="checkbox" prop:checked=move || whispering.get()
                            on:change=move |ev| whispering.set(event_target_checked(&ev))/>
                        {tr(lang, Key::WhisperMode)}
                    </label>
                }
            >
                <p class="monitoring">{tr(lang, Key::Monitoring)}</p>
            </Show>
            <button type="submit">{tr(lang, Key::Send)}</button>
            <p role="alert" class="error">{move || form_error.get()}</p>
        </form>
    }
}

/// Hands the conversation to a colleague online (with their status and load) or to a category,
/// with a note; the colleague accepts or declines.
#[component]
fn TransferForm(id: ConversationId, on_sent: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let categories = LocalResource::new(crate::routing::api::transfer_categories);
    let target = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let colleagues = move || colleagues_online(live);
    let submit = move || {
        let to = target.get_untracked();
        let to = match to.split_once(':') {
            Some(("a", n)) => n.parse().ok().map(|n| TransferTo::Agent(AgentId(n))),
            Some(("c", n)) => n.parse().ok().map(TransferTo::Category),
            _ => None,
        };
        if let Some(to) = to {
            live.transfer(id, to, note.get_untracked());
            live.notify(tr(lang, Key::TransferSent).to_owned());
            on_sent.run(());
        }
    };
    view! {
        <form class="transfer-form" aria-label=tr(lang, Key::Transfer) on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label>
                <span>{tr(lang, Key::TransferTo)}</span>
                <select required on:change=move |ev| target.set(event_target_value(&ev)) prop:value=move || target.get()>
                    <option value="">"—"</option>
                    <optgroup label=tr(lang, Key::Colleagues)>
                        {move || colleagues().into_iter().map(|(agent, load)| {
                            let text = format!(
                                "{} ({} · {})",
                                load.name,
                                status_text(lang, load.status),
                                tr(lang, Key::ChatsOfMax).replace("{n}", &load.chats.to_string()).replace("{max}", &load.max_chats.to_string()),
                            );
                            view! { <option value=format!("a:{agent}")>{text}</option> }
                        }).collect_view()}
                    </optgroup>
                    <optgroup label=tr(lang, Key::NavCategories)>
                        {move || categories.get().and_then(|r| r.ok()).unwrap_or_default().into_iter().map(|(cid, name)| {
                            view! { <option value=format!("c:{cid}")>{name}</option> }
                        }).collect_view()}
                    </optgroup>
                </select>
            </label>
            <label>
                <span>{tr(lang, Key::TransferNote)}</span>
                <input
                    type="text"
                    maxlength=kefu_protocol::MAX_TRANSFER_NOTE.to_string()
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                />
            </label>
            <Show when=move || colleagues().is_empty()>
                <p class="hint">{tr(lang, Key::NoColleagueFree)}</p>
            </Show>
            <button type="submit">{tr(lang, Key::SendTransfer)}</button>
        </form>
    }
}

/// Sends the visitor a link to open (seed 000 7.13); the server accepts http and https only.
#[component]
fn PushUrlForm(id: ConversationId, on_sent: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let url = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move || match kefu_protocol::text::WebUrl::parse(&url.get_untracked(), "url") {
        Ok(link) => {
            live.push_url(id, link.into_string());
            url.set(String::new());
            error.set(None);
            on_sent.run(());
        }
        Err(e) => error.set(Some(error_text(lang, &e))),
    };
    view! {
        <form class="transfer-form" aria-label=tr(lang, Key::PushUrl) on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label>
                <span>{tr(lang, Key::PushUrlField)}</span>
                <input
                    type="url"
                    required
                    maxlength=kefu_protocol::text::WebUrl::MAX.to_string()
                    prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().then_some("true")
                />
            </label>
            <button type="submit">{tr(lang, Key::Send)}</button>
            <p role="alert" class="error">{move || error.get()}</p>
        </form>
    }
}

/// Invites a colleague online into the conversation (they accept or decline).
#[component]
fn InviteForm(id: ConversationId, on_sent: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let target = RwSignal::new(String::new());
    let colleagues = move || colleagues_online(live);
    view! {
        <form class="transfer-form" aria-label=tr(lang, Key::InviteColleague) on:submit=move |ev| {
            ev.prevent_default();
            if let Ok(agent) = target.get_untracked().parse::<i64>() {
                live.invite(id, AgentId(agent));
                on_sent.run(());
            }
        }>
            <label>
                <span>{tr(lang, Key::Colleagues)}</span>
                <select required on:change=move |ev| target.set(event_target_value(&ev)) prop:value=move || target.get()>
                    <option value="">"—"</option>
                    {move || colleagues().into_iter().map(|(agent, load)| {
                        let text = format!("{} ({})", load.name, status_text(lang, load.status));
                        view! { <option value=agent.0.to_string()>{text}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">{tr(lang, Key::SendInvite)}</button>
        </form>
    }
}

/// The signed-in agent's colleagues who are online (with their status and load), by name.
fn colleagues_online(live: Live) -> Vec<(AgentId, AgentLoad)> {
    let me = live.agent.with(|a| a.as_ref().map(|a| a.id));
    let mut list: Vec<(AgentId, AgentLoad)> = live.statuses.with(|s| {
        s.iter()
            .filter(|(a, l)| Some(**a) != me && l.status != AgentStatus::Offline)
            .map(|(a, l)| (*a, l.clone()))
            .collect()
    });
    list.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    list
}

/// Puts the focus back in the reply box (after the emoji picker closed).
fn focus_reply() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(reply) =
            document().get_element_by_id("reply").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = reply.focus();
        }
    }
}

/// A line of the chat: a message of the conversation, or a whisper among its agents.
#[derive(Clone)]
enum Line {
    Message(ChatMessage),
    Whisper(Whisper),
}

impl Line {
    fn at(&self) -> (i64, i64) {
        match self {
            Line::Message(m) => (m.sent_at, m.seq),
            Line::Whisper(w) => (w.sent_at, i64::MAX),
        }
    }

    /// What the list redraws a line on: a message's state (its file's, withdrawn) changes it.
    fn key(&self) -> (bool, i64, Option<kefu_protocol::FileState>, bool) {
        match self {
            Line::Message(m) => (false, m.seq, m.file.as_ref().map(|f| f.state), m.retracted),
            Line::Whisper(w) => (true, w.id, None, false),
        }
    }
}
