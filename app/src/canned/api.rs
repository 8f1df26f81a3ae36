//! Canned reply server functions. Each needs `Perm::ChatServe` (everyone who answers chats keeps
//! their own replies); the service decides who may change the shared libraries.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{ChatCanned, ImportRow, Library, ReplyForm, Scope};
use crate::infra::error::AppError;

/// A library (the agent's own, their department's or the company's) with its folders.
#[server(endpoint = "canned", input = Json)]
pub async fn canned_library(scope: Scope) -> Result<Library, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::library(&state, &ctx, scope).await?)
}

/// Every reply the agent sees, for the reply box's picker.
#[server(endpoint = "canned/chat")]
pub async fn canned_for_chat() -> Result<ChatCanned, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::for_chat(&state, &ctx).await?)
}

/// Counts that the agent inserted a reply.
#[server(endpoint = "canned/used")]
pub async fn canned_used(id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::used(&state, &ctx, id).await?)
}

#[server(endpoint = "canned/save", input = Json)]
pub async fn save_canned_reply(form: ReplyForm) -> Result<i64, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_reply(&state, &ctx, form).await?)
}

/// Creates (`id` `None`) or renames a folder of a library.
#[server(endpoint = "canned/folders/save", input = Json)]
pub async fn save_canned_folder(scope: Scope, id: Option<i64>, name: String) -> Result<i64, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_folder(&state, &ctx, scope, id, &name).await?)
}

/// Deletes a reply, or a folder (`folder`) with its replies.
#[server(endpoint = "canned/delete")]
pub async fn delete_canned(folder: bool, id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::delete(&state, &ctx, folder, id).await?)
}

/// Moves a reply, or a folder (`folder`), one place up (`up`) or down.
#[server(endpoint = "canned/move")]
pub async fn move_canned(folder: bool, id: i64, up: bool) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::move_one(&state, &ctx, folder, id, up).await?)
}

/// Puts a reply, or a folder (`folder`), where `at` is (dragged onto it); `at` moves along.
#[server(endpoint = "canned/place")]
pub async fn place_canned(folder: bool, id: i64, at: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::place(&state, &ctx, folder, id, at).await?)
}

/// What a CSV file (base64 of its bytes) would import, row by row with their errors.
#[server(endpoint = "canned/import/preview", input = Json)]
pub async fn preview_canned_import(base64: String) -> Result<Vec<ImportRow>, AppError> {
    use crate::infra::ctx::Ctx;
    use kefu_protocol::Perm;

    Ctx::require(Perm::ChatServe).await?;
    let bytes = super::service::decode_upload(&base64)?;
    Ok(super::service::read_import(&bytes)?)
}

/// Imports the good rows of a CSV file into a library; how many.
#[server(endpoint = "canned/import", input = Json)]
pub async fn import_canned(scope: Scope, base64: String) -> Result<usize, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    let bytes = super::service::decode_upload(&base64)?;
    Ok(super::service::import(&state, &ctx, scope, &bytes).await?)
}

/// A library as CSV text (UTF-8 with a byte order mark).
#[server(endpoint = "canned/export", input = Json)]
pub async fn export_canned(scope: Scope) -> Result<String, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::export(&state, &ctx, scope).await?)
}
