//! Customers (issue 16; seed 000 chapter 14 "访客名片", seed 004 section 4): the visitors the team
//! knows, from their cards and the member ids sites send: searched by name, e-mail, phone, company
//! or member id, filtered by tag, site and last contact, 25 to a page (the page and its count are
//! what the database reads, never the whole table); edited in the visitor panel; two records of
//! the same person merged into one; exported as CSV (streamed); deleted as an erasure.
//!
//! Viewing and editing need `VisitorsView` on the customer's site; merging and deleting
//! `RecordsDelete` (they rewrite or remove records).
//!
//! Owns no table: it reads and merges `visitors` and moves the rows that name a visitor.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Customers per page.
pub const PAGE: i64 = 25;
/// Longest search text and tag, in characters.
pub const QUERY_CHARS: usize = 100;

/// What the customers page asks for. Times are unix ms (`to` exclusive; 0: open).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFilter {
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub site_id: Option<i64>,
    /// Last seen on or after / before.
    #[serde(default)]
    pub from: i64,
    #[serde(default)]
    pub to: i64,
    #[serde(default)]
    pub offset: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub site_id: i64,
    pub site_name: String,
    pub name: Option<String>,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub tags: Vec<String>,
    pub member: Option<String>,
    pub last_seen: i64,
    pub visits: i64,
    pub conversations: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    pub total: i64,
}

/// Where the browser downloads the customers that match as CSV.
pub fn export_url(filter: &CustomerFilter) -> String {
    let json = serde_json::to_string(filter).unwrap_or_default();
    format!("/api/v1/customers/export?filter={}", crate::kit::query_escape(&json))
}
