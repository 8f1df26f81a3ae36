//! UI building blocks every area uses: how visitors, durations and times read, small components
//! (empty states), and [`live`], the agent socket's state that every workbench page reads. Admin
//! tables, fields, dialogs and toasts join here as the back office lands, so every page looks and
//! behaves the same.

pub mod form;
pub mod live;

use kefu_protocol::VisitorId;
use leptos::prelude::*;

use crate::i18n::{tr, Key, Lang};

/// How a visitor is named in lists: their name, else "Visitor #id".
pub fn visitor_label(lang: Lang, name: Option<&str>, id: VisitorId) -> String {
    match name {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => format!("{} #{id}", tr(lang, Key::Visitor)),
    }
}

/// "m:ss" or "h:mm:ss".
pub fn duration_text(ms: i64) -> String {
    let secs = (ms / 1000).max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Local wall-clock "hh:mm" of a unix-ms time (UTC when rendered on the server).
pub fn clock_text(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let mins = ms / 60_000;
        format!("{:02}:{:02}", mins / 60 % 24, mins % 60)
    }
}

/// What a list shows when it is empty: one sentence saying so (and what to do next).
#[component]
pub fn EmptyState(text: &'static str) -> impl IntoView {
    view! { <p class="empty">{text}</p> }
}

/// The search field above a live list: asks for the first page of matches as the agent types.
#[component]
pub fn SearchField(label: &'static str, query: RwSignal<String>, on_search: Callback<String>) -> impl IntoView {
    view! {
        <input
            type="search"
            class="search"
            aria-label=label
            placeholder=label
            maxlength=kefu_protocol::MAX_QUERY_CHARS
            prop:value=move || query.get()
            on:input=move |ev| on_search.run(event_target_value(&ev))
        />
    }
}

/// Under a paged list: how many of how many are shown, and a button for the next page while there
/// are more.
#[component]
pub fn MoreButton(lang: Lang, shown: Signal<usize>, total: Signal<u32>, on_more: Callback<()>) -> impl IntoView {
    let counts = move || {
        tr(lang, Key::ShownOfTotal)
            .replace("{shown}", &shown.get().to_string())
            .replace("{total}", &total.get().to_string())
    };
    view! {
        <Show when=move || (shown.get() as u64) < u64::from(total.get())>
            <p class="more">
                <span>{counts}</span>
                <button type="button" on:click=move |_| on_more.run(())>{tr(lang, Key::ShowMore)}</button>
            </p>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(duration_text(65_000), "1:05");
        assert_eq!(duration_text(3_725_000), "1:02:05");
        assert_eq!(visitor_label(Lang::En, None, VisitorId(12)), "Visitor #12");
        assert_eq!(visitor_label(Lang::ZhCn, Some("Ann"), VisitorId(12)), "Ann");
    }
}
