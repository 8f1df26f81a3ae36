//! Supervision server functions. Whispering needs `MonitorChats`, or `ChatServe` in the chat
//! itself (the service checks which); taking over and ending need `MonitorChats`.

use kefu_protocol::Whisper;
use leptos::prelude::*;

use crate::infra::error::AppError;

/// Whispers `body` in a live conversation; `client_msg_id` makes a retry store nothing twice.
#[server(endpoint = "supervision/whisper")]
pub async fn send_whisper(conversation_id: i64, client_msg_id: String, body: String) -> Result<Whisper, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require_any(&[Perm::MonitorChats, Perm::ChatServe]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::whisper(&state, &ctx, ConversationId(conversation_id), &client_msg_id, &body).await?)
}

/// The whispers of a conversation the agent hears, oldest first.
#[server(endpoint = "supervision/whispers")]
pub async fn conversation_whispers(conversation_id: i64) -> Result<Vec<Whisper>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require_any(&[Perm::MonitorChats, Perm::ChatServe]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::whispers(&state, &ctx, ConversationId(conversation_id)).await?)
}

/// Makes a colleague's live chat the supervisor's own.
#[server(endpoint = "supervision/take-over")]
pub async fn take_over(conversation_id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require(Perm::MonitorChats).await?;
    let state = AppState::from_context()?;
    Ok(super::service::take_over(&state, &ctx, ConversationId(conversation_id)).await?)
}

/// Ends a live chat, with the reason kept in its record.
#[server(endpoint = "supervision/end")]
pub async fn force_close(conversation_id: i64, reason: String) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require(Perm::MonitorChats).await?;
    let state = AppState::from_context()?;
    Ok(super::service::force_close(&state, &ctx, ConversationId(conversation_id), &reason).await?)
}

/// Every agent's figures since `since` (unix ms: the start of the supervisor's day).
#[server(endpoint = "supervision/team")]
pub async fn team_today(since: i64) -> Result<Vec<super::TeamRow>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::MonitorChats).await?;
    let state = AppState::from_context()?;
    Ok(super::service::team(&state, &ctx, since).await?)
}
