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
        /// A file the visitor uploaded (its id): the message sends it, and its body becomes the
        /// file's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
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
    /// Who the visitor is on the site (the snippet's `data-user-*` or `kefu('identify', …)`): its user
    /// id, name and e-mail, and `hash`, the hex HMAC-SHA256 of the id with the site's identity
    /// secret (empty: unsigned). Signed, the visitor is that member on every device.
    Identify {
        user_id: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        email: String,
        #[serde(default)]
        hash: String,
    },
    /// What the visitor is typing, not sent yet (only where the site turned sneak peek on; at most
    /// about four a second, the last one wins). Card-like digit runs are masked, by the widget and
    /// again by the server; never stored.
    Draft {
        text: String,
    },
    /// The visitor accepts or declines ("Later") an invitation ([`ToVisitor::Invitation`]).
    /// Accepted, their conversation opens with the inviting agent (or by the site's rules).
    AnswerInvitation {
        invitation_id: i64,
        accept: bool,
    },
    /// The visitor's answers to the site's registration form ([`DetailsForm`]), by field id.
    /// An empty value leaves what the card holds.
    Register {
        values: Vec<(String, String)>,
    },
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

/// One detail a site asks visitors for: a card field (`name`, `email`, `phone`, `company`) or one
/// of its own (`c1`…`c5`, with the site's `label`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DetailField {
    pub id: String,
    #[serde(default)]
    pub label: String,
    pub required: bool,
}

/// A site's registration form (seed 004 "访客注册设置"): the details it asks for, and whether the
/// visitor fills it in before their first message (`before`) or whenever they like.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DetailsForm {
    pub before: bool,
    pub fields: Vec<DetailField>,
}

/// The card fields a registration form may ask for, and the ids of a site's own fields.
pub const CARD_DETAILS: [&str; 4] = ["name", "email", "phone", "company"];
pub const CUSTOM_DETAILS: [&str; 5] = ["c1", "c2", "c3", "c4", "c5"];
/// Longest answer to a site's own field, and longest label of one, in characters.
pub const MAX_DETAIL_VALUE: usize = 200;
pub const MAX_DETAIL_LABEL: usize = 30;

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
        /// The site takes no chat from this visitor now: the widget offers no message box (see
        /// [`ToVisitor::Availability`]).
        #[serde(default)]
        closed: bool,
        /// Agents see what the visitor types before they send it ([`FromVisitor::Draft`]); the
        /// widget says so.
        #[serde(default)]
        sneak_peek: bool,
        /// The site's registration form (`None`: it asks for nothing).
        #[serde(default)]
        details: Option<DetailsForm>,
        /// The visitor has sent it (a `before` form is then not asked again).
        #[serde(default)]
        registered: bool,
        /// The largest file the visitor may send, in bytes (`None`: the site takes no files from
        /// visitors). Uploads go to `/api/v1/visitor/files`.
        #[serde(default)]
        uploads: Option<u64>,
    },
    /// The visitor's details were stored.
    Registered,
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
    /// Whether an agent of the site is there to answer now; sent when that changes. `closed`: the
    /// site takes no chat from this visitor now, whoever is online (the widget offers no message
    /// box and says chat is not available; it is never told why).
    Availability {
        online: bool,
        #[serde(default)]
        closed: bool,
    },
    /// The site's identification was taken: `verified` when signed. When the browser becomes a member
    /// known from another device, the server closes the socket and the widget's reconnect finds it.
    Identified {
        verified: bool,
    },
    /// An invitation to chat: from an agent (`agent_name`), or the site's own (`None`), with the
    /// site's invitation text by language tag (the widget shows its language's, or its own).
    Invitation {
        invitation_id: i64,
        #[serde(default)]
        agent_name: Option<String>,
        #[serde(default)]
        texts: Vec<(String, String)>,
        /// The inviting agent's avatar, a path on the kefu server (`None`: no picture).
        #[serde(default)]
        agent_avatar: Option<String>,
    },
    /// An agent sent the visitor a link (http or https only) to open; `same_tab` for a page of the
    /// site's own domains where the site opens those in the visitor's tab (otherwise a new tab).
    PushUrl {
        url: String,
        agent_name: String,
        #[serde(default)]
        same_tab: bool,
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
    /// The agent withdrew message `seq`: the widget shows that it was withdrawn, not what it said.
    Retracted {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// A file in the conversation changed state (an agent accepted or refused the visitor's file).
    FileState {
        conversation_id: ConversationId,
        file: String,
        state: FileState,
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

// --- The widget's codec -------------------------------------------------------------------------
// The widget reads and writes these frames with `crate::json` rather than serde_json (see there
// why). Every field below follows the serde attributes above: a missing `Option` is `None`, a
// missing `#[serde(default)]` field is its default, anything else missing or of the wrong type
// refuses the frame (which the widget then ignores, as it ignores frames it does not know).

use crate::json::{write_int, write_str, Json};
use crate::{Attachment, ErrorCode, FileState, FrameText};

fn need<'a>(o: &'a Json, key: &str) -> Option<&'a Json> {
    o.get(key)
}

fn string(o: &Json, key: &str) -> Option<String> {
    need(o, key)?.str().map(str::to_owned)
}

fn int(o: &Json, key: &str) -> Option<i64> {
    need(o, key)?.int()
}

fn small<T: TryFrom<i64>>(o: &Json, key: &str) -> Option<T> {
    T::try_from(int(o, key)?).ok()
}

fn flag(o: &Json, key: &str) -> Option<bool> {
    need(o, key)?.bool()
}

/// A field that may be missing or `null` (`Some(None)`); `None` when it has the wrong type.
fn maybe<T>(o: &Json, key: &str, read: impl FnOnce(&Json) -> Option<T>) -> Option<Option<T>> {
    match o.get(key) {
        None | Some(Json::Null) => Some(None),
        Some(v) => read(v).map(Some),
    }
}

/// A `#[serde(default)]` field: missing is `T::default()`.
fn or_default<T: Default>(o: &Json, key: &str, read: impl FnOnce(&Json) -> Option<T>) -> Option<T> {
    match o.get(key) {
        None => Some(T::default()),
        Some(v) => read(v),
    }
}

fn list<T>(v: &Json, read: impl Fn(&Json) -> Option<T>) -> Option<Vec<T>> {
    v.arr()?.iter().map(read).collect()
}

fn pair<A, B>(v: &Json, a: impl FnOnce(&Json) -> Option<A>, b: impl FnOnce(&Json) -> Option<B>) -> Option<(A, B)> {
    match v.arr()? {
        [x, y] => Some((a(x)?, b(y)?)),
        _ => None,
    }
}

fn text_pair(v: &Json) -> Option<(String, String)> {
    pair(v, |a| a.str().map(str::to_owned), |b| b.str().map(str::to_owned))
}

fn conversation(o: &Json) -> Option<ConversationId> {
    int(o, "conversation_id").map(ConversationId)
}

fn sender(v: &Json) -> Option<SenderKind> {
    SenderKind::parse(v.str()?)
}

fn chat_message(v: &Json) -> Option<ChatMessage> {
    Some(ChatMessage {
        conversation_id: conversation(v)?,
        seq: int(v, "seq")?,
        sender: sender(need(v, "sender")?)?,
        sender_name: maybe(v, "sender_name", |s| s.str().map(str::to_owned))?,
        client_msg_id: string(v, "client_msg_id")?,
        body: string(v, "body")?,
        sent_at: int(v, "sent_at")?,
        file: maybe(v, "file", attachment)?,
        retracted: or_default(v, "retracted", Json::bool)?,
    })
}

fn file_state(v: &Json) -> Option<FileState> {
    FileState::parse(v.str()?)
}

fn attachment(v: &Json) -> Option<Attachment> {
    Some(Attachment {
        id: string(v, "id")?,
        name: string(v, "name")?,
        size: u64::try_from(int(v, "size")?).ok()?,
        mime: string(v, "mime")?,
        state: or_default(v, "state", file_state)?,
    })
}

fn rating_form(v: &Json) -> Option<RatingForm> {
    let level = |l: &Json| {
        Some(RatingLevel {
            score: small(l, "score")?,
            labels: or_default(l, "labels", |x| list(x, text_pair))?,
            comment_required: flag(l, "comment_required")?,
        })
    };
    Some(RatingForm {
        levels: list(need(v, "levels")?, level)?,
        rated: maybe(v, "rated", |r| u8::try_from(r.int()?).ok())?,
    })
}

fn details_form(v: &Json) -> Option<DetailsForm> {
    let field = |f: &Json| {
        Some(DetailField {
            id: string(f, "id")?,
            label: or_default(f, "label", |l| l.str().map(str::to_owned))?,
            required: flag(f, "required")?,
        })
    };
    Some(DetailsForm { before: flag(v, "before")?, fields: list(need(v, "fields")?, field)? })
}

fn api_error(v: &Json) -> Option<ApiError> {
    let code = |o: &Json| ErrorCode::parse(need(o, "code")?.str()?);
    Some(match v {
        Json::Str(unit) => match unit.as_str() {
            "not_found" => ApiError::NotFound,
            "unauthorized" => ApiError::Unauthorized,
            "forbidden" => ApiError::Forbidden,
            "internal" => ApiError::Internal,
            _ => return None,
        },
        Json::Obj(members) => {
            let [(tag, body)] = members.as_slice() else { return None };
            match tag.as_str() {
                "validation" => ApiError::Validation {
                    field: string(body, "field")?,
                    code: code(body)?,
                    message: string(body, "message")?,
                },
                "conflict" => ApiError::Conflict {
                    field: maybe(body, "field", |f| f.str().map(str::to_owned))?,
                    code: match body.get("code") {
                        None => ErrorCode::Conflict,
                        Some(_) => code(body)?,
                    },
                    message: string(body, "message")?,
                },
                "too_many" => ApiError::TooMany { retry_after_secs: small(body, "retry_after_secs")? },
                "bad_frame" => ApiError::BadFrame { message: string(body, "message")? },
                "network" => ApiError::Network { message: string(body, "message")? },
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// An upload's answer as the widget reads it (HTTP `status` and body): the stored file (201), or
/// the error the server gave (a network failure, status 0, is `Network`).
pub fn upload_answer(status: u16, text: &str) -> Result<Attachment, ApiError> {
    let json = Json::parse(text);
    if status == 201 {
        if let Some(file) = json.as_ref().and_then(attachment) {
            return Ok(file);
        }
    }
    Err(match (status, json.as_ref().and_then(api_error)) {
        (0, _) => ApiError::Network { message: "upload".into() },
        (_, Some(error)) => error,
        _ => ApiError::Internal,
    })
}

impl FrameText for ToVisitor {
    fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn from_text(text: &str) -> Option<Self> {
        let frame = Json::parse(text)?;
        let (tag, b) = match &frame {
            Json::Str(unit) => {
                return match unit.as_str() {
                    "resync" => Some(ToVisitor::Resync),
                    "registered" => Some(ToVisitor::Registered),
                    "pong" => Some(ToVisitor::Pong),
                    _ => None,
                }
            }
            Json::Obj(members) => match members.as_slice() {
                [(tag, body)] => (tag.as_str(), body),
                _ => return None,
            },
            _ => return None,
        };
        let b = &b;
        Some(match tag {
            "visitor_welcome" => ToVisitor::VisitorWelcome {
                protocol_version: small(b, "protocol_version")?,
                visitor_id: VisitorId(int(b, "visitor_id")?),
                token: string(b, "token")?,
                site_name: string(b, "site_name")?,
                conversation: maybe(b, "conversation", |c| pair(c, |i| i.int().map(ConversationId), Json::int))?,
                online: or_default(b, "online", Json::bool)?,
                rating: maybe(b, "rating", rating_form)?,
                categories: or_default(b, "categories", |c| {
                    list(c, |p| pair(p, Json::int, |n| n.str().map(str::to_owned)))
                })?,
                greetings: or_default(b, "greetings", |g| list(g, text_pair))?,
                agent_read_seq: or_default(b, "agent_read_seq", Json::int)?,
                closed: or_default(b, "closed", Json::bool)?,
                sneak_peek: or_default(b, "sneak_peek", Json::bool)?,
                details: maybe(b, "details", details_form)?,
                registered: or_default(b, "registered", Json::bool)?,
                uploads: maybe(b, "uploads", |u| u64::try_from(u.int()?).ok())?,
            },
            "read" => ToVisitor::Read { conversation_id: conversation(b)?, seq: int(b, "seq")? },
            "unavailable" => ToVisitor::Unavailable { agent: string(b, "agent")? },
            "ended" => ToVisitor::Ended { conversation_id: conversation(b)?, rating: maybe(b, "rating", rating_form)? },
            "idle_warning" => ToVisitor::IdleWarning {
                conversation_id: conversation(b)?,
                closes_in_secs: small(b, "closes_in_secs")?,
            },
            "guest" => ToVisitor::Guest {
                conversation_id: conversation(b)?,
                agent_name: string(b, "agent_name")?,
                joined: flag(b, "joined")?,
            },
            "rated" => ToVisitor::Rated { conversation_id: conversation(b)?, score: small(b, "score")? },
            "availability" => {
                ToVisitor::Availability { online: flag(b, "online")?, closed: or_default(b, "closed", Json::bool)? }
            }
            "identified" => ToVisitor::Identified { verified: flag(b, "verified")? },
            "invitation" => ToVisitor::Invitation {
                invitation_id: int(b, "invitation_id")?,
                agent_name: maybe(b, "agent_name", |n| n.str().map(str::to_owned))?,
                texts: or_default(b, "texts", |t| list(t, text_pair))?,
                agent_avatar: maybe(b, "agent_avatar", |a| a.str().map(str::to_owned))?,
            },
            "push_url" => ToVisitor::PushUrl {
                url: string(b, "url")?,
                agent_name: string(b, "agent_name")?,
                same_tab: or_default(b, "same_tab", Json::bool)?,
            },
            "queued" => ToVisitor::Queued {
                conversation_id: conversation(b)?,
                position: small(b, "position")?,
                estimate_secs: maybe(b, "estimate_secs", |e| u32::try_from(e.int()?).ok())?,
            },
            "assigned" => ToVisitor::Assigned {
                conversation_id: conversation(b)?,
                agent_name: string(b, "agent_name")?,
                welcome: maybe(b, "welcome", |w| w.str().map(str::to_owned))?,
            },
            "ack" => ToVisitor::Ack {
                client_msg_id: string(b, "client_msg_id")?,
                message: chat_message(need(b, "message")?)?,
            },
            "message" => ToVisitor::Message { message: chat_message(need(b, "message")?)? },
            "messages" => ToVisitor::Messages {
                conversation_id: conversation(b)?,
                messages: list(need(b, "messages")?, chat_message)?,
                more: flag(b, "more")?,
            },
            "typing" => ToVisitor::Typing {
                conversation_id: conversation(b)?,
                sender: sender(need(b, "sender")?)?,
                active: flag(b, "active")?,
            },
            "retracted" => ToVisitor::Retracted { conversation_id: conversation(b)?, seq: int(b, "seq")? },
            "file_state" => ToVisitor::FileState {
                conversation_id: conversation(b)?,
                file: string(b, "file")?,
                state: file_state(need(b, "state")?)?,
            },
            "error" => ToVisitor::Error {
                error: api_error(need(b, "error")?)?,
                client_msg_id: maybe(b, "client_msg_id", |c| c.str().map(str::to_owned))?,
            },
            _ => return None,
        })
    }
}

fn write_key(out: &mut String, key: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    write_str(out, key);
    out.push(':');
}

fn write_text(out: &mut String, key: &str, value: &str) {
    write_key(out, key);
    write_str(out, value);
}

fn write_number(out: &mut String, key: &str, value: i64) {
    write_key(out, key);
    write_int(out, value);
}

fn write_optional(out: &mut String, key: &str, value: Option<i64>) {
    match value {
        Some(n) => write_number(out, key, n),
        None => {
            write_key(out, key);
            out.push_str("null");
        }
    }
}

impl FrameText for FromVisitor {
    fn to_text(&self) -> String {
        let tag = match self {
            FromVisitor::End => return "\"end\"".into(),
            FromVisitor::Ping => return "\"ping\"".into(),
            FromVisitor::Page { .. } => "page",
            FromVisitor::Send { .. } => "send",
            FromVisitor::Sync { .. } => "sync",
            FromVisitor::Typing { .. } => "typing",
            FromVisitor::Choose { .. } => "choose",
            FromVisitor::Read { .. } => "read",
            FromVisitor::Rate { .. } => "rate",
            FromVisitor::AnswerInvitation { .. } => "answer_invitation",
            FromVisitor::Draft { .. } => "draft",
            FromVisitor::Identify { .. } => "identify",
            FromVisitor::Register { .. } => "register",
        };
        let mut out = String::from("{");
        write_key(&mut out, tag);
        out.push('{');
        match self {
            FromVisitor::Page { page } => {
                write_key(&mut out, "page");
                out.push('{');
                write_text(&mut out, "url", &page.url);
                write_text(&mut out, "title", &page.title);
                write_text(&mut out, "referrer", &page.referrer);
                out.push('}');
            }
            FromVisitor::Send { conversation_id, client_msg_id, body, file } => {
                write_optional(&mut out, "conversation_id", conversation_id.map(|c| c.0));
                write_text(&mut out, "client_msg_id", client_msg_id);
                write_text(&mut out, "body", body);
                if let Some(file) = file {
                    write_text(&mut out, "file", file);
                }
            }
            FromVisitor::Sync { conversation_id, after_seq } => {
                write_number(&mut out, "conversation_id", conversation_id.0);
                write_number(&mut out, "after_seq", *after_seq);
            }
            FromVisitor::Typing { conversation_id, active } => {
                write_optional(&mut out, "conversation_id", conversation_id.map(|c| c.0));
                write_key(&mut out, "active");
                out.push_str(if *active { "true" } else { "false" });
            }
            FromVisitor::Choose { category, agent } => {
                write_optional(&mut out, "category", *category);
                match agent {
                    Some(agent) => write_text(&mut out, "agent", agent),
                    None => write_optional(&mut out, "agent", None),
                }
            }
            FromVisitor::Read { conversation_id, seq } => {
                write_number(&mut out, "conversation_id", conversation_id.0);
                write_number(&mut out, "seq", *seq);
            }
            FromVisitor::Rate { conversation_id, score, comment } => {
                write_number(&mut out, "conversation_id", conversation_id.0);
                write_number(&mut out, "score", i64::from(*score));
                write_text(&mut out, "comment", comment);
            }
            FromVisitor::Draft { text } => write_text(&mut out, "text", text),
            FromVisitor::Identify { user_id, name, email, hash } => {
                write_text(&mut out, "user_id", user_id);
                write_text(&mut out, "name", name);
                write_text(&mut out, "email", email);
                write_text(&mut out, "hash", hash);
            }
            FromVisitor::Register { values } => {
                write_key(&mut out, "values");
                out.push('[');
                for (i, (id, value)) in values.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    write_str(&mut out, id);
                    out.push(',');
                    write_str(&mut out, value);
                    out.push(']');
                }
                out.push(']');
            }
            FromVisitor::AnswerInvitation { invitation_id, accept } => {
                write_number(&mut out, "invitation_id", *invitation_id);
                write_key(&mut out, "accept");
                out.push_str(if *accept { "true" } else { "false" });
            }
            FromVisitor::End | FromVisitor::Ping => {}
        }
        out.push_str("}}");
        out
    }

    fn from_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod codec_tests {
    use super::*;

    fn message(seq: i64, sender_name: Option<&str>) -> ChatMessage {
        ChatMessage {
            conversation_id: ConversationId(7),
            seq,
            sender: if sender_name.is_some() { SenderKind::Agent } else { SenderKind::Visitor },
            sender_name: sender_name.map(str::to_owned),
            client_msg_id: format!("c-{seq}"),
            body: "我想申请退款 \"quoted\"\n😀".into(),
            sent_at: 1_764_000_000_123,
            file: None,
            retracted: false,
        }
    }

    fn with_file(seq: i64, state: FileState) -> ChatMessage {
        let file = Attachment {
            id: "0123456789abcdef0123456789abcdef".into(),
            name: "报价单 \"2026\".pdf".into(),
            size: 123_456,
            mime: "application/pdf".into(),
            state,
        };
        ChatMessage { body: file.name.clone(), file: Some(file), ..message(seq, None) }
    }

    fn form(rated: Option<u8>) -> RatingForm {
        RatingForm {
            levels: vec![
                RatingLevel {
                    score: 5, labels: vec![("zh-CN".into(), "非常满意".into())], comment_required: false
                },
                RatingLevel { score: 1, labels: vec![], comment_required: true },
            ],
            rated,
        }
    }

    /// Every variant, with its optional parts both present and absent.
    fn samples() -> Vec<ToVisitor> {
        let c = ConversationId(7);
        let mut all = vec![
            ToVisitor::VisitorWelcome {
                protocol_version: 1,
                visitor_id: VisitorId(3),
                token: "abc123".into(),
                site_name: "演示站点".into(),
                conversation: Some((c, 42)),
                online: true,
                rating: Some(form(Some(4))),
                categories: vec![(1, "售前".into()), (2, "售后".into())],
                greetings: vec![("en".into(), "Hello".into()), ("ja".into(), "こんにちは".into())],
                agent_read_seq: 40,
                closed: false,
                sneak_peek: true,
                details: Some(DetailsForm {
                    before: true,
                    fields: vec![
                        DetailField { id: "name".into(), label: String::new(), required: true },
                        DetailField { id: "c1".into(), label: "微信号 \"WeChat\"".into(), required: false },
                    ],
                }),
                registered: true,
                uploads: Some(10 << 20),
            },
            ToVisitor::VisitorWelcome {
                protocol_version: 1,
                visitor_id: VisitorId(3),
                token: "t".into(),
                site_name: String::new(),
                conversation: None,
                online: false,
                rating: None,
                categories: vec![],
                greetings: vec![],
                agent_read_seq: 0,
                closed: true,
                sneak_peek: false,
                details: None,
                registered: false,
                uploads: None,
            },
            ToVisitor::Read { conversation_id: c, seq: 9 },
            ToVisitor::Unavailable { agent: "小王".into() },
            ToVisitor::Ended { conversation_id: c, rating: Some(form(None)) },
            ToVisitor::Ended { conversation_id: c, rating: None },
            ToVisitor::IdleWarning { conversation_id: c, closes_in_secs: 120 },
            ToVisitor::Guest { conversation_id: c, agent_name: "Ann".into(), joined: true },
            ToVisitor::Rated { conversation_id: c, score: 2 },
            ToVisitor::Availability { online: true, closed: false },
            ToVisitor::Availability { online: false, closed: true },
            ToVisitor::Invitation {
                invitation_id: 4,
                agent_name: Some("小王".into()),
                texts: vec![("zh-CN".into(), "您好，需要帮忙吗？".into())],
                agent_avatar: Some("/api/v1/avatars/0123abcd".into()),
            },
            ToVisitor::Invitation { invitation_id: 5, agent_name: None, texts: vec![], agent_avatar: None },
            ToVisitor::Identified { verified: true },
            ToVisitor::PushUrl {
                url: "https://例子.cn/优惠?a=1&b=\"2\"".into(),
                agent_name: "小王".into(),
                same_tab: false,
            },
            ToVisitor::PushUrl { url: "https://shop.example/cart".into(), agent_name: "Ann".into(), same_tab: true },
            ToVisitor::Queued { conversation_id: c, position: 3, estimate_secs: Some(90) },
            ToVisitor::Queued { conversation_id: c, position: 1, estimate_secs: None },
            ToVisitor::Assigned { conversation_id: c, agent_name: "李雷".into(), welcome: Some("您好".into()) },
            ToVisitor::Assigned { conversation_id: c, agent_name: "Bob".into(), welcome: None },
            ToVisitor::Ack { client_msg_id: "c-1".into(), message: message(1, None) },
            ToVisitor::Message { message: message(2, Some("韩梅梅")) },
            ToVisitor::Messages {
                conversation_id: c,
                messages: vec![message(1, None), message(2, Some("A"))],
                more: true,
            },
            ToVisitor::Messages { conversation_id: c, messages: vec![], more: false },
            ToVisitor::Message { message: with_file(3, FileState::Pending) },
            ToVisitor::Ack { client_msg_id: "c-4".into(), message: with_file(4, FileState::Ready) },
            ToVisitor::FileState {
                conversation_id: c,
                file: "0123456789abcdef0123456789abcdef".into(),
                state: FileState::Refused,
            },
            ToVisitor::Retracted { conversation_id: c, seq: 3 },
            ToVisitor::Message {
                message: ChatMessage { body: String::new(), retracted: true, ..message(5, Some("小王")) },
            },
            ToVisitor::Typing { conversation_id: c, sender: SenderKind::Agent, active: true },
            ToVisitor::Resync,
            ToVisitor::Registered,
            ToVisitor::Pong,
        ];
        let errors = [
            ApiError::NotFound,
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::Internal,
            ApiError::invalid("body", ErrorCode::TooLong),
            ApiError::conflict(Some("queue"), ErrorCode::LimitReached),
            ApiError::conflict(None, ErrorCode::Taken),
            ApiError::conflict(None, ErrorCode::Unavailable),
            ApiError::TooMany { retry_after_secs: 30 },
            ApiError::BadFrame { message: "bad".into() },
            ApiError::Network { message: "down".into() },
        ];
        for (i, error) in errors.into_iter().enumerate() {
            let client_msg_id = (i % 2 == 0).then(|| format!("c-{i}"));
            all.push(ToVisitor::Error { error, client_msg_id });
        }
        all
    }

    #[test]
    fn the_widget_reads_every_frame_the_server_writes() {
        let samples = samples();
        // Adding a variant breaks this match until it has a sample (and a decoder arm).
        let seen: std::collections::HashSet<u8> = samples
            .iter()
            .map(|frame| match frame {
                ToVisitor::VisitorWelcome { .. } => 0,
                ToVisitor::Read { .. } => 1,
                ToVisitor::Unavailable { .. } => 2,
                ToVisitor::Ended { .. } => 3,
                ToVisitor::IdleWarning { .. } => 4,
                ToVisitor::Guest { .. } => 5,
                ToVisitor::Rated { .. } => 6,
                ToVisitor::Availability { .. } => 7,
                ToVisitor::Queued { .. } => 8,
                ToVisitor::Assigned { .. } => 9,
                ToVisitor::Ack { .. } => 10,
                ToVisitor::Message { .. } => 11,
                ToVisitor::Messages { .. } => 12,
                ToVisitor::Typing { .. } => 13,
                ToVisitor::Error { .. } => 14,
                ToVisitor::Resync => 15,
                ToVisitor::Pong => 16,
                ToVisitor::PushUrl { .. } => 17,
                ToVisitor::Invitation { .. } => 18,
                ToVisitor::Identified { .. } => 19,
                ToVisitor::Registered => 20,
                ToVisitor::FileState { .. } => 21,
                ToVisitor::Retracted { .. } => 22,
            })
            .collect();
        assert_eq!(seen.len(), 23);
        for frame in samples {
            let text = serde_json::to_string(&frame).unwrap();
            assert_eq!(ToVisitor::from_text(&text).as_ref(), Some(&frame), "{text}");
        }
    }

    #[test]
    fn the_widget_reads_frames_with_defaults_left_out_and_refuses_wrong_types() {
        // What an older server (or a leaner one) sends: defaulted fields missing, extra fields added.
        let lean = r#"{"visitor_welcome":{"protocol_version":1,"visitor_id":3,"token":"t","site_name":"s","extra":[1,{"x":null}]}}"#;
        let frame = ToVisitor::from_text(lean).unwrap();
        assert_eq!(frame, serde_json::from_str::<ToVisitor>(lean).unwrap());
        let conflict = r#"{"error":{"error":{"conflict":{"message":"m"}},"client_msg_id":null}}"#;
        assert_eq!(ToVisitor::from_text(conflict), serde_json::from_str(conflict).ok());
        for bad in [
            r#"{"read":{"conversation_id":"7","seq":1}}"#,
            r#"{"rated":{"conversation_id":7,"score":300}}"#,
            r#"{"queued":{"conversation_id":7,"position":-1,"estimate_secs":null}}"#,
            r#"{"availability":{}}"#,
            r#"{"message":{"message":{"seq":1.5}}}"#,
            r#"{"pong":{},"resync":{}}"#,
            r#"{"no_such_frame":{}}"#,
            r#""ping""#,
            "[]",
        ] {
            assert_eq!(ToVisitor::from_text(bad), None, "{bad}");
            assert!(serde_json::from_str::<ToVisitor>(bad).is_err(), "serde reads {bad}");
        }
    }

    #[test]
    fn the_widget_reads_upload_answers() {
        let file = with_file(1, FileState::Pending).file.unwrap();
        assert_eq!(upload_answer(201, &serde_json::to_string(&file).unwrap()), Ok(file));
        let refused = ApiError::invalid("attachment", ErrorCode::TooLarge);
        assert_eq!(upload_answer(422, &serde_json::to_string(&refused).unwrap()), Err(refused));
        assert!(matches!(upload_answer(0, ""), Err(ApiError::Network { .. })));
        assert_eq!(upload_answer(502, "<html>bad gateway</html>"), Err(ApiError::Internal));
    }

    #[test]
    fn the_server_reads_every_frame_the_widget_writes() {
        let c = Some(ConversationId(7));
        let frames = [
            FromVisitor::Page {
                page: PageInfo {
                    url: "https://例子.cn/a?q=\"x\"".into(),
                    title: "标题\t\u{8}".into(),
                    referrer: String::new(),
                },
            },
            FromVisitor::Send {
                conversation_id: None,
                client_msg_id: "c-1".into(),
                body: "退款\n😀\\".into(),
                file: None,
            },
            FromVisitor::Send { conversation_id: c, client_msg_id: "c-2".into(), body: "x".into(), file: None },
            FromVisitor::Send {
                conversation_id: None,
                client_msg_id: "c-3".into(),
                body: "截图.png".into(),
                file: Some("0123456789abcdef0123456789abcdef".into()),
            },
            FromVisitor::Sync { conversation_id: ConversationId(7), after_seq: 0 },
            FromVisitor::Typing { conversation_id: None, active: true },
            FromVisitor::Typing { conversation_id: c, active: false },
            FromVisitor::Choose { category: Some(2), agent: Some("wang".into()) },
            FromVisitor::Choose { category: None, agent: None },
            FromVisitor::Read { conversation_id: ConversationId(7), seq: 12 },
            FromVisitor::End,
            FromVisitor::Rate { conversation_id: ConversationId(7), score: 5, comment: "很好".into() },
            FromVisitor::AnswerInvitation { invitation_id: 9, accept: true },
            FromVisitor::AnswerInvitation { invitation_id: 9, accept: false },
            FromVisitor::Draft { text: "我的卡号是 \"•••\"\n".into() },
            FromVisitor::Identify {
                user_id: "u-42".into(),
                name: "王先生".into(),
                email: "wang@example.cn".into(),
                hash: "ab12".into(),
            },
            FromVisitor::Register {
                values: vec![("name".into(), "王 \"先生\"".into()), ("c1".into(), String::new())]
            },
            FromVisitor::Register { values: vec![] },
            FromVisitor::Ping,
        ];
        let kinds: std::collections::HashSet<u8> = frames
            .iter()
            .map(|frame| match frame {
                FromVisitor::Page { .. } => 0,
                FromVisitor::Send { .. } => 1,
                FromVisitor::Sync { .. } => 2,
                FromVisitor::Typing { .. } => 3,
                FromVisitor::Choose { .. } => 4,
                FromVisitor::Read { .. } => 5,
                FromVisitor::End => 6,
                FromVisitor::Rate { .. } => 7,
                FromVisitor::Ping => 8,
                FromVisitor::AnswerInvitation { .. } => 9,
                FromVisitor::Draft { .. } => 10,
                FromVisitor::Identify { .. } => 11,
                FromVisitor::Register { .. } => 12,
            })
            .collect();
        assert_eq!(kinds.len(), 13, "a sample of every frame");
        for frame in frames {
            let text = frame.to_text();
            assert_eq!(serde_json::from_str::<FromVisitor>(&text).unwrap(), frame, "{text}");
            assert_eq!(text, serde_json::to_string(&frame).unwrap(), "the v1 bytes");
        }
    }
}
