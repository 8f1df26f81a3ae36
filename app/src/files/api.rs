//! File server functions: a site's rules for files (`Perm::SitesManage`). Uploads and downloads are
//! plain HTTP routes (`server/src/files.rs`), and an agent's decision on a visitor's file is a socket
//! frame; all three call [`super::service`] too.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{FileSettings, LibraryFile};
use crate::infra::error::AppError;

/// A site's rules for files (the defaults until saved).
#[server(endpoint = "files/settings")]
pub async fn site_file_settings(site_id: i64) -> Result<FileSettings, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{Perm, SiteId};

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::settings(&state, &ctx, SiteId(site_id)).await?)
}

#[server(endpoint = "files/settings/save", input = Json)]
pub async fn save_site_file_settings(settings: FileSettings) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_settings(&state, &ctx, settings).await?)
}

/// The company's library of common files (`Perm::ChatServe`: agents send them).
#[server(endpoint = "files/library")]
pub async fn common_files() -> Result<Vec<LibraryFile>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(super::service::library(&state, &ctx).await?)
}

/// Removes a file from the library (`Perm::SettingsManage`); chats keep their copies.
#[server(endpoint = "files/library/delete")]
pub async fn delete_common_file(id: i64) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SettingsManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::remove_from_library(&state, &ctx, id).await?)
}
