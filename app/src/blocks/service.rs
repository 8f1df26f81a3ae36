//! Block rules: who may block what (`Perm::BlockManage`, within the role's sites; a ban on every
//! site needs the role on every site), limits (a reason of at most 200 characters, a range no wider
//! than an IPv4 /16 or IPv6 /32), and the check every visitor connection and message passes.
//!
//! Each node keeps the company's blocks in force in memory ([`Blocks`]), read once and read again
//! when they change (here, or on another node: the realtime link says so). Checking a visitor costs
//! a map lookup and a scan of the company's address bans.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kefu_protocol::text::Name;
use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId, TenantId, VisitorId};

use super::repo::{self, NewBlock};
use super::{BlockForm, BlockTarget, BlockView, REASON_CHARS, WIDEST_V4, WIDEST_V6};
use crate::chat::service as chat;
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::net::Cidr;
use crate::infra::now_ms;
use crate::infra::realtime::Gate;
use crate::infra::state::AppState;
use crate::sites::service::Site;

/// A company's blocks in force, as checks need them.
#[derive(Debug, Default)]
pub struct Rules {
    /// Blocked visitors, with the end of their block (`None`: for good).
    visitors: HashMap<VisitorId, Option<i64>>,
    /// Banned ranges: the site (`None`: every site), the range, the end.
    nets: Vec<(Option<SiteId>, Cidr, Option<i64>)>,
}

impl Rules {
    fn from_rows(rows: Vec<repo::Active>) -> Rules {
        let mut rules = Rules::default();
        for row in rows {
            match (row.visitor, row.net) {
                (Some(visitor), _) => {
                    // Two blocks of one visitor: the longer one counts.
                    let until = rules.visitors.entry(visitor).or_insert(row.until);
                    *until = match (*until, row.until) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                (None, Some(net)) => match Cidr::parse(&net) {
                    Ok(net) => rules.nets.push((row.site, net, row.until)),
                    Err(error) => tracing::warn!(%error, "a stored ban does not parse"),
                },
                (None, None) => {}
            }
        }
        rules
    }
}

impl Rules {
    /// When the next of these blocks runs out after `now` (`None`: none does).
    fn next_end(&self, now: i64) -> Option<i64> {
        let visitors = self.visitors.values().flatten();
        let nets = self.nets.iter().filter_map(|(_, _, until)| until.as_ref());
        visitors.chain(nets).copied().filter(|&until| until > now).min()
    }

    /// Whether the visitor themself is blocked at `now` (their address aside).
    pub fn blocks_visitor(&self, visitor: VisitorId, now: i64) -> bool {
        self.visitors.get(&visitor).is_some_and(|until| until.is_none_or(|u| u > now))
    }
}

impl Gate for Rules {
    fn shuts(&self, site: SiteId, visitor: VisitorId, ip: IpAddr, now: i64) -> bool {
        let current = |until: Option<i64>| until.is_none_or(|u| u > now);
        self.visitors.get(&visitor).is_some_and(|until| current(*until))
            || self
                .nets
                .iter()
                .any(|(s, net, until)| s.is_none_or(|s| s == site) && current(*until) && net.contains(ip))
    }
}

/// Each node's copy of every company's blocks (an area part of the state).
#[derive(Default)]
pub struct Blocks {
    cache: Mutex<HashMap<TenantId, Arc<Rules>>>,
    /// Raised by every [`forget`]: a read that began before is not kept.
    generation: AtomicU64,
    /// When this node next looks again at a company's blocks because one runs out.
    expiries: Mutex<HashMap<TenantId, i64>>,
}

/// The company's blocks in force, from this node's copy or the database.
pub async fn rules(state: &AppState, tenant: TenantId) -> Result<Arc<Rules>, ApiError> {
    let blocks = state.part::<Blocks>()?;
    if let Some(rules) = blocks.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&tenant) {
        return Ok(rules.clone());
    }
    let generation = blocks.generation.load(Ordering::Acquire);
    let now = now_ms();
    let rules = Arc::new(Rules::from_rows(repo::active(&state.db, tenant, now).await?));
    if let Some(end) = rules.next_end(now) {
        expire_at(state, blocks, tenant, end);
    }
    let mut cache = blocks.cache.lock().unwrap_or_else(|e| e.into_inner());
    if blocks.generation.load(Ordering::Acquire) == generation {
        cache.insert(tenant, rules.clone());
    }
    Ok(rules)
}

/// When a block runs out, the visitors it shut out are let back in at once, without reconnecting:
/// this node reads the company's blocks again at `end` and applies them (every node that read the
/// blocks does the same; applying them twice changes nothing).
fn expire_at(state: &AppState, blocks: &Blocks, tenant: TenantId, end: i64) {
    {
        let mut expiries = blocks.expiries.lock().unwrap_or_else(|e| e.into_inner());
        if expiries.get(&tenant).is_some_and(|&at| at <= end) {
            return;
        }
        expiries.insert(tenant, end);
    }
    let state = state.clone();
    tokio::spawn(async move {
        let wait = u64::try_from(end - now_ms()).unwrap_or(0) + 20;
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        if let Ok(blocks) = state.part::<Blocks>() {
            let mut expiries = blocks.expiries.lock().unwrap_or_else(|e| e.into_inner());
            if expiries.get(&tenant) == Some(&end) {
                expiries.remove(&tenant);
            }
        }
        if let Err(error) = changed(&state, tenant).await {
            tracing::warn!(%error, "blocks that ran out could not be applied");
        }
    });
}

/// Drops this node's copy of the company's blocks (they changed).
pub fn forget(state: &AppState, tenant: TenantId) {
    if let Ok(blocks) = state.part::<Blocks>() {
        let mut cache = blocks.cache.lock().unwrap_or_else(|e| e.into_inner());
        blocks.generation.fetch_add(1, Ordering::AcqRel);
        cache.remove(&tenant);
    }
}

/// Whether the site takes no chat from this visitor now. When the blocks cannot be read the
/// visitor is let in (and the failure logged): a database hiccup must not shut everyone out.
pub async fn shut_out(state: &AppState, site: &Site, visitor: VisitorId, ip: IpAddr) -> bool {
    match rules(state, site.tenant_id).await {
        Ok(rules) => rules.shuts(site.id, visitor, ip, now_ms()),
        Err(error) => {
            tracing::warn!(%error, "blocks could not be read; the visitor is let in");
            false
        }
    }
}

/// `Unavailable` for a visitor the site takes no chat from: the same answer whatever the reason.
pub async fn admit(state: &AppState, site: &Site, visitor: VisitorId, ip: IpAddr) -> Result<(), ApiError> {
    if shut_out(state, site, visitor, ip).await {
        return Err(ApiError::conflict(None, ErrorCode::Unavailable));
    }
    Ok(())
}

/// The blocks in force that the agent's role may see: those of its sites, and, with the role on
/// every site, the bans on every site.
pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<BlockView>, ApiError> {
    ctx.check(Perm::BlockManage)?;
    let scope = ctx.sites(Perm::BlockManage);
    let mut all = repo::list(&state.db, ctx.tenant(), now_ms()).await?;
    all.retain(|b| in_scope(&scope, b.site_id.map(SiteId)));
    Ok(all)
}

fn in_scope(scope: &SiteScope, site: Option<SiteId>) -> bool {
    match site {
        Some(site) => scope.allows(site),
        None => matches!(scope, SiteScope::All),
    }
}

/// Blocks a visitor (their open chat ends) or bans an address or range; returns the block's id.
pub async fn block(state: &AppState, ctx: &Ctx, form: BlockForm) -> Result<i64, ApiError> {
    ctx.check(Perm::BlockManage)?;
    let reason = Name::parse(&form.reason, "reason", REASON_CHARS)?.into_string();
    let net = match &form.target {
        BlockTarget::Address { net, .. } => {
            let net = Cidr::parse(net).map_err(|_| ApiError::invalid("net", ErrorCode::Format))?;
            let widest = if net.is_ipv4() { WIDEST_V4 } else { WIDEST_V6 };
            if net.prefix() < widest {
                return Err(ApiError::conflict(Some("net"), ErrorCode::LimitReached));
            }
            Some(net.to_string())
        }
        BlockTarget::Visitor { .. } => None,
    };
    let now = now_ms();
    let until = form.duration.millis().map(|ms| now + ms);
    let scope = ctx.sites(Perm::BlockManage);
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let (site, visitor, object) = match &form.target {
            BlockTarget::Visitor { visitor_id } => {
                let visitor = VisitorId(*visitor_id);
                // Another company's visitor, or one of a site outside the role: not found.
                let (site, name) = repo::visitor_site(&mut w, ctx.tenant(), visitor)
                    .await?
                    .filter(|(site, _)| scope.allows(*site))
                    .ok_or(ApiError::NotFound)?;
                let object = match name {
                    Some(name) => format!("visitor #{visitor} {name}"),
                    None => format!("visitor #{visitor}"),
                };
                (Some(site), Some(visitor), object)
            }
            BlockTarget::Address { site_id, .. } => {
                let site = site_id.map(SiteId);
                if let Some(site) = site {
                    if !scope.allows(site) || !repo::has_site(&mut w, ctx.tenant(), site).await? {
                        return Err(ApiError::invalid("site_id", ErrorCode::NotFound));
                    }
                } else if !in_scope(&scope, None) {
                    return Err(ApiError::Forbidden);
                }
                (site, None, format!("address {}", net.as_deref().unwrap_or_default()))
            }
        };
        let block =
            NewBlock { site, visitor, net: net.as_deref(), reason: &reason, by: ctx.agent.id.0, at: now, until };
        let id = repo::insert(&mut w, ctx.tenant(), &block).await?;
        let summary = format!("{reason} ({})", form.duration.as_str());
        audit::record(&mut w, &Entry::by(ctx, OpKind::VisitorBlocked, &object, &summary)).await?;
        Ok((id, visitor))
    }
    .await;
    let (id, visitor) = w.end(result).await?;
    if let Some(visitor) = visitor {
        chat::close_blocked(state, ctx.tenant(), visitor, ctx.agent.id).await?;
    }
    // A ban ends the chats of visitors inside it too (their latest address says where they are).
    if let BlockTarget::Address { site_id, .. } = &form.target {
        let net = net.as_deref().and_then(|n| Cidr::parse(n).ok());
        for (visitor, ip) in repo::chatting(&state.db, ctx.tenant(), site_id.map(SiteId)).await? {
            if ip.parse().is_ok_and(|ip| net.as_ref().is_some_and(|n| n.contains(ip))) {
                chat::close_blocked(state, ctx.tenant(), visitor, ctx.agent.id).await?;
            }
        }
    }
    changed(state, ctx.tenant()).await?;
    Ok(id)
}

/// Lifts a block.
pub async fn unblock(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), ApiError> {
    ctx.check(Perm::BlockManage)?;
    let scope = ctx.sites(Perm::BlockManage);
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let (site, what) = repo::describe(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
        if !in_scope(&scope, site) {
            return Err(ApiError::NotFound);
        }
        repo::delete(&mut w, ctx.tenant(), id).await?;
        let object = format!("block #{id}");
        audit::record(&mut w, &Entry::by(ctx, OpKind::VisitorUnblocked, &object, &what)).await
    }
    .await;
    w.end(result).await?;
    changed(state, ctx.tenant()).await
}

/// The company's blocks changed: this node reads them again and every node applies them to the
/// visitors it holds.
async fn changed(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    forget(state, tenant);
    let rules = rules(state, tenant).await?;
    state.realtime.blocks_changed(tenant, rules);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn row(site: Option<i64>, visitor: Option<i64>, net: Option<&str>, until: Option<i64>) -> repo::Active {
        repo::Active { site: site.map(SiteId), visitor: visitor.map(VisitorId), net: net.map(str::to_owned), until }
    }

    #[test]
    fn blocks_shut_out_their_visitor_or_range_until_they_end() {
        let rules = Rules::from_rows(vec![
            row(Some(1), Some(7), None, Some(1_000)),
            row(Some(1), Some(7), None, Some(5_000)),
            row(Some(1), Some(8), None, None),
            row(Some(2), None, Some("203.0.113.0/24"), Some(2_000)),
            row(None, None, Some("2001:db8::/32"), None),
        ]);
        let (one, two, three) = (SiteId(1), SiteId(2), SiteId(3));
        let elsewhere = ip("198.51.100.1");
        assert!(rules.shuts(one, VisitorId(7), elsewhere, 4_999), "the longer of two blocks counts");
        assert!(!rules.shuts(one, VisitorId(7), elsewhere, 5_000), "ended");
        assert!(rules.shuts(one, VisitorId(8), elsewhere, i64::MAX), "for good");
        assert!(!rules.shuts(one, VisitorId(9), elsewhere, 0));
        assert!(rules.shuts(two, VisitorId(9), ip("203.0.113.200"), 1_999));
        assert!(rules.shuts(two, VisitorId(9), ip("::ffff:203.0.113.200"), 1_999), "IPv4 seen as IPv6");
        assert!(!rules.shuts(two, VisitorId(9), ip("203.0.113.200"), 2_000), "ended");
        assert!(!rules.shuts(one, VisitorId(9), ip("203.0.113.200"), 0), "a ban on another site");
        assert!(rules.shuts(three, VisitorId(9), ip("2001:db8:ffff::1"), 0), "a ban on every site");
        assert!(!rules.shuts(three, VisitorId(9), ip("2001:db9::1"), 0));
    }
}
