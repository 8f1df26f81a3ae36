//! The agent socket: `GET /api/v1/agent/ws?v=1`, authenticated by the session cookie, from the
//! workbench's own origin only.

use app::ssr::writer::NewMessage;
use app::ssr::{auth, store};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use kefu_protocol::{
    AgentInfo, ApiError, ClientFrame, ClientMsgId, ConversationId, MessageBody, SenderKind, ServerFrame,
    PROTOCOL_VERSION,
};
use serde::Deserialize;

use crate::hub::{ConnId, Outbox};
use crate::refuse;
use crate::socket::{self, Handler, LoopSettings};
use crate::startup::ServerState;

#[derive(Deserialize)]
pub struct AgentQuery {
    v: Option<u32>,
}

pub async fn upgrade(
    State(state): State<ServerState>,
    Query(query): Query<AgentQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if query.v != Some(PROTOCOL_VERSION) {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_protocol", "this server speaks protocol version 1");
    }
    // Cookies are sent cross-site on WebSocket handshakes, so the origin must be our own page.
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or_default();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let own = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
        || origin == state.config.public_url;
    if !own {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "the agent socket only accepts the workbench's origin",
        );
    }
    let agent = match auth::agent_from_headers(&state.app.db, &headers).await {
        Ok(agent) => agent,
        Err(ApiError::Unauthorized) => return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first"),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again later"),
    };
    if !state.hub.try_reserve_socket(state.config.max_connections) {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "too_many_connections", "the server is full, retry shortly");
    }
    crate::startup::configure(ws).on_upgrade(move |socket| async move {
        let (out, queue) = Outbox::new();
        let session = AgentSession { conn: state.hub.next_conn_id(), state: state.clone(), agent };
        out.push(&ServerFrame::AgentWelcome { protocol_version: PROTOCOL_VERSION, agent: session.agent.clone() });
        // Register before taking the snapshot so nothing that happens in between is missed.
        state.hub.add_agent(session.agent.tenant_id, session.conn, out.clone());
        match store::open_conversations(&state.app.db, session.agent.tenant_id).await {
            Ok(conversations) => {
                let visitors = state.hub.online_visitors(session.agent.tenant_id).await;
                out.push(&ServerFrame::Snapshot { visitors, conversations });
            }
            Err(error) => out.push(&ServerFrame::Error { error, client_msg_id: None }),
        }
        let settings = LoopSettings {
            heartbeat: state.config.heartbeat,
            shutdown: state.shutdown.clone(),
            rate: socket::AGENT_RATE,
        };
        socket::run(socket, session, out, queue, settings).await;
        state.hub.release_socket();
    })
}

struct AgentSession {
    state: ServerState,
    agent: AgentInfo,
    conn: ConnId,
}

impl AgentSession {
    async fn send(
        &self,
        conversation_id: Option<ConversationId>,
        client_msg_id: &str,
        body: &str,
        out: &Outbox,
    ) -> Result<(), ApiError> {
        let conversation_id = conversation_id.ok_or_else(|| ApiError::validation("conversation_id", "required"))?;
        let message = NewMessage {
            tenant_id: self.agent.tenant_id,
            conversation_id,
            sender: SenderKind::Agent,
            sender_id: self.agent.id.0,
            sender_name: Some(self.agent.display_name.clone()),
            client_msg_id: ClientMsgId::parse(client_msg_id)?,
            body: MessageBody::parse(body)?,
        };
        let committed = self.state.app.writer.submit(message).await?;
        out.push(&ServerFrame::Ack {
            client_msg_id: committed.message.client_msg_id.clone(),
            message: committed.message.clone(),
        });
        // Fanned out again on a resend too: the sender missed the ack, so the first fan-out may have
        // been lost with it (a node killed between commit and publish). Clients apply by sequence.
        let frame = ServerFrame::Message { message: committed.message };
        self.state.hub.to_visitor(self.agent.tenant_id, committed.visitor_id, &frame, None);
        self.state.hub.to_agents(self.agent.tenant_id, &frame, Some(self.conn));
        Ok(())
    }
}

impl Handler for AgentSession {
    async fn on_frame(&mut self, frame: ClientFrame, out: &Outbox) -> Result<(), ApiError> {
        let tenant = self.agent.tenant_id;
        let db = &self.state.app.db;
        match frame {
            ClientFrame::Send { conversation_id, client_msg_id, body } => {
                if let Err(error) = self.send(conversation_id, &client_msg_id, &body, out).await {
                    out.push(&ServerFrame::Error { error, client_msg_id: Some(client_msg_id) });
                }
                Ok(())
            }
            ClientFrame::Sync { conversation_id, after_seq } => {
                out.push(&store::sync_page(db, tenant, None, conversation_id, after_seq).await?);
                Ok(())
            }
            ClientFrame::Typing { conversation_id: Some(id), active } => {
                store::conversation(db, tenant, id).await.map(|c| {
                    let frame = ServerFrame::Typing { conversation_id: id, sender: SenderKind::Agent, active };
                    self.state.hub.to_visitor(tenant, c.visitor_id, &frame, None);
                })
            }
            ClientFrame::Typing { conversation_id: None, .. } => {
                Err(ApiError::validation("conversation_id", "required"))
            }
            ClientFrame::MarkRead { conversation_id, seq } => store::mark_read(db, tenant, conversation_id, seq).await,
            ClientFrame::Page { .. } => Err(ApiError::Forbidden),
            // Answered by the socket loop.
            ClientFrame::Ping => Ok(()),
        }
    }

    async fn on_close(&mut self) {
        self.state.hub.remove_agent(self.agent.tenant_id, self.conn);
    }
}
