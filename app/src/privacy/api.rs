//! Data and privacy server functions: each needs `RecordsDelete`; the service narrows it to the
//! sites the permission covers.

use leptos::prelude::*;

use super::{ErasureRow, RetentionRow, VisitorHit};
use crate::infra::error::AppError;

/// Visitors whose number, name, e-mail, phone or member id matches.
#[server(endpoint = "privacy/visitors")]
pub async fn find_visitors(query: String) -> Result<Vec<VisitorHit>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::find(&state, &ctx, &query).await?)
}

/// Erases what kefu holds about a visitor; the record of it.
#[server(endpoint = "privacy/erase")]
pub async fn erase_visitor(visitor_id: i64) -> Result<ErasureRow, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::erase(&state, &ctx, visitor_id).await?)
}

/// The erasures done so far, newest first.
#[server(endpoint = "privacy/erasures")]
pub async fn erasures() -> Result<Vec<ErasureRow>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::erasures(&state, &ctx).await?)
}

/// Each site's retention of conversation records.
#[server(endpoint = "privacy/retention")]
pub async fn retention() -> Result<Vec<RetentionRow>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::retention(&state, &ctx).await?)
}

/// Sets how many days a site keeps its conversation records (0: for good).
#[server(endpoint = "privacy/retention/save")]
pub async fn set_retention(site_id: i64, days: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::set_retention(&state, &ctx, site_id, days).await?)
}
