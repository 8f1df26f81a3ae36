//! Supervision's rules: who hears a chat as an agent, whispers, taking over, ending.

use kefu_protocol::text::Name;
use kefu_protocol::{ApiError, ClientMsgId, ConversationId, ErrorCode, MessageBody, Perm, ToAgent, Whisper};

use super::{repo, MAX_WHISPERS, REASON_CHARS};
use crate::chat::repo::{self as chat_repo, ClosedBy};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::now_ms;
use crate::infra::state::AppState;
use crate::routing;

/// The conversation, if the agent hears it as an agent: they may monitor chats on its site, or
/// they serve it (its agent, or a colleague who joined). `NotFound` otherwise, as for another
/// company's.
async fn heard(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<chat_repo::Scope, ApiError> {
    let conversation = chat_repo::scope(&state.db, ctx.tenant(), id).await?;
    if ctx.may(Perm::MonitorChats, conversation.site_id) {
        return Ok(conversation);
    }
    let serves = ctx.may(Perm::ChatServe, conversation.site_id)
        && (conversation.agent_id == Some(ctx.agent.id)
            || routing::service::is_guest(state, ctx.tenant(), id, ctx.agent.id).await?);
    if serves {
        Ok(conversation)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Whispers in a live conversation: stored with it (not among its numbered messages) and sent to
/// the consoles that hear it, never to the visitor. A retry with the same client id returns the
/// whisper already stored. A closed conversation takes none (`Conflict`), nor one holding
/// [`MAX_WHISPERS`] (`LimitReached`).
pub async fn whisper(
    state: &AppState,
    ctx: &Ctx,
    id: ConversationId,
    client_msg_id: &str,
    body: &str,
) -> Result<Whisper, ApiError> {
    let client_msg_id = ClientMsgId::parse(client_msg_id)?;
    let body = MessageBody::parse(body)?;
    let conversation = heard(state, ctx, id).await?;
    let tenant = ctx.tenant();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if let Some(before) = repo::sent_before(&mut w, ctx.agent.id, client_msg_id.as_str()).await? {
            return Ok((before, false));
        }
        let open = routing::repo::brief(&mut w, tenant, id).await?.is_some_and(|b| b.open);
        if !open {
            return Err(ApiError::conflict(None, ErrorCode::Conflict));
        }
        if repo::count(&mut w, tenant, id).await? >= MAX_WHISPERS {
            return Err(ApiError::conflict(None, ErrorCode::LimitReached));
        }
        let whisper =
            repo::insert(&mut w, tenant, id, ctx.agent.id, client_msg_id.as_str(), body.as_str(), now_ms()).await?;
        Ok((whisper, true))
    };
    let done = work.await;
    let (whisper, new) = w.end(done).await?;
    if new {
        if let Some(audience) = chat_repo::audience(&state.db, tenant, id, conversation.visitor_id).await? {
            state.realtime.to_audience(tenant, &audience, &ToAgent::Whisper { whisper: whisper.clone() }, None);
        }
    }
    Ok(whisper)
}

/// The whispers of a conversation the agent hears, oldest first.
pub async fn whispers(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<Vec<Whisper>, ApiError> {
    heard(state, ctx, id).await?;
    repo::list(&state.db, ctx.tenant(), id).await
}

/// The supervisor takes a colleague's live chat over: it is theirs from now on (they need to be
/// able to serve chats on its site too). The visitor hears who they talk to now, colleagues see
/// the new agent, the previous agent is told and has room again. One transaction with its event
/// and operation-log entry. A chat still waiting is taken with the queue's Take (`Conflict`);
/// the supervisor's own: nothing to do.
pub async fn take_over(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<(), ApiError> {
    ctx.check(Perm::MonitorChats)?;
    ctx.check(Perm::ChatServe)?;
    let (tenant, me, now) = (ctx.tenant(), ctx.agent.id, now_ms());
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        // The agent's row first, as a routing pass locks it (the other order deadlocks on PostgreSQL).
        routing::repo::lock_agent(&mut w, state.db.kind, tenant, me).await?;
        let brief = routing::repo::brief(&mut w, tenant, id).await?.ok_or(ApiError::NotFound)?;
        if !ctx.may(Perm::MonitorChats, brief.site) {
            return Err(ApiError::NotFound);
        }
        if !ctx.may(Perm::ChatServe, brief.site) {
            return Err(ApiError::Forbidden);
        }
        let previous = match (brief.open, brief.agent) {
            (true, Some(agent)) if agent == me => return Ok(None),
            (true, Some(agent)) => agent,
            _ => return Err(ApiError::conflict(None, ErrorCode::Conflict)),
        };
        let handed = routing::repo::hand_over(&mut w, tenant, id, previous, me, now, routing::repo::Handover::TakeOver);
        if !handed.await? {
            return Err(ApiError::conflict(None, ErrorCode::Conflict));
        }
        audit::record(&mut w, &Entry::by(ctx, OpKind::ChatTakenOver, &id.to_string(), &previous.to_string())).await?;
        Ok(Some((brief, previous)))
    };
    let done = work.await;
    let Some((brief, previous)) = w.end(done).await? else { return Ok(()) };
    routing::service::taken(state, &ctx.agent, id, brief.site, brief.visitor);
    let frame = ToAgent::TakenOver { conversation_id: id, by: ctx.agent.display_name.clone() };
    state.realtime.to_agent(tenant, previous, &frame);
    routing::service::freed(state, tenant, Some(previous)).await
}

/// The supervisor ends a live chat with a reason (kept as its closing event, and in the operation
/// log, in one transaction): the visitor gets the end screen, its agents see it closed and the
/// agent who had it is told why. `Conflict` when it is not open.
pub async fn force_close(state: &AppState, ctx: &Ctx, id: ConversationId, reason: &str) -> Result<(), ApiError> {
    ctx.check(Perm::MonitorChats)?;
    let reason = Name::parse(reason, "end_reason", REASON_CHARS)?;
    let conversation = chat_repo::scope(&state.db, ctx.tenant(), id).await?;
    if !ctx.may(Perm::MonitorChats, conversation.site_id) {
        return Err(ApiError::NotFound);
    }
    let tenant = ctx.tenant();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if !chat_repo::close_in(&mut w, tenant, id, ClosedBy::Forced(ctx.agent.id), reason.as_str()).await? {
            return Err(ApiError::conflict(None, ErrorCode::Conflict));
        }
        audit::record(&mut w, &Entry::by(ctx, OpKind::ChatForceClosed, &id.to_string(), reason.as_str())).await
    };
    let done = work.await;
    w.end(done).await?;
    let ended = crate::chat::service::ended(state, tenant, id).await?;
    if let Some(agent) = ended.agent_id.filter(|a| *a != ctx.agent.id) {
        let frame = ToAgent::ForceClosed {
            conversation_id: id,
            by: ctx.agent.display_name.clone(),
            reason: reason.as_str().to_owned(),
        };
        state.realtime.to_agent(tenant, agent, &frame);
    }
    Ok(())
}

/// The team dashboard's figures since `since` (the supervisor's local midnight; kept within the
/// last two days), on the sites the supervisor may monitor.
pub async fn team(state: &AppState, ctx: &Ctx, since: i64) -> Result<Vec<super::TeamRow>, ApiError> {
    ctx.check(Perm::MonitorChats)?;
    let now = now_ms();
    let since = since.clamp(now - 2 * 86_400_000, now);
    let sites = match ctx.sites(Perm::MonitorChats) {
        crate::infra::ctx::SiteScope::All => None,
        crate::infra::ctx::SiteScope::Only(sites) => Some(sites),
    };
    repo::team(&state.db, ctx.tenant(), since, now, sites.as_deref()).await
}
