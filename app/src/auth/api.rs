//! Sign-in and account server functions. `login` passes the public gate (`Ctx::public`); `logout`,
//! `me` and changing one's own password need only a session (`Ctx::signed_in`); changing other
//! agents' accounts needs `Perm::AgentsManage`.

use kefu_protocol::AgentInfo;
use leptos::prelude::*;

use crate::infra::error::AppError;

/// Signs in with the company account, the agent's account (or e-mail or mobile) and password, and
/// sets the session cookie. Public. `remember` (the "keep me signed in" box, sent only when ticked)
/// keeps the session for 30 days; otherwise it ends with the browser.
#[server(endpoint = "login")]
pub async fn login(
    company: String,
    login: String,
    password: String,
    remember: Option<String>,
) -> Result<AgentInfo, AppError> {
    use super::service::{SessionLength, SignIn};
    use crate::infra::{ctx::Ctx, state::AppState};

    let caller = Ctx::public().await?;
    let state = AppState::from_context()?;
    let length = if remember.is_some() { SessionLength::Remembered } else { SessionLength::Browser };
    let form = SignIn { company: &company, login: &login, password: &password, length };
    let (agent, token) = super::service::sign_in(&state, form, &caller.client).await?;
    set_session_cookie(&state, &token, length)?;
    // A language chosen in the agent's settings follows them to this browser.
    if let Some(lang) = agent.prefs.lang.as_deref() {
        let cookie = crate::i18n::lang_cookie(Some(lang), state.settings.cookie_secure);
        let response = use_context::<leptos_axum::ResponseOptions>().ok_or(kefu_protocol::ApiError::Internal)?;
        response.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(&cookie).map_err(|_| kefu_protocol::ApiError::Internal)?,
        );
    }
    Ok(agent)
}

#[cfg(feature = "ssr")]
fn set_session_cookie(
    state: &crate::infra::state::AppState,
    token: &str,
    length: super::service::SessionLength,
) -> Result<(), kefu_protocol::ApiError> {
    use kefu_protocol::ApiError;
    let cookie = super::service::session_cookie(token, state.settings.cookie_secure, length);
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(ApiError::Internal)?;
    response
        .insert_header(http::header::SET_COOKIE, http::HeaderValue::from_str(&cookie).map_err(|_| ApiError::Internal)?);
    Ok(())
}

/// Whether the server has no company yet (the sign-in page then offers the setup page). Public.
#[server(endpoint = "setup/needed")]
pub async fn setup_needed() -> Result<bool, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};

    Ctx::public().await?;
    let state = AppState::from_context()?;
    Ok(super::repo::tenant_count(&state.db).await? == 0)
}

/// First run: creates the first company (with its admin and default site) and signs the admin in.
/// Public, and refused (`Conflict`, `Protected`) once any company exists.
#[server(endpoint = "setup")]
pub async fn setup(
    name: String,
    company: String,
    login: String,
    password: String,
    site_name: String,
) -> Result<AgentInfo, AppError> {
    use super::service::{SessionLength, SignIn};
    use super::setup::{create_tenant, NewTenant, When};
    use crate::infra::{ctx::Ctx, state::AppState};

    let caller = Ctx::public().await?;
    let state = AppState::from_context()?;
    let new = NewTenant {
        name: &name,
        account: &company,
        admin_login: &login,
        admin_password: &password,
        admin_name: &login,
        site_name: &site_name,
        site_domains: Vec::new(),
    };
    create_tenant(&state.db, new, When::OnlyFirst, &caller.client).await?;
    let length = SessionLength::Browser;
    let form = SignIn { company: &company, login: &login, password: &password, length };
    let (agent, token) = super::service::sign_in(&state, form, &caller.client).await?;
    set_session_cookie(&state, &token, length)?;
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
