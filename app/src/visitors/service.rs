//! Arriving visitors and their bookkeeping, in batches ([`BatchWorker`]).
//!
//! After a server restart or a network blip thousands of widgets reconnect at once, and a campaign
//! can bring hundreds of new visitors in a second; one statement for many visitors costs one
//! database round trip (and, on SQLite, one commit) instead of one each. One insert per new visitor
//! held the SQLite write gate for 0.3 s when 500 arrived together, and every chat message waited
//! behind it.
//!
//! Bookkeeping (page views, last seen, visit counts) is analytics, not conversation data: nobody
//! waits for it, and when its queue is full (the database is far behind) notes are dropped and
//! logged, never blocking a socket.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use kefu_protocol::{
    matches_query, ApiError, OnlineVisitor, PageInfo, Perm, SiteId, TenantId, VisitorFilter, VisitorId, VisitorSort,
    LIST_PAGE,
};

use super::{
    repo, Known, PageStep, VisitSummary, Visitor, VisitorCard, VisitorDetails, EARLIER_VISITS, TRAJECTORY_VIEWS,
};
use crate::infra::batch::{BatchJob, BatchWorker};
use crate::infra::ctx::Ctx;
use crate::infra::ctx::SiteScope;
use crate::infra::db::Db;
use crate::infra::limits::{Limits, WindowLimiter};
use crate::infra::state::AppState;
use crate::infra::{now_ms, random_token, token_hash};
use crate::sites::service::Site;

/// A new visit starts when a visitor comes back after this long.
pub const VISIT_GAP_MS: i64 = 30 * 60 * 1000;

pub struct Lookup {
    pub tenant: TenantId,
    pub site: SiteId,
    pub token_hash: String,
}

pub struct Registration {
    pub tenant: TenantId,
    pub site: SiteId,
    pub token_hash: String,
    pub at: i64,
}

#[derive(Debug)]
pub enum Note {
    PageView {
        tenant: TenantId,
        visitor: VisitorId,
        page: PageInfo,
        user_agent: String,
        ip: String,
        at: i64,
    },
    /// The visitor was seen at `at`; `new_visit` counts a visit (they came back after a long gap).
    Seen {
        tenant: TenantId,
        visitor: VisitorId,
        at: i64,
        new_visit: bool,
    },
    /// Writes nothing: waited for, it means every note queued before it is written (batches are
    /// written in the order they were queued).
    Flush,
}

pub struct LookupJob(Db);
pub struct RegisterJob(Db);
pub struct NoteJob(Db);

impl BatchJob for LookupJob {
    type Item = Lookup;
    type Output = Option<Known>;
    const NAME: &'static str = "visitor lookups";
    const MAX_BATCH: usize = 500;
    const QUEUE: usize = 8192;

    async fn run(&self, items: &[Lookup]) -> Result<Vec<Result<Option<Known>, ApiError>>, ApiError> {
        let mut found = repo::lookup(&self.0, items).await?;
        // Token hashes are random, but a visitor is still only theirs within one site.
        Ok(items.iter().map(|l| Ok(found.remove(&(l.token_hash.clone(), l.site, l.tenant)))).collect())
    }
}

impl BatchJob for RegisterJob {
    type Item = Registration;
    type Output = VisitorId;
    const NAME: &'static str = "visitor registrations";
    const MAX_BATCH: usize = 500;
    const QUEUE: usize = 8192;

    async fn run(&self, items: &[Registration]) -> Result<Vec<Result<VisitorId, ApiError>>, ApiError> {
        let mut ids: HashMap<String, VisitorId> = repo::insert(&self.0, items).await?;
        Ok(items.iter().map(|r| ids.remove(&r.token_hash).ok_or(ApiError::Internal)).collect())
    }
}

impl BatchJob for NoteJob {
    type Item = Note;
    type Output = ();
    const NAME: &'static str = "visitor bookkeeping";
    const MAX_BATCH: usize = 2048;
    const QUEUE: usize = 65_536;

    async fn run(&self, items: &[Note]) -> Result<Vec<Result<(), ApiError>>, ApiError> {
        repo::write_notes(&self.0, items).await?;
        Ok(items.iter().map(|_| Ok(())).collect())
    }
}

/// The area's workers, one of each per process.
#[derive(Clone)]
pub struct Visitors {
    lookups: BatchWorker<LookupJob>,
    registrations: BatchWorker<RegisterJob>,
    notes: BatchWorker<NoteJob>,
    /// New visitors per client address per minute.
    new_per_ip: Arc<WindowLimiter<IpAddr>>,
    /// Page views per visitor per minute.
    page_views: Arc<WindowLimiter<VisitorId>>,
}

impl Visitors {
    /// Starts the workers on the current runtime.
    pub fn start(db: &Db, limits: &Limits) -> Visitors {
        let minute = Duration::from_secs(60);
        Visitors {
            lookups: BatchWorker::start(LookupJob(db.clone())),
            registrations: BatchWorker::start(RegisterJob(db.clone())),
            notes: BatchWorker::start(NoteJob(db.clone())),
            new_per_ip: Arc::new(WindowLimiter::new(limits.new_visitors_per_ip_per_min, minute)),
            page_views: Arc::new(WindowLimiter::new(limits.page_views_per_visitor_per_min, minute)),
        }
    }
}

/// Recognises a returning visitor of `site` by token, or creates a new one. Returns the visitor and
/// the token the widget should keep (a new one when the old one was unknown). A returning visitor
/// costs a share of one batched read, a new one a share of one batched insert; last-seen and visit
/// counts go to the bookkeeping batch. A client address creating more than its share of new
/// visitors per minute gets `TooMany` (returning visitors are not limited).
pub async fn arrive(
    state: &AppState,
    site: &Site,
    token: Option<&str>,
    ip: IpAddr,
) -> Result<(Visitor, String), ApiError> {
    let workers = state.part::<Visitors>()?;
    let now = now_ms();
    if let Some(token) = token {
        let lookup = Lookup { tenant: site.tenant_id, site: site.id, token_hash: token_hash(token) };
        if let Some(known) = workers.lookups.submit(lookup).await? {
            let new_visit = known.last_seen < now - VISIT_GAP_MS;
            let mut visitor = known.visitor;
            visitor.visits += i64::from(new_visit);
            workers.notes.note(Note::Seen { tenant: site.tenant_id, visitor: visitor.id, at: now, new_visit });
            return Ok((visitor, token.to_owned()));
        }
    }
    workers.new_per_ip.take(&ip).map_err(|retry_after_secs| ApiError::TooMany { retry_after_secs })?;
    let token = random_token();
    let registration = Registration { tenant: site.tenant_id, site: site.id, token_hash: token_hash(&token), at: now };
    let id = workers.registrations.submit(registration).await?;
    let visitor = Visitor { id, name: None, first_seen: now, visits: 1, member: None, registered: false, latest: None };
    Ok((visitor, token))
}

/// The visitor of `site` holding `token`, if any (an HTTP request of the widget, which creates no
/// visitor and counts no visit).
pub async fn known(state: &AppState, site: &Site, token: &str) -> Result<Option<VisitorId>, ApiError> {
    if !kefu_protocol::is_token(token) {
        return Ok(None);
    }
    let lookup = Lookup { tenant: site.tenant_id, site: site.id, token_hash: token_hash(token) };
    Ok(state.part::<Visitors>()?.lookups.submit(lookup).await?.map(|known| known.visitor.id))
}

/// Whether this page view of `visitor` is within the per-minute limit; views over it are neither
/// stored nor shown to agents (the visitor stays online).
pub fn page_view_counts(state: &AppState, visitor: VisitorId) -> bool {
    state.part::<Visitors>().is_ok_and(|workers| workers.page_views.take(&visitor).is_ok())
}

/// A page of the visitors online that a console with `sites` in scope sees, matching `query`
/// ([`matches_query`]) and `filter`, in the order of `sort`, and how many match in all.
pub fn visitors_page(
    mut online: Vec<OnlineVisitor>,
    sites: &SiteScope,
    query: &str,
    filter: &VisitorFilter,
    sort: VisitorSort,
    offset: u32,
) -> (Vec<OnlineVisitor>, u32) {
    let query = query.to_lowercase();
    online.retain(|v| sites.allows(v.site_id) && filter.matches(v) && matches_query(v, &query));
    online.sort_by(|a, b| sort.cmp(a, b));
    let total = u32::try_from(online.len()).unwrap_or(u32::MAX);
    let page = online.into_iter().skip(offset as usize).take(LIST_PAGE).collect();
    (page, total)
}

/// The details panel of a visitor of the agent's sites (`Perm::VisitorsView`).
pub async fn details(state: &AppState, ctx: &Ctx, visitor: VisitorId) -> Result<VisitorDetails, ApiError> {
    ctx.check(Perm::VisitorsView)?;
    let (site, site_name, first_seen, visits, card) = repo::card(&state.db, ctx.tenant(), visitor)
        .await?
        .filter(|(site, ..)| ctx.sites(Perm::VisitorsView).allows(*site))
        .ok_or(ApiError::NotFound)?;
    // The page the visitor just opened may still be in this node's queue: write it first.
    state.part::<Visitors>()?.notes.submit(Note::Flush).await?;
    let views = repo::views(&state.db, ctx.tenant(), visitor, i64::MAX, TRAJECTORY_VIEWS).await?;
    let own = crate::sites::service::site_by_id(state, ctx.tenant(), site).await?;
    let (current, earlier) =
        trajectory(&views, crate::infra::now_ms(), |host| own.as_ref().is_some_and(|s| s.owns_host(host)));
    let conversations = repo::conversations(&state.db, ctx.tenant(), visitor).await?;
    Ok(VisitorDetails { card, site_name, first_seen, visits, current, earlier, conversations })
}

/// A conversation's visitor as its record shows them: the card (`None`: no such visitor) and the
/// pages of the visit it happened in, from `start` to `end`. The caller has checked that the reader
/// sees the conversation.
pub async fn at_the_time(
    state: &AppState,
    tenant: TenantId,
    visitor: VisitorId,
    start: i64,
    end: i64,
) -> Result<(Option<VisitorCard>, Vec<PageStep>), ApiError> {
    let card = repo::card(&state.db, tenant, visitor).await?.map(|(.., card)| card);
    let views = repo::views(&state.db, tenant, visitor, end, TRAJECTORY_VIEWS).await?;
    Ok((card, visit_at(&views, start)))
}

/// The pages (oldest first) of the visit going on at `start`: back from the last page opened by
/// then to the first after which no half hour passed without a page, and on to the last page given.
/// A visit whose pages were not tracked before `start` (a direct chat link) begins after it.
pub fn visit_at(views: &[repo::View], start: i64) -> Vec<PageStep> {
    let first = match views.iter().rposition(|v| v.at <= start) {
        Some(mut i) => {
            while i > 0 && views[i].at - views[i - 1].at <= VISIT_GAP_MS {
                i -= 1;
            }
            i
        }
        // Nothing before it: every page given came after.
        None => 0,
    };
    let visit = &views[first..];
    visit
        .iter()
        .enumerate()
        .map(|(i, v)| PageStep {
            url: v.url.clone(),
            title: v.title.clone(),
            at: v.at,
            stay_ms: visit.get(i + 1).map(|next| next.at - v.at),
        })
        .collect()
}

/// Saves a visitor's card (`Perm::VisitorsView` on their site); agents see the new name at once.
pub async fn save_card(state: &AppState, ctx: &Ctx, card: VisitorCard) -> Result<(), ApiError> {
    ctx.check(Perm::VisitorsView)?;
    let card = card.parse()?;
    let visitor = VisitorId(card.visitor_id);
    // Read for the scope check; its member id is not the agent's to change.
    let (site, .., stored) = repo::card(&state.db, ctx.tenant(), visitor).await?.ok_or(ApiError::NotFound)?;
    if !ctx.sites(Perm::VisitorsView).allows(site) {
        return Err(ApiError::NotFound);
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = repo::save_card(&mut w, ctx.tenant(), &card).await;
    w.end(result).await?;
    let name = (!card.name.is_empty()).then(|| card.name.clone());
    state.realtime.visitor_renamed(ctx.tenant(), visitor, name, stored.member);
    Ok(())
}

/// What an identification did.
#[derive(Debug, PartialEq, Eq)]
pub enum Identified {
    /// The visitor is now (or was already) this user: `verified` when the site signed it.
    Same { verified: bool },
    /// The browser is now a further device of the member, another visitor: it must reconnect.
    Moved,
}

/// The site tells who the visitor is (snippet `data-user-*`, `kefu('identify', …)`). Signed with
/// the site's identity secret (hex HMAC-SHA256 of the user id), the visitor is that member: their
/// card gets the id, and a member already known from another browser becomes this browser's visitor
/// (`Moved`). A wrong signature is refused (`Incorrect`) and changes nothing; an unsigned id is kept
/// as claimed only. The name and e-mail fill an empty card.
/// Who the site says a visitor is, as the widget sent it.
pub struct Identity<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    /// Hex HMAC-SHA256 of the user id with the site's identity secret (empty: unsigned).
    pub hash: &'a str,
}

pub async fn identify(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    token: &str,
    identity: Identity<'_>,
) -> Result<Identified, ApiError> {
    use kefu_protocol::text::{Line, Name};
    use kefu_protocol::ErrorCode;
    let Identity { user_id, name, email, hash } = identity;
    let user_id = Line::parse(user_id, "user_id", super::MEMBER_ID)?.into_string();
    if user_id.is_empty() {
        return Err(ApiError::invalid("user_id", ErrorCode::Required));
    }
    let name =
        if name.trim().is_empty() { String::new() } else { Name::parse(name, "name", super::CARD_NAME)?.into_string() };
    let email = Line::parse(email, "email", super::CARD_EMAIL)?.into_string();
    if !email.is_empty() && !email.contains('@') {
        return Err(ApiError::invalid("email", ErrorCode::Format));
    }
    let verified = !hash.trim().is_empty();
    if verified && !signed(&site.identity_secret, &user_id, hash.trim()) {
        return Err(ApiError::invalid("hash", ErrorCode::Incorrect));
    }
    let tenant = site.tenant_id;
    if verified {
        if let Some(member) = repo::member(&state.db, tenant, site.id, &user_id).await?.filter(|m| *m != visitor) {
            repo::move_device(&state.db, tenant, &token_hash(token), visitor, member, now_ms()).await?;
            return Ok(Identified::Moved);
        }
    }
    let (member, claimed) = if verified { (Some(user_id.as_str()), None) } else { (None, Some(user_id.as_str())) };
    let (shown, member) = repo::identify(&state.db, tenant, visitor, member, claimed, &name, &email).await?;
    state.realtime.visitor_renamed(tenant, visitor, shown.filter(|n| !n.is_empty()), member);
    Ok(Identified::Same { verified })
}

/// A site's registration form (`Perm::SitesManage` on the site).
pub async fn registration(state: &AppState, ctx: &Ctx, site: SiteId) -> Result<super::RegistrationSettings, ApiError> {
    ctx.check(Perm::SitesManage)?;
    if !ctx.sites(Perm::SitesManage).allows(site) {
        return Err(ApiError::NotFound);
    }
    repo::registration(&state.db, ctx.tenant(), site).await?.ok_or(ApiError::NotFound)
}

/// Saves it (one transaction with its log entry); sockets that connect from now on get the new form.
pub async fn save_registration(
    state: &AppState,
    ctx: &Ctx,
    settings: super::RegistrationSettings,
) -> Result<(), ApiError> {
    use crate::infra::audit::{self, Entry, OpKind};
    ctx.check(Perm::SitesManage)?;
    let settings = settings.parse()?;
    let site = SiteId(settings.site_id);
    if !ctx.sites(Perm::SitesManage).allows(site) {
        return Err(ApiError::NotFound);
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        repo::save_registration(&mut w, ctx.tenant(), &settings).await?;
        let fields: Vec<String> = settings
            .fields
            .iter()
            .map(|f| {
                let name = if f.label.is_empty() { f.id.clone() } else { f.label.clone() };
                if f.required {
                    format!("{name}*")
                } else {
                    name
                }
            })
            .collect();
        let when = match (settings.on, settings.before) {
            (false, _) => "off",
            (true, true) => "before the first message",
            (true, false) => "any time",
        };
        let summary = format!("registration {when}: {}", fields.join(", "));
        let object = format!("site #{}", site.0);
        audit::record(&mut w, &Entry::by(ctx, OpKind::RegistrationChanged, &object, &summary)).await
    }
    .await;
    w.end(work).await?;
    if let Ok(cache) = state.part::<FormCache>() {
        cache.0.forget(&site);
    }
    Ok(())
}

/// Each node's copy of the sites' registration forms, reused for five seconds (an `AppState`
/// part); a save forgets the site's at once on its node.
pub struct FormCache(crate::infra::cache::TtlCache<SiteId, Option<Arc<kefu_protocol::DetailsForm>>>);

impl Default for FormCache {
    fn default() -> Self {
        FormCache(crate::infra::cache::TtlCache::new(Duration::from_secs(5), 100_000))
    }
}

/// The form a site's visitors are asked to fill in (`None`: none), read once per five seconds per node.
pub async fn details_form(
    state: &AppState,
    tenant: TenantId,
    site: SiteId,
) -> Result<Option<Arc<kefu_protocol::DetailsForm>>, ApiError> {
    let cache = state.part::<FormCache>()?;
    if let Some(form) = cache.0.get(&site) {
        return Ok(form);
    }
    let form = repo::details_form(&state.db, tenant, site).await?.map(Arc::new);
    cache.0.put(site, form.clone());
    Ok(form)
}

/// Refuses a visitor's first message while the site asks for the form before it and they have not
/// sent it (`registration`, `Required`).
pub fn check_registered(form: Option<&kefu_protocol::DetailsForm>, registered: bool) -> Result<(), ApiError> {
    if form.is_some_and(|f| f.before) && !registered {
        return Err(ApiError::invalid("registration", kefu_protocol::ErrorCode::Required));
    }
    Ok(())
}

/// Stores a visitor's answers to their site's form ([`super::Answers::parse`]); agents' lists show
/// a name they gave.
pub async fn register(
    state: &AppState,
    site: &Site,
    visitor: VisitorId,
    form: Option<&kefu_protocol::DetailsForm>,
    values: &[(String, String)],
) -> Result<(), ApiError> {
    let form = form.ok_or_else(|| ApiError::invalid("registration", kefu_protocol::ErrorCode::NotFound))?;
    let answers = super::Answers::parse(form, values)?;
    let tenant = site.tenant_id;
    let name = repo::register(&state.db, tenant, visitor, &answers, now_ms()).await?;
    if !answers.name.is_empty() {
        let member = repo::member_of(&state.db, tenant, visitor).await?;
        state.realtime.visitor_renamed(tenant, visitor, name.filter(|n| !n.is_empty()), member);
    }
    Ok(())
}

/// The signature a site puts in `data-user-hash`: the hex HMAC-SHA256 of the user id with the
/// site's identity secret (what the site's own server computes).
pub fn member_hash(secret: &str, user_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(user_id.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `hash` (hex) is the HMAC-SHA256 of `user_id` with the site's `secret` (none: never).
fn signed(secret: &str, user_id: &str, hash: &str) -> bool {
    use hmac::{Hmac, Mac};
    let Some(bytes) = hex(hash) else { return false };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    if secret.is_empty() {
        return false;
    }
    mac.update(user_id.as_bytes());
    // Compared in constant time.
    mac.verify_slice(&bytes).is_ok()
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// This visit's pages with the time on each (the last: still there, `None`), and the visits before,
/// newest first, from page views oldest first. A visit ends after half an hour without a page.
pub fn trajectory(views: &[repo::View], now: i64, own: impl Fn(&str) -> bool) -> (Vec<PageStep>, Vec<VisitSummary>) {
    let mut visits: Vec<&[repo::View]> = Vec::new();
    let mut start = 0;
    for i in 1..=views.len() {
        if i == views.len() || views[i].at - views[i - 1].at > VISIT_GAP_MS {
            visits.push(&views[start..i]);
            start = i;
        }
    }
    let ongoing = visits.last().and_then(|v| v.last()).is_some_and(|last| now - last.at <= VISIT_GAP_MS);
    let current = if ongoing { visits.pop().unwrap_or_default() } else { &[] };
    let current = current
        .iter()
        .enumerate()
        .map(|(i, v)| PageStep {
            url: v.url.clone(),
            title: v.title.clone(),
            at: v.at,
            stay_ms: current.get(i + 1).map(|next| next.at - v.at),
        })
        .collect();
    let earlier = visits
        .iter()
        .rev()
        .take(EARLIER_VISITS)
        .filter_map(|visit| {
            let (first, last) = (visit.first()?, visit.last()?);
            Some(VisitSummary {
                started: first.at,
                ended: last.at,
                pages: u32::try_from(visit.len()).unwrap_or(u32::MAX),
                entry: first.url.clone(),
                source: super::source::classify(&first.url, &first.referrer, &own),
            })
        })
        .collect();
    (current, earlier)
}

/// An address as a site keeps it: whole, or only its network (IPv4 /24, IPv6 /48).
pub fn kept_ip(ip: IpAddr, full: bool) -> String {
    if full {
        ip.to_string()
    } else {
        crate::infra::net::Cidr::network_of(ip).to_string()
    }
}

/// Cuts visitors' full addresses older than `KEFU_IP_RETENTION_DAYS` to their network, every
/// `KEFU_IP_SWEEP_SECS` (and once at start), a thousand rows per transaction.
pub fn start_ip_sweep(state: &AppState) {
    let (db, retention) = (state.db.clone(), state.settings.ip_retention);
    crate::infra::every(state.settings.ip_sweep, "visitors' old addresses", move || {
        let db = db.clone();
        let before = crate::infra::now_ms() - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        async move {
            let mut cut = 0u64;
            loop {
                let old = repo::full_ips_before(&db, before, 1000).await?;
                let cut_now: Vec<(i64, String)> = old
                    .iter()
                    .map(|(id, ip)| {
                        // Anything that is not an address is not kept either.
                        (*id, ip.parse().map_or_else(|_| String::new(), |ip| kept_ip(ip, false)))
                    })
                    .collect();
                repo::set_ips(&db, &cut_now).await?;
                cut += cut_now.len() as u64;
                if old.len() < 1000 {
                    return Ok::<u64, ApiError>(cut);
                }
            }
        }
    });
}

/// Records a page view or a last-seen time, in the background.
pub fn note(state: &AppState, note: Note) {
    if let Ok(workers) = state.part::<Visitors>() {
        workers.notes.note(note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_id_is_signed_with_hmac_sha256_of_the_site_secret() {
        // RFC 4231, test case 2.
        let rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert!(signed("Jefe", "what do ya want for nothing?", rfc));
        assert!(signed("Jefe", "what do ya want for nothing?", &rfc.to_uppercase()), "hex in any case");
        assert!(!signed("Jefe", "what do ya want for nothing!", rfc));
        assert!(!signed("jefe", "what do ya want for nothing?", rfc));
        assert!(!signed("", "what do ya want for nothing?", rfc), "a site without a secret signs nothing");
        assert!(!signed("Jefe", "what do ya want for nothing?", &rfc[..62]));
        assert!(!signed("Jefe", "what do ya want for nothing?", &format!("{}zz", &rfc[..62])));
        assert_eq!(member_hash("Jefe", "what do ya want for nothing?"), rfc);
    }

    fn view(url: &str, referrer: &str, at: i64) -> repo::View {
        repo::View { url: url.into(), title: String::new(), referrer: referrer.into(), at }
    }

    #[test]
    fn a_record_shows_the_pages_of_the_visit_its_conversation_happened_in() {
        const MIN: i64 = 60_000;
        let views = [
            view("https://shop.example/old", "", 0),
            view("https://shop.example/", "https://www.baidu.com/s?wd=%E9%80%80%E6%AC%BE", 100 * MIN),
            view("https://shop.example/refund", "", 110 * MIN),
            view("https://shop.example/thanks", "", 130 * MIN),
        ];
        let urls = |steps: Vec<PageStep>| steps.into_iter().map(|s| (s.url, s.stay_ms)).collect::<Vec<_>>();
        // Chat begun on the refund page (after an hour and a half away): the visit began on the home
        // page, the page opened during the chat belongs to it, the visit before does not.
        assert_eq!(
            urls(visit_at(&views, 115 * MIN)),
            [
                ("https://shop.example/".to_owned(), Some(10 * MIN)),
                ("https://shop.example/refund".to_owned(), Some(20 * MIN)),
                ("https://shop.example/thanks".to_owned(), None),
            ]
        );
        // A chat during a long stay on one page, ended before the next visit (the query reads pages
        // up to the end): that page alone; had it lasted into the next visit, those pages too.
        assert_eq!(urls(visit_at(&views[..1], 50 * MIN)), [("https://shop.example/old".to_owned(), None)]);
        assert_eq!(urls(visit_at(&views[..2], 50 * MIN)).len(), 2);
        // From a direct chat link, no page before it: the pages after it.
        assert_eq!(urls(visit_at(&views[1..], 90 * MIN)).len(), 3);
        assert!(visit_at(&[], 90 * MIN).is_empty());
    }

    #[test]
    fn the_trajectory_is_this_visits_pages_with_their_stays_and_the_visits_before() {
        const MIN: i64 = 60_000;
        let views = [
            view("https://shop.example/", "https://www.baidu.com/s?wd=%E9%80%80%E6%AC%BE", 0),
            view("https://shop.example/refund", "https://shop.example/", 2 * MIN),
            view("https://shop.example/", "", 100 * MIN),
            view("https://shop.example/pricing", "https://shop.example/", 101 * MIN),
            view("https://shop.example/buy", "https://shop.example/pricing", 104 * MIN),
        ];
        let own = |host: &str| host == "shop.example";
        let (current, earlier) = trajectory(&views, 110 * MIN, own);
        let stays: Vec<_> = current.iter().map(|p| (p.url.as_str(), p.stay_ms)).collect();
        assert_eq!(
            stays,
            [
                ("https://shop.example/", Some(MIN)),
                ("https://shop.example/pricing", Some(3 * MIN)),
                ("https://shop.example/buy", None)
            ]
        );
        assert_eq!(earlier.len(), 1);
        assert_eq!((earlier[0].pages, earlier[0].started, earlier[0].ended), (2, 0, 2 * MIN));
        assert_eq!(earlier[0].source.as_ref().and_then(|s| s.keyword.as_deref()), Some("退款"));
        // Long gone: every visit is an earlier one.
        let (current, earlier) = trajectory(&views, 200 * MIN, own);
        assert!(current.is_empty());
        assert_eq!(earlier.iter().map(|v| v.pages).collect::<Vec<_>>(), [3, 2], "newest first");
        assert_eq!(trajectory(&[], 0, own), (vec![], vec![]));
    }
}
