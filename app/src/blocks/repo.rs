//! The SQL of blocks. Every statement names its tenant.

use kefu_protocol::{ApiError, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::BlockView;
use crate::infra::db::{Db, Writer};
use crate::infra::OrInternal;

/// A block in force as the checks need it.
pub struct Active {
    pub site: Option<SiteId>,
    pub visitor: Option<VisitorId>,
    pub net: Option<String>,
    pub until: Option<i64>,
}

/// The company's blocks in force at `now`.
pub async fn active(db: &Db, tenant: TenantId, now: i64) -> Result<Vec<Active>, ApiError> {
    let rows = sqlx::query(
        "SELECT site_id, visitor_id, net, until FROM blocks WHERE tenant_id = $1 AND (until IS NULL OR until > $2)",
    )
    .bind(tenant.0)
    .bind(now)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(Active {
                site: r.try_get::<Option<i64>, _>("site_id")?.map(SiteId),
                visitor: r.try_get::<Option<i64>, _>("visitor_id")?.map(VisitorId),
                net: r.try_get("net")?,
                until: r.try_get("until")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The blocks in force at `now`, newest first, with names for people.
pub async fn list(db: &Db, tenant: TenantId, now: i64) -> Result<Vec<BlockView>, ApiError> {
    let rows = sqlx::query(
        "SELECT b.id, b.site_id, s.name AS site_name, b.visitor_id, v.name AS visitor_name, b.net, b.reason, \
         a.display_name AS by_name, b.created_at, b.until FROM blocks b \
         LEFT JOIN sites s ON s.id = b.site_id AND s.tenant_id = b.tenant_id \
         LEFT JOIN visitors v ON v.id = b.visitor_id AND v.tenant_id = b.tenant_id \
         LEFT JOIN agents a ON a.id = b.created_by AND a.tenant_id = b.tenant_id AND a.deleted_at IS NULL \
         WHERE b.tenant_id = $1 AND (b.until IS NULL OR b.until > $2) ORDER BY b.created_at DESC, b.id DESC",
    )
    .bind(tenant.0)
    .bind(now)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(BlockView {
                id: r.try_get("id")?,
                site_id: r.try_get("site_id")?,
                site_name: r.try_get("site_name")?,
                visitor_id: r.try_get("visitor_id")?,
                visitor_name: r.try_get("visitor_name")?,
                net: r.try_get("net")?,
                reason: r.try_get("reason")?,
                by_name: r.try_get("by_name")?,
                created_at: r.try_get("created_at")?,
                until: r.try_get("until")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The site of one of the company's visitors, and their name.
pub async fn visitor_site(
    w: &mut Writer,
    tenant: TenantId,
    visitor: VisitorId,
) -> Result<Option<(SiteId, Option<String>)>, ApiError> {
    let row = sqlx::query("SELECT site_id, name FROM visitors WHERE id = $1 AND tenant_id = $2")
        .bind(visitor.0)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()?;
    row.map(|r| Ok((SiteId(r.try_get("site_id")?), r.try_get("name")?))).transpose().or_internal()
}

/// Whether the company has this (undeleted) site.
/// Visitors with an open conversation (on `site`, or any site), with the address of their latest
/// page view.
pub async fn chatting(db: &Db, tenant: TenantId, site: Option<SiteId>) -> Result<Vec<(VisitorId, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.visitor_id, (SELECT p.ip FROM page_views p WHERE p.visitor_id = c.visitor_id \
         ORDER BY p.id DESC LIMIT 1) AS ip FROM conversations c \
         WHERE c.tenant_id = $1 AND c.status = 'open' AND ($2 = 0 OR c.site_id = $2)",
    )
    .bind(tenant.0)
    .bind(site.map_or(0, |s| s.0))
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            let ip: Option<String> = r.try_get("ip")?;
            Ok((VisitorId(r.try_get("visitor_id")?), ip.unwrap_or_default()))
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

pub async fn has_site(w: &mut Writer, tenant: TenantId, site: SiteId) -> Result<bool, ApiError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM sites WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
            .bind(site.0)
            .bind(tenant.0)
            .fetch_optional(&mut **w)
            .await
            .or_internal()?;
    Ok(found.is_some())
}

pub struct NewBlock<'a> {
    pub site: Option<SiteId>,
    pub visitor: Option<VisitorId>,
    pub net: Option<&'a str>,
    pub reason: &'a str,
    pub by: i64,
    pub at: i64,
    pub until: Option<i64>,
}

pub async fn insert(w: &mut Writer, tenant: TenantId, block: &NewBlock<'_>) -> Result<i64, ApiError> {
    sqlx::query_scalar(
        "INSERT INTO blocks (tenant_id, site_id, visitor_id, net, reason, created_by, created_at, until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(tenant.0)
    .bind(block.site.map(|s| s.0))
    .bind(block.visitor.map(|v| v.0))
    .bind(block.net)
    .bind(block.reason)
    .bind(block.by)
    .bind(block.at)
    .bind(block.until)
    .fetch_one(&mut **w)
    .await
    .or_internal()
}

/// One of the company's blocks: its site, and what it is for (the visitor or the range) in words.
pub async fn describe(w: &mut Writer, tenant: TenantId, id: i64) -> Result<Option<(Option<SiteId>, String)>, ApiError> {
    let row = sqlx::query("SELECT site_id, visitor_id, net FROM blocks WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()?;
    row.map(|r| {
        let site = r.try_get::<Option<i64>, _>("site_id")?.map(SiteId);
        let visitor: Option<i64> = r.try_get("visitor_id")?;
        let net: Option<String> = r.try_get("net")?;
        Ok((site, net.unwrap_or_else(|| format!("visitor #{}", visitor.unwrap_or_default()))))
    })
    .transpose()
    .or_internal()
}

pub async fn delete(w: &mut Writer, tenant: TenantId, id: i64) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM blocks WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}
