//! Who is connected, and fan-out. Messages reach the hub only after they are committed, so a frame
//! lost here (slow or dropped connection) is recovered by the client's sync-after-sequence.
//!
//! With a link to the other nodes ([`Peers`], implemented by `cluster`), every frame sent to agents
//! or a visitor is also published for the other nodes, and presence is kept in Redis: the hub then
//! announces a visitor online/offline only when no node held them before/any more.
//!
//! The hub is the application's [`Realtime`] handle: chat services and server functions reach
//! browsers through it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use app::infra::ctx::Scopes;
use app::infra::limits::Limits;
pub use app::infra::realtime::ConnId;
use app::infra::realtime::{AgentSockets, Audience, Gate, Realtime};
use axum::extract::ws::Utf8Bytes;
use kefu_protocol::{
    AgentId, ApiError, OnlineVisitor, PageInfo, Perm, SiteId, Source, SourceKind, TenantId, ToAgent, ToVisitor,
    VisitorId,
};
use serde::Serialize;
use tokio::sync::Notify;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The other nodes of a cluster, as the hub sees them (implemented by `cluster::ClusterLink`).
/// Everything is queued, never awaited by a socket task, except the two reads.
pub trait Peers: Send + Sync + 'static {
    /// Whether the link is up (while it is not, presence is announced by each node alone).
    fn is_connected(&self) -> bool;
    fn publish_to_agents(&self, tenant: TenantId, site: Option<SiteId>, needs: Perm, text: &str);
    fn publish_to_visitor(&self, tenant: TenantId, visitor: VisitorId, text: &str);
    fn publish_close_agent(&self, tenant: TenantId, agent: AgentId, which: &AgentSockets);
    /// A visitor came online on this node; announced to every node's agents if they are new.
    fn arrive(&self, tenant: TenantId, presence: OnlineVisitor);
    /// The visitor's presence changed (their page).
    fn presence(&self, tenant: TenantId, presence: OnlineVisitor);
    /// A visitor left this node; announced offline if no node holds them.
    fn leave(&self, tenant: TenantId, visitor: VisitorId);
    /// Everyone online in the tenant, on any node; `None` while the link is down.
    fn online_visitors(&self, tenant: TenantId) -> BoxFuture<'_, Option<Vec<OnlineVisitor>>>;
    fn publish_to_agent(&self, tenant: TenantId, agent: AgentId, text: &str);
    /// Publishes a conversation's frame to the consoles of other nodes that hear it.
    fn publish_to_audience(&self, tenant: TenantId, audience: &Audience, text: &str);
    /// Tells every node whether anyone is there for the site's visitors.
    fn publish_availability(&self, tenant: TenantId, site: SiteId, online: bool);
    /// Tells every node that the tenant's blocks changed (each reads them again).
    fn publish_blocks(&self, tenant: TenantId);
    /// Tells every node a visitor's new name and member id (`None`: none).
    fn publish_rename(&self, tenant: TenantId, visitor: VisitorId, name: Option<&str>, member: Option<&str>);
    /// Tells every node to close a visitor's sockets (erased, or merged into another record).
    fn publish_close_visitor(&self, tenant: TenantId, visitor: VisitorId);
    /// An agent opened their first console on this node (`true`) or closed their last (`false`).
    fn agent_here(&self, tenant: TenantId, agent: AgentId, here: bool);
    /// The tenant's agents with a console on a live node; `None` while the link is down.
    fn online_agents(&self, tenant: TenantId) -> BoxFuture<'_, Option<HashSet<AgentId>>>;
    /// The same, leaving out this node.
    fn online_elsewhere(&self, tenant: TenantId) -> BoxFuture<'_, Option<HashSet<AgentId>>>;
    /// The node is stopping: take its visitors offline now.
    fn retire(&self) -> BoxFuture<'_, ()>;
}

/// Frames queued for one connection's writer.
pub enum Outgoing {
    Text(Utf8Bytes),
    /// The answer to a resync: while it is queued or being written, the connection's next resync
    /// is refused (see [`Outbox::begin_resync`]).
    Resync(Utf8Bytes),
    Close(u16, &'static str),
}

impl Outgoing {
    fn bytes(&self) -> usize {
        match self {
            Outgoing::Text(text) | Outgoing::Resync(text) => text.len(),
            Outgoing::Close(..) => 0,
        }
    }
}

#[derive(Default)]
struct Items {
    queue: VecDeque<Outgoing>,
    bytes: usize,
}

/// A connection's bounded outbound queue, shared by its senders (the session, the hub) and its
/// writer. One allocation per connection, and no room reserved until frames are queued: an idle
/// socket pays for the `Arc`, not for 1,024 slots.
struct Queue {
    items: Mutex<Items>,
    max_bytes: usize,
    /// Something was queued, or the last sender left.
    ready: Notify,
    senders: AtomicUsize,
    overflowed: AtomicBool,
    overflow: Notify,
    /// A resync answer is being prepared, queued or written.
    resync: AtomicBool,
    /// The resync claim was given back.
    resync_free: Notify,
    /// Counts connections closed as too slow (the hub's).
    slow: Arc<AtomicU64>,
}

impl Queue {
    fn release_resync(&self) {
        self.resync.store(false, Ordering::Release);
        self.resync_free.notify_one();
    }

    fn overflow_now(&self) {
        if !self.overflowed.swap(true, Ordering::AcqRel) {
            self.slow.fetch_add(1, Ordering::Relaxed);
            self.overflow.notify_one();
        }
    }
}

/// The sending side of a connection's bounded queue. When the queue is full (in frames or in
/// bytes) the connection is marked as overflowed and closed: a client that does not read cannot
/// grow server memory.
pub struct Outbox {
    queue: Arc<Queue>,
}

/// Frames one connection may have queued before it is closed as too slow.
pub const OUTBOX_CAPACITY: usize = 1024;
/// Bytes a visitor connection may have queued: room for the largest resync answer (200 messages of
/// 16 KB) and then some.
pub const VISITOR_OUTBOX_BYTES: usize = 4 << 20;
/// Bytes an agent console may have queued (a snapshot of a busy company is large).
pub const AGENT_OUTBOX_BYTES: usize = 16 << 20;

impl Outbox {
    /// A queue capped at `max_bytes` whose overflow counts in `slow` (made by [`Hub::outbox`]).
    fn new(max_bytes: usize, slow: Arc<AtomicU64>) -> (Outbox, OutboxReader) {
        let queue = Arc::new(Queue {
            items: Mutex::new(Items::default()),
            max_bytes,
            ready: Notify::new(),
            senders: AtomicUsize::new(1),
            overflowed: AtomicBool::new(false),
            overflow: Notify::new(),
            resync: AtomicBool::new(false),
            resync_free: Notify::new(),
            slow,
        });
        (Outbox { queue: queue.clone() }, OutboxReader { queue })
    }

    fn enqueue(&self, item: Outgoing) {
        let queued = {
            let mut items = self.queue.items.lock().unwrap_or_else(|e| e.into_inner());
            let bytes = item.bytes();
            let fits = items.queue.len() < OUTBOX_CAPACITY && items.bytes + bytes <= self.queue.max_bytes;
            fits && {
                items.bytes += bytes;
                items.queue.push_back(item);
                true
            }
        };
        if queued {
            self.queue.ready.notify_one();
        } else {
            self.queue.overflow_now();
        }
    }

    pub fn push_text(&self, text: Utf8Bytes) {
        self.enqueue(Outgoing::Text(text));
    }

    pub fn push(&self, frame: &impl Serialize) {
        self.push_text(encode(frame));
    }

    /// Claims the connection's one resync in flight, waiting (up to `wait`) while the previous
    /// answer is still being prepared, queued or written: a client asking again and again without
    /// reading would otherwise queue one history after another. A client that has not taken the
    /// previous answer within `wait` is not reading: its connection is closed as too slow and this
    /// returns `false`. Follow a claim with [`Outbox::push_resync`] or [`Outbox::cancel_resync`].
    pub async fn claim_resync(&self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let freed = self.queue.resync_free.notified();
            if !self.queue.resync.swap(true, Ordering::AcqRel) {
                return true;
            }
            if tokio::time::timeout_at(deadline, freed).await.is_err() {
                self.queue.overflow_now();
                return false;
            }
        }
    }

    /// Queues the answer to the claimed resync; the claim ends once the writer has sent it.
    pub fn push_resync(&self, frame: &impl Serialize) {
        self.enqueue(Outgoing::Resync(encode(frame)));
    }

    /// Gives up the claimed resync (it failed; its error frame goes out instead).
    pub fn cancel_resync(&self) {
        self.queue.release_resync();
    }

    /// Queues the answer to the claimed resync, or gives the claim back when there is none (the
    /// error goes back to the client).
    pub fn answer_resync<F: Serialize>(&self, answer: Result<F, ApiError>) -> Result<(), ApiError> {
        match answer {
            Ok(answer) => {
                self.push_resync(&answer);
                Ok(())
            }
            Err(error) => {
                self.cancel_resync();
                Err(error)
            }
        }
    }

    /// Queues a close frame. With the queue full the client is not reading: the writer closes the
    /// connection as too slow instead.
    pub fn close(&self, code: u16, reason: &'static str) {
        self.enqueue(Outgoing::Close(code, reason));
    }

    /// What the writer watches to learn that the queue overflowed (without keeping the queue open).
    pub fn overflow_signal(&self) -> OverflowSignal {
        OverflowSignal { queue: self.queue.clone() }
    }
}

impl Clone for Outbox {
    fn clone(&self) -> Self {
        self.queue.senders.fetch_add(1, Ordering::AcqRel);
        Outbox { queue: self.queue.clone() }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        if self.queue.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.ready.notify_one();
        }
    }
}

/// The writer's side of the queue.
pub struct OutboxReader {
    queue: Arc<Queue>,
}

impl OutboxReader {
    /// The next queued frame; `None` once the queue is empty and every sender is gone. Cancel-safe:
    /// nothing is taken from the queue until it is returned.
    pub async fn recv(&mut self) -> Option<Outgoing> {
        loop {
            // Registered before looking, so a push in between still wakes this wait.
            let ready = self.queue.ready.notified();
            {
                let mut items = self.queue.items.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(item) = items.queue.pop_front() {
                    items.bytes -= item.bytes();
                    if items.queue.is_empty() && items.queue.capacity() > 64 {
                        // A burst is over: give its room back.
                        items.queue.shrink_to_fit();
                    }
                    return Some(item);
                }
            }
            if self.queue.senders.load(Ordering::Acquire) == 0 {
                return None;
            }
            ready.await;
        }
    }

    /// The resync answer taken from the queue has been written: the next resync may come.
    pub fn resync_sent(&self) {
        self.queue.release_resync();
    }
}

pub struct OverflowSignal {
    queue: Arc<Queue>,
}

impl OverflowSignal {
    pub fn overflowed(&self) -> bool {
        self.queue.overflowed.load(Ordering::Acquire)
    }

    /// Resolves when the queue overflowed.
    pub async fn wait(&self) {
        let overflow = self.queue.overflow.notified();
        if !self.queue.overflowed.load(Ordering::Acquire) {
            overflow.await;
        }
    }
}

pub fn encode(frame: &impl Serialize) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).unwrap_or_default())
}

struct VisitorEntry {
    tenant: TenantId,
    conns: HashMap<ConnId, Outbox>,
    presence: OnlineVisitor,
    /// Counts the times the visitor lost their last connection; an expiry only applies to its own.
    left: u64,
    /// Whether this visit was looked at for the site's automatic invitation.
    invite_checked: bool,
    /// The address of the visitor's latest connection (the presence may show only its network).
    addr: IpAddr,
}

/// An agent console on this node.
pub struct AgentConn {
    pub outbox: Outbox,
    pub agent: AgentId,
    /// Token hash of the session the socket was opened with.
    pub session: String,
    /// Where each permission applies (some may be limited to the agent's own sites).
    pub scopes: Scopes,
    /// What the agent's role grants: frames needing anything else are not sent to this console.
    pub perms: Vec<Perm>,
}

impl AgentConn {
    fn hears(&self, site: Option<SiteId>, needs: Perm) -> bool {
        self.perms.contains(&needs) && site.is_none_or(|site| self.scopes.allows(needs, site))
    }
}

#[derive(Default)]
struct Inner {
    agents: HashMap<TenantId, HashMap<ConnId, AgentConn>>,
    /// Agents whose last console here closed, still online through the grace period: the ticket
    /// of that close (a later close has another).
    lingering: HashMap<(TenantId, AgentId), u64>,
    closes: u64,
    /// What each site's visitors were last told: is anyone there to answer?
    availability: HashMap<(TenantId, SiteId), bool>,
    visitors: HashMap<VisitorId, VisitorEntry>,
    tenant_visitors: HashMap<TenantId, HashSet<VisitorId>>,
}

/// Sockets held, in all and per client address.
#[derive(Default)]
struct SocketCounts {
    total: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

/// One socket counted against the caps, from before the upgrade until the connection ends. It is
/// given back when dropped, on every path: a refused or failed upgrade, a client that went away
/// mid-handshake (its request future dropped), or the end of the socket loop.
pub struct SocketSlot {
    counts: Arc<SocketCounts>,
    ip: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.counts.total.fetch_sub(1, Ordering::AcqRel);
        let mut per_ip = self.counts.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = per_ip.get_mut(&self.ip) {
            *held -= 1;
            if *held == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

/// Why a socket was not given a slot.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    /// The server holds `KEFU_MAX_CONNECTIONS` sockets.
    Server,
    /// This address holds `KEFU_MAX_SOCKETS_PER_IP` sockets.
    Address,
}

#[derive(Default)]
pub struct Hub {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    sockets: Arc<SocketCounts>,
    /// Connections closed because they did not read what was sent to them.
    slow_closes: Arc<AtomicU64>,
    cluster: OnceLock<Arc<dyn Peers>>,
    /// Counts presence frames (visitors coming, going, changing page) sent to this node's agents: a
    /// snapshot read while this changed may miss one and is taken again ([`Hub::presence_changes`]).
    presence: AtomicU64,
}

impl Hub {
    /// How many presence frames have gone to this node's agents so far.
    pub fn presence_changes(&self) -> u64 {
        self.presence.load(Ordering::Acquire)
    }

    fn note(&self, needs: Perm) {
        if needs == Perm::VisitorsView {
            self.presence.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn next_conn_id(&self) -> ConnId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts a socket from `ip` against the server's cap and the per-address cap.
    pub fn reserve_socket(&self, ip: IpAddr, limits: &Limits) -> Result<SocketSlot, Full> {
        let mut per_ip = self.sockets.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let held = per_ip.get(&ip).copied().unwrap_or(0);
        if held >= limits.sockets_per_ip {
            return Err(Full::Address);
        }
        if self.sockets.total.fetch_add(1, Ordering::AcqRel) >= limits.max_connections {
            self.sockets.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Full::Server);
        }
        per_ip.insert(ip, held + 1);
        Ok(SocketSlot { counts: self.sockets.clone(), ip })
    }

    /// A connection's outbound queue, capped at `max_bytes`; its overflow counts in
    /// [`Hub::slow_closes`].
    pub fn outbox(&self, max_bytes: usize) -> (Outbox, OutboxReader) {
        Outbox::new(max_bytes, self.slow_closes.clone())
    }

    /// Connections closed since start because they did not read what was sent to them.
    pub fn slow_closes(&self) -> u64 {
        self.slow_closes.load(Ordering::Relaxed)
    }

    /// Sockets held now (including upgrades in progress).
    pub fn sockets_held(&self) -> usize {
        self.sockets.total.load(Ordering::Acquire)
    }

    pub fn add_agent(&self, tenant: TenantId, conn: ConnId, agent: AgentConn) {
        let id = agent.agent;
        let first = {
            let mut inner = self.lock();
            // Back within the grace period: the cluster still counts them.
            let lingering = inner.lingering.remove(&(tenant, id)).is_some();
            let conns = inner.agents.entry(tenant).or_default();
            let first = !lingering && !conns.values().any(|c| c.agent == id);
            conns.insert(conn, agent);
            first
        };
        if let (true, Some(cluster)) = (first, self.cluster.get()) {
            cluster.agent_here(tenant, id, true);
        }
    }

    /// Drops an agent console. When it was the agent's last here, the agent stays online through the
    /// grace period: returns the agent and the ticket for [`Hub::expire_agent`].
    pub fn remove_agent(&self, tenant: TenantId, conn: ConnId) -> Option<(AgentId, u64)> {
        let mut inner = self.lock();
        let conns = inner.agents.get_mut(&tenant)?;
        let removed = conns.remove(&conn);
        let last = removed.as_ref().filter(|r| !conns.values().any(|c| c.agent == r.agent)).map(|r| r.agent);
        if conns.is_empty() {
            inner.agents.remove(&tenant);
        }
        let agent = last?;
        inner.closes += 1;
        let ticket = inner.closes;
        inner.lingering.insert((tenant, agent), ticket);
        Some((agent, ticket))
    }

    /// The agent has had no console here since `ticket`: they are offline here (and on the
    /// cluster, unless another node holds them). Returns whether they went.
    pub fn expire_agent(&self, tenant: TenantId, agent: AgentId, ticket: u64) -> bool {
        {
            let mut inner = self.lock();
            if inner.lingering.get(&(tenant, agent)) != Some(&ticket) {
                return false;
            }
            inner.lingering.remove(&(tenant, agent));
        }
        if let Some(cluster) = self.cluster.get() {
            cluster.agent_here(tenant, agent, false);
        }
        true
    }

    /// Whether the agent has a console on another live node (a second tab there). `false` without
    /// a cluster, or while its link is down.
    pub async fn agent_online_elsewhere(&self, tenant: TenantId, agent: AgentId) -> bool {
        match self.cluster.get() {
            Some(cluster) => cluster.online_elsewhere(tenant).await.is_some_and(|online| online.contains(&agent)),
            None => false,
        }
    }

    /// Every (tenant, agent) with a console on this node.
    pub fn local_agents(&self) -> HashSet<(TenantId, AgentId)> {
        let inner = self.lock();
        let lingering = inner.lingering.keys().copied();
        inner.agents.iter().flat_map(|(t, conns)| conns.values().map(move |c| (*t, c.agent))).chain(lingering).collect()
    }

    /// Records what a site's visitors are told about anyone being there, and tells this node's
    /// visitors of the site; `false` when that is what they were told already.
    pub fn set_availability(&self, tenant: TenantId, site: SiteId, online: bool) -> bool {
        let mut inner = self.lock();
        if inner.availability.insert((tenant, site), online) == Some(online) {
            return false;
        }
        let text = encode(&ToVisitor::Availability { online, closed: false });
        for visitor in inner.tenant_visitors.get(&tenant).into_iter().flatten() {
            // A blocked visitor stays shut out whoever comes online.
            if let Some(entry) =
                inner.visitors.get(visitor).filter(|e| e.presence.site_id == site && !e.presence.blocked)
            {
                push_all(Some(&entry.conns), &text, None);
            }
        }
        true
    }

    /// Registers a visitor connection, announcing the visitor to the agents when they came online (a
    /// visitor still within the grace period after their last connection closed is not new, and
    /// keeps what their visit has so far). `presence` is called only for a visitor this node does
    /// not hold (every page change reconnects: its User-Agent and address are looked up once a
    /// visit), and outside the hub's lock unless the visitor left in between. `blocked` is what the
    /// connection was told (see [`Hub::apply_blocks`]); agents see a change of it. `addr` is the
    /// connection's address, which blocks are checked against.
    #[allow(clippy::too_many_arguments)]
    pub fn add_visitor(
        &self,
        tenant: TenantId,
        conn: ConnId,
        outbox: Outbox,
        visitor: VisitorId,
        blocked: bool,
        addr: IpAddr,
        presence: impl Fn() -> OnlineVisitor,
    ) {
        let mut fresh = (!self.lock().visitors.contains_key(&visitor)).then(&presence);
        let (arrived, changed) = {
            let mut inner = self.lock();
            inner.tenant_visitors.entry(tenant).or_default().insert(visitor);
            let mut arrived = None;
            let entry = inner.visitors.entry(visitor).or_insert_with(|| {
                let mut presence = fresh.take().unwrap_or_else(&presence);
                presence.blocked = blocked;
                arrived = Some(presence.clone());
                VisitorEntry { tenant, conns: HashMap::new(), presence, left: 0, invite_checked: false, addr }
            });
            entry.conns.insert(conn, outbox);
            entry.addr = addr;
            // A block that ended (or began) since the visitor's other connection opened.
            let changed = (entry.presence.blocked != blocked).then(|| {
                entry.presence.blocked = blocked;
                entry.presence.clone()
            });
            (arrived, changed)
        };
        if let Some(presence) = changed {
            self.presence_changed(tenant, presence);
        }
        if let Some(presence) = arrived {
            match self.cluster.get().filter(|c| c.is_connected()) {
                Some(cluster) => cluster.arrive(tenant, presence),
                // Alone, or Redis is away (reconnecting re-registers everyone held here).
                None => {
                    let site = presence.site_id;
                    let frame = ToAgent::VisitorOnline { visitor: Box::new(presence) };
                    self.to_agents(tenant, Some(site), Perm::VisitorsView, &frame, None)
                }
            }
        }
    }

    /// Removes a visitor connection. When it was the visitor's last, returns a ticket for
    /// [`Hub::expire_visitor`]: moving to another page reconnects within the grace period, and only
    /// a visitor still gone after it has left.
    pub fn remove_visitor(&self, visitor: VisitorId, conn: ConnId) -> Option<u64> {
        let mut inner = self.lock();
        let entry = inner.visitors.get_mut(&visitor)?;
        entry.conns.remove(&conn);
        if !entry.conns.is_empty() {
            return None;
        }
        entry.left += 1;
        Some(entry.left)
    }

    /// Drops a visitor who has had no connection since `ticket`, announcing that they went offline;
    /// returns true when they did.
    pub fn expire_visitor(&self, visitor: VisitorId, ticket: u64) -> bool {
        let (tenant, site) = {
            let mut inner = self.lock();
            let Some(entry) = inner.visitors.get(&visitor) else { return false };
            if !entry.conns.is_empty() || entry.left != ticket {
                return false;
            }
            let (tenant, site) = (entry.tenant, entry.presence.site_id);
            inner.visitors.remove(&visitor);
            if let Some(set) = inner.tenant_visitors.get_mut(&tenant) {
                set.remove(&visitor);
                if set.is_empty() {
                    inner.tenant_visitors.remove(&tenant);
                }
            }
            (tenant, site)
        };
        match self.cluster.get().filter(|c| c.is_connected()) {
            Some(cluster) => cluster.leave(tenant, visitor),
            None => {
                let frame = ToAgent::VisitorOffline { visitor_id: visitor };
                self.to_agents(tenant, Some(site), Perm::VisitorsView, &frame, None)
            }
        }
        true
    }

    /// The visitor moved to another page: remembered for snapshots and, when `counted` (within the
    /// visitor's share of page views), counted as a page of this visit and told to the agents. The
    /// visit's first page says how it began (`source`, `None`: from within the site); a later one
    /// changes that only when it comes from outside or from a campaign.
    pub fn set_page(
        &self,
        tenant: TenantId,
        visitor: VisitorId,
        page: PageInfo,
        source: Option<Source>,
        at: i64,
        counted: bool,
    ) {
        let (presence, site, pages, source) = {
            let mut inner = self.lock();
            let Some(entry) = inner.visitors.get_mut(&visitor).filter(|e| e.tenant == tenant) else { return };
            let p = &mut entry.presence;
            p.page = page.clone();
            if !counted {
                return;
            }
            p.pages = p.pages.saturating_add(1);
            p.last_active = at;
            let source = source.filter(|s| (p.pages == 1 || s.kind != SourceKind::Direct) && *s != p.source);
            if let Some(source) = &source {
                p.source = source.clone();
            }
            (self.cluster.get().map(|_| p.clone()), p.site_id, p.pages, source)
        };
        if let (Some(cluster), Some(presence)) = (self.cluster.get(), presence) {
            cluster.presence(tenant, presence);
        }
        self.to_agents(
            tenant,
            Some(site),
            Perm::VisitorsView,
            &ToAgent::VisitorPage { visitor_id: visitor, page, pages, at, source },
            None,
        );
    }

    /// This visit of a visitor held here: their page's address, when the visit began, and whether
    /// they are blocked.
    pub fn visit_of(&self, visitor: VisitorId) -> Option<(String, i64, bool)> {
        let inner = self.lock();
        let p = &inner.visitors.get(&visitor)?.presence;
        Some((p.page.url.clone(), p.online_since, p.blocked))
    }

    /// Claims the one look at this visit for the site's automatic invitation: `true` the first
    /// time (per node: a visitor on two nodes may be looked at twice; the database has the last
    /// word).
    pub fn claim_invite_check(&self, visitor: VisitorId) -> bool {
        let mut inner = self.lock();
        let Some(entry) = inner.visitors.get_mut(&visitor) else { return false };
        !std::mem::replace(&mut entry.invite_checked, true)
    }

    /// Whether the connection is still one of the visitor's.
    pub fn holds(&self, visitor: VisitorId, conn: ConnId) -> bool {
        self.lock().visitors.get(&visitor).is_some_and(|e| e.conns.contains_key(&conn))
    }

    /// Everyone online in the tenant (on every node when clustered, this node's while Redis is away).
    pub async fn online_visitors(&self, tenant: TenantId) -> Vec<OnlineVisitor> {
        let shared = match self.cluster.get() {
            Some(cluster) => cluster.online_visitors(tenant).await,
            None => None,
        };
        let mut list = shared.unwrap_or_else(|| {
            let inner = self.lock();
            let Some(ids) = inner.tenant_visitors.get(&tenant) else { return Vec::new() };
            ids.iter().filter_map(|id| inner.visitors.get(id)).map(|e| e.presence.clone()).collect()
        });
        list.sort_by_key(|v| v.online_since);
        list
    }

    /// Applies the tenant's blocks to the visitors this node holds: those now shut out are told chat
    /// is not available (nothing more), those no longer are told whether anyone is there; agents see
    /// who is blocked.
    pub fn apply_blocks(&self, tenant: TenantId, gate: &dyn Gate) {
        let now = app::infra::now_ms();
        let changed: Vec<OnlineVisitor> = {
            let mut inner = self.lock();
            let inner = &mut *inner;
            let Some(ids) = inner.tenant_visitors.get(&tenant) else { return };
            let mut changed = Vec::new();
            for id in ids {
                let Some(entry) = inner.visitors.get_mut(id) else { continue };
                let p = &mut entry.presence;
                let blocked = gate.shuts(p.site_id, p.visitor_id, entry.addr, now);
                if blocked == p.blocked {
                    continue;
                }
                p.blocked = blocked;
                let online = !blocked && inner.availability.get(&(tenant, p.site_id)).copied().unwrap_or(false);
                let text = encode(&ToVisitor::Availability { online, closed: blocked });
                push_all(Some(&entry.conns), &text, None);
                changed.push(p.clone());
            }
            changed
        };
        for presence in changed {
            self.presence_changed(tenant, presence);
        }
    }

    /// Renames a visitor held here (an agent edited their card); agents see the new name.
    pub fn rename_visitor(&self, tenant: TenantId, visitor: VisitorId, name: Option<String>, member: Option<String>) {
        let changed = {
            let mut inner = self.lock();
            let Some(entry) = inner.visitors.get_mut(&visitor).filter(|e| e.tenant == tenant) else { return };
            if entry.presence.name == name && entry.presence.member == member {
                return;
            }
            entry.presence.name = name;
            entry.presence.member = member;
            entry.presence.clone()
        };
        self.presence_changed(tenant, changed);
    }

    /// Something agents see of a visitor other than their page changed: shared with the other
    /// nodes, and the console's row replaced.
    fn presence_changed(&self, tenant: TenantId, presence: OnlineVisitor) {
        if let Some(cluster) = self.cluster.get() {
            cluster.presence(tenant, presence.clone());
        }
        let site = presence.site_id;
        let frame = ToAgent::VisitorOnline { visitor: Box::new(presence) };
        self.to_agents(tenant, Some(site), Perm::VisitorsView, &frame, None);
    }

    pub fn set_cluster(&self, link: Arc<dyn Peers>) {
        let _ = self.cluster.set(link);
    }

    pub fn cluster(&self) -> Option<&Arc<dyn Peers>> {
        self.cluster.get()
    }

    /// The visitors this node holds (including those within the grace period), for the cluster.
    pub fn local_visitors(&self) -> Vec<(TenantId, OnlineVisitor)> {
        self.lock().visitors.values().map(|e| (e.tenant, e.presence.clone())).collect()
    }

    /// Tenants with an agent connected to this node.
    pub fn local_agent_tenants(&self) -> Vec<TenantId> {
        self.lock().agents.keys().copied().collect()
    }

    /// Sends a frame to every visitor connection of this node.
    pub fn to_local_visitors(&self, frame: &ToVisitor) {
        let text = encode(frame);
        for entry in self.lock().visitors.values() {
            push_all(Some(&entry.conns), &text, None);
        }
    }

    /// Delivers an encoded frame to the tenant's agents connected to this node whose role grants
    /// `needs` and whose scope includes `site`.
    pub fn deliver_to_agents(&self, tenant: TenantId, site: Option<SiteId>, needs: Perm, text: Utf8Bytes) {
        self.note(needs);
        push_agents(self.lock().agents.get(&tenant), site, needs, &text, None);
    }

    /// Each agent console of the tenant on this node: its connection, site scopes and permissions.
    pub fn local_agent_views(&self, tenant: TenantId) -> Vec<(ConnId, Scopes, Vec<Perm>)> {
        let inner = self.lock();
        let conns = inner.agents.get(&tenant).into_iter().flatten();
        conns.map(|(id, conn)| (*id, conn.scopes.clone(), conn.perms.clone())).collect()
    }

    /// Queues an encoded frame on one agent console of this node.
    pub fn deliver_to_agent(&self, tenant: TenantId, conn: ConnId, text: Utf8Bytes) {
        if let Some(agent) = self.lock().agents.get(&tenant).and_then(|c| c.get(&conn)) {
            agent.outbox.push_text(text);
        }
    }

    /// Queues an encoded frame on the consoles of this node that hear a conversation.
    pub fn deliver_to_audience(&self, tenant: TenantId, audience: &Audience, text: &Utf8Bytes, skip: Option<ConnId>) {
        for (id, conn) in self.lock().agents.get(&tenant).into_iter().flatten() {
            if Some(*id) != skip && audience.hears(conn.agent, &conn.perms, &conn.scopes) {
                conn.outbox.push_text(text.clone());
            }
        }
    }

    /// Queues an encoded frame on every console of one agent on this node.
    pub fn deliver_to_one_agent(&self, tenant: TenantId, agent: AgentId, text: &Utf8Bytes) {
        for conn in self.lock().agents.get(&tenant).into_iter().flat_map(|c| c.values()) {
            if conn.agent == agent {
                conn.outbox.push_text(text.clone());
            }
        }
    }

    /// Closes agent sockets of this node.
    pub fn close_local_agent(&self, tenant: TenantId, agent: AgentId, which: &AgentSockets, reason: &'static str) {
        let inner = self.lock();
        for conn in inner.agents.get(&tenant).into_iter().flat_map(|c| c.values()) {
            if conn.agent == agent && which.includes(&conn.session) {
                conn.outbox.close(4001, reason);
            }
        }
    }

    /// Closes a visitor's sockets on this node.
    pub fn close_local_visitor(&self, tenant: TenantId, visitor: VisitorId) {
        let inner = self.lock();
        for outbox in
            inner.visitors.get(&visitor).filter(|e| e.tenant == tenant).into_iter().flat_map(|e| e.conns.values())
        {
            outbox.close(4001, "record changed");
        }
    }

    /// Delivers an encoded frame to the visitor's connections on this node.
    pub fn deliver_to_visitor(&self, tenant: TenantId, visitor: VisitorId, text: Utf8Bytes) {
        push_all(self.lock().visitors.get(&visitor).filter(|e| e.tenant == tenant).map(|e| &e.conns), &text, None);
        // Only the frames that change where the visitor stands with chat are read again.
        if ["{\"assigned\"", "{\"queued\"", "{\"ended\""].iter().any(|p| text.as_str().starts_with(p)) {
            if let Ok(frame) = serde_json::from_str::<ToVisitor>(text.as_str()) {
                self.note_chat(tenant, visitor, &frame);
            }
        }
    }

    /// A frame to the visitor that changes where they stand with chat (an agent took their
    /// conversation, it waits, it ended) changes what agents see of them, on the nodes holding them.
    fn note_chat(&self, tenant: TenantId, visitor: VisitorId, frame: &ToVisitor) {
        let Some((chat, agent_name)) = OnlineVisitor::chat_after(frame) else { return };
        let changed = {
            let mut inner = self.lock();
            let Some(entry) = inner.visitors.get_mut(&visitor).filter(|e| e.tenant == tenant) else { return };
            let p = &mut entry.presence;
            if p.chat == chat && p.agent_name == agent_name {
                return;
            }
            p.chat = chat;
            p.agent_name = agent_name;
            p.clone()
        };
        self.presence_changed(tenant, changed);
    }
}

impl Realtime for Hub {
    fn online_agents(&self, tenant: TenantId) -> app::infra::realtime::BoxFuture<'_, HashSet<AgentId>> {
        Box::pin(async move {
            let mut online: HashSet<AgentId> =
                self.local_agents().into_iter().filter(|(t, _)| *t == tenant).map(|(_, a)| a).collect();
            if let Some(cluster) = self.cluster.get() {
                online.extend(cluster.online_agents(tenant).await.unwrap_or_default());
            }
            online
        })
    }

    fn to_agents(&self, tenant: TenantId, site: Option<SiteId>, needs: Perm, frame: &ToAgent, skip: Option<ConnId>) {
        let cluster = self.cluster.get();
        let text = {
            let inner = self.lock();
            let conns = inner.agents.get(&tenant);
            // Encoded only when someone is there to receive it (most page changes reach no agent).
            if conns.is_none() && cluster.is_none() {
                return;
            }
            let text = encode(frame);
            self.note(needs);
            push_agents(conns, site, needs, &text, skip);
            text
        };
        if let Some(cluster) = cluster {
            cluster.publish_to_agents(tenant, site, needs, &text);
        }
    }

    fn to_agent(&self, tenant: TenantId, agent: AgentId, frame: &ToAgent) {
        let text = encode(frame);
        self.deliver_to_one_agent(tenant, agent, &text);
        if let Some(cluster) = self.cluster.get() {
            cluster.publish_to_agent(tenant, agent, &text);
        }
    }

    fn to_audience(&self, tenant: TenantId, audience: &Audience, frame: &ToAgent, skip: Option<ConnId>) {
        let cluster = self.cluster.get();
        // Encoded only when someone may receive it (no console of the company here, no other node:
        // nobody).
        if cluster.is_none() && !self.lock().agents.contains_key(&tenant) {
            return;
        }
        let text = encode(frame);
        self.deliver_to_audience(tenant, audience, &text, skip);
        if let Some(cluster) = cluster {
            cluster.publish_to_audience(tenant, audience, &text);
        }
    }

    fn to_visitor(&self, tenant: TenantId, visitor: VisitorId, frame: &ToVisitor, skip: Option<ConnId>) {
        let cluster = self.cluster.get();
        let text = {
            let inner = self.lock();
            let conns = inner.visitors.get(&visitor).filter(|e| e.tenant == tenant && !e.conns.is_empty());
            if conns.is_none() && cluster.is_none() {
                return;
            }
            let text = encode(frame);
            push_all(conns.map(|e| &e.conns), &text, skip);
            text
        };
        self.note_chat(tenant, visitor, frame);
        if let Some(cluster) = cluster {
            cluster.publish_to_visitor(tenant, visitor, &text);
        }
    }

    fn close_agent(&self, tenant: TenantId, agent: AgentId, which: AgentSockets, reason: &'static str) {
        self.close_local_agent(tenant, agent, &which, reason);
        if let Some(cluster) = self.cluster.get() {
            cluster.publish_close_agent(tenant, agent, &which);
        }
    }

    fn site_availability(&self, tenant: TenantId, site: SiteId, online: bool) {
        if self.set_availability(tenant, site, online) {
            if let Some(cluster) = self.cluster.get() {
                cluster.publish_availability(tenant, site, online);
            }
        }
    }

    fn known_availability(&self, tenant: TenantId, site: SiteId) -> Option<bool> {
        self.lock().availability.get(&(tenant, site)).copied()
    }

    fn blocks_changed(&self, tenant: TenantId, gate: Arc<dyn Gate>) {
        self.apply_blocks(tenant, &*gate);
        if let Some(cluster) = self.cluster.get() {
            cluster.publish_blocks(tenant);
        }
    }

    fn visitor_renamed(&self, tenant: TenantId, visitor: VisitorId, name: Option<String>, member: Option<String>) {
        if let Some(cluster) = self.cluster.get() {
            cluster.publish_rename(tenant, visitor, name.as_deref(), member.as_deref());
        }
        self.rename_visitor(tenant, visitor, name, member);
    }

    fn close_visitor(&self, tenant: TenantId, visitor: VisitorId) {
        self.close_local_visitor(tenant, visitor);
        if let Some(cluster) = self.cluster.get() {
            cluster.publish_close_visitor(tenant, visitor);
        }
    }
}

/// Queues an encoded frame on each of these agent connections that hears it, except `skip`.
fn push_agents(
    conns: Option<&HashMap<ConnId, AgentConn>>,
    site: Option<SiteId>,
    needs: Perm,
    text: &Utf8Bytes,
    skip: Option<ConnId>,
) {
    for (id, conn) in conns.into_iter().flatten() {
        if Some(*id) != skip && conn.hears(site, needs) {
            conn.outbox.push_text(text.clone());
        }
    }
}

/// Queues an encoded frame on each of these connections, except `skip`.
fn push_all(conns: Option<&HashMap<ConnId, Outbox>>, text: &Utf8Bytes, skip: Option<ConnId>) {
    for (id, outbox) in conns.into_iter().flatten() {
        if Some(*id) != skip {
            outbox.push_text(text.clone());
        }
    }
}
