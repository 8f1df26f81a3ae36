//! Visitors of a company's sites: recognising them again (first-party token), their visits, and
//! what they look at (page views). Who is online right now is live state, held by the server's hub
//! (and Redis in a cluster); this area owns the stored side: the `visitors` and `page_views` tables.

pub mod api;
#[cfg(feature = "ssr")]
pub mod channel;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod source;
pub mod ui;

#[cfg(feature = "ssr")]
pub use stored::*;

use kefu_protocol::text::{Line, Name};
use kefu_protocol::{ApiError, ErrorCode, Source};
use serde::{Deserialize, Serialize};

/// What agents know of a visitor (seed 004 section 4 "访客名片"), editable by them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorCard {
    pub visitor_id: i64,
    /// The card's version when read (a save of an older one is `Stale`).
    pub version: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub tags: Vec<String>,
    pub notes: String,
    /// The site's user id for them: signed by the site (`member`) or only claimed; read only.
    #[serde(default)]
    pub member: Option<String>,
    #[serde(default)]
    pub claimed: Option<String>,
}

/// Longest user id a site may identify a visitor with.
pub const MEMBER_ID: usize = 128;

pub const CARD_NAME: usize = 50;
pub const CARD_EMAIL: usize = 100;
pub const CARD_PHONE: usize = 30;
pub const CARD_COMPANY: usize = 100;
pub const CARD_TAGS: usize = 10;
pub const CARD_TAG: usize = 20;
pub const CARD_NOTES: usize = 2000;

impl VisitorCard {
    /// Checks what an agent sent: lengths, an e-mail with an `@` (when given), a phone of digits,
    /// spaces and `+-()`, at most ten tags (blank and repeated ones dropped); notes keep their lines.
    pub fn parse(mut self) -> Result<VisitorCard, ApiError> {
        let line = |raw: &str, field: &str, max: usize| Line::parse(raw, field, max).map(Line::into_string);
        self.name = if self.name.trim().is_empty() {
            String::new()
        } else {
            Name::parse(&self.name, "card_name", CARD_NAME)?.into_string()
        };
        self.email = line(&self.email, "email", CARD_EMAIL)?;
        if !self.email.is_empty() && !self.email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
        {
            return Err(ApiError::invalid("email", ErrorCode::Format));
        }
        self.phone = line(&self.phone, "phone", CARD_PHONE)?;
        if !self.phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            return Err(ApiError::invalid("phone", ErrorCode::Format));
        }
        self.company = line(&self.company, "card_company", CARD_COMPANY)?;
        let mut tags: Vec<String> = Vec::new();
        for tag in &self.tags {
            let tag = Name::parse(tag, "tags", CARD_TAG).map(Name::into_string).or_else(|e| {
                if tag.trim().is_empty() {
                    Ok(String::new())
                } else {
                    Err(e)
                }
            })?;
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > CARD_TAGS {
            return Err(ApiError::invalid("tags", ErrorCode::TooLong));
        }
        self.tags = tags;
        self.notes = kefu_protocol::MessageBody::parse(&self.notes)
            .map(|b| b.as_str().to_owned())
            .or_else(|e| if self.notes.trim().is_empty() { Ok(String::new()) } else { Err(e) })
            .map_err(|e| match e.code() {
                ErrorCode::TooLong => ApiError::invalid("notes", ErrorCode::TooLong),
                code => ApiError::invalid("notes", code),
            })?;
        if self.notes.chars().count() > CARD_NOTES {
            return Err(ApiError::invalid("notes", ErrorCode::TooLong));
        }
        Ok(self)
    }
}

/// One page of a visit, and how long the visitor stayed on it (`None`: still there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageStep {
    pub url: String,
    pub title: String,
    pub at: i64,
    pub stay_ms: Option<i64>,
}

/// An earlier visit in a line: when, how long, how many pages, how it began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitSummary {
    pub started: i64,
    pub ended: i64,
    pub pages: u32,
    pub entry: String,
    pub source: Option<Source>,
}

/// A conversation of the visitor, as the details list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastConversation {
    pub id: i64,
    pub started_at: i64,
    pub closed_at: Option<i64>,
    pub agent_name: Option<String>,
    pub messages: i64,
}

/// The visitor details panel: the card, this visit's pages (trajectory, seed 004 section 10), the
/// visits before, and past conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorDetails {
    pub card: VisitorCard,
    pub site_name: String,
    pub first_seen: i64,
    pub visits: i64,
    pub current: Vec<PageStep>,
    pub earlier: Vec<VisitSummary>,
    pub conversations: Vec<PastConversation>,
}

/// Page views read for the trajectory (the newest).
pub const TRAJECTORY_VIEWS: i64 = 500;
/// Earlier visits listed.
pub const EARLIER_VISITS: usize = 20;

#[cfg(feature = "ssr")]
mod stored {
    use kefu_protocol::{ConversationId, VisitorId};

    #[derive(Clone, Debug)]
    pub struct Visitor {
        pub id: VisitorId,
        pub name: Option<String>,
        pub first_seen: i64,
        pub visits: i64,
        /// The site's user id for them, when the site signed it.
        pub member: Option<String>,
        /// Their newest conversation, read with them (a reconnect costs one query).
        pub latest: Option<Latest>,
    }

    /// A visitor's newest conversation, as far as their socket needs it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Latest {
        pub id: ConversationId,
        pub last_seq: i64,
        /// Up to which message agents have read it.
        pub agent_read_seq: i64,
        pub open: bool,
        /// Who has it (`None`: nobody, or it is closed).
        pub agent_name: Option<String>,
    }

    impl Latest {
        /// Where a visitor with this latest conversation stands with chat.
        pub fn chat(latest: Option<&Latest>) -> (kefu_protocol::VisitorChat, Option<String>) {
            use kefu_protocol::VisitorChat;
            match latest {
                None => (VisitorChat::None, None),
                Some(l) if !l.open => (VisitorChat::Chatted, None),
                Some(l) => match &l.agent_name {
                    Some(name) => (VisitorChat::Chatting, Some(name.clone())),
                    None => (VisitorChat::Waiting, None),
                },
            }
        }
    }

    /// A returning visitor as stored, before this visit is counted.
    #[derive(Clone, Debug)]
    pub struct Known {
        pub visitor: Visitor,
        pub last_seen: i64,
    }
}
