//! Sign-in and account server functions. `login` passes the public gate (`Ctx::public`); `logout`,
//! `me` and changing one's own password need only a session (`Ctx::signed_in`); changing other
//! agents' accounts needs `Perm::AgentsManage`.

use kefu_protocol::AgentInfo;
use leptos::prelude::*;

use crate::infra::error::AppError;

/// Signs in and sets the session cookie. Public. `remember` (the "keep me signed in" box, sent
/// only when ticked) keeps the session for 30 days; otherwise it ends with the browser.
#[server(endpoint = "login")]
pub async fn login(login: String, password: String, remember: Option<String>) -> Result<AgentInfo, AppError> {
    use super::service::SessionLength;
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::ApiError;

    let caller = Ctx::public().await?;
    let state = AppState::from_context()?;
    let length = if remember.is_some() { SessionLength::Remembered } else { SessionLength::Browser };
    let (agent, token) = super::service::sign_in(&state, &login, &password, &caller.ip, length).await?;
    let cookie = super::service::session_cookie(&token, state.settings.cookie_secure, length);
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

/// Enables or disables another agent of the company; disabling ends their sessions at once.
#[server(endpoint = "agents/enable")]
pub async fn set_agent_enabled(agent_id: i64, enabled: bool) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{AgentId, Perm};

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::set_enabled(&state, &ctx, AgentId(agent_id), enabled).await?)
}

/// Deletes another agent of the company (their records stay); their sessions end at once.
#[server(endpoint = "agents/delete")]
pub async fn delete_agent(agent_id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{AgentId, Perm};

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete_agent(&state, &ctx, AgentId(agent_id)).await?)
}

/// Sets another agent's password; their sessions end at once.
#[server(endpoint = "agents/password")]
pub async fn set_agent_password(agent_id: i64, password: String) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{AgentId, Perm};

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::set_password(&state, &ctx, AgentId(agent_id), &password).await?)
}

/// Changes the signed-in agent's own password; their other sessions end, this one stays.
#[server(endpoint = "me/password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};

    let ctx = Ctx::signed_in().await?;
    let state = AppState::from_context()?;
    Ok(super::service::change_own_password(&state, &ctx, &current, &new).await?)
}
