//! Internal chat between agents and broadcasts from admins (issue 13; seed 000 "内部通讯").
//!
//! Colleague messages get the visitor chat's guarantees: a message is acknowledged only after its
//! commit, the same client id sent again returns the original (a resend after a lost answer stores
//! nothing twice), and a console that reconnects catches up after the last sequence it holds.
//! Fan-out goes to every console of both agents, on any node.

use kefu_protocol::{
    AgentId, ApiError, Broadcast, ClientMsgId, ColleagueMessage, ErrorCode, MessageBody, Perm, ToAgent, COLLEAGUE_PAGE,
};

use super::repo;
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::now_ms;
use crate::infra::state::AppState;

/// Broadcasts one company may send per hour.
pub const BROADCASTS_PER_HOUR: i64 = 20;
/// How long a broadcast nobody dismissed keeps its banner.
pub const BROADCAST_DAYS: i64 = 7;
/// Most banners shown at once (the newest).
pub const BROADCASTS_SHOWN: i64 = 5;

/// Sends a message to a colleague; returns it as committed (the original, for a client id used
/// before). Both agents' consoles hear it.
pub async fn send(
    state: &AppState,
    ctx: &Ctx,
    to: AgentId,
    client_msg_id: &str,
    body: &str,
) -> Result<ColleagueMessage, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let client_msg_id = ClientMsgId::parse(client_msg_id)?;
    let body = MessageBody::parse(body)?;
    let me = ctx.agent.id;
    if to == me {
        return Err(ApiError::invalid("to", ErrorCode::Incorrect));
    }
    if !repo::is_agent(&state.db, ctx.tenant(), to).await? {
        return Err(ApiError::NotFound);
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if let Some(before) = repo::sent_before(&mut w, me, client_msg_id.as_str()).await? {
            return Ok((before, false));
        }
        let message =
            repo::insert(&mut w, ctx.tenant(), me, to, client_msg_id.as_str(), body.as_str(), now_ms()).await?;
        Ok((message, true))
    };
    let done = work.await;
    let (message, new) = w.end(done).await?;
    if message.to != to && message.from == me {
        // The client id was used for a message to someone else: a client error, not a resend.
        return Err(ApiError::conflict(Some("client_msg_id"), ErrorCode::Conflict));
    }
    if new {
        let frame = ToAgent::ColleagueMessage { message: message.clone() };
        state.realtime.to_agent(ctx.tenant(), to, &frame);
        state.realtime.to_agent(ctx.tenant(), me, &frame);
    }
    Ok(message)
}

/// The agent's messages with `peer` after `after_seq` (a page; `more` when there are further).
pub async fn sync(state: &AppState, ctx: &Ctx, peer: AgentId, after_seq: i64) -> Result<ToAgent, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let mut messages =
        repo::messages_after(&state.db, ctx.tenant(), ctx.agent.id, peer, after_seq.max(0), COLLEAGUE_PAGE + 1).await?;
    let more = messages.len() > COLLEAGUE_PAGE;
    messages.truncate(COLLEAGUE_PAGE);
    Ok(ToAgent::ColleagueMessages { peer, messages, more })
}

/// The agent read their thread with `peer` up to `seq`; their other consoles hear it.
pub async fn mark_read(state: &AppState, ctx: &Ctx, peer: AgentId, seq: i64) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    if repo::mark_read(&state.db, ctx.tenant(), ctx.agent.id, peer, seq).await? {
        state.realtime.to_agent(ctx.tenant(), ctx.agent.id, &ToAgent::ColleagueRead { peer, seq });
    }
    Ok(())
}

/// What a console gets after connecting: the agent's threads (with unread counts) and the
/// broadcasts they have not dismissed.
/// Broadcasts reach every agent signed in (whatever their role), so their banners need no
/// permission beyond the session.
pub async fn on_connect(state: &AppState, ctx: &Ctx) -> Result<Vec<ToAgent>, ApiError> {
    let mut frames = Vec::new();
    if ctx.check(Perm::ChatServe).is_ok() {
        let threads = repo::threads(&state.db, ctx.tenant(), ctx.agent.id).await?;
        frames.push(ToAgent::ColleagueThreads { threads });
    }
    let since = now_ms() - BROADCAST_DAYS * 86_400_000;
    let standing = repo::standing(&state.db, ctx.tenant(), ctx.agent.id, since, BROADCASTS_SHOWN).await?;
    frames.extend(standing.into_iter().map(|broadcast| ToAgent::Broadcast { broadcast }));
    Ok(frames)
}

/// An admin's message to every colleague online now (on any node), shown to each as a banner
/// until they dismiss it. Returns how many it went to. The same client id again sends nothing
/// more and answers the same count.
pub async fn broadcast(state: &AppState, ctx: &Ctx, client_msg_id: &str, body: &str) -> Result<usize, ApiError> {
    ctx.check(Perm::AgentsManage)?;
    let client_msg_id = ClientMsgId::parse(client_msg_id)?;
    let body = MessageBody::parse(body)?;
    let me = ctx.agent.id;
    let mut online: Vec<AgentId> =
        state.realtime.online_agents(ctx.tenant()).await.into_iter().filter(|a| *a != me).collect();
    online.sort_unstable();
    let now = now_ms();
    let summary: String = body.as_str().chars().take(60).collect();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if let Some((_, to)) = repo::broadcast_before(&mut w, me, client_msg_id.as_str()).await? {
            return Ok((None, to));
        }
        if repo::broadcasts_since(&mut w, ctx.tenant(), now - 3_600_000).await? >= BROADCASTS_PER_HOUR {
            return Err(ApiError::TooMany { retry_after_secs: 600 });
        }
        let id = repo::insert_broadcast(&mut w, ctx.tenant(), me, client_msg_id.as_str(), body.as_str(), &online, now)
            .await?;
        audit::record(&mut w, &Entry::by(ctx, OpKind::BroadcastSent, &online.len().to_string(), &summary)).await?;
        Ok((Some(id), online.clone()))
    };
    let done = work.await;
    let (id, to) = w.end(done).await?;
    if let Some(id) = id {
        let broadcast =
            Broadcast { id, from_name: ctx.agent.display_name.clone(), body: body.as_str().to_owned(), sent_at: now };
        let frame = ToAgent::Broadcast { broadcast };
        for agent in &to {
            state.realtime.to_agent(ctx.tenant(), *agent, &frame);
        }
    }
    Ok(to.len())
}

/// The agent hides a broadcast's banner (only their own: the session is the permission); their
/// other consoles hide it too.
pub async fn dismiss(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), ApiError> {
    if repo::dismiss(&state.db, ctx.tenant(), ctx.agent.id, id, now_ms()).await? {
        state.realtime.to_agent(ctx.tenant(), ctx.agent.id, &ToAgent::BroadcastDismissed { id });
    }
    Ok(())
}
