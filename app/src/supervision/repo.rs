//! Whispers' SQL and the team dashboard's figures, scoped by tenant (and by the supervisor's sites).

use kefu_protocol::{AgentId, ApiError, ConversationId, SiteId, TenantId, Whisper};
use sqlx::Row as _;

use super::TeamRow;
use crate::infra::db::{Db, Markers, Row, Writer};
use crate::infra::OrInternal;

const COLUMNS: &str = "w.id, w.conversation_id, w.agent_id, a.display_name, w.client_msg_id, w.body, w.sent_at \
     FROM conversation_whispers w JOIN agents a ON a.id = w.agent_id";

fn whisper_from_row(r: &Row) -> Result<Whisper, sqlx::Error> {
    Ok(Whisper {
        id: r.try_get("id")?,
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        agent_id: AgentId(r.try_get("agent_id")?),
        agent_name: r.try_get("display_name")?,
        client_msg_id: r.try_get("client_msg_id")?,
        body: r.try_get("body")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// The whisper `agent` already sent with this client id (a retry), if any.
pub async fn sent_before(w: &mut Writer, agent: AgentId, client_msg_id: &str) -> Result<Option<Whisper>, ApiError> {
    let sql = format!("SELECT {COLUMNS} WHERE w.agent_id = $1 AND w.client_msg_id = $2");
    let row = sqlx::query(&sql).bind(agent.0).bind(client_msg_id).fetch_optional(&mut **w).await.or_internal()?;
    row.as_ref().map(whisper_from_row).transpose().or_internal()
}

/// How many whispers the conversation holds.
pub async fn count(w: &mut Writer, tenant: TenantId, conversation: ConversationId) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM conversation_whispers WHERE conversation_id = $1 AND tenant_id = $2")
        .bind(conversation.0)
        .bind(tenant.0)
        .fetch_one(&mut **w)
        .await
        .or_internal()
}

/// Stores a whisper; returns it as agents see it.
pub async fn insert(
    w: &mut Writer,
    tenant: TenantId,
    conversation: ConversationId,
    agent: AgentId,
    client_msg_id: &str,
    body: &str,
    now: i64,
) -> Result<Whisper, ApiError> {
    sqlx::query(
        "INSERT INTO conversation_whispers (tenant_id, conversation_id, agent_id, client_msg_id, body, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(conversation.0)
    .bind(agent.0)
    .bind(client_msg_id)
    .bind(body)
    .bind(now)
    .execute(&mut **w)
    .await
    .or_internal()?;
    sent_before(w, agent, client_msg_id).await?.ok_or(ApiError::Internal)
}

/// A conversation's whispers, oldest first.
pub async fn list(db: &Db, tenant: TenantId, conversation: ConversationId) -> Result<Vec<Whisper>, ApiError> {
    let sql = format!("SELECT {COLUMNS} WHERE w.conversation_id = $1 AND w.tenant_id = $2 ORDER BY w.id");
    let rows = sqlx::query(&sql).bind(conversation.0).bind(tenant.0).fetch_all(db.reader()).await.or_internal()?;
    rows.iter().map(whisper_from_row).collect::<Result<_, _>>().or_internal()
}

/// `AND {column} IN (…)` for a site scope (`None`: every site), with its binds.
fn sites_clause(column: &str, sites: Option<&[SiteId]>, markers: &mut Markers) -> String {
    match sites {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_owned(),
        Some(list) => format!(" AND {column} IN ({})", markers.list(list.len())),
    }
}

fn bind_sites<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    sites: Option<&[SiteId]>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for site in sites.unwrap_or_default() {
        query = query.bind(site.0);
    }
    query
}

/// Every agent's figures since `since` (unix ms) on `sites`, by name.
pub async fn team(
    db: &Db,
    tenant: TenantId,
    since: i64,
    now: i64,
    sites: Option<&[SiteId]>,
) -> Result<Vec<TeamRow>, ApiError> {
    let mut rows: Vec<TeamRow> = Vec::new();
    let agents = sqlx::query(
        "SELECT id, display_name FROM agents WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY display_name, id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    for r in &agents {
        rows.push(TeamRow {
            agent_id: r.try_get("id").or_internal()?,
            name: r.try_get("display_name").or_internal()?,
            ..TeamRow::default()
        });
    }
    let mut index = std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        index.insert(row.agent_id, i);
    }

    let mut markers = Markers::new(db.kind);
    let head = format!(
        "SELECT x.agent_id, COUNT(*) AS chats, CAST(SUM(x.talk) AS BIGINT) AS talk, \
         CAST(SUM(x.first_reply) AS BIGINT) AS replied_ms, COUNT(x.first_reply) AS replied \
         FROM (SELECT c.agent_id, COALESCE(c.closed_at, {now}) - c.started_at AS talk, \
         (SELECT MIN(m.sent_at) FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'agent') \
         - c.started_at AS first_reply \
         FROM conversations c WHERE c.tenant_id = {t} AND c.started_at >= {since} AND c.agent_id IS NOT NULL",
        now = markers.one(),
        t = markers.one(),
        since = markers.one(),
    );
    let sql = format!("{head}{}) x GROUP BY x.agent_id", sites_clause("c.site_id", sites, &mut markers));
    let query = sqlx::query(&sql).bind(now).bind(tenant.0).bind(since);
    for r in bind_sites(query, sites).fetch_all(db.reader()).await.or_internal()? {
        let Some(&i) = index.get(&r.try_get::<i64, _>("agent_id").or_internal()?) else { continue };
        let replied: i64 = r.try_get("replied").or_internal()?;
        let replied_ms: Option<i64> = r.try_get("replied_ms").or_internal()?;
        rows[i].chats = r.try_get("chats").or_internal()?;
        rows[i].talk_ms = r.try_get::<Option<i64>, _>("talk").or_internal()?.unwrap_or(0);
        rows[i].first_response_ms = replied_ms.filter(|_| replied > 0).map(|ms| ms / replied);
    }

    let mut markers = Markers::new(db.kind);
    let head = format!(
        "SELECT agent_id, COUNT(*) AS sent, CAST(SUM(CASE WHEN answer = 'accepted' THEN 1 ELSE 0 END) AS BIGINT) \
         AS accepted FROM invitations WHERE tenant_id = {} AND sent_at >= {} AND agent_id IS NOT NULL",
        markers.one(),
        markers.one()
    );
    let sql = format!("{head}{} GROUP BY agent_id", sites_clause("site_id", sites, &mut markers));
    let query = sqlx::query(&sql).bind(tenant.0).bind(since);
    for r in bind_sites(query, sites).fetch_all(db.reader()).await.or_internal()? {
        let Some(&i) = index.get(&r.try_get::<i64, _>("agent_id").or_internal()?) else { continue };
        rows[i].invitations_sent = r.try_get("sent").or_internal()?;
        rows[i].invitations_accepted = r.try_get::<Option<i64>, _>("accepted").or_internal()?.unwrap_or(0);
    }

    let mut markers = Markers::new(db.kind);
    let head = format!(
        "SELECT agent_id, COUNT(*) AS n, CAST(SUM(score) AS BIGINT) AS total FROM ratings \
         WHERE tenant_id = {} AND rated_at >= {} AND invalid = 0 AND agent_id IS NOT NULL",
        markers.one(),
        markers.one()
    );
    let sql = format!("{head}{} GROUP BY agent_id", sites_clause("site_id", sites, &mut markers));
    let query = sqlx::query(&sql).bind(tenant.0).bind(since);
    for r in bind_sites(query, sites).fetch_all(db.reader()).await.or_internal()? {
        let Some(&i) = index.get(&r.try_get::<i64, _>("agent_id").or_internal()?) else { continue };
        rows[i].ratings = r.try_get("n").or_internal()?;
        rows[i].rating_total = r.try_get::<Option<i64>, _>("total").or_internal()?.unwrap_or(0);
    }
    Ok(rows)
}
