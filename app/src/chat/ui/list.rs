use kefu_protocol::{ChatOffer, ConversationSummary, Perm, TransferRequest};
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key, Lang};
use crate::kit::live::Live;
use crate::kit::{duration_text, region_text, visitor_label, EmptyState, MoreButton, Notices, SearchField};

/// The open conversations in three lists: the agent's own (with unread counts), the queue (oldest
/// first, with waiting times and a Take button), and, for those who may monitor, colleagues'.
/// Choosing one opens it in the chat panel.
#[component]
pub fn ConversationList() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let me = move || live.agent.with(|a| a.as_ref().map(|a| a.id));
    let monitors = move || live.agent.with(|a| a.as_ref().is_some_and(|a| a.can(Perm::MonitorChats)));
    let mine = move || {
        let me = me();
        live.conversations.with(|l| {
            l.iter().filter(|c| (c.agent_id.is_some() && c.agent_id == me) || live.is_guest(c.id)).cloned().collect()
        })
    };
    let queue = move || {
        let mut waiting: Vec<ConversationSummary> =
            live.conversations.with(|l| l.iter().filter(|c| c.agent_id.is_none()).cloned().collect());
        waiting.sort_by_key(|c| (c.started_at, c.id));
        waiting
    };
    let colleagues = move || {
        let me = me();
        live.conversations.with(|l| {
            l.iter().filter(|c| c.agent_id.is_some() && c.agent_id != me && !live.is_guest(c.id)).cloned().collect()
        })
    };
    view! {
        <nav class="conversations" aria-label=tr(lang, Key::Conversations)>
            <SearchField
                label=tr(lang, Key::SearchConversations)
                query=live.conversation_query
                on_search=Callback::new(move |q| live.search_conversations(q))
            />
            <Show when=move || !live.offers.with(Vec::is_empty)>
                <section aria-labelledby="chat-requests" class="transfers requests">
                    <h2 id="chat-requests">{tr(lang, Key::ChatRequests)}</h2>
                    <ul>
                        <For each=move || live.offers.get() key=|o| (o.conversation_id, o.until) let:o>
                            <ChatRequest lang o/>
                        </For>
                    </ul>
                </section>
            </Show>
            <Show when=move || !live.transfers.with(Vec::is_empty)>
                <section aria-labelledby="transfers" class="transfers">
                    <h2 id="transfers">{tr(lang, Key::TransferRequests)}</h2>
                    <ul>
                        <For each=move || live.transfers.get() key=|t| t.id let:t>
                            <TransferOffer lang t/>
                        </For>
                    </ul>
                </section>
            </Show>
            <Show when=move || !live.invitations.with(Vec::is_empty)>
                <section aria-labelledby="invitations" class="transfers">
                    <h2 id="invitations">{tr(lang, Key::Invitations)}</h2>
                    <ul>
                        <For each=move || live.invitations.get() key=|i| i.0 let:i>
                            {
                                let (id, visitor, from) = i;
                                let text = tr(lang, Key::InvitationText).replace("{name}", &from).replace("{visitor}", &visitor);
                                view! {
                                    <li class="offer">
                                        <p>{text}</p>
                                        <button type="button" aria-label=format!("{} {visitor}", tr(lang, Key::Join))
                                            on:click=move |_| live.answer_invite(id, true)>{tr(lang, Key::Join)}</button>
                                        <button type="button" aria-label=format!("{} {visitor}", tr(lang, Key::Decline))
                                            on:click=move |_| live.answer_invite(id, false)>{tr(lang, Key::Decline)}</button>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </section>
            </Show>
            <Notices/>
            <section aria-labelledby="my-chats">
                <h2 id="my-chats">{tr(lang, Key::MyChats)}</h2>
                <ChatItems items=Signal::derive(mine) empty=Key::NoMyChats/>
            </section>
            <section aria-labelledby="queue" class="queue">
                <h2 id="queue">
                    {tr(lang, Key::Queue)}
                    <span class="count">{move || queue().len()}</span>
                </h2>
                <Show when=move || queue().is_empty()>
                    <EmptyState text=tr(lang, Key::QueueEmpty)/>
                </Show>
                <ul aria-label=tr(lang, Key::Queue)>
                    <For each=queue key=|c| c.id let:c>
                        <QueueItem lang c/>
                    </For>
                </ul>
            </section>
            <Show when=monitors>
                <section aria-labelledby="colleague-chats">
                    <h2 id="colleague-chats">{tr(lang, Key::ColleagueChats)}</h2>
                    <ChatItems items=Signal::derive(colleagues) empty=Key::NoConversations/>
                </section>
            </Show>
            <MoreButton
                lang=lang
                shown=Signal::derive(move || live.conversations.with(Vec::len))
                total=live.conversations_total.into()
                on_more=Callback::new(move |_| live.more_conversations())
            />
        </nav>
    }
}

/// Conversations as buttons that open them, with unread counts (and who serves them, for
/// colleagues' chats).
#[component]
fn ChatItems(items: Signal<Vec<ConversationSummary>>, empty: Key) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! {
        <Show when=move || items.with(Vec::is_empty)>
            <Show
                when=move || live.conversation_query.with(String::is_empty)
                fallback=move || view! { <EmptyState text=tr(lang, Key::NoMatches)/> }
            >
                <EmptyState text=tr(lang, empty)/>
            </Show>
        </Show>
        <ul>
            <For each=move || items.get() key=|c| (c.id, c.last_seq, c.agent_read_seq, c.agent_id) let:c>
                {
                    let id = c.id;
                    let unread = (c.last_seq - c.agent_read_seq).max(0);
                    let label = visitor_label(lang, c.visitor_name.as_deref(), c.visitor_id);
                    let mine = live.agent.with_untracked(|a| a.as_ref().map(|a| a.id)) == c.agent_id;
                    let served = (!mine).then(|| c.agent_name.clone()).flatten()
                        .map(|name| tr(lang, Key::ServedBy).replace("{name}", &name));
                    let last = (!c.last_message.is_empty()).then(|| c.last_message.clone());
                    view! {
                        <li>
                            <button
                                type="button"
                                class="conversation"
                                aria-pressed=move || (live.selected.get() == Some(id)).to_string()
                                on:click=move |_| live.select(id)
                            >
                                <span class="name">{label}</span>
                                {served.map(|s| view! { <span class="served">{s}</span> })}
                                <Show when=move || unread != 0>
                                    <span class="badge" aria-label=format!("{unread} {}", tr(lang, Key::Unread))>{unread}</span>
                                </Show>
                                {last.map(|t| view! { <span class="last">{t}</span> })}
                            </button>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}

/// A waiting conversation: who, for how long, and a button to take it.
#[component]
fn QueueItem(lang: Lang, c: ConversationSummary) -> impl IntoView {
    let live = expect_context::<Live>();
    let id = c.id;
    let label = visitor_label(lang, c.visitor_name.as_deref(), c.visitor_id);
    let take_label = format!("{} {label}", tr(lang, Key::TakeChat));
    let started = c.started_at;
    let waited = move || tr(lang, Key::WaitingFor).replace("{n}", &duration_text(live.now.get() - started));
    view! {
        <li class="waiting">
            <button
                type="button"
                class="conversation"
                aria-pressed=move || (live.selected.get() == Some(id)).to_string()
                on:click=move |_| live.select(id)
            >
                <span class="name">{label}</span>
                <span class="waited">{waited}</span>
            </button>
            <button type="button" class="take" aria-label=take_label on:click=move |_| live.take(id)>
                {tr(lang, Key::TakeChat)}
            </button>
        </li>
    }
}

/// A conversation a colleague offers: who, from whom, their note, Accept and Decline.
#[component]
fn ChatRequest(lang: Lang, o: ChatOffer) -> impl IntoView {
    let live = expect_context::<Live>();
    let visitor = visitor_label(lang, o.visitor_name.as_deref(), o.visitor_id);
    let asks = tr(lang, Key::ChatRequestFrom).replace("{visitor}", &visitor);
    let page = (!o.page.url.is_empty()).then(|| {
        let shown = if o.page.title.is_empty() { o.page.url.clone() } else { o.page.title.clone() };
        tr(lang, Key::OfferOnPage).replace("{page}", &shown)
    });
    let region = format!("{}: {}", tr(lang, Key::Region), region_text(lang, o.region.as_ref()));
    let (id, until) = (o.conversation_id, o.until);
    let left = move || {
        let now = live.now.get();
        (now > 0).then(|| tr(lang, Key::OfferSecondsLeft).replace("{n}", &((until - now).max(0) / 1000).to_string()))
    };
    view! {
        <li class="offer">
            <p>{asks}</p>
            <blockquote>{o.first_message.clone()}</blockquote>
            {page.map(|p| view! { <p class="note">{p}</p> })}
            <p class="note">{region}</p>
            <p class="note" aria-live="off">{left}</p>
            <button type="button" aria-label=format!("{} {visitor}", tr(lang, Key::Accept)) on:click=move |_| live.answer_offer(id, true)>
                {tr(lang, Key::Accept)}
            </button>
            <button type="button" aria-label=format!("{} {visitor}", tr(lang, Key::Decline)) on:click=move |_| live.answer_offer(id, false)>
                {tr(lang, Key::Decline)}
            </button>
        </li>
    }
}

#[component]
fn TransferOffer(lang: Lang, t: TransferRequest) -> impl IntoView {
    let live = expect_context::<Live>();
    let visitor = visitor_label(lang, t.visitor_name.as_deref(), t.visitor_id);
    let text = tr(lang, Key::TransferOffer).replace("{name}", &t.from_name).replace("{visitor}", &visitor);
    let accept_label = format!("{} {visitor}", tr(lang, Key::Accept));
    let decline_label = format!("{} {visitor}", tr(lang, Key::Decline));
    let note = (!t.note.is_empty()).then(|| t.note.clone());
    let (accept, decline) = (StoredValue::new(t.clone()), StoredValue::new(t));
    view! {
        <li class="offer">
            <p>{text}</p>
            {note.map(|n| view! { <p class="note">{n}</p> })}
            <button type="button" aria-label=accept_label on:click=move |_| accept.with_value(|t| live.answer_transfer(t, true))>
                {tr(lang, Key::Accept)}
            </button>
            <button type="button" aria-label=decline_label on:click=move |_| decline.with_value(|t| live.answer_transfer(t, false))>
                {tr(lang, Key::Decline)}
            </button>
        </li>
    }
}
