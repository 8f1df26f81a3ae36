//! The workbench's live state, fed by the agent socket. [`Live::on_frame`] is the only place that
//! applies server frames; components of every area only read its signals and call its methods.
//! The workbench shell creates it and keeps it for as long as it lives.

use std::collections::HashMap;

use kefu_protocol::log::ConversationLog;
use kefu_protocol::{
    matches_query, AgentId, AgentInfo, AgentStatus, ApiError, ChatMessage, ChatOffer, ConversationId,
    ConversationStatus, ConversationSummary, FromAgent, MessageBody, OnlineVisitor, SenderKind, SiteId, ToAgent,
    TransferRequest, TransferTo, VisitorFilter, VisitorId, VisitorSort, VisitorSortKey, Whisper,
};
use leptos::prelude::*;

use crate::i18n::{tr, Key, Lang};
use crate::kit::visitor_label;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnStatus {
    Connecting,
    Connected,
    Reconnecting,
}

/// The agent socket: receives [`ToAgent`], sends [`FromAgent`].
#[cfg(feature = "hydrate")]
pub type AgentSocket = kefu_webclient::Socket<ToAgent, FromAgent>;

/// The socket, present only in the browser.
#[derive(Clone, Default)]
pub struct Connection {
    #[cfg(feature = "hydrate")]
    pub socket: Option<AgentSocket>,
}

impl Connection {
    pub fn send(&self, frame: &FromAgent) -> bool {
        #[cfg(feature = "hydrate")]
        if let Some(socket) = &self.socket {
            return socket.send(frame);
        }
        let _ = frame;
        false
    }
}

#[derive(Clone, Copy)]
pub struct Live {
    pub lang: Lang,
    /// The signed-in agent, from the socket's welcome.
    pub agent: RwSignal<Option<AgentInfo>>,
    pub status: RwSignal<ConnStatus>,
    /// The visitors online that are loaded (pages of [`kefu_protocol::LIST_PAGE`]), newest first.
    pub visitors: RwSignal<Vec<OnlineVisitor>>,
    /// Open conversations that are loaded, newest activity first.
    pub conversations: RwSignal<Vec<ConversationSummary>>,
    /// How many visitors and open conversations match the current searches, loaded or not.
    pub visitors_total: RwSignal<u32>,
    pub conversations_total: RwSignal<u32>,
    /// The current searches (empty: everything).
    pub visitor_query: RwSignal<String>,
    pub conversation_query: RwSignal<String>,
    /// The visitor console's filter and order.
    pub visitor_filter: RwSignal<VisitorFilter>,
    pub visitor_sort: RwSignal<VisitorSort>,
    /// The site chosen in the top bar (`None`: all the agent's sites); both lists show only its.
    pub site: RwSignal<Option<SiteId>>,
    pub logs: RwSignal<HashMap<ConversationId, ConversationLog>>,
    /// When the visitor of a conversation last said they were typing (unix ms).
    pub typing: RwSignal<HashMap<ConversationId, i64>>,
    /// What the visitor of a conversation is typing, not sent yet (sites with sneak peek on).
    pub drafts: RwSignal<HashMap<ConversationId, String>>,
    pub selected: RwSignal<Option<ConversationId>>,
    pub error: RwSignal<Option<ApiError>>,
    /// Unix ms, ticking every second in the browser (0 on the server).
    pub now: RwSignal<i64>,
    pub conn: StoredValue<Connection, LocalStorage>,
    /// Every agent's status as colleagues see it (the signed-in agent's too).
    pub statuses: RwSignal<HashMap<AgentId, AgentLoad>>,
    /// Conversations colleagues offer this agent, oldest first.
    pub transfers: RwSignal<Vec<TransferRequest>>,
    /// New chats routing offers this agent (approval mode), oldest first.
    pub offers: RwSignal<Vec<ChatOffer>>,
    /// News for the agent (a transfer answered, a rating), newest first.
    pub notices: RwSignal<Vec<Notice>>,
    /// Conversations colleagues invite this agent into: `(conversation, visitor label, who invites)`.
    pub invitations: RwSignal<Vec<(ConversationId, String, String)>>,
    /// Colleagues who joined conversations besides their agent.
    pub guests: RwSignal<HashMap<ConversationId, Vec<(AgentId, String)>>>,
    /// Internal chat and broadcasts ([`super::internal`]).
    pub internal: super::internal::Internal,
    /// Whispers in the conversations opened here (agents only), oldest first.
    pub whispers: RwSignal<HashMap<ConversationId, Vec<Whisper>>>,
}

/// One piece of news in the workbench.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
}

/// An agent's status and load, from [`ToAgent::AgentStatus`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentLoad {
    pub name: String,
    pub status: AgentStatus,
    pub chosen: AgentStatus,
    pub chats: u32,
    pub max_chats: u32,
}

impl Live {
    pub fn new(lang: Lang) -> Live {
        Live {
            lang,
            agent: RwSignal::new(None),
            status: RwSignal::new(ConnStatus::Connecting),
            visitors: RwSignal::new(Vec::new()),
            conversations: RwSignal::new(Vec::new()),
            visitors_total: RwSignal::new(0),
            conversations_total: RwSignal::new(0),
            visitor_query: RwSignal::new(String::new()),
            conversation_query: RwSignal::new(String::new()),
            visitor_filter: RwSignal::new(VisitorFilter::default()),
            visitor_sort: RwSignal::new(VisitorSort::default()),
            site: RwSignal::new(None),
            logs: RwSignal::new(HashMap::new()),
            typing: RwSignal::new(HashMap::new()),
            drafts: RwSignal::new(HashMap::new()),
            selected: RwSignal::new(None),
            error: RwSignal::new(None),
            now: RwSignal::new(0),
            conn: StoredValue::new_local(Connection::default()),
            statuses: RwSignal::new(HashMap::new()),
            transfers: RwSignal::new(Vec::new()),
            offers: RwSignal::new(Vec::new()),
            notices: RwSignal::new(Vec::new()),
            invitations: RwSignal::new(Vec::new()),
            guests: RwSignal::new(HashMap::new()),
            internal: super::internal::Internal::new(),
            whispers: RwSignal::new(HashMap::new()),
        }
    }

    fn send(&self, frame: &FromAgent) -> bool {
        self.conn.with_value(|c| c.send(frame))
    }

    pub(super) fn send_frame(&self, frame: &FromAgent) -> bool {
        self.send(frame)
    }

    fn sync(&self, conversation_id: ConversationId, after_seq: i64) {
        self.send(&FromAgent::Sync { conversation_id, after_seq });
    }

    pub fn on_closed(&self) {
        self.status.set(ConnStatus::Reconnecting);
    }

    pub fn on_frame(&self, frame: ToAgent) {
        match frame {
            ToAgent::AgentWelcome { agent, .. } => {
                self.agent.set(Some(agent));
                self.status.set(ConnStatus::Connected);
            }
            ToAgent::Snapshot { visitors, mut conversations, visitors_total, conversations_total } => {
                self.visitors.set(visitors);
                self.visitors_total.set(visitors_total);
                self.conversations_total.set(conversations_total);
                conversations.sort_by_key(|c| std::cmp::Reverse(c.last_message_at));
                // The snapshot's first pages are unfiltered: searches still typed in (or a chosen
                // site) are asked again.
                let (visitor_query, conversation_query, site) = (
                    self.visitor_query.get_untracked(),
                    self.conversation_query.get_untracked(),
                    self.site.get_untracked(),
                );
                let default_view = self.visitor_filter.with_untracked(VisitorFilter::is_empty)
                    && self.visitor_sort.get_untracked() == VisitorSort::default();
                if !visitor_query.is_empty() || site.is_some() || !default_view {
                    self.list_visitors(0);
                }
                if !conversation_query.is_empty() || site.is_some() {
                    self.send(&FromAgent::ListConversations { query: conversation_query, offset: 0, site });
                }
                // Catch up every conversation we hold messages of, then resend what was never acked.
                let mut to_sync = Vec::new();
                let mut to_send = Vec::new();
                self.logs.with_untracked(|logs| {
                    for c in &conversations {
                        if let Some(log) = logs.get(&c.id) {
                            if log.last_seq() < c.last_seq {
                                to_sync.push((c.id, log.last_seq()));
                            }
                        }
                    }
                    for (id, log) in logs {
                        for p in log.unsent() {
                            to_send.push(FromAgent::Send {
                                conversation_id: *id,
                                client_msg_id: p.client_msg_id.clone(),
                                body: p.body.clone(),
                                file: p.file.as_ref().map(|f| f.id.clone()),
                            });
                        }
                    }
                });
                self.conversations.set(conversations);
                if let Some(id) = self.selected.get_untracked() {
                    if !self.logs.with_untracked(|l| l.contains_key(&id)) {
                        to_sync.push((id, 0));
                    }
                }
                for (id, after) in to_sync {
                    self.sync(id, after);
                }
                for frame in to_send {
                    self.send(&frame);
                }
            }
            ToAgent::VisitorList { query, offset, site, filter, sort, total, visitors } => {
                if query != self.visitor_query.get_untracked()
                    || site != self.site.get_untracked()
                    || filter != self.visitor_filter.get_untracked()
                    || sort != self.visitor_sort.get_untracked()
                {
                    return; // an answer to a search since changed
                }
                self.visitors_total.set(total);
                self.visitors.update(|list| {
                    if offset == 0 {
                        list.clear();
                    }
                    list.retain(|v| !visitors.iter().any(|n| n.visitor_id == v.visitor_id));
                    list.extend(visitors);
                });
            }
            ToAgent::ConversationList { query, offset, site, total, conversations } => {
                if query != self.conversation_query.get_untracked() || site != self.site.get_untracked() {
                    return;
                }
                self.conversations_total.set(total);
                self.conversations.update(|list| {
                    if offset == 0 {
                        list.clear();
                    }
                    list.retain(|c| !conversations.iter().any(|n| n.id == c.id));
                    list.extend(conversations);
                });
            }
            // A new arrival that the console's view lists goes where its order puts it, when that
            // is within the loaded rows (or everything is loaded).
            ToAgent::VisitorOnline { visitor } => {
                let visitor = *visitor;
                if !self.lists(&visitor) {
                    return;
                }
                let sort = self.visitor_sort.get_untracked();
                let total = self.visitors_total.get_untracked() as usize;
                let mut added = false;
                self.visitors.update(|list| {
                    let before = list.len();
                    list.retain(|v| v.visitor_id != visitor.visitor_id);
                    added = list.len() == before;
                    let at = list.partition_point(|v| sort.cmp(v, &visitor).is_lt());
                    if at < list.len() || before >= total {
                        list.insert(at, visitor);
                    }
                });
                if added {
                    self.visitors_total.update(|t| *t += 1);
                }
            }
            ToAgent::VisitorOffline { visitor_id } => {
                let mut removed = false;
                self.visitors.update(|list| {
                    let before = list.len();
                    list.retain(|v| v.visitor_id != visitor_id);
                    removed = list.len() < before;
                });
                if removed {
                    self.visitors_total.update(|t| *t = t.saturating_sub(1));
                }
            }
            ToAgent::VisitorPage { visitor_id, page, pages, at, source } => {
                let sort = self.visitor_sort.get_untracked();
                self.visitors.update(|list| {
                    let Some(v) = list.iter_mut().find(|v| v.visitor_id == visitor_id) else { return };
                    v.page = page;
                    v.pages = pages;
                    v.last_active = at;
                    if let Some(source) = source {
                        v.source = source;
                    }
                    if matches!(sort.key, VisitorSortKey::LastActive | VisitorSortKey::Pages) {
                        list.sort_by(|a, b| sort.cmp(a, b));
                    }
                });
            }
            // Opened or changed; a closed one leaves the list of open conversations.
            ToAgent::Conversation { conversation } => {
                if conversation.status == ConversationStatus::Closed
                    && self.selected.get_untracked() == Some(conversation.id)
                {
                    self.selected.set(None);
                }
                let searching = !self.conversation_query.with_untracked(String::is_empty);
                if self.site.get_untracked().is_some_and(|s| s != conversation.site_id) {
                    return; // another site's, not in this list
                }
                let mut change = 0i64;
                self.conversations.update(|list| {
                    let before = list.len();
                    list.retain(|c| c.id != conversation.id);
                    let was_listed = list.len() < before;
                    let open = conversation.status == ConversationStatus::Open;
                    if open && (was_listed || !searching) {
                        list.push(conversation);
                    }
                    change = i64::from(open && !was_listed && !searching) - i64::from(!open && was_listed);
                    list.sort_by_key(|c| std::cmp::Reverse(c.last_message_at));
                });
                self.conversations_total.update(|t| *t = (i64::from(*t) + change).max(0) as u32);
            }
            ToAgent::VisitorRead { conversation_id, seq } => self.conversations.update(|list| {
                if let Some(c) = list.iter_mut().find(|c| c.id == conversation_id) {
                    c.visitor_read_seq = c.visitor_read_seq.max(seq);
                }
            }),
            ToAgent::Assigned { conversation_id, agent_id, agent_name } => {
                // An offer for a chat that went to someone (this agent included) stands no more.
                self.offers.update(|list| list.retain(|o| o.conversation_id != conversation_id));
                self.conversations.update(|list| {
                    if let Some(c) = list.iter_mut().find(|c| c.id == conversation_id) {
                        c.agent_id = agent_id;
                        c.agent_name = agent_name;
                    }
                })
            }
            ToAgent::ChatOffer { offer } => self.offers.update(|list| {
                list.retain(|o| o.conversation_id != offer.conversation_id);
                list.push(offer);
            }),
            ToAgent::OfferEnded { conversation_id } => {
                self.offers.update(|list| list.retain(|o| o.conversation_id != conversation_id))
            }
            ToAgent::AgentStatus { agent_id, name, status, chosen, chats, max_chats } => {
                self.statuses.update(|s| {
                    s.insert(agent_id, AgentLoad { name, status, chosen, chats, max_chats });
                });
            }
            ToAgent::Invitation { conversation_id, visitor_id, visitor_name, from_name } => {
                let visitor = visitor_label(self.lang, visitor_name.as_deref(), visitor_id);
                self.invitations.update(|list| {
                    list.retain(|(c, ..)| *c != conversation_id);
                    list.push((conversation_id, visitor, from_name));
                });
            }
            ToAgent::Guests { conversation_id, guests } => self.guests.update(|g| {
                g.insert(conversation_id, guests);
            }),
            ToAgent::TransferRequest { transfer } => self.transfers.update(|list| {
                list.retain(|t| t.id != transfer.id && t.conversation_id != transfer.conversation_id);
                list.push(transfer);
            }),
            ToAgent::VisitorInvited { visitor_id, .. } => {
                self.notify(tr(self.lang, Key::InviteSent).replace("{visitor}", &self.visitor_named(visitor_id)));
            }
            ToAgent::InvitationAnswered { visitor_id, accepted, .. } => {
                let key = if accepted { Key::InviteAccepted } else { Key::InviteDeclined };
                self.notify(tr(self.lang, key).replace("{visitor}", &self.visitor_named(visitor_id)));
            }
            ToAgent::UrlPushed { conversation_id, url, by } => {
                let visitor = self.visitor_of(conversation_id);
                let _ = by;
                self.notify(format!("{visitor}: {}", tr(self.lang, Key::UrlPushed).replace("{url}", &url)));
            }
            ToAgent::TransferAnswered { transfer_id, conversation_id, accepted, by } => {
                let visitor = self.visitor_of(conversation_id);
                let key = if accepted { Key::TransferAccepted } else { Key::TransferDeclined };
                self.notify(tr(self.lang, key).replace("{name}", &by).replace("{visitor}", &visitor));
                let _ = transfer_id;
            }
            ToAgent::Rated { conversation_id, visitor_id, visitor_name, score, max, comment, .. } => {
                let visitor = visitor_label(self.lang, visitor_name.as_deref(), visitor_id);
                let mut text = tr(self.lang, Key::RatedNotice)
                    .replace("{visitor}", &visitor)
                    .replace("{score}", &score.to_string())
                    .replace("{max}", &max.to_string());
                if !comment.is_empty() {
                    text.push_str(": ");
                    text.push_str(&comment);
                }
                self.notify(text);
                let _ = conversation_id;
            }
            ToAgent::Retracted { conversation_id, seq } => self.logs.update(|logs| {
                if let Some(log) = logs.get_mut(&conversation_id) {
                    log.retract(seq, false);
                }
            }),
            ToAgent::FileState { conversation_id, file, state } => self.logs.update(|logs| {
                if let Some(log) = logs.get_mut(&conversation_id) {
                    log.set_file_state(&file, state);
                }
            }),
            ToAgent::Ack { message, .. } => {
                let seq = message.seq;
                let id = message.conversation_id;
                if let Some(after) = self.apply(message) {
                    self.sync(id, after);
                }
                // Replying means having read the conversation.
                self.conversations.update(|list| {
                    if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                        c.agent_read_seq = c.agent_read_seq.max(seq);
                    }
                });
            }
            ToAgent::Message { message } => {
                let id = message.conversation_id;
                if message.sender == SenderKind::Visitor {
                    self.typing.update(|t| {
                        t.remove(&id);
                    });
                }
                if let Some(after) = self.apply(message) {
                    self.sync(id, after);
                }
                // Read only when the agent can see it: not while the tab is in the background
                // (it is marked read when the tab comes back, see `kit::alerts`).
                if self.selected.get_untracked() == Some(id) && super::alerts::page_visible() {
                    self.mark_read(id);
                }
            }
            ToAgent::Messages { conversation_id, messages, more } => {
                for m in messages {
                    self.apply(m);
                }
                if more {
                    let after = self.logs.with_untracked(|l| l.get(&conversation_id).map_or(0, |l| l.last_seq()));
                    self.sync(conversation_id, after);
                }
                if self.selected.get_untracked() == Some(conversation_id) {
                    self.mark_read(conversation_id);
                }
            }
            ToAgent::Draft { conversation_id, text } => self.drafts.update(|d| {
                if text.trim().is_empty() {
                    d.remove(&conversation_id);
                } else {
                    d.insert(conversation_id, text);
                }
            }),
            ToAgent::Typing { conversation_id, sender: SenderKind::Visitor, active } => self.typing.update(|t| {
                if active {
                    t.insert(conversation_id, self.now.get_untracked());
                } else {
                    t.remove(&conversation_id);
                }
            }),
            ToAgent::Error { error, client_msg_id: Some(id) } => {
                let reason = crate::i18n::error_text(self.lang, &error);
                self.logs.update(|logs| logs.values_mut().for_each(|l| l.fail(&id, reason.clone())));
                self.fail_colleague(&id, &reason);
            }
            ToAgent::Error { error, client_msg_id: None } => self.error.set(Some(error)),
            frame @ (ToAgent::ColleagueThreads { .. }
            | ToAgent::ColleagueAck { .. }
            | ToAgent::ColleagueMessage { .. }
            | ToAgent::ColleagueMessages { .. }
            | ToAgent::ColleagueRead { .. }
            | ToAgent::Broadcast { .. }
            | ToAgent::BroadcastDismissed { .. }) => self.on_internal_frame(frame),
            ToAgent::Whisper { whisper } => self.add_whispers(vec![whisper]),
            ToAgent::TakenOver { conversation_id, by } => {
                let visitor = self.visitor_of(conversation_id);
                // No longer this agent's to answer: back to the list, where the news shows.
                if self.selected.get_untracked() == Some(conversation_id) {
                    self.selected.set(None);
                }
                self.notify(tr(self.lang, Key::TakenOverNotice).replace("{name}", &by).replace("{visitor}", &visitor));
            }
            ToAgent::ForceClosed { conversation_id, by, reason } => {
                let visitor = self.visitor_of(conversation_id);
                let text = tr(self.lang, Key::ForceClosedNotice).replace("{name}", &by).replace("{visitor}", &visitor);
                self.notify(format!("{text}: {reason}"));
            }
            // A resync comes with a fresh snapshot, which catches up every conversation.
            ToAgent::Typing { .. } | ToAgent::Resync | ToAgent::Pong => {}
        }
    }

    /// Adds a message; returns the sequence to sync after when it shows that one was missed.
    fn apply(&self, message: ChatMessage) -> Option<i64> {
        let (id, seq, at) = (message.conversation_id, message.seq, message.sent_at);
        let text = kefu_protocol::preview(&message.body);
        // A message the visitor sent ends what they were typing.
        if message.sender == SenderKind::Visitor && self.drafts.with_untracked(|d| d.contains_key(&id)) {
            self.drafts.update(|d| {
                d.remove(&id);
            });
        }
        let mut missed = None;
        self.logs.update(|logs| {
            missed = logs.entry(id).or_default().apply_live(message).1;
        });
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                if seq >= c.last_seq {
                    c.last_message = text;
                }
                c.last_seq = c.last_seq.max(seq);
                c.last_message_at = c.last_message_at.max(at);
            }
            list.sort_by_key(|c| std::cmp::Reverse(c.last_message_at));
        });
        missed
    }

    /// Searches the visitors online (empty: all), from the first page.
    pub fn search_visitors(&self, query: String) {
        self.visitor_query.set(query);
        self.list_visitors(0);
    }

    /// Filters and orders the visitor console, from the first page.
    pub fn view_visitors(&self, filter: VisitorFilter, sort: VisitorSort) {
        self.visitor_filter.set(filter);
        self.visitor_sort.set(sort);
        self.list_visitors(0);
    }

    /// Loads the next page of visitors.
    pub fn more_visitors(&self) {
        self.list_visitors(self.visitors.with_untracked(|v| v.len() as u32));
    }

    fn list_visitors(&self, offset: u32) {
        self.send(&FromAgent::ListVisitors {
            query: self.visitor_query.get_untracked(),
            offset,
            site: self.site.get_untracked(),
            filter: self.visitor_filter.get_untracked(),
            sort: self.visitor_sort.get_untracked(),
        });
    }

    /// Whether the console's view (site, search, filter) lists a visitor.
    fn lists(&self, v: &OnlineVisitor) -> bool {
        self.site.get_untracked().is_none_or(|s| s == v.site_id)
            && self.visitor_filter.with_untracked(|f| f.matches(v))
            && self.visitor_query.with_untracked(|q| matches_query(v, &q.to_lowercase()))
    }

    /// Searches the open conversations by visitor name or id (empty: all), from the first page.
    pub fn search_conversations(&self, query: String) {
        self.conversation_query.set(query.clone());
        self.send(&FromAgent::ListConversations { query, offset: 0, site: self.site.get_untracked() });
    }

    /// Loads the next page of open conversations.
    pub fn more_conversations(&self) {
        let offset = self.conversations.with_untracked(|c| c.len() as u32);
        let (query, site) = (self.conversation_query.get_untracked(), self.site.get_untracked());
        self.send(&FromAgent::ListConversations { query, offset, site });
    }

    /// Shows only one site's visitors and conversations (`None`: all), both lists from the top.
    pub fn choose_site(&self, site: Option<SiteId>) {
        self.site.set(site);
        self.search_visitors(self.visitor_query.get_untracked());
        self.search_conversations(self.conversation_query.get_untracked());
    }

    /// Opens a conversation in the chat panel, loading what is missing.
    pub fn select(&self, id: ConversationId) {
        self.selected.set(Some(id));
        let held = self.logs.with_untracked(|l| l.get(&id).map(|l| l.last_seq()));
        let last = self.conversations.with_untracked(|l| l.iter().find(|c| c.id == id).map_or(0, |c| c.last_seq));
        match held {
            Some(seq) if seq >= last => self.mark_read(id),
            Some(seq) => self.sync(id, seq),
            None => self.sync(id, 0),
        }
    }

    pub fn mark_read(&self, id: ConversationId) {
        let mut seq = None;
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                if c.agent_read_seq < c.last_seq {
                    c.agent_read_seq = c.last_seq;
                    seq = Some(c.last_seq);
                }
            }
        });
        if let Some(seq) = seq {
            self.send(&FromAgent::MarkRead { conversation_id: id, seq });
        }
    }

    /// Queues a reply and sends it; it stays in the outbox until acknowledged.
    pub fn send_message(&self, id: ConversationId, text: &str) -> Result<(), ApiError> {
        let body = MessageBody::parse(text)?;
        let client_msg_id = new_client_msg_id();
        self.logs.update(|logs| logs.entry(id).or_default().queue(client_msg_id.clone(), body.as_str().to_owned()));
        self.send(&FromAgent::Send { conversation_id: id, client_msg_id, body: body.as_str().to_owned(), file: None });
        Ok(())
    }

    /// Queues a message sending a file the agent uploaded, and sends it.
    pub fn send_file(&self, id: ConversationId, file: kefu_protocol::Attachment) {
        let client_msg_id = new_client_msg_id();
        let frame = FromAgent::Send {
            conversation_id: id,
            client_msg_id: client_msg_id.clone(),
            body: file.name.clone(),
            file: Some(file.id.clone()),
        };
        self.logs.update(|logs| logs.entry(id).or_default().queue_file(client_msg_id, file));
        self.send(&frame);
    }

    /// Withdraws the agent's own message; [`ToAgent::Retracted`] tells everyone.
    pub fn retract(&self, id: ConversationId, seq: i64) {
        self.send(&FromAgent::Retract { conversation_id: id, seq });
    }

    /// Accepts or refuses a visitor's file; [`ToAgent::FileState`] tells everyone.
    pub fn decide_file(&self, id: ConversationId, file: String, accept: bool) {
        self.send(&FromAgent::DecideFile { conversation_id: id, file, accept });
    }

    /// The signed-in agent's status as others see it, and the one they chose.
    pub fn my_load(&self) -> Option<AgentLoad> {
        let me = self.agent.with(|a| a.as_ref().map(|a| a.id))?;
        self.statuses.with(|s| s.get(&me).cloned())
    }

    /// How a conversation's visitor is named in the workbench.
    fn visitor_of(&self, id: ConversationId) -> String {
        self.conversations
            .with_untracked(|l| {
                l.iter().find(|c| c.id == id).map(|c| visitor_label(self.lang, c.visitor_name.as_deref(), c.visitor_id))
            })
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// Adds a piece of news (the ten newest are kept).
    /// Adds whispers (live, sent, or loaded with the conversation), each once, in the order sent.
    pub fn add_whispers(&self, whispers: Vec<Whisper>) {
        self.whispers.update(|all| {
            for w in whispers {
                let list = all.entry(w.conversation_id).or_default();
                if !list.iter().any(|x| x.id == w.id) {
                    list.push(w);
                }
                list.sort_by_key(|x| x.id);
            }
        });
    }

    pub fn notify(&self, text: String) {
        self.notices.update(|n| {
            let id = n.first().map_or(1, |last| last.id + 1);
            n.insert(0, Notice { id, text });
            n.truncate(10);
        });
    }

    pub fn dismiss(&self, id: u64) {
        self.notices.update(|n| n.retain(|x| x.id != id));
    }

    /// Offers the conversation to a colleague or a category.
    pub fn transfer(&self, id: ConversationId, to: TransferTo, note: String) {
        self.send(&FromAgent::Transfer { conversation_id: id, to, note });
    }

    /// Whether the signed-in agent joined the conversation as a guest.
    pub fn is_guest(&self, id: ConversationId) -> bool {
        let me = self.agent.with(|a| a.as_ref().map(|a| a.id));
        self.guests.with(|g| g.get(&id).is_some_and(|list| list.iter().any(|(a, _)| Some(*a) == me)))
    }

    /// Invites a visitor to chat; [`ToAgent::VisitorInvited`] confirms it.
    pub fn invite_visitor(&self, visitor: VisitorId) {
        self.send(&FromAgent::InviteVisitor { visitor_id: visitor });
    }

    /// A visitor online by id, as the agent sees them named.
    fn visitor_named(&self, id: VisitorId) -> String {
        let name = self.visitors.with_untracked(|l| l.iter().find(|v| v.visitor_id == id).and_then(|v| v.name.clone()));
        visitor_label(self.lang, name.as_deref(), id)
    }

    /// Sends the visitor of a conversation a link; [`ToAgent::UrlPushed`] confirms it.
    pub fn push_url(&self, id: ConversationId, url: String) {
        self.send(&FromAgent::PushUrl { conversation_id: id, url });
    }

    pub fn invite(&self, id: ConversationId, agent: AgentId) {
        self.send(&FromAgent::Invite { conversation_id: id, agent });
    }

    /// Joins (and opens) or declines a conversation a colleague invites this agent into.
    pub fn answer_invite(&self, id: ConversationId, accept: bool) {
        self.send(&FromAgent::AnswerInvite { conversation_id: id, accept });
        self.invitations.update(|list| list.retain(|(c, ..)| *c != id));
        if accept {
            self.select(id);
        }
    }

    pub fn leave(&self, id: ConversationId) {
        self.send(&FromAgent::Leave { conversation_id: id });
    }

    /// Accepts (and opens) or declines a transfer offered to this agent.
    pub fn answer_transfer(&self, transfer: &TransferRequest, accept: bool) {
        self.send(&FromAgent::AnswerTransfer { transfer_id: transfer.id, accept });
        let id = transfer.id;
        self.transfers.update(|list| list.retain(|t| t.id != id));
        if accept {
            self.select(transfer.conversation_id);
        }
    }

    /// Accepts (and opens) or declines a new chat routing offers this agent.
    pub fn answer_offer(&self, id: ConversationId, accept: bool) {
        self.send(&FromAgent::AnswerOffer { conversation_id: id, accept });
        self.offers.update(|list| list.retain(|o| o.conversation_id != id));
        if accept {
            self.select(id);
        }
    }

    pub fn set_status(&self, status: AgentStatus) {
        self.send(&FromAgent::SetStatus { status });
    }

    /// Takes a waiting conversation from the queue and opens it.
    pub fn take(&self, id: ConversationId) {
        self.send(&FromAgent::Take { conversation_id: id });
        self.select(id);
    }

    pub fn send_typing(&self, id: ConversationId, active: bool) {
        self.send(&FromAgent::Typing { conversation_id: id, active });
    }
}

/// A unique id for a message the agent is sending.
pub fn new_client_msg_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        let a = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let b = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        format!("a{:x}-{a:x}{b:x}", js_sys::Date::now() as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::from("server")
    }
}
