//! The router (one pass per tenant, batched like the message writer), agents' status, and what
//! visitors are told: whether anyone is there, their place in the queue, who took their chat.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use kefu_protocol::text::Line;
use kefu_protocol::{
    AgentId, AgentInfo, AgentStatus, ApiError, ConversationId, ErrorCode, Perm, SiteId, TenantId, ToAgent, ToVisitor,
    TransferTo, VisitorId, MAX_TRANSFER_NOTE,
};

use super::repo::{self, Load, Waiting};
use super::{estimate_wait, pick, Need};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::batch::{BatchJob, BatchWorker};
use crate::infra::coalesce::Coalesced;
use crate::infra::ctx::Ctx;
use crate::infra::db::Db;
use crate::infra::geo::Geo;
use crate::infra::realtime::Realtime;
use crate::infra::state::AppState;
use crate::infra::{now_ms, OrInternal};

/// Most queued conversations one pass looks at.
const PASS_QUEUE: i64 = 2000;

/// The area's part of the application state.
#[derive(Clone)]
pub struct Router {
    worker: BatchWorker<RouteJob>,
    /// Agents whose load is being announced (see [`announce_later`]).
    announcing: Coalesced<(TenantId, AgentId)>,
    /// Agents whose last chat is being stamped (see [`taken_by_reply`]).
    stamping: Coalesced<(TenantId, AgentId)>,
    /// Companies with a pass scheduled within [`RETELL`] (shared with the job's retells).
    later: Pending,
}

impl Router {
    pub fn start(db: &Db, realtime: Arc<dyn Realtime>, geo: Arc<Geo>) -> Router {
        let me = Arc::new(std::sync::OnceLock::new());
        let later = Pending::default();
        let job =
            RouteJob { db: db.clone(), realtime, geo, told: Default::default(), retell: later.clone(), me: me.clone() };
        let worker = BatchWorker::start(job);
        let _ = me.set(worker.clone());
        Router { worker, announcing: Default::default(), stamping: Default::default(), later }
    }
}

struct RouteJob {
    db: Db,
    realtime: Arc<dyn Realtime>,
    /// Where visitors are, for the offers of approval mode.
    geo: Arc<Geo>,
    /// The place each waiting visitor was last told by this node, and when: a pass tells new
    /// arrivals at once, and others whose place changed at most once a [`RETELL`] (otherwise every
    /// chat taken from a long queue would tell the whole queue again).
    told: Told,
    /// Tenants with a pass scheduled to tell the places held back.
    retell: Pending,
    /// The worker running this job (for the scheduled passes).
    me: Arc<std::sync::OnceLock<BatchWorker<RouteJob>>>,
}

type Told = std::sync::Mutex<HashMap<ConversationId, (u32, std::time::Instant)>>;

/// How often a waiting visitor hears a new place at most.
const RETELL: std::time::Duration = std::time::Duration::from_secs(1);

impl BatchJob for RouteJob {
    type Item = TenantId;
    type Output = ();
    const NAME: &'static str = "router";
    const MAX_BATCH: usize = 1024;
    const QUEUE: usize = 8192;

    /// One pass per tenant named in the batch (however often it is named).
    async fn run(&self, items: &[TenantId]) -> Result<Vec<Result<(), ApiError>>, ApiError> {
        let mut done: HashMap<TenantId, Result<(), ApiError>> = HashMap::new();
        for tenant in items {
            if !done.contains_key(tenant) {
                let result = pass(&self.db, self.realtime.as_ref(), &self.geo, &self.told, *tenant).await;
                if let Ok(Pass { held_back: true, .. }) = result {
                    self.retell_later(*tenant);
                }
                if let Ok(Pass { next_deadline: Some(at), .. }) = result {
                    self.pass_at(*tenant, at);
                }
                let result = result.map(|_| ());
                if let Err(e) = &result {
                    tracing::warn!(tenant = tenant.0, error = %e, "routing pass failed");
                }
                done.insert(*tenant, result);
            }
        }
        Ok(items.iter().map(|t| done[t].clone()).collect())
    }
}

impl RouteJob {
    /// Schedules a pass just after `at` (Unix ms), when an offer lapses.
    fn pass_at(&self, tenant: TenantId, at: i64) {
        let Some(worker) = self.me.get().cloned() else { return };
        let wait = u64::try_from(at - now_ms()).unwrap_or(0) + 20;
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            worker.note(tenant);
        });
    }

    /// Schedules a pass in [`RETELL`] to tell the places this one held back (one per tenant).
    fn retell_later(&self, tenant: TenantId) {
        if let Some(worker) = self.me.get() {
            pass_within_retell(&self.retell, worker, tenant);
        }
    }
}

/// Runs a pass for each company with an offer that lapsed unanswered and still stands: the node
/// that made the offer schedules that pass itself, this sweep (every node, every
/// `settings.idle_sweep`) covers a node that died first.
pub fn start_offer_sweep(state: &AppState) {
    let state = state.clone();
    crate::infra::every(state.settings.idle_sweep, "lapsed offers", move || {
        let state = state.clone();
        async move {
            let tenants = repo::lapsed_offers(&state.db, now_ms() - 1000).await?;
            for tenant in &tenants {
                kick(&state, *tenant);
            }
            Ok(tenants.len() as u64)
        }
    });
}

/// Runs a routing pass for the tenant and waits until it is done (its frames are out).
pub async fn route(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    state.part::<Router>()?.worker.submit(tenant).await
}

/// Starts a routing pass without waiting for it.
pub fn kick(state: &AppState, tenant: TenantId) {
    if let Ok(router) = state.part::<Router>() {
        router.worker.note(tenant);
    }
}

struct Given {
    waiting: Waiting,
    agent: AgentId,
    name: String,
    welcome: String,
}

/// What a pass did in approval mode: offers made (agent, conversation, until, how long in ms) and
/// offers that ended unanswered (agent, conversation).
#[derive(Default)]
struct Offers {
    made: Vec<(AgentId, ConversationId, i64, i64)>,
    ended: Vec<(AgentId, ConversationId)>,
    /// The earliest time a standing offer lapses.
    deadline: Option<i64>,
}

impl Offers {
    /// Notes that an offer lapses at `until`.
    fn lapsing(&mut self, until: i64) {
        self.deadline = Some(self.deadline.map_or(until, |d| d.min(until)));
    }
}

/// The offer frame's content for a conversation offered until `until` for `ms`.
async fn offer_of(
    conn: &mut sqlx::AnyConnection,
    geo: &Geo,
    tenant: TenantId,
    id: ConversationId,
    until: i64,
    ms: i64,
) -> Result<Option<kefu_protocol::ChatOffer>, ApiError> {
    let Some((visitor_id, visitor_name, first_message, page, ip)) = repo::offer_details(conn, tenant, id).await? else {
        return Ok(None);
    };
    let region = ip.and_then(|ip| ip.parse().ok()).and_then(|ip| geo.region(ip));
    Ok(Some(kefu_protocol::ChatOffer {
        conversation_id: id,
        visitor_id,
        visitor_name,
        first_message,
        page,
        region,
        until,
        secs: u32::try_from(ms / 1000).unwrap_or(0),
    }))
}

/// An agent's personal welcome, if they set one.
fn welcome_of(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// What a pass leaves to do later.
struct Pass {
    /// Some waiting visitors' new places were held back (see [`RETELL`]).
    held_back: bool,
    /// The earliest time an offer it made (or saw) lapses.
    next_deadline: Option<i64>,
}

/// Gives queued conversations, oldest first, to agents online with room, in one transaction (or,
/// in approval mode, offers them); then tells agents and visitors, and tells those still waiting
/// their place.
async fn pass(db: &Db, realtime: &dyn Realtime, geo: &Geo, told: &Told, tenant: TenantId) -> Result<Pass, ApiError> {
    let online: Vec<AgentId> = realtime.online_agents(tenant).await.into_iter().collect();
    // Nobody who could take a chat: no write transaction (on SQLite it would hold the one writer),
    // only the places to tell.
    let mut conn = db.reader().acquire().await.or_internal()?;
    let agents = repo::candidates(&mut conn, db.kind, tenant, &online, false).await?;
    if !agents.iter().any(|a| a.has_room()) {
        let waiting = repo::queue(&mut conn, tenant, PASS_QUEUE).await?;
        drop(conn);
        let held_back = tell_places(db, realtime, told, tenant, &agents, &waiting, &[]).await?;
        let next_deadline = waiting.iter().filter_map(|w| w.offered.map(|(_, until)| until)).min();
        return Ok(Pass { held_back, next_deadline });
    }
    drop(conn);
    let mut w = db.write().await?;
    w.begin().await?;
    let work = async {
        let mut agents = repo::candidates(&mut w, db.kind, tenant, &online, true).await?;
        let (sites, categories) = repo::rules(&mut w, tenant).await?;
        let queue = repo::queue(&mut w, tenant, PASS_QUEUE).await?;
        let mut given = Vec::new();
        let mut waiting = Vec::new();
        let mut offers = Offers::default();
        let now = now_ms();
        for mut item in queue {
            let rules = sites.get(&item.site);
            if let Some((agent, until)) = item.offered {
                if until > now {
                    // The offer stands (and counts against the agent's limit): the chat waits.
                    offers.lapsing(until);
                    waiting.push(item);
                    continue;
                }
                // Not answered in time: as if declined.
                if repo::decline_offer(&mut w, tenant, item.id, agent, true, now).await? {
                    // (A lapsed offer no longer counts in the agent's `open`.)
                    offers.ended.push((agent, item.id));
                    item.declined.push(agent);
                }
            }
            let category = item.category.and_then(|c| categories.get(&c).copied());
            let mode = category.and_then(|c| c.mode).or(rules.map(|r| r.mode)).unwrap_or_default();
            let previous = item.previous.filter(|_| rules.is_some_and(|r| r.prefer_previous));
            // A switchboard first (the category's, else the site's), then the visitor's previous
            // agent, then the mode.
            let preferred = category.and_then(|c| c.switchboard).or(rules.and_then(|r| r.switchboard)).or(previous);
            let roll = rand::random::<u64>();
            let region = item.region.as_deref().filter(|_| rules.is_some_and(|r| r.region_routing));
            let need = Need { site: item.site, category: item.category, region };
            let mut chosen = pick(&agents, need, mode, preferred, &item.declined, roll);
            if chosen.is_none() && !item.declined.is_empty() {
                // Everyone able declined: offered round again rather than left waiting for nobody.
                chosen = pick(&agents, need, mode, preferred, &[], roll);
                if chosen.is_some() {
                    repo::clear_declines(&mut w, tenant, item.id).await?;
                }
            }
            let Some(i) = chosen else {
                waiting.push(item);
                continue;
            };
            match rules.and_then(|r| r.approval_ms) {
                Some(ms) => {
                    let until = now + ms;
                    if repo::offer_chat(&mut w, tenant, item.id, agents[i].id, until).await? {
                        agents[i].open += 1;
                        agents[i].last_assigned_at = now;
                        offers.made.push((agents[i].id, item.id, until, ms));
                        offers.lapsing(until);
                    }
                    waiting.push(item);
                }
                None if repo::assign(&mut w, tenant, item.id, agents[i].id, now).await? => {
                    agents[i].open += 1;
                    agents[i].last_assigned_at = now;
                    let (agent, name, welcome) = (agents[i].id, agents[i].name.clone(), agents[i].welcome.clone());
                    given.push(Given { waiting: item, agent, name, welcome });
                }
                None => waiting.push(item),
            }
        }
        Ok((agents, given, waiting, offers))
    }
    .await;
    let (agents, given, waiting, offers) = w.end(work).await?;
    for g in &given {
        let frame = ToAgent::Assigned {
            conversation_id: g.waiting.id,
            agent_id: Some(g.agent),
            agent_name: Some(g.name.clone()),
        };
        realtime.to_agents(tenant, Some(g.waiting.site), Perm::ChatServe, &frame, None);
        let frame = ToVisitor::Assigned {
            conversation_id: g.waiting.id,
            agent_name: g.name.clone(),
            welcome: welcome_of(&g.welcome),
        };
        realtime.to_visitor(tenant, g.waiting.visitor, &frame, None);
    }
    for (agent, conversation_id) in &offers.ended {
        realtime.to_agent(tenant, *agent, &ToAgent::OfferEnded { conversation_id: *conversation_id });
    }
    if !offers.made.is_empty() {
        let mut conn = db.reader().acquire().await.or_internal()?;
        for (agent, id, until, ms) in &offers.made {
            if let Some(offer) = offer_of(&mut conn, geo, tenant, *id, *until, *ms).await? {
                realtime.to_agent(tenant, *agent, &ToAgent::ChatOffer { offer });
            }
        }
    }
    let held_back = tell_places(db, realtime, told, tenant, &agents, &waiting, &given).await?;
    let next_deadline = offers.deadline;
    // Agents who reached their limit now show as busy.
    let filled: HashSet<AgentId> = given
        .iter()
        .map(|g| g.agent)
        .chain(offers.made.iter().map(|o| o.0))
        .chain(offers.ended.iter().map(|o| o.0))
        .collect();
    for agent in agents.iter().filter(|a| filled.contains(&a.id)) {
        let load = Load {
            id: agent.id,
            name: agent.name.clone(),
            chosen: agent.chosen,
            open: agent.open,
            max_chats: agent.max_chats,
            sites: None,
        };
        announce(realtime, tenant, &load, true);
    }
    Ok(Pass { held_back, next_deadline })
}

/// Tells each waiting visitor their place in their site's queue and the estimated wait.
async fn tell_places(
    db: &Db,
    realtime: &dyn Realtime,
    told: &Told,
    tenant: TenantId,
    agents: &[super::Candidate],
    waiting: &[Waiting],
    given: &[Given],
) -> Result<bool, ApiError> {
    let now = std::time::Instant::now();
    let mut held_back = false;
    let mut places: HashMap<SiteId, u32> = HashMap::new();
    let mut averages: HashMap<SiteId, Option<i64>> = HashMap::new();
    let mut changed = Vec::new();
    {
        let mut told = told.lock().unwrap_or_else(|e| e.into_inner());
        for g in given {
            told.remove(&g.waiting.id);
        }
        for item in waiting {
            let place = places.entry(item.site).or_default();
            *place += 1;
            match told.get(&item.id) {
                Some((was, _)) if *was == *place => {}
                Some((_, at)) if now.duration_since(*at) < RETELL => held_back = true,
                _ => {
                    told.insert(item.id, (*place, now));
                    changed.push((item, *place));
                }
            }
        }
        // Forget conversations of this tenant that left the queue some other way (closed, taken).
        if told.len() > waiting.len() * 2 + 1024 {
            let still: std::collections::HashSet<ConversationId> = waiting.iter().map(|w| w.id).collect();
            told.retain(|id, _| still.contains(id));
        }
    }
    for (item, place) in changed {
        let average = match averages.get(&item.site) {
            Some(a) => *a,
            None => {
                let a = repo::average_handle_ms(db, tenant, item.site).await?;
                averages.insert(item.site, a);
                a
            }
        };
        let capacity: i64 = agents
            .iter()
            .filter(|a| a.chosen.takes_chats() && a.serves(item.site, item.category))
            .map(|a| a.max_chats)
            .sum();
        let frame = ToVisitor::Queued {
            conversation_id: item.id,
            position: place,
            estimate_secs: estimate_wait(place, average, capacity),
        };
        realtime.to_visitor(tenant, item.visitor, &frame, None);
    }
    Ok(held_back)
}

/// Refuses a new conversation on a site whose queue is full.
pub async fn admit(state: &AppState, tenant: TenantId, site: SiteId) -> Result<(), ApiError> {
    let limit = repo::queue_limit(&state.db, tenant, site).await?;
    if repo::queued_on(&state.db, tenant, site).await? >= limit {
        return Err(ApiError::conflict(Some("queue"), ErrorCode::LimitReached));
    }
    Ok(())
}

/// Tells the company's consoles an agent's status as they should see it.
fn announce(realtime: &dyn Realtime, tenant: TenantId, load: &Load, connected: bool) {
    let full = load.open >= load.max_chats;
    let frame = ToAgent::AgentStatus {
        agent_id: load.id,
        name: load.name.clone(),
        status: AgentStatus::effective(load.chosen, connected, full),
        chosen: load.chosen,
        chats: u32::try_from(load.open).unwrap_or(0),
        max_chats: u32::try_from(load.max_chats).unwrap_or(0),
    };
    realtime.to_agents(tenant, None, Perm::ChatServe, &frame, None);
}

/// The status every agent of the company shows now (for a console that just connected).
pub async fn statuses(state: &AppState, tenant: TenantId) -> Result<Vec<ToAgent>, ApiError> {
    let online = state.realtime.online_agents(tenant).await;
    let loads = repo::loads(&state.db, tenant).await?;
    Ok(loads
        .into_iter()
        .map(|load| ToAgent::AgentStatus {
            agent_id: load.id,
            name: load.name,
            status: AgentStatus::effective(load.chosen, online.contains(&load.id), load.open >= load.max_chats),
            chosen: load.chosen,
            chats: u32::try_from(load.open).unwrap_or(0),
            max_chats: u32::try_from(load.max_chats).unwrap_or(0),
        })
        .collect())
}

/// Whether anyone is there for visitors of each of the company's sites: an agent online whose
/// status shows them to visitors (online, or busy), on the site.
pub async fn availability(
    state: &AppState,
    tenant: TenantId,
    site_ids: &[SiteId],
) -> Result<Vec<(SiteId, bool)>, ApiError> {
    let online = state.realtime.online_agents(tenant).await;
    let loads = repo::loads(&state.db, tenant).await?;
    let shown: Vec<&Load> = loads
        .iter()
        .filter(|l| online.contains(&l.id))
        .filter(|l| AgentStatus::effective(l.chosen, true, l.open >= l.max_chats).shown_to_visitors())
        .collect();
    Ok(site_ids
        .iter()
        .map(|site| (*site, shown.iter().any(|l| l.sites.as_ref().is_none_or(|s| s.contains(site)))))
        .collect())
}

/// Tells visitors of the company's sites whether anyone is there, where that changed.
pub async fn refresh_availability(state: &AppState, tenant: TenantId, site_ids: &[SiteId]) -> Result<(), ApiError> {
    for (site, online) in availability(state, tenant, site_ids).await? {
        state.realtime.site_availability(tenant, site, online);
    }
    Ok(())
}

/// An agent chose a status: stored, told to every console of the company, visitors told if that
/// changed whether anyone is there, and a pass run when the agent can now take chats.
pub async fn set_status(state: &AppState, ctx: &Ctx, status: AgentStatus) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    repo::set_status(&state.db, ctx.tenant(), ctx.agent.id, status).await?;
    agent_changed(state, ctx.tenant(), ctx.agent.id).await
}

/// Something about an agent changed (status, console opened or gone for good): colleagues and
/// visitors are told, and the queue is offered to them.
pub async fn agent_changed(state: &AppState, tenant: TenantId, agent: AgentId) -> Result<(), ApiError> {
    let online = state.realtime.online_agents(tenant).await;
    let loads = repo::loads(&state.db, tenant).await?;
    if let Some(load) = loads.iter().find(|l| l.id == agent) {
        announce(state.realtime.as_ref(), tenant, load, online.contains(&agent));
    }
    let sites = repo::site_ids(&state.db, tenant).await?;
    refresh_availability(state, tenant, &sites).await?;
    route(state, tenant).await
}

/// The agent's last console closed and stayed closed through the grace period: their open chats go
/// back to the queue (to colleagues, or to them when they return).
pub async fn agent_gone(state: &AppState, tenant: TenantId, agent: AgentId) -> Result<(), ApiError> {
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = repo::requeue(&mut w, tenant, agent).await;
    let requeued = w.end(result).await?;
    for id in requeued {
        let frame = ToAgent::Assigned { conversation_id: id, agent_id: None, agent_name: None };
        state.realtime.to_agents(tenant, None, Perm::ChatServe, &frame, None);
    }
    agent_changed(state, tenant, agent).await
}

/// An agent takes a queued conversation themself (their own choice, so past their limit too).
/// `Taken` when a colleague has it.
pub async fn take(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let tenant = ctx.tenant();
    let work = async {
        // The agent's row first, as a pass locks it (the other order deadlocks on PostgreSQL).
        repo::lock_agent(&mut w, state.db.kind, tenant, ctx.agent.id).await?;
        let Some((site, visitor)) = repo::queued(&mut w, tenant, id).await? else {
            // Routing may have given it to this very agent meanwhile.
            let mine = repo::brief(&mut w, tenant, id).await?.is_some_and(|b| b.open && b.agent == Some(ctx.agent.id));
            return if mine { Ok(None) } else { Err(ApiError::conflict(Some("agent"), ErrorCode::Taken)) };
        };
        if !ctx.sites(Perm::ChatServe).allows(site) {
            return Err(ApiError::NotFound);
        }
        if !repo::assign(&mut w, tenant, id, ctx.agent.id, now_ms()).await? {
            // A pass got there first: fine if it gave it to this agent.
            let mine = repo::brief(&mut w, tenant, id).await?.is_some_and(|b| b.open && b.agent == Some(ctx.agent.id));
            return if mine { Ok(None) } else { Err(ApiError::conflict(Some("agent"), ErrorCode::Taken)) };
        }
        Ok(Some((site, visitor)))
    }
    .await;
    let Some((site, visitor)) = w.end(work).await? else { return Ok(()) };
    taken(state, &ctx.agent, id, site, visitor);
    Ok(())
}

/// After an agent took a conversation from the queue (with the Take button, or by accepting an
/// offer): the agents and the visitor hear who has it, those behind move up, and the agent may now
/// show busy. Nothing here is waited for.
pub fn taken(state: &AppState, agent: &AgentInfo, id: ConversationId, site: SiteId, visitor: VisitorId) {
    tell_taken(state, agent, id, site, visitor);
    kick(state, agent.tenant_id);
}

/// Who has the conversation now, to the agents and the visitor, and the agent's load.
fn tell_taken(state: &AppState, agent: &AgentInfo, id: ConversationId, site: SiteId, visitor: VisitorId) {
    let tenant = agent.tenant_id;
    let frame = ToAgent::Assigned {
        conversation_id: id,
        agent_id: Some(agent.id),
        agent_name: Some(agent.display_name.clone()),
    };
    state.realtime.to_agents(tenant, Some(site), Perm::ChatServe, &frame, None);
    let frame = ToVisitor::Assigned {
        conversation_id: id,
        agent_name: agent.display_name.clone(),
        welcome: welcome_of(&agent.prefs.welcome),
    };
    state.realtime.to_visitor(tenant, visitor, &frame, None);
    announce_later(state, tenant, agent.id);
}

/// After an agent's reply took a waiting conversation (in the message's commit): who has it is told
/// at once, the agent's `last_assigned_at` is stamped in a transaction of its own (one at a time
/// per agent, with the time of the run, so a burst of replies is one or two stamps), and those
/// behind hear their new places from one pass within [`RETELL`] (an agent answering down a long
/// queue would otherwise run a pass per reply). Nothing here is waited for.
pub fn taken_by_reply(state: &AppState, agent: &AgentInfo, id: ConversationId, site: SiteId, visitor: VisitorId) {
    if let Ok(router) = state.part::<Router>() {
        let (db, tenant, agent_id) = (state.db.clone(), agent.tenant_id, agent.id);
        router.stamping.run((tenant, agent_id), move || {
            let db = db.clone();
            async move {
                if let Err(error) = repo::stamp_assigned(&db, tenant, agent_id, now_ms()).await {
                    tracing::warn!(%error, "stamping an agent's last chat failed");
                }
            }
        });
    }
    tell_taken(state, agent, id, site, visitor);
    kick_later(state, agent.tenant_id);
}

/// Starts a pass within [`RETELL`] (the one a held-back place schedules, if any).
fn kick_later(state: &AppState, tenant: TenantId) {
    if let Ok(router) = state.part::<Router>() {
        pass_within_retell(&router.later, &router.worker, tenant);
    }
}

/// Schedules a pass in [`RETELL`], one per company however often it is asked for meanwhile.
fn pass_within_retell(pending: &Pending, worker: &BatchWorker<RouteJob>, tenant: TenantId) {
    if !pending.lock().unwrap_or_else(|e| e.into_inner()).insert(tenant) {
        return;
    }
    let (pending, worker) = (pending.clone(), worker.clone());
    tokio::spawn(async move {
        tokio::time::sleep(RETELL).await;
        pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&tenant);
        worker.note(tenant);
    });
}

/// Companies with a pass scheduled in [`RETELL`].
type Pending = Arc<std::sync::Mutex<HashSet<TenantId>>>;

/// Tells the company's consoles an agent's load changed, without waiting for it.
/// One announcement per agent at a time: a burst of chats taken (an agent answering a long queue)
/// is told once or twice, with the load after it, not once per chat.
fn announce_later(state: &AppState, tenant: TenantId, agent: AgentId) {
    let Ok(router) = state.part::<Router>() else { return };
    let state = state.clone();
    router.announcing.run((tenant, agent), move || {
        let state = state.clone();
        async move {
            if let Err(error) = agent_changed_status_only(&state, tenant, agent).await {
                tracing::warn!(%error, "announcing an agent's load failed");
            }
        }
    });
}

async fn agent_changed_status_only(state: &AppState, tenant: TenantId, agent: AgentId) -> Result<(), ApiError> {
    let online = state.realtime.online_agents(tenant).await;
    if let Some(load) = repo::loads(&state.db, tenant).await?.iter().find(|l| l.id == agent) {
        announce(state.realtime.as_ref(), tenant, load, online.contains(&agent));
    }
    Ok(())
}

/// A conversation ended (closed by anyone): the agent who had it may have room again.
pub async fn freed(state: &AppState, tenant: TenantId, agent: Option<AgentId>) -> Result<(), ApiError> {
    route(state, tenant).await?;
    if let Some(agent) = agent {
        agent_changed_status_only(state, tenant, agent).await?;
    }
    Ok(())
}

/// Offers a conversation the agent serves to a colleague (or to whoever routing picks in a
/// category, among those online with room). The target hears [`ToAgent::TransferRequest`]; the
/// conversation stays the agent's until the target accepts.
pub async fn transfer(
    state: &AppState,
    ctx: &Ctx,
    conversation: ConversationId,
    to: TransferTo,
    note: &str,
) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let note = Line::parse(note, "note", MAX_TRANSFER_NOTE)?.into_string();
    let tenant = ctx.tenant();
    let online: Vec<AgentId> = state.realtime.online_agents(tenant).await.into_iter().collect();
    let now = now_ms();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let brief = repo::brief(&mut w, tenant, conversation).await?.filter(|b| b.open).ok_or(ApiError::NotFound)?;
        if brief.agent != Some(ctx.agent.id) {
            return Err(ApiError::conflict(Some("agent"), ErrorCode::Taken));
        }
        let others: Vec<AgentId> = online.iter().copied().filter(|a| *a != ctx.agent.id).collect();
        let agents = repo::candidates(&mut w, state.db.kind, tenant, &others, false).await?;
        let target = match to {
            TransferTo::Agent(id) => agents
                .iter()
                .find(|a| a.id == id && a.serves(brief.site, None))
                .ok_or_else(|| ApiError::invalid("to", ErrorCode::Format))?,
            TransferTo::Category(category) => {
                let need = Need { site: brief.site, category: Some(category), region: None };
                let picked = pick(&agents, need, super::RouteMode::LeastBusy, None, &[], 0);
                &agents[picked.ok_or_else(|| ApiError::conflict(Some("to"), ErrorCode::LimitReached))?]
            }
        };
        let id = repo::offer(&mut w, tenant, conversation, ctx.agent.id, target.id, &note, now).await?;
        Ok((id, target.id, brief))
    }
    .await;
    let (id, target, brief) = w.end(work).await?;
    let transfer = kefu_protocol::TransferRequest {
        id,
        conversation_id: conversation,
        visitor_id: brief.visitor,
        visitor_name: brief.visitor_name,
        from_agent: ctx.agent.id,
        from_name: ctx.agent.display_name.clone(),
        note,
        at: now,
    };
    state.realtime.to_agent(tenant, target, &ToAgent::TransferRequest { transfer });
    Ok(())
}

/// The target answers a transfer. Accepted: the conversation is theirs (the visitor is told who
/// they talk to now, colleagues see the new agent); either way the offering agent hears the answer.
pub async fn answer_transfer(state: &AppState, ctx: &Ctx, transfer: i64, accept: bool) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    let now = now_ms();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let (conversation, from) =
            repo::pending(&mut w, tenant, transfer, ctx.agent.id).await?.ok_or(ApiError::NotFound)?;
        let brief = repo::brief(&mut w, tenant, conversation).await?.ok_or(ApiError::NotFound)?;
        let accepted = accept
            && repo::hand_over(&mut w, tenant, conversation, from, ctx.agent.id, now, repo::Handover::Transfer).await?;
        let status = match (accept, accepted) {
            (true, true) => "accepted",
            (true, false) => "void",
            (false, _) => "declined",
        };
        repo::decide(&mut w, tenant, transfer, status, now).await?;
        Ok((conversation, from, brief, accept, accepted))
    }
    .await;
    let (conversation, from, brief, asked, accepted) = w.end(work).await?;
    let answer = ToAgent::TransferAnswered {
        transfer_id: transfer,
        conversation_id: conversation,
        accepted,
        by: ctx.agent.display_name.clone(),
    };
    state.realtime.to_agent(tenant, from, &answer);
    if asked && !accepted {
        // The conversation ended or changed hands meanwhile.
        return Err(ApiError::conflict(Some("agent"), ErrorCode::Taken));
    }
    if accepted {
        let name = ctx.agent.display_name.clone();
        let frame = ToAgent::Assigned {
            conversation_id: conversation,
            agent_id: Some(ctx.agent.id),
            agent_name: Some(name.clone()),
        };
        state.realtime.to_agents(tenant, Some(brief.site), Perm::ChatServe, &frame, None);
        state.realtime.to_visitor(
            tenant,
            brief.visitor,
            &ToVisitor::Assigned {
                conversation_id: conversation,
                agent_name: name,
                welcome: welcome_of(&ctx.agent.prefs.welcome),
            },
            None,
        );
        agent_changed_status_only(state, tenant, ctx.agent.id).await?;
        freed(state, tenant, Some(from)).await?;
    }
    Ok(())
}

/// What a console that just connected needs besides the lists (sent after each connect): the
/// transfers, chat offers and invitations the agent has not answered, and who joined the open
/// conversations of the agent's sites as guests.
pub async fn pending(state: &AppState, ctx: &Ctx) -> Result<Vec<ToAgent>, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    let transfers = repo::pending_for(&state.db, tenant, ctx.agent.id).await?;
    let mut frames: Vec<ToAgent> =
        transfers.into_iter().map(|transfer| ToAgent::TransferRequest { transfer }).collect();
    for (conversation_id, visitor_id, visitor_name, from_name) in
        repo::invitations_for(&state.db, tenant, ctx.agent.id).await?
    {
        frames.push(ToAgent::Invitation { conversation_id, visitor_id, visitor_name, from_name });
    }
    let sites = ctx.sites(Perm::ChatServe);
    for (conversation_id, site, guests) in repo::open_guests(&state.db, tenant).await? {
        if sites.allows(site) {
            frames.push(ToAgent::Guests { conversation_id, guests });
        }
    }
    let standing = repo::offers_to(&state.db, tenant, ctx.agent.id).await?;
    if !standing.is_empty() {
        let geo = state.part::<Arc<Geo>>()?.clone();
        let mut conn = state.db.reader().acquire().await.or_internal()?;
        for (id, until, ms) in standing {
            if let Some(offer) = offer_of(&mut conn, &geo, tenant, id, until, ms).await? {
                frames.push(ToAgent::ChatOffer { offer });
            }
        }
    }
    Ok(frames)
}

/// The agent's answer to a chat routing offered them (approval mode). Accepted, the chat is
/// theirs (an offer that lapsed or went elsewhere meanwhile is `conflict{offer, stale}`); declined,
/// it is offered to the next agent at once.
pub async fn answer_offer(state: &AppState, ctx: &Ctx, id: ConversationId, accept: bool) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    let now = now_ms();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        // The agent's row first, as a pass locks it.
        repo::lock_agent(&mut w, state.db.kind, tenant, ctx.agent.id).await?;
        if accept {
            repo::accept_offer(&mut w, tenant, id, ctx.agent.id, now).await
        } else {
            repo::decline_offer(&mut w, tenant, id, ctx.agent.id, false, now).await.map(|_| None)
        }
    }
    .await;
    match w.end(work).await? {
        Some((site, visitor)) => taken(state, &ctx.agent, id, site, visitor),
        None if accept => return Err(ApiError::conflict(Some("offer"), ErrorCode::Stale)),
        None => {
            // The next agent's offer is on its way, and the declining agent shows their load
            // without it; neither waited for.
            kick(state, tenant);
            announce_later(state, tenant, ctx.agent.id);
        }
    }
    Ok(())
}

/// A site's routing and rating rules, for the routing page. Needs [`Perm::SitesManage`] on the site.
pub async fn settings(state: &AppState, ctx: &Ctx, site: SiteId) -> Result<super::RoutingSettings, ApiError> {
    ctx.check(Perm::SitesManage)?;
    if !ctx.sites(Perm::SitesManage).allows(site) {
        return Err(ApiError::NotFound);
    }
    repo::settings(&state.db, ctx.tenant(), site).await?.ok_or(ApiError::NotFound)
}

/// Saves a site's routing and rating rules (one transaction, with its log entry), then runs a
/// pass: a larger queue or another mode may change who gets what.
pub async fn save_settings(state: &AppState, ctx: &Ctx, settings: super::RoutingSettings) -> Result<(), ApiError> {
    ctx.check(Perm::SitesManage)?;
    let settings = settings.parse()?;
    let site = SiteId(settings.site_id);
    if !ctx.sites(Perm::SitesManage).allows(site) {
        return Err(ApiError::NotFound);
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        repo::save_settings(&mut w, ctx.tenant(), &settings).await?;
        let object = format!("site #{site}");
        let summary = format!(
            "mode {}, queue {}, previous {}, switchboard {}, approval {} ({} s), idle {}/{}/{} min, rating {}, levels {}",
            settings.mode.as_str(),
            settings.queue_limit,
            settings.prefer_previous,
            settings.switchboard_id.map_or("-".to_owned(), |a| format!("#{a}")),
            settings.approval,
            settings.approval_secs,
            settings.visitor_idle_minutes,
            settings.agent_idle_minutes,
            settings.idle_warning_minutes,
            settings.rating_enabled,
            settings
                .levels
                .iter()
                .map(|l| format!("{}{}", l.score, if l.comment_required { "*" } else { "" }))
                .collect::<Vec<_>>()
                .join("/")
        );
        audit::record(&mut w, &Entry::by(ctx, OpKind::RoutingChanged, &object, &summary)).await
    }
    .await;
    w.end(work).await?;
    forget_setup(state, site);
    route(state, ctx.tenant()).await
}

/// Gives a new conversation to the agent the visitor asked for (by account), if that agent is
/// online, takes chats, serves the site and has room; `false` otherwise (routing goes on by the
/// site's rules).
pub async fn designated(
    state: &AppState,
    site: &crate::sites::service::Site,
    conversation: ConversationId,
    visitor: kefu_protocol::VisitorId,
    login: &str,
) -> Result<bool, ApiError> {
    let tenant = site.tenant_id;
    let online = state.realtime.online_agents(tenant).await;
    let now = now_ms();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let Some(id) = repo::agent_by_login(&mut w, tenant, login).await?.filter(|id| online.contains(id)) else {
            return Ok(None);
        };
        let agents = repo::candidates(&mut w, state.db.kind, tenant, &[id], true).await?;
        let Some(agent) = agents.into_iter().find(|a| a.has_room() && a.serves(site.id, None)) else { return Ok(None) };
        Ok(repo::assign(&mut w, tenant, conversation, agent.id, now).await?.then_some(agent))
    }
    .await;
    let Some(agent) = w.end(work).await? else { return Ok(false) };
    let frame = ToAgent::Assigned {
        conversation_id: conversation,
        agent_id: Some(agent.id),
        agent_name: Some(agent.name.clone()),
    };
    state.realtime.to_agents(tenant, Some(site.id), Perm::ChatServe, &frame, None);
    let frame = ToVisitor::Assigned {
        conversation_id: conversation,
        agent_name: agent.name.clone(),
        welcome: welcome_of(&agent.welcome),
    };
    state.realtime.to_visitor(tenant, visitor, &frame, None);
    agent_changed_status_only(state, tenant, agent.id).await?;
    Ok(true)
}

/// The site's welcome by language, for the widget.
pub async fn greetings(state: &AppState, tenant: TenantId, site: SiteId) -> Result<Vec<(String, String)>, ApiError> {
    repo::greetings(&state.db, tenant, site).await
}

/// Invites a colleague (online, serving the conversation's site) into a conversation the agent
/// serves; the colleague hears [`ToAgent::Invitation`].
pub async fn invite(state: &AppState, ctx: &Ctx, conversation: ConversationId, agent: AgentId) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    if agent == ctx.agent.id {
        return Err(ApiError::invalid("agent", ErrorCode::Format));
    }
    let online = state.realtime.online_agents(tenant).await;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let brief = repo::brief(&mut w, tenant, conversation).await?.filter(|b| b.open).ok_or(ApiError::NotFound)?;
        if brief.agent != Some(ctx.agent.id) {
            return Err(ApiError::conflict(Some("agent"), ErrorCode::Taken));
        }
        let target: Vec<AgentId> = online.iter().copied().filter(|a| *a == agent).collect();
        let found = repo::candidates(&mut w, state.db.kind, tenant, &target, false).await?;
        if !found.iter().any(|a| a.serves(brief.site, None)) {
            return Err(ApiError::invalid("agent", ErrorCode::Format));
        }
        repo::invite(&mut w, tenant, conversation, agent, ctx.agent.id, now_ms()).await?;
        Ok(brief)
    }
    .await;
    let brief = w.end(work).await?;
    let frame = ToAgent::Invitation {
        conversation_id: conversation,
        visitor_id: brief.visitor,
        visitor_name: brief.visitor_name,
        from_name: ctx.agent.display_name.clone(),
    };
    state.realtime.to_agent(tenant, agent, &frame);
    Ok(())
}

/// The invited colleague accepts (joins: the visitor sees their name, the site's consoles the
/// guests) or declines (the inviting agent is told).
pub async fn answer_invite(
    state: &AppState,
    ctx: &Ctx,
    conversation: ConversationId,
    accept: bool,
) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    let inviter = repo::inviter(&state.db, tenant, conversation, ctx.agent.id).await?.ok_or(ApiError::NotFound)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let brief = repo::brief(&mut w, tenant, conversation).await?.filter(|b| b.open).ok_or(ApiError::NotFound)?;
        let to = if accept { "joined" } else { "declined" };
        if !repo::guest_status(&mut w, tenant, conversation, ctx.agent.id, "invited", to, now_ms()).await? {
            return Err(ApiError::NotFound);
        }
        Ok(brief)
    }
    .await;
    let brief = w.end(work).await?;
    let name = ctx.agent.display_name.clone();
    if accept {
        let frame = ToVisitor::Guest { conversation_id: conversation, agent_name: name.clone(), joined: true };
        state.realtime.to_visitor(tenant, brief.visitor, &frame, None);
        tell_guests(state, tenant, brief.site, conversation).await?;
    } else {
        let frame =
            ToAgent::TransferAnswered { transfer_id: 0, conversation_id: conversation, accepted: false, by: name };
        state.realtime.to_agent(tenant, inviter, &frame);
    }
    Ok(())
}

/// A guest leaves: the visitor and the site's consoles are told.
pub async fn leave(state: &AppState, ctx: &Ctx, conversation: ConversationId) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let tenant = ctx.tenant();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let brief = repo::brief(&mut w, tenant, conversation).await?.ok_or(ApiError::NotFound)?;
        if !repo::guest_status(&mut w, tenant, conversation, ctx.agent.id, "joined", "left", now_ms()).await? {
            return Err(ApiError::NotFound);
        }
        Ok(brief)
    }
    .await;
    let brief = w.end(work).await?;
    let frame =
        ToVisitor::Guest { conversation_id: conversation, agent_name: ctx.agent.display_name.clone(), joined: false };
    state.realtime.to_visitor(tenant, brief.visitor, &frame, None);
    tell_guests(state, tenant, brief.site, conversation).await
}

async fn tell_guests(
    state: &AppState,
    tenant: TenantId,
    site: SiteId,
    conversation: ConversationId,
) -> Result<(), ApiError> {
    let guests = repo::guests(&state.db, tenant, conversation).await?;
    let frame = ToAgent::Guests { conversation_id: conversation, guests };
    state.realtime.to_agents(tenant, Some(site), Perm::ChatServe, &frame, None);
    Ok(())
}

/// Whether the agent joined the conversation as a guest (and has not left).
pub async fn is_guest(
    state: &AppState,
    tenant: TenantId,
    conversation: ConversationId,
    agent: AgentId,
) -> Result<bool, ApiError> {
    Ok(repo::guests(&state.db, tenant, conversation).await?.iter().any(|(a, _)| *a == agent))
}

/// What a visitor's welcome tells about their site: its rating scale, the categories it shows and
/// its welcome texts. Kept per node for [`SETUP_TTL`] (a burst of arrivals reads it once); a change
/// on the routing or categories page shows within that.
#[derive(Clone, Debug, Default)]
pub struct WidgetSetup {
    pub scale: Option<Vec<kefu_protocol::RatingLevel>>,
    pub categories: Vec<(i64, String)>,
    pub greetings: Vec<(String, String)>,
}

/// How long a site's [`WidgetSetup`] is reused.
pub const SETUP_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The per-node cache of [`WidgetSetup`]s (an `AppState` part).
pub struct SetupCache(crate::infra::cache::TtlCache<SiteId, Arc<WidgetSetup>>);

impl Default for SetupCache {
    fn default() -> Self {
        SetupCache(crate::infra::cache::TtlCache::new(SETUP_TTL, 100_000))
    }
}

/// Drops this node's copy of a site's [`WidgetSetup`] (its settings were just saved here; other
/// nodes see the change within [`SETUP_TTL`]).
pub fn forget_setup(state: &AppState, site: SiteId) {
    if let Ok(cache) = state.part::<SetupCache>() {
        cache.0.forget(&site);
    }
}

pub async fn widget_setup(state: &AppState, tenant: TenantId, site: SiteId) -> Result<Arc<WidgetSetup>, ApiError> {
    let cache = state.part::<SetupCache>()?;
    if let Some(setup) = cache.0.get(&site) {
        return Ok(setup);
    }
    let setup = Arc::new(WidgetSetup {
        scale: crate::ratings::service::scale(state, tenant, site).await?,
        categories: crate::categories::service::for_site(state, tenant, site).await?,
        greetings: repo::greetings(&state.db, tenant, site).await?,
    });
    cache.0.put(site, setup.clone());
    Ok(setup)
}
