//! The company's agents as the back office manages them (seed 000 16.1, seed 004 12): profile
//! (name, nickname shown to visitors, job number, e-mail, mobile), role, department, the sites they
//! serve, seat, max concurrent chats, order. Accounts and passwords (signing in, enabling,
//! deleting, ending sessions) are `auth`'s; this area reads and changes the rest of the row.
//!
//! Owns the profile columns of `agents` and the `agent_sites` table.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

/// One agent in the agents list (and the form that edits them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRow {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub nickname: String,
    pub job_number: String,
    pub email: String,
    pub mobile: String,
    pub role_id: i64,
    pub role_name: String,
    /// `admin`, `app_admin`, `agent` for a built-in role.
    pub role_builtin: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub site_ids: Vec<i64>,
    pub seat_enabled: bool,
    pub max_chats: i64,
    pub sort_order: i64,
    pub enabled: bool,
    /// The company's first admin (cannot be deleted, disabled or demoted).
    pub owner: bool,
    pub version: i64,
    /// Where the avatar is served (`None`: no avatar).
    pub avatar: Option<String>,
    pub card: Vec<CardLine>,
    /// Whether the agent has a workbench open now (on any node).
    pub online: bool,
    /// The regions they serve first when a site routes by region: countries (`CN`) and provinces
    /// (`CN-GD`).
    #[serde(default)]
    pub regions: Vec<String>,
}

/// One line of the card visitors may see about an agent (phone, e-mail, QQ, WeChat, Skype, or any
/// label and value).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLine {
    pub label: String,
    pub value: String,
}

/// Most card lines; longest label and value.
pub const CARD_LINES: usize = 10;
pub const CARD_LABEL_CHARS: usize = 20;
pub const CARD_VALUE_CHARS: usize = 100;

/// The path an avatar is served at.
pub fn avatar_url(key: &str) -> String {
    format!("/api/v1/avatars/{key}")
}

/// One page of the agents list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPage {
    pub rows: Vec<AgentRow>,
    /// Agents matching the search.
    pub total: i64,
    /// Enabled seats in use, and how many the company may enable (`None`: no limit).
    pub seats_used: i64,
    pub seat_limit: Option<i64>,
}

/// A new agent (`id` `None`: `login` and `password` are required) or a change to one (with the
/// `version` it was read at; `login` and `password` are ignored: the account is fixed, and the
/// password has its own action).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentForm {
    pub id: Option<i64>,
    pub version: i64,
    pub login: String,
    pub password: String,
    pub display_name: String,
    pub nickname: String,
    pub job_number: String,
    pub email: String,
    pub mobile: String,
    pub role_id: i64,
    pub department_id: Option<i64>,
    pub site_ids: Vec<i64>,
    pub seat_enabled: bool,
    pub max_chats: i64,
    pub sort_order: i64,
    #[serde(default)]
    pub card: Vec<CardLine>,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// An uploaded image, base64-encoded (the file's bytes as the browser read them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub base64: String,
}

/// Most regions an agent may serve first.
pub const MAX_REGIONS: usize = 100;

/// Whether `code` reads as a region: an ISO 3166-1 country (`CN`) or an ISO 3166-2 subdivision
/// (`CN-GD`, `JP-13`, `TW-TPE`).
pub fn is_region_code(code: &str) -> bool {
    let (country, sub) = code.split_once('-').map_or((code, None), |(c, s)| (c, Some(s)));
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && sub.is_none_or(|s| {
            (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// Agents per page of the list.
pub const PAGE: i64 = 25;
/// Most concurrent chats an agent may be given.
pub const MAX_CHATS: i64 = 50;
