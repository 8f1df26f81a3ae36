//! The operation-log page: filters (agent, type, dates), a paged table, and CSV export.

use leptos::prelude::*;

use super::api::{export_oplog, list_oplog};
use super::{OpKind, OplogQuery, PAGE};
use crate::agents::api::list_agents;
use crate::i18n::{error_text, op_text, tr, use_lang, Key};
use crate::kit::form::{Pager, SelectField};
use crate::kit::{date_time_text, day_start_ms, download, EmptyState};

#[component]
pub fn LogPage() -> impl IntoView {
    let lang = use_lang();
    let agent = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    let query = move || OplogQuery {
        agent_id: agent.get().parse().ok(),
        kind: OpKind::parse(&kind.get()),
        from: day_start_ms(&from.get(), false),
        to: day_start_ms(&to.get(), true),
        offset: offset.get(),
    };
    // A changed filter starts again at the first page.
    Effect::new(move |_| {
        agent.track();
        kind.track();
        from.track();
        to.track();
        offset.set(0);
    });
    let page = LocalResource::new(move || list_oplog(query()));
    let agents = LocalResource::new(|| list_agents(String::new(), 0));
    let error = RwSignal::new(None::<String>);
    let no_filter_error = Signal::derive(|| None);
    let agent_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::AnyOption).to_owned())];
        if let Some(Ok(page)) = agents.get() {
            options
                .extend(page.rows.into_iter().map(|a| (a.id.to_string(), format!("{} ({})", a.display_name, a.login))));
        }
        options
    });
    let kind_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::AnyOption).to_owned())];
        options.extend(OpKind::ALL.into_iter().map(|k| (k.as_str().to_owned(), op_text(lang, k).to_owned())));
        options
    });
    let export = move |_| {
        let q = OplogQuery { offset: 0, ..query() };
        leptos::task::spawn_local(async move {
            match export_oplog(q).await {
                Ok(csv) => {
                    error.set(None);
                    download("operation-log.csv", "text/csv;charset=utf-8", &csv);
                }
                Err(e) => error.set(Some(error_text(lang, &e.0))),
            }
        });
    };
    let total = Signal::derive(move || page.get().and_then(|p| p.ok()).map_or(0, |p| p.total));
    view! {
        <section class="oplog admin" aria-labelledby="log-title">
            <h2 id="log-title">{tr(lang, Key::NavLog)}</h2>
            <form class="filters" aria-label=tr(lang, Key::NavLog) on:submit=|ev| ev.prevent_default()>
                <SelectField label=tr(lang, Key::Agent) name="agent" bind=agent options=agent_options error=no_filter_error/>
                <SelectField label=tr(lang, Key::OpType) name="kind" bind=kind options=kind_options error=no_filter_error/>
                <div class="field">
                    <label for="log-from">{tr(lang, Key::DateFrom)}</label>
                    <input id="log-from" type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="log-to">{tr(lang, Key::DateTo)}</label>
                    <input id="log-to" type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                </div>
                <button type="button" on:click=export>{tr(lang, Key::ExportCsv)}</button>
            </form>
            <p role="alert" class="error">{move || error.get()}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    let entries = page.await.map(|p| p.entries).unwrap_or_default();
                    if entries.is_empty() {
                        return view! { <EmptyState text=tr(lang, Key::NoEntries)/> }.into_any();
                    }
                    view! {
                        <div class="table-wrap">
                            <table>
                                <thead>
                                    <tr>
                                        <th scope="col">{tr(lang, Key::Time)}</th>
                                        <th scope="col">{tr(lang, Key::Agent)}</th>
                                        <th scope="col">{tr(lang, Key::OpType)}</th>
                                        <th scope="col">{tr(lang, Key::OpObject)}</th>
                                        <th scope="col">{tr(lang, Key::OpSummary)}</th>
                                        <th scope="col">{tr(lang, Key::IpAddress)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {entries.into_iter().map(|e| {
                                        let who = match &e.agent_name {
                                            Some(name) => format!("{name} ({})", e.account),
                                            None => e.account.clone(),
                                        };
                                        view! {
                                            <tr>
                                                <td>{date_time_text(e.at)}</td>
                                                <td>{who}</td>
                                                <td>{e.kind.map_or("?", |k| op_text(lang, k))}</td>
                                                <td>{e.object}</td>
                                                <td class="summary">{e.summary}</td>
                                                <td title=e.user_agent>{e.ip}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                })}
            </Suspense>
            <Pager offset page=PAGE total/>
        </section>
    }
}
