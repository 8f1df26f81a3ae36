//! The ratings' SQL, tenant-scoped.

use kefu_protocol::{AgentId, ApiError, ConversationId, RatingLevel, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::{RatingRow, MAX_INVALID_REASON};
use crate::infra::db::{Db, Writer};
use crate::infra::events::{self, Event, EventKind};
use crate::infra::OrInternal;

/// Whether the site asks for ratings, and its levels (stored JSON; empty: the defaults).
pub async fn scale(db: &Db, tenant: TenantId, site: SiteId) -> Result<Option<Vec<RatingLevel>>, ApiError> {
    let row = sqlx::query("SELECT rating_enabled, rating_levels FROM sites WHERE id = $1 AND tenant_id = $2")
        .bind(site.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<i64, _>("rating_enabled").or_internal()? == 0 {
        return Ok(None);
    }
    let stored: String = row.try_get("rating_levels").or_internal()?;
    let levels: Vec<RatingLevel> = serde_json::from_str(&stored).unwrap_or_default();
    Ok(Some(if levels.is_empty() { super::default_levels() } else { levels }))
}

/// The score already given for a conversation.
pub async fn score_of(db: &Db, tenant: TenantId, conversation: ConversationId) -> Result<Option<u8>, ApiError> {
    let score: Option<i64> =
        sqlx::query_scalar("SELECT score FROM ratings WHERE conversation_id = $1 AND tenant_id = $2")
            .bind(conversation.0)
            .bind(tenant.0)
            .fetch_optional(db.reader())
            .await
            .or_internal()?;
    Ok(score.map(|s| s as u8))
}

/// What a rating needs to know of the visitor's conversation.
pub struct Rated {
    pub agent: Option<AgentId>,
    pub closed_at: Option<i64>,
    pub visitor_name: Option<String>,
}

/// The visitor's own conversation on the site.
pub async fn conversation(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    visitor: VisitorId,
    id: ConversationId,
) -> Result<Option<Rated>, ApiError> {
    let row = sqlx::query(
        "SELECT c.agent_id, c.closed_at, v.name FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         WHERE c.id = $1 AND c.tenant_id = $2 AND c.site_id = $3 AND c.visitor_id = $4",
    )
    .bind(id.0)
    .bind(tenant.0)
    .bind(site.0)
    .bind(visitor.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| {
        Ok(Rated {
            agent: r.try_get::<Option<i64>, _>("agent_id")?.map(AgentId),
            closed_at: r.try_get("closed_at")?,
            visitor_name: r.try_get("name")?,
        })
    })
    .transpose()
    .or_internal()
}

/// Stores (or replaces) a rating, with its event.
#[allow(clippy::too_many_arguments)]
pub async fn put(
    w: &mut Writer,
    tenant: TenantId,
    site: SiteId,
    conversation: ConversationId,
    agent: Option<AgentId>,
    score: u8,
    comment: &str,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO ratings (conversation_id, tenant_id, site_id, agent_id, score, comment, rated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (conversation_id) DO UPDATE SET score = excluded.score, comment = excluded.comment, \
         rated_at = excluded.rated_at, agent_id = excluded.agent_id",
    )
    .bind(conversation.0)
    .bind(tenant.0)
    .bind(site.0)
    .bind(agent.map(|a| a.0))
    .bind(i64::from(score))
    .bind(comment)
    .bind(now)
    .execute(&mut **w)
    .await
    .or_internal()?;
    let detail = score.to_string();
    let event = Event { tenant, conversation, kind: EventKind::Rated, agent, other: None, detail: &detail, at: now };
    events::record(w, &event).await
}

/// A page of the company's ratings rated in `[from, to)`, newest first, with the total and the
/// average of the valid ones.
pub async fn page(
    db: &Db,
    tenant: TenantId,
    from: i64,
    to: i64,
    agent: Option<AgentId>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<RatingRow>, i64, Option<f64>), ApiError> {
    // One agent's only (`$4`), when asked.
    let of_agent = if agent.is_some() { " AND r.agent_id = $4" } else { "" };
    let (limit_at, offset_at) = if agent.is_some() { ("$5", "$6") } else { ("$4", "$5") };
    let sql = format!(
        "SELECT r.conversation_id, s.name AS site_name, a.display_name AS agent_name, v.name AS visitor_name, \
         c.visitor_id, r.score, r.comment, r.rated_at, r.invalid, r.invalid_reason FROM ratings r \
         JOIN conversations c ON c.id = r.conversation_id JOIN visitors v ON v.id = c.visitor_id \
         JOIN sites s ON s.id = r.site_id LEFT JOIN agents a ON a.id = r.agent_id \
         WHERE r.tenant_id = $1 AND r.rated_at >= $2 AND r.rated_at < $3{of_agent} \
         ORDER BY r.rated_at DESC, r.conversation_id DESC LIMIT {limit_at} OFFSET {offset_at}"
    );
    let mut query = sqlx::query(&sql).bind(tenant.0).bind(from).bind(to);
    if let Some(agent) = agent {
        query = query.bind(agent.0);
    }
    let rows = query.bind(limit).bind(offset).fetch_all(db.reader()).await.or_internal()?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(RatingRow {
                conversation_id: ConversationId(r.try_get("conversation_id")?),
                site_name: r.try_get("site_name")?,
                agent_name: r.try_get("agent_name")?,
                visitor_name: r.try_get("visitor_name")?,
                visitor_id: r.try_get("visitor_id")?,
                score: r.try_get::<i64, _>("score")? as u8,
                comment: r.try_get("comment")?,
                rated_at: r.try_get("rated_at")?,
                invalid: r.try_get::<i64, _>("invalid")? != 0,
                invalid_reason: r.try_get("invalid_reason")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .or_internal()?;
    let of_agent = if agent.is_some() { " AND agent_id = $4" } else { "" };
    let sql = format!(
        "SELECT COUNT(*) AS n, AVG(CASE WHEN invalid = 0 THEN CAST(score AS DOUBLE PRECISION) END) AS average \
         FROM ratings WHERE tenant_id = $1 AND rated_at >= $2 AND rated_at < $3{of_agent}"
    );
    let mut query = sqlx::query(&sql).bind(tenant.0).bind(from).bind(to);
    if let Some(agent) = agent {
        query = query.bind(agent.0);
    }
    let totals = query.fetch_one(db.reader()).await.or_internal()?;
    Ok((list, totals.try_get("n").or_internal()?, totals.try_get("average").or_internal()?))
}

/// The period's ratings counted per agent, score and validity (for [`super::per_agent`]).
pub async fn per_agent(db: &Db, tenant: TenantId, from: i64, to: i64) -> Result<Vec<super::RatingCount>, ApiError> {
    let rows = sqlx::query(
        "SELECT r.agent_id, a.display_name, r.score, r.invalid, COUNT(*) AS n FROM ratings r \
         LEFT JOIN agents a ON a.id = r.agent_id WHERE r.tenant_id = $1 AND r.rated_at >= $2 AND r.rated_at < $3 \
         GROUP BY r.agent_id, a.display_name, r.score, r.invalid",
    )
    .bind(tenant.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("agent_id")?,
                r.try_get("display_name")?,
                r.try_get::<i64, _>("score")? as u8,
                r.try_get::<i64, _>("invalid")? != 0,
                r.try_get("n")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Marks a rating invalid (with the reason) or valid again; `false` when there is none.
pub async fn set_invalid(
    w: &mut Writer,
    tenant: TenantId,
    conversation: ConversationId,
    invalid: bool,
    reason: &str,
    by: AgentId,
) -> Result<bool, ApiError> {
    let reason: String = reason.chars().take(MAX_INVALID_REASON).collect();
    let done = sqlx::query(
        "UPDATE ratings SET invalid = $1, invalid_reason = $2, invalid_by = $3 WHERE conversation_id = $4 AND tenant_id = $5",
    )
    .bind(i64::from(invalid))
    .bind(&reason)
    .bind(by.0)
    .bind(conversation.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the company's ratings rated in `[from, to)`; how many.
pub async fn clear(w: &mut Writer, tenant: TenantId, from: i64, to: i64) -> Result<u64, ApiError> {
    let done = sqlx::query("DELETE FROM ratings WHERE tenant_id = $1 AND rated_at >= $2 AND rated_at < $3")
        .bind(tenant.0)
        .bind(from)
        .bind(to)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(done.rows_affected())
}
