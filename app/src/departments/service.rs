//! Department rules: a name unique in the company (at most 50 characters); the department admin is
//! one of its members (so a new department gets its admin once it has members); deleting moves the
//! members to no department. Each action is one transaction with its operation-log entry.

use kefu_protocol::text::Name;
use kefu_protocol::{ApiError, ErrorCode};

use super::{repo, DepartmentForm, DepartmentView, NAME_CHARS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::state::AppState;

pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<DepartmentView>, ApiError> {
    repo::list(&state.db, ctx.tenant()).await
}

pub async fn save(state: &AppState, ctx: &Ctx, mut form: DepartmentForm) -> Result<(), ApiError> {
    form.name = Name::parse(&form.name, "name", NAME_CHARS)?.into_string();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        if let Some(admin) = form.admin_id {
            let member = match form.id {
                Some(id) => repo::is_member(&mut w, ctx.tenant(), id, admin).await?,
                None => false,
            };
            if !member {
                return Err(ApiError::invalid("admin_id", ErrorCode::NotFound));
            }
        }
        let (kind, id, summary) = match form.id {
            None => (OpKind::DepartmentCreated, repo::insert(&mut w, ctx.tenant(), &form).await?, form.name.clone()),
            Some(id) => {
                let before = repo::name_of(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
                repo::update(&mut w, ctx.tenant(), id, &form).await?;
                let summary =
                    if before == form.name { form.name.clone() } else { format!("{before} → {}", form.name) };
                (OpKind::DepartmentChanged, id, summary)
            }
        };
        let object = format!("department #{id}");
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
        let moved = repo::delete(&mut w, ctx.tenant(), id).await?;
        let object = format!("department #{id}");
        let summary = format!("{name} ({moved} agents → none)");
        audit::record(&mut w, &Entry::by(ctx, OpKind::DepartmentDeleted, &object, &summary)).await
    }
    .await;
    w.end(result).await
}
