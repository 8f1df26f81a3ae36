//! Who is on the site right now: the console (a table with a column chooser, filters, sorting and
//! search, on the Visitors page) and a compact list of cards beside the chats. Both show the
//! visitors the agent socket loaded ([`Live::visitors`]); the server pages, filters and sorts them.

use kefu_protocol::{
    Device, InApp, OnlineVisitor, Source, SourceKind, VisitorFilter, VisitorId, VisitorSort, VisitorSortKey,
    VisitorType,
};

mod details;
mod registration;
pub use details::VisitorPanel;
use leptos::prelude::*;
pub use registration::RegistrationPage;

use crate::i18n::{tr, use_lang, Key, Lang};
use crate::kit::live::Live;
use crate::kit::{
    clock_text, country_name, date_time_text, duration_text, region_text, remember, remembered, visitor_label,
    EmptyState, MoreButton, Notices, SearchField,
};

fn device_text(lang: Lang, device: Device) -> &'static str {
    tr(
        lang,
        match device {
            Device::Desktop => Key::DeviceDesktop,
            Device::Phone => Key::DevicePhone,
            Device::Tablet => Key::DeviceTablet,
            Device::Other => Key::DeviceOther,
        },
    )
}

fn app_text(lang: Lang, app: InApp) -> &'static str {
    tr(
        lang,
        match app {
            InApp::WeChat => Key::AppWeChat,
            InApp::WeCom => Key::AppWeCom,
            InApp::Qq => Key::AppQq,
            InApp::Alipay => Key::AppAlipay,
            InApp::Weibo => Key::AppWeibo,
            InApp::BaiduApp => Key::AppBaidu,
            InApp::Douyin => Key::AppDouyin,
            InApp::DingTalk => Key::AppDingTalk,
        },
    )
}

fn source_kind_text(lang: Lang, kind: SourceKind) -> &'static str {
    tr(
        lang,
        match kind {
            SourceKind::Direct => Key::SourceDirect,
            SourceKind::Search => Key::SourceSearch,
            SourceKind::Referral => Key::SourceReferral,
            SourceKind::Campaign => Key::SourceCampaign,
        },
    )
}

/// "Phone · WeChat · iOS 16.3", "Computer · Chrome 120 · Windows 10".
fn channel_text(lang: Lang, v: &OnlineVisitor) -> String {
    let c = &v.channel;
    let app = c.app.map(|a| app_text(lang, a).to_owned());
    [Some(device_text(lang, c.device).to_owned()), app, Some(c.browser.clone()), Some(c.os.clone())]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "Search engine · baidu.com", "Campaign · weibo / 双十一", "Direct".
fn source_text(lang: Lang, s: &Source) -> String {
    let detail = match &s.campaign {
        Some(c) => {
            [c.source.as_str(), c.name.as_str()].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" / ")
        }
        None => s.domain.clone().unwrap_or_default(),
    };
    let kind = source_kind_text(lang, s.kind);
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} · {detail}")
    }
}

/// The page a visitor is on.
fn page_view(v: &OnlineVisitor) -> AnyView {
    page_link(&v.page.url, &v.page.title)
}

/// A page by its title: a link only for web addresses (never `javascript:` or the like).
pub(crate) fn page_link(url: &str, title: &str) -> AnyView {
    let title = if title.is_empty() { url.to_owned() } else { title.to_owned() };
    let url = url.to_owned();
    if url.starts_with("https://") || url.starts_with("http://") {
        view! { <a href=url.clone() title=url target="_blank" rel="noopener noreferrer">{title}</a> }.into_any()
    } else {
        view! { <span title=url>{title}</span> }.into_any()
    }
}

/// Columns of the console the agent can show or hide; the visitor's name is always shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Type,
    Channel,
    Region,
    Source,
    Keyword,
    Page,
    Pages,
    Visits,
    FirstVisit,
    OnSite,
    LastActive,
    Ip,
    Agent,
}

impl Column {
    const ALL: [Column; 13] = [
        Column::Type,
        Column::Channel,
        Column::Region,
        Column::Source,
        Column::Keyword,
        Column::Page,
        Column::Pages,
        Column::Visits,
        Column::FirstVisit,
        Column::OnSite,
        Column::LastActive,
        Column::Ip,
        Column::Agent,
    ];
    const STORAGE: &'static str = "kefu.console.columns";

    fn id(self) -> &'static str {
        match self {
            Column::Type => "type",
            Column::Channel => "channel",
            Column::Region => "region",
            Column::Source => "source",
            Column::Keyword => "keyword",
            Column::Page => "page",
            Column::Pages => "pages",
            Column::Visits => "visits",
            Column::FirstVisit => "first_visit",
            Column::OnSite => "on_site",
            Column::LastActive => "last_active",
            Column::Ip => "ip",
            Column::Agent => "agent",
        }
    }

    fn title(self, lang: Lang) -> &'static str {
        tr(
            lang,
            match self {
                Column::Type => Key::ColType,
                Column::Channel => Key::ColChannel,
                Column::Region => Key::Region,
                Column::Source => Key::ColSource,
                Column::Keyword => Key::ColKeyword,
                Column::Page => Key::ColPage,
                Column::Pages => Key::ColPages,
                Column::Visits => Key::Visits,
                Column::FirstVisit => Key::ColFirstVisit,
                Column::OnSite => Key::OnSite,
                Column::LastActive => Key::ColLastActive,
                Column::Ip => Key::ColIp,
                Column::Agent => Key::ColAgent,
            },
        )
    }

    fn sort(self) -> Option<VisitorSortKey> {
        match self {
            Column::Region => Some(VisitorSortKey::Region),
            Column::Pages => Some(VisitorSortKey::Pages),
            Column::Visits => Some(VisitorSortKey::Visits),
            Column::FirstVisit => Some(VisitorSortKey::FirstVisit),
            Column::OnSite => Some(VisitorSortKey::Arrived),
            Column::LastActive => Some(VisitorSortKey::LastActive),
            _ => None,
        }
    }

    /// Shown until the agent chooses otherwise.
    fn default_shown(self) -> bool {
        !matches!(self, Column::FirstVisit | Column::Ip | Column::LastActive)
    }

    fn cell(self, lang: Lang, live: Live, v: &OnlineVisitor) -> AnyView {
        match self {
            Column::Type => {
                let kind = VisitorType::of(v);
                let class = format!("vtype {}", type_class(kind));
                let key = type_key(kind);
                view! { <span class=class>{tr(lang, key)}</span> }.into_any()
            }
            Column::Agent => v.agent_name.clone().unwrap_or_default().into_any(),
            Column::Channel => channel_text(lang, v).into_any(),
            Column::Region => region_text(lang, v.region.as_ref()).into_any(),
            Column::Source => source_text(lang, &v.source).into_any(),
            Column::Keyword => view! { <mark class="keyword">{v.source.keyword.clone()}</mark> }.into_any(),
            Column::Page => page_view(v),
            Column::Pages => v.pages.to_string().into_any(),
            Column::Visits => v.visits.to_string().into_any(),
            Column::FirstVisit => date_time_text(v.first_seen).into_any(),
            Column::OnSite => {
                let since = v.online_since;
                (move || {
                    let now = live.now.get();
                    if now == 0 {
                        String::new()
                    } else {
                        duration_text(now - since)
                    }
                })
                .into_any()
            }
            Column::LastActive => clock_text(v.last_active).into_any(),
            Column::Ip => v.ip.clone().into_any(),
        }
    }
}

/// One of the console's filters: a labelled select of `options`, after "All" (`None`).
/// A visitor type's label.
fn type_key(kind: VisitorType) -> Key {
    match kind {
        VisitorType::Blocked => Key::VisitorBlocked,
        VisitorType::Chatting => Key::VisitorChatting,
        VisitorType::Waiting => Key::VisitorWaiting,
        VisitorType::Chatted => Key::VisitorChatted,
        VisitorType::Member => Key::VisitorMember,
        VisitorType::Returning => Key::VisitorReturning,
        VisitorType::New => Key::VisitorNew,
    }
}

/// A visitor type's style (its icon and colour).
fn type_class(kind: VisitorType) -> &'static str {
    match kind {
        VisitorType::Blocked => "blocked",
        VisitorType::Chatting => "chatting",
        VisitorType::Waiting => "waiting",
        VisitorType::Chatted => "chatted",
        VisitorType::Member => "member",
        VisitorType::Returning => "returning",
        VisitorType::New => "new",
    }
}

fn filter_select<T: Copy + 'static>(
    lang: Lang,
    label: Key,
    options: Vec<(T, &'static str)>,
    pick: impl Fn(Option<T>) + 'static,
) -> impl IntoView {
    let values: Vec<T> = options.iter().map(|(v, _)| *v).collect();
    view! {
        <label class="filter">
            <span>{tr(lang, label)}</span>
            <select aria-label=tr(lang, label) on:change=move |ev| {
                let chosen = event_target_value(&ev).parse::<usize>().ok().and_then(|i| values.get(i).copied());
                pick(chosen);
            }>
                <option value="">{tr(lang, Key::AnyValue)}</option>
                {options.into_iter().enumerate().map(|(i, (_, text))| view! { <option value=i.to_string()>{text}</option> }).collect_view()}
            </select>
        </label>
    }
}

fn remembered_columns() -> Option<Vec<Column>> {
    let saved = remembered(Column::STORAGE)?;
    Some(Column::ALL.into_iter().filter(|c| saved.split(',').any(|id| id == c.id())).collect())
}

/// "Visitors online (N)", N counting those the search and filters match, loaded or not.
#[component]
fn VisitorsHeading() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! { <h2>{move || format!("{} ({})", tr(lang, Key::VisitorsOnline), live.visitors_total.get())}</h2> }
}

/// What an empty list says: nobody is online, or nobody matches the search and filters.
#[component]
fn NoVisitors() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let unfiltered =
        move || live.visitor_query.with(String::is_empty) && live.visitor_filter.with(VisitorFilter::is_empty);
    view! {
        <Show when=move || live.visitors.with(Vec::is_empty)>
            <Show when=unfiltered fallback=move || view! { <EmptyState text=tr(lang, Key::NoMatches)/> }>
                <EmptyState text=tr(lang, Key::NoVisitors)/>
            </Show>
        </Show>
    }
}

/// How many of how many are loaded, and the next page.
#[component]
fn MoreVisitors() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! {
        <MoreButton
            lang=lang
            shown=Signal::derive(move || live.visitors.with(Vec::len))
            total=live.visitors_total.into()
            on_more=Callback::new(move |_| live.more_visitors())
        />
    }
}

/// The Visitors page: every visitor online in a live table.
#[component]
pub fn VisitorConsole() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    // The visitor whose details panel is open.
    let details = RwSignal::new(None::<VisitorId>);
    let shown = RwSignal::new(Column::ALL.into_iter().filter(|c| c.default_shown()).collect::<Vec<_>>());
    // This browser's choice, once hydrated (the server renders the defaults).
    Effect::new(move |_| {
        if let Some(saved) = remembered_columns() {
            shown.set(saved);
        }
    });
    let toggle = move |column: Column, on: bool| {
        shown.update(|list| {
            list.retain(|c| *c != column);
            if on {
                list.push(column);
                list.sort_by_key(|c| Column::ALL.iter().position(|a| a == c));
            }
        });
        remember(Column::STORAGE, &shown.with_untracked(|l| l.iter().map(|c| c.id()).collect::<Vec<_>>().join(",")));
    };
    let set_filter = move |change: &dyn Fn(&mut VisitorFilter)| {
        let mut filter = live.visitor_filter.get_untracked();
        change(&mut filter);
        live.view_visitors(filter, live.visitor_sort.get_untracked());
    };
    let sort_by = move |key: VisitorSortKey| {
        let current = live.visitor_sort.get_untracked();
        // The same column again flips the order; a new one starts with the largest first.
        let ascending = current.key == key && !current.ascending;
        live.view_visitors(live.visitor_filter.get_untracked(), VisitorSort { key, ascending });
    };
    // Countries of the loaded visitors, for the filter (named in the agent's language); a memo, so
    // the options are rebuilt when the set of countries changes, not on every page a visitor opens.
    let countries = Memo::new(move |_| {
        let mut codes: Vec<String> = live
            .visitors
            .with(|list| list.iter().filter_map(|v| v.region.as_ref().map(|r| r.country.clone())).collect());
        if let Some(chosen) = live.visitor_filter.with(|f| f.country.clone()).filter(|c| !c.is_empty()) {
            codes.push(chosen);
        }
        codes.sort();
        codes.dedup();
        codes
    });
    // The filters and order are this page's: the list beside the chats shows everyone again.
    on_cleanup(move || {
        let filtered = !live.visitor_filter.with_untracked(VisitorFilter::is_empty);
        if filtered || live.visitor_sort.get_untracked() != VisitorSort::default() {
            live.view_visitors(VisitorFilter::default(), VisitorSort::default());
        }
    });
    let header = move |column: Column| {
        let title = column.title(lang);
        match column.sort() {
            Some(key) => {
                // Latest arrivals first is the shortest time on site first.
                let inverted = column == Column::OnSite;
                let state = move || {
                    let sort = live.visitor_sort.get();
                    match (sort.key == key, sort.ascending != inverted) {
                        (false, _) => "none",
                        (true, true) => "ascending",
                        (true, false) => "descending",
                    }
                };
                view! {
                    <th scope="col" aria-sort=state class=column.id()>
                        <button type="button" class="sort" on:click=move |_| sort_by(key)>{title}</button>
                    </th>
                }
                .into_any()
            }
            None => view! { <th scope="col" class=column.id()>{title}</th> }.into_any(),
        }
    };
    view! {
        <section class="visitors console" aria-label=tr(lang, Key::VisitorsOnline)>
            <VisitorsHeading/>
            <Notices/>
            <div class="toolbar">
                <SearchField
                    label=tr(lang, Key::SearchVisitors)
                    query=live.visitor_query
                    on_search=Callback::new(move |q| live.search_visitors(q))
                />
                {filter_select(
                    lang,
                    Key::ColType,
                    VisitorType::ALL.map(|k| (k, tr(lang, type_key(k)))).to_vec(),
                    move |kind| set_filter(&|f| f.kind = kind),
                )}
                {filter_select(
                    lang,
                    Key::ColChannel,
                    [Device::Desktop, Device::Phone, Device::Tablet, Device::Other].map(|d| (d, device_text(lang, d))).to_vec(),
                    move |device| set_filter(&|f| f.device = device),
                )}
                {filter_select(
                    lang,
                    Key::ColSource,
                    [SourceKind::Direct, SourceKind::Search, SourceKind::Referral, SourceKind::Campaign]
                        .map(|k| (k, source_kind_text(lang, k)))
                        .to_vec(),
                    move |source| set_filter(&|f| f.source = source),
                )}
                <label class="filter">
                    <span>{tr(lang, Key::FilterCountry)}</span>
                    <select aria-label=tr(lang, Key::FilterCountry) on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let country = match value.as_str() { "*" => None, "?" => Some(String::new()), code => Some(code.to_owned()) };
                        set_filter(&|f| f.country = country.clone());
                    }>
                        <option value="*">{tr(lang, Key::AnyValue)}</option>
                        {move || countries.get().into_iter().map(|code| {
                            let name = country_name(lang, &code);
                            let selected = live.visitor_filter.with_untracked(|f| f.country.as_deref() == Some(code.as_str()));
                            view! { <option value=code selected=selected>{name}</option> }
                        }).collect_view()}
                        <option value="?">{tr(lang, Key::RegionUnknown)}</option>
                    </select>
                </label>
                <details class="columns-chooser">
                    <summary>{tr(lang, Key::Columns)}</summary>
                    <fieldset>
                        <legend>{tr(lang, Key::Columns)}</legend>
                        {Column::ALL.into_iter().map(|column| view! {
                            <label>
                                <input
                                    type="checkbox"
                                    prop:checked=move || shown.with(|l| l.contains(&column))
                                    on:change=move |ev| toggle(column, event_target_checked(&ev))
                                />
                                {column.title(lang)}
                            </label>
                        }).collect_view()}
                    </fieldset>
                </details>
            </div>
            <NoVisitors/>
            <div class="table-scroll">
                <table>
                    <thead>
                        <tr>
                            <th scope="col" class="name">{tr(lang, Key::Visitor)}</th>
                            {move || shown.get().into_iter().map(header).collect_view()}
                            <th scope="col" class="actions">{tr(lang, Key::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || live.visitors.get()
                            key=|v| (v.visitor_id, v.pages, v.last_active, v.page.url.clone(), v.source.kind, v.blocked, v.chat, v.agent_name.clone(), v.name.clone(), v.member.clone())
                            let:v
                        >
                            {
                                let label = visitor_label(lang, v.name.as_deref(), v.visitor_id);
                                let row_label = label.clone();
                                let (id, blocked, invite_label) = (v.visitor_id, v.blocked, label.clone());
                                let cells = move || shown.get().into_iter().map(|column| view! {
                                    <td class=column.id() data-label=column.title(lang)>{column.cell(lang, live, &v)}</td>
                                }).collect_view();
                                view! {
                                    <tr aria-label=row_label>
                                        <th scope="row" class="name">
                                            <button type="button" class="link" aria-label=format!("{} {label}", tr(lang, Key::ShowDetails))
                                                on:click=move |_| details.set(Some(id))>{label.clone()}</button>
                                        </th>
                                        {cells}
                                        <td class="actions" data-label=tr(lang, Key::Actions)>
                                            <InviteButton visitor=id label=invite_label blocked/>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <MoreVisitors/>
            {move || details.get().map(|visitor| view! {
                <VisitorPanel visitor on_close=Callback::new(move |_| details.set(None))/>
            })}
        </section>
    }
}

/// Beside the chats: the visitors online as compact cards (page, source, region, time on site).
#[component]
pub fn VisitorList() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! {
        <section class="visitors" aria-label=tr(lang, Key::VisitorsOnline)>
            <VisitorsHeading/>
            <SearchField
                label=tr(lang, Key::SearchVisitors)
                query=live.visitor_query
                on_search=Callback::new(move |q| live.search_visitors(q))
            />
            <NoVisitors/>
            <ul>
                <For each=move || live.visitors.get() key=|v| (v.visitor_id, v.pages, v.page.url.clone(), v.page.title.clone(), v.blocked, v.name.clone()) let:v>
                    {
                        let label = visitor_label(lang, v.name.as_deref(), v.visitor_id);
                        let source = source_text(lang, &v.source);
                        let keyword = v.source.keyword.clone();
                        let channel = channel_text(lang, &v);
                        let since = v.online_since;
                        let region = region_text(lang, v.region.as_ref());
                        let on_site = move || {
                            let now = live.now.get();
                            if now == 0 { String::new() } else { duration_text(now - since) }
                        };
                        view! {
                            <li class="visitor" aria-label=label.clone()>
                                <strong>{label.clone()}</strong>
                                <span class="page">{page_view(&v)}</span>
                                <dl>
                                    <dt>{tr(lang, Key::ColSource)}</dt><dd class="referrer">{source}</dd>
                                    {keyword.map(|k| view! { <dt>{tr(lang, Key::ColKeyword)}</dt><dd class="keyword">{k}</dd> })}
                                    <dt>{tr(lang, Key::ColChannel)}</dt><dd>{channel}</dd>
                                    <dt>{tr(lang, Key::Region)}</dt><dd class="region">{region}</dd>
                                    <dt>{tr(lang, Key::OnSite)}</dt><dd>{on_site}</dd>
                                    <dt>{tr(lang, Key::Visits)}</dt><dd>{v.visits}</dd>
                                </dl>
                                <InviteButton visitor=v.visitor_id label=label.clone() blocked=v.blocked/>
                            </li>
                        }
                    }
                </For>
            </ul>
            <MoreVisitors/>
        </section>
    }
}

/// Invites a visitor to chat (seed 000 "主动邀请"); not offered for a blocked visitor.
#[component]
fn InviteButton(visitor: VisitorId, label: String, blocked: bool) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    view! {
        <button type="button" class="invite-visitor" disabled=blocked
            aria-label=format!("{} {label}", tr(lang, Key::InviteToChat))
            on:click=move |_| live.invite_visitor(visitor)>
            {tr(lang, Key::InviteToChat)}
        </button>
    }
}

/// The chat panel's "Visitor details" button: the same panel as in the console, for the chat's
/// visitor.
#[component]
pub fn DetailsTool(visitor_id: VisitorId) -> impl IntoView {
    let lang = use_lang();
    let open = RwSignal::new(false);
    view! {
        <button type="button" class="details" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            {tr(lang, Key::VisitorDetails)}
        </button>
        <Show when=move || open.get()>
            <VisitorPanel visitor=visitor_id on_close=Callback::new(move |_| open.set(false))/>
        </Show>
    }
}
