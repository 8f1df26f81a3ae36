use leptos::prelude::*;

use super::store::Store;
use super::visitor_label;
use crate::i18n::{tr, use_lang, Key};

/// Open conversations with unread counts; choosing one opens it in the chat panel.
#[component]
pub fn ConversationList() -> impl IntoView {
    let lang = use_lang();
    let store = expect_context::<Store>();
    view! {
        <nav class="conversations" aria-label=tr(lang, Key::Conversations)>
            <h2>{tr(lang, Key::Conversations)}</h2>
            <Show when=move || store.conversations.with(|c| c.is_empty())>
                <p class="empty">{tr(lang, Key::NoConversations)}</p>
            </Show>
            <ul>
                <For each=move || store.conversations.get() key=|c| (c.id, c.last_seq, c.agent_read_seq) let:c>
                    {
                        let id = c.id;
                        let unread = (c.last_seq - c.agent_read_seq).max(0);
                        let label = visitor_label(lang, c.visitor_name.as_deref(), c.visitor_id);
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="conversation"
                                    aria-pressed=move || (store.selected.get() == Some(id)).to_string()
                                    on:click=move |_| store.select(id)
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
        </nav>
    }
}
