//! The SQL of the agents list and profiles. Every statement names its tenant.

use std::collections::HashMap;

use kefu_protocol::{AgentId, ApiError, TenantId};
use sqlx::Row as _;

use super::{AgentForm, AgentRow, PAGE};
use crate::infra::db::{like_escape, stale_or_missing, Db, Markers, Row, Writer};
use crate::infra::OrInternal;

const SELECT: &str = "SELECT a.id, a.login, a.display_name, a.nickname, a.job_number, a.email, a.mobile, \
     a.role_id, r.name AS role_name, r.builtin AS role_builtin, a.department_id, d.name AS department_name, \
     a.seat_enabled, a.max_chats, a.sort_order, a.enabled, a.owner, a.version, a.card, av.avatar_key \
     FROM agents a JOIN roles r ON r.id = a.role_id AND r.tenant_id = a.tenant_id \
     LEFT JOIN departments d ON d.id = a.department_id AND d.tenant_id = a.tenant_id \
     LEFT JOIN avatars av ON av.agent_id = a.id";

fn agent_from_row(r: &Row) -> Result<AgentRow, sqlx::Error> {
    Ok(AgentRow {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        nickname: r.try_get("nickname")?,
        job_number: r.try_get("job_number")?,
        email: r.try_get("email")?,
        mobile: r.try_get("mobile")?,
        role_id: r.try_get("role_id")?,
        role_name: r.try_get("role_name")?,
        role_builtin: r.try_get("role_builtin")?,
        department_id: r.try_get("department_id")?,
        department_name: r.try_get("department_name")?,
        site_ids: Vec::new(),
        seat_enabled: r.try_get::<i64, _>("seat_enabled")? != 0,
        max_chats: r.try_get("max_chats")?,
        sort_order: r.try_get("sort_order")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        owner: r.try_get::<i64, _>("owner")? != 0,
        version: r.try_get("version")?,
        avatar: r.try_get::<Option<String>, _>("avatar_key")?.map(|k| super::avatar_url(&k)),
        card: serde_json::from_str(&r.try_get::<String, _>("card")?).unwrap_or_default(),
        online: false,
        regions: Vec::new(),
    })
}

/// A page of the company's undeleted agents whose account, name, nickname, e-mail or mobile
/// contains `query`, in the order visitors see them, and how many match.
pub async fn page(db: &Db, tenant: TenantId, query: &str, offset: i64) -> Result<(Vec<AgentRow>, i64), ApiError> {
    let filter = "a.tenant_id = $1 AND a.deleted_at IS NULL AND ($2 = '' OR LOWER(a.login) LIKE $3 ESCAPE '\\' \
         OR LOWER(a.display_name) LIKE $3 ESCAPE '\\' OR LOWER(a.nickname) LIKE $3 ESCAPE '\\' \
         OR a.email LIKE $3 ESCAPE '\\' OR a.mobile LIKE $3 ESCAPE '\\')";
    let pattern = format!("%{}%", like_escape(&query.to_lowercase()));
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM agents a WHERE {filter}"))
        .bind(tenant.0)
        .bind(query)
        .bind(&pattern)
        .fetch_one(db.reader())
        .await
        .or_internal()?;
    let rows = sqlx::query(&format!("{SELECT} WHERE {filter} ORDER BY a.sort_order, a.id LIMIT $4 OFFSET $5"))
        .bind(tenant.0)
        .bind(query)
        .bind(&pattern)
        .bind(PAGE)
        .bind(offset.max(0))
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    let mut agents: Vec<AgentRow> = rows.iter().map(agent_from_row).collect::<Result<_, _>>().or_internal()?;
    if !agents.is_empty() {
        let mut markers = Markers::new(db.kind);
        let sql = format!(
            "SELECT agent_id, site_id FROM agent_sites WHERE tenant_id = {} AND agent_id IN ({}) ORDER BY site_id",
            markers.one(),
            markers.list(agents.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant.0);
        for agent in &agents {
            q = q.bind(agent.id);
        }
        let mut sites: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in q.fetch_all(db.reader()).await.or_internal()? {
            sites.entry(r.try_get("agent_id").or_internal()?).or_default().push(r.try_get("site_id").or_internal()?);
        }
        let mut markers = Markers::new(db.kind);
        let sql = format!(
            "SELECT agent_id, region FROM agent_regions WHERE tenant_id = {} AND agent_id IN ({}) ORDER BY region",
            markers.one(),
            markers.list(agents.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant.0);
        for agent in &agents {
            q = q.bind(agent.id);
        }
        let mut regions: HashMap<i64, Vec<String>> = HashMap::new();
        for r in q.fetch_all(db.reader()).await.or_internal()? {
            regions.entry(r.try_get("agent_id").or_internal()?).or_default().push(r.try_get("region").or_internal()?);
        }
        for agent in &mut agents {
            agent.site_ids = sites.remove(&agent.id).unwrap_or_default();
            agent.regions = regions.remove(&agent.id).unwrap_or_default();
        }
    }
    Ok((agents, total))
}

/// An undeleted agent of the tenant with their sites (read with the writer).
pub async fn get(w: &mut Writer, tenant: TenantId, id: AgentId) -> Result<Option<AgentRow>, ApiError> {
    let row = sqlx::query(&format!("{SELECT} WHERE a.id = $1 AND a.tenant_id = $2 AND a.deleted_at IS NULL"))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()?;
    let Some(mut agent) = row.as_ref().map(agent_from_row).transpose().or_internal()? else { return Ok(None) };
    agent.site_ids = sqlx::query_scalar("SELECT site_id FROM agent_sites WHERE agent_id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_all(&mut **w)
        .await
        .or_internal()?;
    agent.site_ids.sort_unstable();
    agent.regions =
        sqlx::query_scalar("SELECT region FROM agent_regions WHERE agent_id = $1 AND tenant_id = $2 ORDER BY region")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_all(&mut **w)
            .await
            .or_internal()?;
    Ok(Some(agent))
}

/// Enabled seats of undeleted, enabled agents other than `except`, and the company's limit.
pub async fn seats(w: &mut Writer, tenant: TenantId, except: Option<AgentId>) -> Result<(i64, Option<i64>), ApiError> {
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agents WHERE tenant_id = $1 AND seat_enabled = 1 AND enabled = 1 \
         AND deleted_at IS NULL AND id <> $2",
    )
    .bind(tenant.0)
    .bind(except.map_or(0, |a| a.0))
    .fetch_one(&mut **w)
    .await
    .or_internal()?;
    let limit: Option<i64> = sqlx::query_scalar("SELECT seat_limit FROM tenants WHERE id = $1")
        .bind(tenant.0)
        .fetch_one(&mut **w)
        .await
        .or_internal()?;
    Ok((used, limit))
}

/// Seats in use (for the list header), read outside a transaction.
pub async fn seats_now(db: &Db, tenant: TenantId) -> Result<(i64, Option<i64>), ApiError> {
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agents WHERE tenant_id = $1 AND seat_enabled = 1 AND enabled = 1 AND deleted_at IS NULL",
    )
    .bind(tenant.0)
    .fetch_one(db.reader())
    .await
    .or_internal()?;
    let limit: Option<i64> = sqlx::query_scalar("SELECT seat_limit FROM tenants WHERE id = $1")
        .bind(tenant.0)
        .fetch_one(db.reader())
        .await
        .or_internal()?;
    Ok((used, limit))
}

/// Whether the tenant has the department.
pub async fn has_department(w: &mut Writer, tenant: TenantId, id: i64) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()?;
    Ok(found.is_some())
}

/// Writes the profile of an agent read at `form.version`: `Stale` when someone saved it meanwhile.
pub async fn update_profile(w: &mut Writer, tenant: TenantId, id: AgentId, form: &AgentForm) -> Result<(), ApiError> {
    let changed = sqlx::query(
        "UPDATE agents SET display_name = $1, nickname = $2, job_number = $3, email = $4, mobile = $5, \
         role_id = $6, department_id = $7, seat_enabled = $8, max_chats = $9, sort_order = $10, card = $11, \
         version = version + 1 WHERE id = $12 AND tenant_id = $13 AND version = $14 AND deleted_at IS NULL",
    )
    .bind(&form.display_name)
    .bind(&form.nickname)
    .bind(&form.job_number)
    .bind(&form.email)
    .bind(&form.mobile)
    .bind(form.role_id)
    .bind(form.department_id)
    .bind(i64::from(form.seat_enabled))
    .bind(form.max_chats)
    .bind(form.sort_order)
    .bind(serde_json::to_string(&form.card).map_err(|_| ApiError::Internal)?)
    .bind(id.0)
    .bind(tenant.0)
    .bind(form.version)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(stale_or_missing(w, "agents", id.0, tenant).await);
    }
    Ok(())
}

/// Replaces the agent's sites.
pub async fn set_sites(w: &mut Writer, tenant: TenantId, id: AgentId, sites: &[i64]) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM agent_sites WHERE agent_id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    for site in sites {
        sqlx::query("INSERT INTO agent_sites (agent_id, site_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(site)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// Replaces the regions the agent serves first.
pub async fn set_regions(w: &mut Writer, tenant: TenantId, id: AgentId, regions: &[String]) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM agent_regions WHERE agent_id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    for region in regions {
        sqlx::query("INSERT INTO agent_regions (agent_id, region, tenant_id) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(region)
            .bind(tenant.0)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// Replaces the agent's avatar with `png` under a new key.
pub async fn set_avatar(
    w: &mut Writer,
    tenant: TenantId,
    agent: AgentId,
    key: &str,
    png: &[u8],
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM avatars WHERE agent_id = $1 AND tenant_id = $2")
        .bind(agent.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    sqlx::query("INSERT INTO avatars (avatar_key, agent_id, tenant_id, png, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(key)
        .bind(agent.0)
        .bind(tenant.0)
        .bind(png.to_vec())
        .bind(crate::infra::now_ms())
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// The key of an agent's avatar, if they have one.
pub async fn avatar_key(db: &Db, tenant: TenantId, agent: AgentId) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT avatar_key FROM avatars WHERE agent_id = $1 AND tenant_id = $2")
        .bind(agent.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()
}

/// An avatar's PNG by its key.
pub async fn avatar_png(db: &Db, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    sqlx::query_scalar("SELECT png FROM avatars WHERE avatar_key = $1")
        .bind(key)
        .fetch_optional(db.reader())
        .await
        .or_internal()
}

/// Whether `id` is an undeleted agent of the tenant.
pub async fn exists(w: &mut Writer, tenant: TenantId, id: AgentId) -> Result<bool, ApiError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM agents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_optional(&mut **w)
            .await
            .or_internal()?;
    Ok(found.is_some())
}
