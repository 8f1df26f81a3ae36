//! Statistics server functions: thin adapters over [`super::service`].

use leptos::prelude::*;

use super::TrafficDay;
use crate::infra::error::AppError;

/// A site's traffic per day from `from` to `to` (`YYYY-MM-DD`, both included, in the site's time
/// zone); days after today are left out.
#[server(endpoint = "stats/traffic")]
pub async fn traffic(site_id: i64, from: String, to: String) -> Result<Vec<TrafficDay>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::StatsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::traffic(&state, &ctx, site_id, &from, &to).await?)
}
