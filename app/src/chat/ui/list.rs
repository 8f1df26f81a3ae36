use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};
use crate::kit::live::Live;
use crate::kit::{visitor_label, EmptyState, MoreButton, SearchField};

/// Open conversations with unread counts; choosing one opens it in the chat panel.
#[component]
pub fn ConversationList() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! {
        <nav class="conversations" aria-label=tr(lang, Key::Conversations)>
            <h2>{tr(lang, Key::Conversations)}</h2>
            <SearchField
                label=tr(lang, Key::SearchConversations)
                query=live.conversation_query
                on_search=Callback::new(move |q| live.search_conversations(q))
            />
            <Show when=move || live.conversations.with(|c| c.is_empty())>
                <Show
                    when=move || live.conversation_query.with(String::is_empty)
                    fallback=move || view! { <EmptyState text=tr(lang, Key::NoMatches)/> }
                >
                    <EmptyState text=tr(lang, Key::NoConversations)/>
                </Show>
            </Show>
            <ul>
                <For each=move || live.conversations.get() key=|c| (c.id, c.last_seq, c.agent_read_seq) let:c>
                    {
                        let id = c.id;
                        let unread = (c.last_seq - c.agent_read_seq).max(0);
                        let label = visitor_label(lang, c.visitor_name.as_deref(), c.visitor_id);
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="conversation"
                                    aria-pressed=move || (live.selected.get() == Some(id)).to_string()
                                    on:click=move |_| live.select(id)
                                >
                                    <span class="name">{label}</span>
                                    <Show when=move || unread != 0>
                                        <span class="badge" aria-label=format!("{unread} {}", tr(lang, Key::Unread))>{unread}</span>
                                    </Show>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <MoreButton
                lang=lang
                shown=Signal::derive(move || live.conversations.with(Vec::len))
                total=live.conversations_total.into()
                on_more=Callback::new(move |_| live.more_conversations())
            />
        </nav>
    }
}
