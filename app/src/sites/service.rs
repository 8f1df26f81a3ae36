//! Site rules: which origins may embed a site, the site cache the visitor socket reads, creating
//! sites, and the views the workbench lists.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_protocol::{ApiError, SiteId, TenantId};

use super::{embed_snippet, repo, SiteView};
use crate::infra::ctx::Ctx;
use crate::infra::db::Db;
use crate::infra::random_token;
use crate::infra::state::AppState;

#[derive(Clone, Debug)]
pub struct Site {
    pub id: SiteId,
    pub tenant_id: TenantId,
    pub name: String,
    pub key: String,
    /// Hosts (with optional port, `*.` wildcard allowed) whose pages may embed the widget.
    pub allowed_domains: Vec<String>,
}

impl Site {
    /// Whether a browser `Origin` header value may open the visitor socket for this site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let Some(host) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
            return false;
        };
        let host = host.trim_end_matches('/').to_ascii_lowercase();
        let bare = host.split(':').next().unwrap_or_default();
        self.allowed_domains.iter().any(|d| {
            let d = d.trim().to_ascii_lowercase();
            if let Some(suffix) = d.strip_prefix("*.") {
                bare.ends_with(&format!(".{suffix}")) || bare == suffix
            } else if d.contains(':') {
                host == d
            } else {
                bare == d
            }
        })
    }
}

/// Sites by key, kept for a short while: every visitor (re)connect names its site, and a reconnect
/// storm would otherwise read the same row thousands of times. A change to a site reaches every node
/// within [`SiteCache::TTL`]; the node that makes it calls [`SiteCache::forget`].
#[derive(Default)]
pub struct SiteCache {
    sites: Mutex<HashMap<String, (Arc<Site>, Instant)>>,
}

impl SiteCache {
    pub const TTL: Duration = Duration::from_secs(30);
    /// Keys kept at most (a flood of unknown keys is never kept).
    const MAX: usize = 10_000;

    pub async fn site(&self, db: &Db, key: &str) -> Result<Option<Arc<Site>>, ApiError> {
        let lock = || self.sites.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((site, at)) = lock().get(key) {
            if at.elapsed() < Self::TTL {
                return Ok(Some(site.clone()));
            }
        }
        let Some(site) = repo::by_key(db, key).await? else { return Ok(None) };
        let site = Arc::new(site);
        let mut sites = lock();
        if sites.len() >= Self::MAX {
            sites.clear();
        }
        sites.insert(key.to_owned(), (site.clone(), Instant::now()));
        Ok(Some(site))
    }

    pub fn forget(&self, key: &str) {
        self.sites.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

/// The site a visitor's widget names by key (through the cache).
pub async fn by_key(state: &AppState, key: &str) -> Result<Option<Arc<Site>>, ApiError> {
    state.part::<SiteCache>()?.site(&state.db, key).await
}

pub async fn create_site(db: &Db, tenant: TenantId, name: &str, domains: &[String]) -> Result<Site, ApiError> {
    let key = format!("site_{}", &random_token()[..24]);
    let id = repo::insert(db, tenant, name, &key, &domains.join(",")).await?;
    Ok(Site { id, tenant_id: tenant, name: name.into(), key, allowed_domains: domains.to_vec() })
}

/// The first site of the first company: what the demo customer page embeds.
pub async fn first_site(db: &Db) -> Result<Option<Site>, ApiError> {
    repo::first(db).await
}

/// The sites the agent may act on, with their snippets.
pub async fn site_views(state: &AppState, ctx: &Ctx) -> Result<Vec<SiteView>, ApiError> {
    let sites = repo::of_tenant(&state.db, ctx.tenant()).await?;
    Ok(sites
        .into_iter()
        .filter(|s| ctx.sites.allows(s.id))
        .map(|s| SiteView {
            snippet: embed_snippet(&state.settings.public_url, &s.key),
            id: s.id.0,
            name: s.name,
            key: s.key,
            allowed_domains: s.allowed_domains,
        })
        .collect())
}
