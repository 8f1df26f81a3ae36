//! The SQL of sites.

use kefu_protocol::{ApiError, SiteId, TenantId};
use sqlx::Row as _;

use super::service::Site;
use crate::infra::db::{stale_or_missing, Db, Row, Writer};
use crate::infra::{now_ms, OrInternal};

const COLUMNS: &str =
    "id, tenant_id, name, site_key, allowed_domains, version, full_ips, identity_secret, push_same_tab, time_zone";

fn site_from_row(r: &Row) -> Result<Site, sqlx::Error> {
    let domains: String = r.try_get("allowed_domains")?;
    Ok(Site {
        id: SiteId(r.try_get("id")?),
        tenant_id: TenantId(r.try_get("tenant_id")?),
        name: r.try_get("name")?,
        key: r.try_get("site_key")?,
        allowed_domains: domains.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        version: r.try_get("version")?,
        full_ips: r.try_get::<i64, _>("full_ips")? != 0,
        identity_secret: r.try_get("identity_secret")?,
        push_same_tab: r.try_get::<i64, _>("push_same_tab")? != 0,
        time_zone: r.try_get("time_zone")?,
    })
}

/// Gives a site its identity secret, unless it has one; returns the one it has.
pub async fn ensure_identity_secret(db: &Db, tenant: TenantId, id: SiteId, secret: &str) -> Result<String, ApiError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE sites SET identity_secret = $1 WHERE id = $2 AND tenant_id = $3 AND identity_secret = ''")
        .bind(secret)
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut *w)
        .await
        .or_internal()?;
    sqlx::query_scalar("SELECT identity_secret FROM sites WHERE id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_one(&mut *w)
        .await
        .or_internal()
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

/// The ids of the tenant's undeleted sites.
pub async fn ids(w: &mut Writer, tenant: TenantId) -> Result<Vec<i64>, ApiError> {
    sqlx::query_scalar("SELECT id FROM sites WHERE tenant_id = $1 AND deleted_at IS NULL")
        .bind(tenant.0)
        .fetch_all(&mut **w)
        .await
        .or_internal()
}

/// The id of the tenant's default site: its first (which cannot be deleted).
pub async fn default_site(db: &Db, tenant: TenantId) -> Result<Option<SiteId>, ApiError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM sites WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(db.reader())
        .await
        .or_internal()?;
    Ok(id.map(SiteId))
}

/// An undeleted site of the tenant (read with the writer), with whether it is the default one.
pub async fn get(w: &mut Writer, tenant: TenantId, id: SiteId) -> Result<Option<(Site, bool)>, ApiError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, (SELECT MIN(f.id) FROM sites f WHERE f.tenant_id = sites.tenant_id) AS first_id \
         FROM sites WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL"
    ))
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    row.map(|r| Ok((site_from_row(&r)?, r.try_get::<i64, _>("first_id")? == id.0))).transpose().or_internal()
}

/// Renames a site and replaces its domains, if read at `version`: `Stale` otherwise.
pub async fn update(
    w: &mut Writer,
    tenant: TenantId,
    id: SiteId,
    version: i64,
    name: &str,
    domains: &str,
) -> Result<(), ApiError> {
    let changed = sqlx::query(
        "UPDATE sites SET name = $1, allowed_domains = $2, version = version + 1 \
         WHERE id = $3 AND tenant_id = $4 AND version = $5 AND deleted_at IS NULL",
    )
    .bind(name)
    .bind(domains)
    .bind(id.0)
    .bind(tenant.0)
    .bind(version)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(stale_or_missing(w, "sites", id.0, tenant).await);
    }
    Ok(())
}

/// The site's options: whether it stores visitors' full IP addresses, whether links pushed to its
/// own pages open in the visitor's tab, and the time zone its days are cut in.
pub async fn set_options(
    w: &mut Writer,
    tenant: TenantId,
    id: SiteId,
    full_ips: bool,
    push_same_tab: bool,
    time_zone: &str,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE sites SET full_ips = $1, push_same_tab = $4, time_zone = $5 WHERE id = $2 AND tenant_id = $3")
        .bind(i64::from(full_ips))
        .bind(id.0)
        .bind(tenant.0)
        .bind(i64::from(push_same_tab))
        .bind(time_zone)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// Marks a site deleted: it serves no visitor; its conversations stay in the records.
pub async fn soft_delete(w: &mut Writer, tenant: TenantId, id: SiteId) -> Result<(), ApiError> {
    sqlx::query("UPDATE sites SET deleted_at = $1, version = version + 1 WHERE id = $2 AND tenant_id = $3")
        .bind(now_ms())
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    sqlx::query("DELETE FROM agent_sites WHERE site_id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
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
