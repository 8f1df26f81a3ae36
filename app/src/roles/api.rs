//! Role server functions. Listing is open to those who manage roles or agents (the agents page
//! picks roles from it); changing roles needs `Perm::RolesManage`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{RoleForm, RoleView};
use crate::infra::error::AppError;

#[server(endpoint = "roles")]
pub async fn list_roles() -> Result<Vec<RoleView>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require_any(&[Perm::RolesManage, Perm::AgentsManage]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::list(&state, &ctx).await?)
}

#[server(endpoint = "roles/save", input = Json)]
pub async fn save_role(form: RoleForm) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RolesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save(&state, &ctx, form).await?)
}

#[server(endpoint = "roles/delete")]
pub async fn delete_role(id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RolesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete(&state, &ctx, id).await?)
}
