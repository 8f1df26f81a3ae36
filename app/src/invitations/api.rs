//! Invitation server functions (`Perm::SitesManage`): a site's automatic invitation. Agents invite
//! from the console over their socket (`FromAgent::InviteVisitor`).

use leptos::prelude::*;

use super::InviteSettings;
use crate::infra::error::AppError;

#[server(endpoint = "invitations/settings")]
pub async fn site_invitations(site_id: i64) -> Result<InviteSettings, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{Perm, SiteId};

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::settings(&state, &ctx, SiteId(site_id)).await?)
}

#[server(endpoint = "invitations/settings/save", input = leptos::server_fn::codec::Json)]
pub async fn save_site_invitations(settings: InviteSettings) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_settings(&state, &ctx, settings).await?)
}
