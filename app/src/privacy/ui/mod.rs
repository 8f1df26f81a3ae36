//! The data and privacy page: each site's retention of records, data requests about one visitor
//! (find, export as JSON or HTML, erase after typing their name), the erasures done, and (super
//! admins) all of the company's data as one archive.

use leptos::prelude::*;

use super::api::{erase_visitor, erasures, find_visitors, retention, set_retention};
use super::{export_url, RetentionRow, VisitorExport, VisitorHit, MAX_RETENTION_DAYS, QUERY_CHARS};
use crate::i18n::{error_text, tr, use_lang, Key};
use crate::kit::form::ConfirmDelete;
use crate::kit::{date_time_text, visitor_label, EmptyState};

#[component]
pub fn DataPage() -> impl IntoView {
    let lang = use_lang();
    let done = RwSignal::new(0u32);
    let live = use_context::<crate::kit::live::Live>();
    let super_admin = move || {
        live.is_some_and(|l| l.agent.with(|a| a.as_ref().is_some_and(|a| a.can(kefu_protocol::Perm::SettingsManage))))
    };
    let erased = LocalResource::new(move || {
        done.track();
        erasures()
    });
    view! {
        <section class="admin data" aria-labelledby="data-title">
            <h2 id="data-title">{tr(lang, Key::NavData)}</h2>
            <Retention/>
            <Requests done/>
            {move || super_admin().then(|| view! {
                <section aria-labelledby="company-export-title">
                    <h3 id="company-export-title">{tr(lang, Key::CompanyExport)}</h3>
                    <p class="hint">{tr(lang, Key::CompanyExportHint)}</p>
                    <a class="button" download href="/api/v1/company/export">{tr(lang, Key::DownloadCompany)}</a>
                </section>
            })}
            <section aria-labelledby="erasures-title">
                <h3 id="erasures-title">{tr(lang, Key::Erasures)}</h3>
                {move || erased.get().map(|list| match list {
                    Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <EmptyState text=tr(lang, Key::NoErasures)/> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table aria-label=tr(lang, Key::Erasures)>
                                <thead><tr>
                                    <th scope="col">{tr(lang, Key::Time)}</th>
                                    <th scope="col">{tr(lang, Key::Visitor)}</th>
                                    <th scope="col">{tr(lang, Key::SiteFilter)}</th>
                                    <th scope="col">{tr(lang, Key::ErasedBy)}</th>
                                    <th scope="col">{tr(lang, Key::NavChats)}</th>
                                    <th scope="col">{tr(lang, Key::Messages)}</th>
                                    <th scope="col">{tr(lang, Key::PageViews)}</th>
                                    <th scope="col">{tr(lang, Key::NavFiles)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{date_time_text(r.erased_at)}</td>
                                            <td>{visitor_label(lang, None, kefu_protocol::VisitorId(r.visitor_id))}</td>
                                            <td>{r.site_name}</td>
                                            <td>{r.agent_name.unwrap_or_default()}</td>
                                            <td>{r.conversations}</td>
                                            <td>{r.messages}</td>
                                            <td>{r.page_views}</td>
                                            <td>{r.files}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </section>
        </section>
    }
}

/// Each site's retention, saved one site at a time.
#[component]
fn Retention() -> impl IntoView {
    let lang = use_lang();
    let rows = LocalResource::new(retention);
    view! {
        <section aria-labelledby="retention-title">
            <h3 id="retention-title">{tr(lang, Key::RetentionTitle)}</h3>
            <p class="hint">{tr(lang, Key::RetentionHint)}</p>
            {move || rows.get().map(|list| match list {
                Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="retention">
                        {list.into_iter().map(|row| view! { <RetentionLine row/> }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn RetentionLine(row: RetentionRow) -> impl IntoView {
    let lang = use_lang();
    let days = RwSignal::new(row.days.to_string());
    let (notice, error) = (RwSignal::new(None::<&'static str>), RwSignal::new(None::<String>));
    let site = row.site_id;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(n) = days.get_untracked().trim().parse::<i64>() else {
            error.set(Some(error_text(
                lang,
                &kefu_protocol::ApiError::invalid("retention_days", kefu_protocol::ErrorCode::Format),
            )));
            return;
        };
        leptos::task::spawn_local(async move {
            match set_retention(site, n).await {
                Ok(()) => {
                    error.set(None);
                    notice.set(Some(tr(lang, Key::Saved)));
                }
                Err(e) => {
                    notice.set(None);
                    error.set(Some(error_text(lang, &e.0)));
                }
            }
        });
    };
    let label = tr(lang, Key::RetentionDays).replace("{site}", &row.site_name);
    view! {
        <li>
            <form on:submit=save>
                <label>
                    <span>{label}</span>
                    <input type="number" min="0" max=MAX_RETENTION_DAYS.to_string() inputmode="numeric"
                        prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
                </label>
                <button type="submit">{tr(lang, Key::Save)}</button>
                <span class="notice" aria-live="polite">{move || notice.get()}</span>
                <span role="alert" class="error">{move || error.get()}</span>
            </form>
        </li>
    }
}

/// Data requests: find a visitor, export what kefu holds about them, or erase it.
#[component]
fn Requests(done: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<VisitorHit>>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let asking = RwSignal::new(None::<(i64, String)>);
    let typed = RwSignal::new(String::new());
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        leptos::task::spawn_local(async move {
            match find_visitors(q).await {
                Ok(list) => {
                    error.set(None);
                    found.set(Some(list));
                }
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
        });
    };
    let confirm = Callback::new(move |()| {
        let Some((id, _)) = asking.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            match erase_visitor(id).await {
                Ok(row) => {
                    error.set(None);
                    notice.set(Some(
                        tr(lang, Key::VisitorErased)
                            .replace("{visitor}", &visitor_label(lang, None, kefu_protocol::VisitorId(id)))
                            .replace("{messages}", &row.messages.to_string()),
                    ));
                    found.update(|f| {
                        if let Some(list) = f {
                            list.retain(|v| v.id != id);
                        }
                    });
                    done.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
            asking.set(None);
        });
    });
    view! {
        <section aria-labelledby="requests-title">
            <h3 id="requests-title">{tr(lang, Key::DataRequests)}</h3>
            <p class="hint">{tr(lang, Key::DataRequestsHint)}</p>
            <form class="filters" role="search" aria-label=tr(lang, Key::FindVisitor) on:submit=search>
                <label>
                    <span>{tr(lang, Key::FindVisitor)}</span>
                    <input type="search" maxlength=QUERY_CHARS.to_string() prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                <button type="submit">{tr(lang, Key::Search)}</button>
            </form>
            {move || asking.get().map(|(_, name)| view! {
                <ConfirmDelete name typed on_confirm=confirm on_cancel=Callback::new(move |()| asking.set(None))/>
            })}
            <p role="status" class="notice">{move || notice.get()}</p>
            <p role="alert" class="error">{move || error.get()}</p>
            {move || found.get().map(|list| if list.is_empty() {
                view! { <EmptyState text=tr(lang, Key::NoVisitorsFound)/> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table aria-label=tr(lang, Key::FoundVisitors)>
                            <thead><tr>
                                <th scope="col">{tr(lang, Key::Visitor)}</th>
                                <th scope="col">{tr(lang, Key::SiteFilter)}</th>
                                <th scope="col">{tr(lang, Key::Email)}</th>
                                <th scope="col">{tr(lang, Key::CardPhone)}</th>
                                <th scope="col">{tr(lang, Key::NavChats)}</th>
                                <th scope="col">{tr(lang, Key::LastSeen)}</th>
                                <th scope="col"><span class="visually-hidden">{tr(lang, Key::Actions)}</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|v| {
                                    let name = visitor_label(lang, v.name.as_deref(), kefu_protocol::VisitorId(v.id));
                                    let (id, asked) = (v.id, name.clone());
                                    let json = tr(lang, Key::ExportVisitorJson).replace("{visitor}", &name);
                                    let html = tr(lang, Key::ExportVisitorHtml).replace("{visitor}", &name);
                                    let erase = tr(lang, Key::EraseVisitor).replace("{visitor}", &name);
                                    view! {
                                        <tr>
                                            <td>{name}</td>
                                            <td>{v.site_name}</td>
                                            <td>{v.email}</td>
                                            <td>{v.phone}</td>
                                            <td>{v.conversations}</td>
                                            <td>{date_time_text(v.last_seen)}</td>
                                            <td class="buttons">
                                                <a class="button" download aria-label=json href=export_url(id, VisitorExport::Json)>"JSON"</a>
                                                <a class="button" download aria-label=html href=export_url(id, VisitorExport::Html)>"HTML"</a>
                                                <button type="button" class="danger" aria-label=erase on:click=move |_| {
                                                    notice.set(None);
                                                    typed.set(String::new());
                                                    asking.set(Some((id, asked.clone())));
                                                }>{tr(lang, Key::Erase)}</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </section>
    }
}
