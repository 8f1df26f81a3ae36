//! The router's SQL. Every statement names the tenant. The pass's reads and writes run on one
//! [`Writer`] inside its transaction.

use std::collections::HashMap;

use kefu_protocol::{
    AgentId, AgentPrefs, AgentStatus, ApiError, ConversationId, ErrorCode, Perm, RatingLevel, SiteId, TenantId,
    TransferRequest, VisitorId,
};
use sqlx::{AnyConnection, Row as _};

use super::{Candidate, CategoryRoute, RouteMode, RoutingSettings};
use crate::infra::db::{Db, DbKind, Markers, Writer};
use crate::infra::events::{self, Event, EventKind};
use crate::infra::OrInternal;

/// A site's routing rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteRules {
    pub mode: RouteMode,
    pub queue_limit: i64,
    pub prefer_previous: bool,
    pub switchboard: Option<AgentId>,
    /// Approval mode: how long an agent has to answer an offer (ms); `None`: chats are given.
    pub approval_ms: Option<i64>,
    /// A visitor goes first to the agents who serve their region.
    pub region_routing: bool,
}

/// The rules of the company's sites, and each category's own mode (if it has one).
pub async fn rules(
    w: &mut AnyConnection,
    tenant: TenantId,
) -> Result<(HashMap<SiteId, SiteRules>, HashMap<i64, CategoryRules>), ApiError> {
    let rows = sqlx::query(
        "SELECT id, route_mode, queue_limit, prefer_previous, switchboard_id, approval, approval_secs, region_routing \
         FROM sites WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_all(&mut *w)
    .await
    .or_internal()?;
    let mut sites = HashMap::new();
    for r in rows {
        let mode: String = r.try_get("route_mode").or_internal()?;
        sites.insert(
            SiteId(r.try_get("id").or_internal()?),
            SiteRules {
                mode: RouteMode::parse(&mode).unwrap_or_default(),
                queue_limit: r.try_get("queue_limit").or_internal()?,
                prefer_previous: r.try_get::<i64, _>("prefer_previous").or_internal()? != 0,
                switchboard: r.try_get::<Option<i64>, _>("switchboard_id").or_internal()?.map(AgentId),
                approval_ms: (r.try_get::<i64, _>("approval").or_internal()? != 0)
                    .then(|| r.try_get::<i64, _>("approval_secs").map(|s| s * 1000))
                    .transpose()
                    .or_internal()?,
                region_routing: r.try_get::<i64, _>("region_routing").or_internal()? != 0,
            },
        );
    }
    let rows = sqlx::query(
        "SELECT id, route_mode, switchboard_id FROM categories WHERE tenant_id = $1 \
         AND (route_mode IS NOT NULL OR switchboard_id IS NOT NULL)",
    )
    .bind(tenant.0)
    .fetch_all(&mut *w)
    .await
    .or_internal()?;
    let mut categories = HashMap::new();
    for r in rows {
        let mode: Option<String> = r.try_get("route_mode").or_internal()?;
        let switchboard = r.try_get::<Option<i64>, _>("switchboard_id").or_internal()?.map(AgentId);
        let rules = CategoryRules { mode: mode.as_deref().and_then(RouteMode::parse), switchboard };
        categories.insert(r.try_get("id").or_internal()?, rules);
    }
    Ok((sites, categories))
}

/// A category's own routing: its mode (`None`: the site's) and its switchboard agent, who gets its
/// new chats first (seed 000 16.4.5) when they can take one, and hands them on by transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CategoryRules {
    pub mode: Option<RouteMode>,
    pub switchboard: Option<AgentId>,
}

/// The agents among `ids` who may serve chats (enabled, not deleted, seat on, the role answers
/// chats), with their open chats now. On PostgreSQL their rows stay locked until the transaction
/// ends: a second pass (on another node) waits here and then counts what this one assigned.
pub async fn candidates(
    conn: &mut AnyConnection,
    kind: DbKind,
    tenant: TenantId,
    ids: &[AgentId],
    lock: bool,
) -> Result<Vec<Candidate>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = ids.iter().map(|a| a.0).collect();
    ids.sort_unstable();
    let mut markers = Markers::new(kind);
    let t = markers.one();
    let list = markers.list(ids.len());
    if lock && kind == DbKind::Postgres {
        // In id order, so two passes never wait on each other crosswise. NO KEY UPDATE: passes and
        // takes exclude each other, while a message writer setting `conversations.agent_id` (whose
        // foreign-key check takes KEY SHARE on the agent's row) is not held up, and cannot deadlock
        // with a pass that waits for one of its conversations.
        let lock =
            format!("SELECT id FROM agents WHERE tenant_id = {t} AND id IN ({list}) ORDER BY id FOR NO KEY UPDATE");
        let mut query = sqlx::query(&lock).persistent(false).bind(tenant.0);
        for id in &ids {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *conn).await.or_internal()?;
    }
    // The offer count's time comes first in the text, so first in the markers (SQLite's are positional).
    let mut markers = Markers::new(kind);
    let now = markers.one();
    let t = markers.one();
    let list = markers.list(ids.len());
    let sql = format!(
        "SELECT a.id, a.display_name, a.status, a.max_chats, a.prefs, a.last_assigned_at, r.perms, r.own_site_perms, \
         (SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = a.tenant_id AND c.agent_id = a.id AND c.status = 'open') \
         + (SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = a.tenant_id AND c.offered_to = a.id \
            AND c.agent_id IS NULL AND c.status = 'open' AND c.offered_until > {now}) AS open \
         FROM agents a JOIN roles r ON r.id = a.role_id AND r.tenant_id = a.tenant_id \
         WHERE a.tenant_id = {t} AND a.id IN ({list}) AND a.enabled = 1 AND a.deleted_at IS NULL AND a.seat_enabled = 1"
    );
    let mut query = sqlx::query(&sql).persistent(false).bind(crate::infra::now_ms()).bind(tenant.0);
    for id in &ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&mut *conn).await.or_internal()?;
    let mut agents = Vec::with_capacity(rows.len());
    let mut own_sites = Vec::new();
    for r in rows {
        if !Perm::parse_list(&r.try_get::<String, _>("perms").or_internal()?).contains(&Perm::ChatServe) {
            continue;
        }
        let own_only =
            Perm::parse_list(&r.try_get::<String, _>("own_site_perms").or_internal()?).contains(&Perm::ChatServe);
        let prefs: AgentPrefs =
            serde_json::from_str(&r.try_get::<String, _>("prefs").or_internal()?).unwrap_or_default();
        let admin_max: i64 = r.try_get("max_chats").or_internal()?;
        let id = AgentId(r.try_get("id").or_internal()?);
        if own_only {
            own_sites.push(id.0);
        }
        agents.push(Candidate {
            id,
            name: r.try_get("display_name").or_internal()?,
            chosen: AgentStatus::parse(&r.try_get::<String, _>("status").or_internal()?).unwrap_or_default(),
            max_chats: prefs.max_chats.map_or(admin_max, |own| own.min(admin_max)),
            open: r.try_get("open").or_internal()?,
            last_assigned_at: r.try_get("last_assigned_at").or_internal()?,
            sites: own_only.then(Vec::new),
            categories: Vec::new(),
            welcome: prefs.welcome.clone(),
            regions: Vec::new(),
        });
    }
    let mut markers = Markers::new(kind);
    let t = markers.one();
    let list = markers.list(ids.len());
    let sql =
        format!("SELECT category_id, agent_id FROM category_agents WHERE tenant_id = {t} AND agent_id IN ({list})");
    let mut query = sqlx::query(&sql).persistent(false).bind(tenant.0);
    for id in &ids {
        query = query.bind(*id);
    }
    for r in query.fetch_all(&mut *conn).await.or_internal()? {
        let agent: i64 = r.try_get("agent_id").or_internal()?;
        if let Some(a) = agents.iter_mut().find(|a| a.id.0 == agent) {
            a.categories.push(r.try_get("category_id").or_internal()?);
        }
    }
    let mut markers = Markers::new(kind);
    let t = markers.one();
    let list = markers.list(ids.len());
    let sql = format!("SELECT agent_id, region FROM agent_regions WHERE tenant_id = {t} AND agent_id IN ({list})");
    let mut query = sqlx::query(&sql).persistent(false).bind(tenant.0);
    for id in &ids {
        query = query.bind(*id);
    }
    for r in query.fetch_all(&mut *conn).await.or_internal()? {
        let agent: i64 = r.try_get("agent_id").or_internal()?;
        if let Some(a) = agents.iter_mut().find(|a| a.id.0 == agent) {
            a.regions.push(r.try_get("region").or_internal()?);
        }
    }
    if !own_sites.is_empty() {
        let mut markers = Markers::new(kind);
        let t = markers.one();
        let list = markers.list(own_sites.len());
        let sql = format!("SELECT site_id, agent_id FROM agent_sites WHERE tenant_id = {t} AND agent_id IN ({list})");
        let mut query = sqlx::query(&sql).persistent(false).bind(tenant.0);
        for id in &own_sites {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await.or_internal()? {
            let agent: i64 = r.try_get("agent_id").or_internal()?;
            if let Some(sites) = agents.iter_mut().find(|a| a.id.0 == agent).and_then(|a| a.sites.as_mut()) {
                sites.push(SiteId(r.try_get("site_id").or_internal()?));
            }
        }
    }
    Ok(agents)
}

/// A conversation in the queue.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub id: ConversationId,
    pub site: SiteId,
    pub category: Option<i64>,
    pub visitor: VisitorId,
    pub started_at: i64,
    /// The agent of the visitor's previous conversation, if any.
    pub previous: Option<AgentId>,
    /// The agent it is offered to (approval mode), until when (Unix ms).
    pub offered: Option<(AgentId, i64)>,
    /// Agents who declined it (or let the offer lapse).
    pub declined: Vec<AgentId>,
    /// Where the visitor asked from (a country or province code), when known.
    pub region: Option<String>,
}

/// The queue, oldest first, at most `limit`.
pub async fn queue(w: &mut AnyConnection, tenant: TenantId, limit: i64) -> Result<Vec<Waiting>, ApiError> {
    // The previous agent is looked up only on sites that prefer them.
    let rows = sqlx::query(
        "SELECT c.id, c.site_id, c.category_id, c.visitor_id, c.started_at, c.offered_to, c.offered_until, \
         CASE WHEN s.prefer_previous = 1 THEN (SELECT p.agent_id FROM conversations p WHERE p.visitor_id = c.visitor_id \
          AND p.id < c.id AND p.agent_id IS NOT NULL ORDER BY p.id DESC LIMIT 1) END AS previous, c.region \
         FROM conversations c JOIN sites s ON s.id = c.site_id \
         WHERE c.tenant_id = $1 AND c.status = 'open' AND c.agent_id IS NULL \
         ORDER BY c.id LIMIT $2",
    )
    .bind(tenant.0)
    .bind(limit)
    .fetch_all(&mut *w)
    .await
    .or_internal()?;
    let mut declined: HashMap<ConversationId, Vec<AgentId>> = HashMap::new();
    let rows_declined = sqlx::query(
        "SELECT d.conversation_id, d.agent_id FROM route_declines d JOIN conversations c ON c.id = d.conversation_id \
         WHERE d.tenant_id = $1 AND c.status = 'open' AND c.agent_id IS NULL",
    )
    .bind(tenant.0)
    .fetch_all(&mut *w)
    .await
    .or_internal()?;
    for r in rows_declined {
        let id = ConversationId(r.try_get("conversation_id").or_internal()?);
        declined.entry(id).or_default().push(AgentId(r.try_get("agent_id").or_internal()?));
    }
    rows.iter()
        .map(|r| {
            Ok(Waiting {
                id: ConversationId(r.try_get("id")?),
                site: SiteId(r.try_get("site_id")?),
                category: r.try_get("category_id")?,
                visitor: VisitorId(r.try_get("visitor_id")?),
                started_at: r.try_get("started_at")?,
                previous: r.try_get::<Option<i64>, _>("previous")?.map(AgentId),
                offered: match (
                    r.try_get::<Option<i64>, _>("offered_to")?,
                    r.try_get::<Option<i64>, _>("offered_until")?,
                ) {
                    (Some(agent), Some(until)) => Some((AgentId(agent), until)),
                    _ => None,
                },
                declined: Vec::new(),
                region: r.try_get("region")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .or_internal()
        .map(|mut waiting| {
            waiting.iter_mut().for_each(|w| w.declined = declined.remove(&w.id).unwrap_or_default());
            waiting
        })
}

/// Gives a conversation to an agent if it is still open and still has nobody. `false` otherwise.
pub async fn assign(
    w: &mut Writer,
    tenant: TenantId,
    id: ConversationId,
    agent: AgentId,
    now: i64,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE conversations SET agent_id = $1, assigned_at = $2 \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open' AND agent_id IS NULL",
    )
    .bind(agent.0)
    .bind(now)
    .bind(id.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    if done.rows_affected() == 1 {
        given(w, tenant, id, agent, now).await?;
    }
    Ok(done.rows_affected() == 1)
}

/// What a conversation given to an agent changes besides its row: the agent's `last_assigned_at`
/// (round robin reads it) and the conversation's `assigned` event.
async fn given(w: &mut Writer, tenant: TenantId, id: ConversationId, agent: AgentId, now: i64) -> Result<(), ApiError> {
    stamp(w, tenant, agent, now).await?;
    events::record(w, &Event::new(tenant, id, EventKind::Assigned, Some(agent), now)).await
}

/// Puts an agent's open conversations back in the queue (the agent went offline). Returns them.
pub async fn requeue(w: &mut Writer, tenant: TenantId, agent: AgentId) -> Result<Vec<ConversationId>, ApiError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE conversations SET agent_id = NULL, assigned_at = NULL \
         WHERE tenant_id = $1 AND agent_id = $2 AND status = 'open' RETURNING id",
    )
    .bind(tenant.0)
    .bind(agent.0)
    .fetch_all(&mut **w)
    .await
    .or_internal()?;
    let now = crate::infra::now_ms();
    let ids: Vec<ConversationId> = ids.into_iter().map(ConversationId).collect();
    let requeued: Vec<Event> =
        ids.iter().map(|&id| Event::new(tenant, id, EventKind::Requeued, Some(agent), now)).collect();
    events::record_many(w, &requeued).await?;
    Ok(ids)
}

pub async fn set_status(db: &Db, tenant: TenantId, agent: AgentId, status: AgentStatus) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE agents SET status = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(status.as_str())
        .bind(agent.0)
        .bind(tenant.0)
        .execute(&mut *w)
        .await
        .or_internal()?;
    Ok(())
}

/// One agent's load, for the status colleagues see.
#[derive(Clone, Debug)]
pub struct Load {
    pub id: AgentId,
    pub name: String,
    pub chosen: AgentStatus,
    pub open: i64,
    pub max_chats: i64,
    /// The sites the agent serves (`None`: all); empty when the role does not answer chats or the
    /// seat is off.
    pub sites: Option<Vec<SiteId>>,
}

/// The load of every agent of the company who may serve chats (read outside any pass).
pub async fn loads(db: &Db, tenant: TenantId) -> Result<Vec<Load>, ApiError> {
    let mut conn = db.reader().acquire().await.or_internal()?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE tenant_id = $1 AND deleted_at IS NULL")
        .bind(tenant.0)
        .fetch_all(&mut *conn)
        .await
        .or_internal()?;
    let ids: Vec<AgentId> = ids.into_iter().map(AgentId).collect();
    let agents = candidates(&mut conn, db.kind, tenant, &ids, false).await?;
    Ok(agents
        .into_iter()
        .map(|a| Load {
            id: a.id,
            name: a.name,
            chosen: a.chosen,
            open: a.open,
            max_chats: a.max_chats,
            sites: a.sites,
        })
        .collect())
}

/// The average time agents held the site's last 50 closed conversations, in ms.
pub async fn average_handle_ms(db: &Db, tenant: TenantId, site: SiteId) -> Result<Option<i64>, ApiError> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT closed_at - assigned_at FROM conversations WHERE tenant_id = $1 AND site_id = $2 \
         AND status = 'closed' AND assigned_at IS NOT NULL AND closed_at IS NOT NULL ORDER BY id DESC LIMIT 50",
    )
    .bind(tenant.0)
    .bind(site.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    Ok((!rows.is_empty()).then(|| rows.iter().sum::<i64>() / rows.len() as i64))
}

/// Conversations waiting on the site.
pub async fn queued_on(db: &Db, tenant: TenantId, site: SiteId) -> Result<i64, ApiError> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations WHERE tenant_id = $1 AND site_id = $2 AND status = 'open' AND agent_id IS NULL",
    )
    .bind(tenant.0)
    .bind(site.0)
    .fetch_one(db.reader())
    .await
    .or_internal()
}

/// The site's queue limit.
pub async fn queue_limit(db: &Db, tenant: TenantId, site: SiteId) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT queue_limit FROM sites WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(site.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()
        .map(|limit| limit.unwrap_or(0))
}

/// The company's sites that serve visitors.
pub async fn site_ids(db: &Db, tenant: TenantId) -> Result<Vec<SiteId>, ApiError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM sites WHERE tenant_id = $1 AND deleted_at IS NULL")
        .bind(tenant.0)
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    Ok(ids.into_iter().map(SiteId).collect())
}

/// The site and visitor of a conversation still waiting in the queue.
pub async fn queued(
    w: &mut Writer,
    tenant: TenantId,
    id: ConversationId,
) -> Result<Option<(SiteId, VisitorId)>, ApiError> {
    let row = sqlx::query(
        "SELECT site_id, visitor_id FROM conversations          WHERE id = $1 AND tenant_id = $2 AND status = 'open' AND agent_id IS NULL",
    )
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    row.map(|r| Ok((SiteId(r.try_get("site_id")?), VisitorId(r.try_get("visitor_id")?)))).transpose().or_internal()
}

/// A conversation as a transfer needs it.
pub struct Brief {
    pub site: SiteId,
    pub visitor: VisitorId,
    pub visitor_name: Option<String>,
    pub agent: Option<AgentId>,
    pub open: bool,
}

pub async fn brief(w: &mut Writer, tenant: TenantId, id: ConversationId) -> Result<Option<Brief>, ApiError> {
    let row = sqlx::query(
        "SELECT c.site_id, c.visitor_id, v.name, c.agent_id, c.status FROM conversations c \
         JOIN visitors v ON v.id = c.visitor_id WHERE c.id = $1 AND c.tenant_id = $2",
    )
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    row.map(|r| {
        Ok(Brief {
            site: SiteId(r.try_get("site_id")?),
            visitor: VisitorId(r.try_get("visitor_id")?),
            visitor_name: r.try_get("name")?,
            agent: r.try_get::<Option<i64>, _>("agent_id")?.map(AgentId),
            open: r.try_get::<String, _>("status")? == "open",
        })
    })
    .transpose()
    .or_internal()
}

/// Records a transfer offer (voiding any earlier one of the conversation still pending); its id.
pub async fn offer(
    w: &mut Writer,
    tenant: TenantId,
    conversation: ConversationId,
    from: AgentId,
    to: AgentId,
    note: &str,
    now: i64,
) -> Result<i64, ApiError> {
    sqlx::query(
        "UPDATE transfers SET status = 'void', decided_at = $1 WHERE tenant_id = $2 AND conversation_id = $3 AND status = 'pending'",
    )
    .bind(now)
    .bind(tenant.0)
    .bind(conversation.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    sqlx::query_scalar(
        "INSERT INTO transfers (tenant_id, conversation_id, from_agent_id, to_agent_id, note, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(conversation.0)
    .bind(from.0)
    .bind(to.0)
    .bind(note)
    .bind(now)
    .fetch_one(&mut **w)
    .await
    .or_internal()
}

/// A pending transfer offered to `to`: its conversation and who offered it.
pub async fn pending(
    w: &mut Writer,
    tenant: TenantId,
    id: i64,
    to: AgentId,
) -> Result<Option<(ConversationId, AgentId)>, ApiError> {
    let row = sqlx::query(
        "SELECT conversation_id, from_agent_id FROM transfers \
         WHERE id = $1 AND tenant_id = $2 AND to_agent_id = $3 AND status = 'pending'",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(to.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    row.map(|r| Ok((ConversationId(r.try_get("conversation_id")?), AgentId(r.try_get("from_agent_id")?))))
        .transpose()
        .or_internal()
}

pub async fn decide(w: &mut Writer, tenant: TenantId, id: i64, status: &str, now: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE transfers SET status = $1, decided_at = $2 WHERE id = $3 AND tenant_id = $4")
        .bind(status)
        .bind(now)
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// Hands an open conversation from `from` to `to`, with its event; `false` when `from` no longer
/// has it.
pub async fn hand_over(
    w: &mut Writer,
    tenant: TenantId,
    conversation: ConversationId,
    from: AgentId,
    to: AgentId,
    now: i64,
    how: Handover,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE conversations SET agent_id = $1 WHERE id = $2 AND tenant_id = $3 AND agent_id = $4 AND status = 'open'",
    )
    .bind(to.0)
    .bind(conversation.0)
    .bind(tenant.0)
    .bind(from.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    if done.rows_affected() == 1 {
        let event = match how {
            Handover::Transfer => {
                Event { other: Some(to), ..Event::new(tenant, conversation, EventKind::Transferred, Some(from), now) }
            }
            Handover::TakeOver => {
                Event { other: Some(from), ..Event::new(tenant, conversation, EventKind::TakenOver, Some(to), now) }
            }
        };
        events::record(w, &event).await?;
    }
    Ok(done.rows_affected() == 1)
}

/// How a conversation changes hands: `from` transferred it, or `to` (a supervisor) took it over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handover {
    Transfer,
    TakeOver,
}

/// The transfers offered to an agent and not answered yet, oldest first.
pub async fn pending_for(db: &Db, tenant: TenantId, agent: AgentId) -> Result<Vec<TransferRequest>, ApiError> {
    let rows = sqlx::query(
        "SELECT t.id, t.conversation_id, c.visitor_id, v.name AS visitor_name, t.from_agent_id, \
         a.display_name AS from_name, t.note, t.created_at FROM transfers t \
         JOIN conversations c ON c.id = t.conversation_id JOIN visitors v ON v.id = c.visitor_id \
         JOIN agents a ON a.id = t.from_agent_id \
         WHERE t.tenant_id = $1 AND t.to_agent_id = $2 AND t.status = 'pending' ORDER BY t.id",
    )
    .bind(tenant.0)
    .bind(agent.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(TransferRequest {
                id: r.try_get("id")?,
                conversation_id: ConversationId(r.try_get("conversation_id")?),
                visitor_id: VisitorId(r.try_get("visitor_id")?),
                visitor_name: r.try_get("visitor_name")?,
                from_agent: AgentId(r.try_get("from_agent_id")?),
                from_name: r.try_get("from_name")?,
                note: r.try_get("note")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A site's routing and rating rules, with the company's categories and their modes.
pub async fn settings(db: &Db, tenant: TenantId, site: SiteId) -> Result<Option<RoutingSettings>, ApiError> {
    let row = sqlx::query(
        "SELECT version, route_mode, queue_limit, prefer_previous, rating_enabled, rating_levels, welcome, \
         visitor_idle_minutes, agent_idle_minutes, idle_warning_minutes, switchboard_id, approval, approval_secs, \
         region_routing FROM sites WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
    )
    .bind(site.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    let Some(r) = row else { return Ok(None) };
    let stored: String = r.try_get("rating_levels").or_internal()?;
    let levels: Vec<RatingLevel> = serde_json::from_str(&stored).unwrap_or_default();
    let categories =
        sqlx::query("SELECT id, name, route_mode FROM categories WHERE tenant_id = $1 ORDER BY sort_order, id")
            .bind(tenant.0)
            .fetch_all(db.reader())
            .await
            .or_internal()?
            .iter()
            .map(|c| {
                Ok(CategoryRoute {
                    id: c.try_get("id")?,
                    name: c.try_get("name")?,
                    mode: c.try_get::<Option<String>, _>("route_mode")?.as_deref().and_then(RouteMode::parse),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .or_internal()?;
    let agents = sqlx::query(
        "SELECT id, display_name FROM agents WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY display_name, id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?
    .iter()
    .map(|a| Ok((a.try_get("id")?, a.try_get("display_name")?)))
    .collect::<Result<Vec<(i64, String)>, sqlx::Error>>()
    .or_internal()?;
    Ok(Some(RoutingSettings {
        site_id: site.0,
        version: r.try_get("version").or_internal()?,
        mode: RouteMode::parse(&r.try_get::<String, _>("route_mode").or_internal()?).unwrap_or_default(),
        queue_limit: r.try_get("queue_limit").or_internal()?,
        prefer_previous: r.try_get::<i64, _>("prefer_previous").or_internal()? != 0,
        rating_enabled: r.try_get::<i64, _>("rating_enabled").or_internal()? != 0,
        levels: if levels.is_empty() { crate::ratings::default_levels() } else { levels },
        categories,
        welcome: serde_json::from_str(&r.try_get::<String, _>("welcome").or_internal()?).unwrap_or_default(),
        visitor_idle_minutes: r.try_get("visitor_idle_minutes").or_internal()?,
        agent_idle_minutes: r.try_get("agent_idle_minutes").or_internal()?,
        idle_warning_minutes: r.try_get("idle_warning_minutes").or_internal()?,
        switchboard_id: r.try_get("switchboard_id").or_internal()?,
        approval: r.try_get::<i64, _>("approval").or_internal()? != 0,
        approval_secs: r.try_get("approval_secs").or_internal()?,
        agents,
        region_routing: r.try_get::<i64, _>("region_routing").or_internal()? != 0,
    }))
}

/// Stores a site's rules if read at `settings.version` (`Stale` otherwise), and the categories'
/// modes (of the company's categories only).
pub async fn save_settings(w: &mut Writer, tenant: TenantId, settings: &RoutingSettings) -> Result<(), ApiError> {
    if let Some(agent) = settings.switchboard_id {
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM agents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
                .bind(agent)
                .bind(tenant.0)
                .fetch_optional(&mut **w)
                .await
                .or_internal()?;
        if known.is_none() {
            return Err(ApiError::invalid("switchboard_id", ErrorCode::NotFound));
        }
    }
    let levels = serde_json::to_string(&settings.levels).map_err(|_| ApiError::Internal)?;
    let welcome = serde_json::to_string(&settings.welcome).map_err(|_| ApiError::Internal)?;
    let changed = sqlx::query(
        "UPDATE sites SET route_mode = $1, queue_limit = $2, prefer_previous = $3, rating_enabled = $4, \
         rating_levels = $5, welcome = $9, visitor_idle_minutes = $10, agent_idle_minutes = $11, \
         idle_warning_minutes = $12, switchboard_id = $13, approval = $14, approval_secs = $15, region_routing = $16, \
         version = version + 1 \
         WHERE id = $6 AND tenant_id = $7 AND version = $8 AND deleted_at IS NULL",
    )
    .bind(settings.mode.as_str())
    .bind(settings.queue_limit)
    .bind(i64::from(settings.prefer_previous))
    .bind(i64::from(settings.rating_enabled))
    .bind(levels)
    .bind(settings.site_id)
    .bind(tenant.0)
    .bind(settings.version)
    .bind(welcome)
    .bind(settings.visitor_idle_minutes)
    .bind(settings.agent_idle_minutes)
    .bind(settings.idle_warning_minutes)
    .bind(settings.switchboard_id)
    .bind(i64::from(settings.approval))
    .bind(settings.approval_secs)
    .bind(i64::from(settings.region_routing))
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(crate::infra::db::stale_or_missing(w, "sites", settings.site_id, tenant).await);
    }
    for category in &settings.categories {
        let done = sqlx::query("UPDATE categories SET route_mode = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(category.mode.map(RouteMode::as_str))
            .bind(category.id)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
        if done.rows_affected() == 0 {
            return Err(ApiError::invalid("categories", ErrorCode::NotFound));
        }
    }
    Ok(())
}

/// The id of the company's (undeleted) agent with this account.
pub async fn agent_by_login(w: &mut Writer, tenant: TenantId, login: &str) -> Result<Option<AgentId>, ApiError> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM agents WHERE tenant_id = $1 AND login = $2 AND deleted_at IS NULL")
            .bind(tenant.0)
            .bind(login.to_ascii_lowercase())
            .fetch_optional(&mut **w)
            .await
            .or_internal()?;
    Ok(id.map(AgentId))
}

/// The site's welcome by language.
pub async fn greetings(db: &Db, tenant: TenantId, site: SiteId) -> Result<Vec<(String, String)>, ApiError> {
    let stored: Option<String> = sqlx::query_scalar("SELECT welcome FROM sites WHERE id = $1 AND tenant_id = $2")
        .bind(site.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    Ok(stored.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

/// Marks `agent` invited into a conversation (again, if they were before).
pub async fn invite(
    w: &mut Writer,
    tenant: TenantId,
    conversation: ConversationId,
    agent: AgentId,
    by: AgentId,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO conversation_guests (conversation_id, agent_id, tenant_id, status, invited_by, at) \
         VALUES ($1, $2, $3, 'invited', $4, $5) \
         ON CONFLICT (conversation_id, agent_id) DO UPDATE SET status = 'invited', invited_by = excluded.invited_by, at = excluded.at",
    )
    .bind(conversation.0)
    .bind(agent.0)
    .bind(tenant.0)
    .bind(by.0)
    .bind(now)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(())
}

/// Moves a guest from one status to another; `false` when they were not in `from`.
pub async fn guest_status(
    w: &mut Writer,
    tenant: TenantId,
    conversation: ConversationId,
    agent: AgentId,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE conversation_guests SET status = $1, at = $2 \
         WHERE conversation_id = $3 AND agent_id = $4 AND tenant_id = $5 AND status = $6",
    )
    .bind(to)
    .bind(now)
    .bind(conversation.0)
    .bind(agent.0)
    .bind(tenant.0)
    .bind(from)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(done.rows_affected() == 1)
}

/// The conversation's guests who joined and have not left, with their names.
pub async fn guests(
    db: &Db,
    tenant: TenantId,
    conversation: ConversationId,
) -> Result<Vec<(AgentId, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT g.agent_id, a.display_name FROM conversation_guests g JOIN agents a ON a.id = g.agent_id \
         WHERE g.conversation_id = $1 AND g.tenant_id = $2 AND g.status = 'joined' ORDER BY g.at",
    )
    .bind(conversation.0)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| Ok((AgentId(r.try_get("agent_id")?), r.try_get("display_name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Who invited `agent` into a conversation, while the invitation stands.
pub async fn inviter(
    db: &Db,
    tenant: TenantId,
    conversation: ConversationId,
    agent: AgentId,
) -> Result<Option<AgentId>, ApiError> {
    let by: Option<i64> = sqlx::query_scalar(
        "SELECT invited_by FROM conversation_guests WHERE conversation_id = $1 AND agent_id = $2 AND tenant_id = $3 \
         AND status = 'invited'",
    )
    .bind(conversation.0)
    .bind(agent.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    Ok(by.map(AgentId))
}

/// Locks one agent's row for the transaction against passes and takes (PostgreSQL; SQLite's write
/// gate already serializes); see [`candidates`] for the lock mode.
pub async fn lock_agent(w: &mut Writer, kind: DbKind, tenant: TenantId, agent: AgentId) -> Result<(), ApiError> {
    if kind == DbKind::Postgres {
        sqlx::query("SELECT id FROM agents WHERE id = $1 AND tenant_id = $2 FOR NO KEY UPDATE")
            .bind(agent.0)
            .bind(tenant.0)
            .fetch_optional(&mut **w)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// Offers a waiting conversation to an agent until `until` (approval mode).
pub async fn offer_chat(
    w: &mut Writer,
    tenant: TenantId,
    id: ConversationId,
    agent: AgentId,
    until: i64,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE conversations SET offered_to = $1, offered_until = $2 \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open' AND agent_id IS NULL",
    )
    .bind(agent.0)
    .bind(until)
    .bind(id.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(done.rows_affected() == 1)
}

/// The agent declined the offer (or let it lapse: `lapsed`): it stands no more, they are left
/// out of the next picks for this conversation, and the event is recorded. `false` when no such
/// offer stood.
pub async fn decline_offer(
    w: &mut Writer,
    tenant: TenantId,
    id: ConversationId,
    agent: AgentId,
    lapsed: bool,
    now: i64,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE conversations SET offered_to = NULL, offered_until = NULL \
         WHERE id = $1 AND tenant_id = $2 AND offered_to = $3 AND agent_id IS NULL",
    )
    .bind(id.0)
    .bind(tenant.0)
    .bind(agent.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO route_declines (conversation_id, agent_id, tenant_id) VALUES ($1, $2, $3) \
         ON CONFLICT (conversation_id, agent_id) DO NOTHING",
    )
    .bind(id.0)
    .bind(agent.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    let detail = if lapsed { "lapsed" } else { "" };
    let event = Event { detail, ..Event::new(tenant, id, EventKind::Declined, Some(agent), now) };
    events::record(w, &event).await?;
    Ok(true)
}

/// Forgets who declined a conversation (everyone able had): it is offered round again.
pub async fn clear_declines(w: &mut Writer, tenant: TenantId, id: ConversationId) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM route_declines WHERE conversation_id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// The agent accepts the offer standing to them: the conversation is theirs. `None` when no such
/// offer stands (it lapsed, or the chat went elsewhere); otherwise its site and visitor.
pub async fn accept_offer(
    w: &mut Writer,
    tenant: TenantId,
    id: ConversationId,
    agent: AgentId,
    now: i64,
) -> Result<Option<(SiteId, VisitorId)>, ApiError> {
    let row = sqlx::query(
        "UPDATE conversations SET agent_id = $1, assigned_at = $2, offered_to = NULL, offered_until = NULL \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open' AND agent_id IS NULL AND offered_to = $1 \
         AND offered_until >= $2 RETURNING site_id, visitor_id",
    )
    .bind(agent.0)
    .bind(now)
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    let Some(row) = row else { return Ok(None) };
    given(w, tenant, id, agent, now).await?;
    Ok(Some((SiteId(row.try_get("site_id").or_internal()?), VisitorId(row.try_get("visitor_id").or_internal()?))))
}

/// A chat offer's visitor, their name, first message, latest page and its address.
pub type OfferDetails = (VisitorId, Option<String>, String, kefu_protocol::PageInfo, Option<String>);

/// What an agent sees of a chat offered to them: the visitor, their first message, their page.
pub async fn offer_details(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ConversationId,
) -> Result<Option<OfferDetails>, ApiError> {
    let row = sqlx::query(
        "SELECT c.visitor_id, v.name, \
         (SELECT m.body FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq LIMIT 1) AS first_message, \
         (SELECT p.url FROM page_views p WHERE p.visitor_id = c.visitor_id ORDER BY p.id DESC LIMIT 1) AS url, \
         (SELECT p.title FROM page_views p WHERE p.visitor_id = c.visitor_id ORDER BY p.id DESC LIMIT 1) AS title, \
         (SELECT p.ip FROM page_views p WHERE p.visitor_id = c.visitor_id ORDER BY p.id DESC LIMIT 1) AS ip \
         FROM conversations c JOIN visitors v ON v.id = c.visitor_id WHERE c.id = $1 AND c.tenant_id = $2",
    )
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut *conn)
    .await
    .or_internal()?;
    let Some(r) = row else { return Ok(None) };
    let page = kefu_protocol::PageInfo {
        url: r.try_get::<Option<String>, _>("url").or_internal()?.unwrap_or_default(),
        title: r.try_get::<Option<String>, _>("title").or_internal()?.unwrap_or_default(),
        referrer: String::new(),
    };
    Ok(Some((
        VisitorId(r.try_get("visitor_id").or_internal()?),
        r.try_get("name").or_internal()?,
        r.try_get::<Option<String>, _>("first_message").or_internal()?.unwrap_or_default(),
        page,
        r.try_get("ip").or_internal()?,
    )))
}

/// The offers standing to an agent now: conversation, until when, and how long its site gives (ms).
pub async fn offers_to(db: &Db, tenant: TenantId, agent: AgentId) -> Result<Vec<(ConversationId, i64, i64)>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.id, c.offered_until, s.approval_secs FROM conversations c JOIN sites s ON s.id = c.site_id \
         WHERE c.tenant_id = $1 AND c.offered_to = $2 AND c.agent_id IS NULL AND c.status = 'open' \
         AND c.offered_until > $3 ORDER BY c.id",
    )
    .bind(tenant.0)
    .bind(agent.0)
    .bind(crate::infra::now_ms())
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            let secs: i64 = r.try_get("approval_secs")?;
            Ok((ConversationId(r.try_get("id")?), r.try_get("offered_until")?, secs * 1000))
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Tenants with an offer that lapsed and is still standing in the database (its pass has not run:
/// the node that made it may be gone).
pub async fn lapsed_offers(db: &Db, now: i64) -> Result<Vec<TenantId>, ApiError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT tenant_id FROM conversations WHERE status = 'open' AND agent_id IS NULL \
         AND offered_until IS NOT NULL AND offered_until <= $1",
    )
    .bind(now)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    Ok(ids.into_iter().map(TenantId).collect())
}

/// Invitations standing for an agent: (conversation, visitor, visitor's name, who invites).
pub async fn invitations_for(
    db: &Db,
    tenant: TenantId,
    agent: AgentId,
) -> Result<Vec<(ConversationId, VisitorId, Option<String>, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT g.conversation_id, c.visitor_id, v.name, b.display_name AS by_name FROM conversation_guests g \
         JOIN conversations c ON c.id = g.conversation_id JOIN visitors v ON v.id = c.visitor_id \
         JOIN agents b ON b.id = g.invited_by \
         WHERE g.tenant_id = $1 AND g.agent_id = $2 AND g.status = 'invited' AND c.status = 'open' ORDER BY g.at",
    )
    .bind(tenant.0)
    .bind(agent.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok((
                ConversationId(r.try_get("conversation_id")?),
                VisitorId(r.try_get("visitor_id")?),
                r.try_get("name")?,
                r.try_get("by_name")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The guests of one conversation: who joined, by name.
pub type Guests = Vec<(AgentId, String)>;

/// Who joined the company's open conversations as guests, by conversation (with its site).
pub async fn open_guests(db: &Db, tenant: TenantId) -> Result<Vec<(ConversationId, SiteId, Guests)>, ApiError> {
    let rows = sqlx::query(
        "SELECT g.conversation_id, c.site_id, g.agent_id, a.display_name FROM conversation_guests g \
         JOIN conversations c ON c.id = g.conversation_id JOIN agents a ON a.id = g.agent_id \
         WHERE g.tenant_id = $1 AND g.status = 'joined' AND c.status = 'open' ORDER BY g.conversation_id, g.at",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let mut out: Vec<(ConversationId, SiteId, Guests)> = Vec::new();
    for r in rows {
        let id = ConversationId(r.try_get("conversation_id").or_internal()?);
        let guest = (AgentId(r.try_get("agent_id").or_internal()?), r.try_get("display_name").or_internal()?);
        match out.last_mut() {
            Some((last, _, guests)) if *last == id => guests.push(guest),
            _ => out.push((id, SiteId(r.try_get("site_id").or_internal()?), vec![guest])),
        }
    }
    Ok(out)
}

/// When the agent was last given a chat (round robin and least busy's ties read it).
pub async fn stamp_assigned(db: &Db, tenant: TenantId, agent: AgentId, at: i64) -> Result<(), ApiError> {
    stamp(&mut db.write().await?, tenant, agent, at).await
}

/// Sets the agent's `last_assigned_at` to `at` unless it is later already.
async fn stamp(w: &mut Writer, tenant: TenantId, agent: AgentId, at: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE agents SET last_assigned_at = $1 WHERE id = $2 AND tenant_id = $3 AND last_assigned_at < $1")
        .bind(at)
        .bind(agent.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}
