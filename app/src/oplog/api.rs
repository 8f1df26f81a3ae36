//! Operation-log server functions (`Perm::OplogView`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{OplogPage, OplogQuery};
use crate::infra::error::AppError;

#[server(endpoint = "oplog", input = Json)]
pub async fn list_oplog(query: OplogQuery) -> Result<OplogPage, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::OplogView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::page(&state, &ctx, &query).await?)
}

/// The matching entries as CSV (UTF-8 with BOM), for the page to offer as a download.
#[server(endpoint = "oplog/export", input = Json)]
pub async fn export_oplog(query: OplogQuery) -> Result<String, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::OplogView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::export(&state, &ctx, &query).await?)
}
