//! The visitor socket: `GET /api/v1/visitor/ws?site_key=…&v=1`, offering the subprotocols `kefu.v1`
//! and, for a returning visitor, `kefu.token.<token>` (the old `&token=…` in the URL still works).
//! The site key names the tenant; the `Origin` must be one of the site's allowed domains. Frames go
//! to the chat and visitor services; this module only adapts them.

use std::net::SocketAddr;
use std::sync::Arc;

use app::blocks::service as blocks;
use app::chat::service as chat;
use app::infra::geo::Geo;
use app::infra::now_ms;
use app::invitations::repo::AutoInvite;
use app::invitations::service as invitations;
use app::ratings::service as ratings;
use app::routing::service as routing;
use app::sites::service::{self as sites, Site};
use app::visitors::service::{self as visitors, Note};
use app::visitors::{channel, source, Visitor};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use kefu_protocol::text::{Account, Line};
use kefu_protocol::{
    is_token, token_from_subprotocols, ApiError, ConversationId, ErrorCode, FromVisitor, OnlineVisitor, ToVisitor,
    PROTOCOL_VERSION, VISITOR_SUBPROTOCOL,
};
use serde::Deserialize;

use crate::hub::{ConnId, Outbox, VISITOR_OUTBOX_BYTES};
use crate::socket::{self, Handler, LoopSettings};
use crate::state::ServerState;
use crate::{client_ip, refuse, refuse_full};
use app::infra::realtime::Realtime as _;

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
    let site = match sites::by_key(&state.app, &query.site_key).await {
        Ok(Some(site)) => site,
        Ok(None) => return refuse(StatusCode::FORBIDDEN, "unknown_site_key", "no site has this key"),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again later"),
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or_default();
    // The site's own pages, or kefu's direct chat page (served from this very host).
    if !site.allows_origin(origin) && !same_host(origin, &headers) {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this page's origin is not an allowed domain of the site",
        );
    }
    let ip = client_ip(&state, peer, &headers);
    let slot = match state.hub.reserve_socket(ip, &state.app.settings.limits) {
        Ok(slot) => slot,
        Err(full) => return refuse_full(full),
    };
    // The widget offers its token as a subprotocol; widgets cached from before still put it in the URL.
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok());
    let token = offered.and_then(token_from_subprotocols).map(str::to_owned).or(query.token).filter(|t| is_token(t));
    let (visitor, token) = match visitors::arrive(&state.app, &site, token.as_deref(), ip).await {
        Ok(arrived) => arrived,
        Err(ApiError::TooMany { .. }) => {
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_visitors",
                "too many new visitors from this address",
            )
        }
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again later"),
    };
    let geo = state.app.part::<Arc<Geo>>().ok().cloned();
    let region = geo.as_ref().and_then(|geo| geo.region(ip));
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let session = VisitorSession {
        conn: state.hub.next_conn_id(),
        user_agent: Line::cut(user_agent, 512).into_string(),
        // Only the network where the site keeps no full addresses.
        ip: visitors::kept_ip(ip, site.full_ips),
        ip_addr: ip,
        token: token.clone(),
        // Typing before the first send on this page still reaches the agents.
        conversation: visitor.latest.as_ref().filter(|c| c.open).map(|c| c.id),
        state: state.clone(),
        site,
        visitor,
        categories: Vec::new(),
        choice: chat::Choice { region: region.as_ref().map(|r| r.code().to_owned()), ..Default::default() },
        invite: None,
        sneak_peek: false,
        details: None,
    };
    // A blocked visitor (or address) is told only that chat is not available.
    let blocked = blocks::shut_out(&state.app, &session.site, session.visitor.id, ip).await;
    let online = !blocked && site_online(&state, &session.site).await;
    let current = session.visitor.latest.as_ref().map(|c| c.id);
    let (tenant, site_id) = (session.site.tenant_id, session.site.id);
    let setup = routing::widget_setup(&state.app, tenant, site_id).await.unwrap_or_default();
    let uploads = if blocked { None } else { app::files::service::visitor_limit(&state.app, tenant, site_id).await };
    // A visitor with no conversation yet has given no rating: no need to look.
    let rated_in = current.filter(|_| setup.scale.is_some());
    let rating = ratings::form_with(&state.app, tenant, setup.scale.clone(), rated_in).await.unwrap_or(None);
    let categories = setup.categories.clone();
    let greetings = setup.greetings.clone();
    let mut session = session;
    let rules = invitations::widget_rules(&state.app, tenant, site_id).await.unwrap_or_default();
    // A blocked visitor is never invited.
    session.invite = rules.invite.filter(|_| !blocked);
    session.sneak_peek = rules.sneak_peek;
    session.details = visitors::details_form(&state.app, tenant, site_id).await.unwrap_or_default();
    session.categories = categories.iter().map(|(id, _)| *id).collect();
    let welcome = ToVisitor::VisitorWelcome {
        protocol_version: PROTOCOL_VERSION,
        visitor_id: session.visitor.id,
        token,
        site_name: session.site.name.clone(),
        conversation: session.visitor.latest.as_ref().map(|c| (c.id, c.last_seq)),
        online,
        rating,
        categories,
        greetings,
        agent_read_seq: session.visitor.latest.as_ref().map_or(0, |c| c.agent_read_seq),
        closed: blocked,
        sneak_peek: session.sneak_peek,
        details: session.details.as_deref().cloned(),
        registered: session.visitor.registered,
        uploads,
    };
    socket::configure(ws).protocols([VISITOR_SUBPROTOCOL]).on_upgrade(move |socket| async move {
        let (out, queue) = state.hub.outbox(VISITOR_OUTBOX_BYTES);
        out.push(&welcome);
        let now = now_ms();
        let chat = app::visitors::Latest::chat(session.visitor.latest.as_ref());
        let presence = || OnlineVisitor {
            visitor_id: session.visitor.id,
            site_id: session.site.id,
            site_name: session.site.name.clone(),
            name: session.visitor.name.clone(),
            page: Default::default(),
            online_since: now,
            visits: session.visitor.visits,
            region: region.clone(),
            channel: channel::parse(&session.user_agent),
            source: Default::default(),
            first_seen: session.visitor.first_seen,
            pages: 0,
            last_active: now,
            ip: session.ip.clone(),
            blocked,
            chat: chat.0,
            agent_name: chat.1.clone(),
            member: session.visitor.member.clone(),
        };
        let hub = session.state.hub.clone();
        let settings = LoopSettings {
            heartbeat: state.config.heartbeat,
            shutdown: state.shutdown.clone(),
            rate: socket::VISITOR_RATE,
        };
        let (tenant, conn, visitor) = (session.site.tenant_id, session.conn, session.visitor.id);
        hub.add_visitor(tenant, conn, out.clone(), visitor, blocked, ip, presence);
        if let Some(rule) = session.invite.clone() {
            // The visit may have begun pages ago: wait only for what is left of the rule's time.
            let since = hub.visit_of(session.visitor.id).map_or(now, |(_, since, _)| since);
            let wait = since + rule.after_ms - now_ms();
            if wait > 0 {
                let (state, site, visitor, conn) =
                    (session.state.clone(), session.site.clone(), session.visitor.id, session.conn);
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(wait.unsigned_abs())).await;
                    if state.hub.holds(visitor, conn) && auto_invite_due(&state, &site, visitor, &rule) {
                        auto_invite(&state, &site, visitor, &rule).await;
                    }
                });
            }
        }
        socket::run(socket, session, out, queue, settings).await;
        drop(slot);
    })
}

/// Whether anyone is there for the site's visitors: what they were last told, worked out the first
/// time this node is asked.
async fn site_online(state: &ServerState, site: &Site) -> bool {
    if let Some(online) = state.hub.known_availability(site.tenant_id, site.id) {
        return online;
    }
    match routing::availability(&state.app, site.tenant_id, &[site.id]).await {
        Ok(found) => {
            let online = found.first().is_some_and(|(_, online)| *online);
            state.hub.site_availability(site.tenant_id, site.id, online);
            online
        }
        Err(_) => false,
    }
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
    ip_addr: std::net::IpAddr,
    /// The token the widget holds (an identification may make it another visitor's device).
    token: String,
    /// The categories the site shows, and what the visitor chose for their next conversation.
    categories: Vec<i64>,
    choice: chat::Choice,
    /// The site's automatic invitation (`None`: off, or the visitor is blocked).
    invite: Option<AutoInvite>,
    /// Whether the site's agents see what the visitor types (what the welcome told the widget).
    sneak_peek: bool,
    /// The site's registration form (what the welcome told the widget).
    details: Option<Arc<kefu_protocol::DetailsForm>>,
}

/// Whether the site's automatic invitation is due for the visitor's current page and this visit
/// had not been looked at yet (it now has: the database checks the rest, once a visit).
fn auto_invite_due(state: &ServerState, site: &Site, visitor: kefu_protocol::VisitorId, rule: &AutoInvite) -> bool {
    let Some((page, since, blocked)) = state.hub.visit_of(visitor) else { return false };
    let online = state.hub.known_availability(site.tenant_id, site.id) == Some(true);
    !blocked && invitations::due(rule, since, now_ms(), &page, online) && state.hub.claim_invite_check(visitor)
}

/// Sends the site's automatic invitation if the database agrees (see `invitations::auto_invite`).
async fn auto_invite(state: &ServerState, site: &Site, visitor: kefu_protocol::VisitorId, rule: &AutoInvite) {
    if let Err(error) = invitations::auto_invite(&state.app, site, visitor, rule).await {
        tracing::warn!(%error, "an automatic invitation failed");
    }
}

impl Handler for VisitorSession {
    type In = FromVisitor;
    type Out = ToVisitor;

    async fn on_frame(&mut self, frame: FromVisitor, out: &Outbox) -> Result<(), ApiError> {
        let tenant = self.site.tenant_id;
        let app = &self.state.app;
        match frame {
            FromVisitor::Page { page } => {
                let page = page.parse()?;
                // Over the per-minute share a page view is neither stored nor shown; the visitor
                // stays online with their latest page.
                let counts = visitors::page_view_counts(app, self.visitor.id);
                if counts {
                    visitors::note(
                        app,
                        Note::PageView {
                            tenant,
                            visitor: self.visitor.id,
                            page: page.clone(),
                            user_agent: self.user_agent.clone(),
                            ip: self.ip.clone(),
                            at: now_ms(),
                        },
                    );
                }
                // Only a counted view may change the visit's source (see `Hub::set_page`).
                let site = &self.site;
                let source =
                    counts.then(|| source::classify(&page.url, &page.referrer, |h| site.owns_host(h))).flatten();
                // The visit's source as the console shows it (a later direct view keeps the first
                // one), for the conversation it may open.
                if let Some(source) = source
                    .as_ref()
                    .filter(|s| self.choice.source.is_none() || s.kind != kefu_protocol::SourceKind::Direct)
                {
                    self.choice.source = Some(source.clone());
                }
                self.state.hub.set_page(tenant, self.visitor.id, page, source, now_ms(), counts);
                // Looked at once a visit, so this waits for the database at most once.
                if let Some(rule) =
                    self.invite.as_ref().filter(|r| auto_invite_due(&self.state, site, self.visitor.id, r))
                {
                    auto_invite(&self.state, site, self.visitor.id, rule).await;
                }
                Ok(())
            }
            FromVisitor::Send { client_msg_id, body, file, .. } => {
                let (site, visitor, conn) = (&self.site, self.visitor.id, self.conn);
                if let Err(error) = blocks::admit(app, site, visitor, self.ip_addr).await {
                    out.push(&ToVisitor::Error { error, client_msg_id: Some(client_msg_id) });
                    return Ok(());
                }
                // A new conversation waits for the registration form where the site asks first.
                if self.conversation.is_none() {
                    if let Err(error) = visitors::check_registered(self.details.as_deref(), self.visitor.registered) {
                        out.push(&ToVisitor::Error { error, client_msg_id: Some(client_msg_id) });
                        return Ok(());
                    }
                }
                let choice = &self.choice;
                match chat::visitor_send(
                    app,
                    site,
                    visitor,
                    conn,
                    &mut self.conversation,
                    choice,
                    &client_msg_id,
                    &body,
                    file.as_deref(),
                )
                .await
                {
                    Ok(message) => out.push(&ToVisitor::Ack { client_msg_id: message.client_msg_id.clone(), message }),
                    Err(error) => out.push(&ToVisitor::Error { error, client_msg_id: Some(client_msg_id) }),
                }
                Ok(())
            }
            FromVisitor::Sync { conversation_id, after_seq } => {
                // One resync in flight: a client asking again before reading the answer waits.
                if !out.claim_resync(socket::RESYNC_WAIT).await {
                    return Ok(());
                }
                out.answer_resync(
                    chat::visitor_sync(app, &self.site, self.visitor.id, conversation_id, after_seq).await,
                )
            }
            FromVisitor::Choose { category, agent } => {
                if category.is_some_and(|c| !self.categories.contains(&c)) {
                    return Err(ApiError::invalid("category", ErrorCode::NotFound));
                }
                let agent = agent.map(|a| Account::parse(&a, "agent")).transpose()?;
                let (region, source) = (self.choice.region.take(), self.choice.source.take());
                self.choice = chat::Choice { category, agent: agent.map(|a| a.as_str().to_owned()), region, source };
                Ok(())
            }
            FromVisitor::Read { conversation_id, seq } => {
                chat::visitor_read(app, &self.site, self.conversation, conversation_id, seq);
                Ok(())
            }
            // Only where the visitor was told (a widget that sends drafts anyway is not heard).
            FromVisitor::Draft { text } if self.sneak_peek => {
                chat::visitor_draft(app, &self.site, self.visitor.id, self.conversation, &text).await
            }
            FromVisitor::Draft { .. } => Ok(()),
            FromVisitor::Identify { user_id, name, email, hash } => {
                let (site, visitor, token) = (&self.site, self.visitor.id, &self.token);
                let identity = visitors::Identity { user_id: &user_id, name: &name, email: &email, hash: &hash };
                match visitors::identify(app, site, visitor, token, identity).await? {
                    visitors::Identified::Same { verified } => out.push(&ToVisitor::Identified { verified }),
                    // Another visitor's device now: the widget's reconnect finds them.
                    visitors::Identified::Moved => {
                        out.push(&ToVisitor::Identified { verified: true });
                        out.close(4001, "identified");
                    }
                }
                Ok(())
            }
            FromVisitor::Register { values } => {
                visitors::register(app, &self.site, self.visitor.id, self.details.as_deref(), &values).await?;
                self.visitor.registered = true;
                out.push(&ToVisitor::Registered);
                Ok(())
            }
            FromVisitor::AnswerInvitation { invitation_id, accept } => {
                if accept {
                    blocks::admit(app, &self.site, self.visitor.id, self.ip_addr).await?;
                }
                let (site, visitor) = (&self.site, self.visitor.id);
                invitations::answer(app, site, visitor, &mut self.conversation, &self.choice, invitation_id, accept)
                    .await
            }
            FromVisitor::End => {
                chat::visitor_end(app, &self.site, self.visitor.id).await?;
                self.conversation = None;
                Ok(())
            }
            FromVisitor::Rate { conversation_id, score, comment } => {
                let rated = ratings::rate(app, &self.site, self.visitor.id, conversation_id, score, &comment).await?;
                out.push(&rated);
                Ok(())
            }
            FromVisitor::Typing { active, .. } => {
                chat::visitor_typing(app, &self.site, self.conversation, active);
                Ok(())
            }
            // Answered by the socket loop.
            FromVisitor::Ping => Ok(()),
        }
    }

    async fn on_close(&mut self) {
        let Some(ticket) = self.state.hub.remove_visitor(self.visitor.id, self.conn) else { return };
        let (state, tenant, visitor) = (self.state.clone(), self.site.tenant_id, self.visitor.id);
        let site = self.site.clone();
        // Only a visitor with an open conversation may have been waiting in the queue.
        let waiting = self.conversation.is_some();
        tokio::spawn(async move {
            tokio::time::sleep(state.config.presence_grace).await;
            if state.hub.expire_visitor(visitor, ticket) {
                visitors::note(&state.app, Note::Seen { tenant, visitor, at: now_ms(), new_visit: false });
                if !waiting {
                    return;
                }
                if let Err(error) = chat::visitor_left(&state.app, &site, visitor).await {
                    tracing::warn!(%error, "closing a waiting visitor's conversation failed");
                }
            }
        });
    }
}

/// Whether `origin` is the host the request was sent to (a page kefu served itself: the direct
/// chat page). A browser sets `Origin`; another site's page cannot claim this one.
pub(crate) fn same_host(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    !host.is_empty() && authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

#[derive(Deserialize)]
pub struct DirectQuery {
    #[serde(default)]
    agent: Option<String>,
}

/// The direct chat page (`/chat/{site_key}`, seed 004 "直接对话窗口"): the widget full-window on
/// kefu's own origin, for links in e-mails, QR codes and profiles. `?agent=ACCOUNT` asks for that
/// agent, as the snippet's `data-agent` does (an agent who is away or full: the site's rules).
pub async fn direct_chat_page(
    State(state): State<ServerState>,
    axum::extract::Path(site_key): axum::extract::Path<String>,
    query: Result<Query<DirectQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    use axum::response::{Html, IntoResponse};
    if site_key.is_empty() || site_key.len() > 64 {
        return (StatusCode::NOT_FOUND, "no site has this key").into_response();
    }
    let site = match sites::by_key(&state.app, &site_key).await {
        Ok(Some(site)) => site,
        Ok(None) => return (StatusCode::NOT_FOUND, "no site has this key").into_response(),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "try again later").into_response(),
    };
    let agent = query.ok().and_then(|Query(q)| q.agent).and_then(|a| Account::parse(&a, "agent").ok());
    let agent = agent.map(|a| format!(" data-agent=\"{}\"", app::infra::html_escape(a.as_str()))).unwrap_or_default();
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">\
         <title>{title}</title></head>\
         <body><script src=\"/widget/loader.js\" data-site-key=\"{key}\" data-page=\"1\"{agent} async></script></body></html>",
        title = app::infra::html_escape(&site.name),
        key = app::infra::html_escape(&site_key),
    );
    let policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; \
                  img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";
    ([(header::CONTENT_SECURITY_POLICY, policy), (header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}
