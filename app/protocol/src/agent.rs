//! The agent socket's frames (`/api/v1/agent/ws`, the workbench), and what agents may do
//! ([`Perm`]). Not compiled into the widget (feature `agent`).

use serde::{Deserialize, Serialize};

use crate::{
    AgentId, ApiError, ChatMessage, ConversationId, ConversationSummary, Inbound, OnlineVisitor, Outbound, PageInfo,
    Region, SenderKind, SiteId, Source, TenantId, VisitorFilter, VisitorId, VisitorSort,
};

/// One thing a role may allow. Roles are data (a set of these and a site scope); every server
/// function and agent socket frame checks one. Stored by their snake_case names.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Perm {
    /// Answer chats: send, read, type, close in the conversations of the agent's sites.
    ChatServe,
    /// See who is on the agent's sites.
    VisitorsView,
    /// See the company's sites and their embed snippets.
    SitesView,
    /// Create, change and delete sites.
    SitesManage,
    /// Company-wide settings.
    SettingsManage,
    /// Create, change and disable agents; end their sessions.
    AgentsManage,
    /// Create and change roles.
    RolesManage,
    /// Every conversation record of the agent's sites.
    RecordsViewAll,
    /// The records of the agent's own conversations.
    RecordsViewOwn,
    /// Delete conversation records and answer visitors' data requests (export, erase).
    RecordsDelete,
    StatsView,
    /// Watch and step into other agents' live chats.
    MonitorChats,
    /// Company and department canned replies.
    CannedManageShared,
    /// Leave-a-message records.
    MessagesManage,
    /// Block visitors.
    BlockManage,
    /// The operation log.
    OplogView,
}

impl Perm {
    pub const ALL: [Perm; 16] = [
        Perm::ChatServe,
        Perm::VisitorsView,
        Perm::SitesView,
        Perm::SitesManage,
        Perm::SettingsManage,
        Perm::AgentsManage,
        Perm::RolesManage,
        Perm::RecordsViewAll,
        Perm::RecordsViewOwn,
        Perm::RecordsDelete,
        Perm::StatsView,
        Perm::MonitorChats,
        Perm::CannedManageShared,
        Perm::MessagesManage,
        Perm::BlockManage,
        Perm::OplogView,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Perm::ChatServe => "chat_serve",
            Perm::VisitorsView => "visitors_view",
            Perm::SitesView => "sites_view",
            Perm::SitesManage => "sites_manage",
            Perm::SettingsManage => "settings_manage",
            Perm::AgentsManage => "agents_manage",
            Perm::RolesManage => "roles_manage",
            Perm::RecordsViewAll => "records_view_all",
            Perm::RecordsViewOwn => "records_view_own",
            Perm::RecordsDelete => "records_delete",
            Perm::StatsView => "stats_view",
            Perm::MonitorChats => "monitor_chats",
            Perm::CannedManageShared => "canned_manage_shared",
            Perm::MessagesManage => "messages_manage",
            Perm::BlockManage => "block_manage",
            Perm::OplogView => "oplog_view",
        }
    }

    pub fn parse(s: &str) -> Option<Perm> {
        Perm::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// A stored list (`chat_serve,visitors_view`); unknown names are skipped (a permission removed
    /// in a later version grants nothing).
    pub fn parse_list(s: &str) -> Vec<Perm> {
        let mut perms: Vec<Perm> = s.split(',').filter_map(|p| Perm::parse(p.trim())).collect();
        perms.sort_unstable();
        perms.dedup();
        perms
    }

    pub fn join(perms: &[Perm]) -> String {
        perms.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// An agent's availability (seed 000 5.1 "my status"). The agent chooses one; the server shows
/// `Busy` while a chosen `Online` agent is at their chat limit, and `Offline` once their last
/// workbench closed (after the presence grace period).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    #[default]
    Online,
    Busy,
    Away,
    /// Looks offline to visitors; still receives chats and transfers.
    Invisible,
    Offline,
}

impl AgentStatus {
    pub const ALL: [AgentStatus; 5] =
        [AgentStatus::Online, AgentStatus::Busy, AgentStatus::Away, AgentStatus::Invisible, AgentStatus::Offline];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Online => "online",
            AgentStatus::Busy => "busy",
            AgentStatus::Away => "away",
            AgentStatus::Invisible => "invisible",
            AgentStatus::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<AgentStatus> {
        AgentStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether new chats are routed to an agent who chose this (capacity permitting).
    pub fn takes_chats(self) -> bool {
        matches!(self, AgentStatus::Online | AgentStatus::Invisible)
    }

    /// Whether visitors see the agent as there to answer.
    pub fn shown_to_visitors(self) -> bool {
        matches!(self, AgentStatus::Online | AgentStatus::Busy)
    }

    /// What colleagues and the agent see, from the chosen status, whether a workbench is open, and
    /// whether the agent is at their chat limit.
    pub fn effective(chosen: AgentStatus, connected: bool, full: bool) -> AgentStatus {
        match (chosen, connected, full) {
            (_, false, _) => AgentStatus::Offline,
            (AgentStatus::Online, true, true) => AgentStatus::Busy,
            (chosen, true, _) => chosen,
        }
    }
}

/// The signed-in agent, as the workbench shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentInfo {
    pub id: AgentId,
    pub tenant_id: TenantId,
    /// The company's account (what the agent typed first to sign in).
    #[serde(default)]
    pub company: String,
    pub login: String,
    pub display_name: String,
    /// The name of the agent's role.
    pub role: String,
    /// What the role allows (the workbench shows only what these permit).
    pub perms: Vec<Perm>,
    /// The agent's personal settings.
    #[serde(default)]
    pub prefs: AgentPrefs,
    /// The status the agent chose (see [`AgentStatus::effective`] for what others see).
    #[serde(default)]
    pub status: AgentStatus,
}

/// Which key sends a reply; the other inserts a line break.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SendKey {
    #[default]
    Enter,
    CtrlEnter,
}

/// An agent's personal settings (seed 000 chapter 9). Stored as JSON: a field added later reads as
/// its default in rows saved before it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct AgentPrefs {
    /// The workbench language (`en`, `zh-CN`, `zh-TW`, `ja`, `ko`); `None` follows the browser.
    pub lang: Option<String>,
    pub send_key: SendKey,
    /// Said to a visitor when this agent accepts their chat (empty: the site's welcome).
    pub welcome: String,
    /// The agent's own limit of concurrent chats, within the one their admin set.
    pub max_chats: Option<i64>,
    pub notify: NotifyPrefs,
}

impl Default for AgentPrefs {
    fn default() -> Self {
        AgentPrefs {
            lang: None,
            send_key: SendKey::Enter,
            welcome: String::new(),
            max_chats: None,
            notify: NotifyPrefs::default(),
        }
    }
}

/// Which events notify the agent (sound, title flash, desktop notification), and how loud.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct NotifyPrefs {
    pub new_visitor: bool,
    pub new_chat: bool,
    pub new_message: bool,
    pub transfer: bool,
    pub colleague: bool,
    /// The tones' volume, 0 (silent) to [`NotifyPrefs::MAX_VOLUME`].
    pub volume: u8,
}

impl NotifyPrefs {
    pub const MAX_VOLUME: u8 = 100;
}

impl Default for NotifyPrefs {
    fn default() -> Self {
        NotifyPrefs {
            new_visitor: false,
            new_chat: true,
            new_message: true,
            transfer: true,
            colleague: true,
            volume: 60,
        }
    }
}

impl AgentInfo {
    pub fn can(&self, perm: Perm) -> bool {
        self.perms.contains(&perm)
    }
}

/// Frames the workbench sends.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FromAgent {
    /// A reply in a conversation. Sending the same `client_msg_id` again returns the original ack.
    Send {
        conversation_id: ConversationId,
        client_msg_id: String,
        body: String,
        /// A file the agent uploaded for this conversation (its id): the message sends it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
    /// Withdraws the agent's own message `seq`, within [`crate::RETRACT_WINDOW_MS`] of sending it;
    /// everyone in the conversation hears [`ToAgent::Retracted`] / `ToVisitor::Retracted`.
    Retract {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// Accepts a visitor's file (it becomes downloadable) or refuses it (its bytes are deleted);
    /// everyone in the conversation hears [`ToAgent::FileState`] / `ToVisitor::FileState`.
    DecideFile {
        conversation_id: ConversationId,
        file: String,
        accept: bool,
    },
    /// Asks for every message after `after_seq`, answered by [`ToAgent::Messages`].
    Sync {
        conversation_id: ConversationId,
        after_seq: i64,
    },
    Typing {
        conversation_id: ConversationId,
        active: bool,
    },
    /// Everything up to `seq` has been read.
    MarkRead {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// A page of the visitors online that match `query` ([`crate::matches_query`]; all when
    /// empty) and `filter`, in the order of `sort`, from `offset`; answered by
    /// [`ToAgent::VisitorList`].
    ListVisitors {
        query: String,
        offset: u32,
        /// Only this site's (the site chosen in the workbench's top bar); `None`: every site.
        #[serde(default)]
        site: Option<SiteId>,
        #[serde(default)]
        filter: VisitorFilter,
        #[serde(default)]
        sort: VisitorSort,
    },
    /// A page of the open conversations whose visitor's name or id contains `query`, latest message
    /// first, from `offset`; answered by [`ToAgent::ConversationList`].
    ListConversations {
        query: String,
        offset: u32,
        #[serde(default)]
        site: Option<SiteId>,
    },
    /// Sets the agent's chosen status; every console of the company hears [`ToAgent::AgentStatus`].
    SetStatus {
        status: AgentStatus,
    },
    /// Hands a conversation the agent serves to a colleague, or to a category (routing picks the
    /// colleague); the target accepts or declines ([`FromAgent::AnswerTransfer`]).
    Transfer {
        conversation_id: ConversationId,
        to: TransferTo,
        note: String,
    },
    AnswerTransfer {
        transfer_id: i64,
        accept: bool,
    },
    /// Invites a colleague into a conversation the agent serves; they accept or decline
    /// ([`FromAgent::AnswerInvite`]) and, once in, read and write in it until they leave.
    Invite {
        conversation_id: ConversationId,
        agent: AgentId,
    },
    AnswerInvite {
        conversation_id: ConversationId,
        accept: bool,
    },
    /// A guest leaves a conversation they were invited into.
    Leave {
        conversation_id: ConversationId,
    },
    /// Takes a waiting conversation from the queue (the agent's own choice, so past their limit too).
    Take {
        conversation_id: ConversationId,
    },
    /// Accepts or declines a new chat routing offered this agent ([`ToAgent::ChatOffer`], approval
    /// mode). Declined (or let lapse), it is offered to the next agent.
    AnswerOffer {
        conversation_id: ConversationId,
        accept: bool,
    },
    /// Invites a visitor online on one of the agent's sites to chat with them (seed 000 "主动邀请");
    /// the agent's consoles hear [`ToAgent::VisitorInvited`], then [`ToAgent::InvitationAnswered`].
    InviteVisitor {
        visitor_id: VisitorId,
    },
    /// Sends the visitor of a conversation the agent serves a link to open (http or https, at
    /// most [`crate::text::WebUrl::MAX`] bytes); the agent's consoles hear [`ToAgent::UrlPushed`].
    PushUrl {
        conversation_id: ConversationId,
        url: String,
    },
    /// A message to a colleague (internal chat). Sending the same `client_msg_id` again returns the
    /// original [`ToAgent::ColleagueAck`].
    ColleagueSend {
        to: AgentId,
        client_msg_id: String,
        body: String,
    },
    /// Asks for the messages with `peer` after `after_seq`, answered by [`ToAgent::ColleagueMessages`].
    ColleagueSync {
        peer: AgentId,
        after_seq: i64,
    },
    /// Everything with `peer` up to `seq` has been read.
    ColleagueRead {
        peer: AgentId,
        seq: i64,
    },
    /// Hides a broadcast's banner for good (on every console of the agent).
    DismissBroadcast {
        id: i64,
    },
    Ping,
}

/// A message between two colleagues. `seq` numbers the messages of the pair (their thread), as
/// a conversation's messages are numbered, so a console catches up after `seq` the same way.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ColleagueMessage {
    pub from: AgentId,
    pub to: AgentId,
    pub seq: i64,
    pub client_msg_id: String,
    pub body: String,
    pub sent_at: i64,
}

/// A message in a live conversation that only its agents see: a supervisor's whisper (seed 004
/// section 14 "客服监控"), or an agent's answer to one. Not one of the conversation's numbered
/// messages: the visitor's log never holds it, nor a gap where it was.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Whisper {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub client_msg_id: String,
    pub body: String,
    pub sent_at: i64,
}

impl ColleagueMessage {
    /// The other agent of the thread, seen from `me`.
    pub fn peer_of(&self, me: AgentId) -> AgentId {
        if self.from == me {
            self.to
        } else {
            self.from
        }
    }
}

impl crate::log::Logged for ColleagueMessage {
    fn seq(&self) -> i64 {
        self.seq
    }

    fn client_msg_id(&self) -> &str {
        &self.client_msg_id
    }
}

/// The agent's thread with one colleague: its newest message and how far the agent has read
/// (`last_seq - read_seq` are unread; sending a message reads everything before it).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ColleagueThread {
    pub peer: AgentId,
    pub last_seq: i64,
    pub read_seq: i64,
    pub last_at: i64,
}

impl ColleagueThread {
    pub fn unread(&self) -> u32 {
        u32::try_from((self.last_seq - self.read_seq).max(0)).unwrap_or(u32::MAX)
    }
}

/// A message from an admin to every agent online when it was sent, shown as a banner until each
/// dismisses it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    pub id: i64,
    pub from_name: String,
    pub body: String,
    pub sent_at: i64,
}

/// Messages of a thread one [`FromAgent::ColleagueSync`] answers with at most.
pub const COLLEAGUE_PAGE: usize = 200;

/// Where a transfer goes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TransferTo {
    Agent(AgentId),
    Category(i64),
}

/// Longest note with a transfer, in characters.
pub const MAX_TRANSFER_NOTE: usize = 200;

/// A conversation offered to an agent by a colleague.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TransferRequest {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub visitor_id: VisitorId,
    pub visitor_name: Option<String>,
    pub from_agent: AgentId,
    pub from_name: String,
    pub note: String,
    pub at: i64,
}

/// A new chat offered to an agent in approval mode: they accept or decline before `until`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChatOffer {
    pub conversation_id: ConversationId,
    pub visitor_id: VisitorId,
    pub visitor_name: Option<String>,
    /// The visitor's first message.
    pub first_message: String,
    /// The page the visitor was last seen on (empty if none is known).
    pub page: PageInfo,
    /// Where the visitor is (`None`: unknown).
    #[serde(default)]
    pub region: Option<Region>,
    /// Unix ms when the offer lapses, and how long it stood from the start (seconds).
    pub until: i64,
    pub secs: u32,
}

/// Entries in one page of a list an agent receives (a snapshot, a list answer).
pub const LIST_PAGE: usize = 100;
/// Longest search text of a list request, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Frames the workbench receives.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToAgent {
    /// First frame, followed by [`ToAgent::Snapshot`].
    AgentWelcome {
        protocol_version: u32,
        agent: AgentInfo,
    },
    /// Everything an agent needs after (re)connecting: the first page ([`LIST_PAGE`]) of who is
    /// online (newest first) and of the open conversations (latest message first), with how many
    /// there are in all; further pages come with [`FromAgent::ListVisitors`] and
    /// [`FromAgent::ListConversations`].
    Snapshot {
        visitors: Vec<OnlineVisitor>,
        conversations: Vec<ConversationSummary>,
        visitors_total: u32,
        conversations_total: u32,
    },
    /// A page of the visitors online, answering [`FromAgent::ListVisitors`].
    VisitorList {
        query: String,
        offset: u32,
        #[serde(default)]
        site: Option<SiteId>,
        #[serde(default)]
        filter: VisitorFilter,
        #[serde(default)]
        sort: VisitorSort,
        total: u32,
        visitors: Vec<OnlineVisitor>,
    },
    /// A page of the open conversations, answering [`FromAgent::ListConversations`].
    ConversationList {
        query: String,
        offset: u32,
        #[serde(default)]
        site: Option<SiteId>,
        total: u32,
        conversations: Vec<ConversationSummary>,
    },
    VisitorOnline {
        visitor: Box<OnlineVisitor>,
    },
    VisitorOffline {
        visitor_id: VisitorId,
    },
    /// The visitor viewed another page (their `pages` this visit, at `at`); `source` when that
    /// page changed how they came (a new campaign or outside referrer).
    VisitorPage {
        visitor_id: VisitorId,
        page: PageInfo,
        #[serde(default)]
        pages: u32,
        #[serde(default)]
        at: i64,
        #[serde(default)]
        source: Option<Source>,
    },
    /// A conversation was opened or changed (closed, assigned).
    Conversation {
        conversation: ConversationSummary,
    },
    /// The visitor has seen the conversation up to `seq`.
    VisitorRead {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// A conversation was given to an agent (`None`: it went back to the queue).
    Assigned {
        conversation_id: ConversationId,
        agent_id: Option<AgentId>,
        agent_name: Option<String>,
    },
    /// A colleague offers this agent a conversation (also sent again after each connect while pending).
    TransferRequest {
        transfer: TransferRequest,
    },
    /// Routing offers this agent a new chat (approval mode; sent again after each connect while it
    /// stands).
    ChatOffer {
        offer: ChatOffer,
    },
    /// An offer to this agent no longer stands (it lapsed, or the chat went elsewhere).
    OfferEnded {
        conversation_id: ConversationId,
    },
    /// The target of the agent's transfer answered (or it lapsed: `accepted` false).
    TransferAnswered {
        transfer_id: i64,
        conversation_id: ConversationId,
        accepted: bool,
        by: String,
    },
    /// A colleague invites this agent into a conversation.
    Invitation {
        conversation_id: ConversationId,
        visitor_id: VisitorId,
        visitor_name: Option<String>,
        from_name: String,
    },
    /// Who is in a conversation besides its agent (after someone joined or left).
    Guests {
        conversation_id: ConversationId,
        guests: Vec<(AgentId, String)>,
    },
    /// A visitor rated a conversation of the agent's sites (`max`: the highest score).
    Rated {
        conversation_id: ConversationId,
        visitor_id: VisitorId,
        visitor_name: Option<String>,
        agent_id: Option<AgentId>,
        score: u8,
        max: u8,
        comment: String,
    },
    /// An agent's status as colleagues see it (sent when it changes, and for every agent online
    /// after the snapshot).
    AgentStatus {
        agent_id: AgentId,
        name: String,
        status: AgentStatus,
        /// The status the agent chose (what their own menu shows).
        chosen: AgentStatus,
        /// Open conversations the agent serves, and their limit.
        chats: u32,
        max_chats: u32,
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
    /// Answer to [`FromAgent::Sync`], in sequence order; `more` asks the client to sync again.
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
    /// What the visitor of a conversation is typing, not sent yet (sneak peek; empty: nothing).
    Draft {
        conversation_id: ConversationId,
        text: String,
    },
    /// The agent's invitation went to the visitor.
    VisitorInvited {
        visitor_id: VisitorId,
        invitation_id: i64,
    },
    /// The visitor answered the agent's invitation (accepted: their chat is opening).
    InvitationAnswered {
        visitor_id: VisitorId,
        invitation_id: i64,
        accepted: bool,
    },
    /// A link went to the visitor of a conversation ([`FromAgent::PushUrl`]).
    UrlPushed {
        conversation_id: ConversationId,
        url: String,
        by: String,
    },
    /// Something the workbench sent was refused; `client_msg_id` names the message when it was a send.
    Error {
        error: ApiError,
        client_msg_id: Option<String>,
    },
    /// Message `seq` was withdrawn by its agent.
    Retracted {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// A file in a conversation changed state (accepted or refused).
    FileState {
        conversation_id: ConversationId,
        file: String,
        state: crate::FileState,
    },
    /// The agent's threads with colleagues (after each connect).
    ColleagueThreads {
        threads: Vec<ColleagueThread>,
    },
    /// The colleague message with this client id is durably committed.
    ColleagueAck {
        client_msg_id: String,
        message: ColleagueMessage,
    },
    /// A colleague message to or from this agent (on every console of both).
    ColleagueMessage {
        message: ColleagueMessage,
    },
    /// Answer to [`FromAgent::ColleagueSync`], in sequence order; `more` asks the client to sync again.
    ColleagueMessages {
        peer: AgentId,
        messages: Vec<ColleagueMessage>,
        more: bool,
    },
    /// The agent read their thread with `peer` up to `seq` (on another of their consoles).
    ColleagueRead {
        peer: AgentId,
        seq: i64,
    },
    /// A broadcast to show until dismissed (live, and again after each connect while it stands).
    Broadcast {
        broadcast: Broadcast,
    },
    /// The agent dismissed a broadcast (on one of their consoles).
    BroadcastDismissed {
        id: i64,
    },
    /// A whisper in a conversation this console hears (its agent, joined colleagues, monitors).
    Whisper {
        whisper: Whisper,
    },
    /// A supervisor took over a chat this agent had (`by`: their name); it is theirs now.
    TakenOver {
        conversation_id: ConversationId,
        by: String,
    },
    /// A supervisor ended a chat this agent had, saying why.
    ForceClosed {
        conversation_id: ConversationId,
        by: String,
        reason: String,
    },
    /// Frames may have been missed: a fresh snapshot follows.
    Resync,
    Pong,
}

impl Inbound for FromAgent {
    fn sent_message_id(&self) -> Option<&str> {
        match self {
            FromAgent::Send { client_msg_id, .. } | FromAgent::ColleagueSend { client_msg_id, .. } => {
                Some(client_msg_id)
            }
            _ => None,
        }
    }

    fn is_ping(&self) -> bool {
        matches!(self, FromAgent::Ping)
    }
}

impl Outbound for ToAgent {
    fn error(error: ApiError, client_msg_id: Option<String>) -> Self {
        ToAgent::Error { error, client_msg_id }
    }

    fn pong() -> Self {
        ToAgent::Pong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_lists_round_trip_and_skip_unknown_names() {
        let all = Perm::join(&Perm::ALL);
        assert_eq!(Perm::parse_list(&all), Perm::ALL.to_vec());
        assert_eq!(
            Perm::parse_list("visitors_view, chat_serve,launch_missiles,chat_serve"),
            vec![Perm::ChatServe, Perm::VisitorsView]
        );
        assert_eq!(serde_json::to_string(&Perm::RecordsViewOwn).unwrap(), r#""records_view_own""#);
    }

    #[test]
    fn a_colleague_thread_logs_like_a_conversation_and_counts_unread_from_the_read_mark() {
        let (ann, bob) = (AgentId(1), AgentId(2));
        let m = |seq: i64, from: AgentId, id: &str| ColleagueMessage {
            from,
            to: if from == ann { bob } else { ann },
            seq,
            client_msg_id: id.into(),
            body: format!("m{seq}"),
            sent_at: seq,
        };
        let mut log = crate::log::ConversationLog::<ColleagueMessage>::default();
        log.queue("b1".into(), "好的".into());
        assert_eq!(log.apply_live(m(1, ann, "a1")), (true, None));
        assert_eq!(log.apply_live(m(3, ann, "a3")), (true, Some(1)), "2 was missed: sync after 1");
        assert!(log.apply(m(2, bob, "b1")));
        assert_eq!(log.unsent().count(), 0, "Bob's message was acknowledged");
        assert_eq!(log.last_seq(), 3);
        assert_eq!(m(2, bob, "b1").peer_of(bob), ann);
        assert_eq!(m(2, bob, "b1").peer_of(ann), bob);
        let thread = ColleagueThread { peer: ann, last_seq: 3, read_seq: 2, last_at: 3 };
        assert_eq!(thread.unread(), 1, "Bob's reply read everything before it");
    }
}
