//! The SQL of roles. Every statement names its tenant.

use kefu_protocol::{AgentId, ApiError, Perm, TenantId};
use sqlx::Row as _;

use super::{RoleForm, RoleView};
use crate::infra::db::{stale_or_missing, Db, Writer};
use crate::infra::{now_ms, OrInternal, OrTaken};

/// The built-in roles every company has; they cannot be edited or deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinRole {
    /// Super admin: everything, on every site.
    Admin,
    /// App admin: everything but company settings and roles, on every site.
    AppAdmin,
    /// Answers chats and sees visitors and their own records, on their own sites.
    Agent,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 3] = [BuiltinRole::Admin, BuiltinRole::AppAdmin, BuiltinRole::Agent];

    /// The stored name (also the `builtin` column).
    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Admin => "admin",
            BuiltinRole::AppAdmin => "app_admin",
            BuiltinRole::Agent => "agent",
        }
    }

    pub fn perms(self) -> Vec<Perm> {
        match self {
            BuiltinRole::Admin => Perm::ALL.to_vec(),
            BuiltinRole::AppAdmin => {
                Perm::ALL.into_iter().filter(|p| !matches!(p, Perm::SettingsManage | Perm::RolesManage)).collect()
            }
            BuiltinRole::Agent => vec![Perm::ChatServe, Perm::VisitorsView, Perm::SitesView, Perm::RecordsViewOwn],
        }
    }

    /// What the role grants only on the agent's own sites: everything, for an agent.
    fn own_sites(self) -> Vec<Perm> {
        match self {
            BuiltinRole::Agent => self.perms(),
            _ => Vec::new(),
        }
    }
}

/// Creates the built-in role in a new company; its id.
pub async fn insert_builtin_role(w: &mut Writer, tenant: TenantId, role: BuiltinRole) -> Result<i64, ApiError> {
    insert_role(w, tenant, role.name(), &role.perms(), &role.own_sites(), Some(role)).await
}

/// Creates a role of the company; its id. `Conflict` (`name`, `Taken`) when the name is in use.
pub async fn insert_role(
    w: &mut Writer,
    tenant: TenantId,
    name: &str,
    perms: &[Perm],
    own_sites: &[Perm],
    builtin: Option<BuiltinRole>,
) -> Result<i64, ApiError> {
    sqlx::query_scalar(
        "INSERT INTO roles (tenant_id, name, perms, own_site_perms, builtin, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(Perm::join(perms))
    .bind(Perm::join(own_sites))
    .bind(builtin.map(BuiltinRole::name))
    .bind(now_ms())
    .fetch_one(&mut **w)
    .await
    .or_taken("name")
}

/// The id of the company's built-in role.
pub async fn builtin_role_id(db: &Db, tenant: TenantId, role: BuiltinRole) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT id FROM roles WHERE tenant_id = $1 AND builtin = $2")
        .bind(tenant.0)
        .bind(role.name())
        .fetch_one(db.reader())
        .await
        .or_internal()
}

/// The company's roles, built-in first, with how many agents have each.
pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<RoleView>, ApiError> {
    let rows = sqlx::query(
        "SELECT r.id, r.name, r.builtin, r.perms, r.own_site_perms, r.version, \
         (SELECT COUNT(*) FROM agents a WHERE a.role_id = r.id AND a.deleted_at IS NULL) AS agents \
         FROM roles r WHERE r.tenant_id = $1 ORDER BY CASE WHEN r.builtin IS NULL THEN 1 ELSE 0 END, r.id",
    )
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(RoleView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                builtin: r.try_get("builtin")?,
                perms: Perm::parse_list(&r.try_get::<String, _>("perms")?),
                own_sites: Perm::parse_list(&r.try_get::<String, _>("own_site_perms")?),
                agents: r.try_get("agents")?,
                version: r.try_get("version")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A role of the tenant as stored (read with the writer, inside its transaction).
pub async fn get(w: &mut Writer, tenant: TenantId, id: i64) -> Result<Option<RoleView>, ApiError> {
    let row = sqlx::query(
        "SELECT id, name, builtin, perms, own_site_perms, version FROM roles WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id)
    .bind(tenant.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    row.map(|r| {
        Ok(RoleView {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            builtin: r.try_get("builtin")?,
            perms: Perm::parse_list(&r.try_get::<String, _>("perms")?),
            own_sites: Perm::parse_list(&r.try_get::<String, _>("own_site_perms")?),
            agents: 0,
            version: r.try_get("version")?,
        })
    })
    .transpose()
    .or_internal()
}

/// Saves a change to a custom role read at `form.version`: `Stale` when someone saved it meanwhile.
pub async fn update(w: &mut Writer, tenant: TenantId, id: i64, form: &RoleForm) -> Result<(), ApiError> {
    let changed = sqlx::query(
        "UPDATE roles SET name = $1, perms = $2, own_site_perms = $3, version = version + 1 \
         WHERE id = $4 AND tenant_id = $5 AND version = $6 AND builtin IS NULL",
    )
    .bind(&form.name)
    .bind(Perm::join(&form.perms))
    .bind(Perm::join(&form.own_sites))
    .bind(id)
    .bind(tenant.0)
    .bind(form.version)
    .execute(&mut **w)
    .await
    .or_taken("name")?
    .rows_affected();
    if changed == 0 {
        return Err(stale_or_missing(w, "roles", id, tenant).await);
    }
    Ok(())
}

pub async fn delete(w: &mut Writer, tenant: TenantId, id: i64) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM roles WHERE id = $1 AND tenant_id = $2 AND builtin IS NULL")
        .bind(id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(())
}

/// The undeleted agents who have the role.
pub async fn agents_with(w: &mut Writer, tenant: TenantId, role: i64) -> Result<Vec<AgentId>, ApiError> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM agents WHERE role_id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
            .bind(role)
            .bind(tenant.0)
            .fetch_all(&mut **w)
            .await
            .or_internal()?;
    Ok(ids.into_iter().map(AgentId).collect())
}

/// Whether `role` is a role of the tenant; `Some(builtin name)` when found.
pub async fn builtin_of(w: &mut Writer, tenant: TenantId, role: i64) -> Result<Option<Option<String>>, ApiError> {
    sqlx::query_scalar("SELECT builtin FROM roles WHERE id = $1 AND tenant_id = $2")
        .bind(role)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()
}
