//! Queries. Every function that reads or changes tenant data takes the tenant id as a parameter that
//! the caller got from an authenticated identity (agent session, or site key for visitors).

use kefu_protocol::{
    AgentId, AgentInfo, ApiError, ChatMessage, ConversationId, ConversationStatus, ConversationSummary, SenderKind,
    ServerFrame, SiteId, TenantId, VisitorId, SYNC_PAGE,
};
use sqlx::Row as _;

use super::arrivals::Arrivals;
use super::bookkeeping::{Bookkeeper, Note};
use super::db::{Db, Row};
use super::{now_ms, random_token, token_hash, OrInternal};

/// A new visit starts when a visitor comes back after this long.
const VISIT_GAP_MS: i64 = 30 * 60 * 1000;

#[derive(Clone, Debug)]
pub struct Site {
    pub id: SiteId,
    pub tenant_id: TenantId,
    pub name: String,
    pub key: String,
    /// Hosts (with optional port, `*.` wildcard allowed) whose pages may embed the widget.
    pub allowed_domains: Vec<String>,
}

impl Site {
    /// Whether a browser `Origin` header value may open the visitor socket for this site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let Some(host) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
            return false;
        };
        let host = host.trim_end_matches('/').to_ascii_lowercase();
        let bare = host.split(':').next().unwrap_or_default();
        self.allowed_domains.iter().any(|d| {
            let d = d.trim().to_ascii_lowercase();
            if let Some(suffix) = d.strip_prefix("*.") {
                bare.ends_with(&format!(".{suffix}")) || bare == suffix
            } else if d.contains(':') {
                host == d
            } else {
                bare == d
            }
        })
    }
}

fn site_from_row(r: &Row) -> Result<Site, sqlx::Error> {
    let domains: String = r.try_get("allowed_domains")?;
    Ok(Site {
        id: SiteId(r.try_get("id")?),
        tenant_id: TenantId(r.try_get("tenant_id")?),
        name: r.try_get("name")?,
        key: r.try_get("site_key")?,
        allowed_domains: domains.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
    })
}

/// Looks a site up by its public key: this is how a visitor's tenant is found.
pub async fn site_by_key(db: &Db, key: &str) -> Result<Option<Site>, ApiError> {
    let row = sqlx::query("SELECT id, tenant_id, name, site_key, allowed_domains FROM sites WHERE site_key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await
        .or_internal()?;
    row.as_ref().map(site_from_row).transpose().or_internal()
}

/// Sites by key, kept for a short while: every visitor (re)connect names its site, and a reconnect
/// storm would otherwise read the same row thousands of times. A change to a site reaches every node
/// within [`SiteCache::TTL`]; the node that makes it calls [`SiteCache::forget`].
#[derive(Default)]
pub struct SiteCache {
    sites: std::sync::Mutex<std::collections::HashMap<String, (std::sync::Arc<Site>, std::time::Instant)>>,
}

impl SiteCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);
    /// Keys kept at most (a flood of unknown keys is never kept).
    const MAX: usize = 10_000;

    pub async fn site(&self, db: &Db, key: &str) -> Result<Option<std::sync::Arc<Site>>, ApiError> {
        let lock = || self.sites.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((site, at)) = lock().get(key) {
            if at.elapsed() < Self::TTL {
                return Ok(Some(site.clone()));
            }
        }
        let Some(site) = site_by_key(db, key).await? else { return Ok(None) };
        let site = std::sync::Arc::new(site);
        let mut sites = lock();
        if sites.len() >= Self::MAX {
            sites.clear();
        }
        sites.insert(key.to_owned(), (site.clone(), std::time::Instant::now()));
        Ok(Some(site))
    }

    pub fn forget(&self, key: &str) {
        self.sites.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

pub async fn sites_of_tenant(db: &Db, tenant: TenantId) -> Result<Vec<Site>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, tenant_id, name, site_key, allowed_domains FROM sites WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&db.pool)
    .await
    .or_internal()?;
    rows.iter().map(site_from_row).collect::<Result<_, _>>().or_internal()
}

/// The first site of the first tenant: what the demo customer page embeds.
pub async fn first_site(db: &Db) -> Result<Option<Site>, ApiError> {
    let row = sqlx::query("SELECT id, tenant_id, name, site_key, allowed_domains FROM sites ORDER BY id LIMIT 1")
        .fetch_optional(&db.pool)
        .await
        .or_internal()?;
    row.as_ref().map(site_from_row).transpose().or_internal()
}

pub async fn create_site(db: &Db, tenant: TenantId, name: &str, domains: &[String]) -> Result<Site, ApiError> {
    let key = format!("site_{}", &random_token()[..24]);
    let joined = domains.join(",");
    let _gate = db.write_gate().await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sites (tenant_id, name, site_key, allowed_domains, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(&key)
    .bind(&joined)
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await
    .or_internal()?;
    Ok(Site { id: SiteId(id), tenant_id: tenant, name: name.into(), key, allowed_domains: domains.to_vec() })
}

pub async fn create_tenant_row(db: &Db, name: &str) -> Result<TenantId, ApiError> {
    let _gate = db.write_gate().await;
    let id: i64 = sqlx::query_scalar("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now_ms())
        .fetch_one(&db.pool)
        .await
        .or_internal()?;
    Ok(TenantId(id))
}

pub async fn tenant_count(db: &Db) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(&db.pool).await.or_internal()
}

fn agent_from_row(r: &Row) -> Result<AgentInfo, sqlx::Error> {
    Ok(AgentInfo {
        id: AgentId(r.try_get("id")?),
        tenant_id: TenantId(r.try_get("tenant_id")?),
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        role: r.try_get("role")?,
    })
}

/// An enabled agent and its password hash, by login.
pub async fn agent_for_login(db: &Db, login: &str) -> Result<Option<(AgentInfo, String)>, ApiError> {
    let row = sqlx::query(
        "SELECT id, tenant_id, login, display_name, role, password_hash FROM agents WHERE login = $1 AND enabled = 1",
    )
    .bind(login)
    .fetch_optional(&db.pool)
    .await
    .or_internal()?;
    match row {
        Some(r) => Ok(Some((agent_from_row(&r).or_internal()?, r.try_get("password_hash").or_internal()?))),
        None => Ok(None),
    }
}

pub async fn insert_agent(
    db: &Db,
    tenant: TenantId,
    login: &str,
    password_hash: &str,
    display_name: &str,
    role: &str,
) -> Result<AgentId, ApiError> {
    let _gate = db.write_gate().await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO agents (tenant_id, login, password_hash, display_name, role, enabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(login)
    .bind(password_hash)
    .bind(display_name)
    .bind(role)
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await
    .or_internal()?;
    Ok(AgentId(id))
}

/// Stores a new session, and removes every expired one: rows are bounded by the sign-ins of one
/// session lifetime, with no sweeper task to run.
pub async fn insert_session(db: &Db, agent: &AgentInfo, token: &str, ttl_ms: i64) -> Result<(), ApiError> {
    let now = now_ms();
    let _gate = db.write_gate().await;
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&db.pool).await.or_internal()?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, agent_id, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(token))
    .bind(agent.id.0)
    .bind(agent.tenant_id.0)
    .bind(now)
    .bind(now + ttl_ms)
    .execute(&db.pool)
    .await
    .or_internal()?;
    Ok(())
}

/// The enabled agent behind a live session token.
pub async fn session_agent(db: &Db, token: &str) -> Result<Option<AgentInfo>, ApiError> {
    let row = sqlx::query(
        "SELECT a.id, a.tenant_id, a.login, a.display_name, a.role FROM sessions s \
         JOIN agents a ON a.id = s.agent_id AND a.tenant_id = s.tenant_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.enabled = 1",
    )
    .bind(token_hash(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await
    .or_internal()?;
    row.as_ref().map(agent_from_row).transpose().or_internal()
}

pub async fn delete_session(db: &Db, token: &str) -> Result<(), ApiError> {
    let _gate = db.write_gate().await;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await
        .or_internal()?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct Visitor {
    pub id: VisitorId,
    pub name: Option<String>,
    pub first_seen: i64,
    pub visits: i64,
    /// Their newest conversation, read with them (a reconnect costs one query).
    pub latest: Option<Latest>,
}

/// A visitor's newest conversation, as far as their socket needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latest {
    pub id: ConversationId,
    pub last_seq: i64,
    pub open: bool,
}

/// Recognises a returning visitor of `site` by token, or creates a new one. Returns the visitor and
/// the token the widget should keep (a new one when the old one was unknown). A returning visitor
/// costs a share of one batched read, a new one a share of one batched insert; last-seen and visit
/// counts go to the bookkeeping batch.
pub async fn visitor_arrive(
    book: &Bookkeeper,
    arrivals: &Arrivals,
    site: &Site,
    token: Option<&str>,
) -> Result<(Visitor, String), ApiError> {
    let now = now_ms();
    if let Some(token) = token {
        if let Some(known) = arrivals.find(site.tenant_id, site.id, token_hash(token)).await? {
            let new_visit = known.last_seen < now - VISIT_GAP_MS;
            let mut visitor = known.visitor;
            visitor.visits += i64::from(new_visit);
            book.note(Note::Seen { tenant: site.tenant_id, visitor: visitor.id, at: now, new_visit });
            return Ok((visitor, token.to_owned()));
        }
    }
    let token = random_token();
    let id = arrivals.register(site.tenant_id, site.id, token_hash(&token), now).await?;
    Ok((Visitor { id, name: None, first_seen: now, visits: 1, latest: None }, token))
}

const CONVERSATION_COLUMNS: &str = "c.id, c.site_id, c.visitor_id, v.name AS visitor_name, c.agent_id, c.status, \
     c.last_seq, c.agent_read_seq, c.started_at, c.last_message_at";

fn conversation_from_row(r: &Row) -> Result<ConversationSummary, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(ConversationSummary {
        id: ConversationId(r.try_get("id")?),
        site_id: SiteId(r.try_get("site_id")?),
        visitor_id: VisitorId(r.try_get("visitor_id")?),
        visitor_name: r.try_get("visitor_name")?,
        agent_id: r.try_get::<Option<i64>, _>("agent_id")?.map(AgentId),
        status: if status == "open" { ConversationStatus::Open } else { ConversationStatus::Closed },
        last_seq: r.try_get("last_seq")?,
        agent_read_seq: r.try_get("agent_read_seq")?,
        started_at: r.try_get("started_at")?,
        last_message_at: r.try_get("last_message_at")?,
    })
}

pub async fn conversation(db: &Db, tenant: TenantId, id: ConversationId) -> Result<ConversationSummary, ApiError> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         WHERE c.id = $1 AND c.tenant_id = $2"
    );
    let row = sqlx::query(&sql).bind(id.0).bind(tenant.0).fetch_optional(&db.pool).await.or_internal()?;
    row.as_ref().map(conversation_from_row).transpose().or_internal()?.ok_or(ApiError::NotFound)
}

/// Open conversations of a tenant, newest activity first.
pub async fn open_conversations(db: &Db, tenant: TenantId) -> Result<Vec<ConversationSummary>, ApiError> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         WHERE c.tenant_id = $1 AND c.status = 'open' ORDER BY c.last_message_at DESC LIMIT 500"
    );
    let rows = sqlx::query(&sql).bind(tenant.0).fetch_all(&db.pool).await.or_internal()?;
    rows.iter().map(conversation_from_row).collect::<Result<_, _>>().or_internal()
}

/// The visitor's open conversation, opened now if there is none. `true` when it was just opened.
pub async fn open_conversation_for(
    db: &Db,
    site: &Site,
    visitor: VisitorId,
) -> Result<(ConversationSummary, bool), ApiError> {
    let now = now_ms();
    // The partial unique index allows one open conversation per visitor, so two tabs racing here
    // end up in the same conversation.
    let gate = db.write_gate().await;
    let inserted = sqlx::query(
        "INSERT INTO conversations (tenant_id, site_id, visitor_id, agent_id, status, last_seq, agent_read_seq, started_at, last_message_at) \
         VALUES ($1, $2, $3, NULL, 'open', 0, 0, $4, $4) ON CONFLICT DO NOTHING",
    )
    .bind(site.tenant_id.0)
    .bind(site.id.0)
    .bind(visitor.0)
    .bind(now)
    .execute(&db.pool)
    .await
    .or_internal()?
    .rows_affected()
        == 1;
    drop(gate);
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         WHERE c.visitor_id = $1 AND c.tenant_id = $2 AND c.status = 'open'"
    );
    let row = sqlx::query(&sql).bind(visitor.0).bind(site.tenant_id.0).fetch_one(&db.pool).await.or_internal()?;
    Ok((conversation_from_row(&row).or_internal()?, inserted))
}

/// Records that agents have read up to `seq` (never moves backwards, never past the last message).
pub async fn mark_read(db: &Db, tenant: TenantId, id: ConversationId, seq: i64) -> Result<(), ApiError> {
    let _gate = db.write_gate().await;
    let done = sqlx::query(
        "UPDATE conversations SET agent_read_seq = CASE WHEN $1 > agent_read_seq AND $1 <= last_seq THEN $1 \
         ELSE agent_read_seq END WHERE id = $2 AND tenant_id = $3",
    )
    .bind(seq)
    .bind(id.0)
    .bind(tenant.0)
    .execute(&db.pool)
    .await
    .or_internal()?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

pub(crate) fn message_from_row(r: &Row) -> Result<ChatMessage, sqlx::Error> {
    let sender: String = r.try_get("sender_kind")?;
    Ok(ChatMessage {
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        seq: r.try_get("seq")?,
        sender: SenderKind::parse(&sender).unwrap_or(SenderKind::Visitor),
        sender_name: r.try_get("sender_name")?,
        client_msg_id: r.try_get("client_msg_id")?,
        body: r.try_get("body")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// Messages after `after_seq`, in order, at most `limit`. With `visitor`, only that visitor's conversation.
pub async fn messages_after(
    db: &Db,
    tenant: TenantId,
    visitor: Option<VisitorId>,
    id: ConversationId,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<ChatMessage>, ApiError> {
    let owner = sqlx::query_scalar::<_, i64>("SELECT visitor_id FROM conversations WHERE id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(&db.pool)
        .await
        .or_internal()?;
    match (owner, visitor) {
        (None, _) => return Err(ApiError::NotFound),
        (Some(owner), Some(v)) if owner != v.0 => return Err(ApiError::NotFound),
        _ => {}
    }
    let rows = sqlx::query(
        "SELECT conversation_id, seq, sender_kind, sender_name, client_msg_id, body, sent_at FROM messages \
         WHERE conversation_id = $1 AND tenant_id = $2 AND seq > $3 ORDER BY seq LIMIT $4",
    )
    .bind(id.0)
    .bind(tenant.0)
    .bind(after_seq)
    .bind(limit as i64)
    .fetch_all(&db.pool)
    .await
    .or_internal()?;
    rows.iter().map(message_from_row).collect::<Result<_, _>>().or_internal()
}

/// The answer to a client's `Sync`: up to [`SYNC_PAGE`] messages after `after_seq`, and whether there
/// are more. With `visitor`, only that visitor's own conversation.
pub async fn sync_page(
    db: &Db,
    tenant: TenantId,
    visitor: Option<VisitorId>,
    id: ConversationId,
    after_seq: i64,
) -> Result<ServerFrame, ApiError> {
    let mut messages = messages_after(db, tenant, visitor, id, after_seq, SYNC_PAGE + 1).await?;
    let more = messages.len() > SYNC_PAGE;
    messages.truncate(SYNC_PAGE);
    Ok(ServerFrame::Messages { conversation_id: id, messages, more })
}
