//! The SQL of sites.

use kefu_protocol::{ApiError, SiteId, TenantId};
use sqlx::Row as _;

use super::service::Site;
use crate::infra::db::{Db, Row, Writer};
use crate::infra::{now_ms, OrInternal};

const COLUMNS: &str = "id, tenant_id, name, site_key, allowed_domains";

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

/// A site by its public key: this is how a visitor's company is found.
pub async fn by_key(db: &Db, key: &str) -> Result<Option<Site>, ApiError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sites WHERE site_key = $1 AND deleted_at IS NULL"))
        .bind(key)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    row.as_ref().map(site_from_row).transpose().or_internal()
}

pub async fn of_tenant(db: &Db, tenant: TenantId) -> Result<Vec<Site>, ApiError> {
    let rows =
        sqlx::query(&format!("SELECT {COLUMNS} FROM sites WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id"))
            .bind(tenant.0)
            .fetch_all(db.reader())
            .await
            .or_internal()?;
    rows.iter().map(site_from_row).collect::<Result<_, _>>().or_internal()
}

/// The first site of the first company: what the demo customer page embeds.
pub async fn first(db: &Db) -> Result<Option<Site>, ApiError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sites WHERE deleted_at IS NULL ORDER BY id LIMIT 1"))
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    row.as_ref().map(site_from_row).transpose().or_internal()
}

pub async fn insert(
    w: &mut Writer,
    tenant: TenantId,
    name: &str,
    key: &str,
    domains: &str,
) -> Result<SiteId, ApiError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sites (tenant_id, name, site_key, allowed_domains, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(key)
    .bind(domains)
    .bind(now_ms())
    .fetch_one(&mut **w)
    .await
    .or_internal()?;
    Ok(SiteId(id))
}
