//! The SQL of statistics. Every statement names its tenant.

use kefu_protocol::{ApiError, SiteId, TenantId};
use sqlx::Row as _;

use super::TrafficDay;
use crate::infra::db::{Db, Writer};
use crate::infra::OrInternal;

/// A site's traffic between two instants (unix ms, `to` exclusive), counted from the raw rows.
pub async fn raw(db: &Db, tenant: TenantId, site: SiteId, from: i64, to: i64) -> Result<TrafficDay, ApiError> {
    let views = "FROM page_views p JOIN visitors v ON v.id = p.visitor_id \
                 WHERE p.tenant_id = $1 AND v.site_id = $2 AND p.viewed_at >= $3 AND p.viewed_at < $4";
    let sql = format!(
        "SELECT (SELECT COUNT(*) {views}) AS page_views, (SELECT COUNT(DISTINCT p.visitor_id) {views}) AS visitors, \
         (SELECT COUNT(*) FROM visitors n WHERE n.tenant_id = $1 AND n.site_id = $2 AND n.first_seen >= $3 \
          AND n.first_seen < $4 AND n.token_hash NOT LIKE 'merged:%') AS new_visitors, \
         (SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = $1 AND c.site_id = $2 AND c.started_at >= $3 \
          AND c.started_at < $4) AS chats"
    );
    let r =
        sqlx::query(&sql).bind(tenant.0).bind(site.0).bind(from).bind(to).fetch_one(db.reader()).await.or_internal()?;
    Ok(TrafficDay {
        day: String::new(),
        page_views: r.try_get("page_views").or_internal()?,
        visitors: r.try_get("visitors").or_internal()?,
        new_visitors: r.try_get("new_visitors").or_internal()?,
        chats: r.try_get("chats").or_internal()?,
    })
}

/// The rolled-up days of a site from `from` to `to` (`YYYY-MM-DD`, both included), oldest first.
pub async fn stored(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    from: &str,
    to: &str,
) -> Result<Vec<TrafficDay>, ApiError> {
    let rows = sqlx::query(
        "SELECT day, page_views, visitors, new_visitors, chats FROM stats_daily \
         WHERE tenant_id = $1 AND site_id = $2 AND day >= $3 AND day <= $4 ORDER BY day",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(TrafficDay {
                day: r.try_get("day")?,
                page_views: r.try_get("page_views")?,
                visitors: r.try_get("visitors")?,
                new_visitors: r.try_get("new_visitors")?,
                chats: r.try_get("chats")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Stores a rolled-up day (replacing an earlier roll of it).
pub async fn store(w: &mut Writer, tenant: TenantId, site: SiteId, day: &TrafficDay, now: i64) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO stats_daily (tenant_id, site_id, day, page_views, visitors, new_visitors, chats, rolled_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (site_id, day) DO UPDATE SET \
         page_views = excluded.page_views, visitors = excluded.visitors, new_visitors = excluded.new_visitors, \
         chats = excluded.chats, rolled_at = excluded.rolled_at",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(&day.day)
    .bind(day.page_views)
    .bind(day.visitors)
    .bind(day.new_visitors)
    .bind(day.chats)
    .bind(now)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(())
}

/// Every site that is not deleted, with its company and time zone.
pub async fn sites(db: &Db) -> Result<Vec<(TenantId, SiteId, String)>, ApiError> {
    let rows = sqlx::query("SELECT tenant_id, id, time_zone FROM sites WHERE deleted_at IS NULL ORDER BY id")
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    rows.iter()
        .map(|r| Ok((TenantId(r.try_get("tenant_id")?), SiteId(r.try_get("id")?), r.try_get("time_zone")?)))
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A site's time zone (`None`: not the company's, or deleted).
pub async fn zone(db: &Db, tenant: TenantId, site: SiteId) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT time_zone FROM sites WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
        .bind(site.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()
}

/// The company a site belongs to, for the operator's rebuild (which has no session).
pub async fn owner(db: &Db, site: SiteId) -> Result<Option<TenantId>, ApiError> {
    sqlx::query_scalar("SELECT tenant_id FROM sites WHERE id = $1 AND deleted_at IS NULL")
        .bind(site.0)
        .fetch_optional(db.reader())
        .await
        .map(|t| t.map(TenantId))
        .or_internal()
}
