//! The rating rules: the site's scale, a visitor's rating, and what admins do with ratings.

use kefu_protocol::text::Line;
use kefu_protocol::{
    AgentId, ApiError, ConversationId, ErrorCode, Perm, RatingForm, SiteId, TenantId, ToAgent, ToVisitor, VisitorId,
};

use super::{check_rating, may_rate, repo, RatingPage, MAX_INVALID_REASON};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::now_ms;
use crate::infra::state::AppState;
use crate::sites::service::Site;

/// The site's rating form for a conversation (with the score already given), `None` when the
/// site does not ask.
pub async fn form(
    state: &AppState,
    tenant: TenantId,
    site: SiteId,
    conversation: Option<ConversationId>,
) -> Result<Option<RatingForm>, ApiError> {
    let Some(levels) = repo::scale(&state.db, tenant, site).await? else { return Ok(None) };
    let rated = match conversation {
        Some(id) => repo::score_of(&state.db, tenant, id).await?,
        None => None,
    };
    Ok(Some(RatingForm { levels, rated }))
}

/// The site's rating levels (`None`: it does not ask).
pub async fn scale(
    state: &AppState,
    tenant: TenantId,
    site: SiteId,
) -> Result<Option<Vec<kefu_protocol::RatingLevel>>, ApiError> {
    repo::scale(&state.db, tenant, site).await
}

/// The rating form with a site's levels and the score given so far.
pub async fn form_with(
    state: &AppState,
    tenant: TenantId,
    levels: Option<Vec<kefu_protocol::RatingLevel>>,
    conversation: Option<ConversationId>,
) -> Result<Option<RatingForm>, ApiError> {
    let Some(levels) = levels else { return Ok(None) };
    let rated = match conversation {
        Some(id) => repo::score_of(&state.db, tenant, id).await?,
        None => None,
    };
    Ok(Some(RatingForm { levels, rated }))
}

/// A visitor rates one of their conversations (open, or ended less than a day ago). The site's
/// agents hear it.
pub async fn rate(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    conversation: ConversationId,
    score: u8,
    comment: &str,
) -> Result<ToVisitor, ApiError> {
    let tenant = site.tenant_id;
    let levels = repo::scale(&state.db, tenant, site.id)
        .await?
        .ok_or_else(|| ApiError::conflict(Some("rating"), ErrorCode::Protected))?;
    let comment = check_rating(&levels, score, comment)?;
    let rated =
        repo::conversation(&state.db, tenant, site.id, visitor, conversation).await?.ok_or(ApiError::NotFound)?;
    let now = now_ms();
    if !may_rate(rated.closed_at, now) {
        return Err(ApiError::conflict(Some("rating"), ErrorCode::Protected));
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = repo::put(&mut w, tenant, site.id, conversation, rated.agent, score, &comment, now).await;
    w.end(result).await?;
    let max = levels.iter().map(|l| l.score).max().unwrap_or(score);
    let frame = ToAgent::Rated {
        conversation_id: conversation,
        visitor_id: visitor,
        visitor_name: rated.visitor_name,
        agent_id: rated.agent,
        score,
        max,
        comment,
    };
    state.realtime.to_agents(tenant, Some(site.id), Perm::ChatServe, &frame, None);
    Ok(ToVisitor::Rated { conversation_id: conversation, score })
}

/// A page of the company's ratings given in `[from, to)` (unix ms), of one agent if asked, and
/// every agent's figures for the period.
pub async fn page(
    state: &AppState,
    ctx: &Ctx,
    from: i64,
    to: i64,
    agent: Option<AgentId>,
    offset: i64,
) -> Result<RatingPage, ApiError> {
    ctx.check(Perm::SettingsManage)?;
    let tenant = ctx.tenant();
    let (rows, total, average) =
        repo::page(&state.db, tenant, from, to, agent, offset.max(0), super::PAGE_SIZE).await?;
    let per_agent = super::per_agent(repo::per_agent(&state.db, tenant, from, to).await?);
    Ok(RatingPage { rows, total, average, per_agent })
}

/// Marks a rating invalid (with a reason) or valid again; recorded in the operation log.
pub async fn set_invalid(
    state: &AppState,
    ctx: &Ctx,
    conversation: ConversationId,
    invalid: bool,
    reason: &str,
) -> Result<(), ApiError> {
    ctx.check(Perm::SettingsManage)?;
    let reason = Line::parse(reason, "reason", MAX_INVALID_REASON)?.into_string();
    if invalid && reason.is_empty() {
        return Err(ApiError::invalid("reason", ErrorCode::Required));
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if !repo::set_invalid(&mut w, ctx.tenant(), conversation, invalid, &reason, ctx.agent.id).await? {
            return Err(ApiError::NotFound);
        }
        let object = format!("conversation #{conversation}");
        let summary = if invalid { format!("invalid: {reason}") } else { "valid".to_owned() };
        audit::record(&mut w, &Entry::by(ctx, OpKind::RatingInvalidated, &object, &summary)).await
    }
    .await;
    w.end(work).await
}

/// Deletes the company's ratings given in `[from, to)`; how many. Recorded in the operation log.
pub async fn clear(state: &AppState, ctx: &Ctx, from: i64, to: i64) -> Result<u64, ApiError> {
    ctx.check(Perm::SettingsManage)?;
    if to <= from {
        return Err(ApiError::invalid("to", ErrorCode::Format));
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let cleared = repo::clear(&mut w, ctx.tenant(), from, to).await?;
        let summary = format!("{cleared} ratings, {from}..{to}");
        audit::record(&mut w, &Entry::by(ctx, OpKind::RatingsCleared, "ratings", &summary)).await?;
        Ok(cleared)
    }
    .await;
    w.end(work).await
}
