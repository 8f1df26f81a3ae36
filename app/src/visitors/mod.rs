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
use kefu_protocol::{ApiError, DetailField, DetailsForm, ErrorCode, Source, CARD_DETAILS, CUSTOM_DETAILS};
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
    /// What the visitor answered to the site's own registration fields (label, value); read only.
    #[serde(default)]
    pub details: Vec<(String, String)>,
    /// When the visitor first sent the site's registration form (Unix ms); read only.
    #[serde(default)]
    pub registered_at: Option<i64>,
}

/// A site's registration form as its page edits it (seed 004 "访客注册设置").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationSettings {
    pub site_id: i64,
    /// The site's version when read (a save of an older one is `Stale`).
    pub version: i64,
    /// Visitors are asked at all.
    pub on: bool,
    /// Before their first message (otherwise whenever they like, from the widget's header).
    pub before: bool,
    pub fields: Vec<DetailField>,
}

impl RegistrationSettings {
    /// Checks what an admin sent: known field ids, each once; a label (one line, at most
    /// [`kefu_protocol::MAX_DETAIL_LABEL`]) on each of the site's own fields and none on card
    /// fields; at least one field when on.
    pub fn parse(mut self) -> Result<RegistrationSettings, ApiError> {
        let mut seen = Vec::new();
        for field in &mut self.fields {
            let custom = CUSTOM_DETAILS.contains(&field.id.as_str());
            if !(custom || CARD_DETAILS.contains(&field.id.as_str())) || seen.contains(&field.id) {
                return Err(ApiError::invalid("fields", ErrorCode::Format));
            }
            seen.push(field.id.clone());
            field.label = if custom {
                let label = Line::parse(&field.label, "fields", kefu_protocol::MAX_DETAIL_LABEL)?.into_string();
                if label.is_empty() {
                    return Err(ApiError::invalid("fields", ErrorCode::Required));
                }
                label
            } else {
                String::new()
            };
        }
        if self.on && self.fields.is_empty() {
            return Err(ApiError::invalid("fields", ErrorCode::Required));
        }
        Ok(self)
    }

    /// The form the widget shows (`None`: off).
    pub fn form(&self) -> Option<DetailsForm> {
        self.on.then(|| DetailsForm { before: self.before, fields: self.fields.clone() })
    }
}

/// A visitor's answers to a registration form, checked: the card fields (empty: not given, the card
/// keeps what it has) and the site's own fields by label.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub custom: Vec<(String, String)>,
}

impl Answers {
    /// Reads `values` (field id, text) against `form`: every id must be the form's, a required field
    /// must be answered (refused with its id and `Required`), e-mail and phone must look like one.
    pub fn parse(form: &DetailsForm, values: &[(String, String)]) -> Result<Answers, ApiError> {
        if values.len() > form.fields.len() || values.iter().any(|(id, _)| !form.fields.iter().any(|f| f.id == *id)) {
            return Err(ApiError::invalid("values", ErrorCode::Format));
        }
        let card = VisitorCard {
            name: value_of(values, "name"),
            email: value_of(values, "email"),
            phone: value_of(values, "phone"),
            company: value_of(values, "company"),
            ..VisitorCard::default()
        }
        .parse()
        .map_err(|e| match e {
            ApiError::Validation { field, code, .. } if field == "card_name" => ApiError::invalid("name", code),
            ApiError::Validation { field, code, .. } if field == "card_company" => ApiError::invalid("company", code),
            other => other,
        })?;
        let mut answers = Answers {
            name: card.name,
            email: card.email,
            phone: card.phone,
            company: card.company,
            custom: Vec::new(),
        };
        for field in &form.fields {
            let text = match field.id.as_str() {
                "name" => answers.name.clone(),
                "email" => answers.email.clone(),
                "phone" => answers.phone.clone(),
                "company" => answers.company.clone(),
                id => {
                    let text = Line::parse(&value_of(values, id), id, kefu_protocol::MAX_DETAIL_VALUE)?.into_string();
                    if !text.is_empty() {
                        answers.custom.push((field.label.clone(), text.clone()));
                    }
                    text
                }
            };
            if field.required && text.is_empty() {
                return Err(ApiError::invalid(&field.id, ErrorCode::Required));
            }
        }
        Ok(answers)
    }
}

fn value_of(values: &[(String, String)], id: &str) -> String {
    values.iter().find(|(i, _)| i == id).map(|(_, v)| v.clone()).unwrap_or_default()
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
        /// They sent the site's registration form.
        pub registered: bool,
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
