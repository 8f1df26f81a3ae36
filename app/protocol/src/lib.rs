//! Wire types of kefu, defined once and shared by the server, the agent workbench and the visitor widget.
//!
//! - [`ClientFrame`] / [`ServerFrame`]: every WebSocket frame, for both the visitor and the agent socket.
//! - [`ApiError`]: the one error type clients see, on sockets and from server functions.
//! - [`MessageBody`], [`ClientMsgId`], [`PageInfo::parse`]: raw input turned into values that cannot be invalid.
//! - [`log::ConversationLog`]: the client side of guaranteed delivery (ordering by sequence, the outbox).
//! - [`Lang`]: the interface languages and how a browser's language tag picks one.
//!
//! This crate depends on serde only, so the widget can use it without pulling in the workbench.

pub mod lang;
pub mod log;

pub use lang::Lang;

use serde::{Deserialize, Serialize};

/// Version of the frames below; clients send it when they connect and the server answers with its own.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest text frame a client may send, in bytes. Larger frames get an error frame.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 4000;
/// Most messages returned by one [`ClientFrame::Sync`]; the answer says when there are more.
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
}

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

    /// Checks lengths; control characters in the title are dropped.
    pub fn parse(self) -> Result<PageInfo, ApiError> {
        if self.url.len() > Self::MAX_URL {
            return Err(ApiError::validation("url", "too long"));
        }
        if self.referrer.len() > Self::MAX_URL {
            return Err(ApiError::validation("referrer", "too long"));
        }
        let title: String = self.title.chars().filter(|c| !c.is_control()).take(Self::MAX_TITLE).collect();
        Ok(PageInfo { url: self.url, title, referrer: self.referrer })
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
    pub agent_id: Option<AgentId>,
    pub status: ConversationStatus,
    /// Sequence number of the newest message (0 when empty).
    pub last_seq: i64,
    /// Highest sequence an agent has read.
    pub agent_read_seq: i64,
    pub started_at: i64,
    pub last_message_at: i64,
}

/// The signed-in agent, as the workbench shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentInfo {
    pub id: AgentId,
    pub tenant_id: TenantId,
    pub login: String,
    pub display_name: String,
    pub role: String,
}

/// Frames a client (visitor widget or agent workbench) sends. Externally tagged on the wire
/// (`{"sync":{…}}`, `"ping"`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientFrame {
    /// Visitor only: the page the visitor is on.
    Page {
        page: PageInfo,
    },
    /// A new message. Visitors omit the conversation (the server uses or opens theirs); agents name it.
    /// Sending the same `client_msg_id` again returns the original ack and creates nothing.
    Send {
        conversation_id: Option<ConversationId>,
        client_msg_id: String,
        body: String,
    },
    /// Asks for every message after `after_seq`, answered by [`ServerFrame::Messages`].
    Sync {
        conversation_id: ConversationId,
        after_seq: i64,
    },
    Typing {
        conversation_id: Option<ConversationId>,
        active: bool,
    },
    /// Agent only: everything up to `seq` has been read.
    MarkRead {
        conversation_id: ConversationId,
        seq: i64,
    },
    Ping,
}

/// Frames the server sends. Externally tagged on the wire (`{"ack":{…}}`, `"pong"`): serde reads
/// that without buffering the frame first, which keeps the widget's WASM small.
///
/// The frames only agents receive exist with the `agent` feature (the server and the workbench):
/// the visitor widget does not carry code to read them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame to a visitor. `token` is the first-party token to present next time.
    VisitorWelcome {
        protocol_version: u32,
        visitor_id: VisitorId,
        token: String,
        site_name: String,
        /// The visitor's latest conversation and its newest sequence number.
        conversation: Option<(ConversationId, i64)>,
    },
    /// First frame to an agent, followed by [`ServerFrame::Snapshot`].
    #[cfg(feature = "agent")]
    AgentWelcome {
        protocol_version: u32,
        agent: AgentInfo,
    },
    /// Everything an agent needs after (re)connecting: who is online and the open conversations.
    #[cfg(feature = "agent")]
    Snapshot {
        visitors: Vec<OnlineVisitor>,
        conversations: Vec<ConversationSummary>,
    },
    #[cfg(feature = "agent")]
    VisitorOnline {
        visitor: OnlineVisitor,
    },
    #[cfg(feature = "agent")]
    VisitorOffline {
        visitor_id: VisitorId,
    },
    #[cfg(feature = "agent")]
    VisitorPage {
        visitor_id: VisitorId,
        page: PageInfo,
    },
    /// A conversation was opened or changed.
    #[cfg(feature = "agent")]
    Conversation {
        conversation: ConversationSummary,
    },
    /// The message with this client id is durably committed.
    Ack {
        client_msg_id: String,
        message: ChatMessage,
    },
    /// A message from someone else.
    Message {
        message: ChatMessage,
    },
    /// Answer to [`ClientFrame::Sync`], in sequence order; `more` asks the client to sync again.
    Messages {
        conversation_id: ConversationId,
        messages: Vec<ChatMessage>,
        more: bool,
    },
    Typing {
        conversation_id: ConversationId,
        sender: SenderKind,
        active: bool,
    },
    /// Something the client sent was refused; `client_msg_id` names the message when it was a send.
    Error {
        error: ApiError,
        client_msg_id: Option<String>,
    },
    /// Frames may have been missed (the server lost its link to the other nodes for a while): sync
    /// every conversation held after its last contiguous sequence.
    Resync,
    Pong,
}

/// The one error clients see. Internal details are logged by the server and never sent.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApiError {
    NotFound,
    Unauthorized,
    Forbidden,
    Validation {
        field: String,
        message: String,
    },
    Conflict {
        message: String,
    },
    /// Too many requests; try again after this many seconds.
    TooMany {
        retry_after_secs: u64,
    },
    /// A frame that is not valid JSON, not a known frame, or too large.
    BadFrame {
        message: String,
    },
    /// The client could not reach the server.
    Network {
        message: String,
    },
    Internal,
}

impl ApiError {
    pub fn validation(field: &str, message: &str) -> Self {
        ApiError::Validation { field: field.into(), message: message.into() }
    }

    /// The HTTP status an HTTP response carrying this error has (the body is the error itself).
    pub fn http_status(&self) -> u16 {
        match self {
            ApiError::NotFound => 404,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden => 403,
            ApiError::Validation { .. } => 422,
            ApiError::Conflict { .. } => 409,
            ApiError::TooMany { .. } => 429,
            ApiError::BadFrame { .. } => 400,
            ApiError::Network { .. } => 502,
            ApiError::Internal => 500,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::NotFound => write!(f, "not found"),
            ApiError::Unauthorized => write!(f, "not signed in"),
            ApiError::Forbidden => write!(f, "not allowed"),
            ApiError::Validation { field, message } => write!(f, "{field}: {message}"),
            ApiError::Conflict { message } => write!(f, "conflict: {message}"),
            ApiError::TooMany { retry_after_secs } => write!(f, "too many requests, retry in {retry_after_secs}s"),
            ApiError::BadFrame { message } => write!(f, "bad frame: {message}"),
            ApiError::Network { message } => write!(f, "network: {message}"),
            ApiError::Internal => write!(f, "internal error"),
        }
    }
}

impl std::error::Error for ApiError {}

/// A message body: trimmed, not empty, at most [`MAX_BODY_CHARS`], no control characters but newline and tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(raw: &str) -> Result<MessageBody, ApiError> {
        let body = raw.replace("\r\n", "\n");
        let body = body.trim();
        if body.is_empty() {
            return Err(ApiError::validation("body", "empty"));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(ApiError::validation("body", "too long"));
        }
        if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ApiError::validation("body", "control characters"));
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
            Err(ApiError::validation("client_msg_id", "must be 1-64 letters, digits, '-' or '_'"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Decodes a client frame, enforcing the size limit.
pub fn decode_client_frame(text: &str) -> Result<ClientFrame, ApiError> {
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
            serde_json::to_string(&ClientFrame::Sync { conversation_id: ConversationId(7), after_seq: 3 }).unwrap();
        assert_eq!(json, r#"{"sync":{"conversation_id":7,"after_seq":3}}"#);
        let back: ClientFrame = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ClientFrame::Sync { conversation_id: ConversationId(7), after_seq: 3 });
        assert_eq!(serde_json::to_string(&ServerFrame::Pong).unwrap(), r#""pong""#);
        let error = ServerFrame::Error { error: ApiError::TooMany { retry_after_secs: 1 }, client_msg_id: None };
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(json, r#"{"error":{"error":{"too_many":{"retry_after_secs":1}},"client_msg_id":null}}"#);
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), error);
    }

    #[test]
    fn unknown_and_oversized_frames_are_bad_frames() {
        assert!(matches!(decode_client_frame(r#"{"launch_missiles":{}}"#), Err(ApiError::BadFrame { .. })));
        assert!(matches!(decode_client_frame("{not json"), Err(ApiError::BadFrame { .. })));
        let huge = format!(r#"{{"send":{{"client_msg_id":"x","body":"{}"}}}}"#, "a".repeat(MAX_FRAME_BYTES));
        assert!(matches!(decode_client_frame(&huge), Err(ApiError::BadFrame { .. })));
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
