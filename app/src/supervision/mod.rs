//! Supervision (issue 16; seed 004 section 14 "客服监控", seed 000 "客服管理"): whoever may monitor
//! chats (`MonitorChats`) watches any live chat of their sites (the workbench's colleagues' list,
//! read only), and steps in: **whisper** to its agents (a message the visitor never receives,
//! [`kefu_protocol::Whisper`]; the chat's agent and joined colleagues may whisper back), **take
//! over** (the chat becomes theirs, the previous agent is told) or **end** it with a reason. Taking
//! over and ending are kept in the conversation's events and the operation log.
//!
//! Owns `conversation_whispers`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

/// Longest reason for ending a chat, in characters.
pub const REASON_CHARS: usize = 200;
/// Most whispers in one conversation.
pub const MAX_WHISPERS: i64 = 500;

/// One agent's day on the team dashboard (seed 004 section 14 "客服团队"): what the database
/// knows since the start of the supervisor's day. Status and open chats come live from the socket.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TeamRow {
    pub agent_id: i64,
    pub name: String,
    /// Conversations started since, that the agent has (or had when they ended).
    pub chats: i64,
    /// Their total length (the open ones up to now), ms.
    pub talk_ms: i64,
    /// Average time from the start to the agent's first reply, over those answered.
    pub first_response_ms: Option<i64>,
    pub invitations_sent: i64,
    pub invitations_accepted: i64,
    /// Valid ratings since, and the sum of their scores.
    pub ratings: i64,
    pub rating_total: i64,
}

/// How often the dashboard reads the day's figures again while it is open.
pub const TEAM_REFRESH_MS: u32 = 30_000;
