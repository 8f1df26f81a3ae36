//! UI building blocks every area uses: how visitors, durations and times read, small components
//! (empty states), and [`live`], the agent socket's state that every workbench page reads. Admin
//! tables, fields, dialogs and toasts join here as the back office lands, so every page looks and
//! behaves the same.

pub mod alerts;
pub mod emoji;
pub mod form;
pub mod internal;
pub mod live;
pub mod regions;

use kefu_protocol::VisitorId;
use leptos::prelude::*;

use crate::i18n::{tr, Key, Lang};

/// What other areas add to the chat panel's header (blocking the visitor, …), provided by the
/// workbench, so the chat area needs to know none of them: each renders for the open
/// conversation's visitor.
#[derive(Clone, Copy)]
pub struct ChatTools(pub Callback<VisitorId, AnyView>);

/// What supervision adds to the chat panel (`crate::supervision`), given by the workbench so the
/// chat area needs to know nothing of it.
#[derive(Clone, Copy)]
pub struct Whispers {
    /// A supervisor's tools on a colleague's chat; errors go to the panel's alert.
    pub tools: Callback<(kefu_protocol::ConversationId, RwSignal<Option<String>>), AnyView>,
    /// Loads the conversation's whispers into the workbench (when opened and on every reconnect).
    pub load: Callback<kefu_protocol::ConversationId>,
    /// Sends a whisper; `Ok` once it is stored, else the error's text.
    pub send: Callback<(kefu_protocol::ConversationId, String, WhisperSent)>,
}

/// Told whether a whisper was stored (else the error's text).
pub type WhisperSent = Callback<Result<(), String>>;

/// A whisper among a chat's lines (live or in a record), marked as one: agents only.
#[component]
pub fn WhisperItem(whisper: kefu_protocol::Whisper) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    view! {
        <li class="msg whisper">
            <span class="who">{whisper.agent_name.clone()} " · " <em>{tr(lang, Key::WhisperTag)}</em></span>
            <MessageText body=whisper.body.clone()/>
            <time>{clock_text(whisper.sent_at)}</time>
        </li>
    }
}

/// A message's text with its web links as links (a new tab, without opener or referrer), found by
/// [`kefu_protocol::text::pieces`]; everything else stays text.
#[component]
pub fn MessageText(body: String) -> impl IntoView {
    use kefu_protocol::text::Piece;
    let parts = kefu_protocol::text::pieces(&body)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_owned().into_any(),
            Piece::Link(url) => view! {
                <a href=url.to_owned() target="_blank" rel="noopener noreferrer">{url.to_owned()}</a>
            }
            .into_any(),
        })
        .collect_view();
    view! { <p class="body">{parts}</p> }
}

/// The agent's messages typed but not acknowledged yet ("Sending…"), or refused for good with the
/// reason; items of a message list (chats and colleague threads alike).
#[component]
pub fn PendingMessages(pending: Signal<Vec<kefu_protocol::log::PendingMessage>>) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    view! {
        <For each=move || pending.get() key=|p| (p.client_msg_id.clone(), p.failed.clone()) let:p>
            <li class="msg mine pending">
                <span class="who">{tr(lang, Key::You)}</span>
                <p class="body">{p.body.clone()}</p>
                <span class="state">
                    {match p.failed.clone() {
                        Some(reason) => format!("{}: {reason}", tr(lang, Key::NotSent)),
                        None => tr(lang, Key::Sending).to_owned(),
                    }}
                </span>
            </li>
        </For>
    }
}

/// What happened lately that the agent should see (a transfer answered, an invitation sent or
/// answered, a link sent), newest first, each dismissable; on every page that acts on visitors.
#[component]
pub fn Notices() -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let live = expect_context::<live::Live>();
    view! {
        <section class="notices" aria-label=tr(lang, Key::News)>
            <ul role="log" aria-label=tr(lang, Key::News) aria-live="polite">
                <For each=move || live.notices.get() key=|n| n.id let:n>
                    <li>
                        <span>{n.text.clone()}</span>
                        <button type="button" class="dismiss" aria-label=tr(lang, Key::Dismiss) on:click=move |_| live.dismiss(n.id)>
                            "×"
                        </button>
                    </li>
                </For>
            </ul>
        </section>
    }
}

/// How a visitor is named in lists: their name, else "Visitor #id".
pub fn visitor_label(lang: Lang, name: Option<&str>, id: VisitorId) -> String {
    match name {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => format!("{} #{id}", tr(lang, Key::Visitor)),
    }
}

/// A country's name in the interface language, from its ISO code: the browser names it
/// (`Intl.DisplayNames`); on the server, and where the browser cannot, the code itself.
pub fn country_name(lang: Lang, code: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        thread_local! {
            // One formatter per interface language, made on first use (lists name many countries).
            static NAMES: std::cell::RefCell<Option<(Lang, js_sys::Intl::DisplayNames)>> = const { std::cell::RefCell::new(None) };
        }
        let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok();
        let supported =
            intl.is_some_and(|i| js_sys::Reflect::has(&i, &JsValue::from_str("DisplayNames")).unwrap_or(false));
        let named = supported.then(|| {
            NAMES.with(|cell| {
                let mut cell = cell.borrow_mut();
                if cell.as_ref().is_none_or(|(l, _)| *l != lang) {
                    let options = js_sys::Intl::DisplayNamesOptions::new();
                    options.set_type(js_sys::Intl::DisplayNamesType::Region);
                    let locales = js_sys::Array::of1(&JsValue::from_str(lang.tag()));
                    *cell = Some((lang, js_sys::Intl::DisplayNames::new(&locales, &options)));
                }
                cell.as_ref().and_then(|(_, names)| names.of(code)).map(String::from)
            })
        });
        if let Some(name) = named.flatten() {
            return name;
        }
    }
    let _ = lang;
    code.to_owned()
}

/// A stored region code in the interface language: a province the table knows (`CN-GD` →
/// "中国 · 广东"), else the country.
pub fn region_code_text(lang: Lang, code: &str) -> String {
    let country = country_name(lang, code.split('-').next().unwrap_or(code));
    match regions::area(code) {
        Some(area) => format!("{country} · {}", area.name(lang)),
        None => country,
    }
}

/// Where a visitor is, for lists: "country · province · city" in the interface language (a
/// province or city the data names only in English is shown in English), or "unknown".
pub fn region_text(lang: Lang, region: Option<&kefu_protocol::Region>) -> String {
    let Some(region) = region else { return tr(lang, Key::RegionUnknown).to_owned() };
    let mut parts = vec![country_name(lang, &region.country)];
    // A province the table knows is named from it (the data lacks zh-TW and Korean names).
    let province = region.province_code.as_deref().and_then(regions::area).map(|a| a.name(lang).to_owned());
    let province = province.or_else(|| region.province.as_ref().map(|p| p.name(lang.tag()).to_owned()));
    let city = region.city.as_ref().map(|c| c.name(lang.tag()).to_owned());
    for name in [province, city].into_iter().flatten() {
        if !parts.contains(&name) {
            parts.push(name);
        }
    }
    parts.join(" · ")
}

/// A count in the interface language's way (`12,345`; the browser's `toLocaleString`), plain on
/// the server.
pub fn number_text(lang: Lang, n: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let number = js_sys::Number::from(n as f64);
        String::from(number.to_locale_string(lang.tag()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = lang;
        n.to_string()
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

/// Local "YYYY-MM-DD hh:mm" of a unix-ms time (UTC when rendered on the server).
pub fn date_time_text(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let secs = ms.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let rest = secs.rem_euclid(86_400);
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rest / 3600, rest / 60 % 60)
    }
}

/// The unix-ms time of local midnight starting `day` ("YYYY-MM-DD", as a date input gives it), or
/// of the midnight after it with `end`; `None` when empty or not a date.
pub fn day_start_ms(day: &str, end: bool) -> Option<i64> {
    let mut parts = day.trim().splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let d = if end { d + 1 } else { d };
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new_with_year_month_day(y as u32, (m - 1) as i32, d as i32);
        let ms = date.get_time();
        (!ms.is_nan()).then_some(ms as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Some(days_from_civil(y, m, d) * 86_400_000)
    }
}

/// (year, month, day) of days since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since 1970-01-01 of a civil date (the inverse of [`civil_from_days`]; `day` may overflow
/// the month by one).
#[cfg_attr(feature = "hydrate", allow(dead_code))]
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Text for a URL's query value: everything but letters, digits and `-_.~` percent-encoded (UTF-8).
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Offers `text` as a file download named `name` (browser only).
pub fn download(name: &str, mime: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        if let Some(a) =
            document().create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, mime, text);
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

/// A value this browser keeps for the workbench (`localStorage`); `None` on the server.
pub fn remembered(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::window().local_storage().ok().flatten()?.get_item(key).ok().flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

pub fn remember(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = leptos::prelude::window().local_storage().ok().flatten() {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_escape_keeps_a_json_filter_with_chinese_and_ampersands_whole() {
        let json = r#"{"query":"退款 & a=b?"}"#;
        let escaped = super::query_escape(json);
        assert!(escaped.chars().all(|c| c.is_ascii_alphanumeric() || "-_.~%".contains(c)), "{escaped}");
        let back = url::form_urlencoded::parse(format!("f={escaped}").as_bytes()).next().unwrap().1.into_owned();
        assert_eq!(back, json);
    }

    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(duration_text(65_000), "1:05");
        assert_eq!(duration_text(3_725_000), "1:02:05");
        assert_eq!(visitor_label(Lang::En, None, VisitorId(12)), "Visitor #12");
        assert_eq!(visitor_label(Lang::ZhCn, Some("Ann"), VisitorId(12)), "Ann");
        assert_eq!(date_time_text(1_796_083_199_000), "2026-11-30 23:59");
        assert_eq!(day_start_ms("2026-11-30", false), Some(1_796_083_200_000 - 86_400_000));
        assert_eq!(day_start_ms("2026-11-30", true), Some(1_796_083_200_000));
        assert_eq!(day_start_ms("", false), None);
    }
}
