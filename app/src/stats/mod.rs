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
pub mod ui;

use serde::{Deserialize, Serialize};

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
    /// The hour of the day (`00`..`23`) a visit, or a chat, began.
    Hour,
}

impl Dim {
    pub const ALL: [Dim; 8] =
        [Dim::Country, Dim::Province, Dim::Keyword, Dim::Referrer, Dim::Campaign, Dim::Kind, Dim::Device, Dim::Hour];

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

/// Chats begun per weekday (Monday first) and hour of the day, in the site's time zone.
pub type Heatmap = Vec<[i64; 24]>;

/// Most days one report covers.
pub const MAX_DAYS: i64 = 400;

/// A traffic table as CSV: UTF-8 with a byte order mark (spreadsheets then read Chinese), a header
/// row in the reader's language, a row a day.
pub fn traffic_csv(lang: crate::i18n::Lang, days: &[Day]) -> String {
    use crate::i18n::{tr, Key};
    use crate::infra::csv::row;
    let mut out = String::from("\u{FEFF}");
    out.push_str(&row(&[
        tr(lang, Key::StatDay),
        tr(lang, Key::StatPageViews),
        tr(lang, Key::StatVisitors),
        tr(lang, Key::StatNewVisitors),
        tr(lang, Key::StatChats),
    ]));
    for d in days {
        let numbers = [d.page_views, d.visitors, d.new_visitors, d.chats].map(|n| n.to_string());
        out.push_str(&row(&[&d.day, &numbers[0], &numbers[1], &numbers[2], &numbers[3]]));
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
    fn the_csv_has_a_bom_a_translated_header_and_a_row_a_day() {
        let days =
            [Day { day: "2026-01-10".into(), page_views: 3, visitors: 2, new_visitors: 1, chats: 1, ..Day::default() }];
        let text = traffic_csv(crate::i18n::Lang::ZhCn, &days);
        assert_eq!(text, "\u{FEFF}日期,浏览量,访客,新访客,对话\r\n2026-01-10,3,2,1,1\r\n");
    }
}
