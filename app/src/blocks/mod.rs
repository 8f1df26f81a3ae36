//! Blocked visitors and banned addresses (seed 000 7.6 "封锁访客" and 16.5 "封锁访客管理"; seed 004
//! section 6 "屏蔽恶意访客").
//!
//! An agent blocks the visitor of a chat (with a reason and a duration; the chat ends), an admin
//! bans an address or a range on one site or all of them. A blocked visitor's widget says chat is
//! not available and offers no message box; it is never told why. Blocks apply on every node at
//! once: the change reaches each node's connected visitors through [`crate::infra::realtime`], and
//! every node checks a cached copy of the company's blocks when a visitor connects or writes.
//!
//! Owns the `blocks` table.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

/// How long a block lasts (seed 000: "封锁截止时间").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockFor {
    Hour,
    #[default]
    Day,
    Week,
    Forever,
}

impl BlockFor {
    pub const ALL: [BlockFor; 4] = [BlockFor::Hour, BlockFor::Day, BlockFor::Week, BlockFor::Forever];

    /// The block's length in milliseconds (`None`: for good).
    pub fn millis(self) -> Option<i64> {
        const HOUR: i64 = 3_600_000;
        match self {
            BlockFor::Hour => Some(HOUR),
            BlockFor::Day => Some(24 * HOUR),
            BlockFor::Week => Some(7 * 24 * HOUR),
            BlockFor::Forever => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BlockFor::Hour => "hour",
            BlockFor::Day => "day",
            BlockFor::Week => "week",
            BlockFor::Forever => "forever",
        }
    }

    pub fn parse(s: &str) -> Option<BlockFor> {
        BlockFor::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Whom a block is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockTarget {
    /// One visitor (on their site).
    Visitor { visitor_id: i64 },
    /// An address (`203.0.113.7`) or a range (`203.0.113.0/24`, `2001:db8::/32`), on one site or,
    /// with `site_id` `None`, on every site of the company.
    Address { net: String, site_id: Option<i64> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockForm {
    pub target: BlockTarget,
    pub reason: String,
    pub duration: BlockFor,
}

/// A block in force, as the blocks page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockView {
    pub id: i64,
    pub site_id: Option<i64>,
    pub site_name: Option<String>,
    pub visitor_id: Option<i64>,
    pub visitor_name: Option<String>,
    /// The banned address or range, canonical (`203.0.113.0/24`).
    pub net: Option<String>,
    pub reason: String,
    /// Who blocked (`None`: an agent since deleted).
    pub by_name: Option<String>,
    pub created_at: i64,
    /// Unix ms when it ends (`None`: for good).
    pub until: Option<i64>,
}

/// Longest reason, in characters.
pub const REASON_CHARS: usize = 200;
/// The widest range one ban may cover: an IPv4 /16 (65,536 addresses) or an IPv6 /32.
pub const WIDEST_V4: u8 = 16;
pub const WIDEST_V6: u8 = 32;
