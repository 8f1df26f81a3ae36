//! Statistics (issue 17; seed 000 chapter 15 "访客统计"). This part: every site's days are cut in
//! its own time zone (`sites.time_zone`, an IANA name; a day a DST change shortens or lengthens is
//! 23 or 25 hours), and each day's traffic (page views, visitors, new visitors, chats) is rolled up
//! into `stats_daily` from the raw rows, which stay the source of truth: a background task rolls
//! the last complete days of every site, a report computes today (and any day not rolled yet) on
//! demand, and `kefu-server stats rebuild` rolls a site's range again. A report over a year reads
//! ~365 rows, not millions of page views.
//!
//! Owns `stats_daily`; reads `page_views`, `visitors` and `conversations`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// One day of a site's traffic (`day`: `YYYY-MM-DD` in the site's time zone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficDay {
    pub day: String,
    pub page_views: i64,
    /// Visitors with a page view that day.
    pub visitors: i64,
    /// Visitors seen for the first time that day.
    pub new_visitors: i64,
    /// Conversations begun that day.
    pub chats: i64,
}

/// Most days one report covers.
pub const MAX_DAYS: i64 = 400;
/// Longest time zone name.
pub const ZONE_CHARS: usize = 64;
