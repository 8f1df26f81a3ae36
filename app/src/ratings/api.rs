//! Ratings server functions: thin adapters over [`super::service`].

use leptos::prelude::*;

use super::RatingPage;
use crate::infra::error::AppError;

/// The company's ratings given between two instants (unix ms), newest first (one agent's, when
/// `agent_id` is given), with every agent's figures for the period.
#[server(endpoint = "ratings/list")]
pub async fn list_ratings(from: i64, to: i64, offset: i64, agent_id: Option<i64>) -> Result<RatingPage, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{AgentId, Perm};

    let ctx = Ctx::require(Perm::SettingsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::page(&state, &ctx, from, to, agent_id.map(AgentId), offset).await?)
}

/// Marks a rating invalid with a reason (left out of reports), or valid again.
#[server(endpoint = "ratings/invalid")]
pub async fn set_rating_invalid(conversation_id: i64, invalid: bool, reason: String) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require(Perm::SettingsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::set_invalid(&state, &ctx, ConversationId(conversation_id), invalid, &reason).await?)
}

/// Deletes the ratings given between two instants (unix ms); how many.
#[server(endpoint = "ratings/clear")]
pub async fn clear_ratings(from: i64, to: i64) -> Result<u64, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SettingsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::clear(&state, &ctx, from, to).await?)
}
