//! Department server functions (`Perm::AgentsManage`: departments are part of managing the team).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{DepartmentForm, DepartmentView};
use crate::infra::error::AppError;

#[server(endpoint = "departments")]
pub async fn list_departments() -> Result<Vec<DepartmentView>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::list(&state, &ctx).await?)
}

#[server(endpoint = "departments/save", input = Json)]
pub async fn save_department(form: DepartmentForm) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save(&state, &ctx, form).await?)
}

#[server(endpoint = "departments/delete")]
pub async fn delete_department(id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete(&state, &ctx, id).await?)
}
