//! Category server functions (`Perm::AgentsManage`: categories group the team for visitors).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{CategoryForm, CategoryView};
use crate::infra::error::AppError;

#[server(endpoint = "categories")]
pub async fn list_categories() -> Result<Vec<CategoryView>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::list(&state, &ctx).await?)
}

#[server(endpoint = "categories/save", input = Json)]
pub async fn save_category(form: CategoryForm) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save(&state, &ctx, form).await?)
}

#[server(endpoint = "categories/delete")]
pub async fn delete_category(id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete(&state, &ctx, id).await?)
}

/// Moves a category one place up (`up=true`) or down in the order visitors see.
#[server(endpoint = "categories/move")]
pub async fn move_category(id: i64, up: bool) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::move_category(&state, &ctx, id, up).await?)
}
