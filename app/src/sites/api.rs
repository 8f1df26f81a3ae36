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

/// Creates a site, or renames one and replaces its bound domains; the site's id.
#[server(endpoint = "sites/save", input = leptos::server_fn::codec::Json)]
pub async fn save_site(form: super::SiteForm) -> Result<i64, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save(&state, &ctx, form).await?)
}

/// Deletes a site (not the default one) once its name is typed again in `confirm`.
#[server(endpoint = "sites/delete")]
pub async fn delete_site(id: i64, confirm: String) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{Perm, SiteId};

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete(&state, &ctx, SiteId(id), &confirm).await?)
}
