//! Block server functions (`Perm::BlockManage`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{BlockForm, BlockView};
use crate::infra::error::AppError;

#[server(endpoint = "blocks")]
pub async fn list_blocks() -> Result<Vec<BlockView>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::BlockManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::list(&state, &ctx).await?)
}

#[server(endpoint = "blocks/add", input = Json)]
pub async fn add_block(form: BlockForm) -> Result<i64, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::BlockManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::block(&state, &ctx, form).await?)
}

#[server(endpoint = "blocks/lift")]
pub async fn lift_block(id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::BlockManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::unblock(&state, &ctx, id).await?)
}
