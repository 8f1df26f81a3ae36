//! Several nodes on one PostgreSQL and one Redis (`REDIS_URL`).
//!
//! What Redis is for:
//! - fan-out: every frame the hub sends to a tenant's agents or to a visitor is also published on
//!   one channel (`A node tenant site|- permission frame`, `V node tenant visitor frame`; `K node
//!   tenant agent session|*` closes an agent's sockets; `B node tenant` says the tenant's blocks
//!   changed; `N node tenant visitor [name, member]` renames a visitor); the other nodes deliver it to the
//!   connections they hold. Messages are committed before they are published, so a lost
//!   publication loses nothing: clients sync on a sequence gap,
//!   and after a lost Redis link every local client is told to resync (agents get a new snapshot).
//! - presence: who is online and on which page, in `{cluster}:p:{tenant}` (visitor → JSON). A
//!   visitor is online while some node holds them (`{cluster}:vn:{tenant}:{visitor}`, the set of
//!   those nodes). Each node heartbeats in `{cluster}:nodes`; a node silent for `KEFU_NODE_TTL_MS` is
//!   dead, and the first node to notice takes its visitors offline (`{cluster}:n:{node}` lists them).
//!   Agents with a console on a node are in `{cluster}:ag:{node}` (`tenant:agent`); an agent is online
//!   while a live node lists them.
//!
//! One task per node owns the Redis connections: commands are queued (never awaited by a socket
//! task), sent in pipelines, and dropped while Redis is away; reconnecting re-registers everything
//! the node holds.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::blocks::service as blocks;
use app::infra::ctx::Scopes;
use app::infra::now_ms;
use app::infra::realtime::Realtime as _;
use app::infra::realtime::{AgentSockets, Audience};
use app::infra::state::AppState;
use app::routing::service as routing;
use axum::extract::ws::Utf8Bytes;
use futures_util::StreamExt;
use kefu_protocol::{AgentId, OnlineVisitor, Perm, SiteId, TenantId, ToAgent, ToVisitor, VisitorId};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Pipeline, Script, Value};
use tokio::sync::{mpsc, oneshot};

use crate::hub::{encode, BoxFuture, Hub, Peers};

/// Commands waiting for the Redis task; beyond this they are dropped (and recovered by resync).
const QUEUE: usize = 65_536;
const BATCH: usize = 512;

/// Registers a node as holding a visitor; returns 1 when no node held them before (they came online).
const ARRIVE: &str = r"
local first = redis.call('SCARD', KEYS[2]) == 0
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[4])
if first or redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
if first then return 1 end
return 0";

/// A node no longer holds a visitor; returns 1 when no node holds them any more (they went offline).
const LEAVE: &str = r"
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[3])
if redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[2])
  return 1
end
return 0";

/// Redis names of one cluster (`KEFU_CLUSTER_NAME`, so several clusters can share a Redis).
#[derive(Clone)]
struct Keys(Arc<str>);

impl Keys {
    fn channel(&self) -> String {
        format!("{}:fanout", self.0)
    }

    fn nodes(&self) -> String {
        format!("{}:nodes", self.0)
    }

    fn presence(&self, tenant: TenantId) -> String {
        format!("{}:p:{tenant}", self.0)
    }

    fn holders(&self, tenant: TenantId, visitor: VisitorId) -> String {
        format!("{}:vn:{tenant}:{visitor}", self.0)
    }

    fn node(&self, node: &str) -> String {
        format!("{}:n:{node}", self.0)
    }

    fn agents_of(&self, node: &str) -> String {
        format!("{}:ag:{node}", self.0)
    }
}

fn member(tenant: TenantId, visitor: VisitorId) -> String {
    format!("{tenant}:{visitor}")
}

enum Cmd {
    Publish(String),
    /// A visitor came online on this node; announced to every node's agents if they are new.
    Arrive {
        tenant: TenantId,
        presence: OnlineVisitor,
    },
    /// The visitor's presence changed (their page).
    Presence {
        tenant: TenantId,
        presence: OnlineVisitor,
    },
    /// A visitor left this node; announced offline if no node holds them.
    Leave {
        tenant: TenantId,
        visitor: VisitorId,
    },
    /// An agent opened their first console on this node, or closed their last.
    AgentHere {
        tenant: TenantId,
        agent: AgentId,
        here: bool,
    },
    /// The node is stopping: take its visitors offline now rather than after the node TTL.
    Retire(oneshot::Sender<()>),
}

/// The hub's handle on the cluster: its [`Peers`].
pub struct ClusterLink {
    node: String,
    keys: Keys,
    tx: mpsc::Sender<Cmd>,
    /// The command connection while Redis is reachable (for reads by socket tasks).
    conn: Arc<Mutex<Option<MultiplexedConnection>>>,
    /// A node silent this long is dead (its agents are not online).
    ttl: Duration,
}

impl ClusterLink {
    fn queue(&self, cmd: Cmd) {
        if self.tx.try_send(cmd).is_err() {
            tracing::debug!("cluster queue full or closed; a command was dropped");
        }
    }

    /// The tenant's agents with a console on a live node (this one too, or not); `None` while the
    /// link is down.
    async fn agents_on_live_nodes(&self, tenant: TenantId, this_node: bool) -> Option<HashSet<AgentId>> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        let cutoff = now_ms() - self.ttl.as_millis() as i64;
        let live: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.keys.nodes())
            .arg(cutoff)
            .arg("+inf")
            .query_async(&mut conn)
            .await
            .ok()?;
        let mut pipe = Pipeline::new();
        for node in live.iter().filter(|n| this_node || **n != self.node) {
            pipe.smembers(self.keys.agents_of(node));
        }
        let sets: Vec<Vec<String>> = pipe.query_async(&mut conn).await.ok()?;
        let prefix = format!("{tenant}:");
        Some(sets.iter().flatten().filter_map(|m| m.strip_prefix(&prefix)?.parse::<i64>().ok()).map(AgentId).collect())
    }
}

/// `-` for "every site" in a published frame's header.
fn site_field(site: Option<SiteId>) -> String {
    site.map_or_else(|| "-".to_owned(), |s| s.to_string())
}

impl Peers for ClusterLink {
    fn is_connected(&self) -> bool {
        self.conn.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    fn publish_to_agents(&self, tenant: TenantId, site: Option<SiteId>, needs: Perm, text: &str) {
        let (node, site, needs) = (&self.node, site_field(site), needs.as_str());
        self.queue(Cmd::Publish(format!("A {node} {tenant} {site} {needs} {text}")));
    }

    fn publish_to_visitor(&self, tenant: TenantId, visitor: VisitorId, text: &str) {
        self.queue(Cmd::Publish(format!("V {} {tenant} {visitor} {text}", self.node)));
    }

    fn publish_close_agent(&self, tenant: TenantId, agent: AgentId, which: &AgentSockets) {
        self.queue(Cmd::Publish(format!("K {} {tenant} {agent} {}", self.node, which.to_word())));
    }

    fn publish_to_agent(&self, tenant: TenantId, agent: AgentId, text: &str) {
        self.queue(Cmd::Publish(format!("G {} {tenant} {agent} {text}", self.node)));
    }

    fn publish_to_audience(&self, tenant: TenantId, audience: &Audience, text: &str) {
        self.queue(Cmd::Publish(format!("C {} {tenant} {} {text}", self.node, audience.to_words())));
    }

    fn publish_availability(&self, tenant: TenantId, site: SiteId, online: bool) {
        self.queue(Cmd::Publish(format!("O {} {tenant} {site} {}", self.node, u8::from(online))));
    }

    fn publish_blocks(&self, tenant: TenantId) {
        self.queue(Cmd::Publish(format!("B {} {tenant}", self.node)));
    }

    fn publish_rename(&self, tenant: TenantId, visitor: VisitorId, name: Option<&str>, member: Option<&str>) {
        // As JSON: a name may hold spaces.
        let card = serde_json::to_string(&(name, member)).unwrap_or_default();
        self.queue(Cmd::Publish(format!("N {} {tenant} {visitor} {card}", self.node)));
    }

    fn publish_close_visitor(&self, tenant: TenantId, visitor: VisitorId) {
        self.queue(Cmd::Publish(format!("X {} {tenant} {visitor}", self.node)));
    }

    fn arrive(&self, tenant: TenantId, presence: OnlineVisitor) {
        self.queue(Cmd::Arrive { tenant, presence });
    }

    fn presence(&self, tenant: TenantId, presence: OnlineVisitor) {
        self.queue(Cmd::Presence { tenant, presence });
    }

    fn leave(&self, tenant: TenantId, visitor: VisitorId) {
        self.queue(Cmd::Leave { tenant, visitor });
    }

    /// Takes this node's visitors offline in Redis (waits at most two seconds).
    fn retire(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            if self.tx.send(Cmd::Retire(tx)).await.is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(2), rx).await;
            }
        })
    }

    fn agent_here(&self, tenant: TenantId, agent: AgentId, here: bool) {
        self.queue(Cmd::AgentHere { tenant, agent, here });
    }

    fn online_agents(&self, tenant: TenantId) -> BoxFuture<'_, Option<HashSet<AgentId>>> {
        Box::pin(self.agents_on_live_nodes(tenant, true))
    }

    fn online_elsewhere(&self, tenant: TenantId) -> BoxFuture<'_, Option<HashSet<AgentId>>> {
        Box::pin(self.agents_on_live_nodes(tenant, false))
    }

    fn online_visitors(&self, tenant: TenantId) -> BoxFuture<'_, Option<Vec<OnlineVisitor>>> {
        Box::pin(async move {
            let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
            let values: Vec<String> =
                redis::cmd("HVALS").arg(self.keys.presence(tenant)).query_async(&mut conn).await.ok()?;
            Some(values.iter().filter_map(|v| serde_json::from_str(v).ok()).collect())
        })
    }
}

pub struct ClusterSettings {
    pub redis_url: String,
    /// Prefix of every Redis key and channel of this cluster.
    pub name: String,
    /// A node that has not heartbeaten for this long is dead and its visitors go offline.
    pub node_ttl: Duration,
}

/// Connects the hub to the cluster: returns at once; the Redis task connects (and reconnects) on
/// its own, and the node serves its own connections meanwhile.
pub fn start(settings: ClusterSettings, hub: Arc<Hub>, state: AppState) -> Result<(), String> {
    let client = Client::open(settings.redis_url.as_str()).map_err(|e| format!("REDIS_URL: {e}"))?;
    let node = format!("{:016x}", rand_node_id());
    let (tx, rx) = mpsc::channel(QUEUE);
    let conn = Arc::new(Mutex::new(None));
    let keys = Keys(settings.name.into());
    let link = ClusterLink { node: node.clone(), keys: keys.clone(), tx, conn: conn.clone(), ttl: settings.node_ttl };
    hub.set_cluster(Arc::new(link));
    let task = Task {
        client,
        node,
        keys,
        hub,
        state,
        conn,
        ttl: settings.node_ttl,
        arrive: Script::new(ARRIVE),
        leave: Script::new(LEAVE),
    };
    tokio::spawn(task.run(rx));
    Ok(())
}

fn rand_node_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.write_u32(std::process::id());
    h.finish()
}

struct Task {
    client: Client,
    node: String,
    keys: Keys,
    hub: Arc<Hub>,
    state: AppState,
    conn: Arc<Mutex<Option<MultiplexedConnection>>>,
    ttl: Duration,
    arrive: Script,
    leave: Script,
}

/// What a pipelined command's reply means.
enum Then {
    Nothing,
    Online(TenantId, Box<OnlineVisitor>),
    Offline(TenantId, VisitorId),
}

impl Task {
    async fn run(self, mut rx: mpsc::Receiver<Cmd>) {
        let mut backoff = Duration::from_millis(100);
        let mut lost_link = false;
        loop {
            match self.connect().await {
                Ok((conn, pubsub)) => {
                    backoff = Duration::from_millis(100);
                    *self.conn.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
                    tracing::info!(node = %self.node, "cluster: connected to Redis");
                    let result = self.serve(conn, pubsub, &mut rx, lost_link).await;
                    *self.conn.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    match result {
                        Ok(()) => return,
                        Err(e) => tracing::warn!(
                            "cluster: lost Redis ({e}); frames to other nodes are dropped until it is back"
                        ),
                    }
                }
                Err(e) => tracing::warn!("cluster: cannot reach Redis ({e}); retrying"),
            }
            lost_link = true;
            // Commands queued while Redis is away are dropped: reconnecting re-registers the
            // node's visitors and tells every local client to resync.
            let deadline = tokio::time::sleep(backoff);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    cmd = rx.recv() => match cmd {
                        None => return,
                        Some(Cmd::Retire(done)) => { let _ = done.send(()); }
                        Some(_) => {}
                    },
                }
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }

    async fn connect(&self) -> redis::RedisResult<(MultiplexedConnection, redis::aio::PubSubStream)> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(2));
        let conn = self.client.get_multiplexed_async_connection_with_config(&config).await?;
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.keys.channel()).await?;
        Ok((conn, pubsub.into_on_message()))
    }

    async fn serve(
        &self,
        mut conn: MultiplexedConnection,
        mut pubsub: redis::aio::PubSubStream,
        rx: &mut mpsc::Receiver<Cmd>,
        resync: bool,
    ) -> redis::RedisResult<()> {
        // Pipelined scripts are not loaded on demand (Redis may have restarted empty).
        self.arrive.prepare_invoke().load_async(&mut conn).await?;
        self.leave.prepare_invoke().load_async(&mut conn).await?;
        self.heartbeat(&mut conn).await?;
        self.reconcile(&mut conn).await?;
        if resync {
            resync_local_clients(self.hub.clone(), self.state.clone()).await;
        }
        let mut tick = tokio::time::interval((self.ttl / 4).max(Duration::from_millis(50)));
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => {
                    if n == 0 {
                        return Ok(());
                    }
                    self.send_batch(&mut conn, batch.drain(..)).await?;
                }
                msg = pubsub.next() => match msg {
                    Some(msg) => self.deliver(msg.get_payload_bytes()),
                    None => return Err(redis::RedisError::from((redis::ErrorKind::IoError, "subscription closed"))),
                },
                _ = tick.tick() => {
                    self.heartbeat(&mut conn).await?;
                    self.sweep_dead_nodes(&mut conn).await?;
                }
            }
        }
    }

    async fn send_batch(
        &self,
        conn: &mut MultiplexedConnection,
        cmds: impl Iterator<Item = Cmd>,
    ) -> redis::RedisResult<()> {
        let mut pipe = Pipeline::new();
        let mut then = Vec::new();
        let mut retired = Vec::new();
        for cmd in cmds {
            match cmd {
                Cmd::Publish(payload) => {
                    pipe.publish(self.keys.channel(), payload);
                    then.push(Then::Nothing);
                }
                Cmd::Arrive { tenant, presence } => {
                    self.add_arrive(&mut pipe, tenant, &presence);
                    then.push(Then::Online(tenant, Box::new(presence)));
                }
                Cmd::Presence { tenant, presence } => {
                    let json = serde_json::to_string(&presence).unwrap_or_default();
                    pipe.hset(self.keys.presence(tenant), presence.visitor_id.0, json);
                    then.push(Then::Nothing);
                }
                Cmd::Leave { tenant, visitor } => {
                    self.add_leave(&mut pipe, &self.node, tenant, visitor);
                    then.push(Then::Offline(tenant, visitor));
                }
                Cmd::AgentHere { tenant, agent, here } => {
                    let key = self.keys.agents_of(&self.node);
                    if here {
                        pipe.sadd(key, format!("{tenant}:{agent}"));
                    } else {
                        pipe.srem(key, format!("{tenant}:{agent}"));
                    }
                    then.push(Then::Nothing);
                }
                Cmd::Retire(done) => retired.push(done),
            }
        }
        if !then.is_empty() {
            let replies: Vec<Value> = pipe.query_async(conn).await?;
            self.follow_up(conn, then.into_iter().zip(replies)).await?;
        }
        if !retired.is_empty() {
            self.retire_node(conn, &self.node.clone()).await?;
            for done in retired {
                let _ = done.send(());
            }
        }
        Ok(())
    }

    fn add_arrive(&self, pipe: &mut Pipeline, tenant: TenantId, presence: &OnlineVisitor) {
        let visitor = presence.visitor_id;
        let json = serde_json::to_string(presence).unwrap_or_default();
        let mut invocation = self.arrive.prepare_invoke();
        invocation
            .key(self.keys.presence(tenant))
            .key(self.keys.holders(tenant, visitor))
            .key(self.keys.node(&self.node))
            .arg(&self.node)
            .arg(visitor.0)
            .arg(json)
            .arg(member(tenant, visitor));
        pipe.invoke_script(&invocation);
    }

    fn add_leave(&self, pipe: &mut Pipeline, node: &str, tenant: TenantId, visitor: VisitorId) {
        let mut invocation = self.leave.prepare_invoke();
        invocation
            .key(self.keys.presence(tenant))
            .key(self.keys.holders(tenant, visitor))
            .key(self.keys.node(node))
            .arg(node)
            .arg(visitor.0)
            .arg(member(tenant, visitor));
        pipe.invoke_script(&invocation);
    }

    /// Announces the visitors who came online or went offline cluster-wide.
    async fn follow_up(
        &self,
        conn: &mut MultiplexedConnection,
        replies: impl Iterator<Item = (Then, Value)>,
    ) -> redis::RedisResult<()> {
        let mut pipe = Pipeline::new();
        let mut any = false;
        for (then, reply) in replies {
            let (tenant, site, frame) = match (then, reply) {
                (Then::Online(tenant, visitor), Value::Int(1)) => {
                    (tenant, Some(visitor.site_id), ToAgent::VisitorOnline { visitor })
                }
                (Then::Offline(tenant, visitor_id), Value::Int(1)) => {
                    (tenant, None, ToAgent::VisitorOffline { visitor_id })
                }
                _ => continue,
            };
            let text = encode(&frame);
            self.hub.deliver_to_agents(tenant, site, Perm::VisitorsView, text.clone());
            let header = format!("A {} {tenant} {} {}", self.node, site_field(site), Perm::VisitorsView.as_str());
            pipe.publish(self.keys.channel(), format!("{header} {}", text.as_str()));
            any = true;
        }
        if any {
            pipe.query_async::<()>(conn).await?;
        }
        Ok(())
    }

    /// A frame published by a node: delivered to the connections held here.
    fn deliver(&self, payload: &[u8]) {
        let Ok(payload) = std::str::from_utf8(payload) else { return };
        let mut parts = payload.splitn(3, ' ');
        let (Some(kind), Some(node), Some(rest)) = (parts.next(), parts.next(), parts.next()) else { return };
        if node == self.node {
            return;
        }
        let id = |s: &str| s.parse::<i64>().ok();
        match kind {
            "A" => {
                let mut parts = rest.splitn(4, ' ');
                let (Some(Some(tenant)), Some(site), Some(Some(needs)), Some(text)) =
                    (parts.next().map(id), parts.next(), parts.next().map(Perm::parse), parts.next())
                else {
                    return;
                };
                let site = if site == "-" { None } else { id(site).map(SiteId) };
                self.hub.deliver_to_agents(TenantId(tenant), site, needs, Utf8Bytes::from(text));
            }
            "C" => {
                let mut parts = rest.splitn(5, ' ');
                let (Some(Some(tenant)), Some(site), Some(owner), Some(guests), Some(text)) =
                    (parts.next().map(id), parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return;
                };
                let Some(audience) = Audience::from_words(site, owner, guests) else { return };
                self.hub.deliver_to_audience(TenantId(tenant), &audience, &Utf8Bytes::from(text), None);
            }
            "K" => {
                let mut parts = rest.splitn(3, ' ');
                let (Some(Some(tenant)), Some(Some(agent)), Some(session)) =
                    (parts.next().map(id), parts.next().map(id), parts.next())
                else {
                    return;
                };
                let which = AgentSockets::from_word(session);
                self.hub.close_local_agent(TenantId(tenant), AgentId(agent), &which, "session ended");
            }
            "G" => {
                let mut parts = rest.splitn(3, ' ');
                let (Some(Some(tenant)), Some(Some(agent)), Some(text)) =
                    (parts.next().map(id), parts.next().map(id), parts.next())
                else {
                    return;
                };
                self.hub.deliver_to_one_agent(TenantId(tenant), AgentId(agent), &Utf8Bytes::from(text));
            }
            "O" => {
                let mut parts = rest.splitn(3, ' ');
                let (Some(Some(tenant)), Some(Some(site)), Some(online)) =
                    (parts.next().map(id), parts.next().map(id), parts.next())
                else {
                    return;
                };
                self.hub.set_availability(TenantId(tenant), SiteId(site), online == "1");
            }
            "R" => {
                tokio::spawn(resync_local_clients(self.hub.clone(), self.state.clone()));
            }
            "N" => {
                let mut parts = rest.splitn(3, ' ');
                let (Some(Some(tenant)), Some(Some(visitor)), Some(name)) =
                    (parts.next().map(id), parts.next().map(id), parts.next())
                else {
                    return;
                };
                let Ok((name, member)) = serde_json::from_str::<(Option<String>, Option<String>)>(name) else { return };
                self.hub.rename_visitor(TenantId(tenant), VisitorId(visitor), name, member);
            }
            "X" => {
                let mut parts = rest.splitn(2, ' ');
                let (Some(Some(tenant)), Some(Some(visitor))) = (parts.next().map(id), parts.next().map(id)) else {
                    return;
                };
                self.hub.close_local_visitor(TenantId(tenant), VisitorId(visitor));
            }
            "B" => {
                let Some(tenant) = id(rest.trim()).map(TenantId) else { return };
                let (hub, state) = (self.hub.clone(), self.state.clone());
                tokio::spawn(async move {
                    blocks::forget(&state, tenant);
                    match blocks::rules(&state, tenant).await {
                        Ok(rules) => hub.apply_blocks(tenant, &*rules),
                        Err(error) => tracing::warn!(%error, "blocks changed on another node but could not be read"),
                    }
                });
            }
            "V" => {
                let mut parts = rest.splitn(3, ' ');
                let (Some(Some(tenant)), Some(Some(visitor)), Some(text)) =
                    (parts.next().map(id), parts.next().map(id), parts.next())
                else {
                    return;
                };
                self.hub.deliver_to_visitor(TenantId(tenant), VisitorId(visitor), Utf8Bytes::from(text));
            }
            _ => {}
        }
    }

    async fn heartbeat(&self, conn: &mut MultiplexedConnection) -> redis::RedisResult<()> {
        redis::cmd("ZADD").arg(self.keys.nodes()).arg(now_ms()).arg(&self.node).query_async::<()>(conn).await
    }

    /// Makes Redis say what this node holds: after (re)connecting, Redis may have restarted empty or
    /// visitors may have left while the link was down.
    async fn reconcile(&self, conn: &mut MultiplexedConnection) -> redis::RedisResult<()> {
        let held = self.hub.local_visitors();
        let registered: Vec<String> = redis::cmd("SMEMBERS").arg(self.keys.node(&self.node)).query_async(conn).await?;
        let here: HashSet<String> = held.iter().map(|(t, p)| member(*t, p.visitor_id)).collect();
        let mut pipe = Pipeline::new();
        let mut then = Vec::new();
        for gone in registered.iter().filter(|m| !here.contains(*m)) {
            if let Some((tenant, visitor)) = parse_member(gone) {
                self.add_leave(&mut pipe, &self.node, tenant, visitor);
                then.push(Then::Offline(tenant, visitor));
            }
        }
        for (tenant, presence) in held {
            self.add_arrive(&mut pipe, tenant, &presence);
            then.push(Then::Online(tenant, Box::new(presence)));
        }
        // The agents here, afresh.
        let agents = self.keys.agents_of(&self.node);
        redis::cmd("DEL").arg(&agents).query_async::<()>(conn).await?;
        for (tenant, agent) in self.hub.local_agents() {
            pipe.sadd(&agents, format!("{tenant}:{agent}"));
            then.push(Then::Nothing);
        }
        if !then.is_empty() {
            let replies: Vec<Value> = pipe.query_async(conn).await?;
            self.follow_up(conn, then.into_iter().zip(replies)).await?;
        }
        Ok(())
    }

    /// Takes the visitors of nodes that stopped heartbeating offline; each dead node is cleaned up by
    /// the one node whose ZREM removed it.
    async fn sweep_dead_nodes(&self, conn: &mut MultiplexedConnection) -> redis::RedisResult<()> {
        let cutoff = now_ms() - self.ttl.as_millis() as i64;
        let dead: Vec<String> =
            redis::cmd("ZRANGEBYSCORE").arg(self.keys.nodes()).arg("-inf").arg(cutoff).query_async(conn).await?;
        for node in dead.iter().filter(|n| **n != self.node) {
            let removed: i64 = redis::cmd("ZREM").arg(self.keys.nodes()).arg(node).query_async(conn).await?;
            if removed == 1 {
                tracing::info!(%node, "cluster: node stopped heartbeating; its visitors go offline");
                self.retire_node(conn, node).await?;
                // It may have died between committing messages and publishing them: every node
                // (this one included) tells its clients to catch up.
                redis::cmd("PUBLISH")
                    .arg(self.keys.channel())
                    .arg(format!("R {} -", self.node))
                    .query_async::<()>(conn)
                    .await?;
                tokio::spawn(resync_local_clients(self.hub.clone(), self.state.clone()));
            }
        }
        Ok(())
    }

    async fn retire_node(&self, conn: &mut MultiplexedConnection, node: &str) -> redis::RedisResult<()> {
        let members: Vec<String> = redis::cmd("SMEMBERS").arg(self.keys.node(node)).query_async(conn).await?;
        let agents: Vec<String> = redis::cmd("SMEMBERS").arg(self.keys.agents_of(node)).query_async(conn).await?;
        let mut pipe = Pipeline::new();
        let mut then = Vec::new();
        for (tenant, visitor) in members.iter().filter_map(|m| parse_member(m)) {
            self.add_leave(&mut pipe, node, tenant, visitor);
            then.push(Then::Offline(tenant, visitor));
        }
        pipe.del(self.keys.node(node));
        pipe.del(self.keys.agents_of(node));
        if node == self.node {
            pipe.zrem(self.keys.nodes(), node);
        }
        let mut replies: Vec<Value> = pipe.query_async(conn).await?;
        replies.truncate(then.len());
        self.follow_up(conn, then.into_iter().zip(replies)).await?;
        // Its agents: offline unless a console on another node holds them (their chats go back to
        // the queue, and visitors hear whether anyone is left).
        if node != self.node {
            let agents: Vec<(TenantId, AgentId)> =
                agents.iter().filter_map(|m| parse_member(m).map(|(tenant, id)| (tenant, AgentId(id.0)))).collect();
            tokio::spawn(agents_gone_with_node(self.hub.clone(), self.state.clone(), agents));
        }
        Ok(())
    }
}

/// The agents of a node that died: those not online elsewhere are gone (see
/// `routing::agent_gone`); for the others, colleagues hear their status again.
async fn agents_gone_with_node(hub: Arc<Hub>, state: AppState, agents: Vec<(TenantId, AgentId)>) {
    for (tenant, agent) in agents {
        let online = hub.online_agents(tenant).await.contains(&agent);
        let result = if online {
            routing::agent_changed(&state, tenant, agent).await
        } else {
            routing::agent_gone(&state, tenant, agent).await
        };
        if let Err(error) = result {
            tracing::warn!(%error, "taking a dead node's agent offline failed");
        }
    }
}

/// Frames may have been missed (the link to Redis was down, or a node died between committing and
/// publishing): visitors sync their conversation; agents get a fresh snapshot, whose sequence
/// numbers make the workbench sync every conversation it is behind on (presence was missed too).
async fn resync_local_clients(hub: Arc<Hub>, state: AppState) {
    hub.to_local_visitors(&ToVisitor::Resync);
    for tenant in hub.local_agent_tenants() {
        // A visitor who comes or goes while the snapshots are read is announced to the consoles
        // before the snapshot reaches them, and the snapshot (which replaces the list) may not have
        // them: read again until no presence frame went out meanwhile (a few tries; then send).
        for attempt in 0..5 {
            let before = hub.presence_changes();
            // Consoles with the same scope and role get the same snapshot: built once per kind.
            let mut built: Vec<(Scopes, Vec<Perm>, Utf8Bytes)> = Vec::new();
            let mut ready = Vec::new();
            for (conn, sites, perms) in hub.local_agent_views(tenant) {
                let found = built.iter().find(|(s, p, _)| *s == sites && *p == perms).map(|(.., text)| text.clone());
                let text = match found {
                    Some(text) => text,
                    None => match crate::agent::snapshot(&state, &hub, tenant, &sites, &perms).await {
                        Ok(frame) => {
                            let text = crate::hub::encode(&frame);
                            built.push((sites, perms, text.clone()));
                            text
                        }
                        Err(_) => continue,
                    },
                };
                ready.push((conn, text));
            }
            if hub.presence_changes() == before || attempt == 4 {
                for (conn, text) in ready {
                    hub.deliver_to_agent(tenant, conn, text);
                }
                break;
            }
        }
    }
}

fn parse_member(member: &str) -> Option<(TenantId, VisitorId)> {
    let (tenant, visitor) = member.split_once(':')?;
    Some((TenantId(tenant.parse().ok()?), VisitorId(visitor.parse().ok()?)))
}
