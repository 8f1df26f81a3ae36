//! The SQL of departments. Every statement names its tenant.

use kefu_protocol::{ApiError, TenantId};
use sqlx::Row as _;

use super::{DepartmentForm, DepartmentView};
use crate::infra::db::{stale_or_missing, Db, Writer};
use crate::infra::{now_ms, OrInternal, OrTaken};

pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<DepartmentView>, ApiError> {
    let rows = sqlx::query(
        "SELECT d.id, d.name, d.admin_id, d.version, a.display_name AS admin_name, \
         (SELECT COUNT(*) FROM agents m WHERE m.department_id = d.id AND m.deleted_at IS NULL) AS members \
         FROM departments d LEFT JOIN agents a ON a.id = d.admin_id AND a.tenant_id = d.tenant_id \
         WHERE d.tenant_id = $1 ORDER BY d.name",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let mut departments: Vec<DepartmentView> = rows
        .iter()
        .map(|r| {
            Ok(DepartmentView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                admin_id: r.try_get("admin_id")?,
                admin_name: r.try_get("admin_name")?,
                members: r.try_get("members")?,
                member_list: Vec::new(),
                version: r.try_get("version")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()?;
    let members = sqlx::query(
        "SELECT id, department_id, display_name FROM agents WHERE tenant_id = $1 AND deleted_at IS NULL \
         AND department_id IS NOT NULL ORDER BY sort_order, id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    for r in members {
        let department: i64 = r.try_get("department_id").or_internal()?;
        if let Some(d) = departments.iter_mut().find(|d| d.id == department) {
            d.member_list.push((r.try_get("id").or_internal()?, r.try_get("display_name").or_internal()?));
        }
    }
    Ok(departments)
}

/// Whether `agent` is an undeleted member of the department.
pub async fn is_member(w: &mut Writer, tenant: TenantId, department: i64, agent: i64) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM agents WHERE id = $1 AND tenant_id = $2 AND department_id = $3 AND deleted_at IS NULL",
    )
    .bind(agent)
    .bind(tenant.0)
    .bind(department)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    Ok(found.is_some())
}

/// The department's name, if the tenant has it (read with the writer).
pub async fn name_of(w: &mut Writer, tenant: TenantId, id: i64) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT name FROM departments WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()
}

pub async fn insert(w: &mut Writer, tenant: TenantId, form: &DepartmentForm) -> Result<i64, ApiError> {
    sqlx::query_scalar(
        "INSERT INTO departments (tenant_id, name, admin_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(tenant.0)
    .bind(&form.name)
    .bind(form.admin_id)
    .bind(now_ms())
    .fetch_one(&mut **w)
    .await
    .or_taken("name")
}

pub async fn update(w: &mut Writer, tenant: TenantId, id: i64, form: &DepartmentForm) -> Result<(), ApiError> {
    let changed = sqlx::query(
        "UPDATE departments SET name = $1, admin_id = $2, version = version + 1 \
         WHERE id = $3 AND tenant_id = $4 AND version = $5",
    )
    .bind(&form.name)
    .bind(form.admin_id)
    .bind(id)
    .bind(tenant.0)
    .bind(form.version)
    .execute(&mut **w)
    .await
    .or_taken("name")?
    .rows_affected();
    if changed == 0 {
        return Err(stale_or_missing(w, "departments", id, tenant).await);
    }
    Ok(())
}

/// Deletes the department; its agents move to no department. Returns how many moved.
pub async fn delete(w: &mut Writer, tenant: TenantId, id: i64) -> Result<u64, ApiError> {
    let moved = sqlx::query(
        "UPDATE agents SET department_id = NULL, version = version + 1 WHERE department_id = $1 AND tenant_id = $2",
    )
    .bind(id)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    let deleted = sqlx::query("DELETE FROM departments WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?
        .rows_affected();
    if deleted == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(moved)
}
