//! The SQL of visitors: returning ones looked up and new ones registered, many per statement, and
//! the bookkeeping (page views, last seen, visit counts) written in batches.

use std::collections::HashMap;

use kefu_protocol::{ApiError, ConversationId, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::service::{Lookup, Note, Registration};
use super::{Known, Latest, Visitor};
use crate::infra::db::{Db, Markers};
use crate::infra::OrInternal;

/// A returning visitor is found by token hash, site and company together.
pub type Key = (String, SiteId, TenantId);

pub async fn lookup(db: &Db, batch: &[Lookup]) -> Result<HashMap<Key, Known>, ApiError> {
    let mut hashes: Vec<&str> = batch.iter().map(|l| l.token_hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let markers = Markers::new(db.kind).list(hashes.len());
    let sql = format!(
        "SELECT v.token_hash, v.site_id, v.tenant_id, v.id, v.name, v.first_seen, v.visits, v.last_seen, \
         c.id AS conversation_id, c.last_seq, c.agent_read_seq, c.status, a.display_name AS agent_name FROM visitors v \
         LEFT JOIN conversations c ON c.id = (SELECT l.id FROM conversations l \
           WHERE l.visitor_id = v.id AND l.tenant_id = v.tenant_id ORDER BY l.started_at DESC, l.id DESC LIMIT 1) \
         LEFT JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id AND c.status = 'open' \
         WHERE v.token_hash IN ({markers})"
    );
    let mut query = sqlx::query(&sql);
    for hash in &hashes {
        query = query.bind(*hash);
    }
    let mut found = HashMap::new();
    for r in query.fetch_all(db.reader()).await.or_internal()? {
        let latest = match r.try_get::<Option<i64>, _>("conversation_id").or_internal()? {
            Some(id) => Some(Latest {
                id: ConversationId(id),
                last_seq: r.try_get("last_seq").or_internal()?,
                agent_read_seq: r.try_get("agent_read_seq").or_internal()?,
                open: r.try_get::<String, _>("status").or_internal()? == "open",
                agent_name: r.try_get("agent_name").or_internal()?,
            }),
            None => None,
        };
        let visitor = Visitor {
            id: VisitorId(r.try_get("id").or_internal()?),
            name: r.try_get("name").or_internal()?,
            first_seen: r.try_get("first_seen").or_internal()?,
            visits: r.try_get("visits").or_internal()?,
            latest,
        };
        let key = (
            r.try_get::<String, _>("token_hash").or_internal()?,
            SiteId(r.try_get("site_id").or_internal()?),
            TenantId(r.try_get("tenant_id").or_internal()?),
        );
        found.insert(key, Known { visitor, last_seen: r.try_get("last_seen").or_internal()? });
    }
    Ok(found)
}

/// One multi-row insert; the new ids by token hash (random, so unique).
pub async fn insert(db: &Db, batch: &[Registration]) -> Result<HashMap<String, VisitorId>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let rows: Vec<String> = batch
        .iter()
        .map(|_| {
            format!(
                "({}, {}, {}, NULL, {}, {}, 1)",
                markers.one(),
                markers.one(),
                markers.one(),
                markers.one(),
                markers.one()
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO visitors (tenant_id, site_id, token_hash, name, first_seen, last_seen, visits) VALUES {} \
         RETURNING id, token_hash",
        rows.join(", ")
    );
    // Not kept as a prepared statement: its text differs with every batch size, and each connection
    // would cache up to 100 of them (+13 MB at 19k visitors in the bench).
    let mut query = sqlx::query(&sql).persistent(false);
    for r in batch {
        query = query.bind(r.tenant.0).bind(r.site.0).bind(&r.token_hash).bind(r.at).bind(r.at);
    }
    let mut w = db.write().await?;
    let mut ids = HashMap::with_capacity(batch.len());
    for row in query.fetch_all(&mut *w).await.or_internal()? {
        ids.insert(row.try_get::<String, _>("token_hash").or_internal()?, VisitorId(row.try_get("id").or_internal()?));
    }
    Ok(ids)
}

pub async fn write_notes(db: &Db, notes: &[Note]) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let mut result = Ok(());
    for note in notes {
        let done = match note {
            Note::PageView { tenant, visitor, page, user_agent, ip, at } => sqlx::query(
                "INSERT INTO page_views (tenant_id, visitor_id, url, title, referrer, user_agent, ip, viewed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant.0)
            .bind(visitor.0)
            .bind(&page.url)
            .bind(&page.title)
            .bind(&page.referrer)
            .bind(user_agent)
            .bind(ip)
            .bind(at)
            .execute(&mut *w)
            .await
            .map(|_| ()),
            Note::Seen { tenant, visitor, at, new_visit } => {
                sqlx::query("UPDATE visitors SET last_seen = $1, visits = visits + $2 WHERE id = $3 AND tenant_id = $4")
                    .bind(at)
                    .bind(i64::from(*new_visit))
                    .bind(visitor.0)
                    .bind(tenant.0)
                    .execute(&mut *w)
                    .await
                    .map(|_| ())
            }
        };
        if let Err(e) = done {
            result = Err(e);
            break;
        }
    }
    w.end(result.or_internal()).await
}

/// Page views older than `before` whose address is still a full one (not yet a `/` network), at
/// most `limit`.
pub async fn full_ips_before(db: &Db, before: i64, limit: i64) -> Result<Vec<(i64, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, ip FROM page_views WHERE viewed_at < $1 AND ip <> '' AND ip NOT LIKE '%/%' ORDER BY viewed_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("ip")?))).collect::<Result<_, sqlx::Error>>().or_internal()
}

/// Replaces page views' addresses, in one transaction.
pub async fn set_ips(db: &Db, ips: &[(i64, String)]) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let mut result = Ok(());
    for (id, ip) in ips {
        if let Err(e) =
            sqlx::query("UPDATE page_views SET ip = $1 WHERE id = $2").bind(ip).bind(id).execute(&mut *w).await
        {
            result = Err(e);
            break;
        }
    }
    w.end(result.or_internal()).await
}
