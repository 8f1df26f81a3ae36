//! Conversations and messages: opening or reusing a visitor's conversation, sending with
//! acknowledgement after a durable commit, per-conversation sequence numbers, sync after a
//! sequence, typing, read state, closing.
//!
//! Owns the `conversations` and `messages` tables. [`service`] is the only place chat rules live:
//! the visitor socket, the agent socket and server functions all call it, and it reaches browsers
//! through the `Realtime` handle. [`writer`] is the group commit (one transaction for every message
//! queued meanwhile); [`repo`] the rest of the SQL.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod writer;
