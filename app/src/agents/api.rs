//! Agent server functions (`Perm::AgentsManage`). Enabling, deleting and setting passwords are
//! account actions in `auth::api` (`agents/enable`, `agents/delete`, `agents/password`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{AgentForm, AgentPage, Upload};
use crate::infra::error::AppError;

/// A page of the company's agents matching `query` (account, name, nickname, e-mail, mobile).
#[server(endpoint = "agents")]
pub async fn list_agents(query: String, offset: i64) -> Result<AgentPage, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::page(&state, &ctx, &query, offset).await?)
}

/// Creates or changes an agent; the agent's id.
#[server(endpoint = "agents/save", input = Json)]
pub async fn save_agent(form: AgentForm) -> Result<i64, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save(&state, &ctx, form).await?)
}

/// Replaces another agent's avatar with an uploaded image; the new avatar's URL.
#[server(endpoint = "agents/avatar", input = Json)]
pub async fn set_agent_avatar(agent_id: i64, upload: Upload) -> Result<String, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{AgentId, Perm};

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::set_avatar(&state, &ctx, AgentId(agent_id), &upload).await?)
}
