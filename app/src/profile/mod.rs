//! Personal settings (seed 000 chapter 9): what an agent changes about themself. Display name,
//! nickname shown to visitors, a card visitors may see (phone, e-mail, QQ, WeChat, any label and
//! value), language, send key, personal welcome, their own max concurrent chats (within the one
//! their admin set), and which events notify them. Changing the password is `auth`'s (`me/password`).
//!
//! Owns `agents.prefs` and `agents.card`, and the agent's own display name and nickname.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::AgentPrefs;
use serde::{Deserialize, Serialize};

pub use crate::agents::CardLine;

/// The personal settings form, with the `version` of the agent row it was read at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalSettings {
    pub version: i64,
    pub display_name: String,
    pub nickname: String,
    pub card: Vec<CardLine>,
    pub prefs: AgentPrefs,
    /// The limit the admin set (read only; `prefs.max_chats` may only lower it).
    pub admin_max_chats: i64,
    /// Where the avatar is served (read only here: it is uploaded on its own).
    #[serde(default)]
    pub avatar: Option<String>,
}

/// Longest personal welcome message.
pub const WELCOME_CHARS: usize = 500;
