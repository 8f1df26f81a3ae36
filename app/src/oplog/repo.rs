//! The SQL of reading and purging the operation log. Every read names its tenant.

use kefu_protocol::{ApiError, TenantId};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row as _};

use super::{OpKind, OplogEntry, OplogQuery};
use crate::infra::db::Db;
use crate::infra::OrInternal;

/// The `WHERE` clause of a query, its parameters numbered from `$1` (the tenant).
fn filter(q: &OplogQuery) -> String {
    let mut clause = String::from("l.tenant_id = $1");
    let mut n = 1;
    let mut next = |column: &str, op: &str| {
        n += 1;
        format!(" AND {column} {op} ${n}")
    };
    if q.agent_id.is_some() {
        clause.push_str(&next("l.agent_id", "="));
    }
    if q.kind.is_some() {
        clause.push_str(&next("l.kind", "="));
    }
    if q.from.is_some() {
        clause.push_str(&next("l.at", ">="));
    }
    if q.to.is_some() {
        clause.push_str(&next("l.at", "<"));
    }
    clause
}

fn bind<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    tenant: TenantId,
    q: &OplogQuery,
) -> Query<'q, Any, AnyArguments<'q>> {
    query = query.bind(tenant.0);
    if let Some(agent) = q.agent_id {
        query = query.bind(agent);
    }
    if let Some(kind) = q.kind {
        query = query.bind(kind.as_str());
    }
    if let Some(from) = q.from {
        query = query.bind(from);
    }
    if let Some(to) = q.to {
        query = query.bind(to);
    }
    query
}

/// Matching entries, newest first: `limit` from `offset`, and how many match.
pub async fn page(db: &Db, tenant: TenantId, q: &OplogQuery, limit: i64) -> Result<(Vec<OplogEntry>, i64), ApiError> {
    let clause = filter(q);
    let count_sql = format!("SELECT COUNT(*) AS n FROM oplog l WHERE {clause}");
    let total: i64 = bind(sqlx::query(&count_sql), tenant, q)
        .fetch_one(db.reader())
        .await
        .or_internal()?
        .try_get("n")
        .or_internal()?;
    let sql = format!(
        "SELECT l.id, l.at, l.agent_id, a.display_name AS agent_name, l.account, l.kind, l.object, l.summary, \
         l.ip, l.user_agent FROM oplog l LEFT JOIN agents a ON a.id = l.agent_id AND a.tenant_id = l.tenant_id \
         WHERE {clause} ORDER BY l.at DESC, l.id DESC LIMIT {} OFFSET {}",
        limit.max(0),
        q.offset.max(0)
    );
    let rows = bind(sqlx::query(&sql), tenant, q).fetch_all(db.reader()).await.or_internal()?;
    let entries = rows
        .iter()
        .map(|r| {
            Ok(OplogEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                agent_id: r.try_get("agent_id")?,
                agent_name: r.try_get("agent_name")?,
                account: r.try_get("account")?,
                kind: OpKind::parse(&r.try_get::<String, _>("kind")?),
                object: r.try_get("object")?,
                summary: r.try_get("summary")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()?;
    Ok((entries, total))
}

/// Removes entries older than `before` (unix ms), of every company; how many.
pub async fn purge(db: &Db, before: i64) -> Result<u64, ApiError> {
    let mut w = db.write().await?;
    let done = sqlx::query("DELETE FROM oplog WHERE at < $1").bind(before).execute(&mut *w).await;
    Ok(done.or_internal()?.rows_affected())
}
