//! Sign-in server functions. `login` passes the public gate (`Ctx::public`); `logout` and `me`
//! need only a session (`Ctx::signed_in`).

use kefu_protocol::AgentInfo;
use leptos::prelude::*;

use crate::infra::error::AppError;

/// Signs in and sets the session cookie. Public.
#[server(endpoint = "login")]
pub async fn login(login: String, password: String) -> Result<AgentInfo, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::ApiError;

    let caller = Ctx::public().await?;
    let state = AppState::from_context()?;
    let (agent, token) = super::service::sign_in(&state, &login, &password, &caller.ip).await?;
    let cookie = super::service::session_cookie(&token, state.settings.cookie_secure);
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(ApiError::Internal)?;
    response
        .insert_header(http::header::SET_COOKIE, http::HeaderValue::from_str(&cookie).map_err(|_| ApiError::Internal)?);
    Ok(agent)
}

/// Ends the session, closes its sockets and clears the cookie.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::ApiError;

    let ctx = Ctx::signed_in().await?;
    let state = AppState::from_context()?;
    super::service::sign_out(&state, &ctx).await?;
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(ApiError::Internal)?;
    response.insert_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&super::service::clear_session_cookie()).map_err(|_| ApiError::Internal)?,
    );
    Ok(())
}

/// The signed-in agent, or `Unauthorized`.
#[server(endpoint = "me")]
pub async fn current_agent() -> Result<AgentInfo, AppError> {
    let ctx = crate::infra::ctx::Ctx::signed_in().await?;
    Ok(ctx.agent)
}
