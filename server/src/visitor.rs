//! The visitor socket: `GET /api/v1/visitor/ws?site_key=…&token=…&v=1`.
//! The site key names the tenant; the `Origin` must be one of the site's allowed domains.

use std::net::SocketAddr;
use std::sync::Arc;

use app::ssr::bookkeeping::Note;
use app::ssr::now_ms;
use app::ssr::store::{self, Site, Visitor};
use app::ssr::writer::NewMessage;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use kefu_protocol::{
    ApiError, ClientFrame, ClientMsgId, ConversationId, MessageBody, OnlineVisitor, SenderKind, ServerFrame,
    PROTOCOL_VERSION,
};
use serde::Deserialize;

use crate::hub::{ConnId, Outbox};
use crate::refuse;
use crate::socket::{self, Handler, LoopSettings};
use crate::startup::ServerState;

#[derive(Deserialize)]
pub struct VisitorQuery {
    site_key: String,
    token: Option<String>,
    v: Option<u32>,
}

pub async fn upgrade(
    State(state): State<ServerState>,
    query: Result<Query<VisitorQuery>, axum::extract::rejection::QueryRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(Query(query)) = query else {
        return refuse(StatusCode::BAD_REQUEST, "bad_request", "site_key is required");
    };
    if query.v != Some(PROTOCOL_VERSION) {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_protocol", "this server speaks protocol version 1");
    }
    if query.site_key.is_empty() || query.site_key.len() > 64 {
        return refuse(StatusCode::FORBIDDEN, "unknown_site_key", "no site has this key");
    }
    let site = match state.app.sites.site(&state.app.db, &query.site_key).await {
        Ok(Some(site)) => site,
        Ok(None) => return refuse(StatusCode::FORBIDDEN, "unknown_site_key", "no site has this key"),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again later"),
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or_default();
    if !site.allows_origin(origin) {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this page's origin is not an allowed domain of the site",
        );
    }
    if !state.hub.try_reserve_socket(state.config.max_connections) {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "too_many_connections", "the server is full, retry shortly");
    }
    let token = query.token.filter(|t| !t.is_empty() && t.len() <= 128);
    let Ok((visitor, token)) =
        store::visitor_arrive(&state.app.book, &state.app.arrivals, &site, token.as_deref()).await
    else {
        state.hub.release_socket();
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again later");
    };
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let session = VisitorSession {
        conn: state.hub.next_conn_id(),
        user_agent: user_agent.chars().take(512).collect(),
        ip: peer.ip().to_string(),
        // Typing before the first send on this page still reaches the agents.
        conversation: visitor.latest.filter(|c| c.open).map(|c| c.id),
        state: state.clone(),
        site,
        visitor,
    };
    let welcome = ServerFrame::VisitorWelcome {
        protocol_version: PROTOCOL_VERSION,
        visitor_id: session.visitor.id,
        token,
        site_name: session.site.name.clone(),
        conversation: session.visitor.latest.map(|c| (c.id, c.last_seq)),
    };
    crate::startup::configure(ws).on_upgrade(move |socket| async move {
        let (out, queue) = Outbox::new();
        out.push(&welcome);
        let presence = OnlineVisitor {
            visitor_id: session.visitor.id,
            site_id: session.site.id,
            site_name: session.site.name.clone(),
            name: session.visitor.name.clone(),
            page: Default::default(),
            online_since: now_ms(),
            visits: session.visitor.visits,
        };
        let hub = session.state.hub.clone();
        let settings = LoopSettings {
            heartbeat: state.config.heartbeat,
            shutdown: state.shutdown.clone(),
            rate: socket::VISITOR_RATE,
        };
        hub.add_visitor(session.site.tenant_id, session.conn, out.clone(), presence);
        socket::run(socket, session, out, queue, settings).await;
        hub.release_socket();
    })
}

struct VisitorSession {
    state: ServerState,
    site: Arc<Site>,
    visitor: Visitor,
    conn: ConnId,
    /// The visitor's open conversation, once known.
    conversation: Option<ConversationId>,
    user_agent: String,
    ip: String,
}

impl VisitorSession {
    /// The visitor's open conversation, opening one (and telling the agents) if needed.
    async fn conversation(&mut self, fresh: bool) -> Result<ConversationId, ApiError> {
        if let (Some(id), false) = (self.conversation, fresh) {
            return Ok(id);
        }
        let (conversation, opened) =
            store::open_conversation_for(&self.state.app.db, &self.site, self.visitor.id).await?;
        let id = conversation.id;
        if opened {
            self.state.hub.to_agents(self.site.tenant_id, &ServerFrame::Conversation { conversation }, None);
        }
        self.conversation = Some(id);
        Ok(id)
    }

    async fn send(&mut self, client_msg_id: &str, body: &str, out: &Outbox) -> Result<(), ApiError> {
        let client_msg_id = ClientMsgId::parse(client_msg_id)?;
        let body = MessageBody::parse(body)?;
        let conversation_id = self.conversation(false).await?;
        let mut message = NewMessage {
            tenant_id: self.site.tenant_id,
            conversation_id,
            sender: SenderKind::Visitor,
            sender_id: self.visitor.id.0,
            sender_name: None,
            client_msg_id,
            body,
        };
        let committed = match self.state.app.writer.submit(message.clone()).await {
            // The conversation was closed meanwhile: open a new one and write there.
            Err(ApiError::NotFound) => {
                message.conversation_id = self.conversation(true).await?;
                self.state.app.writer.submit(message).await?
            }
            other => other?,
        };
        out.push(&ServerFrame::Ack {
            client_msg_id: committed.message.client_msg_id.clone(),
            message: committed.message.clone(),
        });
        // Fanned out again on a resend too: the sender missed the ack, so the first fan-out may have
        // been lost with it (a node killed between commit and publish). Clients apply by sequence.
        let frame = ServerFrame::Message { message: committed.message };
        self.state.hub.to_visitor(self.site.tenant_id, self.visitor.id, &frame, Some(self.conn));
        self.state.hub.to_agents(self.site.tenant_id, &frame, None);
        Ok(())
    }
}

impl Handler for VisitorSession {
    async fn on_frame(&mut self, frame: ClientFrame, out: &Outbox) -> Result<(), ApiError> {
        let tenant = self.site.tenant_id;
        match frame {
            ClientFrame::Page { page } => page.parse().map(|page| {
                self.state.app.book.note(Note::PageView {
                    tenant,
                    visitor: self.visitor.id,
                    page: page.clone(),
                    user_agent: self.user_agent.clone(),
                    ip: self.ip.clone(),
                    at: now_ms(),
                });
                self.state.hub.set_page(tenant, self.visitor.id, page);
            }),
            ClientFrame::Send { client_msg_id, body, .. } => {
                if let Err(error) = self.send(&client_msg_id, &body, out).await {
                    out.push(&ServerFrame::Error { error, client_msg_id: Some(client_msg_id) });
                }
                Ok(())
            }
            ClientFrame::Sync { conversation_id, after_seq } => {
                let visitor = Some(self.visitor.id);
                out.push(&store::sync_page(&self.state.app.db, tenant, visitor, conversation_id, after_seq).await?);
                Ok(())
            }
            ClientFrame::Typing { active, .. } => {
                if let Some(conversation_id) = self.conversation {
                    let frame = ServerFrame::Typing { conversation_id, sender: SenderKind::Visitor, active };
                    self.state.hub.to_agents(tenant, &frame, None);
                }
                Ok(())
            }
            ClientFrame::MarkRead { .. } => Err(ApiError::Forbidden),
            // Answered by the socket loop.
            ClientFrame::Ping => Ok(()),
        }
    }

    async fn on_close(&mut self) {
        let Some(ticket) = self.state.hub.remove_visitor(self.visitor.id, self.conn) else { return };
        let (state, tenant, visitor) = (self.state.clone(), self.site.tenant_id, self.visitor.id);
        tokio::spawn(async move {
            tokio::time::sleep(state.config.presence_grace).await;
            if state.hub.expire_visitor(visitor, ticket) {
                state.app.book.note(Note::Seen { tenant, visitor, at: now_ms(), new_visit: false });
            }
        });
    }
}
