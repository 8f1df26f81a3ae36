//! The records page: a search over message text with date and site filters, 25 conversations to a
//! page, a conversation opened whole (messages and events), and exports of what matches (CSV, one HTML
//! file, or a zip of one HTML file per conversation), streamed by the server.

use leptos::prelude::*;

use super::api::{add_record_note, delete_records, list_records, record_choices, record_transcript, set_record_tags};
use super::{
    export_url, EventLine, ExportFormat, NoteLine, RecordFilter, RecordRow, RecordSort, Transcript, NOTE_CHARS,
};
use crate::i18n::{error_text, tr, use_lang, Key, Lang};
use crate::kit::form::{ConfirmDelete, Pager};
use crate::kit::{
    clock_text, date_time_text, day_start_ms, duration_text, region_code_text, visitor_label, EmptyState, MessageText,
};
use crate::visitors::ui::page_link;
use crate::visitors::{PageStep, VisitorCard};

/// An event in the agent's words.
fn event_text(lang: Lang, e: &EventLine) -> String {
    let key = match e.kind.as_str() {
        "assigned" => Key::EventAssigned,
        "requeued" => Key::EventRequeued,
        "declined" => Key::EventDeclined,
        "transferred" => Key::EventTransferred,
        "closed" => Key::EventClosed,
        "missed" => Key::EventMissed,
        "rated" => Key::EventRated,
        "link_sent" => Key::EventLinkSent,
        "retracted" => Key::EventRetracted,
        "file_accepted" => Key::EventFileAccepted,
        "file_refused" => Key::EventFileRefused,
        "taken_over" => Key::EventTakenOver,
        "force_closed" => Key::EventForceClosed,
        _ => Key::EventOther,
    };
    let mut text = tr(lang, key)
        .replace("{agent}", e.agent_name.as_deref().unwrap_or(""))
        .replace("{other}", e.other_name.as_deref().unwrap_or(""));
    if !e.detail.is_empty() && matches!(e.kind.as_str(), "link_sent" | "closed" | "rated" | "force_closed") {
        text.push_str(": ");
        text.push_str(&e.detail);
    }
    text
}

#[component]
pub fn RecordsPage() -> impl IntoView {
    let lang = use_lang();
    let query = RwSignal::new(String::new());
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let site = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let with_files = RwSignal::new(false);
    let min_score = RwSignal::new(String::new());
    let sort = RwSignal::new(RecordSort::Newest);
    let live = use_context::<crate::kit::live::Live>();
    // Every agent of the company, by name (the statuses the workbench already holds).
    let agents = move || {
        let mut list: Vec<(i64, String)> = live
            .map(|l| l.statuses.with(|s| s.iter().map(|(id, load)| (id.0, load.name.clone())).collect()))
            .unwrap_or_default();
        list.sort_by(|a, b| a.1.cmp(&b.1));
        list
    };
    let offset = RwSignal::new(0i64);
    // What was last searched (the form's fields apply on submit).
    let applied = RwSignal::new(RecordFilter::default());
    let sites = LocalResource::new(crate::sites::api::my_sites);
    let choices = LocalResource::new(record_choices);
    let department = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let listed = move |pick: fn(super::RecordChoices) -> Vec<(i64, String)>| {
        choices
            .get()
            .and_then(|c| c.ok())
            .map(pick)
            .unwrap_or_default()
            .into_iter()
            .map(|(id, name)| {
                view! { <option value=id.to_string()>{name}</option> }
            })
            .collect_view()
    };
    let page = LocalResource::new(move || {
        let filter = RecordFilter { offset: offset.get(), ..applied.get() };
        async move { list_records(filter).await }
    });
    // A conversation opened from elsewhere (`/records?open=ID`, the ratings page's link).
    let asked = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("open").and_then(|id| id.parse().ok()));
    let open = RwSignal::new(asked);
    let error = RwSignal::new(None::<String>);
    let filter_now = move || RecordFilter {
        from: day_start_ms(&from.get_untracked(), false).unwrap_or(0),
        to: day_start_ms(&to.get_untracked(), true).unwrap_or(0),
        site_id: site.get_untracked().parse().ok(),
        agent_id: agent.get_untracked().parse().ok(),
        query: query.get_untracked(),
        offset: 0,
        tag: tag.get_untracked(),
        with_files: with_files.get_untracked(),
        min_score: min_score.get_untracked().parse().ok(),
        sort: sort.get_untracked(),
        department_id: department.get_untracked().parse().ok(),
        category_id: category.get_untracked().parse().ok(),
        conversation_id: None,
        source: source.get_untracked(),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        offset.set(0);
        open.set(None);
        applied.set(filter_now());
    };
    let total = Signal::derive(move || page.get().and_then(|p| p.ok()).map_or(0, |p| p.total));
    // Deleting: who may, what is ticked, what the dialog asks about.
    let may_delete = move || {
        live.is_some_and(|l| l.agent.with(|a| a.as_ref().is_some_and(|a| a.can(kefu_protocol::Perm::RecordsDelete))))
    };
    let selected = RwSignal::new(Vec::<i64>::new());
    let asking = RwSignal::new(None::<Vec<i64>>);
    let notice = RwSignal::new(None::<String>);
    let confirm = Callback::new(move |()| {
        let Some(ids) = asking.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            match delete_records(ids.clone()).await {
                Ok(n) => {
                    asking.set(None);
                    selected.update(|s| s.retain(|id| !ids.contains(id)));
                    if open.get_untracked().is_some_and(|o| ids.contains(&o)) {
                        open.set(None);
                    }
                    error.set(None);
                    notice.set(Some(tr(lang, Key::RecordsDeleted).replace("{n}", &n.to_string())));
                    page.refetch();
                }
                Err(e) => {
                    asking.set(None);
                    error.set(Some(error_text(lang, &e.0)));
                }
            }
        });
    });
    let ask_delete = Callback::new(move |ids: Vec<i64>| {
        notice.set(None);
        asking.set(Some(ids));
    });
    provide_context(DeleteRecords(ask_delete));
    view! {
        <section class="records admin" aria-labelledby="records-title">
            <h2 id="records-title">{tr(lang, Key::NavRecords)}</h2>
            <form class="filters" role="search" aria-label=tr(lang, Key::RecordsFilters) on:submit=submit>
                <label>
                    <span>{tr(lang, Key::SearchMessages)}</span>
                    <input type="search" maxlength=super::QUERY_CHARS.to_string() prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::FromDay)}</span>
                    <input type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::ToDay)}</span>
                    <input type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::SiteFilter)}</span>
                    <select on:change=move |ev| site.set(event_target_value(&ev))>
                        <option value="">{tr(lang, Key::ScopeAll)}</option>
                        {move || sites.get().and_then(|s| s.ok()).unwrap_or_default().into_iter().map(|s| {
                            view! { <option value=s.id.to_string()>{s.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tr(lang, Key::Tag)}</span>
                    <input type="text" maxlength=super::TAG_CHARS.to_string() prop:value=move || tag.get()
                        on:input=move |ev| tag.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::SourceOrKeyword)}</span>
                    <input type="text" maxlength=super::QUERY_CHARS.to_string() prop:value=move || source.get()
                        on:input=move |ev| source.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::Agent)}</span>
                    <select on:change=move |ev| agent.set(event_target_value(&ev))>
                        <option value="">{tr(lang, Key::AllAgents)}</option>
                        {move || agents().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tr(lang, Key::Department)}</span>
                    <select on:change=move |ev| department.set(event_target_value(&ev))>
                        <option value="">{tr(lang, Key::AllDepartments)}</option>
                        {move || listed(|c| c.departments)}
                    </select>
                </label>
                <label>
                    <span>{tr(lang, Key::CategoryFilter)}</span>
                    <select on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{tr(lang, Key::AllCategories)}</option>
                        {move || listed(|c| c.categories)}
                    </select>
                </label>
                <label>
                    <span>{tr(lang, Key::MinScore)}</span>
                    <select on:change=move |ev| min_score.set(event_target_value(&ev))>
                        <option value="">{tr(lang, Key::AnyScore)}</option>
                        {(1..=5).map(|n| view! { <option value=n.to_string()>{"★".repeat(n)}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tr(lang, Key::SortBy)}</span>
                    <select on:change=move |ev| {
                        let value = event_target_value(&ev);
                        sort.set(RecordSort::ALL.into_iter().find(|s| s.as_str() == value).unwrap_or_default());
                        offset.set(0);
                        applied.update(|f| f.sort = sort.get_untracked());
                    }>
                        {RecordSort::ALL.into_iter().map(|s| {
                            let key = match s {
                                RecordSort::Newest => Key::SortNewest,
                                RecordSort::Oldest => Key::SortOldest,
                                RecordSort::MostMessages => Key::SortMostMessages,
                                RecordSort::Longest => Key::SortLongest,
                            };
                            view! { <option value=s.as_str()>{tr(lang, key)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || with_files.get() on:change=move |ev| with_files.set(event_target_checked(&ev))/>
                    <span>{tr(lang, Key::WithFiles)}</span>
                </label>
                <button type="submit">{tr(lang, Key::Search)}</button>
            </form>
            <p class="buttons">
                <a class="button" download href=move || export_url(&applied.get(), ExportFormat::Csv)>{tr(lang, Key::ExportCsv)}</a>
                <a class="button" download href=move || export_url(&applied.get(), ExportFormat::Html)>{tr(lang, Key::ExportHtml)}</a>
                <a class="button" download href=move || export_url(&applied.get(), ExportFormat::Zip)>{tr(lang, Key::ExportZip)}</a>
                {move || may_delete().then(|| view! {
                    <button type="button" class="danger" disabled=move || selected.with(|s| s.is_empty())
                        on:click=move |_| ask_delete.run(selected.get_untracked())>
                        {move || tr(lang, Key::DeleteSelected).replace("{n}", &selected.with(|s| s.len()).to_string())}
                    </button>
                })}
            </p>
            {move || asking.get().map(|ids| view! {
                <ConfirmDelete name=match ids.as_slice() {
                        [one] => tr(lang, Key::RecordTitle).replace("{id}", &one.to_string()),
                        _ => tr(lang, Key::RecordsCount).replace("{n}", &ids.len().to_string()),
                    }
                    on_confirm=confirm on_cancel=Callback::new(move |()| asking.set(None))/>
            })}
            <p role="status" class="notice">{move || notice.get()}</p>
            <p role="alert" class="error">{move || error.get()}</p>
            {move || page.get().map(|p| match p {
                Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                Ok(p) if p.rows.is_empty() => view! { <EmptyState text=tr(lang, Key::NoRecords)/> }.into_any(),
                Ok(p) => view! {
                    {p.capped.then(|| view! { <p class="notice">{tr(lang, Key::RecordsCapped)}</p> })}
                    <div class="table-wrap">
                        <table aria-label=tr(lang, Key::NavRecords)>
                            <thead>
                                <tr>
                                    {may_delete().then(|| view! { <th scope="col"><span class="visually-hidden">{tr(lang, Key::Select)}</span></th> })}
                                    <th scope="col">{tr(lang, Key::Time)}</th>
                                    <th scope="col">{tr(lang, Key::Visitor)}</th>
                                    <th scope="col">{tr(lang, Key::SiteFilter)}</th>
                                    <th scope="col">{tr(lang, Key::Agent)}</th>
                                    <th scope="col">{tr(lang, Key::Duration)}</th>
                                    <th scope="col">{tr(lang, Key::Messages)}</th>
                                    <th scope="col">{tr(lang, Key::Score)}</th>
                                    <th scope="col">{tr(lang, Key::Status)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {p.rows.into_iter().map(|r| view! { <RecordLine r open selected=may_delete().then_some(selected)/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
            <Pager offset page=super::PAGE total/>
            {move || open.get().map(|id| view! { <TranscriptView id on_close=Callback::new(move |_| open.set(None))/> })}
        </section>
    }
}

/// Asks to delete conversations (the records page's dialog), from a transcript.
#[derive(Clone, Copy)]
struct DeleteRecords(Callback<Vec<i64>>);

#[component]
fn RecordLine(r: RecordRow, open: RwSignal<Option<i64>>, selected: Option<RwSignal<Vec<i64>>>) -> impl IntoView {
    let lang = use_lang();
    let id = r.id;
    let visitor = visitor_label(lang, r.visitor_name.as_deref(), kefu_protocol::VisitorId(r.visitor_id));
    let duration = r.closed_at.map(|c| duration_text(c - r.started_at)).unwrap_or_default();
    let status = if r.status == "open" { tr(lang, Key::RecordOpen) } else { tr(lang, Key::RecordClosed) };
    let rating =
        r.rating.map(
            |(score, invalid)| {
                if invalid {
                    format!("{score} ({})", tr(lang, Key::Invalid))
                } else {
                    score.to_string()
                }
            },
        );
    let label = tr(lang, Key::OpenRecord).replace("{visitor}", &visitor);
    let tags = r.tags.clone();
    // Where the visit came from: the host, and what was searched.
    let source = match (r.source_domain.clone(), r.source_keyword.clone()) {
        (Some(d), Some(k)) => Some(format!("{d} · {k}")),
        (d, k) => d.or(k),
    };
    let select_label = tr(lang, Key::SelectRecord).replace("{visitor}", &visitor);
    // A live chat cannot be deleted, so it cannot be ticked.
    let live_chat = r.status == "open";
    view! {
        <tr>
            {selected.map(|selected| view! {
                <td>
                    <input type="checkbox" aria-label=select_label disabled=live_chat
                        prop:checked=move || selected.with(|s| s.contains(&id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| {
                                s.retain(|x| *x != id);
                                if on {
                                    s.push(id);
                                }
                            });
                        }/>
                </td>
            })}
            <td>{date_time_text(r.started_at)}</td>
            <td>
                <button type="button" class="link" aria-label=label on:click=move |_| open.set(Some(id))>{visitor.clone()}</button>
                {r.hit.map(|hit| view! { <p class="hit">{hit}</p> })}
            </td>
            <td>
                {r.site_name}
                {source.map(|s| view! { <p class="hit">{s}</p> })}
            </td>
            <td>{r.agent_name.unwrap_or_default()}</td>
            <td>{duration}</td>
            <td>{r.messages}</td>
            <td>{rating}</td>
            <td>
                {status}
                {tags.into_iter().map(|t| view! { " " <span class="tag">{t}</span> }).collect_view()}
            </td>
        </tr>
    }
}

/// One conversation, whole: its messages and, between them, what happened.
#[component]
fn TranscriptView(id: i64, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let transcript = LocalResource::new(move || record_transcript(id));
    let only = RecordFilter { conversation_id: Some(id), ..RecordFilter::default() };
    let live = use_context::<crate::kit::live::Live>();
    let deletable = live.is_some_and(|l| {
        l.agent.with_untracked(|a| a.as_ref().is_some_and(|a| a.can(kefu_protocol::Perm::RecordsDelete)))
    });
    view! {
        <section class="transcript" aria-labelledby="transcript-title">
            <header class="chat-head">
                <h3 id="transcript-title">{tr(lang, Key::RecordTitle).replace("{id}", &id.to_string())}</h3>
                <a class="button" download href=export_url(&only, ExportFormat::Html)>{tr(lang, Key::DownloadRecord)}</a>
                {use_context::<DeleteRecords>().filter(|_| deletable).map(|DeleteRecords(ask)| view! {
                    <button type="button" class="danger" on:click=move |_| ask.run(vec![id])>{tr(lang, Key::Delete)}</button>
                })}
                <button type="button" on:click=move |_| on_close.run(())>{tr(lang, Key::Close)}</button>
            </header>
            {move || transcript.get().map(|t| match t {
                Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                Ok(t) => view! { <TranscriptLines t/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn TranscriptLines(t: Transcript) -> impl IntoView {
    let lang = use_lang();
    let visitor = visitor_label(lang, t.record.visitor_name.as_deref(), kefu_protocol::VisitorId(t.record.visitor_id));
    // Messages and events in time order.
    let mut lines: Vec<(i64, AnyView)> = Vec::new();
    for m in t.messages {
        let mine = m.sender == kefu_protocol::SenderKind::Agent;
        let who = if mine { m.sender_name.clone().unwrap_or_default() } else { visitor.clone() };
        let body = match (&m.file, m.retracted) {
            (_, true) => view! { <p class="body withdrawn">{tr(lang, Key::Withdrawn)}</p> }.into_any(),
            (Some(file), _) => view! { <p class="body">"📎 " {file.name.clone()}</p> }.into_any(),
            (None, _) => view! { <MessageText body=m.body.clone()/> }.into_any(),
        };
        let line = view! {
            <li class=if mine { "msg mine" } else { "msg theirs" }>
                <span class="who">{who}</span>
                {body}
                <time>{clock_text(m.sent_at)}</time>
            </li>
        };
        lines.push((m.sent_at, line.into_any()));
    }
    for w in t.whispers {
        let at = w.sent_at;
        lines.push((at, view! { <crate::kit::WhisperItem whisper=w/> }.into_any()));
    }
    for e in t.events {
        let text = event_text(lang, &e);
        lines.push((
            e.at,
            view! { <li class="event"><span>{text}</span> " " <time>{date_time_text(e.at)}</time></li> }.into_any(),
        ));
    }
    lines.sort_by_key(|(at, _)| *at);
    let id = t.record.id;
    view! {
        <ol class="message-list transcript-lines" aria-label=tr(lang, Key::Messages)>
            {lines.into_iter().map(|(_, v)| v).collect_view()}
        </ol>
        <RecordVisitor record=t.record.clone() card=t.card pages=t.pages/>
        <RecordNotes id tags=t.record.tags notes=t.notes/>
    }
}

/// Who the visitor was: their card, where they were and came from, and the pages of the visit the
/// conversation happened in (seed 000 chapter 13: the record with the visitor's details).
#[component]
fn RecordVisitor(record: RecordRow, card: Option<VisitorCard>, pages: Vec<PageStep>) -> impl IntoView {
    let lang = use_lang();
    let mut facts: Vec<(String, String)> = Vec::new();
    if let Some(card) = card {
        let named = [
            (Key::CardName, card.name),
            (Key::Email, card.email),
            (Key::CardPhone, card.phone),
            (Key::CardCompany, card.company),
            (Key::MemberId, card.member.unwrap_or_default()),
            (Key::CardTags, card.tags.join(", ")),
            (Key::CardNotes, card.notes),
        ];
        facts.extend(named.into_iter().map(|(key, value)| (tr(lang, key).to_owned(), value)));
        facts.extend(card.details);
    }
    facts.push((
        tr(lang, Key::Region).to_owned(),
        record.region.as_deref().map(|c| region_code_text(lang, c)).unwrap_or_default(),
    ));
    let source = [record.source_domain, record.source_keyword].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    facts.push((tr(lang, Key::ColSource).to_owned(), source));
    facts.retain(|(_, value)| !value.is_empty());
    view! {
        <section class="record-visitor" aria-labelledby="record-visitor-title">
            <h4 id="record-visitor-title">{tr(lang, Key::VisitorDetails)}</h4>
            <dl class="visitor-details">
                {facts.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
            <h4 id="record-pages-title">{tr(lang, Key::PagesAtTheTime)}</h4>
            <ol class="trajectory" aria-labelledby="record-pages-title">
                {pages.into_iter().map(|p| view! {
                    <li>
                        {page_link(&p.url, &p.title)}
                        <span class="when">{date_time_text(p.at)}</span>
                        {p.stay_ms.map(|ms| view! { <span class="stay">{duration_text(ms)}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// A conversation's tags (edited as one comma-separated line) and internal notes.
#[component]
fn RecordNotes(id: i64, tags: Vec<String>, notes: Vec<NoteLine>) -> impl IntoView {
    let lang = use_lang();
    let tags_text = RwSignal::new(tags.join(", "));
    let notes = RwSignal::new(notes);
    let draft = RwSignal::new(String::new());
    let (notice, error) = (RwSignal::new(None::<&'static str>), RwSignal::new(None::<String>));
    let save_tags = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tags: Vec<String> =
            tags_text.get_untracked().split([',', '，', '、']).map(|t| t.trim().to_owned()).collect();
        leptos::task::spawn_local(async move {
            match set_record_tags(id, tags).await {
                Ok(saved) => {
                    tags_text.set(saved.join(", "));
                    error.set(None);
                    notice.set(Some(tr(lang, Key::Saved)));
                }
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = draft.get_untracked();
        leptos::task::spawn_local(async move {
            match add_record_note(id, body).await {
                Ok(note) => {
                    notes.update(|n| n.push(note));
                    draft.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
        });
    };
    view! {
        <form class="record-tags" on:submit=save_tags>
            <label>
                <span>{tr(lang, Key::Tags)}</span>
                <input type="text" prop:value=move || tags_text.get() on:input=move |ev| tags_text.set(event_target_value(&ev))/>
            </label>
            <button type="submit">{tr(lang, Key::SaveTags)}</button>
            <span class="notice" aria-live="polite">{move || notice.get()}</span>
        </form>
        <section class="record-notes" aria-labelledby="notes-title">
            <h4 id="notes-title">{tr(lang, Key::InternalNotes)}</h4>
            <ul>
                {move || notes.get().into_iter().map(|n| view! {
                    <li><span class="who">{n.agent_name}</span> " " <time>{date_time_text(n.at)}</time><p class="body">{n.body}</p></li>
                }).collect_view()}
            </ul>
            <form on:submit=add>
                <label for="new-note">{tr(lang, Key::NewNote)}</label>
                <textarea id="new-note" rows="2" maxlength=NOTE_CHARS.to_string() prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                <button type="submit">{tr(lang, Key::AddNote)}</button>
            </form>
            <p role="alert" class="error">{move || error.get()}</p>
        </section>
    }
}
