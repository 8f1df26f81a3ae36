//! Conversation records (issue 16; seed 000 chapter 13 "会话记录", seed 004 section 15 "记录中心"):
//! every conversation of the agent's scope, filtered by date, site and agent and searched by
//! message text in any script ([`crate::infra::search`]), 25 to a page; one conversation's whole
//! transcript with its events; CSV export (UTF-8 with a BOM) of a search result.
//!
//! Scope: `RecordsViewAll` sees the conversations of the sites that permission covers; otherwise
//! `RecordsViewOwn` sees the agent's own conversations and, for a department's admin, those of the
//! department's agents. The scope comes from the session; no filter widens it.
//!
//! Owns no table: it reads `conversations`, `messages`, `conversation_events` and the search index.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::ChatMessage;
use serde::{Deserialize, Serialize};

/// Conversations per page (seed 000 13.4).
pub const PAGE: i64 = 25;
/// Conversations a search lists at most (the newest that hold the text).
pub const SEARCH_CAP: usize = 1000;
/// Longest search text, in characters.
pub const QUERY_CHARS: usize = 100;

/// What the records page asks for. Times are unix ms (`to` exclusive).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFilter {
    pub from: i64,
    pub to: i64,
    pub site_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// Text the conversation's messages hold (empty: any).
    pub query: String,
    pub offset: i64,
    /// Only conversations with this tag (empty: any).
    #[serde(default)]
    pub tag: String,
    /// Only conversations in which a file was sent.
    #[serde(default)]
    pub with_files: bool,
    /// Only conversations the visitor rated at least this (valid ratings).
    #[serde(default)]
    pub min_score: Option<u8>,
    #[serde(default)]
    pub sort: RecordSort,
    /// Only conversations of the agents of this department.
    #[serde(default)]
    pub department_id: Option<i64>,
    /// Only conversations the visitor started in this category.
    #[serde(default)]
    pub category_id: Option<i64>,
    /// Only conversations whose visit came from a host or with a search keyword holding this.
    #[serde(default)]
    pub source: String,
    /// Only this conversation (a transcript's own download).
    #[serde(default)]
    pub conversation_id: Option<i64>,
}

/// How an export is written (`GET /api/v1/records/export?format=…&filter=…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// One row per message, UTF-8 with a byte order mark.
    Csv,
    /// One self-contained HTML file holding every conversation.
    Html,
    /// A zip archive of one self-contained HTML file per conversation.
    Zip,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Html => "html",
            ExportFormat::Zip => "zip",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Html => "text/html; charset=utf-8",
            ExportFormat::Zip => "application/zip",
        }
    }
}

/// Where the browser downloads an export of what `filter` matches (the filter as JSON in the query).
pub fn export_url(filter: &RecordFilter, format: ExportFormat) -> String {
    let json = serde_json::to_string(filter).unwrap_or_default();
    format!("/api/v1/records/export?format={}&filter={}", format.as_str(), crate::kit::query_escape(&json))
}

/// What the records page's department and category filters offer: the company's, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChoices {
    pub departments: Vec<(i64, String)>,
    pub categories: Vec<(i64, String)>,
}

/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSort {
    #[default]
    Newest,
    Oldest,
    MostMessages,
    Longest,
}

impl RecordSort {
    pub const ALL: [RecordSort; 4] =
        [RecordSort::Newest, RecordSort::Oldest, RecordSort::MostMessages, RecordSort::Longest];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordSort::Newest => "newest",
            RecordSort::Oldest => "oldest",
            RecordSort::MostMessages => "most_messages",
            RecordSort::Longest => "longest",
        }
    }
}

/// One conversation in the list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    pub id: i64,
    #[serde(default)]
    pub site_id: i64,
    pub site_name: String,
    pub visitor_id: i64,
    pub visitor_name: Option<String>,
    pub agent_name: Option<String>,
    /// `open` or `closed`.
    pub status: String,
    pub started_at: i64,
    pub closed_at: Option<i64>,
    pub messages: i64,
    /// The visitor's score (and whether it was marked invalid).
    pub rating: Option<(u8, bool)>,
    /// The newest message that holds the search text.
    pub hit: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The referring host and search keyword of the visit that opened it.
    #[serde(default)]
    pub source_domain: Option<String>,
    #[serde(default)]
    pub source_keyword: Option<String>,
    /// Where the visitor was when it began: a province code (`CN-GD`) or a country (`FR`).
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPage {
    pub rows: Vec<RecordRow>,
    pub total: i64,
    /// The search found more conversations than it lists ([`SEARCH_CAP`]).
    pub capped: bool,
}

/// Something that happened in a conversation besides its messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLine {
    pub at: i64,
    /// The stored kind (`assigned`, `transferred`, `closed`, …).
    pub kind: String,
    pub agent_name: Option<String>,
    pub other_name: Option<String>,
    pub detail: String,
}

/// An internal note on a conversation (agents only; never shown to the visitor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteLine {
    pub id: i64,
    pub agent_name: String,
    pub body: String,
    pub at: i64,
}

/// One conversation, whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub record: RecordRow,
    pub messages: Vec<ChatMessage>,
    pub events: Vec<EventLine>,
    pub notes: Vec<NoteLine>,
    /// What agents whispered in it while it was live (never part of an export for the visitor).
    #[serde(default)]
    pub whispers: Vec<kefu_protocol::Whisper>,
    /// The visitor's card as it is now (`None`: erased or merged away).
    #[serde(default)]
    pub card: Option<crate::visitors::VisitorCard>,
    /// The pages of the visit the conversation happened in, up to its end (trajectory at the time).
    #[serde(default)]
    pub pages: Vec<crate::visitors::PageStep>,
}

/// Longest note, in characters; most tags on a conversation, and the longest tag.
pub const NOTE_CHARS: usize = 1000;
pub const MAX_TAGS: usize = 10;
pub const TAG_CHARS: usize = 20;
/// Most notes on one conversation.
pub const MAX_NOTES: i64 = 100;

/// Most conversations one deletion takes.
pub const DELETE_AT_ONCE: usize = 100;

/// Most messages a transcript shows.
pub const TRANSCRIPT_MESSAGES: i64 = 5000;
