//! Role rules: built-in roles are fixed; a custom role has a name of at most 20 characters, unique
//! in the company; a role agents still have cannot be deleted. A change reaches the agents who have
//! the role at once: their next request reads it, and their open consoles are closed so they
//! reconnect with the new permissions (and the new menu).

use kefu_protocol::text::Name;
use kefu_protocol::{ApiError, ErrorCode, Perm, TenantId};

use super::repo::{self, BuiltinRole};
use super::{RoleForm, RoleView, NAME_CHARS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::db::Writer;
use crate::infra::realtime::AgentSockets;
use crate::infra::state::AppState;

/// Creates a new company's built-in roles; the super admin role's id.
pub async fn create_builtin_roles(w: &mut Writer, tenant: TenantId) -> Result<i64, ApiError> {
    let mut admin = 0;
    for role in BuiltinRole::ALL {
        let id = repo::insert_builtin_role(w, tenant, role).await?;
        if role == BuiltinRole::Admin {
            admin = id;
        }
    }
    Ok(admin)
}

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<RoleView>, ApiError> {
    repo::list(&state.db, ctx.tenant()).await
}

/// What changed, for the operation log: `name`, and permissions added (+) and removed (−).
fn summary(before: Option<&RoleView>, after: &RoleForm) -> String {
    let Some(before) = before else {
        return format!("{}: {}", after.name, Perm::join(&after.perms));
    };
    let mut parts = Vec::new();
    if before.name != after.name {
        parts.push(format!("{} → {}", before.name, after.name));
    }
    let added: Vec<Perm> = after.perms.iter().copied().filter(|p| !before.perms.contains(p)).collect();
    let removed: Vec<Perm> = before.perms.iter().copied().filter(|p| !after.perms.contains(p)).collect();
    if !added.is_empty() {
        parts.push(format!("+{}", Perm::join(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("-{}", Perm::join(&removed)));
    }
    if before.own_sites != after.own_sites {
        parts.push(format!("own sites only: [{}] → [{}]", Perm::join(&before.own_sites), Perm::join(&after.own_sites)));
    }
    parts.join("; ")
}

/// Creates a custom role (`form.id` `None`) or changes one. One transaction with its log entry.
pub async fn save(state: &AppState, ctx: &Ctx, mut form: RoleForm) -> Result<(), ApiError> {
    form.name = Name::parse(&form.name, "name", NAME_CHARS)?.into_string();
    form.perms = Perm::parse_list(&Perm::join(&form.perms));
    // Only what the role grants can be limited.
    form.own_sites = Perm::parse_list(&Perm::join(&form.own_sites));
    form.own_sites.retain(|p| form.perms.contains(p));
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        match form.id {
            None => {
                let id =
                    repo::insert_role(&mut w, ctx.tenant(), &form.name, &form.perms, &form.own_sites, None).await?;
                let object = format!("role #{id}");
                audit::record(&mut w, &Entry::by(ctx, OpKind::RoleCreated, &object, &summary(None, &form))).await?;
                Ok(Vec::new())
            }
            Some(id) => {
                let before = repo::get(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
                if before.builtin.is_some() {
                    return Err(ApiError::conflict(Some("name"), ErrorCode::Protected));
                }
                repo::update(&mut w, ctx.tenant(), id, &form).await?;
                let object = format!("role #{id}");
                let summary = summary(Some(&before), &form);
                audit::record(&mut w, &Entry::by(ctx, OpKind::RoleChanged, &object, &summary)).await?;
                repo::agents_with(&mut w, ctx.tenant(), id).await
            }
        }
    }
    .await;
    let affected = w.end(result).await?;
    for agent in affected {
        state.realtime.close_agent(ctx.tenant(), agent, AgentSockets::All, "role changed");
    }
    Ok(())
}

/// Deletes a custom role that no agent has.
pub async fn delete(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), ApiError> {
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let role = repo::get(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
        if role.builtin.is_some() {
            return Err(ApiError::conflict(None, ErrorCode::Protected));
        }
        if !repo::agents_with(&mut w, ctx.tenant(), id).await?.is_empty() {
            return Err(ApiError::conflict(None, ErrorCode::InUse));
        }
        repo::delete(&mut w, ctx.tenant(), id).await?;
        let object = format!("role #{id}");
        audit::record(&mut w, &Entry::by(ctx, OpKind::RoleDeleted, &object, &role.name)).await
    }
    .await;
    w.end(result).await
}

/// Checks that `role` is one of the tenant's roles (read with the writer); whether it is the
/// built-in super admin role.
pub async fn check_role(w: &mut Writer, tenant: TenantId, role: i64) -> Result<bool, ApiError> {
    match repo::builtin_of(w, tenant, role).await? {
        None => Err(ApiError::invalid("role_id", ErrorCode::NotFound)),
        Some(builtin) => Ok(builtin.as_deref() == Some(BuiltinRole::Admin.name())),
    }
}
