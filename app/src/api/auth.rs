use kefu_protocol::AgentInfo;
use leptos::prelude::*;

use crate::error::AppError;

/// Signs in and sets the session cookie.
#[server(endpoint = "login")]
pub async fn login(login: String, password: String) -> Result<AgentInfo, AppError> {
    use crate::ssr::{auth, state::AppState};
    use kefu_protocol::ApiError;

    let state = AppState::from_context()?;
    let ip = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let (agent, token) = auth::sign_in(&state.db, &state.limiter, &login, &password, &ip).await?;
    let cookie = auth::session_cookie(&token, state.settings.cookie_secure);
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(ApiError::Internal)?;
    response
        .insert_header(http::header::SET_COOKIE, http::HeaderValue::from_str(&cookie).map_err(|_| ApiError::Internal)?);
    Ok(agent)
}

/// Ends the session and clears the cookie.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{auth, state::AppState, store};
    use kefu_protocol::ApiError;

    let state = AppState::from_context()?;
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(|_| ApiError::Internal)?;
    if let Some(token) = auth::session_token(&headers) {
        store::delete_session(&state.db, &token).await?;
    }
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(ApiError::Internal)?;
    response.insert_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&auth::clear_session_cookie()).map_err(|_| ApiError::Internal)?,
    );
    Ok(())
}

/// The signed-in agent, or `Unauthorized`.
#[server(endpoint = "me")]
pub async fn current_agent() -> Result<AgentInfo, AppError> {
    Ok(crate::ssr::current_agent().await?)
}
