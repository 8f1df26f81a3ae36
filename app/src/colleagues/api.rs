//! The broadcast server function (colleague messages go over the agent socket).

use leptos::prelude::*;

use crate::infra::error::AppError;

/// Sends `body` to every colleague online now; returns how many it reached. `client_msg_id`
/// makes a retry after a lost answer send nothing twice.
#[server(endpoint = "colleagues/broadcast")]
pub async fn send_broadcast(client_msg_id: String, body: String) -> Result<usize, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::AgentsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::broadcast(&state, &ctx, &client_msg_id, &body).await?)
}
