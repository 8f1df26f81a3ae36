//! Site rules: which origins may embed a site, the site cache the visitor socket reads, creating
//! sites, and the views the workbench lists.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_protocol::text::Name;
use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId, TenantId};

use super::{embed_snippet, repo, SiteForm, SiteView, MAX_DOMAINS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::db::{Db, Writer};
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
    pub version: i64,
    /// Visitors' full IP addresses are stored (otherwise only their network).
    pub full_ips: bool,
    /// What the site signs its members' ids with (HMAC-SHA256; empty: none yet).
    pub identity_secret: String,
    /// Links agents push to pages of its bound domains open in the visitor's tab.
    pub push_same_tab: bool,
    /// The IANA time zone its days are cut in.
    pub time_zone: String,
}

/// One bound domain as an admin types it, parsed: `example.com`, `shop.example.com:8443`,
/// `*.example.com` (its subdomains), `127.0.0.1:3001`, `[::1]:8080`. A pasted URL loses its scheme
/// and path; letters are lowercased; a Chinese (or other non-ASCII) domain is stored in the
/// `xn--` form browsers send in `Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundDomain(String);

impl BoundDomain {
    pub fn parse(raw: &str) -> Result<BoundDomain, ApiError> {
        let bad = || ApiError::invalid("domains", ErrorCode::Format);
        let text = raw.trim();
        let text = text.split_once("://").map_or(text, |(_, rest)| rest);
        let text = text.split(['/', '?', '#']).next().unwrap_or_default();
        let (wildcard, rest) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (host, port) = split_host_port(rest).ok_or_else(bad)?;
        let ascii = if host.contains(':') {
            // An IPv6 literal (wildcards make no sense on addresses).
            if wildcard || host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad());
            }
            format!("[{host}]")
        } else {
            let ascii = idna::domain_to_ascii(&host).map_err(|_| bad())?;
            let labels_ok = ascii.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
            if !labels_ok || ascii.len() > 253 {
                return Err(bad());
            }
            ascii
        };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        Ok(BoundDomain(format!("{}{ascii}{port}", if wildcard { "*." } else { "" })))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A whole list as typed (one per line, or separated by commas or spaces), without duplicates.
    pub fn parse_list(raw: &str) -> Result<Vec<String>, ApiError> {
        let mut domains: Vec<String> = Vec::new();
        for entry in raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
            let domain = BoundDomain::parse(entry)?.0;
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        if domains.len() > MAX_DOMAINS {
            return Err(ApiError::invalid("domains", ErrorCode::TooLong));
        }
        Ok(domains)
    }
}

impl Site {
    /// Whether a browser `Origin` header value may open the visitor socket for this site. A bound
    /// domain is exact: `example.com` allows `http://example.com` and `https://example.com` on
    /// their default ports only; another port must be listed (`example.com:8443`), and subdomains
    /// only through a wildcard entry (`*.example.com`, which does not cover `example.com` itself).
    pub fn allows_origin(&self, origin: &str) -> bool {
        let Some((host, port, default_port)) = parse_origin(origin) else { return false };
        self.allowed_domains.iter().any(|entry| domain_allows(entry, &host, port, default_port))
    }

    /// Whether a host (any port) is one of the site's bound domains: a referrer from there is
    /// navigation within the site, not where a visitor came from.
    pub fn owns_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed_domains.iter().any(|entry| entry_covers(entry, &host).is_some())
    }
}

/// `(host, port, the scheme's default port)` of an `Origin` value; `None` for anything else
/// (`null`, other schemes, user info, paths).
fn parse_origin(origin: &str) -> Option<(String, u16, u16)> {
    let (scheme, rest) = origin.split_once("://")?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let (host, port) = split_host_port(rest)?;
    Some((host, port.unwrap_or(default_port), default_port))
}

/// `host[:port]` (or `[v6]:port`) with the host lowercased and without a trailing dot.
fn split_host_port(text: &str) -> Option<(String, Option<u16>)> {
    if text.is_empty() || text.contains(['/', '@', '?', '#', ' ', '\\']) {
        return None;
    }
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (host, rest) = v6.split_once(']')?;
        (host, rest.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((host, port))
}

/// Whether one bound-domain entry (`example.com`, `example.com:8443`, `*.example.com`) allows the
/// origin's host and port.
fn domain_allows(entry: &str, host: &str, port: u16, default_port: u16) -> bool {
    entry_covers(entry, host).is_some_and(|entry_port| entry_port.unwrap_or(default_port) == port)
}

/// Whether a bound-domain entry covers a (lowercase) host, whatever the port: then the port the
/// entry names, if any.
fn entry_covers(entry: &str, host: &str) -> Option<Option<u16>> {
    let entry = entry.trim();
    let entry = entry.split_once("://").map_or(entry, |(_, rest)| rest).trim_end_matches('/');
    let (wildcard, entry) = match entry.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, entry),
    };
    let (domain, entry_port) = split_host_port(entry)?;
    let covers = if wildcard {
        host.strip_suffix(domain.as_str()).is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
    } else {
        host == domain
    };
    covers.then_some(entry_port)
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
/// One of the company's sites by id (`None`: not the company's, or deleted).
pub async fn site_by_id(state: &AppState, tenant: TenantId, id: SiteId) -> Result<Option<Site>, ApiError> {
    site_of(&state.db, tenant, id).await
}

/// A site of the company (`None`: not its, or deleted), for work that has a database but no
/// server (the operator's tools).
pub async fn site_of(db: &Db, tenant: TenantId, id: SiteId) -> Result<Option<Site>, ApiError> {
    Ok(repo::of_tenant(db, tenant).await?.into_iter().find(|s| s.id == id))
}

/// The company's sites (id, name), for other areas' texts.
pub async fn names(state: &AppState, tenant: TenantId) -> Result<Vec<(i64, String)>, ApiError> {
    Ok(repo::of_tenant(&state.db, tenant).await?.into_iter().map(|s| (s.id.0, s.name)).collect())
}

pub async fn by_key(state: &AppState, key: &str) -> Result<Option<Arc<Site>>, ApiError> {
    state.part::<SiteCache>()?.site(&state.db, key).await
}

/// Creates a site with the writer's open transaction (part of creating a company or a site).
pub async fn create_site(w: &mut Writer, tenant: TenantId, name: &str, domains: &[String]) -> Result<Site, ApiError> {
    let key = format!("site_{}", &random_token()[..24]);
    let id = repo::insert(w, tenant, name, &key, &domains.join(",")).await?;
    Ok(Site {
        id,
        tenant_id: tenant,
        name: name.into(),
        key,
        allowed_domains: domains.to_vec(),
        version: 1,
        full_ips: true,
        identity_secret: String::new(),
        push_same_tab: false,
        time_zone: "UTC".into(),
    })
}

/// An IANA time zone name (`Asia/Shanghai`, `UTC`), or `time_zone`/`format`.
pub fn parse_zone(name: &str) -> Result<chrono_tz::Tz, ApiError> {
    let bad = || ApiError::invalid("time_zone", ErrorCode::Format);
    if name.chars().count() > super::ZONE_CHARS {
        return Err(bad());
    }
    name.trim().parse::<chrono_tz::Tz>().map_err(|_| bad())
}

/// Creates a site (`form.id` `None`) or renames one and replaces its domains. One transaction with
/// its log entry; the site cache forgets the site at once on this node (other nodes within
/// [`SiteCache::TTL`]).
pub async fn save(state: &AppState, ctx: &Ctx, form: SiteForm) -> Result<i64, ApiError> {
    let name = Name::parse(&form.name, "name", 100)?;
    let domains = BoundDomain::parse_list(&form.domains)?;
    let zone = parse_zone(&form.time_zone)?.name();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let tenant = ctx.tenant();
        match form.id {
            None => {
                let site = create_site(&mut w, tenant, name.as_str(), &domains).await?;
                if !form.full_ips || form.push_same_tab || zone != "UTC" {
                    repo::set_options(&mut w, tenant, site.id, form.full_ips, form.push_same_tab, zone).await?;
                }
                let object = format!("site #{}", site.id.0);
                let summary = format!(
                    "{} [{}], full IPs {}, pushed links in the same tab {}, time zone {zone}",
                    site.name,
                    domains.join(", "),
                    form.full_ips,
                    form.push_same_tab
                );
                audit::record(&mut w, &Entry::by(ctx, OpKind::SiteCreated, &object, &summary)).await?;
                Ok((site.id, None))
            }
            Some(id) => {
                let id = SiteId(id);
                let (before, _) = repo::get(&mut w, tenant, id).await?.ok_or(ApiError::NotFound)?;
                if !ctx.sites(Perm::SitesManage).allows(id) {
                    return Err(ApiError::Forbidden);
                }
                repo::update(&mut w, tenant, id, form.version, name.as_str(), &domains.join(",")).await?;
                repo::set_options(&mut w, tenant, id, form.full_ips, form.push_same_tab, zone).await?;
                let object = format!("site #{}", id.0);
                let summary = format!(
                    "{} → {}; [{}] → [{}]; full IPs {} → {}; pushed links in the same tab {} → {}; time zone {} → {zone}",
                    before.name,
                    name.as_str(),
                    before.allowed_domains.join(", "),
                    domains.join(", "),
                    before.full_ips,
                    form.full_ips,
                    before.push_same_tab,
                    form.push_same_tab,
                    before.time_zone
                );
                audit::record(&mut w, &Entry::by(ctx, OpKind::SiteChanged, &object, &summary)).await?;
                Ok((id, Some(before.key)))
            }
        }
    }
    .await;
    let (id, key) = w.end(result).await?;
    if let Some(key) = key {
        state.part::<SiteCache>()?.forget(&key);
    }
    Ok(id.0)
}

/// Deletes a site once its name is typed again (`confirm`). The default site cannot be deleted;
/// the site's conversations stay in the records, and its widget stops opening chats.
pub async fn delete(state: &AppState, ctx: &Ctx, id: SiteId, confirm: &str) -> Result<(), ApiError> {
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let (site, is_default) = repo::get(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
        if !ctx.sites(Perm::SitesManage).allows(id) {
            return Err(ApiError::Forbidden);
        }
        if is_default {
            return Err(ApiError::conflict(None, ErrorCode::Protected));
        }
        if confirm.trim() != site.name {
            return Err(ApiError::invalid("confirm", ErrorCode::Incorrect));
        }
        repo::soft_delete(&mut w, ctx.tenant(), id).await?;
        let object = format!("site #{}", id.0);
        audit::record(&mut w, &Entry::by(ctx, OpKind::SiteDeleted, &object, &site.name)).await?;
        Ok(site.key)
    }
    .await;
    let key = w.end(result).await?;
    state.part::<SiteCache>()?.forget(&key);
    Ok(())
}

/// The ids of the tenant's undeleted sites (read with the writer, for other areas' checks).
pub async fn site_ids(w: &mut Writer, tenant: TenantId) -> Result<Vec<i64>, ApiError> {
    repo::ids(w, tenant).await
}

/// The first site of the first company: what the demo customer page embeds.
pub async fn first_site(db: &Db) -> Result<Option<Site>, ApiError> {
    repo::first(db).await
}

/// The sites the agent may act on, with their snippets.
pub async fn site_views(state: &AppState, ctx: &Ctx) -> Result<Vec<SiteView>, ApiError> {
    let sites = repo::of_tenant(&state.db, ctx.tenant()).await?;
    let default = repo::default_site(&state.db, ctx.tenant()).await?;
    let mut shown = Vec::new();
    for mut s in sites.into_iter().filter(|s| ctx.sites(Perm::SitesView).allows(s.id)) {
        // Only those who manage the site see the secret it signs member ids with (made the first
        // time someone does).
        let manages = ctx.check(Perm::SitesManage).is_ok() && ctx.sites(Perm::SitesManage).allows(s.id);
        if manages && s.identity_secret.is_empty() {
            s.identity_secret = repo::ensure_identity_secret(&state.db, ctx.tenant(), s.id, &random_token()).await?;
            state.part::<SiteCache>()?.forget(&s.key);
        }
        if !manages {
            s.identity_secret.clear();
        }
        shown.push(s);
    }
    Ok(shown
        .into_iter()
        .map(|s| SiteView {
            snippet: embed_snippet(&state.settings.public_url, &s.key),
            is_default: Some(s.id) == default,
            id: s.id.0,
            name: s.name,
            key: s.key,
            allowed_domains: s.allowed_domains,
            version: s.version,
            full_ips: s.full_ips,
            push_same_tab: s.push_same_tab,
            time_zone: s.time_zone,
            identity_secret: (!s.identity_secret.is_empty()).then_some(s.identity_secret),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_domains_allow_exactly_their_origins() {
        let site = |domains: &[&str]| Site {
            id: SiteId(1),
            tenant_id: TenantId(1),
            name: "s".into(),
            key: "k".into(),
            allowed_domains: domains.iter().map(|d| d.to_string()).collect(),
            version: 1,
            full_ips: true,
            identity_secret: String::new(),
            push_same_tab: false,
            time_zone: "UTC".into(),
        };
        let plain = site(&["example.com"]);
        let wild = site(&["*.example.com"]);
        let port = site(&["example.com:8443", "127.0.0.1:3001", "[::1]:8080"]);
        let table: &[(&Site, &str, bool)] = &[
            (&plain, "https://example.com", true),
            (&plain, "http://example.com", true),
            (&plain, "https://EXAMPLE.com", true),
            (&plain, "https://example.com:443", true),
            (&plain, "http://example.com:80", true),
            (&plain, "https://example.com:8443", false),
            (&plain, "http://example.com:443", false),
            (&plain, "https://www.example.com", false),
            (&plain, "https://example.com.evil.test", false),
            (&plain, "https://evilexample.com", false),
            (&plain, "https://user@example.com", false),
            (&plain, "ftp://example.com", false),
            (&plain, "null", false),
            (&plain, "", false),
            (&wild, "https://www.example.com", true),
            (&wild, "https://a.b.example.com", true),
            (&wild, "https://example.com", false),
            (&wild, "https://evilexample.com", false),
            (&wild, "https://www.example.com:8443", false),
            (&port, "https://example.com:8443", true),
            (&port, "https://example.com", false),
            (&port, "http://127.0.0.1:3001", true),
            (&port, "http://127.0.0.1:3002", false),
            (&port, "http://[::1]:8080", true),
        ];
        for (site, origin, allowed) in table {
            assert_eq!(site.allows_origin(origin), *allowed, "{origin} with {:?}", site.allowed_domains);
        }
    }

    #[test]
    fn a_referrer_host_is_the_site_s_own_on_any_port_and_under_a_wildcard() {
        let site = Site {
            id: SiteId(1),
            tenant_id: TenantId(1),
            name: "s".into(),
            key: "k".into(),
            allowed_domains: vec!["shop.example.com:8443".into(), "*.example.cn".into()],
            version: 1,
            full_ips: true,
            identity_secret: String::new(),
            push_same_tab: false,
            time_zone: "UTC".into(),
        };
        for (host, own) in [
            ("shop.example.com", true),
            ("SHOP.example.com", true),
            ("m.example.cn", true),
            ("example.cn", false),
            ("evilexample.cn", false),
            ("example.com", false),
        ] {
            assert_eq!(site.owns_host(host), own, "{host}");
        }
    }

    #[test]
    fn bound_domains_are_parsed_as_typed_or_pasted() {
        let parsed = |raw: &str| BoundDomain::parse(raw).map(|d| d.as_str().to_owned());
        assert_eq!(parsed("Example.COM").unwrap(), "example.com");
        assert_eq!(parsed("https://shop.example.com/products?x=1").unwrap(), "shop.example.com");
        assert_eq!(parsed("*.example.com").unwrap(), "*.example.com");
        assert_eq!(parsed("example.com:8443").unwrap(), "example.com:8443");
        assert_eq!(parsed("[::1]:8080").unwrap(), "[::1]:8080");
        assert_eq!(parsed("例子.中国").unwrap(), "xn--fsqu00a.xn--fiqs8s");
        for bad in ["exa mple.com", "example..com", "example.com:99999", "*.[::1]", "user@example.com", "-"] {
            assert!(parsed(bad).is_err(), "{bad}");
        }
        let list = BoundDomain::parse_list("example.com, www.example.com\nexample.com").unwrap();
        assert_eq!(list, ["example.com", "www.example.com"]);
        // What a bound domain admits is what the origin check allows.
        let site = Site {
            id: SiteId(1),
            tenant_id: TenantId(1),
            name: "s".into(),
            key: "k".into(),
            allowed_domains: vec![parsed("例子.中国").unwrap()],
            version: 1,
            full_ips: true,
            identity_secret: String::new(),
            push_same_tab: false,
            time_zone: "UTC".into(),
        };
        assert!(site.allows_origin("https://xn--fsqu00a.xn--fiqs8s"));
    }
}
