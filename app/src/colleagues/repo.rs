//! The SQL of internal chat and broadcasts. A thread belongs to a pair of agents of one tenant
//! (the lower id first); every statement names the tenant or a thread found through it.

use kefu_protocol::{AgentId, ApiError, Broadcast, ColleagueMessage, ColleagueThread, TenantId};
use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::infra::db::{Db, Writer};
use crate::infra::OrInternal;

/// The pair's order in a thread row.
fn pair(a: AgentId, b: AgentId) -> (AgentId, AgentId) {
    if a.0 <= b.0 {
        (a, b)
    } else {
        (b, a)
    }
}

fn message(r: &AnyRow, lo: i64, hi: i64) -> Result<ColleagueMessage, sqlx::Error> {
    let from: i64 = r.try_get("from_agent")?;
    Ok(ColleagueMessage {
        from: AgentId(from),
        to: AgentId(if from == lo { hi } else { lo }),
        seq: r.try_get("seq")?,
        client_msg_id: r.try_get("client_msg_id")?,
        body: r.try_get("body")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// Whether `agent` is an agent of the tenant (not deleted).
pub async fn is_agent(db: &Db, tenant: TenantId, agent: AgentId) -> Result<bool, ApiError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM agents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
            .bind(agent.0)
            .bind(tenant.0)
            .fetch_optional(db.reader())
            .await
            .or_internal()?;
    Ok(found.is_some())
}

/// The message `from` sent earlier with this client id, if any.
pub async fn sent_before(
    w: &mut Writer,
    from: AgentId,
    client_msg_id: &str,
) -> Result<Option<ColleagueMessage>, ApiError> {
    let row = sqlx::query(
        "SELECT m.from_agent, m.seq, m.client_msg_id, m.body, m.sent_at, t.agent_lo, t.agent_hi \
         FROM colleague_messages m JOIN colleague_threads t ON t.id = m.thread_id \
         WHERE m.from_agent = $1 AND m.client_msg_id = $2",
    )
    .bind(from.0)
    .bind(client_msg_id)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    row.map(|r| message(&r, r.try_get("agent_lo")?, r.try_get("agent_hi")?)).transpose().or_internal()
}

/// Adds a message to the pair's thread (made on its first message): the next sequence number,
/// and the sender's read mark moves to it (replying means having read).
pub async fn insert(
    w: &mut Writer,
    tenant: TenantId,
    from: AgentId,
    to: AgentId,
    client_msg_id: &str,
    body: &str,
    now: i64,
) -> Result<ColleagueMessage, ApiError> {
    let (lo, hi) = pair(from, to);
    // The sender's read mark: their column, set to the new last sequence.
    let (lo_read, hi_read, column) = if from == lo { ("1", "0", "lo_read_seq") } else { ("0", "1", "hi_read_seq") };
    let sql = format!(
        "INSERT INTO colleague_threads (tenant_id, agent_lo, agent_hi, last_seq, lo_read_seq, hi_read_seq, last_at) \
         VALUES ($1, $2, $3, 1, {lo_read}, {hi_read}, $4) \
         ON CONFLICT (tenant_id, agent_lo, agent_hi) DO UPDATE SET last_seq = colleague_threads.last_seq + 1, \
         {column} = colleague_threads.last_seq + 1, last_at = $4 RETURNING id, last_seq"
    );
    let row =
        sqlx::query(&sql).bind(tenant.0).bind(lo.0).bind(hi.0).bind(now).fetch_one(&mut **w).await.or_internal()?;
    let (thread, seq): (i64, i64) = (row.try_get("id").or_internal()?, row.try_get("last_seq").or_internal()?);
    sqlx::query(
        "INSERT INTO colleague_messages (thread_id, seq, from_agent, client_msg_id, body, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(thread)
    .bind(seq)
    .bind(from.0)
    .bind(client_msg_id)
    .bind(body)
    .bind(now)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(ColleagueMessage { from, to, seq, client_msg_id: client_msg_id.to_owned(), body: body.to_owned(), sent_at: now })
}

/// The messages of the thread of `me` and `peer` after `after`, in order, at most `limit`.
pub async fn messages_after(
    db: &Db,
    tenant: TenantId,
    me: AgentId,
    peer: AgentId,
    after: i64,
    limit: usize,
) -> Result<Vec<ColleagueMessage>, ApiError> {
    let (lo, hi) = pair(me, peer);
    let rows = sqlx::query(
        "SELECT m.from_agent, m.seq, m.client_msg_id, m.body, m.sent_at FROM colleague_messages m \
         JOIN colleague_threads t ON t.id = m.thread_id \
         WHERE t.tenant_id = $1 AND t.agent_lo = $2 AND t.agent_hi = $3 AND m.seq > $4 ORDER BY m.seq LIMIT $5",
    )
    .bind(tenant.0)
    .bind(lo.0)
    .bind(hi.0)
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter().map(|r| message(r, lo.0, hi.0)).collect::<Result<_, _>>().or_internal()
}

/// Moves the agent's read mark in their thread with `peer` up to `seq` (never back, never past
/// the last message). Returns whether it moved.
pub async fn mark_read(db: &Db, tenant: TenantId, me: AgentId, peer: AgentId, seq: i64) -> Result<bool, ApiError> {
    let (lo, hi) = pair(me, peer);
    let column = if me == lo { "lo_read_seq" } else { "hi_read_seq" };
    let mut w = db.write().await?;
    let done = sqlx::query(&format!(
        "UPDATE colleague_threads SET {column} = CASE WHEN $1 > last_seq THEN last_seq ELSE $1 END \
         WHERE tenant_id = $2 AND agent_lo = $3 AND agent_hi = $4 AND {column} < $1"
    ))
    .bind(seq)
    .bind(tenant.0)
    .bind(lo.0)
    .bind(hi.0)
    .execute(&mut *w)
    .await
    .or_internal()?;
    Ok(done.rows_affected() > 0)
}

/// Every thread of the agent, newest first.
pub async fn threads(db: &Db, tenant: TenantId, me: AgentId) -> Result<Vec<ColleagueThread>, ApiError> {
    let rows = sqlx::query(
        "SELECT agent_lo, agent_hi, last_seq, lo_read_seq, hi_read_seq, last_at FROM colleague_threads \
         WHERE tenant_id = $1 AND (agent_lo = $2 OR agent_hi = $2) ORDER BY last_at DESC",
    )
    .bind(tenant.0)
    .bind(me.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            let (lo, hi): (i64, i64) = (r.try_get("agent_lo")?, r.try_get("agent_hi")?);
            let mine_lo = lo == me.0;
            Ok(ColleagueThread {
                peer: AgentId(if mine_lo { hi } else { lo }),
                last_seq: r.try_get("last_seq")?,
                read_seq: r.try_get(if mine_lo { "lo_read_seq" } else { "hi_read_seq" })?,
                last_at: r.try_get("last_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Broadcasts the tenant sent since `since` (unix ms): what the hourly limit counts.
pub async fn broadcasts_since(w: &mut Writer, tenant: TenantId, since: i64) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM broadcasts WHERE tenant_id = $1 AND sent_at >= $2")
        .bind(tenant.0)
        .bind(since)
        .fetch_one(&mut **w)
        .await
        .or_internal()
}

/// The broadcast `from` sent earlier with this client id: its id and its recipients.
pub async fn broadcast_before(
    w: &mut Writer,
    from: AgentId,
    client_msg_id: &str,
) -> Result<Option<(i64, Vec<AgentId>)>, ApiError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM broadcasts WHERE from_agent = $1 AND client_msg_id = $2")
        .bind(from.0)
        .bind(client_msg_id)
        .fetch_optional(&mut **w)
        .await
        .or_internal()?;
    let Some(id) = id else { return Ok(None) };
    let to: Vec<i64> = sqlx::query_scalar("SELECT agent_id FROM broadcast_recipients WHERE broadcast_id = $1")
        .bind(id)
        .fetch_all(&mut **w)
        .await
        .or_internal()?;
    Ok(Some((id, to.into_iter().map(AgentId).collect())))
}

/// Stores a broadcast and who it goes to; returns its id.
pub async fn insert_broadcast(
    w: &mut Writer,
    tenant: TenantId,
    from: AgentId,
    client_msg_id: &str,
    body: &str,
    to: &[AgentId],
    now: i64,
) -> Result<i64, ApiError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO broadcasts (tenant_id, from_agent, client_msg_id, body, sent_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(from.0)
    .bind(client_msg_id)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **w)
    .await
    .or_internal()?;
    for agent in to {
        sqlx::query("INSERT INTO broadcast_recipients (broadcast_id, agent_id) VALUES ($1, $2)")
            .bind(id)
            .bind(agent.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    Ok(id)
}

/// The broadcasts the agent received since `since` and has not dismissed, oldest first, at most
/// `limit` (the newest of them).
pub async fn standing(
    db: &Db,
    tenant: TenantId,
    me: AgentId,
    since: i64,
    limit: i64,
) -> Result<Vec<Broadcast>, ApiError> {
    let rows = sqlx::query(
        "SELECT b.id, b.body, b.sent_at, a.display_name FROM broadcast_recipients r \
         JOIN broadcasts b ON b.id = r.broadcast_id JOIN agents a ON a.id = b.from_agent \
         WHERE r.agent_id = $1 AND r.dismissed_at IS NULL AND b.tenant_id = $2 AND b.sent_at >= $3 \
         ORDER BY b.id DESC LIMIT $4",
    )
    .bind(me.0)
    .bind(tenant.0)
    .bind(since)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let mut list = rows
        .iter()
        .map(|r| {
            Ok(Broadcast {
                id: r.try_get("id")?,
                from_name: r.try_get("display_name")?,
                body: r.try_get("body")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .or_internal()?;
    list.reverse();
    Ok(list)
}

/// Marks a broadcast dismissed by the agent; returns whether it was standing.
pub async fn dismiss(db: &Db, tenant: TenantId, me: AgentId, id: i64, now: i64) -> Result<bool, ApiError> {
    let mut w = db.write().await?;
    let done = sqlx::query(
        "UPDATE broadcast_recipients SET dismissed_at = $1 WHERE broadcast_id = $2 AND agent_id = $3 \
         AND dismissed_at IS NULL AND broadcast_id IN (SELECT id FROM broadcasts WHERE tenant_id = $4)",
    )
    .bind(now)
    .bind(id)
    .bind(me.0)
    .bind(tenant.0)
    .execute(&mut *w)
    .await
    .or_internal()?;
    Ok(done.rows_affected() > 0)
}
