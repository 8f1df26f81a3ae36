//! Routing server functions: thin adapters over [`super::service`] and the areas it draws on.

use leptos::prelude::*;

use crate::infra::error::AppError;

/// The company's categories an agent may transfer a chat to: `(id, name)`, in their order.
#[server(endpoint = "routing/categories")]
pub async fn transfer_categories() -> Result<Vec<(i64, String)>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    let categories = crate::categories::service::list(&state, &ctx).await?;
    Ok(categories.into_iter().map(|c| (c.id, c.name)).collect())
}

/// A site's routing and rating rules.
#[server(endpoint = "routing/settings")]
pub async fn routing_settings(site_id: i64) -> Result<super::RoutingSettings, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{Perm, SiteId};

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::settings(&state, &ctx, SiteId(site_id)).await?)
}

/// Saves a site's routing and rating rules.
#[server(endpoint = "routing/settings/save", input = leptos::server_fn::codec::Json)]
pub async fn save_routing_settings(settings: super::RoutingSettings) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_settings(&state, &ctx, settings).await?)
}
