//! The SQL of sign-in and setup. Every statement that touches a company's rows names its tenant.

use kefu_protocol::{AgentId, ApiError, Perm, TenantId};
use sqlx::Row as _;

use crate::infra::db::Db;
use crate::infra::{now_ms, token_hash, OrInternal};

/// The built-in roles every company has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinRole {
    /// Everything, on every site.
    Admin,
    /// Answers chats and sees visitors and their own records, on their own sites.
    Agent,
}

impl BuiltinRole {
    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Admin => "admin",
            BuiltinRole::Agent => "agent",
        }
    }

    pub fn perms(self) -> Vec<Perm> {
        match self {
            BuiltinRole::Admin => Perm::ALL.to_vec(),
            BuiltinRole::Agent => vec![Perm::ChatServe, Perm::VisitorsView, Perm::SitesView, Perm::RecordsViewOwn],
        }
    }

    fn all_sites(self) -> bool {
        self == BuiltinRole::Admin
    }
}

/// An enabled agent's id, tenant and password hash, by login.
pub async fn credentials(db: &Db, login: &str) -> Result<Option<(AgentId, TenantId, String)>, ApiError> {
    let row = sqlx::query("SELECT id, tenant_id, password_hash FROM agents WHERE login = $1 AND enabled = 1")
        .bind(login)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    row.map(|r| Ok((AgentId(r.try_get("id")?), TenantId(r.try_get("tenant_id")?), r.try_get("password_hash")?)))
        .transpose()
        .or_internal()
}

pub async fn insert_tenant(db: &Db, name: &str) -> Result<TenantId, ApiError> {
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now_ms())
        .fetch_one(&mut *w)
        .await
        .or_internal()?;
    Ok(TenantId(id))
}

pub async fn tenant_count(db: &Db) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(db.reader()).await.or_internal()
}

/// Creates a role of the tenant; its id.
pub async fn insert_role(
    db: &Db,
    tenant: TenantId,
    name: &str,
    perms: &[Perm],
    all_sites: bool,
    builtin: Option<BuiltinRole>,
) -> Result<i64, ApiError> {
    let mut w = db.write().await?;
    sqlx::query_scalar(
        "INSERT INTO roles (tenant_id, name, perms, all_sites, builtin, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(Perm::join(perms))
    .bind(i64::from(all_sites))
    .bind(builtin.map(BuiltinRole::name))
    .bind(now_ms())
    .fetch_one(&mut *w)
    .await
    .or_internal()
}

/// Creates the built-in role in a new company.
pub async fn insert_builtin_role(db: &Db, tenant: TenantId, role: BuiltinRole) -> Result<i64, ApiError> {
    insert_role(db, tenant, role.name(), &role.perms(), role.all_sites(), Some(role)).await
}

pub async fn insert_agent(
    db: &Db,
    tenant: TenantId,
    login: &str,
    password_hash: &str,
    display_name: &str,
    role_id: i64,
) -> Result<AgentId, ApiError> {
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO agents (tenant_id, login, password_hash, display_name, role_id, enabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(login)
    .bind(password_hash)
    .bind(display_name)
    .bind(role_id)
    .bind(now_ms())
    .fetch_one(&mut *w)
    .await
    .or_internal()?;
    Ok(AgentId(id))
}

/// Stores a new session, and removes every expired one: rows are bounded by the sign-ins of one
/// session lifetime, with no sweeper task to run. One transaction.
pub async fn insert_session(
    db: &Db,
    tenant: TenantId,
    agent: AgentId,
    token: &str,
    ttl_ms: i64,
) -> Result<(), ApiError> {
    let now = now_ms();
    let mut w = db.write().await?;
    w.begin().await?;
    let result = async {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *w).await.or_internal()?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(token))
        .bind(agent.0)
        .bind(tenant.0)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *w)
        .await
        .or_internal()
    }
    .await;
    w.end(result).await.map(|_| ())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *w).await.or_internal()?;
    Ok(())
}

/// What an account change does to the agent's sessions.
pub enum EndSessions<'a> {
    All,
    /// All but this one (token hash): the agent changed their own password in it.
    AllBut(&'a str),
}

/// A change to an agent of the tenant that also ends sessions, in one transaction: `NotFound`
/// when the tenant has no such (undeleted) agent.
pub enum AccountChange<'a> {
    Enable(bool),
    Delete,
    Password(&'a str),
}

pub async fn change_account(
    db: &Db,
    tenant: TenantId,
    agent: AgentId,
    change: AccountChange<'_>,
    end: Option<EndSessions<'_>>,
) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let result = async {
        let update = match change {
            AccountChange::Enable(enabled) => sqlx::query(
                "UPDATE agents SET enabled = $1 WHERE id = $2 AND tenant_id = $3 AND deleted_at IS NULL",
            )
            .bind(i64::from(enabled)),
            AccountChange::Delete => sqlx::query(
                "UPDATE agents SET enabled = 0, deleted_at = $1 WHERE id = $2 AND tenant_id = $3 AND deleted_at IS NULL",
            )
            .bind(now_ms()),
            AccountChange::Password(hash) => sqlx::query(
                "UPDATE agents SET password_hash = $1 WHERE id = $2 AND tenant_id = $3 AND deleted_at IS NULL",
            )
            .bind(hash),
        };
        let changed = update.bind(agent.0).bind(tenant.0).execute(&mut *w).await.or_internal()?.rows_affected();
        if changed == 0 {
            return Err(ApiError::NotFound);
        }
        match end {
            Some(EndSessions::All) => sqlx::query("DELETE FROM sessions WHERE agent_id = $1 AND tenant_id = $2")
                .bind(agent.0)
                .bind(tenant.0)
                .execute(&mut *w)
                .await
                .or_internal()?,
            Some(EndSessions::AllBut(keep)) => {
                sqlx::query("DELETE FROM sessions WHERE agent_id = $1 AND tenant_id = $2 AND token_hash <> $3")
                    .bind(agent.0)
                    .bind(tenant.0)
                    .bind(keep)
                    .execute(&mut *w)
                    .await
                    .or_internal()?
            }
            None => return Ok(()),
        };
        Ok(())
    }
    .await;
    w.end(result).await
}

/// An agent's password hash, if the agent exists in the tenant.
pub async fn password_hash(db: &Db, tenant: TenantId, agent: AgentId) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT password_hash FROM agents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
        .bind(agent.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()
}

/// Removes expired sessions; returns how many.
pub async fn purge_sessions(db: &Db) -> Result<u64, ApiError> {
    let mut w = db.write().await?;
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now_ms()).execute(&mut *w).await;
    Ok(done.or_internal()?.rows_affected())
}
