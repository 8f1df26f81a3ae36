//! Category rules: a name unique in the company (at most 30 characters); members, switchboard
//! agent and sites must be the company's (undeleted); the switchboard agent is a member; moving a
//! category swaps it with its neighbour. One transaction per action, with its log entry.

use kefu_protocol::text::Name;
use kefu_protocol::{AgentId, ApiError, ErrorCode, SiteId, TenantId};

use super::{repo, CategoryForm, CategoryView, NAME_CHARS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::db::Writer;
use crate::infra::state::AppState;

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<CategoryView>, ApiError> {
    repo::list(&state.db, ctx.tenant()).await
}

/// The categories visitors of a site may choose from, in order: `(id, name)`.
pub async fn for_site(state: &AppState, tenant: TenantId, site: SiteId) -> Result<Vec<(i64, String)>, ApiError> {
    let all = repo::list(&state.db, tenant).await?;
    Ok(all.into_iter().filter(|c| c.site_ids.contains(&site.0)).map(|c| (c.id, c.name)).collect())
}

async fn check_links(w: &mut Writer, ctx: &Ctx, form: &CategoryForm) -> Result<(), ApiError> {
    for agent in &form.agent_ids {
        if !crate::agents::service::is_agent(w, ctx.tenant(), AgentId(*agent)).await? {
            return Err(ApiError::invalid("agent_ids", ErrorCode::NotFound));
        }
    }
    if let Some(switchboard) = form.switchboard_id {
        if !form.agent_ids.contains(&switchboard) {
            return Err(ApiError::invalid("switchboard_id", ErrorCode::Format));
        }
    }
    let sites = crate::sites::service::site_ids(w, ctx.tenant()).await?;
    if form.site_ids.iter().any(|s| !sites.contains(s)) {
        return Err(ApiError::invalid("site_ids", ErrorCode::NotFound));
    }
    Ok(())
}

pub async fn save(state: &AppState, ctx: &Ctx, mut form: CategoryForm) -> Result<(), ApiError> {
    form.name = Name::parse(&form.name, "name", NAME_CHARS)?.into_string();
    for ids in [&mut form.agent_ids, &mut form.site_ids] {
        ids.sort_unstable();
        ids.dedup();
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        check_links(&mut w, ctx, &form).await?;
        let (kind, id, summary) = match form.id {
            None => (OpKind::CategoryCreated, repo::insert(&mut w, ctx.tenant(), &form).await?, form.name.clone()),
            Some(id) => {
                let before = repo::name_of(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
                repo::update(&mut w, ctx.tenant(), id, &form).await?;
                let summary =
                    if before == form.name { form.name.clone() } else { format!("{before} → {}", form.name) };
                (OpKind::CategoryChanged, id, summary)
            }
        };
        repo::set_links(&mut w, ctx.tenant(), id, &form).await?;
        let summary = format!("{summary}; agents {:?}; sites {:?}", form.agent_ids, form.site_ids);
        let object = format!("category #{id}");
        audit::record(&mut w, &Entry::by(ctx, kind, &object, &summary)).await
    }
    .await;
    w.end(result).await
}

pub async fn delete(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), ApiError> {
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let name = repo::name_of(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
        repo::delete(&mut w, ctx.tenant(), id).await?;
        let object = format!("category #{id}");
        audit::record(&mut w, &Entry::by(ctx, OpKind::CategoryDeleted, &object, &name)).await
    }
    .await;
    w.end(result).await
}

/// Moves a category one place up (`up`) or down; at either end nothing moves.
pub async fn move_category(state: &AppState, ctx: &Ctx, id: i64, up: bool) -> Result<(), ApiError> {
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let mut order = repo::order(&mut w, ctx.tenant()).await?;
        let Some((at, to)) = crate::infra::db::move_one(&mut order, id, up)? else { return Ok(()) };
        crate::infra::db::set_order(&mut w, "categories", ctx.tenant(), &order).await?;
        let object = format!("category #{id}");
        let summary = format!("position {} → {}", at + 1, to + 1);
        audit::record(&mut w, &Entry::by(ctx, OpKind::CategoryChanged, &object, &summary)).await
    }
    .await;
    w.end(result).await
}
