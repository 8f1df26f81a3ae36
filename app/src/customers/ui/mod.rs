//! The customers page: search and filters, 25 to a page, a customer's card opened in the visitor
//! panel (edited there), two records of one person merged, one erased, the list exported as CSV.

use kefu_protocol::{Perm, VisitorId};
use leptos::prelude::*;

use super::api::{list_customers, merge_customers};
use super::{export_url, CustomerFilter, CustomerRow, PAGE, QUERY_CHARS};
use crate::i18n::{error_text, tr, use_lang, Key};
use crate::kit::form::{ConfirmDelete, Pager};
use crate::kit::{date_time_text, day_start_ms, visitor_label, EmptyState};
use crate::privacy::api::erase_visitor;
use crate::visitors::ui::VisitorPanel;

/// A customer's name as the page shows it.
fn label(lang: crate::i18n::Lang, r: &CustomerRow) -> String {
    visitor_label(lang, r.name.as_deref(), VisitorId(r.id))
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let lang = use_lang();
    let (query, tag, site) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let offset = RwSignal::new(0i64);
    let applied = RwSignal::new(CustomerFilter::default());
    let reload = RwSignal::new(0u32);
    let page = LocalResource::new(move || {
        reload.track();
        let filter = CustomerFilter { offset: offset.get(), ..applied.get() };
        async move { list_customers(filter).await }
    });
    let sites = LocalResource::new(crate::sites::api::my_sites);
    let live = use_context::<crate::kit::live::Live>();
    let may_rewrite =
        move || live.is_some_and(|l| l.agent.with(|a| a.as_ref().is_some_and(|a| a.can(Perm::RecordsDelete))));
    let selected = RwSignal::new(Vec::<CustomerRow>::new());
    let open = RwSignal::new(None::<VisitorId>);
    let merging = RwSignal::new(false);
    let erasing = RwSignal::new(None::<CustomerRow>);
    let typed = RwSignal::new(String::new());
    let (notice, error) = (RwSignal::new(None::<String>), RwSignal::new(None::<String>));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        offset.set(0);
        selected.set(Vec::new());
        applied.set(CustomerFilter {
            query: query.get_untracked(),
            tag: tag.get_untracked(),
            site_id: site.get_untracked().parse().ok(),
            from: day_start_ms(&from.get_untracked(), false).unwrap_or(0),
            to: day_start_ms(&to.get_untracked(), true).unwrap_or(0),
            offset: 0,
        });
    };
    let done = move |text: String| {
        error.set(None);
        notice.set(Some(text));
        selected.set(Vec::new());
        reload.update(|n| *n += 1);
    };
    let keep = move |kept: CustomerRow, merged: CustomerRow| {
        leptos::task::spawn_local(async move {
            merging.set(false);
            match merge_customers(kept.id, merged.id).await {
                Ok(()) => done(tr(lang, Key::CustomersMerged).replace("{name}", &label(lang, &kept))),
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
        });
    };
    let erase = Callback::new(move |()| {
        let Some(row) = erasing.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            erasing.set(None);
            match erase_visitor(row.id).await {
                Ok(gone) => done(
                    tr(lang, Key::VisitorErased)
                        .replace("{visitor}", &label(lang, &row))
                        .replace("{messages}", &gone.messages.to_string()),
                ),
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
        });
    });
    let total = Signal::derive(move || page.get().and_then(|p| p.ok()).map_or(0, |p| p.total));
    view! {
        <section class="admin customers records" aria-labelledby="customers-title">
            <h2 id="customers-title">{tr(lang, Key::NavCustomers)}</h2>
            <form class="filters" role="search" aria-label=tr(lang, Key::FindCustomers) on:submit=submit>
                <label>
                    <span>{tr(lang, Key::CustomerSearch)}</span>
                    <input type="search" maxlength=QUERY_CHARS.to_string() prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::Tag)}</span>
                    <input type="text" maxlength=QUERY_CHARS.to_string() prop:value=move || tag.get()
                        on:input=move |ev| tag.set(event_target_value(&ev))/>
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
                    <span>{tr(lang, Key::LastSeenFrom)}</span>
                    <input type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(lang, Key::LastSeenTo)}</span>
                    <input type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                </label>
                <button type="submit">{tr(lang, Key::Search)}</button>
            </form>
            <p class="buttons">
                <a class="button" download href=move || export_url(&applied.get())>{tr(lang, Key::ExportCsv)}</a>
                {move || may_rewrite().then(|| view! {
                    <button type="button" disabled=move || selected.with(|s| s.len() != 2)
                        on:click=move |_| { notice.set(None); merging.set(true); }>
                        {tr(lang, Key::MergeSelected)}
                    </button>
                })}
            </p>
            {move || merging.get().then(|| {
                let pair = selected.get_untracked();
                let [a, b] = <[CustomerRow; 2]>::try_from(pair).ok()?;
                let question = tr(lang, Key::MergeQuestion).replace("{a}", &label(lang, &a)).replace("{b}", &label(lang, &b));
                let (keep_a, keep_b) = (
                    tr(lang, Key::KeepRecord).replace("{name}", &label(lang, &a)),
                    tr(lang, Key::KeepRecord).replace("{name}", &label(lang, &b)),
                );
                let (a2, b2) = (a.clone(), b.clone());
                Some(view! {
                    <section class="confirm" role="dialog" aria-modal="false" aria-labelledby="merge-question">
                        <p id="merge-question">{question}</p>
                        <div class="buttons">
                            <button type="button" on:click=move |_| keep(a.clone(), b.clone())>{keep_a}</button>
                            <button type="button" on:click=move |_| keep(b2.clone(), a2.clone())>{keep_b}</button>
                            <button type="button" on:click=move |_| merging.set(false)>{tr(lang, Key::Cancel)}</button>
                        </div>
                    </section>
                })
            }).flatten()}
            {move || erasing.get().map(|row| view! {
                <ConfirmDelete name=label(lang, &row) typed on_confirm=erase on_cancel=Callback::new(move |()| erasing.set(None))/>
            })}
            <p role="status" class="notice">{move || notice.get()}</p>
            <p role="alert" class="error">{move || error.get()}</p>
            {move || page.get().map(|p| match p {
                Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                Ok(p) if p.rows.is_empty() => view! { <EmptyState text=tr(lang, Key::NoCustomers)/> }.into_any(),
                Ok(p) => view! {
                    <div class="table-wrap">
                        <table aria-label=tr(lang, Key::NavCustomers)>
                            <thead><tr>
                                {may_rewrite().then(|| view! { <th scope="col"><span class="visually-hidden">{tr(lang, Key::Select)}</span></th> })}
                                <th scope="col">{tr(lang, Key::CardName)}</th>
                                <th scope="col">{tr(lang, Key::Email)}</th>
                                <th scope="col">{tr(lang, Key::CardPhone)}</th>
                                <th scope="col">{tr(lang, Key::CardCompany)}</th>
                                <th scope="col">{tr(lang, Key::CardTags)}</th>
                                <th scope="col">{tr(lang, Key::MemberId)}</th>
                                <th scope="col">{tr(lang, Key::SiteFilter)}</th>
                                <th scope="col">{tr(lang, Key::LastSeen)}</th>
                                <th scope="col">{tr(lang, Key::ConversationsField)}</th>
                                {may_rewrite().then(|| view! { <th scope="col"><span class="visually-hidden">{tr(lang, Key::Actions)}</span></th> })}
                            </tr></thead>
                            <tbody>
                                {p.rows.into_iter().map(|r| {
                                    let name = label(lang, &r);
                                    let (id, row, row2) = (r.id, r.clone(), r.clone());
                                    let select = tr(lang, Key::SelectCustomer).replace("{name}", &name);
                                    let open_label = tr(lang, Key::OpenCard).replace("{name}", &name);
                                    let erase_label = tr(lang, Key::EraseVisitor).replace("{visitor}", &name);
                                    view! {
                                        <tr>
                                            {may_rewrite().then(|| view! {
                                                <td>
                                                    <input type="checkbox" aria-label=select.clone()
                                                        prop:checked=move || selected.with(|s| s.iter().any(|x| x.id == id))
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            let row = row.clone();
                                                            selected.update(|s| {
                                                                s.retain(|x| x.id != id);
                                                                if on {
                                                                    s.push(row);
                                                                }
                                                            });
                                                        }/>
                                                </td>
                                            })}
                                            <td>
                                                <button type="button" class="link" aria-label=open_label
                                                    on:click=move |_| open.set(Some(VisitorId(id)))>{name.clone()}</button>
                                            </td>
                                            <td>{r.email}</td>
                                            <td>{r.phone}</td>
                                            <td>{r.company}</td>
                                            <td>{r.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> " " }).collect_view()}</td>
                                            <td>{r.member.unwrap_or_default()}</td>
                                            <td>{r.site_name}</td>
                                            <td>{date_time_text(r.last_seen)}</td>
                                            <td>{r.conversations}</td>
                                            {may_rewrite().then(|| view! {
                                                <td>
                                                    <button type="button" class="danger" aria-label=erase_label
                                                        on:click=move |_| {
                                                            notice.set(None);
                                                            typed.set(String::new());
                                                            erasing.set(Some(row2.clone()));
                                                        }>{tr(lang, Key::Erase)}</button>
                                                </td>
                                            })}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
            <Pager offset page=PAGE total/>
            {move || open.get().map(|visitor| view! {
                <VisitorPanel visitor on_close=Callback::new(move |_| {
                    open.set(None);
                    reload.update(|n| *n += 1);
                })/>
            })}
        </section>
    }
}
