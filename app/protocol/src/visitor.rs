//! The visitor socket's frames (`/api/v1/visitor/ws`): what the widget sends and what it receives.
//! The widget depends on this pair only. Their JSON is protocol v1 as deployed widgets speak it:
//! change it only with a new [`crate::PROTOCOL_VERSION`].

use serde::{Deserialize, Serialize};

use crate::{ApiError, ChatMessage, ConversationId, Inbound, Outbound, PageInfo, SenderKind, VisitorId};

/// The subprotocol the widget offers on the visitor socket, and the server selects.
pub const VISITOR_SUBPROTOCOL: &str = "kefu.v1";
/// Prefix of the offered subprotocol that carries a returning visitor's token (`kefu.token.<token>`):
/// the token then stays out of the URL, which proxies and access logs keep.
pub const TOKEN_SUBPROTOCOL_PREFIX: &str = "kefu.token.";

/// Whether a visitor token is well formed: what the server issues (letters and digits, at most 128).
pub fn is_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The visitor token offered in a `Sec-WebSocket-Protocol` header value, if any.
pub fn token_from_subprotocols(header: &str) -> Option<&str> {
    header.split(',').map(str::trim).find_map(|p| p.strip_prefix(TOKEN_SUBPROTOCOL_PREFIX)).filter(|t| is_token(t))
}

/// Frames the widget sends. Externally tagged on the wire (`{"sync":{…}}`, `"ping"`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FromVisitor {
    /// The page the visitor is on.
    Page {
        page: PageInfo,
    },
    /// A new message, in the visitor's own conversation (opened on the first message). Sending the
    /// same `client_msg_id` again returns the original ack and creates nothing.
    Send {
        /// Ignored (the server always uses the visitor's own conversation); v1 widgets send `null`.
        #[serde(default)]
        conversation_id: Option<ConversationId>,
        client_msg_id: String,
        body: String,
    },
    /// Asks for every message after `after_seq`, answered by [`ToVisitor::Messages`].
    Sync {
        conversation_id: ConversationId,
        after_seq: i64,
    },
    Typing {
        /// Ignored, as in `Send`.
        #[serde(default)]
        conversation_id: Option<ConversationId>,
        active: bool,
    },
    /// What the visitor's next conversation is about (a category the site shows) and whom it should
    /// go to (an agent's account, from the snippet's `data-agent`). Sent before the first message.
    Choose {
        #[serde(default)]
        category: Option<i64>,
        #[serde(default)]
        agent: Option<String>,
    },
    /// The visitor has seen their conversation up to `seq` (the panel is open).
    Read {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// The visitor ends their open conversation (after confirming in the widget).
    End,
    /// Rates a conversation (one rating each, changeable until a day after it ended).
    Rate {
        conversation_id: ConversationId,
        score: u8,
        #[serde(default)]
        comment: String,
    },
    Ping,
}

/// One level of a site's rating scale.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RatingLevel {
    pub score: u8,
    /// The site's own words for it, by language tag (`en`, `zh-CN`, …); a language without one
    /// shows the widget's translation of the default level.
    #[serde(default)]
    pub labels: Vec<(String, String)>,
    pub comment_required: bool,
}

impl RatingLevel {
    /// The site's label in a language, if it set one.
    pub fn label(&self, lang: &str) -> Option<&str> {
        self.labels.iter().find(|(l, text)| l == lang && !text.is_empty()).map(|(_, t)| t.as_str())
    }
}

/// How a site asks for ratings, and the visitor's rating of this conversation so far.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RatingForm {
    /// Highest first.
    pub levels: Vec<RatingLevel>,
    pub rated: Option<u8>,
}

/// Longest rating comment, in characters.
pub const MAX_RATING_COMMENT: usize = 500;

/// Frames the widget receives. Externally tagged (`{"ack":{…}}`, `"pong"`): serde reads that
/// without buffering the frame first, which keeps the widget's WASM small.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToVisitor {
    /// First frame. `token` is the first-party token to present next time.
    VisitorWelcome {
        protocol_version: u32,
        visitor_id: VisitorId,
        token: String,
        site_name: String,
        /// The visitor's latest conversation and its newest sequence number.
        conversation: Option<(ConversationId, i64)>,
        /// Whether an agent of the site is there to answer (see [`ToVisitor::Availability`]).
        #[serde(default)]
        online: bool,
        /// The site's rating scale (`None`: the site does not ask).
        #[serde(default)]
        rating: Option<RatingForm>,
        /// The categories the site lets visitors choose from, in order (empty: no choice).
        #[serde(default)]
        categories: Vec<(i64, String)>,
        /// The site's welcome by language tag (the widget shows its language's, or its own).
        #[serde(default)]
        greetings: Vec<(String, String)>,
        /// Up to which message agents have read the latest conversation.
        #[serde(default)]
        agent_read_seq: i64,
    },
    /// Agents have read the conversation up to `seq`.
    Read {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// The agent the visitor asked for is offline or full: the chat goes by the site's rules.
    Unavailable {
        agent: String,
    },
    /// The conversation ended (closed by the agent, the visitor, or idleness): the widget shows its
    /// end screen, with the rating form when the site asks and the visitor has not rated.
    Ended {
        conversation_id: ConversationId,
        rating: Option<RatingForm>,
    },
    /// Nobody has written for a while: the conversation closes in `closes_in_secs` unless someone does.
    IdleWarning {
        conversation_id: ConversationId,
        closes_in_secs: u32,
    },
    /// A colleague of the agent joined the conversation (`joined`), or left it.
    Guest {
        conversation_id: ConversationId,
        agent_name: String,
        joined: bool,
    },
    /// The visitor's rating was stored.
    Rated {
        conversation_id: ConversationId,
        score: u8,
    },
    /// Whether an agent of the site is there to answer now; sent when that changes.
    Availability {
        online: bool,
    },
    /// The visitor's conversation waits in the queue: `position` 1 is next; the estimate comes
    /// from recent handling times (`None` without history). Sent again as the queue moves.
    Queued {
        conversation_id: ConversationId,
        position: u32,
        estimate_secs: Option<u32>,
    },
    /// An agent took the conversation ("You are now talking to …"), with their personal welcome.
    Assigned {
        conversation_id: ConversationId,
        agent_name: String,
        #[serde(default)]
        welcome: Option<String>,
    },
    /// The message with this client id is durably committed.
    Ack {
        client_msg_id: String,
        message: ChatMessage,
    },
    /// A message from someone else (or from another tab of this visitor).
    Message {
        message: ChatMessage,
    },
    /// Answer to [`FromVisitor::Sync`], in sequence order; `more` asks the client to sync again.
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
    /// Something the widget sent was refused; `client_msg_id` names the message when it was a send.
    Error {
        error: ApiError,
        client_msg_id: Option<String>,
    },
    /// Frames may have been missed (a node lost its link to the others): sync after the last
    /// contiguous sequence.
    Resync,
    Pong,
}

impl Inbound for FromVisitor {
    fn sent_message_id(&self) -> Option<&str> {
        match self {
            FromVisitor::Send { client_msg_id, .. } => Some(client_msg_id),
            _ => None,
        }
    }

    fn is_ping(&self) -> bool {
        matches!(self, FromVisitor::Ping)
    }
}

impl Outbound for ToVisitor {
    fn error(error: ApiError, client_msg_id: Option<String>) -> Self {
        ToVisitor::Error { error, client_msg_id }
    }

    fn pong() -> Self {
        ToVisitor::Pong
    }
}
