//! The statistics pages (issue 17, seed 000 chapter 15): a site, a report and a period (a month,
//! or a year by month), compared with the period before. Traffic (15.1), sources (keywords 15.3,
//! referring sites 15.4, campaigns), regions (15.2) and chats (what became of them, invitations,
//! weekday × hour), response and handling. Every chart is SVG with a text summary over the table
//! it is drawn from; the tables of days, rankings and handling (site, agents, categories) download
//! as CSV.

use leptos::prelude::*;

use super::api::{chat_hours, handled, ranked, traffic};
use super::{
    by_month, days_csv, dim_name, handling_cell, handling_csv, key_text, month_days, percent, previous_month,
    ranking_csv, Column, Day, Dim, Handling, Heatmap, Ranking, CHAT_COLUMNS, HANDLING_COLUMNS, TRAFFIC_COLUMNS,
};
use crate::i18n::{error_text, tr, use_lang, Key, Lang};
use crate::kit::number_text;
use crate::sites::ui::SiteChoice;

/// This month (`YYYY-MM`, UTC) for a unix-ms time.
fn month_of(ms: i64) -> String {
    let (y, m, _) = crate::kit::civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Report {
    Traffic,
    Sources,
    Regions,
    Chats,
    Handling,
}

impl Report {
    const ALL: [Report; 5] = [Report::Traffic, Report::Sources, Report::Regions, Report::Chats, Report::Handling];

    fn key(self) -> Key {
        match self {
            Report::Traffic => Key::StatsTitle,
            Report::Sources => Key::StatSources,
            Report::Regions => Key::StatRegions,
            Report::Chats => Key::StatChatsReport,
            Report::Handling => Key::StatHandling,
        }
    }

    fn value(self) -> &'static str {
        match self {
            Report::Traffic => "traffic",
            Report::Sources => "sources",
            Report::Regions => "regions",
            Report::Chats => "chats",
            Report::Handling => "handling",
        }
    }
}

/// The days a report covers, and the period before it.
#[derive(Clone, PartialEq, Eq)]
struct Period {
    from: String,
    to: String,
    before: Option<(String, String)>,
    /// A year, shown by month.
    yearly: bool,
}

impl Period {
    fn month(month: &str) -> Option<Period> {
        let (from, to) = month_days(month)?;
        Some(Period { from, to, before: previous_month(month).as_deref().and_then(month_days), yearly: false })
    }

    fn year(year: &str) -> Option<Period> {
        let y = year.trim().parse::<i32>().ok().filter(|y| (1970..=9999).contains(y))?;
        let span = |y: i32| (format!("{y:04}-01-01"), format!("{y:04}-12-31"));
        let (from, to) = span(y);
        Some(Period { from, to, before: Some(span(y - 1)), yearly: true })
    }

    fn before_key(&self) -> Key {
        if self.yearly {
            Key::StatPreviousYear
        } else {
            Key::StatPreviousMonth
        }
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let lang = use_lang();
    let site = RwSignal::new(None::<i64>);
    let now = use_context::<crate::kit::live::Live>().map(|l| l.now.get_untracked()).unwrap_or_default();
    let report = RwSignal::new(Report::Traffic);
    let yearly = RwSignal::new(false);
    let month = RwSignal::new(month_of(now));
    let year = RwSignal::new(month_of(now).get(..4).unwrap_or("2026").to_owned());
    let period = Memo::new(move |_| if yearly.get() { Period::year(&year.get()) } else { Period::month(&month.get()) });
    view! {
        <section class="stats" aria-labelledby="stats-title">
            <h2 id="stats-title">{tr(lang, Key::NavStats)}</h2>
            <div class="filters">
                <SiteChoice site/>
                <label>
                    <span>{tr(lang, Key::StatReport)}</span>
                    <select aria-label=tr(lang, Key::StatReport) on:change=move |ev| {
                        let value = event_target_value(&ev);
                        report.set(Report::ALL.into_iter().find(|r| r.value() == value).unwrap_or(Report::Traffic));
                    }>
                        {Report::ALL.map(|r| view! {
                            <option value=r.value() selected=move || report.get() == r>{tr(lang, r.key())}</option>
                        }).to_vec()}
                    </select>
                </label>
                <label>
                    <span>{tr(lang, Key::StatPeriod)}</span>
                    <select aria-label=tr(lang, Key::StatPeriod) on:change=move |ev| yearly.set(event_target_value(&ev) == "year")>
                        <option value="month" selected=move || !yearly.get()>{tr(lang, Key::StatMonth)}</option>
                        <option value="year" selected=move || yearly.get()>{tr(lang, Key::StatYear)}</option>
                    </select>
                </label>
                <Show
                    when=move || yearly.get()
                    fallback=move || view! {
                        <label>
                            <span>{tr(lang, Key::StatMonth)}</span>
                            <input type="month" prop:value=move || month.get()
                                on:change=move |ev| month.set(event_target_value(&ev))/>
                        </label>
                    }
                >
                    <label>
                        <span>{tr(lang, Key::StatYear)}</span>
                        <input type="number" min="1970" max="9999" prop:value=move || year.get()
                            on:change=move |ev| year.set(event_target_value(&ev))/>
                    </label>
                </Show>
            </div>
            {move || {
                let (Some(site), Some(period)) = (site.get(), period.get()) else { return ().into_any() };
                let heading = tr(lang, report.get().key());
                let body = match report.get() {
                    Report::Traffic => view! { <TrafficReport lang site period=period.clone()/> }.into_any(),
                    Report::Sources => [Dim::Keyword, Dim::Referrer, Dim::Campaign, Dim::Kind]
                        .into_iter()
                        .map(|dim| view! { <RankingTable lang site dim period=period.clone()/> })
                        .collect_view()
                        .into_any(),
                    Report::Regions => [Dim::Country, Dim::Province]
                        .into_iter()
                        .map(|dim| view! { <RankingTable lang site dim period=period.clone()/> })
                        .collect_view()
                        .into_any(),
                    Report::Chats => view! { <ChatsReport lang site period=period.clone()/> }.into_any(),
                    Report::Handling => view! { <HandlingView lang site period=period.clone()/> }.into_any(),
                };
                view! {
                    <section class="report" aria-labelledby="report-title">
                        <h3 id="report-title">{heading}</h3>
                        {body}
                    </section>
                }
                .into_any()
            }}
        </section>
    }
}

/// A period's days and the period before's (none when it cannot be read).
async fn days_of(site: i64, period: &Period) -> Result<(Vec<Day>, Option<Vec<Day>>), crate::infra::error::AppError> {
    let days = traffic(site, period.from.clone(), period.to.clone()).await?;
    let before = match &period.before {
        Some((from, to)) => traffic(site, from.clone(), to.clone()).await.ok(),
        None => None,
    };
    Ok((days, before))
}

#[component]
fn TrafficReport(lang: Lang, site: i64, period: Period) -> impl IntoView {
    let p = period.clone();
    let devices = period.clone();
    let loaded = LocalResource::new(move || {
        let p = p.clone();
        async move { days_of(site, &p).await }
    });
    view! {
        {move || loaded.get().map(|r| match r {
            Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
            Ok((days, before)) => view! {
                <DaysView lang period=period.clone() days before columns=TRAFFIC_COLUMNS chart=|d: &Day| d.page_views
                    table_key=if period.yearly { Key::StatMonthlyTable } else { Key::StatTrafficTable }
                    summary_key=if period.yearly { Key::StatMonthChartSummary } else { Key::StatChartSummary }
                    file="traffic"/>
            }.into_any(),
        })}
        <RankingTable lang site dim=Dim::Device period=devices/>
    }
}

#[component]
fn ChatsReport(lang: Lang, site: i64, period: Period) -> impl IntoView {
    let p = period.clone();
    let loaded = LocalResource::new(move || {
        let p = p.clone();
        async move {
            let (days, before) = days_of(site, &p).await?;
            let hours = chat_hours(site, p.from.clone(), p.to.clone()).await?;
            Ok::<_, crate::infra::error::AppError>((days, before, hours))
        }
    });
    view! {
        {move || loaded.get().map(|r| match r {
            Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
            Ok((days, before, hours)) => view! {
                <DaysView lang period=period.clone() days before columns=CHAT_COLUMNS chart=|d: &Day| d.chats
                    table_key=if period.yearly { Key::StatChatsMonthly } else { Key::StatChatsTable }
                    summary_key=if period.yearly { Key::StatChatsMonthSummary } else { Key::StatChatsDaySummary }
                    file="chats"/>
                <HeatmapView lang hours/>
            }.into_any(),
        })}
    }
}

/// A bar chart of one figure per day (or month) over the table of days with totals and the
/// period before, and its CSV.
#[component]
fn DaysView(
    lang: Lang,
    period: Period,
    days: Vec<Day>,
    before: Option<Vec<Day>>,
    columns: &'static [Column],
    chart: fn(&Day) -> i64,
    table_key: Key,
    summary_key: Key,
    file: &'static str,
) -> impl IntoView {
    let summed = period.yearly;
    let rows = if summed { by_month(&days) } else { days };
    let total = |days: &[Day]| by_month_total(days);
    let totals = total(&rows);
    let before = before.map(|b| total(&b));
    // A bar's place is its day of the month (or month of the year), whether or not it is over.
    let slots = if summed { 12 } else { period.to.get(8..).and_then(|d| d.parse::<usize>().ok()).unwrap_or(31) };
    let most = rows.iter().max_by_key(|d| chart(d)).cloned().unwrap_or_default();
    let summary = if chart(&totals) == 0 {
        tr(lang, Key::StatNoTraffic).to_owned()
    } else {
        tr(lang, summary_key)
            .replace("{total}", &number_text(lang, chart(&totals)))
            .replace("{day}", &most.day)
            .replace("{most}", &number_text(lang, chart(&most)))
    };
    let csv = days_csv(lang, columns, &rows, summed);
    let name = format!("{file}-{}-{}.csv", period.from, period.to);
    let scale = chart(&most).max(1) as f64;
    let width = (slots.max(rows.len()).max(1) * 10).to_string();
    let cell = move |c: &Column, d: &Day, whole: bool| {
        if whole && !c.adds_up {
            "—".to_owned()
        } else {
            number_text(lang, (c.value)(d))
        }
    };
    let before_key = period.before_key();
    view! {
        <figure class="chart">
            <svg role="img" aria-label=summary.clone() viewBox=format!("0 0 {width} 100") preserveAspectRatio="none">
                {rows.iter().enumerate().map(|(i, d)| {
                    let height = chart(d) as f64 / scale * 95.0;
                    view! {
                        <rect x=(i * 10 + 1).to_string() y=format!("{:.1}", 100.0 - height) width="8" height=format!("{height:.1}")>
                            <title>{format!("{}: {}", d.day, chart(d))}</title>
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
            <table class="data" aria-label=tr(lang, table_key)>
                <thead>
                    <tr>
                        <th scope="col">{tr(lang, if summed { Key::StatMonth } else { Key::StatDay })}</th>
                        {columns.iter().map(|c| view! { <th scope="col">{tr(lang, c.key)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.iter().map(|d| view! {
                        <tr>
                            <th scope="row">{d.day.clone()}</th>
                            {columns.iter().map(|c| view! { <td>{cell(c, d, summed)}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{tr(lang, Key::StatTotal)}</th>
                        {columns.iter().map(|c| view! { <td>{cell(c, &totals, true)}</td> }).collect_view()}
                    </tr>
                    {before.map(|b| view! {
                        <tr>
                            <th scope="row">{tr(lang, before_key)}</th>
                            {columns.iter().map(|c| view! { <td>{cell(c, &b, true)}</td> }).collect_view()}
                        </tr>
                    })}
                </tfoot>
            </table>
        </div>
    }
}

/// All days summed into one.
fn by_month_total(days: &[Day]) -> Day {
    let all: Vec<Day> = days.iter().map(|d| Day { day: String::new(), ..d.clone() }).collect();
    by_month(&all).pop().unwrap_or_default()
}

/// A dimension's ranking: key, visits with their share (and a bar), chats and the chat rate;
/// totals and the period before; CSV.
#[component]
fn RankingTable(lang: Lang, site: i64, dim: Dim, period: Period) -> impl IntoView {
    let p = period.clone();
    let loaded = LocalResource::new(move || {
        let p = p.clone();
        async move { ranked(site, dim, p.from.clone(), p.to.clone()).await }
    });
    let name = tr(lang, dim_name(dim));
    let before_key = period.before_key();
    let file = format!("{}-{}-{}.csv", format!("{dim:?}").to_lowercase(), period.from, period.to);
    view! {
        <section class="ranking" aria-label=name>
            <h4>{name}</h4>
            {move || loaded.get().map(|r| match r {
                Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                Ok(ranking) => {
                    let csv = ranking_csv(lang, dim, &ranking);
                    let file = file.clone();
                    let Ranking { rows, total, before } = ranking;
                    view! {
                        <button type="button" aria-label=format!("{} · {name}", tr(lang, Key::ExportCsv))
                            on:click=move |_| crate::kit::download(&file, "text/csv;charset=utf-8", &csv)>
                            {tr(lang, Key::ExportCsv)}
                        </button>
                        <div class="table-wrap">
                            <table class="data" aria-label=name>
                                <thead>
                                    <tr>
                                        <th scope="col">{name}</th>
                                        <th scope="col">{tr(lang, Key::StatVisits)}</th>
                                        <th scope="col">{tr(lang, Key::StatShare)}</th>
                                        <th scope="col">{tr(lang, Key::StatChats)}</th>
                                        <th scope="col">{tr(lang, Key::StatConversion)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows.iter().map(|r| {
                                        let share = percent(r.visits, total.visits);
                                        let width = if total.visits > 0 { r.visits * 100 / total.visits } else { 0 };
                                        view! {
                                            <tr>
                                                <th scope="row">{key_text(lang, dim, &r.key)}</th>
                                                <td>{number_text(lang, r.visits)}</td>
                                                <td class="share">
                                                    // An SVG bar: the page's policy allows no inline styles.
                                                    <svg class="bar" aria-hidden="true" viewBox="0 0 100 1" preserveAspectRatio="none">
                                                        <rect width=width.to_string() height="1"/>
                                                    </svg>
                                                    {share}
                                                </td>
                                                <td>{number_text(lang, r.chats)}</td>
                                                <td>{percent(r.chats, r.visits)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                                <tfoot>
                                    <tr>
                                        <th scope="row">{tr(lang, Key::StatTotal)}</th>
                                        <td>{number_text(lang, total.visits)}</td>
                                        <td></td>
                                        <td>{number_text(lang, total.chats)}</td>
                                        <td>{percent(total.chats, total.visits)}</td>
                                    </tr>
                                    <tr>
                                        <th scope="row">{tr(lang, before_key)}</th>
                                        <td>{number_text(lang, before.visits)}</td>
                                        <td></td>
                                        <td>{number_text(lang, before.chats)}</td>
                                        <td>{percent(before.chats, before.visits)}</td>
                                    </tr>
                                </tfoot>
                            </table>
                        </div>
                    }
                    .into_any()
                }
            })}
        </section>
    }
}

const WEEKDAYS: [Key; 7] = [
    Key::WeekdayMon,
    Key::WeekdayTue,
    Key::WeekdayWed,
    Key::WeekdayThu,
    Key::WeekdayFri,
    Key::WeekdaySat,
    Key::WeekdaySun,
];

/// Chats per weekday and hour: a grid of shaded cells (SVG, summarised) over the table.
#[component]
fn HeatmapView(lang: Lang, hours: Heatmap) -> impl IntoView {
    let total: i64 = hours.iter().flatten().sum();
    let (most, when) = hours
        .iter()
        .enumerate()
        .flat_map(|(d, row)| row.iter().enumerate().map(move |(h, n)| (*n, (d, h))))
        .max_by_key(|(n, (d, h))| (*n, std::cmp::Reverse((*d, *h))))
        .unwrap_or_default();
    let summary = if total == 0 {
        tr(lang, Key::StatNoTraffic).to_owned()
    } else {
        tr(lang, Key::StatHeatmapSummary)
            .replace("{total}", &number_text(lang, total))
            .replace("{when}", &format!("{} {:02}:00", tr(lang, WEEKDAYS[when.0]), when.1))
            .replace("{most}", &number_text(lang, most))
    };
    let scale = most.max(1) as f64;
    let name = tr(lang, Key::StatHeatmap);
    view! {
        <section class="ranking" aria-label=name>
            <h4>{name}</h4>
            <figure class="chart heatmap">
                <svg role="img" aria-label=summary.clone() viewBox="0 0 240 70">
                    {hours.iter().enumerate().flat_map(|(d, row)| row.iter().enumerate().map(move |(h, n)| (d, h, *n))).map(|(d, h, n)| {
                        let shade = if n == 0 { 0.06 } else { 0.2 + 0.8 * n as f64 / scale };
                        view! {
                            <rect x=(h * 10).to_string() y=(d * 10).to_string() width="9" height="9"
                                fill-opacity=format!("{shade:.2}")>
                                <title>{format!("{} {h:02}:00: {n}", tr(lang, WEEKDAYS[d]))}</title>
                            </rect>
                        }
                    }).collect_view()}
                </svg>
                <figcaption>{summary}</figcaption>
            </figure>
            <div class="table-wrap">
                <table class="data heat" aria-label=name>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::StatHour)}</th>
                            {WEEKDAYS.map(|k| view! { <th scope="col">{tr(lang, k)}</th> }).to_vec()}
                        </tr>
                    </thead>
                    <tbody>
                        {(0..24).map(|h| view! {
                            <tr>
                                <th scope="row">{format!("{h:02}:00")}</th>
                                {hours.iter().map(|row| view! { <td>{number_text(lang, row[h])}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Response and handling: the site and each agent, each category, and how chats ended.
#[component]
fn HandlingView(lang: Lang, site: i64, period: Period) -> impl IntoView {
    let p = period.clone();
    let loaded = LocalResource::new(move || {
        let p = p.clone();
        async move { handled(site, p.from.clone(), p.to.clone()).await }
    });
    let file = format!("handling-{}-{}.csv", period.from, period.to);
    view! {
        {move || loaded.get().map(|r| match r {
            Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
            Ok(report) => {
                let mut rows = vec![report.site.clone()];
                rows.extend(report.agents.iter().cloned());
                rows.extend(report.categories.iter().cloned());
                let csv = handling_csv(lang, &rows);
                let file = file.clone();
                let total = report.site.chats;
                let closed = Ranking {
                    rows: report.closed.clone(),
                    total: super::Ranked { chats: total, ..Default::default() },
                    before: Default::default(),
                };
                view! {
                    <button type="button" on:click=move |_| crate::kit::download(&file, "text/csv;charset=utf-8", &csv)>
                        {tr(lang, Key::ExportCsv)}
                    </button>
                    <HandlingTable lang label=Key::StatHandlingTable rows/>
                    {(!report.categories.is_empty()).then(|| view! {
                        <HandlingTable lang label=Key::StatHandlingCategories rows=report.categories.clone()/>
                    })}
                    <section class="ranking" aria-label=tr(lang, Key::StatClosedBy)>
                        <h4>{tr(lang, Key::StatClosedBy)}</h4>
                        <div class="table-wrap">
                            <table class="data" aria-label=tr(lang, Key::StatClosedBy)>
                                <thead>
                                    <tr>
                                        <th scope="col">{tr(lang, Key::StatClosedBy)}</th>
                                        <th scope="col">{tr(lang, Key::StatChats)}</th>
                                        <th scope="col">{tr(lang, Key::StatShare)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {closed.rows.iter().map(|r| view! {
                                        <tr>
                                            <th scope="row">{key_text(lang, Dim::Closed, &r.key)}</th>
                                            <td>{number_text(lang, r.chats)}</td>
                                            <td>{percent(r.chats, closed.total.chats)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                }
                .into_any()
            }
        })}
    }
}

#[component]
fn HandlingTable(lang: Lang, label: Key, rows: Vec<Handling>) -> impl IntoView {
    view! {
        <section class="ranking" aria-label=tr(lang, label)>
            <h4>{tr(lang, label)}</h4>
            <div class="table-wrap">
                <table class="data" aria-label=tr(lang, label)>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::StatWho)}</th>
                            {HANDLING_COLUMNS.iter().map(|c| view! { <th scope="col">{tr(lang, c.0)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {rows.iter().map(|h| {
                            let name = if h.id == 0 { tr(lang, Key::StatWholeSite).to_owned() } else { h.name.clone() };
                            view! {
                                <tr>
                                    <th scope="row">{name}</th>
                                    {HANDLING_COLUMNS.iter().map(|c| view! { <td>{handling_cell(lang, h, c)}</td> }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
