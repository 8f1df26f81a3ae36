//! Internal chat between colleagues and broadcasts from admins (issue 13; seed 000 "内部通讯",
//! chapter 6 agent list): a colleagues page listing every agent with their status and load, a
//! one-to-one chat with history and unread counts, and an admin's broadcast shown to every agent
//! online as a banner until dismissed. Messages travel on the agent socket (`FromAgent::Colleague*`);
//! the broadcast is a server function.
//!
//! Owns `colleague_threads`, `colleague_messages`, `broadcasts` and `broadcast_recipients`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;
