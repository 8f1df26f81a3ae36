//! The SQL of categories. Every statement names its tenant.

use std::collections::HashMap;

use kefu_protocol::{ApiError, TenantId};
use sqlx::Row as _;

use super::{CategoryForm, CategoryView};
use crate::infra::db::{stale_or_missing, Db, Writer};
use crate::infra::{now_ms, OrInternal, OrTaken};

pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<CategoryView>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.sort_order, c.switchboard_id, c.version, a.display_name AS switchboard_name \
         FROM categories c LEFT JOIN agents a ON a.id = c.switchboard_id AND a.tenant_id = c.tenant_id \
         WHERE c.tenant_id = $1 ORDER BY c.sort_order, c.id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let mut categories: Vec<CategoryView> = rows
        .iter()
        .map(|r| {
            Ok(CategoryView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                sort_order: r.try_get("sort_order")?,
                switchboard_id: r.try_get("switchboard_id")?,
                switchboard_name: r.try_get("switchboard_name")?,
                agent_ids: Vec::new(),
                site_ids: Vec::new(),
                version: r.try_get("version")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()?;
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    let rows = sqlx::query(
        "SELECT ca.category_id, ca.agent_id FROM category_agents ca JOIN agents a ON a.id = ca.agent_id \
         WHERE ca.tenant_id = $1 AND a.deleted_at IS NULL ORDER BY ca.agent_id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    for r in rows {
        members.entry(r.try_get("category_id").or_internal()?).or_default().push(r.try_get("agent_id").or_internal()?);
    }
    let mut sites: HashMap<i64, Vec<i64>> = HashMap::new();
    let rows = sqlx::query(
        "SELECT cs.category_id, cs.site_id FROM category_sites cs JOIN sites s ON s.id = cs.site_id \
         WHERE cs.tenant_id = $1 AND s.deleted_at IS NULL ORDER BY cs.site_id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    for r in rows {
        sites.entry(r.try_get("category_id").or_internal()?).or_default().push(r.try_get("site_id").or_internal()?);
    }
    for c in &mut categories {
        c.agent_ids = members.remove(&c.id).unwrap_or_default();
        c.site_ids = sites.remove(&c.id).unwrap_or_default();
    }
    Ok(categories)
}

/// The category's name, if the tenant has it (read with the writer).
pub async fn name_of(w: &mut Writer, tenant: TenantId, id: i64) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT name FROM categories WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()
}

/// Inserts a category after the last one; its id.
pub async fn insert(w: &mut Writer, tenant: TenantId, form: &CategoryForm) -> Result<i64, ApiError> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(sort_order) FROM categories WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(&mut **w)
        .await
        .or_internal()?;
    sqlx::query_scalar(
        "INSERT INTO categories (tenant_id, name, sort_order, switchboard_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(&form.name)
    .bind(last.map_or(0, |l| l + 1))
    .bind(form.switchboard_id)
    .bind(now_ms())
    .fetch_one(&mut **w)
    .await
    .or_taken("name")
}

pub async fn update(w: &mut Writer, tenant: TenantId, id: i64, form: &CategoryForm) -> Result<(), ApiError> {
    let changed = sqlx::query(
        "UPDATE categories SET name = $1, switchboard_id = $2, version = version + 1 \
         WHERE id = $3 AND tenant_id = $4 AND version = $5",
    )
    .bind(&form.name)
    .bind(form.switchboard_id)
    .bind(id)
    .bind(tenant.0)
    .bind(form.version)
    .execute(&mut **w)
    .await
    .or_taken("name")?
    .rows_affected();
    if changed == 0 {
        return Err(stale_or_missing(w, "categories", id, tenant).await);
    }
    Ok(())
}

/// Replaces the category's members and sites.
pub async fn set_links(w: &mut Writer, tenant: TenantId, id: i64, form: &CategoryForm) -> Result<(), ApiError> {
    for table in ["category_agents", "category_sites"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE category_id = $1 AND tenant_id = $2"))
            .bind(id)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    for agent in &form.agent_ids {
        sqlx::query("INSERT INTO category_agents (category_id, agent_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(agent)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    for site in &form.site_ids {
        sqlx::query("INSERT INTO category_sites (category_id, site_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(site)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    Ok(())
}

pub async fn delete(w: &mut Writer, tenant: TenantId, id: i64) -> Result<(), ApiError> {
    for table in ["category_agents", "category_sites"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE category_id = $1 AND tenant_id = $2"))
            .bind(id)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    sqlx::query("DELETE FROM categories WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// The company's category ids in their order (read with the writer).
pub async fn order(w: &mut Writer, tenant: TenantId) -> Result<Vec<i64>, ApiError> {
    sqlx::query_scalar("SELECT id FROM categories WHERE tenant_id = $1 ORDER BY sort_order, id")
        .bind(tenant.0)
        .fetch_all(&mut **w)
        .await
        .or_internal()
}
