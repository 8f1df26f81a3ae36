//! The agent socket: `GET /api/v1/agent/ws?v=1`, authenticated by the session cookie, from the
//! workbench's own origin only. The session becomes a [`Ctx`] at the upgrade; every frame goes to
//! the chat service, which checks the same permissions a server function would.

use std::net::SocketAddr;

use app::chat::service as chat;
use app::colleagues::service as colleagues;
use app::infra::ctx::{Ctx, Scopes};
use app::infra::net::same_origin;
use app::infra::state::AppState;
use app::invitations::service as invitations;
use app::routing::service as routing;
use app::visitors::service as visitors;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use kefu_protocol::text::Line;
use kefu_protocol::{
    ApiError, FromAgent, Perm, SiteId, TenantId, ToAgent, VisitorFilter, VisitorSort, MAX_QUERY_CHARS, PROTOCOL_VERSION,
};
use serde::Deserialize;

use crate::hub::{AgentConn, ConnId, Hub, Outbox, AGENT_OUTBOX_BYTES};
use crate::socket::{self, Handler, LoopSettings};
use crate::state::ServerState;
use crate::{client_ip, refuse, refuse_full};

#[derive(Deserialize)]
pub struct AgentQuery {
    v: Option<u32>,
}

pub async fn upgrade(
    State(state): State<ServerState>,
    Query(query): Query<AgentQuery>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if query.v != Some(PROTOCOL_VERSION) {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_protocol", "this server speaks protocol version 1");
    }
    // Cookies are sent cross-site on WebSocket handshakes, so the origin must be our own page.
    let own = headers.contains_key(header::ORIGIN) && same_origin(&headers, &state.config.public_url);
    if !own {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "the agent socket only accepts the workbench's origin",
        );
    }
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(ApiError::Unauthorized) => return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first"),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again later"),
    };
    let slot = match state.hub.reserve_socket(client_ip(&state, peer, &headers), &state.app.settings.limits) {
        Ok(slot) => slot,
        Err(full) => return refuse_full(full),
    };
    socket::configure(ws).on_upgrade(move |socket| async move {
        let (out, queue) = state.hub.outbox(AGENT_OUTBOX_BYTES);
        let session = AgentSession { conn: state.hub.next_conn_id(), state: state.clone(), ctx };
        let ctx = &session.ctx;
        out.push(&ToAgent::AgentWelcome { protocol_version: PROTOCOL_VERSION, agent: ctx.agent.clone() });
        // Register before taking the snapshot so nothing that happens in between is missed.
        let registered = AgentConn {
            outbox: out.clone(),
            agent: ctx.agent.id,
            session: ctx.session.clone(),
            scopes: ctx.scopes.clone(),
            perms: ctx.agent.perms.clone(),
        };
        state.hub.add_agent(ctx.tenant(), session.conn, registered);
        let first = snapshot(&state.app, &state.hub, ctx.tenant(), &ctx.scopes, &ctx.agent.perms).await;
        out.push(&first.unwrap_or_else(|error| ToAgent::Error { error, client_msg_id: None }));
        if ctx.agent.can(Perm::ChatServe) {
            // Colleagues' statuses, then everyone hears this agent's (and the queue is offered).
            match routing::statuses(&state.app, ctx.tenant()).await {
                Ok(frames) => frames.iter().for_each(|f| out.push(f)),
                Err(error) => out.push(&ToAgent::Error { error, client_msg_id: None }),
            }
            match routing::pending(&state.app, ctx).await {
                Ok(frames) => frames.iter().for_each(|f| out.push(f)),
                Err(error) => out.push(&ToAgent::Error { error, client_msg_id: None }),
            }
            if let Err(error) = routing::agent_changed(&state.app, ctx.tenant(), ctx.agent.id).await {
                tracing::warn!(%error, "announcing an agent's console failed");
            }
        }
        // Colleague threads (unread counts) and broadcasts still standing.
        match colleagues::on_connect(&state.app, ctx).await {
            Ok(frames) => frames.iter().for_each(|f| out.push(f)),
            Err(error) => out.push(&ToAgent::Error { error, client_msg_id: None }),
        }
        let settings = LoopSettings {
            heartbeat: state.config.heartbeat,
            shutdown: state.shutdown.clone(),
            rate: socket::AGENT_RATE,
        };
        socket::run(socket, session, out, queue, settings).await;
        drop(slot);
    })
}

/// The first page of who is online and of the open conversations, as far as a console's role
/// (`perms`) and sites allow. Also what every console gets again after a cluster link loss.
pub async fn snapshot(
    app: &AppState,
    hub: &Hub,
    tenant: TenantId,
    scopes: &Scopes,
    perms: &[Perm],
) -> Result<ToAgent, ApiError> {
    let (conversations, conversations_total) = match perms.contains(&Perm::ChatServe) {
        true => chat::open_conversations_page(app, tenant, &scopes.of(Perm::ChatServe), "", 0).await?,
        false => (Vec::new(), 0),
    };
    let (visitors, visitors_total) = match perms.contains(&Perm::VisitorsView) {
        true => {
            let online = hub.online_visitors(tenant).await;
            visitors::visitors_page(
                online,
                &scopes.of(Perm::VisitorsView),
                "",
                &Default::default(),
                Default::default(),
                0,
            )
        }
        false => (Vec::new(), 0),
    };
    Ok(ToAgent::Snapshot { visitors, conversations, visitors_total, conversations_total })
}

/// A page of the visitors online, for a console whose role grants [`Perm::VisitorsView`].
async fn list_visitors(
    state: &ServerState,
    ctx: &Ctx,
    query: &str,
    offset: u32,
    site: Option<SiteId>,
    filter: VisitorFilter,
    sort: VisitorSort,
) -> Result<ToAgent, ApiError> {
    ctx.check(Perm::VisitorsView)?;
    let query = Line::parse(query, "query", MAX_QUERY_CHARS)?.into_string();
    filter.check()?;
    let online = state.hub.online_visitors(ctx.tenant()).await;
    let scope = ctx.sites(Perm::VisitorsView).narrow(site);
    let (visitors, total) = visitors::visitors_page(online, &scope, &query, &filter, sort, offset);
    Ok(ToAgent::VisitorList { query, offset, site, filter, sort, total, visitors })
}

struct AgentSession {
    state: ServerState,
    ctx: Ctx,
    conn: ConnId,
}

impl Handler for AgentSession {
    type In = FromAgent;
    type Out = ToAgent;

    async fn on_frame(&mut self, frame: FromAgent, out: &Outbox) -> Result<(), ApiError> {
        let (app, ctx) = (&self.state.app, &self.ctx);
        match frame {
            FromAgent::Send { conversation_id, client_msg_id, body, file } => {
                let sent = chat::agent_send(
                    app,
                    ctx,
                    Some(self.conn),
                    conversation_id,
                    &client_msg_id,
                    &body,
                    file.as_deref(),
                );
                match sent.await {
                    Ok(message) => out.push(&ToAgent::Ack { client_msg_id: message.client_msg_id.clone(), message }),
                    Err(error) => out.push(&ToAgent::Error { error, client_msg_id: Some(client_msg_id) }),
                }
                Ok(())
            }
            FromAgent::Sync { conversation_id, after_seq } => {
                // One resync in flight, as for visitors: the next waits until this one is written.
                if !out.claim_resync(socket::RESYNC_WAIT).await {
                    return Ok(());
                }
                out.answer_resync(chat::agent_sync(app, ctx, conversation_id, after_seq).await)
            }
            // Lists are answers too: one in flight per console, like a resync.
            FromAgent::ListVisitors { query, offset, site, filter, sort } => {
                if !out.claim_resync(socket::RESYNC_WAIT).await {
                    return Ok(());
                }
                out.answer_resync(list_visitors(&self.state, ctx, &query, offset, site, filter, sort).await)
            }
            FromAgent::ListConversations { query, offset, site } => {
                if !out.claim_resync(socket::RESYNC_WAIT).await {
                    return Ok(());
                }
                out.answer_resync(chat::list_open_conversations(app, ctx, &query, offset, site).await)
            }
            FromAgent::Typing { conversation_id, active } => {
                chat::agent_typing(app, ctx, conversation_id, active).await
            }
            FromAgent::Retract { conversation_id, seq } => chat::retract(app, ctx, conversation_id, seq).await,
            FromAgent::DecideFile { conversation_id, file, accept } => {
                chat::decide_file(app, ctx, conversation_id, &file, accept).await
            }
            FromAgent::MarkRead { conversation_id, seq } => chat::mark_read(app, ctx, conversation_id, seq).await,
            FromAgent::SetStatus { status } => routing::set_status(app, ctx, status).await,
            FromAgent::Take { conversation_id } => routing::take(app, ctx, conversation_id).await,
            FromAgent::Transfer { conversation_id, to, note } => {
                routing::transfer(app, ctx, conversation_id, to, &note).await
            }
            FromAgent::Invite { conversation_id, agent } => routing::invite(app, ctx, conversation_id, agent).await,
            FromAgent::AnswerInvite { conversation_id, accept } => {
                routing::answer_invite(app, ctx, conversation_id, accept).await
            }
            FromAgent::Leave { conversation_id } => routing::leave(app, ctx, conversation_id).await,
            FromAgent::InviteVisitor { visitor_id } => invitations::invite(app, ctx, visitor_id).await.map(|_| ()),
            FromAgent::PushUrl { conversation_id, url } => chat::push_url(app, ctx, conversation_id, &url).await,
            FromAgent::AnswerTransfer { transfer_id, accept } => {
                routing::answer_transfer(app, ctx, transfer_id, accept).await
            }
            FromAgent::AnswerOffer { conversation_id, accept } => {
                routing::answer_offer(app, ctx, conversation_id, accept).await
            }
            FromAgent::ColleagueSend { to, client_msg_id, body } => {
                match colleagues::send(app, ctx, to, &client_msg_id, &body).await {
                    Ok(message) => out.push(&ToAgent::ColleagueAck { client_msg_id, message }),
                    Err(error) => out.push(&ToAgent::Error { error, client_msg_id: Some(client_msg_id) }),
                }
                Ok(())
            }
            FromAgent::ColleagueSync { peer, after_seq } => {
                if !out.claim_resync(socket::RESYNC_WAIT).await {
                    return Ok(());
                }
                out.answer_resync(colleagues::sync(app, ctx, peer, after_seq).await)
            }
            FromAgent::ColleagueRead { peer, seq } => colleagues::mark_read(app, ctx, peer, seq).await,
            FromAgent::DismissBroadcast { id } => colleagues::dismiss(app, ctx, id).await,
            // Answered by the socket loop.
            FromAgent::Ping => Ok(()),
        }
    }

    async fn on_close(&mut self) {
        let tenant = self.ctx.tenant();
        let Some((agent, ticket)) = self.state.hub.remove_agent(tenant, self.conn) else { return };
        // Offline once the grace period passes without a console back (a reload is not a leave).
        let state = self.state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(state.config.presence_grace).await;
            if state.hub.expire_agent(tenant, agent, ticket) {
                // Gone from this node; still online if a console on another node holds them.
                let result = if state.hub.agent_online_elsewhere(tenant, agent).await {
                    routing::agent_changed(&state.app, tenant, agent).await
                } else {
                    routing::agent_gone(&state.app, tenant, agent).await
                };
                if let Err(error) = result {
                    tracing::warn!(%error, "taking an agent offline failed");
                }
            }
        });
    }
}
