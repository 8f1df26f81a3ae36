//! Statistics (issue 17; seed 000 chapter 15 "访客统计"). Every site's days are cut in its own
//! time zone (`sites.time_zone`, an IANA name; a day a DST change shortens or lengthens is 23 or 25
//! hours). Each day is rolled up from the raw rows, which stay the source of truth: its totals
//! (traffic, chats and what became of them, invitations) into `stats_daily`, and its visits and
//! the chats they led to, ranked by region, keyword, referring site, campaign, kind of source,
//! device and hour, into `stats_ranked` (a day's hundred biggest keys per dimension; the rest
//! summed under [`OTHER`]). A background task rolls the last complete days of every site, a
//! report computes today (and any day not rolled yet) on demand, and `kefu-server stats rebuild`
//! rolls a site's range again. A report over a year reads ~365 rows per dimension, not millions of
//! page views.
//!
//! A visit is a visitor's run of page views without half an hour between them; it belongs to the
//! day it began, and takes its source (the first page's referrer and campaign), region (the first
//! page's address) and device from its first page. A chat belongs to the visit it began in.
//!
//! Owns `stats_daily` and `stats_ranked`; reads `page_views`, `visitors`, `conversations` and
//! `invitations`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod rank;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod timing;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::i18n::{tr, Key, Lang};
use crate::infra::csv::row;

/// One day of a site (`day`: `YYYY-MM-DD` in the site's time zone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub day: String,
    pub page_views: i64,
    /// Visitors with a page view that day.
    pub visitors: i64,
    /// Visitors seen for the first time that day.
    pub new_visitors: i64,
    /// Visits begun that day.
    pub visits: i64,
    /// Conversations begun that day.
    pub chats: i64,
    /// ... that an agent was given (assigned or taken).
    pub accepted: i64,
    /// ... that ended with no agent ever given them.
    pub missed: i64,
    /// ... missed because the visitor left while waiting in the queue.
    pub abandoned: i64,
    /// Invitations sent that day (by agents or automatically).
    pub invitations: i64,
    /// ... that the visitor accepted.
    pub invitations_accepted: i64,
    /// ... that led to a conversation.
    pub invited_chats: i64,
}

impl Day {
    /// Whether nothing happened that day.
    pub fn is_empty(&self) -> bool {
        *self == Day { day: self.day.clone(), ..Day::default() }
    }
}

/// What a report ranks visits by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dim {
    /// ISO 3166-1 country code.
    Country,
    /// ISO 3166-2 province or state code (`CN-GD`).
    Province,
    /// The search keyword (or the campaign's `utm_term`).
    Keyword,
    /// The referring site's host (own domains are navigation, not a source).
    Referrer,
    /// `utm_source / utm_medium / utm_campaign`.
    Campaign,
    /// direct, search, referral, campaign.
    Kind,
    /// desktop, phone, tablet, other.
    Device,
    /// The weekday (`0`: Monday) and hour a visit, or a chat, began: `w-HH`.
    Hour,
    /// How a chat begun that day ended (who closed it: agent, visitor, idle, missed, forced).
    Closed,
}

impl Dim {
    pub const ALL: [Dim; 9] = [
        Dim::Country,
        Dim::Province,
        Dim::Keyword,
        Dim::Referrer,
        Dim::Campaign,
        Dim::Kind,
        Dim::Device,
        Dim::Hour,
        Dim::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Country => "country",
            Dim::Province => "province",
            Dim::Keyword => "keyword",
            Dim::Referrer => "referrer",
            Dim::Campaign => "campaign",
            Dim::Kind => "kind",
            Dim::Device => "device",
            Dim::Hour => "hour",
            Dim::Closed => "closed",
        }
    }
}

/// The key of visits a dimension does not know (no region for the address, no keyword, no
/// referring site).
pub const UNKNOWN: &str = "";
/// The key that sums a day's keys beyond its hundred biggest (a control character: no keyword,
/// host or campaign holds one).
pub const OTHER: &str = "\u{1f}";
/// Keys kept per dimension and day, and rows a ranking lists.
pub const RANKED: usize = 100;

/// One key of a ranking: its visits and the chats they led to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub key: String,
    pub visits: i64,
    pub chats: i64,
}

/// A ranking over a range of days, with the same period before it for comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranking {
    /// The biggest keys by visits, then chats ([`RANKED`] at most; the rest summed under [`OTHER`]).
    pub rows: Vec<Ranked>,
    /// All visits and chats of the range (shares are of these).
    pub total: Ranked,
    /// All visits and chats of the period before it, as long.
    pub before: Ranked,
}

/// What a timing counts or measures (per day, and per site, agent and category).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimingMetric {
    /// Chats begun (a count).
    Chats,
    /// Messages agents sent in them (a count, for the sender).
    Messages,
    /// From the chat's start to the first agent message.
    FirstResponse,
    /// From a visitor's first unanswered message to the agent message after it.
    Response,
    /// From start to close.
    Duration,
    /// From start to an agent being given the chat (the queue).
    Wait,
}

impl TimingMetric {
    pub const ALL: [TimingMetric; 6] = [
        TimingMetric::Chats,
        TimingMetric::Messages,
        TimingMetric::FirstResponse,
        TimingMetric::Response,
        TimingMetric::Duration,
        TimingMetric::Wait,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimingMetric::Chats => "chats",
            TimingMetric::Messages => "messages",
            TimingMetric::FirstResponse => "first_response",
            TimingMetric::Response => "response",
            TimingMetric::Duration => "duration",
            TimingMetric::Wait => "wait",
        }
    }

    pub fn parse(text: &str) -> Option<TimingMetric> {
        TimingMetric::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// Durations summed over a range: how many, their average and percentiles (ms; a percentile is
/// its histogram bucket's lower bound: to the second under a minute).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub count: i64,
    pub avg_ms: i64,
    pub p50_ms: i64,
    pub p90_ms: i64,
}

/// How chats were handled over a range, for the site, an agent or a category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    /// The agent's or category's id (0: the site).
    pub id: i64,
    /// The agent's or category's name (empty: the site).
    pub name: String,
    pub chats: i64,
    pub messages: i64,
    pub first_response: Spread,
    pub response: Spread,
    pub duration: Spread,
    pub wait: Spread,
}

/// The response and handling report: the site, each agent and category, and how chats ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlingReport {
    pub site: Handling,
    pub agents: Vec<Handling>,
    pub categories: Vec<Handling>,
    /// Chats by who ended them (`agent`, `visitor`, `idle`, `missed`, `forced`; [`UNKNOWN`]: open).
    pub closed: Vec<Ranked>,
}

/// Chats begun per weekday (Monday first) and hour of the day, in the site's time zone.
pub type Heatmap = Vec<[i64; 24]>;

/// Most days one report covers.
pub const MAX_DAYS: i64 = 400;

/// A column of a table of days: its header, its figure, and whether the figures of several days
/// add up to theirs (visitors of several days do not: one visitor may come on each).
pub struct Column {
    pub key: Key,
    pub value: fn(&Day) -> i64,
    pub adds_up: bool,
}

const fn column(key: Key, value: fn(&Day) -> i64) -> Column {
    Column { key, value, adds_up: true }
}

/// The traffic report's columns (seed 000 15.1).
pub const TRAFFIC_COLUMNS: &[Column] = &[
    column(Key::StatPageViews, |d| d.page_views),
    column(Key::StatVisits, |d| d.visits),
    Column { key: Key::StatVisitors, value: |d| d.visitors, adds_up: false },
    column(Key::StatNewVisitors, |d| d.new_visitors),
    Column { key: Key::StatReturning, value: |d| (d.visitors - d.new_visitors).max(0), adds_up: false },
    column(Key::StatChats, |d| d.chats),
];

/// The chats report's columns.
pub const CHAT_COLUMNS: &[Column] = &[
    column(Key::StatChats, |d| d.chats),
    column(Key::StatAccepted, |d| d.accepted),
    column(Key::StatMissed, |d| d.missed),
    column(Key::StatAbandoned, |d| d.abandoned),
    column(Key::StatInvitations, |d| d.invitations),
    column(Key::StatInvitationsAccepted, |d| d.invitations_accepted),
    column(Key::StatInvitedChats, |d| d.invited_chats),
];

/// Days summed per month (`day`: `YYYY-MM`), oldest first.
pub fn by_month(days: &[Day]) -> Vec<Day> {
    let mut months: Vec<Day> = Vec::new();
    for d in days {
        let month = d.day.get(..7).unwrap_or_default();
        if months.last().is_none_or(|m| m.day != month) {
            months.push(Day { day: month.to_owned(), ..Day::default() });
        }
        if let Some(m) = months.last_mut() {
            *m = Day {
                day: std::mem::take(&mut m.day),
                page_views: m.page_views + d.page_views,
                visitors: m.visitors + d.visitors,
                new_visitors: m.new_visitors + d.new_visitors,
                visits: m.visits + d.visits,
                chats: m.chats + d.chats,
                accepted: m.accepted + d.accepted,
                missed: m.missed + d.missed,
                abandoned: m.abandoned + d.abandoned,
                invitations: m.invitations + d.invitations,
                invitations_accepted: m.invitations_accepted + d.invitations_accepted,
                invited_chats: m.invited_chats + d.invited_chats,
            };
        }
    }
    months
}

/// A table of days (or months, `summed`: a figure that does not add up is left empty) as CSV:
/// UTF-8 with a byte order mark (spreadsheets then read Chinese), a header row in the reader's
/// language, a row a day.
pub fn days_csv(lang: Lang, columns: &[Column], days: &[Day], summed: bool) -> String {
    let mut out = String::from("\u{FEFF}");
    let mut header = vec![tr(lang, if summed { Key::StatMonth } else { Key::StatDay })];
    header.extend(columns.iter().map(|c| tr(lang, c.key)));
    out.push_str(&row(&header));
    for d in days {
        let figures: Vec<String> = columns
            .iter()
            .map(|c| if summed && !c.adds_up { String::new() } else { (c.value)(d).to_string() })
            .collect();
        let mut cells = vec![d.day.as_str()];
        cells.extend(figures.iter().map(String::as_str));
        out.push_str(&row(&cells));
    }
    out
}

/// A dimension's name (a ranking's title and first column).
pub fn dim_name(dim: Dim) -> Key {
    match dim {
        Dim::Country => Key::StatCountries,
        Dim::Province => Key::StatProvinces,
        Dim::Keyword => Key::StatKeywords,
        Dim::Referrer => Key::StatReferrers,
        Dim::Campaign => Key::StatCampaigns,
        Dim::Kind => Key::StatKinds,
        Dim::Device => Key::StatDevices,
        Dim::Hour => Key::StatHour,
        Dim::Closed => Key::StatClosedBy,
    }
}

/// A ranking's key in the reader's language.
pub fn key_text(lang: Lang, dim: Dim, key: &str) -> String {
    let named = |k: Key| tr(lang, k).to_owned();
    match (dim, key) {
        (_, OTHER) => named(Key::StatOther),
        (Dim::Country | Dim::Province | Dim::Device, UNKNOWN) => named(Key::RegionUnknown),
        (Dim::Closed, UNKNOWN) => named(Key::StatStillOpen),
        (_, UNKNOWN) => named(Key::StatNone),
        (Dim::Country, code) => crate::kit::region_code_text(lang, code),
        (Dim::Province, code) => {
            let text = crate::kit::region_code_text(lang, code);
            // A province the names table lacks keeps its code beside the country.
            match code.split_once('-') {
                Some((_, sub)) if !text.contains(" · ") => format!("{text} · {sub}"),
                _ => text,
            }
        }
        (Dim::Kind, "direct") => named(Key::SourceDirect),
        (Dim::Kind, "search") => named(Key::SourceSearch),
        (Dim::Kind, "referral") => named(Key::SourceReferral),
        (Dim::Kind, "campaign") => named(Key::SourceCampaign),
        (Dim::Device, "desktop") => named(Key::DeviceDesktop),
        (Dim::Device, "phone") => named(Key::DevicePhone),
        (Dim::Device, "tablet") => named(Key::DeviceTablet),
        (Dim::Device, "other") => named(Key::DeviceOther),
        (Dim::Closed, "agent") => named(Key::StatClosedAgent),
        (Dim::Closed, "visitor") => named(Key::StatClosedVisitor),
        (Dim::Closed, "idle") => named(Key::StatClosedIdle),
        (Dim::Closed, "missed") => named(Key::StatAbandoned),
        (Dim::Closed, "forced") => named(Key::StatClosedForced),
        (_, key) => key.to_owned(),
    }
}

/// `part` of `whole` as a percentage with one decimal (`—` when there is no whole).
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A ranking as CSV (UTF-8 with a byte order mark): key, visits, share, chats, chat rate.
pub fn ranking_csv(lang: Lang, dim: Dim, ranking: &Ranking) -> String {
    let mut out = String::from("\u{FEFF}");
    out.push_str(&row(&[
        tr(lang, dim_name(dim)),
        tr(lang, Key::StatVisits),
        tr(lang, Key::StatShare),
        tr(lang, Key::StatChats),
        tr(lang, Key::StatConversion),
    ]));
    for r in &ranking.rows {
        let cells = [
            key_text(lang, dim, &r.key),
            r.visits.to_string(),
            percent(r.visits, ranking.total.visits),
            r.chats.to_string(),
            percent(r.chats, r.visits),
        ];
        out.push_str(&row(&cells.each_ref().map(String::as_str)));
    }
    out
}

/// A column of the handling table: its header, its figure (`None`: nothing measured), and
/// whether the figure is a duration (ms).
pub type HandlingColumn = (Key, fn(&Handling) -> Option<i64>, bool);

/// The handling table's columns after its first (who).
pub const HANDLING_COLUMNS: &[HandlingColumn] = &[
    (Key::StatChats, |h| Some(h.chats), false),
    (Key::StatMessagesSent, |h| Some(h.messages), false),
    (Key::StatFirstResponseP50, |h| (h.first_response.count > 0).then_some(h.first_response.p50_ms), true),
    (Key::StatFirstResponseP90, |h| (h.first_response.count > 0).then_some(h.first_response.p90_ms), true),
    (Key::StatResponseAvg, |h| (h.response.count > 0).then_some(h.response.avg_ms), true),
    (Key::StatDurationAvg, |h| (h.duration.count > 0).then_some(h.duration.avg_ms), true),
    (Key::StatWaitP50, |h| (h.wait.count > 0).then_some(h.wait.p50_ms), true),
    (Key::StatWaitP90, |h| (h.wait.count > 0).then_some(h.wait.p90_ms), true),
];

/// A handling figure as text: a count, or a duration as `m:ss` (`—` when nothing was measured).
pub fn handling_cell(lang: Lang, h: &Handling, column: &HandlingColumn) -> String {
    match ((column.1)(h), column.2) {
        (None, _) => "—".to_owned(),
        (Some(ms), true) => crate::kit::duration_text(ms),
        (Some(n), false) => crate::kit::number_text(lang, n),
    }
}

/// Handling rows (the site's first, named [`Key::StatWholeSite`]) as CSV with a byte order mark.
pub fn handling_csv(lang: Lang, rows: &[Handling]) -> String {
    let mut out = String::from("\u{FEFF}");
    let mut header = vec![tr(lang, Key::StatWho)];
    header.extend(HANDLING_COLUMNS.iter().map(|c| tr(lang, c.0)));
    out.push_str(&row(&header));
    for h in rows {
        let name = if h.id == 0 { tr(lang, Key::StatWholeSite).to_owned() } else { h.name.clone() };
        let mut cells = vec![name];
        // Plain numbers in the file: spreadsheets read them without the reader's separators.
        cells.extend(HANDLING_COLUMNS.iter().map(|c| match ((c.1)(h), c.2) {
            (None, _) => String::new(),
            (Some(ms), true) => crate::kit::duration_text(ms),
            (Some(n), false) => n.to_string(),
        }));
        out.push_str(&row(&cells.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    out
}

/// The days of a month (`YYYY-MM`): its first and last, as `YYYY-MM-DD`.
pub fn month_days(month: &str) -> Option<(String, String)> {
    let (y, m) = month.trim().split_once('-')?;
    let (y, m) = (y.parse::<i64>().ok()?, m.parse::<u32>().ok()?);
    let last = match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    Some((format!("{y:04}-{m:02}-01"), format!("{y:04}-{m:02}-{last:02}")))
}

/// The month before a month (`YYYY-MM`).
pub fn previous_month(month: &str) -> Option<String> {
    let (y, m) = month.trim().split_once('-')?;
    let (y, m) = (y.parse::<i64>().ok()?, m.parse::<u32>().ok()?);
    match m {
        1 => Some(format!("{:04}-12", y - 1)),
        2..=12 => Some(format!("{y:04}-{:02}", m - 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_before() {
        assert_eq!(previous_month("2026-01").as_deref(), Some("2025-12"));
        assert_eq!(previous_month("2026-12").as_deref(), Some("2026-11"));
        assert_eq!(previous_month("2026-00"), None);
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        assert_eq!(month_days("2026-02"), Some(("2026-02-01".into(), "2026-02-28".into())));
        assert_eq!(month_days("2028-02").unwrap().1, "2028-02-29");
        assert_eq!(month_days("2026-12").unwrap().1, "2026-12-31");
        assert_eq!(month_days("2026-13"), None);
        assert_eq!(month_days("soon"), None);
    }

    #[test]
    fn the_csv_has_a_bom_a_translated_header_and_a_row_a_day_or_month() {
        let day = |day: &str| Day {
            day: day.into(),
            page_views: 3,
            visits: 2,
            visitors: 2,
            new_visitors: 1,
            chats: 1,
            ..Day::default()
        };
        let days = [day("2026-01-10"), day("2026-01-11"), day("2026-02-01")];
        let text = days_csv(Lang::ZhCn, TRAFFIC_COLUMNS, &days[..1], false);
        assert_eq!(text, "\u{FEFF}日期,浏览量,访问次数,访客,新访客,回头访客,对话\r\n2026-01-10,3,2,2,1,1,1\r\n");
        // Visitors of several days do not add up: a month leaves them out.
        let text = days_csv(Lang::En, TRAFFIC_COLUMNS, &by_month(&days), true);
        assert_eq!(
            text,
            "\u{FEFF}Month,Page views,Visits,Visitors,New visitors,Returning visitors,Chats\r\n\
             2026-01,6,4,,2,,2\r\n2026-02,3,2,,1,,1\r\n"
        );
    }

    #[test]
    fn a_ranking_as_csv_names_its_keys_and_gives_shares_and_chat_rates() {
        let ranking = Ranking {
            rows: vec![
                Ranked { key: "退款".into(), visits: 3, chats: 1 },
                Ranked { key: UNKNOWN.into(), visits: 1, chats: 0 },
                Ranked { key: OTHER.into(), visits: 4, chats: 0 },
            ],
            total: Ranked { key: String::new(), visits: 8, chats: 1 },
            before: Ranked::default(),
        };
        assert_eq!(
            ranking_csv(Lang::ZhCn, Dim::Keyword, &ranking),
            "\u{FEFF}搜索关键词,访问次数,占比,对话,对话转化率\r\n退款,3,37.5%,1,33.3%\r\n（无）,1,12.5%,0,0.0%\r\n\
             其他,4,50.0%,0,0.0%\r\n"
        );
        // Countries are named by the browser (here, on the server, by their code).
        assert_eq!(key_text(Lang::ZhCn, Dim::Province, "CN-GD"), "CN · 广东");
        assert_eq!(key_text(Lang::En, Dim::Province, "US-CA"), "US · CA");
        assert_eq!(key_text(Lang::En, Dim::Kind, "search"), "Search engine");
        assert_eq!(percent(1, 0), "—");
    }
}
