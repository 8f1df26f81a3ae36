//! Customer server functions: the list needs `VisitorsView`, a merge `RecordsDelete`; the service
//! narrows both to the sites those permissions cover.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{CustomerFilter, CustomerPage};
use crate::infra::error::AppError;

#[server(endpoint = "customers", input = Json)]
pub async fn list_customers(filter: CustomerFilter) -> Result<CustomerPage, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::VisitorsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::list(&state, &ctx, filter).await?)
}

/// Merges customer `merged` into `kept` (the same person twice): `kept` takes the other's
/// conversations, page views, devices and missing card fields.
#[server(endpoint = "customers/merge")]
pub async fn merge_customers(kept: i64, merged: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::merge(&state, &ctx, kept, merged).await?)
}
