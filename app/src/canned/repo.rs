//! The SQL of canned replies. Every statement names the tenant, and the library (scope and owner)
//! a row must belong to.

use kefu_protocol::{AgentId, ApiError, TenantId};
use sqlx::Row as _;

use super::{Folder, PickerReply, Reply, ReplyForm, Scope};
use crate::infra::db::{stale_or_missing, Db, Writer};
use crate::infra::OrInternal;

/// A library: which scope, whose (0 for the company's, a department's or an agent's id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub scope: Scope,
    pub id: i64,
}

/// The agent's department: id, name, and its admin.
pub async fn department_of(
    db: &Db,
    tenant: TenantId,
    agent: AgentId,
) -> Result<Option<(i64, String, Option<i64>)>, ApiError> {
    let row = sqlx::query(
        "SELECT d.id, d.name, d.admin_id FROM agents a JOIN departments d ON d.id = a.department_id \
         AND d.tenant_id = a.tenant_id WHERE a.id = $1 AND a.tenant_id = $2",
    )
    .bind(agent.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("admin_id")?))).transpose().or_internal()
}

/// A library's folders and replies, in their order.
pub async fn library(db: &Db, tenant: TenantId, owner: Owner) -> Result<(Vec<Folder>, Vec<Reply>), ApiError> {
    let folders = sqlx::query(
        "SELECT id, name FROM canned_folders WHERE tenant_id = $1 AND scope = $2 AND owner_id = $3 \
         ORDER BY sort_order, id",
    )
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .fetch_all(db.reader())
    .await
    .or_internal()?
    .iter()
    .map(|r| Ok(Folder { id: r.try_get("id")?, name: r.try_get("name")? }))
    .collect::<Result<Vec<_>, sqlx::Error>>()
    .or_internal()?;
    let replies = sqlx::query(
        "SELECT id, version, folder_id, site_id, title, body, uses FROM canned_replies \
         WHERE tenant_id = $1 AND scope = $2 AND owner_id = $3 ORDER BY sort_order, id",
    )
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .fetch_all(db.reader())
    .await
    .or_internal()?
    .iter()
    .map(|r| {
        Ok(Reply {
            id: r.try_get("id")?,
            version: r.try_get("version")?,
            folder_id: r.try_get("folder_id")?,
            site_id: r.try_get("site_id")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            uses: r.try_get("uses")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()
    .or_internal()?;
    Ok((folders, replies))
}

/// Rows of a library in `table` (`canned_folders` or `canned_replies`).
pub async fn count(w: &mut Writer, tenant: TenantId, owner: Owner, table: &str) -> Result<i64, ApiError> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1 AND scope = $2 AND owner_id = $3"))
        .bind(tenant.0)
        .bind(owner.scope.as_str())
        .bind(owner.id)
        .fetch_one(&mut **w)
        .await
        .or_internal()
}

/// The library a row of `table` is in (`None`: not the company's).
pub async fn owner_of(w: &mut Writer, tenant: TenantId, table: &str, id: i64) -> Result<Option<Owner>, ApiError> {
    let row = sqlx::query(&format!("SELECT scope, owner_id FROM {table} WHERE id = $1 AND tenant_id = $2"))
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()?;
    row.map(|r| {
        let scope = Scope::parse(&r.try_get::<String, _>("scope")?).unwrap_or_default();
        Ok(Owner { scope, id: r.try_get("owner_id")? })
    })
    .transpose()
    .or_internal()
}

async fn next_order(w: &mut Writer, tenant: TenantId, owner: Owner, table: &str) -> Result<i64, ApiError> {
    let last: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(sort_order) FROM {table} WHERE tenant_id = $1 AND scope = $2 AND owner_id = $3"
    ))
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .fetch_one(&mut **w)
    .await
    .or_internal()?;
    Ok(last.map_or(0, |l| l + 1))
}

pub async fn insert_reply(
    w: &mut Writer,
    tenant: TenantId,
    owner: Owner,
    form: &ReplyForm,
    now: i64,
) -> Result<i64, ApiError> {
    let order = next_order(w, tenant, owner, "canned_replies").await?;
    sqlx::query_scalar(
        "INSERT INTO canned_replies (tenant_id, scope, owner_id, folder_id, site_id, title, body, sort_order, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .bind(form.folder_id)
    .bind(form.site_id)
    .bind(&form.title)
    .bind(&form.body)
    .bind(order)
    .bind(now)
    .fetch_one(&mut **w)
    .await
    .or_internal()
}

/// Changes a reply read at `form.version` (`Stale` when changed meanwhile).
pub async fn update_reply(w: &mut Writer, tenant: TenantId, form: &ReplyForm, now: i64) -> Result<(), ApiError> {
    let id = form.id.ok_or(ApiError::NotFound)?;
    let changed = sqlx::query(
        "UPDATE canned_replies SET folder_id = $1, site_id = $2, title = $3, body = $4, updated_at = $5, \
         version = version + 1 WHERE id = $6 AND tenant_id = $7 AND version = $8",
    )
    .bind(form.folder_id)
    .bind(form.site_id)
    .bind(&form.title)
    .bind(&form.body)
    .bind(now)
    .bind(id)
    .bind(tenant.0)
    .bind(form.version)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(stale_or_missing(w, "canned_replies", id, tenant).await);
    }
    Ok(())
}

pub async fn delete(w: &mut Writer, tenant: TenantId, table: &str, id: i64) -> Result<(), ApiError> {
    if table == "canned_folders" {
        // A folder goes with its replies (seed 000 17.3).
        sqlx::query("DELETE FROM canned_replies WHERE folder_id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1 AND tenant_id = $2"))
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

pub async fn insert_folder(
    w: &mut Writer,
    tenant: TenantId,
    owner: Owner,
    name: &str,
    now: i64,
) -> Result<i64, ApiError> {
    let order = next_order(w, tenant, owner, "canned_folders").await?;
    sqlx::query_scalar(
        "INSERT INTO canned_folders (tenant_id, scope, owner_id, name, sort_order, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .bind(name)
    .bind(order)
    .bind(now)
    .fetch_one(&mut **w)
    .await
    .or_internal()
}

pub async fn rename_folder(w: &mut Writer, tenant: TenantId, id: i64, name: &str) -> Result<(), ApiError> {
    sqlx::query("UPDATE canned_folders SET name = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(name)
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// The library's folder with this name, if any.
pub async fn folder_named(w: &mut Writer, tenant: TenantId, owner: Owner, name: &str) -> Result<Option<i64>, ApiError> {
    sqlx::query_scalar(
        "SELECT id FROM canned_folders WHERE tenant_id = $1 AND scope = $2 AND owner_id = $3 AND name = $4 \
         ORDER BY id LIMIT 1",
    )
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .bind(name)
    .fetch_optional(&mut **w)
    .await
    .or_internal()
}

/// A library's rows of `table`, in their order.
pub async fn order(w: &mut Writer, tenant: TenantId, owner: Owner, table: &str) -> Result<Vec<i64>, ApiError> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE tenant_id = $1 AND scope = $2 AND owner_id = $3 ORDER BY sort_order, id"
    ))
    .bind(tenant.0)
    .bind(owner.scope.as_str())
    .bind(owner.id)
    .fetch_all(&mut **w)
    .await
    .or_internal()
}

/// Every reply of `owners` (the libraries an agent sees), most used first.
pub async fn visible(db: &Db, tenant: TenantId, owners: &[Owner]) -> Result<Vec<PickerReply>, ApiError> {
    let mut all = Vec::new();
    for owner in owners {
        let rows = sqlx::query(
            "SELECT r.id, r.site_id, r.title, r.body, r.uses, r.sort_order, f.name AS folder FROM canned_replies r \
             LEFT JOIN canned_folders f ON f.id = r.folder_id AND f.tenant_id = r.tenant_id \
             WHERE r.tenant_id = $1 AND r.scope = $2 AND r.owner_id = $3",
        )
        .bind(tenant.0)
        .bind(owner.scope.as_str())
        .bind(owner.id)
        .fetch_all(db.reader())
        .await
        .or_internal()?;
        for r in rows {
            let reply = PickerReply {
                id: r.try_get("id").or_internal()?,
                scope: owner.scope,
                folder: r.try_get("folder").or_internal()?,
                site_id: r.try_get("site_id").or_internal()?,
                title: r.try_get("title").or_internal()?,
                body: r.try_get("body").or_internal()?,
                initials: String::new(),
            };
            let uses: i64 = r.try_get("uses").or_internal()?;
            let order: i64 = r.try_get("sort_order").or_internal()?;
            all.push((std::cmp::Reverse(uses), owner.scope as u8, order, reply));
        }
    }
    all.sort_by_key(|a| (a.0, a.1, a.2, a.3.id));
    Ok(all.into_iter().map(|(.., reply)| reply).collect())
}

/// Counts one use of a reply of one of `owners`; `false` when it is none of theirs.
pub async fn used(db: &Db, tenant: TenantId, id: i64, owners: &[Owner]) -> Result<bool, ApiError> {
    let mut w = db.write().await?;
    for owner in owners {
        let done = sqlx::query(
            "UPDATE canned_replies SET uses = uses + 1 WHERE id = $1 AND tenant_id = $2 AND scope = $3 AND owner_id = $4",
        )
        .bind(id)
        .bind(tenant.0)
        .bind(owner.scope.as_str())
        .bind(owner.id)
        .execute(&mut *w)
        .await
        .or_internal()?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
    }
    Ok(false)
}
