//! Who is asking, and the one permission gate. Every server function begins with
//! `let ctx = Ctx::require(Perm::X).await?;` (or [`Ctx::signed_in`] for the few that only need a
//! session, such as `me`, and [`Ctx::public`] for signing in); the agent socket builds a `Ctx` at the upgrade and checks each frame with
//! [`Ctx::check`]. Tenant, agent, role and site scope come from the session, never from the request.
//!
//! This module also owns the one query that turns a session token into that identity (sessions,
//! agents, roles and the agent's sites), so no area needs another's SQL to know who is asking.

use http::HeaderMap;
use kefu_protocol::{AgentId, AgentInfo, AgentStatus, ApiError, Perm, SiteId, TenantId};
use sqlx::Row as _;

use super::db::Db;
use super::state::AppState;
use super::{now_ms, token_hash, OrInternal};

pub const SESSION_COOKIE: &str = "kefu_session";

/// The sites an agent may act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteScope {
    All,
    /// The agent's own sites (from `agent_sites`).
    Only(Vec<SiteId>),
}

impl SiteScope {
    pub fn allows(&self, site: SiteId) -> bool {
        match self {
            SiteScope::All => true,
            SiteScope::Only(sites) => sites.contains(&site),
        }
    }

    /// This scope narrowed to one chosen site (`None`: unchanged); a site outside it leaves nothing.
    pub fn narrow(&self, site: Option<SiteId>) -> SiteScope {
        match site {
            None => self.clone(),
            Some(site) if self.allows(site) => SiteScope::Only(vec![site]),
            Some(_) => SiteScope::Only(Vec::new()),
        }
    }
}

/// Where an agent's permissions apply: each permission on every site of the company, except those
/// the role limits to the agent's own sites (per module on the roles page).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes {
    /// The sites the agent is assigned to (`agent_sites`).
    pub own: Vec<SiteId>,
    /// The permissions that apply on `own` only.
    pub own_only: Vec<Perm>,
}

impl Scopes {
    /// The sites `perm` applies on.
    pub fn of(&self, perm: Perm) -> SiteScope {
        if self.own_only.contains(&perm) {
            SiteScope::Only(self.own.clone())
        } else {
            SiteScope::All
        }
    }

    /// Whether `perm` applies on `site`.
    pub fn allows(&self, perm: Perm, site: SiteId) -> bool {
        !self.own_only.contains(&perm) || self.own.contains(&site)
    }
}

/// Where a request comes from, as the operation log records it.
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// The client address (empty when the transport does not say).
    pub ip: String,
    pub user_agent: String,
}

impl Client {
    fn from_headers(headers: &HeaderMap) -> Client {
        let user_agent = headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Client { ip: String::new(), user_agent: user_agent.chars().take(512).collect() }
    }
}

/// A caller of a public server function.
#[derive(Clone, Debug)]
pub struct Public {
    pub client: Client,
}

impl Public {
    /// The client address (empty when the transport does not say).
    pub fn ip(&self) -> &str {
        &self.client.ip
    }
}

/// The identity of a request or an agent socket.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub agent: AgentInfo,
    /// Where each of the agent's permissions applies; [`Ctx::sites`] asks for one.
    pub scopes: Scopes,
    /// Hash of the session token (how the session's sockets are found to close them).
    pub session: String,
    pub client: Client,
}

impl Ctx {
    /// The signed-in agent of this server-function request, if their role grants `perm`:
    /// `Unauthorized` without a live session, `Forbidden` without the permission.
    pub async fn require(perm: Perm) -> Result<Ctx, ApiError> {
        let ctx = Ctx::signed_in().await?;
        ctx.check(perm)?;
        Ok(ctx)
    }

    /// The signed-in agent, if their role grants any of `perms` (a list another page also needs,
    /// such as the roles an agents page picks from).
    pub async fn require_any(perms: &[Perm]) -> Result<Ctx, ApiError> {
        let ctx = Ctx::signed_in().await?;
        if perms.iter().any(|p| ctx.agent.can(*p)) {
            Ok(ctx)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The gate of a public server function (signing in): no session is needed, and all it knows
    /// of the caller is their address, which its rate limits key on.
    pub async fn public() -> Result<Public, ApiError> {
        Ok(Public { client: request_client().await? })
    }

    /// The signed-in agent of this server-function request, whatever their permissions.
    pub async fn signed_in() -> Result<Ctx, ApiError> {
        let state = AppState::from_context()?;
        let headers: HeaderMap = leptos_axum::extract().await.map_err(|_| ApiError::Internal)?;
        let mut ctx = Ctx::from_headers(&state.db, &headers).await?;
        ctx.client = request_client().await?;
        Ok(ctx)
    }

    /// The identity behind a request's session cookie (its client's address left empty: the
    /// caller knows the peer).
    pub async fn from_headers(db: &Db, headers: &HeaderMap) -> Result<Ctx, ApiError> {
        let token = session_token(headers).ok_or(ApiError::Unauthorized)?;
        let mut ctx = Ctx::from_session(db, &token).await?;
        ctx.client = Client::from_headers(headers);
        Ok(ctx)
    }

    /// The identity behind a live session token (the agent enabled, the session not expired).
    pub async fn from_session(db: &Db, token: &str) -> Result<Ctx, ApiError> {
        let session = token_hash(token);
        let row = sqlx::query(
            "SELECT a.id, a.tenant_id, t.account AS company, a.login, a.display_name, a.prefs, a.status, r.name AS role, \
             r.perms, r.own_site_perms FROM sessions s \
             JOIN agents a ON a.id = s.agent_id AND a.tenant_id = s.tenant_id \
             JOIN tenants t ON t.id = a.tenant_id \
             JOIN roles r ON r.id = a.role_id AND r.tenant_id = a.tenant_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.enabled = 1",
        )
        .bind(&session)
        .bind(now_ms())
        .fetch_optional(db.reader())
        .await
        .or_internal()?
        .ok_or(ApiError::Unauthorized)?;
        let perms: String = row.try_get("perms").or_internal()?;
        let agent = AgentInfo {
            id: AgentId(row.try_get("id").or_internal()?),
            tenant_id: TenantId(row.try_get("tenant_id").or_internal()?),
            company: row.try_get("company").or_internal()?,
            login: row.try_get("login").or_internal()?,
            display_name: row.try_get("display_name").or_internal()?,
            role: row.try_get("role").or_internal()?,
            perms: Perm::parse_list(&perms),
            prefs: serde_json::from_str(&row.try_get::<String, _>("prefs").or_internal()?).unwrap_or_default(),
            status: AgentStatus::parse(&row.try_get::<String, _>("status").or_internal()?).unwrap_or_default(),
        };
        let own_only = Perm::parse_list(&row.try_get::<String, _>("own_site_perms").or_internal()?);
        let own = if own_only.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT site_id FROM agent_sites WHERE agent_id = $1 AND tenant_id = $2")
                    .bind(agent.id.0)
                    .bind(agent.tenant_id.0)
                    .fetch_all(db.reader())
                    .await
                    .or_internal()?;
            ids.into_iter().map(SiteId).collect()
        };
        Ok(Ctx { agent, scopes: Scopes { own, own_only }, session, client: Client::default() })
    }

    /// Whether the role grants `perm` and it applies on `site` ([`Ctx::sites`] alone says where a
    /// permission would apply, not whether the role has it).
    pub fn may(&self, perm: Perm, site: SiteId) -> bool {
        self.agent.can(perm) && self.scopes.allows(perm, site)
    }

    /// The sites `perm` applies on for this agent.
    pub fn sites(&self, perm: Perm) -> SiteScope {
        self.scopes.of(perm)
    }

    /// `Forbidden` unless the agent's role grants `perm`.
    pub fn check(&self, perm: Perm) -> Result<(), ApiError> {
        if self.agent.can(perm) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn tenant(&self) -> TenantId {
        self.agent.tenant_id
    }
}

/// The address (behind trusted proxies) and user agent of this server-function request.
async fn request_client() -> Result<Client, ApiError> {
    let state = AppState::from_context()?;
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await;
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|_| ApiError::Internal)?;
    let mut client = Client::from_headers(&headers);
    if let Ok(peer) = peer {
        client.ip = super::net::client_ip(peer.0.ip(), &headers, &state.settings.trusted_proxies).to_string();
    }
    Ok(client)
}

/// The session token from a request's `Cookie` headers.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_token_is_read_from_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, "a=1; kefu_session=abc123; b=2".parse().unwrap());
        assert_eq!(session_token(&headers).as_deref(), Some("abc123"));
    }

    #[test]
    fn a_role_limits_some_permissions_to_own_sites_and_not_others() {
        let scopes = Scopes { own: vec![SiteId(1)], own_only: vec![Perm::ChatServe] };
        assert!(scopes.allows(Perm::ChatServe, SiteId(1)));
        assert!(!scopes.allows(Perm::ChatServe, SiteId(2)));
        assert!(scopes.allows(Perm::VisitorsView, SiteId(2)), "visitors on every site");
        assert_eq!(scopes.of(Perm::VisitorsView), SiteScope::All);
        assert_eq!(scopes.of(Perm::ChatServe), SiteScope::Only(vec![SiteId(1)]));
    }

    #[test]
    fn site_scope_limits_to_own_sites() {
        assert!(SiteScope::All.allows(SiteId(9)));
        let own = SiteScope::Only(vec![SiteId(1), SiteId(2)]);
        assert!(own.allows(SiteId(2)));
        assert!(!own.allows(SiteId(3)));
    }
}
