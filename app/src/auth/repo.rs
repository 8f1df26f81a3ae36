//! The SQL of sign-in and setup. Every statement that touches a company's rows names its tenant.

use kefu_protocol::{AgentId, ApiError, ErrorCode, TenantId};
use sqlx::Row as _;

use crate::infra::audit::{self, Entry};
use crate::infra::db::{Db, Writer};
use crate::infra::{now_ms, token_hash, OrInternal, OrTaken};

/// The company with this account, if any.
pub async fn company_by_account(db: &Db, account: &str) -> Result<Option<TenantId>, ApiError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM tenants WHERE account = $1")
        .bind(account)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    Ok(id.map(TenantId))
}

/// An enabled agent who might be signing in: `who` matched their account, e-mail or mobile.
pub struct Candidate {
    pub agent: AgentId,
    pub login: String,
    pub password_hash: String,
}

/// The company's enabled agents whose account, e-mail or mobile is `who` (at most three: more than
/// one e-mail or mobile match is ambiguous anyway).
pub async fn sign_in_candidates(db: &Db, tenant: TenantId, who: &str) -> Result<Vec<Candidate>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, login, password_hash FROM agents WHERE tenant_id = $1 AND enabled = 1 AND deleted_at IS NULL \
         AND (login = $2 OR (email <> '' AND email = $2) OR (mobile <> '' AND mobile = $2)) ORDER BY id LIMIT 3",
    )
    .bind(tenant.0)
    .bind(who)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                agent: AgentId(r.try_get("id")?),
                login: r.try_get("login")?,
                password_hash: r.try_get("password_hash")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

pub async fn insert_tenant(w: &mut Writer, name: &str, account: &str) -> Result<TenantId, ApiError> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO tenants (name, account, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(account)
            .bind(now_ms())
            .fetch_one(&mut **w)
            .await
            .or_taken("company")?;
    Ok(TenantId(id))
}

pub async fn set_seat_limit(db: &Db, account: &str, limit: Option<i64>) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    let changed = sqlx::query("UPDATE tenants SET seat_limit = $1 WHERE account = $2")
        .bind(limit)
        .bind(account)
        .execute(&mut *w)
        .await
        .or_internal()?
        .rows_affected();
    if changed == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

pub async fn tenant_count(db: &Db) -> Result<i64, ApiError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(db.reader()).await.or_internal()
}

/// Whether any company exists, read with the writer (inside its transaction).
pub async fn any_tenant(w: &mut Writer) -> Result<bool, ApiError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(&mut **w).await.or_internal()?;
    Ok(n > 0)
}

/// A new agent row: the account is already parsed (lowercased), the password hashed.
pub struct NewAgent<'a> {
    pub login: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub role_id: i64,
    /// The company's first admin (cannot be deleted, disabled or demoted).
    pub owner: bool,
}

/// Inserts an agent; `Conflict` (`login`, `Taken`) when the company has an agent with that account.
pub async fn insert_agent(w: &mut Writer, tenant: TenantId, new: &NewAgent<'_>) -> Result<AgentId, ApiError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO agents (tenant_id, login, password_hash, display_name, role_id, enabled, owner, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7) RETURNING id",
    )
    .bind(tenant.0)
    .bind(new.login)
    .bind(new.password_hash)
    .bind(new.display_name)
    .bind(new.role_id)
    .bind(i64::from(new.owner))
    .bind(now_ms())
    .fetch_one(&mut **w)
    .await
    .or_taken("login")?;
    Ok(AgentId(id))
}

/// Stores a new session and its operation-log entry, and removes every expired session: rows are
/// bounded by the sign-ins of one session lifetime. One transaction.
pub async fn insert_session(
    db: &Db,
    tenant: TenantId,
    agent: AgentId,
    token: &str,
    ttl_ms: i64,
    entry: &Entry<'_>,
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
        .or_internal()?;
        audit::record(&mut w, entry).await
    }
    .await;
    w.end(result).await
}

/// Writes an operation-log entry on its own (a failed sign-in changes nothing else).
pub async fn record_alone(db: &Db, entry: &Entry<'_>) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let result = audit::record(&mut w, entry).await;
    w.end(result).await
}

pub async fn delete_session(db: &Db, token_hash: &str, entry: &Entry<'_>) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let result = async {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w)
            .await
            .or_internal()?;
        audit::record(&mut w, entry).await
    }
    .await;
    w.end(result).await
}

/// What an account change does to the agent's sessions.
pub enum EndSessions<'a> {
    All,
    /// All but this one (token hash): the agent changed their own password in it.
    AllBut(&'a str),
}

/// A change to an agent of the tenant that also ends sessions, with its operation-log entry, in one
/// transaction: `NotFound` when the tenant has no such (undeleted) agent, `Protected` when it would
/// disable or delete the company's first admin.
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
    entry: &Entry<'_>,
) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let result = async {
        let owner: Option<i64> =
            sqlx::query_scalar("SELECT owner FROM agents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
                .bind(agent.0)
                .bind(tenant.0)
                .fetch_optional(&mut *w)
                .await
                .or_internal()?;
        let owner = owner.ok_or(ApiError::NotFound)? != 0;
        if owner && matches!(change, AccountChange::Enable(false) | AccountChange::Delete) {
            return Err(ApiError::conflict(Some("agent_id"), ErrorCode::Protected));
        }
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
            None => return audit::record(&mut w, entry).await,
        };
        audit::record(&mut w, entry).await
    }
    .await;
    w.end(result).await
}

/// An agent's account, if the agent exists in the tenant.
pub async fn login_of(db: &Db, tenant: TenantId, agent: AgentId) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT login FROM agents WHERE id = $1 AND tenant_id = $2")
        .bind(agent.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()
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
