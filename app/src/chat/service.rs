//! The chat rules, called by both sockets and by server functions alike.
//!
//! Sending is one path for everybody ([`submit`]): validate, durable write (group commit), fan-out
//! to the visitor's other tabs and to the agents of the site. The caller acknowledges to its own
//! connection with the returned message. A resend of a committed client id returns the original
//! message and is fanned out again: the sender missed the ack, so the first fan-out may have been
//! lost with it (a node killed between commit and publish); clients apply by sequence.

use std::sync::Arc;
use std::time::Duration;

use kefu_protocol::text::{mask_card_numbers, Line, WebUrl};
use kefu_protocol::{
    AgentId, AgentInfo, ApiError, ChatMessage, ClientMsgId, ConversationId, ConversationSummary, ErrorCode,
    MessageBody, Perm, SenderKind, SiteId, TenantId, ToAgent, ToVisitor, VisitorId, LIST_PAGE, MAX_BODY_CHARS,
    MAX_QUERY_CHARS, SYNC_PAGE,
};

use super::repo::{self, ClosedBy};
use super::writer::{Committed, MessageJob, NewMessage};
use crate::files::service as files;
use crate::infra::batch::{BatchJob, BatchWorker};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::db::Db;
use crate::infra::events::{self, Event, EventKind};
use crate::infra::limits::{Limits, WindowLimiter};
use crate::infra::realtime::Audience;
use crate::infra::realtime::ConnId;
use crate::infra::state::AppState;
use crate::ratings::service as ratings;
use crate::routing::service as routing;
use crate::sites::service::Site;

/// The area's part of the application state: the message writer.
#[derive(Clone)]
pub struct Chat {
    writer: BatchWorker<MessageJob>,
    /// Visitors' read marks, stored in batches (nobody waits for them).
    reads: BatchWorker<ReadJob>,
    /// Waiting visitors who left, closed as missed in batches (a page of visitors leaving at once
    /// costs one commit, not one each).
    missed: BatchWorker<MissedJob>,
    /// Conversations each visitor may open per hour.
    opens: Arc<WindowLimiter<VisitorId>>,
}

impl Chat {
    /// Starts the message writer on the current runtime.
    pub fn start(db: &Db, limits: &Limits) -> Chat {
        let hour = Duration::from_secs(3600);
        Chat {
            writer: BatchWorker::start(MessageJob(db.clone())),
            reads: BatchWorker::start(ReadJob(db.clone())),
            missed: BatchWorker::start(MissedJob(db.clone())),
            opens: Arc::new(WindowLimiter::new(limits.conversations_per_visitor_per_hour, hour)),
        }
    }
}

/// Stores visitors' read marks: one transaction per batch, the highest mark per conversation.
struct ReadJob(Db);

impl BatchJob for ReadJob {
    type Item = (TenantId, ConversationId, i64);
    type Output = ();
    const NAME: &'static str = "read marks";
    const MAX_BATCH: usize = 1024;
    const QUEUE: usize = 8192;

    async fn run(&self, items: &[Self::Item]) -> Result<Vec<Result<(), ApiError>>, ApiError> {
        let mut highest: std::collections::HashMap<(TenantId, ConversationId), i64> = Default::default();
        for (tenant, id, seq) in items {
            let mark = highest.entry((*tenant, *id)).or_default();
            *mark = (*mark).max(*seq);
        }
        let marks: Vec<_> = highest.into_iter().map(|((t, c), s)| (t, c, s)).collect();
        let mut w = self.0.write().await?;
        w.begin().await?;
        let result = repo::visitor_read(&mut w, &marks).await;
        w.end(result).await?;
        Ok(items.iter().map(|_| Ok(())).collect())
    }
}

/// Closes waiting visitors' conversations as missed: one transaction per batch.
struct MissedJob(Db);

impl BatchJob for MissedJob {
    type Item = (TenantId, VisitorId);
    type Output = Option<ConversationId>;
    const NAME: &'static str = "missed chats";
    const MAX_BATCH: usize = 512;
    const QUEUE: usize = 8192;

    async fn run(&self, items: &[Self::Item]) -> Result<Vec<Result<Option<ConversationId>, ApiError>>, ApiError> {
        let now = crate::infra::now_ms();
        let mut w = self.0.write().await?;
        w.begin().await?;
        let work = async {
            let mut closed = Vec::with_capacity(items.len());
            for (tenant, visitor) in items {
                closed.push(Ok(repo::close_missed(&mut w, *tenant, *visitor, now).await?));
            }
            Ok(closed)
        }
        .await;
        w.end(work).await
    }
}

/// Who sends, from which connection (fan-out skips it: it gets the ack).
enum Author<'a> {
    Visitor { site: &'a Site, conn: ConnId },
    Agent { agent: &'a AgentInfo, conn: Option<ConnId> },
}

/// Writes a message and fans it out. The single send path of kefu.
async fn submit(state: &AppState, message: NewMessage, author: &Author<'_>) -> Result<Committed, ApiError> {
    let committed = state.part::<Chat>()?.writer.submit(message).await?;
    if let (true, Author::Agent { agent, .. }) = (committed.took, author) {
        // The visitor hears who answers before the answer.
        routing::taken_by_reply(
            state,
            agent,
            committed.message.conversation_id,
            committed.site_id,
            committed.visitor_id,
        );
    }
    let tenant = match author {
        Author::Visitor { site, .. } => site.tenant_id,
        Author::Agent { agent, .. } => agent.tenant_id,
    };
    let (skip_visitor, skip_agent) = match author {
        Author::Visitor { conn, .. } => (Some(*conn), None),
        Author::Agent { conn, .. } => (None, *conn),
    };
    let message = committed.message.clone();
    state.realtime.to_visitor(tenant, committed.visitor_id, &ToVisitor::Message { message }, skip_visitor);
    let message = committed.message.clone();
    let audience = Audience { site: committed.site_id, owner: committed.agent_id, guests: committed.guests.clone() };
    state.realtime.to_audience(tenant, &audience, &ToAgent::Message { message }, skip_agent);
    Ok(committed)
}

/// What a visitor chose for their next conversation: a category of the site, an agent by account;
/// where they are (a country or province code, for region routing); and how this visit came to
/// the site (the referring host and search keyword, kept on the conversation for its record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    pub category: Option<i64>,
    pub agent: Option<String>,
    pub region: Option<String>,
    pub source: Option<kefu_protocol::Source>,
}

/// The visitor's open conversation, opened now if there is none (the site's agents are told), and
/// whether it was opened now. A visitor who opened their hourly share of conversations gets
/// `TooMany`. The caller routes one opened now ([`route_opened`]) once its first message is written.
async fn open_for_visitor(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    choice: &Choice,
) -> Result<(ConversationId, bool), ApiError> {
    let opens = &state.part::<Chat>()?.opens;
    routing::admit(state, site.tenant_id, site.id).await?;
    opens.take(&visitor).map_err(|retry_after_secs| ApiError::TooMany { retry_after_secs })?;
    let (conversation, opened) = match repo::open_conversation_for(&state.db, site, visitor, choice).await {
        Ok(found) => found,
        Err(error) => {
            opens.give_back(&visitor);
            return Err(error);
        }
    };
    let id = conversation.id;
    if opened {
        let frame = ToAgent::Conversation { conversation };
        state.realtime.to_agents(site.tenant_id, Some(site.id), Perm::ChatServe, &frame, None);
    } else {
        opens.give_back(&visitor);
    }
    Ok((id, opened))
}

/// The visitor accepted an invitation: their conversation opens now (or the open one is kept, in
/// `current`) and goes to the inviting agent (`agent`, an account) when they can take it, else by
/// the site's rules.
pub async fn open_invited(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    current: &mut Option<ConversationId>,
    agent: Option<String>,
    visit: &Choice,
) -> Result<ConversationId, ApiError> {
    let choice = Choice { category: None, agent, region: visit.region.clone(), source: visit.source.clone() };
    let (id, opened) = open_for_visitor(state, site, visitor, &choice).await?;
    *current = Some(id);
    if opened {
        route_opened(state, site, id, visitor, &choice).await;
    }
    Ok(id)
}

/// Routes a conversation the visitor just opened, after its first message is written (an offer in
/// approval mode shows that message; routed before it, the offer could show none): to the chosen
/// agent when they can take it, otherwise by the site's rules (a pass that fails leaves it queued
/// for the next).
async fn route_opened(state: &AppState, site: &Site, id: ConversationId, visitor: VisitorId, choice: &Choice) {
    if let Some(agent) = &choice.agent {
        match routing::designated(state, site, id, visitor, agent).await {
            Ok(true) => return,
            Ok(false) => {
                let frame = ToVisitor::Unavailable { agent: agent.clone() };
                state.realtime.to_visitor(site.tenant_id, visitor, &frame, None);
            }
            Err(error) => tracing::warn!(%error, "routing to a chosen agent failed"),
        }
    }
    // Not waited for: the visitor hears who took the chat (or their place in the queue) when the
    // next pass has run. (Waiting made every first ack of a rush wait for the passes before it.)
    routing::kick(state, site.tenant_id);
}

/// A visitor's message, in their open conversation (`current`, kept by their socket), which is
/// opened if needed, or opened anew if it was closed meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn visitor_send(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    conn: ConnId,
    current: &mut Option<ConversationId>,
    choice: &Choice,
    client_msg_id: &str,
    body: &str,
    file: Option<&str>,
) -> Result<ChatMessage, ApiError> {
    let author = Author::Visitor { site, conn };
    let client_msg_id = ClientMsgId::parse(client_msg_id)?;
    // A file's message says the file's name, whatever the client put in the body.
    let file = match file {
        Some(id) => Some(files::attach(state, files::Sender::Visitor { site, visitor }, id).await?),
        None => None,
    };
    let body = MessageBody::parse(file.as_ref().map_or(body, |(_, f)| f.name.as_str()))?;
    let (conversation_id, mut opened) = match *current {
        Some(id) => (id, false),
        None => open_for_visitor(state, site, visitor, choice).await?,
    };
    *current = Some(conversation_id);
    let message = NewMessage {
        tenant_id: site.tenant_id,
        conversation_id,
        sender: SenderKind::Visitor,
        sender_id: visitor.0,
        sender_name: None,
        client_msg_id,
        body,
        file,
        claim: false,
    };
    let committed = match submit(state, message.clone(), &author).await {
        // The conversation was closed meanwhile: open a new one and write there.
        Err(ApiError::NotFound) => {
            let (id, new) = open_for_visitor(state, site, visitor, choice).await?;
            opened = new;
            *current = Some(id);
            submit(state, NewMessage { conversation_id: id, ..message }, &author).await
        }
        other => other,
    };
    // Routed even if the write failed: it is open, and must not wait for a later pass.
    if let (true, Some(id)) = (opened, *current) {
        route_opened(state, site, id, visitor, choice).await;
    }
    Ok(committed?.message)
}

/// An agent's reply. Needs [`Perm::ChatServe`] and the conversation's site in the agent's scope.
pub async fn agent_send(
    state: &AppState,
    ctx: &Ctx,
    conn: Option<ConnId>,
    conversation_id: ConversationId,
    client_msg_id: &str,
    body: &str,
    file: Option<&str>,
) -> Result<ChatMessage, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let client_msg_id = ClientMsgId::parse(client_msg_id)?;
    let conversation = conversation_in_scope(state, ctx, conversation_id).await?;
    let file = match file {
        Some(id) => Some(files::attach(state, files::Sender::Agent { ctx, site: conversation.site_id }, id).await?),
        None => None,
    };
    let body = MessageBody::parse(file.as_ref().map_or(body, |(_, f)| f.name.as_str()))?;
    let someone_else = conversation.agent_id.is_some_and(|a| a != ctx.agent.id);
    if someone_else && !routing::is_guest(state, ctx.tenant(), conversation_id, ctx.agent.id).await? {
        // Only its agent writes in it, and colleagues they invited who joined.
        return Err(ApiError::conflict(Some("agent"), ErrorCode::Taken));
    }
    let message = NewMessage {
        tenant_id: ctx.tenant(),
        conversation_id,
        sender: SenderKind::Agent,
        sender_id: ctx.agent.id.0,
        sender_name: Some(ctx.agent.display_name.clone()),
        client_msg_id,
        body,
        file,
        // A reply to a waiting visitor takes the conversation from the queue, in its own commit.
        claim: conversation.agent_id.is_none(),
    };
    Ok(submit(state, message, &Author::Agent { agent: &ctx.agent, conn }).await?.message)
}

/// Sends the visitor of a conversation the agent writes in a link to open (seed 000 7.13): http
/// or https only; the widget shows it as text with its host and an "Open" button. The agent's
/// consoles hear that it went.
pub async fn push_url(state: &AppState, ctx: &Ctx, conversation_id: ConversationId, url: &str) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let link = WebUrl::parse(url, "url")?;
    // The host without its port (bound domains cover every port here).
    let host = match link.host().rsplit_once(':') {
        Some((name, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (name.ends_with(']') || !name.contains(':')) =>
        {
            name.to_owned()
        }
        _ => link.host().to_owned(),
    };
    let url = link.into_string();
    let conversation = conversation_in_scope(state, ctx, conversation_id).await?;
    let writes = conversation.agent_id == Some(ctx.agent.id)
        || routing::is_guest(state, ctx.tenant(), conversation_id, ctx.agent.id).await?;
    if !writes {
        return Err(ApiError::conflict(Some("agent"), ErrorCode::Taken));
    }
    // Kept with the conversation's events (records show it); one transaction.
    let mut w = state.db.write().await?;
    w.begin().await?;
    let mut event =
        Event::new(ctx.tenant(), conversation_id, EventKind::LinkSent, Some(ctx.agent.id), crate::infra::now_ms());
    event.detail = &url;
    let recorded = events::record(&mut w, &event).await;
    w.end(recorded).await?;
    let site = crate::sites::service::site_by_id(state, ctx.tenant(), conversation.site_id).await?;
    // The site's own pages open in the visitor's tab where the site says so.
    let same_tab = site.is_some_and(|s| s.push_same_tab && s.owns_host(&host));
    let agent_name = ctx.agent.display_name.clone();
    let to_visitor = ToVisitor::PushUrl { url: url.clone(), agent_name: agent_name.clone(), same_tab };
    state.realtime.to_visitor(ctx.tenant(), conversation.visitor_id, &to_visitor, None);
    let to_agent = ToAgent::UrlPushed { conversation_id, url, by: agent_name };
    state.realtime.to_agent(ctx.tenant(), ctx.agent.id, &to_agent);
    Ok(())
}

/// An agent withdraws their own message within [`kefu_protocol::RETRACT_WINDOW_MS`] of sending it
/// (one transaction with its event); the visitor's tabs and the agents of the conversation are
/// told. Later, another's, already withdrawn or unknown: `Conflict` on `retract`.
pub async fn retract(state: &AppState, ctx: &Ctx, id: ConversationId, seq: i64) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let conversation = conversation_in_scope(state, ctx, id).await?;
    let now = crate::infra::now_ms();
    let detail = seq.to_string();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if !repo::retract(&mut w, ctx.tenant(), id, seq, ctx.agent.id, now, kefu_protocol::RETRACT_WINDOW_MS).await? {
            return Ok(false);
        }
        let mut event = Event::new(ctx.tenant(), id, EventKind::Retracted, Some(ctx.agent.id), now);
        event.detail = &detail;
        events::record(&mut w, &event).await?;
        Ok(true)
    }
    .await;
    if !w.end(work).await? {
        return Err(ApiError::conflict(Some("retract"), ErrorCode::Stale));
    }
    let to_visitor = ToVisitor::Retracted { conversation_id: id, seq };
    tell(state, ctx, id, conversation.visitor_id, &to_visitor, &ToAgent::Retracted { conversation_id: id, seq }).await
}

/// A library file made ready to send in a conversation on the agent's sites (see
/// [`files::from_library`]).
pub async fn common_file(
    state: &AppState,
    ctx: &Ctx,
    id: ConversationId,
    file: i64,
) -> Result<kefu_protocol::Attachment, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let conversation = conversation_in_scope(state, ctx, id).await?;
    files::from_library(state, ctx, conversation.site_id, file).await
}

/// An agent accepts (or refuses) a visitor's file sent in a conversation on their sites; the
/// visitor's tabs and the agents who hear the conversation's messages are told (after it closed,
/// only the agent who decided, who needs the answer).
pub async fn decide_file(
    state: &AppState,
    ctx: &Ctx,
    id: ConversationId,
    file: &str,
    accept: bool,
) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let conversation = conversation_in_scope(state, ctx, id).await?;
    let decided = files::decide(state, ctx, id, file, accept).await?;
    let to_visitor = ToVisitor::FileState { conversation_id: id, file: file.to_owned(), state: decided };
    let to_agent = ToAgent::FileState { conversation_id: id, file: file.to_owned(), state: decided };
    tell(state, ctx, id, conversation.visitor_id, &to_visitor, &to_agent).await
}

/// Tells the visitor's tabs and the agents who hear a conversation's messages about a change to
/// one of them (after it closed, only the agent who acted, who needs the answer).
async fn tell(
    state: &AppState,
    ctx: &Ctx,
    id: ConversationId,
    visitor: VisitorId,
    to_visitor: &ToVisitor,
    to_agent: &ToAgent,
) -> Result<(), ApiError> {
    state.realtime.to_visitor(ctx.tenant(), visitor, to_visitor, None);
    match repo::audience(&state.db, ctx.tenant(), id, visitor).await? {
        Some(audience) => state.realtime.to_audience(ctx.tenant(), &audience, to_agent, None),
        None => state.realtime.to_agent(ctx.tenant(), ctx.agent.id, to_agent),
    }
    Ok(())
}

/// Where the conversation is and who has it, if it is the agent's company's and on one of the
/// agent's sites.
pub async fn conversation_in_scope(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<repo::Scope, ApiError> {
    let conversation = repo::scope(&state.db, ctx.tenant(), id).await?;
    if !ctx.sites(Perm::ChatServe).allows(conversation.site_id) {
        return Err(ApiError::NotFound);
    }
    Ok(conversation)
}

/// The first [`SYNC_PAGE`] messages of a conversation on the agent's sites, open or closed (a
/// visitor's past conversations, seed 000 7.7).
pub async fn past_messages(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<Vec<ChatMessage>, ApiError> {
    ctx.check(Perm::ChatServe)?;
    conversation_in_scope(state, ctx, id).await?;
    Ok(page(state, ctx.tenant(), None, id, 0).await?.0)
}

/// Up to [`SYNC_PAGE`] messages after `after_seq`, and whether there are more.
async fn page(
    state: &AppState,
    tenant: TenantId,
    visitor: Option<VisitorId>,
    id: ConversationId,
    after_seq: i64,
) -> Result<(Vec<ChatMessage>, bool), ApiError> {
    let mut messages = repo::messages_after(&state.db, tenant, visitor, id, after_seq, SYNC_PAGE + 1).await?;
    let more = messages.len() > SYNC_PAGE;
    messages.truncate(SYNC_PAGE);
    Ok((messages, more))
}

/// A visitor's sync: only their own conversations.
pub async fn visitor_sync(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    id: ConversationId,
    after_seq: i64,
) -> Result<ToVisitor, ApiError> {
    let (messages, more) = page(state, site.tenant_id, Some(visitor), id, after_seq).await?;
    Ok(ToVisitor::Messages { conversation_id: id, messages, more })
}

/// An agent's sync of a conversation in scope.
pub async fn agent_sync(state: &AppState, ctx: &Ctx, id: ConversationId, after_seq: i64) -> Result<ToAgent, ApiError> {
    ctx.check(Perm::ChatServe)?;
    if ctx.sites(Perm::ChatServe) != SiteScope::All {
        conversation_in_scope(state, ctx, id).await?;
    }
    let (messages, more) = page(state, ctx.tenant(), None, id, after_seq).await?;
    Ok(ToAgent::Messages { conversation_id: id, messages, more })
}

/// The visitor is typing (or stopped) in their open conversation: told to the site's agents.
pub fn visitor_typing(state: &AppState, site: &Site, conversation: Option<ConversationId>, active: bool) {
    if let Some(conversation_id) = conversation {
        let frame = ToAgent::Typing { conversation_id, sender: SenderKind::Visitor, active };
        state.realtime.to_agents(site.tenant_id, Some(site.id), Perm::ChatServe, &frame, None);
    }
}

/// Who hears each conversation's drafts, read at most once a second per conversation (a visitor
/// typing sends up to four drafts a second; a transfer or a guest shows within a second).
pub struct DraftAudiences(crate::infra::cache::TtlCache<ConversationId, Option<Audience>>);

impl Default for DraftAudiences {
    fn default() -> Self {
        DraftAudiences(crate::infra::cache::TtlCache::new(Duration::from_secs(1), 10_000))
    }
}

/// What the visitor is typing (sneak peek, on where the site turned it on): card-like digit runs
/// masked, at most a message's length, to those who hear the conversation. Never stored.
pub async fn visitor_draft(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    conversation: Option<ConversationId>,
    text: &str,
) -> Result<(), ApiError> {
    let Some(id) = conversation else { return Ok(()) };
    let text: String = mask_card_numbers(text).chars().take(MAX_BODY_CHARS).collect();
    let cache = &state.part::<DraftAudiences>()?.0;
    let audience = match cache.get(&id) {
        Some(audience) => audience,
        None => {
            let audience = repo::audience(&state.db, site.tenant_id, id, visitor).await?;
            cache.put(id, audience.clone());
            audience
        }
    };
    if let Some(audience) = audience {
        state.realtime.to_audience(site.tenant_id, &audience, &ToAgent::Draft { conversation_id: id, text }, None);
    }
    Ok(())
}

/// The agent is typing (or stopped): told to the visitor.
pub async fn agent_typing(state: &AppState, ctx: &Ctx, id: ConversationId, active: bool) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let conversation = conversation_in_scope(state, ctx, id).await?;
    // Only those who may write in it (a waiting one: anyone, whose reply takes it): a colleague
    // watching or whispering is not typing to the visitor.
    let writes = conversation.agent_id.is_none_or(|a| a == ctx.agent.id)
        || routing::is_guest(state, ctx.tenant(), id, ctx.agent.id).await?;
    if !writes {
        return Ok(());
    }
    let frame = ToVisitor::Typing { conversation_id: id, sender: SenderKind::Agent, active };
    state.realtime.to_visitor(ctx.tenant(), conversation.visitor_id, &frame, None);
    Ok(())
}

/// Agents have read the conversation up to `seq`.
pub async fn mark_read(state: &AppState, ctx: &Ctx, id: ConversationId, seq: i64) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let conversation = conversation_in_scope(state, ctx, id).await?;
    repo::mark_read(&state.db, ctx.tenant(), id, seq).await?;
    // The visitor sees "Read" under what they wrote.
    state.realtime.to_visitor(
        ctx.tenant(),
        conversation.visitor_id,
        &ToVisitor::Read { conversation_id: id, seq },
        None,
    );
    Ok(())
}

/// The visitor has seen their conversation up to `seq`: agents hear it now, and it is stored with
/// the next batch (a lost mark costs a "read" tick, never a message).
pub fn visitor_read(state: &AppState, site: &Site, current: Option<ConversationId>, id: ConversationId, seq: i64) {
    if current != Some(id) || seq <= 0 {
        return;
    }
    if let Ok(chat) = state.part::<Chat>() {
        chat.reads.note((site.tenant_id, id, seq));
    }
    let frame = ToAgent::VisitorRead { conversation_id: id, seq };
    state.realtime.to_agents(site.tenant_id, Some(site.id), Perm::ChatServe, &frame, None);
}

/// Closes a conversation; its site's agents get the closed conversation. The visitor's next message
/// opens a new one.
pub async fn close(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<ConversationSummary, ApiError> {
    ctx.check(Perm::ChatServe)?;
    conversation_in_scope(state, ctx, id).await?;
    if !repo::close(&state.db, ctx.tenant(), id, ClosedBy::Agent(ctx.agent.id)).await? {
        return Err(ApiError::conflict(None, ErrorCode::Conflict));
    }
    ended(state, ctx.tenant(), id).await
}

/// The visitor was blocked: their open conversation ends, closed by the agent who blocked them
/// (seed 000 7.6: "此次会话结束").
pub async fn close_blocked(
    state: &AppState,
    tenant: TenantId,
    visitor: VisitorId,
    by: AgentId,
) -> Result<(), ApiError> {
    let Some(id) = repo::open_of(&state.db, tenant, visitor).await? else { return Ok(()) };
    if repo::close(&state.db, tenant, id, ClosedBy::Agent(by)).await? {
        ended(state, tenant, id).await?;
    }
    Ok(())
}

/// A conversation just ended: its agents see it closed, the visitor gets the end screen (with the
/// rating form when the site asks), and the agent who had it may take another.
pub async fn ended(state: &AppState, tenant: TenantId, id: ConversationId) -> Result<ConversationSummary, ApiError> {
    let conversation = repo::conversation(&state.db, tenant, id).await?;
    let frame = ToAgent::Conversation { conversation: conversation.clone() };
    state.realtime.to_agents(tenant, Some(conversation.site_id), Perm::ChatServe, &frame, None);
    let rating = ratings::form(state, tenant, conversation.site_id, Some(id)).await?;
    state.realtime.to_visitor(tenant, conversation.visitor_id, &ToVisitor::Ended { conversation_id: id, rating }, None);
    routing::freed(state, tenant, conversation.agent_id).await?;
    Ok(conversation)
}

/// Closes conversations nobody wrote in for their site's idle time, warning the visitor first
/// (once per silence). Runs every `settings.idle_sweep` on each node; the database decides which
/// node warns or closes, so each happens once.
pub fn start_idle_sweep(state: &AppState) {
    let state = state.clone();
    crate::infra::every(state.settings.idle_sweep, "idle conversations", move || {
        let state = state.clone();
        async move { idle_sweep(&state).await }
    });
}

async fn idle_sweep(state: &AppState) -> Result<u64, ApiError> {
    let now = crate::infra::now_ms();
    // Nothing closes or warns sooner than a minute of silence.
    let mut closed = 0;
    for q in repo::quiet(&state.db, now - 60_000).await? {
        let silence = now - q.last_message_at;
        let limit = if q.visitor_silent { q.visitor_idle_ms } else { q.agent_idle_ms };
        if limit <= 0 {
            continue;
        }
        if silence >= limit {
            if repo::close(&state.db, q.tenant, q.id, ClosedBy::Idle).await? {
                ended(state, q.tenant, q.id).await?;
                closed += 1;
            }
        } else if q.visitor_silent
            && !q.warned
            && q.warning_ms > 0
            && silence >= limit - q.warning_ms
            && repo::warn_idle(&state.db, q.tenant, q.id, q.last_message_at, now).await?
        {
            let closes_in_secs = u32::try_from((limit - silence) / 1000).unwrap_or(0);
            let frame = ToVisitor::IdleWarning { conversation_id: q.id, closes_in_secs };
            state.realtime.to_visitor(q.tenant, q.visitor, &frame, None);
        }
    }
    Ok(closed)
}

/// The visitor ends their open conversation (from the widget, after confirming).
pub async fn visitor_end(state: &AppState, site: &Site, visitor: VisitorId) -> Result<(), ApiError> {
    let Some(id) = repo::open_of(&state.db, site.tenant_id, visitor).await? else { return Err(ApiError::NotFound) };
    if repo::close(&state.db, site.tenant_id, id, ClosedBy::Visitor).await? {
        ended(state, site.tenant_id, id).await?;
    }
    Ok(())
}

/// A visitor who left while waiting in the queue (their last tab closed, and the grace period
/// passed): the conversation closes as missed, and those behind move up.
pub async fn visitor_left(state: &AppState, site: &Site, visitor: VisitorId) -> Result<(), ApiError> {
    // Read first: most visitors who leave with an open conversation have an agent.
    if !repo::waiting(&state.db, site.tenant_id, visitor).await? {
        return Ok(());
    }
    let Some(id) = state.part::<Chat>()?.missed.submit((site.tenant_id, visitor)).await? else { return Ok(()) };
    let conversation = repo::conversation(&state.db, site.tenant_id, id).await?;
    let frame = ToAgent::Conversation { conversation };
    state.realtime.to_agents(site.tenant_id, Some(site.id), Perm::ChatServe, &frame, None);
    // Those behind move up with the next pass (one for all who left meanwhile).
    routing::kick(state, site.tenant_id);
    Ok(())
}

/// A page of the open conversations a console with `sites` in scope sees, matching `query` (the
/// visitor's name or id), latest message first, and how many match in all. Callers check
/// [`Perm::ChatServe`] ([`list_open_conversations`] does).
pub async fn open_conversations_page(
    state: &AppState,
    tenant: TenantId,
    sites: &SiteScope,
    query: &str,
    offset: u32,
) -> Result<(Vec<ConversationSummary>, u32), ApiError> {
    let sites = match sites {
        SiteScope::All => None,
        SiteScope::Only(ids) => Some(ids.as_slice()),
    };
    let filter = repo::OpenFilter { tenant, sites, query };
    repo::open_conversations_page(&state.db, &filter, offset, LIST_PAGE as u32).await
}

/// An agent's request for a page of open conversations. Needs [`Perm::ChatServe`].
pub async fn list_open_conversations(
    state: &AppState,
    ctx: &Ctx,
    query: &str,
    offset: u32,
    site: Option<SiteId>,
) -> Result<ToAgent, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let query = Line::parse(query, "query", MAX_QUERY_CHARS)?.into_string();
    let scope = ctx.sites(Perm::ChatServe).narrow(site);
    let (conversations, total) = open_conversations_page(state, ctx.tenant(), &scope, &query, offset).await?;
    Ok(ToAgent::ConversationList { query, offset, site, total, conversations })
}
