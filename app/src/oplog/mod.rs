//! The operation log (seed 000 16.8): every sign-in (also failed ones), sign-out and back-office
//! change, with who, when, what object and a short before → after summary (never a password or a
//! token). Entries are written by the area that makes the change, inside its transaction
//! (`infra::audit`); this area lists them with filters, exports them as CSV, and purges old ones.
//!
//! Owns reading and purging the `oplog` table.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

pub use crate::infra::audit::OpKind;

/// One entry as the log page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OplogEntry {
    pub id: i64,
    pub at: i64,
    pub agent_id: Option<i64>,
    /// The agent's name as it is now (`None` for a failed sign-in of an unknown account).
    pub agent_name: Option<String>,
    /// The account used (or tried, for a failed sign-in).
    pub account: String,
    /// `None` for a kind this version does not know.
    pub kind: Option<OpKind>,
    pub object: String,
    pub summary: String,
    pub ip: String,
    pub user_agent: String,
}

/// Which entries: each filter is optional; times are unix milliseconds (`to` exclusive).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OplogQuery {
    pub agent_id: Option<i64>,
    pub kind: Option<OpKind>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub offset: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OplogPage {
    pub entries: Vec<OplogEntry>,
    pub total: i64,
}

/// Entries per page.
pub const PAGE: i64 = 50;
/// Most entries one export holds (the newest).
pub const EXPORT_MAX: i64 = 50_000;
