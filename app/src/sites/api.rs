//! Site server functions.

use leptos::prelude::*;

use super::SiteView;
use crate::infra::error::AppError;

/// The sites of the signed-in agent's company that the agent may act on.
#[server(endpoint = "sites")]
pub async fn my_sites() -> Result<Vec<SiteView>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SitesView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::site_views(&state, &ctx).await?)
}
