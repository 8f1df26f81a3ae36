//! The SQL of invitations. Every statement names its tenant.

use kefu_protocol::{AgentId, ApiError, ConversationId, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::InviteSettings;
use crate::infra::db::{Db, Writer};
use crate::infra::OrInternal;

/// A site's automatic invitation as visitors' sockets need it (`None`: the site does not invite).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutoInvite {
    pub after_ms: i64,
    pub pages: Vec<String>,
    pub texts: Vec<(String, String)>,
}

pub async fn settings(db: &Db, tenant: TenantId, site: SiteId) -> Result<Option<InviteSettings>, ApiError> {
    let row = sqlx::query(
        "SELECT version, invite_auto, invite_after_secs, invite_pages, invite_texts, sneak_peek FROM sites \
         WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
    )
    .bind(site.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| {
        let pages: String = r.try_get("invite_pages")?;
        let texts: String = r.try_get("invite_texts")?;
        Ok(InviteSettings {
            site_id: site.0,
            version: r.try_get("version")?,
            auto: r.try_get::<i64, _>("invite_auto")? != 0,
            after_secs: r.try_get("invite_after_secs")?,
            pages: pages.lines().map(str::to_owned).filter(|p| !p.is_empty()).collect(),
            texts: serde_json::from_str(&texts).unwrap_or_default(),
            sneak_peek: r.try_get::<i64, _>("sneak_peek")? != 0,
        })
    })
    .transpose()
    .or_internal()
}

pub async fn save_settings(w: &mut Writer, tenant: TenantId, settings: &InviteSettings) -> Result<(), ApiError> {
    let texts = serde_json::to_string(&settings.texts).map_err(|_| ApiError::Internal)?;
    let changed = sqlx::query(
        "UPDATE sites SET invite_auto = $1, invite_after_secs = $2, invite_pages = $3, invite_texts = $4, \
         sneak_peek = $8, version = version + 1 WHERE id = $5 AND tenant_id = $6 AND version = $7 AND deleted_at IS NULL",
    )
    .bind(i64::from(settings.auto))
    .bind(settings.after_secs)
    .bind(settings.pages.join("\n"))
    .bind(texts)
    .bind(settings.site_id)
    .bind(tenant.0)
    .bind(settings.version)
    .bind(i64::from(settings.sneak_peek))
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(crate::infra::db::stale_or_missing(w, "sites", settings.site_id, tenant).await);
    }
    Ok(())
}

/// A visitor's site and whether they have an open conversation.
pub async fn visitor(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<Option<(SiteId, bool)>, ApiError> {
    let row = sqlx::query(
        "SELECT v.site_id, (SELECT COUNT(*) FROM conversations c WHERE c.visitor_id = v.id AND c.tenant_id = v.tenant_id \
         AND c.status = 'open') AS open FROM visitors v WHERE v.id = $1 AND v.tenant_id = $2",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| Ok((SiteId(r.try_get("site_id")?), r.try_get::<i64, _>("open")? > 0))).transpose().or_internal()
}

/// Invitations sent to the visitor since `since` that stop another: any still unanswered, and, for
/// an automatic one, any automatic one or any declined.
pub async fn recent(db: &Db, tenant: TenantId, visitor: VisitorId, since: i64, auto: bool) -> Result<i64, ApiError> {
    let sql = if auto {
        "SELECT COUNT(*) FROM invitations WHERE visitor_id = $1 AND tenant_id = $2 AND sent_at > $3 \
         AND (agent_id IS NULL OR answer IS NULL OR answer = 'declined')"
    } else {
        "SELECT COUNT(*) FROM invitations WHERE visitor_id = $1 AND tenant_id = $2 AND sent_at > $3 AND answer IS NULL"
    };
    sqlx::query_scalar(sql).bind(visitor.0).bind(tenant.0).bind(since).fetch_one(db.reader()).await.or_internal()
}

pub async fn insert(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    visitor: VisitorId,
    agent: Option<AgentId>,
    at: i64,
) -> Result<i64, ApiError> {
    let mut w = db.write().await?;
    sqlx::query_scalar(
        "INSERT INTO invitations (tenant_id, site_id, visitor_id, agent_id, sent_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(visitor.0)
    .bind(agent.map(|a| a.0))
    .bind(at)
    .fetch_one(&mut *w)
    .await
    .or_internal()
}

/// An answered invitation: who sent it (`None`: the site) and their account.
pub struct Answered {
    pub agent: Option<(AgentId, String)>,
}

/// Records the visitor's answer to their own unanswered invitation; `None` when there is no such
/// invitation (not theirs, or answered already).
pub async fn answer(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
    id: i64,
    accept: bool,
    at: i64,
) -> Result<Option<Answered>, ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let work = async {
        let changed = sqlx::query(
            "UPDATE invitations SET answer = $1, answered_at = $2 WHERE id = $3 AND visitor_id = $4 \
             AND tenant_id = $5 AND answer IS NULL",
        )
        .bind(if accept { "accepted" } else { "declined" })
        .bind(at)
        .bind(id)
        .bind(visitor.0)
        .bind(tenant.0)
        .execute(&mut *w)
        .await
        .or_internal()?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT i.agent_id, a.login FROM invitations i LEFT JOIN agents a ON a.id = i.agent_id \
             AND a.tenant_id = i.tenant_id WHERE i.id = $1 AND i.tenant_id = $2",
        )
        .bind(id)
        .bind(tenant.0)
        .fetch_one(&mut *w)
        .await
        .or_internal()?;
        let agent: Option<i64> = row.try_get("agent_id").or_internal()?;
        let login: Option<String> = row.try_get("login").or_internal()?;
        Ok(Some(Answered { agent: agent.zip(login).map(|(a, l)| (AgentId(a), l)) }))
    }
    .await;
    w.end(work).await
}

/// The conversation an accepted invitation opened.
pub async fn opened(db: &Db, tenant: TenantId, id: i64, conversation: ConversationId) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE invitations SET conversation_id = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(conversation.0)
        .bind(id)
        .bind(tenant.0)
        .execute(&mut *w)
        .await
        .or_internal()?;
    Ok(())
}

/// What visitors' sockets need of the site's engagement settings: its automatic invitation
/// (`None`: off) and whether sneak peek is on.
pub async fn widget_rules(db: &Db, tenant: TenantId, site: SiteId) -> Result<(Option<AutoInvite>, bool), ApiError> {
    let Some(s) = settings(db, tenant, site).await? else { return Ok((None, false)) };
    let invite = s.auto.then(|| AutoInvite { after_ms: s.after_secs * 1000, pages: s.pages, texts: s.texts });
    Ok((invite, s.sneak_peek))
}
