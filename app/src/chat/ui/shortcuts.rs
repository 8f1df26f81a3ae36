//! Keyboard shortcuts of the chats page, and the dialog listing them (`?`).
//!
//! - Alt+↓ / Alt+↑: the next / previous of the agent's chats.
//! - Alt+R: the reply box.
//! - Alt+A: accept the oldest transfer offered, else take the longest-waiting visitor.
//! - Alt+W: end the open chat (the agent's own).
//! - Alt+T: transfer the open chat (the transfer form opens with its list focused).
//! - `/` in the reply box: canned replies (`canned::ui::CannedPicker`).
//! - ?: this list (outside text fields); Esc closes it.
// The key handling runs in the browser only.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use kefu_protocol::ConversationSummary;
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};
use crate::kit::live::Live;

/// The agent's own chats in the order the list shows them (latest message first).
fn my_chats(live: &Live) -> Vec<ConversationSummary> {
    let me = live.agent.with_untracked(|a| a.as_ref().map(|a| a.id));
    live.conversations
        .with_untracked(|l| l.iter().filter(|c| c.agent_id.is_some() && c.agent_id == me).cloned().collect())
}

/// What a key press asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    Next,
    Previous,
    Reply,
    AcceptOldest,
    EndChat,
    Transfer,
    Help,
    Close,
}

/// The shortcut of a key press (`typing`: the focus is in a text field, where `?` is a character).
pub fn shortcut(key: &str, alt: bool, ctrl: bool, typing: bool) -> Option<Shortcut> {
    match (key, alt, ctrl) {
        ("ArrowDown", true, false) => Some(Shortcut::Next),
        ("ArrowUp", true, false) => Some(Shortcut::Previous),
        ("r" | "R" | "®", true, false) => Some(Shortcut::Reply),
        ("a" | "A" | "å", true, false) => Some(Shortcut::AcceptOldest),
        ("w" | "W" | "∑", true, false) => Some(Shortcut::EndChat),
        ("t" | "T" | "†", true, false) => Some(Shortcut::Transfer),
        ("?", false, false) if !typing => Some(Shortcut::Help),
        ("Escape", false, false) => Some(Shortcut::Close),
        _ => None,
    }
}

/// Does what a shortcut asks; `true` when it was handled.
pub fn run(live: Live, shortcut: Shortcut, help: RwSignal<bool>) -> bool {
    match shortcut {
        Shortcut::Next | Shortcut::Previous => {
            let chats = my_chats(&live);
            if chats.is_empty() {
                return false;
            }
            let at = live.selected.get_untracked().and_then(|id| chats.iter().position(|c| c.id == id));
            let next = match (at, shortcut) {
                (None, _) => 0,
                (Some(i), Shortcut::Next) => (i + 1) % chats.len(),
                (Some(i), _) => (i + chats.len() - 1) % chats.len(),
            };
            live.select(chats[next].id);
            true
        }
        Shortcut::Reply => {
            focus_reply();
            true
        }
        Shortcut::AcceptOldest => {
            if let Some(id) = live.offers.with_untracked(|o| o.first().map(|o| o.conversation_id)) {
                live.answer_offer(id, true);
                return true;
            }
            if let Some(offer) = live.transfers.with_untracked(|t| t.first().cloned()) {
                live.answer_transfer(&offer, true);
                return true;
            }
            let oldest = live.conversations.with_untracked(|l| {
                l.iter().filter(|c| c.agent_id.is_none()).min_by_key(|c| (c.started_at, c.id)).map(|c| c.id)
            });
            oldest.map(|id| live.take(id)).is_some()
        }
        Shortcut::EndChat => {
            let Some(id) = live.selected.get_untracked() else { return false };
            if !my_chats(&live).iter().any(|c| c.id == id) {
                return false;
            }
            leptos::task::spawn_local(async move {
                if let Err(e) = crate::chat::api::close_conversation(id.0).await {
                    live.error.set(Some(e.0));
                }
            });
            true
        }
        Shortcut::Transfer => transfer_form(),
        Shortcut::Help => {
            help.set(true);
            true
        }
        Shortcut::Close => {
            let open = help.get_untracked();
            help.set(false);
            open
        }
    }
}

/// Opens the open chat's transfer form (its header button shows only where the agent may
/// transfer) and focuses its list; false where there is none.
fn transfer_form() -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let find = |selector: &str| {
            document().query_selector(selector).ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        };
        let Some(button) = find(".chat-head button.transfer") else { return false };
        if button.get_attribute("aria-expanded").as_deref() != Some("true") {
            button.click();
        }
        // The form is there once the click's update has rendered.
        gloo_timers::callback::Timeout::new(0, move || {
            if let Some(list) = find(".transfer-form select") {
                let _ = list.focus();
            }
        })
        .forget();
        true
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

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

/// Listens for the shortcuts while the chats page is shown, and renders the list when asked.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            let typing = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if let Some(s) = shortcut(&ev.key(), ev.alt_key(), ev.ctrl_key() || ev.meta_key(), typing) {
                if run(live, s, help) {
                    ev.prevent_default();
                }
            }
        });
        on_cleanup(move || handle.remove());
    }
    let _ = live;
    let rows = [
        ("Alt + ↓", Key::ShortcutNext),
        ("Alt + ↑", Key::ShortcutPrevious),
        ("Alt + R", Key::ShortcutReply),
        ("Alt + A", Key::ShortcutAccept),
        ("Alt + W", Key::ShortcutEnd),
        ("Alt + T", Key::ShortcutTransfer),
        ("/", Key::ShortcutCanned),
        ("?", Key::ShortcutHelp),
    ];
    view! {
        <button type="button" class="shortcuts-open" on:click=move |_| help.set(true)>{tr(lang, Key::Shortcuts)}</button>
        <Show when=move || help.get()>
            <div class="dialog-backdrop">
                <div role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" class="dialog">
                    <h2 id="shortcuts-title">{tr(lang, Key::Shortcuts)}</h2>
                    <table>
                        <tbody>
                            {rows.iter().map(|(keys, what)| view! {
                                <tr><th scope="row"><kbd>{*keys}</kbd></th><td>{tr(lang, *what)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button type="button" autofocus on:click=move |_| help.set(false)>{tr(lang, Key::Close)}</button>
                </div>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_shortcuts_and_question_marks_stay_text_while_typing() {
        assert_eq!(shortcut("ArrowDown", true, false, true), Some(Shortcut::Next));
        assert_eq!(shortcut("ArrowUp", true, false, false), Some(Shortcut::Previous));
        assert_eq!(shortcut("ArrowDown", false, false, false), None);
        assert_eq!(shortcut("a", true, false, true), Some(Shortcut::AcceptOldest));
        assert_eq!(shortcut("?", false, false, false), Some(Shortcut::Help));
        assert_eq!(shortcut("?", false, false, true), None);
        assert_eq!(shortcut("r", true, true, false), None);
        assert_eq!(shortcut("w", true, false, true), Some(Shortcut::EndChat));
        assert_eq!(shortcut("w", false, false, false), None);
        assert_eq!(shortcut("T", true, false, true), Some(Shortcut::Transfer), "Alt+Shift+T too, from the reply box");
        assert_eq!(shortcut("t", false, false, true), None);
    }
}
