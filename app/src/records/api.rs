//! Records server functions: each needs `RecordsViewAll` or `RecordsViewOwn`; the service narrows
//! what the session's agent sees.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{NoteLine, RecordFilter, RecordPage, Transcript};
use crate::infra::error::AppError;

#[server(endpoint = "records", input = Json)]
pub async fn list_records(filter: RecordFilter) -> Result<RecordPage, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require_any(&[Perm::RecordsViewAll, Perm::RecordsViewOwn]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::list(&state, &ctx, filter).await?)
}

#[server(endpoint = "records/transcript")]
pub async fn record_transcript(id: i64) -> Result<Transcript, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require_any(&[Perm::RecordsViewAll, Perm::RecordsViewOwn]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::transcript(&state, &ctx, id).await?)
}

/// Adds an internal note to a conversation of the reader's records.
#[server(endpoint = "records/note")]
pub async fn add_record_note(id: i64, body: String) -> Result<NoteLine, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require_any(&[Perm::RecordsViewAll, Perm::RecordsViewOwn]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::add_note(&state, &ctx, id, &body).await?)
}

/// Replaces the tags of a conversation of the reader's records; answers them as stored.
#[server(endpoint = "records/tags", input = Json)]
pub async fn set_record_tags(id: i64, tags: Vec<String>) -> Result<Vec<String>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require_any(&[Perm::RecordsViewAll, Perm::RecordsViewOwn]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::set_tags(&state, &ctx, id, tags).await?)
}

/// Deletes conversations of the reader's records for good; how many.
#[server(endpoint = "records/delete", input = Json)]
pub async fn delete_records(ids: Vec<i64>) -> Result<usize, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::RecordsDelete).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete(&state, &ctx, ids).await?)
}

/// The departments and categories to filter records by.
#[server(endpoint = "records/choices")]
pub async fn record_choices() -> Result<super::RecordChoices, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require_any(&[Perm::RecordsViewAll, Perm::RecordsViewOwn]).await?;
    let state = AppState::from_context()?;
    Ok(super::service::choices(&state, &ctx).await?)
}
