//! Wire types of kefu, defined once and shared by the server, the agent workbench and the visitor widget.
//!
//! - [`visitor`]: the visitor socket's frames ([`FromVisitor`], [`ToVisitor`]); the widget uses only these.
//! - [`agent`] (feature `agent`): the agent socket's frames ([`FromAgent`], [`ToAgent`]) and [`Perm`].
//! - [`ApiError`] with its stable [`ErrorCode`]: the one error clients see, on sockets and from
//!   server functions; clients translate the code, never the English text.
//! - [`MessageBody`], [`ClientMsgId`], [`PageInfo::parse`]: raw input turned into values that cannot be invalid.
//! - [`log::ConversationLog`]: the client side of guaranteed delivery (ordering by sequence, the outbox).
//! - [`Lang`]: the interface languages and how a browser's language tag picks one.
//!
//! This crate depends on serde only, so the widget can use it without pulling in the workbench.

#[cfg(feature = "agent")]
pub mod agent;
#[cfg(feature = "agent")]
pub mod console;
pub mod emoji;
pub mod error;
pub mod file;
pub mod json;
pub mod lang;
pub mod log;
pub mod text;
pub mod visit;
pub mod visitor;
pub mod widget_text;

#[cfg(feature = "agent")]
pub use agent::{
    AgentInfo, AgentPrefs, AgentStatus, Broadcast, ChatOffer, ColleagueMessage, ColleagueThread, FromAgent,
    NotifyPrefs, Perm, SendKey, ToAgent, TransferRequest, TransferTo, Whisper, COLLEAGUE_PAGE, LIST_PAGE,
    MAX_QUERY_CHARS, MAX_TRANSFER_NOTE,
};
#[cfg(feature = "agent")]
pub use console::{matches_query, VisitorFilter, VisitorSort, VisitorSortKey, VisitorType};
pub use error::{ApiError, ErrorCode};
pub use file::{Attachment, FileClass, FileState};
pub use lang::Lang;
pub use visit::{Campaign, Channel, Device, InApp, Source, SourceKind};
pub use visitor::{
    is_token, token_from_subprotocols, DetailField, DetailsForm, FromVisitor, RatingForm, RatingLevel, ToVisitor,
    CARD_DETAILS, CUSTOM_DETAILS, MAX_DETAIL_LABEL, MAX_DETAIL_VALUE, MAX_RATING_COMMENT, TOKEN_SUBPROTOCOL_PREFIX,
    VISITOR_SUBPROTOCOL,
};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Version of the frames below; clients send it when they connect and the server answers with its own.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest text frame a client may send, in bytes. Larger frames get an error frame.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 4000;
/// Most messages returned by one sync; the answer says when there are more.
pub const SYNC_PAGE: usize = 200;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A company account; every query is scoped by one.
    TenantId,
    /// A website of a tenant, identified publicly by its site key.
    SiteId,
    /// A signed-in person answering chats.
    AgentId,
    /// A visitor of one site, recognised again by a first-party token.
    VisitorId,
    /// One chat between a visitor and the agents of the site.
    ConversationId,
);

/// Who wrote a message.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Visitor,
    Agent,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderKind::Visitor => "visitor",
            SenderKind::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "visitor" => Some(SenderKind::Visitor),
            "agent" => Some(SenderKind::Agent),
            _ => None,
        }
    }
}

/// A committed message: it has its per-conversation sequence number.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender: SenderKind,
    /// Display name of an agent sender; visitors are shown by the client's own label.
    pub sender_name: Option<String>,
    pub client_msg_id: String,
    pub body: String,
    /// Unix milliseconds of the commit.
    pub sent_at: i64,
    /// The file this message sends (its body is then the file's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Attachment>,
    /// Its agent withdrew it ([`RETRACT_WINDOW_MS`]): visitors get it without body or file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retracted: bool,
}

/// How long after sending an agent may withdraw a message.
pub const RETRACT_WINDOW_MS: i64 = 2 * 60 * 1000;

/// Where a visitor is: sent by the widget on connect and on every page change.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub url: String,
    pub title: String,
    pub referrer: String,
}

impl PageInfo {
    pub const MAX_URL: usize = 2048;
    pub const MAX_TITLE: usize = 300;

    /// Checks lengths; control characters are dropped from every field, and a long title is cut.
    pub fn parse(self) -> Result<PageInfo, ApiError> {
        if self.url.len() > Self::MAX_URL {
            return Err(ApiError::invalid("url", ErrorCode::TooLong));
        }
        if self.referrer.len() > Self::MAX_URL {
            return Err(ApiError::invalid("referrer", ErrorCode::TooLong));
        }
        Ok(PageInfo {
            url: text::Line::cut(&self.url, Self::MAX_URL).into_string(),
            title: text::Line::cut(&self.title, Self::MAX_TITLE).into_string(),
            referrer: text::Line::cut(&self.referrer, Self::MAX_URL).into_string(),
        })
    }
}

/// A place's name in the languages the GeoIP data has: English always, Simplified Chinese and
/// Japanese when known (empty otherwise).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub en: String,
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub ja: String,
}

impl Place {
    /// The name for an interface language tag (`zh-CN`, `zh-TW`, `ja`, …), English when the data
    /// has none in that language.
    pub fn name(&self, lang: &str) -> &str {
        let local = if lang.starts_with("zh") {
            &self.zh
        } else if lang == "ja" {
            &self.ja
        } else {
            &self.en
        };
        if local.is_empty() {
            &self.en
        } else {
            local
        }
    }
}

/// Where a visitor stands with chat, for the console's type column.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum VisitorChat {
    /// Never chatted (as far as their latest conversation tells).
    #[default]
    None,
    /// Their conversation waits for an agent.
    Waiting,
    /// An agent has their conversation.
    Chatting,
    /// Their latest conversation ended.
    Chatted,
}

/// Where a visitor is, from their IP address: the country (ISO 3166-1 alpha-2, named by the
/// browser in the agent's language), and the province (or state) and city when the data knows them.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Region {
    pub country: String,
    #[serde(default)]
    pub province: Option<Place>,
    #[serde(default)]
    pub city: Option<Place>,
    /// The province's ISO 3166-2 code (`CN-GD`), when the data has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
}

impl Region {
    /// The most precise code of the region: the province's (`CN-GD`), else the country's (`CN`).
    pub fn code(&self) -> &str {
        self.province_code.as_deref().unwrap_or(&self.country)
    }
}

/// A visitor who has the site open right now.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OnlineVisitor {
    pub visitor_id: VisitorId,
    pub site_id: SiteId,
    pub site_name: String,
    pub name: Option<String>,
    pub page: PageInfo,
    /// Unix ms when this visit's first connection opened.
    pub online_since: i64,
    pub visits: i64,
    /// Where they are, from their address (`None`: unknown).
    #[serde(default)]
    pub region: Option<Region>,
    /// Their device, browser and system.
    #[serde(default)]
    pub channel: Channel,
    /// How they came to the site on this visit.
    #[serde(default)]
    pub source: Source,
    /// Unix ms of their first visit.
    #[serde(default)]
    pub first_seen: i64,
    /// Pages viewed on this visit.
    #[serde(default)]
    pub pages: u32,
    /// Unix ms of their last page view (or of connecting).
    #[serde(default)]
    pub last_active: i64,
    /// Their IP address.
    #[serde(default)]
    pub ip: String,
    /// Blocked: the site takes no chat from them (an agent blocked them or their address).
    #[serde(default)]
    pub blocked: bool,
    /// Where they stand with chat, and who serves them while chatting.
    #[serde(default)]
    pub chat: VisitorChat,
    #[serde(default)]
    pub agent_name: Option<String>,
    /// The site's own user id for them, when the site signed it (a member).
    #[serde(default)]
    pub member: Option<String>,
}

impl OnlineVisitor {
    /// The visitor's chat state as a frame they are sent changes it (`None`: it does not).
    pub fn chat_after(frame: &ToVisitor) -> Option<(VisitorChat, Option<String>)> {
        match frame {
            ToVisitor::Assigned { agent_name, .. } => Some((VisitorChat::Chatting, Some(agent_name.clone()))),
            ToVisitor::Queued { .. } => Some((VisitorChat::Waiting, None)),
            ToVisitor::Ended { .. } => Some((VisitorChat::Chatted, None)),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

/// A conversation as the workbench lists it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    pub visitor_name: Option<String>,
    /// The agent serving the conversation; `None` while it waits in the queue.
    pub agent_id: Option<AgentId>,
    /// Their name, as the visitor sees it.
    #[serde(default)]
    pub agent_name: Option<String>,
    pub status: ConversationStatus,
    /// Sequence number of the newest message (0 when empty).
    pub last_seq: i64,
    /// Highest sequence an agent has read.
    pub agent_read_seq: i64,
    /// Highest sequence the visitor has seen.
    #[serde(default)]
    pub visitor_read_seq: i64,
    pub started_at: i64,
    pub last_message_at: i64,
    /// The newest message's text, cut to [`PREVIEW_CHARS`] (empty before the first).
    #[serde(default)]
    pub last_message: String,
    /// The visitor's conversation before this one, when a message after its end opened this one.
    #[serde(default)]
    pub previous_id: Option<ConversationId>,
}

/// Characters of a conversation's newest message shown in lists.
pub const PREVIEW_CHARS: usize = 80;

/// The start of a message for a list: at most [`PREVIEW_CHARS`] characters on one line.
pub fn preview(body: &str) -> String {
    let line: String = body.chars().map(|c| if c.is_control() { ' ' } else { c }).take(PREVIEW_CHARS + 1).collect();
    if line.chars().count() > PREVIEW_CHARS {
        let mut cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

/// A frame a client sends, as the socket loop needs to know it.
/// How a socket's frames travel as text, for the browser clients' socket (`kefu-webclient`). The
/// visitor pair has a hand-written codec (see [`json`]) so the widget leaves serde_json out; the
/// agent pair goes through serde_json.
pub trait FrameText: Sized {
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Option<Self>;
}

/// The agent frames' text is serde_json's.
#[cfg(feature = "agent")]
macro_rules! serde_frame_text {
    ($($frame:ty),*) => {$(
        impl FrameText for $frame {
            fn to_text(&self) -> String {
                serde_json::to_string(self).unwrap_or_default()
            }

            fn from_text(text: &str) -> Option<Self> {
                serde_json::from_str(text).ok()
            }
        }
    )*};
}

#[cfg(feature = "agent")]
serde_frame_text!(ToAgent, FromAgent);

pub trait Inbound: DeserializeOwned {
    /// The client id of the message this frame sends, if it sends one (refusals name it).
    fn sent_message_id(&self) -> Option<&str>;
    fn is_ping(&self) -> bool;
}

/// A frame the server sends, as the socket loop builds it.
pub trait Outbound: Serialize {
    fn error(error: ApiError, client_msg_id: Option<String>) -> Self;
    fn pong() -> Self;
}
/// A message body: trimmed, not empty, at most [`MAX_BODY_CHARS`], no control characters but newline and tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(raw: &str) -> Result<MessageBody, ApiError> {
        let body = raw.replace("\r\n", "\n");
        let body = body.trim();
        if body.is_empty() {
            return Err(ApiError::invalid("body", ErrorCode::Empty));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(ApiError::invalid("body", ErrorCode::TooLong));
        }
        if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ApiError::invalid("body", ErrorCode::ControlChars));
        }
        Ok(MessageBody(body.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The sender's id for a message, chosen by the client so a resend is recognised: 1–64 of `[A-Za-z0-9_-]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(raw: &str) -> Result<ClientMsgId, ApiError> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(ClientMsgId(raw.to_owned()))
        } else {
            Err(ApiError::invalid("client_msg_id", ErrorCode::Format))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Decodes a client frame, enforcing the size limit.
pub fn decode<F: DeserializeOwned>(text: &str) -> Result<F, ApiError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(ApiError::BadFrame { message: format!("frame larger than {MAX_FRAME_BYTES} bytes") });
    }
    serde_json::from_str(text).map_err(|e| ApiError::BadFrame { message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_named_by_their_one_key() {
        let json =
            serde_json::to_string(&FromVisitor::Sync { conversation_id: ConversationId(7), after_seq: 3 }).unwrap();
        assert_eq!(json, r#"{"sync":{"conversation_id":7,"after_seq":3}}"#);
        let back: FromVisitor = serde_json::from_str(&json).unwrap();
        assert_eq!(back, FromVisitor::Sync { conversation_id: ConversationId(7), after_seq: 3 });
        assert_eq!(serde_json::to_string(&ToVisitor::Pong).unwrap(), r#""pong""#);
        let error = ToVisitor::Error { error: ApiError::TooMany { retry_after_secs: 1 }, client_msg_id: None };
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(json, r#"{"error":{"error":{"too_many":{"retry_after_secs":1}},"client_msg_id":null}}"#);
        assert_eq!(serde_json::from_str::<ToVisitor>(&json).unwrap(), error);
    }

    /// Widgets of protocol v1 are cached on customers' pages: what they send must still be read, and
    /// what they read must keep its shape (they show `message` of a validation error).
    #[test]
    fn visitor_frames_keep_the_v1_json() {
        let send: FromVisitor =
            serde_json::from_str(r#"{"send":{"conversation_id":null,"client_msg_id":"m1","body":"hi"}}"#).unwrap();
        assert_eq!(
            send,
            FromVisitor::Send { conversation_id: None, client_msg_id: "m1".into(), body: "hi".into(), file: None }
        );
        let typing: FromVisitor = serde_json::from_str(r#"{"typing":{"conversation_id":null,"active":true}}"#).unwrap();
        assert_eq!(typing, FromVisitor::Typing { conversation_id: None, active: true });
        let error = ToVisitor::Error { error: ApiError::invalid("body", ErrorCode::TooLong), client_msg_id: None };
        let json: serde_json::Value = serde_json::to_value(&error).unwrap();
        let validation = &json["error"]["error"]["validation"];
        assert_eq!(validation["field"], "body");
        assert_eq!(validation["message"], "too long");
        assert_eq!(validation["code"], "too_long");
    }

    #[test]
    fn unknown_and_oversized_frames_are_bad_frames() {
        assert!(matches!(decode::<FromVisitor>(r#"{"launch_missiles":{}}"#), Err(ApiError::BadFrame { .. })));
        assert!(matches!(decode::<FromVisitor>("{not json"), Err(ApiError::BadFrame { .. })));
        let huge = format!(r#"{{"send":{{"client_msg_id":"x","body":"{}"}}}}"#, "a".repeat(MAX_FRAME_BYTES));
        assert!(matches!(decode::<FromVisitor>(&huge), Err(ApiError::BadFrame { .. })));
    }

    #[test]
    fn places_are_named_in_the_language_the_data_has_else_in_english() {
        let guangdong = Place { en: "Guangdong".into(), zh: "广东".into(), ja: "広東".into() };
        assert_eq!(guangdong.name("zh-CN"), "广东");
        assert_eq!(guangdong.name("zh-TW"), "广东");
        assert_eq!(guangdong.name("ja"), "広東");
        assert_eq!(guangdong.name("ko"), "Guangdong");
        let gunpo = Place { en: "Gunpo".into(), ..Default::default() };
        assert_eq!(gunpo.name("ja"), "Gunpo");
    }

    #[test]
    fn previews_are_one_line_and_cut_with_an_ellipsis() {
        assert_eq!(preview("您好\n请问"), "您好 请问");
        let long = "退".repeat(PREVIEW_CHARS + 5);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(preview(&"a".repeat(PREVIEW_CHARS)), "a".repeat(PREVIEW_CHARS));
    }

    #[test]
    fn message_bodies_are_trimmed_and_bounded() {
        assert_eq!(MessageBody::parse("  hi \r\nthere ").unwrap().as_str(), "hi \nthere");
        assert!(MessageBody::parse("   ").is_err());
        assert!(MessageBody::parse(&"x".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(MessageBody::parse("bell\u{7}").is_err());
        assert_eq!(
            MessageBody::parse("<img src=x onerror=alert(1)>").unwrap().as_str(),
            "<img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn client_message_ids_are_restricted() {
        assert!(ClientMsgId::parse("a1-B_2").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse("with space").is_err());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
    }
}
