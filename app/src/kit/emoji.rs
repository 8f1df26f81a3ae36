//! The emoji picker of the reply box (issue 13 "Emoji"): a button opens a panel with a search box
//! (names in the agent's language, or English) and the emoji as buttons, the agent's recent ones
//! first (kept in this browser); arrows move between them, Enter or a click inserts at the cursor,
//! Esc closes. Emoji are text ([`kefu_protocol::emoji::EMOJI`]).

use kefu_protocol::emoji::{matches, EMOJI};
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};

/// How many recent emoji are kept.
const RECENT: usize = 8;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const RECENT_KEY: &str = "kefu:emoji-recent";

fn recent() -> Vec<String> {
    #[cfg(feature = "hydrate")]
    let stored = window().local_storage().ok().flatten().and_then(|s| s.get_item(RECENT_KEY).ok().flatten());
    #[cfg(not(feature = "hydrate"))]
    let stored: Option<String> = None;
    stored.map(|s| s.split(' ').filter(|e| !e.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
}

fn remember(emoji: &str) {
    let mut list = recent();
    list.retain(|e| e != emoji);
    list.insert(0, emoji.to_owned());
    list.truncate(RECENT);
    #[cfg(feature = "hydrate")]
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(RECENT_KEY, &list.join(" "));
    }
}

/// Moves the focus among the picker's emoji with the arrow keys (a row is eight wide).
fn arrows(ev: &leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let step: i32 = match ev.key().as_str() {
            "ArrowRight" => 1,
            "ArrowLeft" => -1,
            "ArrowDown" => 8,
            "ArrowUp" => -8,
            _ => return,
        };
        let Some(current) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
        let Some(grid) = current.closest(".emoji-grid").ok().flatten() else { return };
        let Ok(all) = grid.query_selector_all("button") else { return };
        let at = (0..all.length()).find(|i| all.get(*i).is_some_and(|n| n.is_same_node(Some(&current))));
        if let Some(at) = at {
            let next = (at as i32 + step).clamp(0, all.length() as i32 - 1) as u32;
            if let Some(next) = all.get(next).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                ev.prevent_default();
                let _ = next.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// The button and its panel; `on_pick` gets the emoji chosen.
#[component]
pub fn EmojiPicker(on_pick: Callback<String>) -> impl IntoView {
    let lang = use_lang();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let shown = move || {
        let query = query.get();
        let mut list: Vec<(String, String)> = Vec::new();
        if query.trim().is_empty() {
            for e in recent() {
                if let Some((emoji, names)) = EMOJI.iter().find(|(x, _)| *x == e) {
                    list.push(((*emoji).to_owned(), lang.pick(*names).to_owned()));
                }
            }
        }
        for (emoji, names) in EMOJI {
            if matches(names, lang, &query) && !list.iter().any(|(e, _)| e == emoji) {
                list.push(((*emoji).to_owned(), lang.pick(*names).to_owned()));
            }
        }
        list
    };
    let pick = move |emoji: String| {
        remember(&emoji);
        open.set(false);
        query.set(String::new());
        on_pick.run(emoji);
    };
    view! {
        <div class="emoji-picker" on:keydown=move |ev| if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            open.set(false);
        }>
            <button
                type="button"
                class="emoji-button"
                aria-label=tr(lang, Key::Emoji)
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span aria-hidden="true">"☺"</span>
            </button>
            <Show when=move || open.get()>
                <div class="emoji-panel" role="dialog" aria-label=tr(lang, Key::Emoji)>
                    <input
                        type="search"
                        aria-label=tr(lang, Key::SearchEmoji)
                        placeholder=tr(lang, Key::SearchEmoji)
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))
                    />
                    <div class="emoji-grid" role="group" aria-label=tr(lang, Key::Emoji) on:keydown=move |ev| arrows(&ev)>
                        {move || shown().into_iter().map(|(emoji, name)| {
                            let chosen = emoji.clone();
                            view! {
                                <button type="button" aria-label=name.clone() title=name on:click=move |_| pick(chosen.clone())>
                                    {emoji}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                </div>
            </Show>
        </div>
    }
}

/// `text` with `emoji` put in at the reply box's cursor (at the end when it has none).
pub fn insert_at_cursor(text: &str, emoji: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let reply =
            document().get_element_by_id("reply").and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        if let Some(at) = reply.and_then(|r| r.selection_start().ok().flatten()) {
            // The browser counts UTF-16 units.
            let units: Vec<u16> = text.encode_utf16().collect();
            let at = (at as usize).min(units.len());
            return format!(
                "{}{emoji}{}",
                String::from_utf16_lossy(&units[..at]),
                String::from_utf16_lossy(&units[at..])
            );
        }
    }
    format!("{text}{emoji}")
}
