//! Statistics server functions: thin adapters over [`super::service`].

use leptos::prelude::*;

use super::{Day, Dim, HandlingReport, Heatmap, Ranking};
use crate::infra::error::AppError;

/// A site's figures per day from `from` to `to` (`YYYY-MM-DD`, both included, in the site's time
/// zone); days after today are left out.
#[server(endpoint = "stats/traffic")]
pub async fn traffic(site_id: i64, from: String, to: String) -> Result<Vec<Day>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::StatsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::traffic(&state, &ctx, site_id, &from, &to).await?)
}

/// A site's visits and the chats they led to, ranked by a dimension, from `from` to `to`, with
/// the period before for comparison.
#[server(endpoint = "stats/ranking")]
pub async fn ranked(site_id: i64, dim: Dim, from: String, to: String) -> Result<Ranking, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::StatsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::ranking(&state, &ctx, site_id, dim, &from, &to).await?)
}

/// Chats begun per weekday and hour of the day from `from` to `to`.
#[server(endpoint = "stats/heatmap")]
pub async fn chat_hours(site_id: i64, from: String, to: String) -> Result<Heatmap, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::StatsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::heatmap(&state, &ctx, site_id, &from, &to).await?)
}

/// How chats begun from `from` to `to` were handled: response times, lengths, queue waits, per
/// agent and category, and how they ended.
#[server(endpoint = "stats/handling")]
pub async fn handled(site_id: i64, from: String, to: String) -> Result<HandlingReport, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::StatsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::handling(&state, &ctx, site_id, &from, &to).await?)
}
