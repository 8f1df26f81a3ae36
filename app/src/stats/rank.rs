//! A day's visits, from its page views: where each came from, where from on the map, on what
//! device and at what hour, and which led to a chat. Pure: the rows in, the counts out.

use std::collections::HashMap;

use chrono::{Datelike as _, Timelike as _};
use chrono_tz::Tz;
use kefu_protocol::{Device, SourceKind};

use super::{Dim, Ranked, OTHER, RANKED, UNKNOWN};
use crate::visitors::service::VISIT_GAP_MS;

/// A page view, as the rollup reads it.
pub struct View {
    pub visitor: i64,
    pub at: i64,
    pub url: String,
    pub referrer: String,
    pub user_agent: String,
    pub ip: String,
}

/// A conversation's start.
pub struct Chat {
    pub visitor: i64,
    pub at: i64,
}

/// Where a visit's address is: its country and province codes ([`UNKNOWN`] when not known).
pub type Locate<'a> = &'a dyn Fn(&str) -> (String, String);

/// A day's visits and the rows of its ranking.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ranks {
    /// Visits begun in the day.
    pub visits: i64,
    pub rows: Vec<(Dim, Ranked)>,
}

fn kind_key(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Direct => "direct",
        SourceKind::Search => "search",
        SourceKind::Referral => "referral",
        SourceKind::Campaign => "campaign",
    }
}

fn device_key(device: Device) -> &'static str {
    match device {
        Device::Desktop => "desktop",
        Device::Phone => "phone",
        Device::Tablet => "tablet",
        Device::Other => "other",
    }
}

/// The weekday (0: Monday) and hour of an instant in the site's zone, as `w-HH`: summed over a
/// year, the keys are the weekday × hour heatmap's 168 cells.
fn hour_key(tz: Tz, at: i64) -> String {
    let local = chrono::DateTime::from_timestamp_millis(at).unwrap_or_default().with_timezone(&tz);
    format!("{}-{:02}", local.weekday().num_days_from_monday(), local.hour())
}

/// Counts the visits begun in `[from, to)` and the chats begun in it. `views`: the site's page
/// views from some hours before `from` (so a visit under way at midnight is not taken for a new
/// one) to `to`, ordered by visitor and time; `chats`: the conversations begun in `[from, to)`.
/// `own` says whether a host is one of the site's bound domains.
pub fn rank(
    views: &[View],
    chats: &[Chat],
    (from, to): (i64, i64),
    tz: Tz,
    own: &dyn Fn(&str) -> bool,
    locate: Locate,
) -> Ranks {
    let mut counts: HashMap<(Dim, String), (i64, i64)> = HashMap::new();
    let mut add = |dim: Dim, key: &str, visits: i64, chats: i64| {
        let entry = counts.entry((dim, key.to_owned())).or_default();
        entry.0 += visits;
        entry.1 += chats;
    };
    let mut chats_by_visitor: HashMap<i64, Vec<i64>> = HashMap::new();
    for c in chats {
        chats_by_visitor.entry(c.visitor).or_default().push(c.at);
        add(Dim::Hour, &hour_key(tz, c.at), 0, 1);
    }
    // A day's visits share a few browsers and addresses: each is read once.
    let mut devices: HashMap<&str, Device> = HashMap::new();
    let mut places: HashMap<&str, (String, String)> = HashMap::new();
    let mut visits = 0;
    let mut i = 0;
    while i < views.len() {
        // One visit: a visitor's views without half an hour between them.
        let mut end = i + 1;
        while end < views.len()
            && views[end].visitor == views[i].visitor
            && views[end].at - views[end - 1].at <= VISIT_GAP_MS
        {
            end += 1;
        }
        let (first, last) = (&views[i], &views[end - 1]);
        let next_start = views.get(end).filter(|v| v.visitor == first.visitor).map(|v| v.at);
        // The chats begun during the visit or within half an hour after its last page (and before
        // the visitor's next visit).
        let led = chats_by_visitor.get_mut(&first.visitor).map_or(0, |starts| {
            let before = starts.len();
            starts.retain(|&at| {
                !(at >= first.at && at <= last.at + VISIT_GAP_MS && next_start.is_none_or(|next| at < next))
            });
            i64::try_from(before - starts.len()).unwrap_or(0)
        });
        let begun_today = first.at >= from && first.at < to;
        if begun_today || led > 0 {
            let visit = i64::from(begun_today);
            visits += visit;
            let source = crate::visitors::source::classify(&first.url, &first.referrer, own).unwrap_or_default();
            let (country, province) = places.entry(first.ip.as_str()).or_insert_with(|| locate(&first.ip)).clone();
            let device = *devices
                .entry(first.user_agent.as_str())
                .or_insert_with(|| crate::visitors::channel::parse(&first.user_agent).device);
            let campaign = source
                .campaign
                .as_ref()
                .map(|c| format!("{} / {} / {}", c.source, c.medium, c.name))
                .unwrap_or_default();
            add(Dim::Kind, kind_key(source.kind), visit, led);
            add(Dim::Keyword, source.keyword.as_deref().unwrap_or(UNKNOWN), visit, led);
            add(Dim::Referrer, source.domain.as_deref().unwrap_or(UNKNOWN), visit, led);
            add(Dim::Campaign, &campaign, visit, led);
            add(Dim::Country, &country, visit, led);
            add(Dim::Province, &province, visit, led);
            add(Dim::Device, device_key(device), visit, led);
            if begun_today {
                add(Dim::Hour, &hour_key(tz, first.at), 1, 0);
            }
        }
        i = end;
    }
    // Chats no visit in the window explains (a page view lost, a visit begun long before).
    let unexplained: i64 = chats_by_visitor.values().map(|s| i64::try_from(s.len()).unwrap_or(0)).sum();
    if unexplained > 0 {
        for dim in [Dim::Kind, Dim::Keyword, Dim::Referrer, Dim::Campaign, Dim::Country, Dim::Province, Dim::Device] {
            add(dim, UNKNOWN, 0, unexplained);
        }
    }
    Ranks {
        visits,
        rows: top(counts.into_iter().map(|((dim, key), (visits, chats))| (dim, Ranked { key, visits, chats }))),
    }
}

/// Orders rankings by visits, then chats, then key, and keeps [`RANKED`] keys per dimension,
/// summing the rest under [`OTHER`] (with any [`OTHER`] already among them).
pub fn top(rows: impl IntoIterator<Item = (Dim, Ranked)>) -> Vec<(Dim, Ranked)> {
    let mut by_dim: HashMap<Dim, Vec<Ranked>> = HashMap::new();
    for (dim, row) in rows {
        by_dim.entry(dim).or_default().push(row);
    }
    let mut out = Vec::new();
    for dim in Dim::ALL {
        let Some(mut rows) = by_dim.remove(&dim) else { continue };
        let mut other = Ranked { key: OTHER.to_owned(), ..Ranked::default() };
        rows.retain(|r| {
            if r.key == OTHER {
                other.visits += r.visits;
                other.chats += r.chats;
            }
            r.key != OTHER && (r.visits != 0 || r.chats != 0)
        });
        rows.sort_by(|a, b| b.visits.cmp(&a.visits).then(b.chats.cmp(&a.chats)).then(a.key.cmp(&b.key)));
        for r in rows.drain(RANKED.min(rows.len())..) {
            other.visits += r.visits;
            other.chats += r.chats;
        }
        if other.visits != 0 || other.chats != 0 {
            rows.push(other);
        }
        out.extend(rows.into_iter().map(|r| (dim, r)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: (i64, i64) = (1_000 * MIN, 1_000 * MIN + 24 * 60 * MIN);

    fn view(visitor: i64, at: i64, url: &str, referrer: &str, ip: &str) -> View {
        let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        View { visitor, at, url: url.into(), referrer: referrer.into(), user_agent: phone.into(), ip: ip.into() }
    }

    fn locate(ip: &str) -> (String, String) {
        match ip {
            "gd" => ("CN".into(), "CN-GD".into()),
            "tw" => ("TW".into(), UNKNOWN.into()),
            _ => (UNKNOWN.into(), UNKNOWN.into()),
        }
    }

    fn get(ranks: &Ranks, dim: Dim, key: &str) -> (i64, i64) {
        ranks.rows.iter().find(|(d, r)| *d == dim && r.key == key).map_or((0, 0), |(_, r)| (r.visits, r.chats))
    }

    #[test]
    fn visits_take_source_region_and_device_from_their_first_page_and_chats_count_for_the_visit_they_began_in() {
        let (from, _) = DAY;
        let baidu = "https://www.baidu.com/s?wd=%E9%80%80%E6%AC%BE";
        let views = [
            // A visit under way at midnight: not a visit of this day.
            view(1, from - 10 * MIN, "https://shop.example/", "", "gd"),
            view(1, from + 5 * MIN, "https://shop.example/b", "https://shop.example/", "gd"),
            // A visit from Baidu with the keyword 退款, then a chat; internal pages after it.
            view(2, from + 60 * MIN, "https://shop.example/", baidu, "gd"),
            view(2, from + 61 * MIN, "https://shop.example/c", "https://shop.example/", "gd"),
            // The same visitor comes back two hours later from a partner site, no chat.
            view(2, from + 200 * MIN, "https://shop.example/", "https://partner.example/x", "tw"),
            // A campaign visit and a direct one.
            view(3, from + 300 * MIN, "https://shop.example/?utm_source=wx&utm_medium=social&utm_campaign=618", "", ""),
            view(4, from + 301 * MIN, "https://shop.example/", "", ""),
        ];
        let chats = [Chat { visitor: 2, at: from + 62 * MIN }, Chat { visitor: 9, at: from + 70 * MIN }];
        let own = |host: &str| host == "shop.example";
        let ranks = rank(&views, &chats, DAY, chrono_tz::UTC, &own, &locate);
        assert_eq!(ranks.visits, 4);
        assert_eq!(get(&ranks, Dim::Keyword, "退款"), (1, 1));
        assert_eq!(get(&ranks, Dim::Referrer, "baidu.com"), (1, 1));
        assert_eq!(get(&ranks, Dim::Referrer, "partner.example"), (1, 0));
        assert_eq!(get(&ranks, Dim::Referrer, "shop.example"), (0, 0), "the own domain is no source");
        assert_eq!(get(&ranks, Dim::Kind, "search"), (1, 1));
        assert_eq!(get(&ranks, Dim::Kind, "direct"), (1, 0));
        assert_eq!(get(&ranks, Dim::Campaign, "wx / social / 618"), (1, 0));
        assert_eq!(get(&ranks, Dim::Province, "CN-GD"), (1, 1));
        assert_eq!(get(&ranks, Dim::Country, "TW"), (1, 0));
        assert_eq!(get(&ranks, Dim::Device, "phone"), (4, 1));
        // Visitor 9's chat has no visit: counted, under unknown.
        assert_eq!(get(&ranks, Dim::Country, UNKNOWN), (2, 1));
        // Every dimension's chats add up to the day's.
        for dim in [Dim::Kind, Dim::Keyword, Dim::Referrer, Dim::Campaign, Dim::Country, Dim::Device, Dim::Hour] {
            let total: i64 = ranks.rows.iter().filter(|(d, _)| *d == dim).map(|(_, r)| r.chats).sum();
            assert_eq!(total, 2, "{dim:?}");
        }
        // 1 January 1970 was a Thursday.
        assert_eq!((get(&ranks, Dim::Hour, "3-17"), get(&ranks, Dim::Hour, "3-18")), ((1, 2), (0, 0)));
    }

    #[test]
    fn a_ranking_keeps_the_biggest_keys_and_sums_the_rest() {
        let rows = (0..150).map(|i| (Dim::Keyword, Ranked { key: format!("k{i:03}"), visits: i, chats: 1 }));
        let kept = top(rows);
        assert_eq!(kept.len(), RANKED + 1);
        assert_eq!(kept[0].1, Ranked { key: "k149".into(), visits: 149, chats: 1 });
        let other = &kept[RANKED].1;
        assert_eq!((other.key.as_str(), other.visits, other.chats), (OTHER, (0..50).sum(), 50));
    }
}
