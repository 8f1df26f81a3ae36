//! The statistics page (issue 17, seed 000 15.1 "访问统计概况"): a site and a month, the month's
//! page views per day as a bar chart (SVG, summarised in text for screen readers) over the table
//! behind it (with totals), and that table as CSV.

use leptos::prelude::*;

use super::api::traffic;
use super::{month_days, previous_month, traffic_csv, Day};
use crate::i18n::{error_text, tr, use_lang, Key, Lang};
use crate::kit::number_text;
use crate::sites::ui::SiteChoice;

/// This month (`YYYY-MM`, UTC) for a unix-ms time.
fn month_of(ms: i64) -> String {
    let (y, m, _) = crate::kit::civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}")
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let lang = use_lang();
    let site = RwSignal::new(None::<i64>);
    let now = use_context::<crate::kit::live::Live>().map(|l| l.now.get_untracked()).unwrap_or_default();
    let month = RwSignal::new(month_of(now));
    let report = LocalResource::new(move || {
        let (site, month) = (site.get(), month.get());
        async move {
            let (Some(site), Some((from, to))) = (site, month_days(&month)) else { return None };
            // A bar's place is its day of the month, whether or not the month is over.
            let slots = to.get(8..).and_then(|d| d.parse::<usize>().ok()).unwrap_or(31);
            let days = match traffic(site, from, to).await {
                Ok(days) => days,
                Err(e) => return Some(Err(e)),
            };
            // The month before, for comparison (none when it cannot be read).
            let before = match previous_month(&month).as_deref().and_then(month_days) {
                Some((from, to)) => traffic(site, from, to).await.ok(),
                None => None,
            };
            Some(Ok((days, slots, before)))
        }
    });
    view! {
        <section class="stats" aria-labelledby="stats-title">
            <h2 id="stats-title">{tr(lang, Key::StatsTitle)}</h2>
            <div class="filters">
                <SiteChoice site/>
                <label>
                    <span>{tr(lang, Key::StatMonth)}</span>
                    <input type="month" prop:value=move || month.get()
                        on:change=move |ev| month.set(event_target_value(&ev))/>
                </label>
            </div>
            {move || report.get().flatten().map(|r| match r {
                Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                Ok((days, slots, before)) => view! { <Traffic lang days slots before/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Traffic(lang: Lang, days: Vec<Day>, slots: usize, before: Option<Vec<Day>>) -> impl IntoView {
    let totals = |days: &[Day]| {
        let total = |f: fn(&Day) -> i64| days.iter().map(f).sum::<i64>();
        (total(|d| d.page_views), total(|d| d.new_visitors), total(|d| d.chats))
    };
    let (views, new_visitors, chats) = totals(&days);
    let before = before.map(|b| totals(&b));
    let most = days.iter().max_by_key(|d| d.page_views).cloned().unwrap_or_default();
    let summary = if views == 0 {
        tr(lang, Key::StatNoTraffic).to_owned()
    } else {
        tr(lang, Key::StatChartSummary)
            .replace("{total}", &number_text(lang, views))
            .replace("{day}", &most.day)
            .replace("{most}", &number_text(lang, most.page_views))
    };
    let csv = traffic_csv(lang, &days);
    let name = format!("traffic-{}-{}.csv", days.first().map(|d| d.day.as_str()).unwrap_or(""), days.len());
    let scale = most.page_views.max(1) as f64;
    let width = (slots.max(days.len()).max(1) * 10).to_string();
    view! {
        <figure class="chart">
            <svg role="img" aria-label=summary.clone() viewBox=format!("0 0 {width} 100") preserveAspectRatio="none">
                {days.iter().enumerate().map(|(i, d)| {
                    let height = d.page_views as f64 / scale * 95.0;
                    view! {
                        <rect x=(i * 10 + 1).to_string() y=format!("{:.1}", 100.0 - height) width="8" height=format!("{height:.1}")>
                            <title>{format!("{}: {}", d.day, d.page_views)}</title>
                        </rect>
                    }
                }).collect_view()}
            </svg>
            <figcaption>{summary}</figcaption>
        </figure>
        <button type="button" on:click=move |_| crate::kit::download(&name, "text/csv;charset=utf-8", &csv)>
            {tr(lang, Key::ExportCsv)}
        </button>
        <div class="table-wrap">
            <table class="data" aria-label=tr(lang, Key::StatTrafficTable)>
                <thead>
                    <tr>
                        <th scope="col">{tr(lang, Key::StatDay)}</th>
                        <th scope="col">{tr(lang, Key::StatPageViews)}</th>
                        <th scope="col">{tr(lang, Key::StatVisitors)}</th>
                        <th scope="col">{tr(lang, Key::StatNewVisitors)}</th>
                        <th scope="col">{tr(lang, Key::StatChats)}</th>
                    </tr>
                </thead>
                <tbody>
                    {days.iter().map(|d| view! {
                        <tr>
                            <th scope="row">{d.day.clone()}</th>
                            <td>{number_text(lang, d.page_views)}</td>
                            <td>{number_text(lang, d.visitors)}</td>
                            <td>{number_text(lang, d.new_visitors)}</td>
                            <td>{number_text(lang, d.chats)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{tr(lang, Key::StatTotal)}</th>
                        <td>{number_text(lang, views)}</td>
                        <td>"—"</td>
                        <td>{number_text(lang, new_visitors)}</td>
                        <td>{number_text(lang, chats)}</td>
                    </tr>
                    {before.map(|(views, new_visitors, chats)| view! {
                        <tr>
                            <th scope="row">{tr(lang, Key::StatPreviousMonth)}</th>
                            <td>{number_text(lang, views)}</td>
                            <td>"—"</td>
                            <td>{number_text(lang, new_visitors)}</td>
                            <td>{number_text(lang, chats)}</td>
                        </tr>
                    })}
                </tfoot>
            </table>
        </div>
    }
}
