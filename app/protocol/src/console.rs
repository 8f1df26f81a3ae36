//! The visitor console's view: which online visitors a console lists ([`VisitorFilter`] and the
//! search text) and in what order ([`VisitorSort`]). The server pages the list with these; the
//! workbench applies the same rules to the visitors that arrive and change while it shows a page,
//! so both always agree on what belongs where.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::{ApiError, Device, ErrorCode, OnlineVisitor, SourceKind, VisitorChat};

/// A visitor's type as the console shows it (seed 004 section 2 "访客类型"): the first that holds,
/// in this order: blocked, in chat, waiting, chatted before, member, returning, new.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum VisitorType {
    Blocked,
    Chatting,
    Waiting,
    Chatted,
    Member,
    Returning,
    New,
}

impl VisitorType {
    pub const ALL: [VisitorType; 7] = [
        VisitorType::New,
        VisitorType::Returning,
        VisitorType::Member,
        VisitorType::Waiting,
        VisitorType::Chatting,
        VisitorType::Chatted,
        VisitorType::Blocked,
    ];

    pub fn of(v: &OnlineVisitor) -> VisitorType {
        match v.chat {
            _ if v.blocked => VisitorType::Blocked,
            VisitorChat::Chatting => VisitorType::Chatting,
            VisitorChat::Waiting => VisitorType::Waiting,
            VisitorChat::Chatted => VisitorType::Chatted,
            VisitorChat::None if v.member.is_some() => VisitorType::Member,
            VisitorChat::None if v.visits > 1 => VisitorType::Returning,
            VisitorChat::None => VisitorType::New,
        }
    }
}

/// Which visitors a console lists (every field `None`: all).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitorFilter {
    #[serde(default)]
    pub device: Option<Device>,
    #[serde(default)]
    pub source: Option<SourceKind>,
    /// ISO 3166-1 alpha-2 (`CN`); `""` lists those whose region is unknown.
    #[serde(default)]
    pub country: Option<String>,
    /// Only visitors of this type ([`VisitorType::of`]).
    #[serde(default)]
    pub kind: Option<VisitorType>,
}

impl VisitorFilter {
    pub fn matches(&self, v: &OnlineVisitor) -> bool {
        self.device.is_none_or(|d| v.channel.device == d)
            && self.source.is_none_or(|s| v.source.kind == s)
            && self.country.as_deref().is_none_or(|c| v.region.as_ref().map_or("", |r| r.country.as_str()) == c)
            && self.kind.is_none_or(|k| VisitorType::of(v) == k)
    }

    pub fn is_empty(&self) -> bool {
        *self == VisitorFilter::default()
    }

    /// Refuses a country that is not two capital letters (or `""`, unknown).
    pub fn check(&self) -> Result<(), ApiError> {
        match self.country.as_deref() {
            Some(c) if !c.is_empty() && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) => {
                Err(ApiError::invalid("country", ErrorCode::Format))
            }
            _ => Ok(()),
        }
    }
}

/// What the console sorts by.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VisitorSortKey {
    /// When this visit began.
    #[default]
    Arrived,
    LastActive,
    Visits,
    Pages,
    FirstVisit,
    /// Country code, then province.
    Region,
    Name,
}

/// An order of the console: by `key`, largest (latest, most) first unless `ascending`; ties by
/// visitor id, newest first.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VisitorSort {
    #[serde(default)]
    pub key: VisitorSortKey,
    #[serde(default)]
    pub ascending: bool,
}

impl VisitorSort {
    pub fn cmp(&self, a: &OnlineVisitor, b: &OnlineVisitor) -> Ordering {
        let by = match self.key {
            VisitorSortKey::Arrived => a.online_since.cmp(&b.online_since),
            VisitorSortKey::LastActive => a.last_active.cmp(&b.last_active),
            VisitorSortKey::Visits => a.visits.cmp(&b.visits),
            VisitorSortKey::Pages => a.pages.cmp(&b.pages),
            VisitorSortKey::FirstVisit => a.first_seen.cmp(&b.first_seen),
            VisitorSortKey::Region => region_key(a).cmp(&region_key(b)),
            VisitorSortKey::Name => a.name.cmp(&b.name),
        };
        let by = if self.ascending { by } else { by.reverse() };
        by.then(b.visitor_id.0.cmp(&a.visitor_id.0))
    }
}

/// Country code, then the province's English name, borrowed (sorting compares often).
fn region_key(v: &OnlineVisitor) -> Option<(&str, &str)> {
    v.region.as_ref().map(|r| (r.country.as_str(), r.province.as_ref().map_or("", |p| p.en.as_str())))
}

/// Whether a visitor matches a console search (already lowercased; empty matches everyone): their
/// id, or text in their name, page address or title, IP, search keyword, referring domain, or the
/// names of their province and city.
pub fn matches_query(v: &OnlineVisitor, query: &str) -> bool {
    if query.is_empty() || query.parse::<i64>().ok() == Some(v.visitor_id.0) {
        return true;
    }
    let places = v.region.iter().flat_map(|r| r.province.iter().chain(r.city.iter()));
    let places = places.flat_map(|p| [p.en.as_str(), p.zh.as_str(), p.ja.as_str()]);
    let texts = [
        v.name.as_deref(),
        Some(v.page.url.as_str()),
        Some(v.page.title.as_str()),
        Some(v.ip.as_str()),
        v.source.keyword.as_deref(),
        v.source.domain.as_deref(),
    ];
    texts.into_iter().flatten().chain(places).any(|t| t.to_lowercase().contains(query))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Channel, PageInfo, Place, Region, SiteId, Source, VisitorId};

    fn visitor(id: i64, visits: i64, arrived: i64) -> OnlineVisitor {
        OnlineVisitor {
            visitor_id: VisitorId(id),
            site_id: SiteId(1),
            site_name: "Shop".into(),
            name: None,
            page: PageInfo { url: "https://shop.example.cn/".into(), title: "首页".into(), referrer: String::new() },
            online_since: arrived,
            visits,
            region: None,
            channel: Channel::default(),
            source: Source::default(),
            first_seen: 0,
            pages: 1,
            last_active: arrived,
            ip: "203.0.113.7".into(),
            blocked: false,
            chat: Default::default(),
            agent_name: None,
            member: None,
        }
    }

    #[test]
    fn filters_and_the_search_pick_visitors_by_what_the_console_shows() {
        let mut phone = visitor(1, 3, 10);
        phone.channel.device = Device::Phone;
        phone.source = Source {
            kind: SourceKind::Search,
            domain: Some("baidu.com".into()),
            keyword: Some("退款".into()),
            campaign: None,
        };
        phone.region = Some(Region {
            country: "CN".into(),
            province: Some(Place { en: "Guangdong".into(), zh: "广东".into(), ja: String::new() }),
            city: None,
            province_code: Some("CN-GD".into()),
        });
        let desk = visitor(2, 1, 20);
        let only = |f: VisitorFilter| {
            [&phone, &desk].iter().filter(|v| f.matches(v)).map(|v| v.visitor_id.0).collect::<Vec<_>>()
        };
        assert_eq!(only(VisitorFilter::default()), [1, 2]);
        assert_eq!(only(VisitorFilter { device: Some(Device::Phone), ..Default::default() }), [1]);
        assert_eq!(only(VisitorFilter { source: Some(SourceKind::Direct), ..Default::default() }), [2]);
        assert_eq!(only(VisitorFilter { country: Some("CN".into()), ..Default::default() }), [1]);
        assert_eq!(only(VisitorFilter { country: Some(String::new()), ..Default::default() }), [2]);
        let kind = |k| VisitorFilter { kind: Some(k), ..Default::default() };
        assert_eq!(only(kind(VisitorType::New)), [2]);
        assert_eq!(only(kind(VisitorType::Returning)), [1]);
        // The type is the first that holds: blocked before chatting before returning.
        let mut chatting = phone.clone();
        chatting.chat = VisitorChat::Chatting;
        assert_eq!(VisitorType::of(&chatting), VisitorType::Chatting);
        chatting.blocked = true;
        assert_eq!(VisitorType::of(&chatting), VisitorType::Blocked);
        let mut member = desk.clone();
        member.member = Some("u-1".into());
        assert_eq!(VisitorType::of(&member), VisitorType::Member);
        member.chat = VisitorChat::Chatted;
        assert_eq!(VisitorType::of(&member), VisitorType::Chatted);
        for (query, hits) in [
            ("退款", true),
            ("baidu", true),
            ("广东", true),
            ("guangdong", true),
            ("203.0.113", true),
            ("1", true),
            ("深圳", false),
        ] {
            assert_eq!(matches_query(&phone, query), hits, "{query}");
        }
        assert!(!matches_query(&desk, "退款"));
        for (country, ok) in [("CN", true), ("", true), ("cn", false), ("C", false), ("CHN", false), ("中国", false)]
        {
            let filter = VisitorFilter { country: Some(country.into()), ..Default::default() };
            assert_eq!(filter.check().is_ok(), ok, "{country}");
        }
    }

    #[test]
    fn sorting_puts_the_largest_first_unless_ascending_and_breaks_ties_by_newest_id() {
        let mut list = vec![visitor(1, 5, 30), visitor(2, 1, 10), visitor(3, 5, 20)];
        let ids = |list: &[OnlineVisitor]| list.iter().map(|v| v.visitor_id.0).collect::<Vec<_>>();
        list.sort_by(|a, b| VisitorSort::default().cmp(a, b));
        assert_eq!(ids(&list), [1, 3, 2], "latest arrivals first");
        list.sort_by(|a, b| VisitorSort { key: VisitorSortKey::Visits, ascending: false }.cmp(a, b));
        assert_eq!(ids(&list), [3, 1, 2]);
        list.sort_by(|a, b| VisitorSort { key: VisitorSortKey::Visits, ascending: true }.cmp(a, b));
        assert_eq!(ids(&list), [2, 3, 1]);
    }
}
