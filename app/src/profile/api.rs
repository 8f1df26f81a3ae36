//! Personal-settings server functions: any signed-in agent, about themself only.

use kefu_protocol::AgentPrefs;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::PersonalSettings;
use crate::infra::error::AppError;

#[server(endpoint = "me/settings")]
pub async fn my_settings() -> Result<PersonalSettings, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};

    let ctx = Ctx::signed_in().await?;
    let state = AppState::from_context()?;
    Ok(super::service::load(&state, &ctx).await?)
}

/// Saves the caller's settings; sets the language cookie the workbench renders in.
#[server(endpoint = "me/settings/save", input = Json)]
pub async fn save_my_settings(settings: PersonalSettings) -> Result<AgentPrefs, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::ApiError;

    let ctx = Ctx::signed_in().await?;
    let state = AppState::from_context()?;
    let prefs = super::service::save(&state, &ctx, settings).await?;
    let cookie = crate::i18n::lang_cookie(prefs.lang.as_deref(), state.settings.cookie_secure);
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(ApiError::Internal)?;
    response
        .insert_header(http::header::SET_COOKIE, http::HeaderValue::from_str(&cookie).map_err(|_| ApiError::Internal)?);
    Ok(prefs)
}

/// Replaces the caller's own avatar with an uploaded image; the new avatar's URL.
#[server(endpoint = "me/avatar", input = Json)]
pub async fn set_my_avatar(upload: crate::agents::Upload) -> Result<String, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};

    let ctx = Ctx::signed_in().await?;
    let state = AppState::from_context()?;
    Ok(crate::agents::service::set_avatar(&state, &ctx, ctx.agent.id, &upload).await?)
}
