//! Categories (seed 000 16.3, seed 004 13 "分组"): the visitor-facing groups ("Sales", "Support")
//! a visitor may choose before chatting. Each has a name unique in the company, an order, member
//! agents (an agent may be in several), an optional switchboard agent who receives its chats first,
//! and the sites it is shown on. The widget's list launcher and the routing issue's category
//! choice read them.
//!
//! Owns the `categories`, `category_agents` and `category_sites` tables.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryView {
    pub id: i64,
    pub name: String,
    pub sort_order: i64,
    pub switchboard_id: Option<i64>,
    pub switchboard_name: Option<String>,
    pub agent_ids: Vec<i64>,
    pub site_ids: Vec<i64>,
    pub version: i64,
}

/// A new category (`id` `None`, placed last) or a change to one (with its `version`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryForm {
    pub id: Option<i64>,
    pub version: i64,
    pub name: String,
    pub switchboard_id: Option<i64>,
    pub agent_ids: Vec<i64>,
    pub site_ids: Vec<i64>,
}

pub const NAME_CHARS: usize = 30;
