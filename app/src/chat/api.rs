//! Chat server functions: thin adapters over [`super::service`], which the sockets use too.

use kefu_protocol::{Attachment, ConversationSummary};
use leptos::prelude::*;

use crate::infra::error::AppError;

/// Ends a conversation (the visitor's next message starts a new one).
#[server(endpoint = "chat/close")]
pub async fn close_conversation(conversation_id: i64) -> Result<ConversationSummary, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::close(&state, &ctx, ConversationId(conversation_id)).await?)
}

/// A file of the company's library, made ready to send in a conversation on the agent's sites (a
/// copy); the workbench then sends it as a message like any upload.
#[server(endpoint = "chat/library")]
pub async fn prepare_common_file(conversation_id: i64, id: i64) -> Result<Attachment, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::common_file(&state, &ctx, ConversationId(conversation_id), id).await?)
}
