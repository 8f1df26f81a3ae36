//! Visitor server functions: the details panel (`Perm::VisitorsView`), a past conversation's
//! messages (`Perm::ChatServe`, seed 000 7.7 "查看以往的交谈记录"), and a site's registration form
//! (`Perm::SitesManage`, seed 004 "访客注册设置").

use kefu_protocol::ChatMessage;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{RegistrationSettings, VisitorCard, VisitorDetails};
use crate::infra::error::AppError;

#[server(endpoint = "visitors/details")]
pub async fn load_visitor_details(visitor_id: i64) -> Result<VisitorDetails, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{Perm, VisitorId};

    let ctx = Ctx::require(Perm::VisitorsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::details(&state, &ctx, VisitorId(visitor_id)).await?)
}

#[server(endpoint = "visitors/card", input = Json)]
pub async fn save_visitor_card(card: VisitorCard) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::VisitorsView).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_card(&state, &ctx, card).await?)
}

/// A site's registration form (`Perm::SitesManage`).
#[server(endpoint = "visitors/registration")]
pub async fn site_registration(site_id: i64) -> Result<RegistrationSettings, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{Perm, SiteId};

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::registration(&state, &ctx, SiteId(site_id)).await?)
}

#[server(endpoint = "visitors/registration/save", input = Json)]
pub async fn save_site_registration(settings: RegistrationSettings) -> Result<(), AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::Perm;

    let ctx = Ctx::require(Perm::SitesManage).await?;
    let state = AppState::from_context()?;
    Ok(super::service::save_registration(&state, &ctx, settings).await?)
}

#[server(endpoint = "visitors/conversation")]
pub async fn past_messages(conversation_id: i64) -> Result<Vec<ChatMessage>, AppError> {
    use crate::infra::{ctx::Ctx, state::AppState};
    use kefu_protocol::{ConversationId, Perm};

    let ctx = Ctx::require(Perm::ChatServe).await?;
    let state = AppState::from_context()?;
    Ok(crate::chat::service::past_messages(&state, &ctx, ConversationId(conversation_id)).await?)
}
