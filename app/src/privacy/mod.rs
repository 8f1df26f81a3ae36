//! Data and privacy (issue 16 "Data requests"; retention): what kefu holds about one visitor,
//! exported (JSON and HTML, streamed) or erased with a record that the erasure happened; and how
//! long each site keeps its conversation records, enforced by a background sweep.
//!
//! An erasure removes what a person said or is named by: messages, files, page views, devices,
//! blocks, notes, tags, whispers, rating comments, event details and every field of the card. The
//! visitor's row stays as an empty shell (its number, site and first/last seen) and so do the
//! conversations' rows (times, agent, score), so counts and averages do not change.
//!
//! Everything here needs `RecordsDelete` on the visitor's (or site's) site.
//!
//! Owns the `erasures` table and `sites.record_retention_days`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Longest search text for a visitor, in characters; most visitors a search lists.
pub const QUERY_CHARS: usize = 100;
pub const FOUND_AT_MOST: i64 = 50;
/// The longest retention a site may set, in days (ten years).
pub const MAX_RETENTION_DAYS: i64 = 3650;

/// A visitor a data request may be about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorHit {
    pub id: i64,
    pub site_name: String,
    pub name: Option<String>,
    pub email: String,
    pub phone: String,
    pub member: Option<String>,
    pub last_seen: i64,
    pub conversations: i64,
}

/// That an erasure happened: whose, by whom, and how much went (never what it held).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRow {
    pub visitor_id: i64,
    pub site_name: String,
    pub agent_name: Option<String>,
    pub conversations: i64,
    pub messages: i64,
    pub page_views: i64,
    pub files: i64,
    pub erased_at: i64,
}

/// A site's retention of conversation records, in days (0: kept for good).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRow {
    pub site_id: i64,
    pub site_name: String,
    pub days: i64,
}

/// How a visitor's data is exported (`GET /api/v1/visitors/{id}/export?format=…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitorExport {
    Json,
    Html,
}

impl VisitorExport {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitorExport::Json => "json",
            VisitorExport::Html => "html",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            VisitorExport::Json => "application/json",
            VisitorExport::Html => "text/html; charset=utf-8",
        }
    }
}

/// Where the browser downloads a visitor's data.
pub fn export_url(visitor: i64, format: VisitorExport) -> String {
    format!("/api/v1/visitors/{visitor}/export?format={}", format.as_str())
}
