//! Invitation rules: an agent invites a visitor of one of their sites who is not chatting and has
//! no unanswered invitation of the last two minutes; the site invites automatically once a visit
//! (a visitor away for half an hour starts a new one) when the visitor has been on it long enough,
//! is on a page it names, is not chatting, has not declined an invitation this visit, and someone
//! is there to answer. Accepting opens the visitor's conversation with the inviting agent when
//! they can take it, otherwise by the site's rules.

use kefu_protocol::{ApiError, ConversationId, ErrorCode, Perm, ToAgent, ToVisitor, VisitorId};

use super::repo::{self, AutoInvite};
use super::{page_matches, InviteSettings};
use crate::blocks::service as blocks;
use crate::chat::service as chat;
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::now_ms;
use crate::infra::state::AppState;
use crate::sites::service::Site;
use crate::visitors::service::VISIT_GAP_MS;

/// An agent's invitation stands this long unanswered before they may invite the visitor again.
pub const PENDING_MS: i64 = 2 * 60 * 1000;

/// An agent invites a visitor; returns the invitation's id.
pub async fn invite(state: &AppState, ctx: &Ctx, visitor: VisitorId) -> Result<i64, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    let (site, open) = repo::visitor(&state.db, tenant, visitor)
        .await?
        .filter(|(site, _)| ctx.sites(Perm::ChatServe).allows(*site))
        .ok_or(ApiError::NotFound)?;
    if open {
        return Err(ApiError::conflict(Some("visitor"), ErrorCode::InUse));
    }
    if blocks::rules(state, tenant).await?.blocks_visitor(visitor, now_ms()) {
        return Err(ApiError::conflict(None, ErrorCode::Unavailable));
    }
    let now = now_ms();
    if repo::recent(&state.db, tenant, visitor, now - PENDING_MS, false).await? > 0 {
        return Err(ApiError::conflict(Some("invitation"), ErrorCode::Taken));
    }
    let texts = repo::settings(&state.db, tenant, site).await?.map(|s| s.texts).unwrap_or_default();
    let id = repo::insert(&state.db, tenant, site, visitor, Some(ctx.agent.id), now).await?;
    let agent_avatar = crate::agents::service::avatar_url_of(state, tenant, ctx.agent.id).await?;
    let frame = ToVisitor::Invitation {
        invitation_id: id,
        agent_name: Some(ctx.agent.display_name.clone()),
        texts,
        agent_avatar,
    };
    state.realtime.to_visitor(tenant, visitor, &frame, None);
    state.realtime.to_agent(tenant, ctx.agent.id, &ToAgent::VisitorInvited { visitor_id: visitor, invitation_id: id });
    Ok(id)
}

/// Whether the site's automatic invitation is due for a visitor whose visit began at `since`, on
/// `page`, at `now`, with someone there to answer (`online`).
pub fn due(rule: &AutoInvite, since: i64, now: i64, page: &str, online: bool) -> bool {
    online && now - since >= rule.after_ms && !page.is_empty() && page_matches(&rule.pages, page)
}

/// Sends the site's automatic invitation unless the visitor is chatting, was invited automatically
/// or declined an invitation this visit; returns whether it was sent. The caller checks [`due`].
pub async fn auto_invite(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    rule: &AutoInvite,
) -> Result<bool, ApiError> {
    let tenant = site.tenant_id;
    let open = repo::visitor(&state.db, tenant, visitor).await?.is_none_or(|(_, open)| open);
    let now = now_ms();
    if open || repo::recent(&state.db, tenant, visitor, now - VISIT_GAP_MS, true).await? > 0 {
        return Ok(false);
    }
    let id = repo::insert(&state.db, tenant, site.id, visitor, None, now).await?;
    let frame =
        ToVisitor::Invitation { invitation_id: id, agent_name: None, texts: rule.texts.clone(), agent_avatar: None };
    state.realtime.to_visitor(tenant, visitor, &frame, None);
    Ok(true)
}

/// The visitor answers an invitation of theirs. Accepted, their conversation opens (kept in
/// `current`) with the inviting agent when they can take it. An invitation that is not theirs or
/// was answered already is `NotFound`. `visit` is the visitor's choice so far (where they are, for
/// region routing; how they came, for the record).
pub async fn answer(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    current: &mut Option<ConversationId>,
    visit: &chat::Choice,
    id: i64,
    accept: bool,
) -> Result<(), ApiError> {
    let tenant = site.tenant_id;
    let answered = repo::answer(&state.db, tenant, visitor, id, accept, now_ms()).await?.ok_or(ApiError::NotFound)?;
    let (agent, login) = answered.agent.unzip();
    if let Some(agent) = agent {
        let frame = ToAgent::InvitationAnswered { visitor_id: visitor, invitation_id: id, accepted: accept };
        state.realtime.to_agent(tenant, agent, &frame);
    }
    if accept {
        let conversation = chat::open_invited(state, site, visitor, current, login, visit).await?;
        repo::opened(&state.db, tenant, id, conversation).await?;
    }
    Ok(())
}

/// A site's automatic invitation settings (`Perm::SitesManage` on the site).
pub async fn settings(state: &AppState, ctx: &Ctx, site: kefu_protocol::SiteId) -> Result<InviteSettings, ApiError> {
    ctx.check(Perm::SitesManage)?;
    if !ctx.sites(Perm::SitesManage).allows(site) {
        return Err(ApiError::NotFound);
    }
    repo::settings(&state.db, ctx.tenant(), site).await?.ok_or(ApiError::NotFound)
}

/// Saves them (one transaction with its log entry).
pub async fn save_settings(state: &AppState, ctx: &Ctx, settings: InviteSettings) -> Result<(), ApiError> {
    ctx.check(Perm::SitesManage)?;
    let settings = settings.parse()?;
    if !ctx.sites(Perm::SitesManage).allows(kefu_protocol::SiteId(settings.site_id)) {
        return Err(ApiError::NotFound);
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        repo::save_settings(&mut w, ctx.tenant(), &settings).await?;
        let object = format!("site #{}", settings.site_id);
        let summary = format!(
            "invite automatically {}, after {} s, pages {}, sneak peek {}",
            settings.auto,
            settings.after_secs,
            if settings.pages.is_empty() { "all".to_owned() } else { settings.pages.join(" ") },
            settings.sneak_peek
        );
        audit::record(&mut w, &Entry::by(ctx, OpKind::InvitationsChanged, &object, &summary)).await
    }
    .await;
    w.end(work).await?;
    if let Ok(cache) = state.part::<RulesCache>() {
        cache.0.forget(&kefu_protocol::SiteId(settings.site_id));
    }
    Ok(())
}

/// What visitors' sockets need of a site's engagement settings: its automatic invitation (`None`:
/// off) and whether sneak peek is on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WidgetRules {
    pub invite: Option<AutoInvite>,
    pub sneak_peek: bool,
}

/// Each node's copy of the sites' [`WidgetRules`], reused for five seconds (an `AppState` part);
/// a save forgets the site's at once on its node.
pub struct RulesCache(crate::infra::cache::TtlCache<kefu_protocol::SiteId, WidgetRules>);

impl Default for RulesCache {
    fn default() -> Self {
        RulesCache(crate::infra::cache::TtlCache::new(std::time::Duration::from_secs(5), 100_000))
    }
}

/// A site's [`WidgetRules`], read once per five seconds per node.
pub async fn widget_rules(
    state: &AppState,
    tenant: kefu_protocol::TenantId,
    site: kefu_protocol::SiteId,
) -> Result<WidgetRules, ApiError> {
    let cache = state.part::<RulesCache>()?;
    if let Some(rules) = cache.0.get(&site) {
        return Ok(rules);
    }
    let (invite, sneak_peek) = repo::widget_rules(&state.db, tenant, site).await?;
    let rules = WidgetRules { invite, sneak_peek };
    cache.0.put(site, rules.clone());
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_automatic_invitation_is_due_after_its_wait_on_its_pages_while_someone_answers() {
        let rule = AutoInvite { after_ms: 30_000, pages: vec!["*/pricing*".into()], texts: vec![] };
        let pricing = "https://shop.example/pricing";
        assert!(due(&rule, 0, 30_000, pricing, true));
        assert!(!due(&rule, 0, 29_999, pricing, true), "too early");
        assert!(!due(&rule, 0, 60_000, "https://shop.example/", true), "another page");
        assert!(!due(&rule, 0, 60_000, pricing, false), "nobody to answer");
        assert!(!due(&rule, 0, 60_000, "", true), "no page yet");
        let anywhere = AutoInvite { pages: vec![], ..rule };
        assert!(due(&anywhere, 10_000, 40_000, "https://shop.example/", true));
    }
}
