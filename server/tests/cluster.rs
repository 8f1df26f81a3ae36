//! Two nodes as separate processes on one PostgreSQL and one Redis; one of them is killed with
//! SIGKILL in the middle of a conversation.
//!
//! Needs `KEFU_TEST_DATABASE_URL`, `KEFU_TEST_REDIS_URL` and `KEFU_TEST_S3_ENDPOINT` (an
//! S3-compatible server with the bucket `kefu-test`, credentials `S3RVER`): `make test` runs it
//! when the first two are set (`.ci/run` sets them), starting s3rver (from npm) for the third. The
//! nodes keep files in that bucket, as a cluster without a shared filesystem would. Plain
//! `cargo test` leaves it out (`test = false` in Cargo.toml).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::collections::{HashMap, HashSet};

use app::infra::db::Db;
use helpers::{
    ask, eventually, fresh_postgres, Client, Routed, TempDatabase, TestApp, TestFrames, TestSends, AGENT_PASSWORD, WAIT,
};
use kefu_protocol::log::ConversationLog;
use kefu_protocol::{ChatMessage, ConversationId, FromAgent, FromVisitor, PageInfo, ToAgent, ToVisitor, VisitorId};
use tokio::process::{Child, Command};

/// The tests share one Redis and one cuts every subscription in it: they run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is required: this test runs two nodes on PostgreSQL + Redis (make test-cluster)")
    })
}

struct Node {
    child: Child,
    app: TestApp,
    dir: tempfile::TempDir,
}

struct Cluster {
    name: String,
    database_url: String,
    redis_url: String,
    db: Db,
    _database: TempDatabase,
}

impl Cluster {
    /// A fresh database, a cluster name of its own in the shared Redis, and two nodes that joined.
    async fn two_nodes() -> (Cluster, Node, Node) {
        let database = fresh_postgres(&required("KEFU_TEST_DATABASE_URL")).await;
        let database_url = database.url.clone();
        let cluster = Cluster {
            name: format!("kefu-test-{}", &app::infra::random_token()[..12]),
            redis_url: required("KEFU_TEST_REDIS_URL"),
            db: Db::connect(&database_url).await.expect("migrate the test database"),
            database_url,
            _database: database,
        };
        let (a, b) = (cluster.start_node().await, cluster.start_node().await);
        assert!(eventually(|| async { cluster.nodes_in_redis().await == 2 }).await, "both nodes join the cluster");
        (cluster, a, b)
    }

    async fn start_node(&self) -> Node {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kefu-server"))
            .env("KEFU_ADDR", format!("127.0.0.1:{port}"))
            .env("KEFU_DEMO_ADDR", "off")
            .env("DATABASE_URL", &self.database_url)
            .env("REDIS_URL", &self.redis_url)
            .env("KEFU_CLUSTER_NAME", &self.name)
            .env("KEFU_NODE_TTL_MS", "1000")
            .env("KEFU_PRESENCE_GRACE_MS", "300")
            // Every test client comes from 127.0.0.1.
            .env("KEFU_NEW_VISITORS_PER_IP_PER_MIN", "10000")
            .env("KEFU_SITE_ROOT", dir.path())
            // Files: in the shared bucket (each node's own directory stays empty).
            .env("KEFU_FILES_DIR", dir.path().join("files"))
            .env("KEFU_S3_ENDPOINT", required("KEFU_TEST_S3_ENDPOINT"))
            .env("KEFU_S3_BUCKET", "kefu-test")
            .env("KEFU_S3_ACCESS_KEY_ID", "S3RVER")
            .env("KEFU_S3_SECRET_ACCESS_KEY", "S3RVER")
            .env("KEFU_S3_PREFIX", format!("{}/", self.name))
            .env("KEFU_WIDGET_DIR", dir.path())
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .expect("start the kefu-server binary");
        let addr = format!("127.0.0.1:{port}");
        let health = format!("http://{addr}/healthz");
        let up = eventually(|| async { reqwest::get(&health).await.is_ok_and(|r| r.status().is_success()) }).await;
        assert!(up, "node on {addr} did not become ready");
        Node { child, app: TestApp::external(addr, self.db.clone(), self.database_url.clone()), dir }
    }

    /// Nodes that have joined (connected, subscribed and heartbeating).
    async fn nodes_in_redis(&self) -> usize {
        let client = redis::Client::open(self.redis_url.as_str()).unwrap();
        let Ok(mut conn) = client.get_multiplexed_async_connection().await else { return 0 };
        redis::cmd("ZCARD").arg(format!("{}:nodes", self.name)).query_async(&mut conn).await.unwrap_or(0)
    }
}

/// One client's view, kept the way the widget and the workbench keep it: messages by sequence,
/// a sync when a live message shows that one was missed. `S`/`R`: the frames its socket sends and
/// receives (a visitor's or an agent's).
struct Side<S, R> {
    client: Client<S, R>,
    log: ConversationLog,
    conversation: Option<ConversationId>,
    acked: HashSet<String>,
    online: HashSet<VisitorId>,
    went_offline: HashSet<VisitorId>,
    pages: HashMap<VisitorId, String>,
}

/// A received frame applied to a [`Side`]'s view.
trait Take: TestFrames + Sized {
    /// Applies the frame; returns `(conversation, after_seq)` of a sync to send in answer.
    fn take<S>(self, side: &mut Side<S, Self>) -> Option<(ConversationId, i64)>;
}

impl Take for ToVisitor {
    fn take<S>(self, side: &mut Side<S, Self>) -> Option<(ConversationId, i64)> {
        match self {
            ToVisitor::Ack { client_msg_id, message } => {
                side.acked.insert(client_msg_id);
                side.live(message)
            }
            ToVisitor::Message { message } => side.live(message),
            ToVisitor::Messages { conversation_id, messages, more } => side.page(conversation_id, messages, more),
            ToVisitor::Resync => side.conversation.map(|c| (c, side.log.last_seq())),
            ToVisitor::Error { error, .. } => panic!("unexpected error frame: {error:?}"),
            _ => None,
        }
    }
}

impl Take for ToAgent {
    fn take<S>(self, side: &mut Side<S, Self>) -> Option<(ConversationId, i64)> {
        match self {
            ToAgent::Ack { client_msg_id, message } => {
                side.acked.insert(client_msg_id);
                return side.live(message);
            }
            ToAgent::Message { message } => return side.live(message),
            ToAgent::Messages { conversation_id, messages, more } => {
                return side.page(conversation_id, messages, more);
            }
            ToAgent::Resync => return side.conversation.map(|c| (c, side.log.last_seq())),
            ToAgent::Snapshot { visitors, conversations, .. } => {
                side.online = visitors.iter().map(|v| v.visitor_id).collect();
                // As the workbench does: catch up on a conversation the snapshot shows further along.
                let behind = conversations.iter().find(|c| Some(c.id) == side.conversation);
                if let Some(c) = behind.filter(|c| c.last_seq > side.log.last_seq()) {
                    return Some((c.id, side.log.last_seq()));
                }
            }
            ToAgent::VisitorOnline { visitor } => {
                side.online.insert(visitor.visitor_id);
            }
            ToAgent::VisitorOffline { visitor_id } => {
                side.online.remove(&visitor_id);
                side.went_offline.insert(visitor_id);
            }
            ToAgent::VisitorPage { visitor_id, page, .. } => {
                side.pages.insert(visitor_id, page.url);
            }
            ToAgent::Error { error, .. } => panic!("unexpected error frame: {error:?}"),
            _ => {}
        }
        None
    }
}

impl<S, R> Side<S, R> {
    fn new(client: Client<S, R>) -> Side<S, R> {
        Side {
            client,
            log: ConversationLog::new(),
            conversation: None,
            acked: HashSet::new(),
            online: HashSet::new(),
            went_offline: HashSet::new(),
            pages: HashMap::new(),
        }
    }

    /// A message that arrived live (an ack or someone else's): a sync when it shows one was missed.
    fn live(&mut self, message: ChatMessage) -> Option<(ConversationId, i64)> {
        let id = message.conversation_id;
        self.conversation = Some(id);
        let (_, missed) = self.log.apply_live(message);
        missed.map(|after_seq| (id, after_seq))
    }

    /// A page of a sync's answer: another sync when there is more.
    fn page(&mut self, id: ConversationId, messages: Vec<ChatMessage>, more: bool) -> Option<(ConversationId, i64)> {
        for message in messages {
            self.log.apply(message);
        }
        more.then(|| (id, self.log.last_seq()))
    }

    fn holds(&self, client_msg_id: &str) -> bool {
        self.log.messages().any(|m| m.client_msg_id == client_msg_id)
    }

    /// `(seq, client_msg_id)` of everything held, in order.
    fn history(&self) -> Vec<(i64, String)> {
        self.log.messages().map(|m| (m.seq, m.client_msg_id.clone())).collect()
    }
}

impl<S: TestSends, R: Take> Side<S, R> {
    /// Reads frames until `done` holds (bounded by [`WAIT`]).
    async fn until(&mut self, what: &str, done: impl Fn(&Side<S, R>) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(self) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.client.try_recv(left).await.unwrap_or_else(|| panic!("not within {WAIT:?}: {what}"));
            if let Some((conversation_id, after_seq)) = frame.take(self) {
                self.client.send(&S::sync(conversation_id, after_seq)).await;
            }
        }
    }

    /// Reads until the connection ends (its node was killed), keeping what arrived before.
    async fn drain(&mut self) {
        while let Some(frame) = self.client.try_recv(WAIT).await {
            frame.take(self);
        }
    }
}

impl Side<FromVisitor, ToVisitor> {
    /// Sends a message (a visitor's always goes to their own conversation; `conversation_id` is ignored).
    async fn send(&mut self, conversation_id: Option<ConversationId>, id: &str) {
        let body = format!("body of {id}");
        self.client.send(&FromVisitor::Send { conversation_id, client_msg_id: id.into(), body, file: None }).await;
    }
}

impl Side<FromAgent, ToAgent> {
    /// Sends a reply into the conversation (which the agent must know by now).
    async fn send(&mut self, conversation_id: Option<ConversationId>, id: &str) {
        let conversation_id = conversation_id.expect("the agent has seen the conversation");
        let body = format!("body of {id}");
        self.client.send(&FromAgent::Send { conversation_id, client_msg_id: id.into(), body, file: None }).await;
    }
}

fn ids(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i:02}")).collect()
}

#[tokio::test]
async fn two_nodes_chat_live_and_lose_nothing_when_one_is_killed() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (cluster, mut a, b) = Cluster::two_nodes().await;

    let shop = b.app.create_tenant("Shop").await;
    let cookie = b.app.login(&shop.company, &shop.login, &shop.password).await;
    let mut agent = Side::new(b.app.agent(&cookie).await.0);

    // A visitor on node A is seen, page and all, by the agent on node B.
    let first = a.app.visitor(&shop, None).await;
    let (visitor_id, token) = (first.visitor_id, first.token.clone());
    let mut visitor = Side::new(first.client);
    agent.until("visitor on A shows online on B", |s| s.online.contains(&visitor_id)).await;
    let page =
        PageInfo { url: "https://shop.example/pricing".into(), title: "Pricing".into(), referrer: String::new() };
    visitor.client.send(&FromVisitor::Page { page }).await;
    agent.until("the page reaches B", |s| s.pages.get(&visitor_id).is_some_and(|u| u.ends_with("/pricing"))).await;
    // A second visitor on A, who will go down with it (the connection is held until then).
    let held = a.app.visitor(&shop, None).await;
    let bystander = held.visitor_id;
    agent.until("the bystander shows online", |s| s.online.contains(&bystander)).await;

    // Live both ways across the nodes.
    let (v_ids, a_ids) = (ids("v", 0..30), ids("a", 0..30));
    for i in 0..10 {
        visitor.send(None, &v_ids[i]).await;
        visitor.until("visitor ack", |s| s.acked.contains(&v_ids[i])).await;
        agent.until("visitor message on B", |s| s.holds(&v_ids[i])).await;
        agent.send(agent.conversation, &a_ids[i]).await;
        agent.until("agent ack", |s| s.acked.contains(&a_ids[i])).await;
        visitor.until("agent message on A", |s| s.holds(&a_ids[i])).await;
    }

    // Mid-stream: both keep sending, and node A is killed with SIGKILL once it has acknowledged a
    // few of the visitor's next messages (the rest are in flight: received, committed or not).
    let conversation = agent.conversation;
    for i in 10..30 {
        visitor.send(None, &v_ids[i]).await;
        agent.send(conversation, &a_ids[i]).await;
    }
    visitor.until("node A acknowledges a few more", |s| s.acked.len() >= 13).await;
    a.child.start_kill().expect("SIGKILL node A");
    a.child.wait().await.unwrap();
    visitor.drain().await;
    drop(held);
    let acked_by_a = visitor.acked.len();
    assert!(acked_by_a < 30, "node A was killed mid-stream ({acked_by_a} of the visitor's 30 acknowledged)");
    eprintln!("node A acknowledged {acked_by_a} of the visitor's 30 messages before SIGKILL");

    // Node A's visitors disappear from the agent's list once A stops heartbeating.
    agent.until("the bystander goes offline with node A", |s| s.went_offline.contains(&bystander)).await;

    // The visitor reconnects to B as the widget would: same token, resend what was never acked.
    let back = b.app.visitor(&shop, Some(&token)).await;
    assert_eq!(back.visitor_id, visitor_id, "recognised on the other node");
    visitor.client = back.client;
    let unacked: Vec<&String> = v_ids.iter().filter(|id| !visitor.acked.contains(*id)).collect();
    for id in unacked {
        visitor.send(None, id).await;
    }
    if let Some((conversation_id, _)) = back.conversation {
        let after_seq = visitor.log.last_seq();
        visitor.client.send(&FromVisitor::Sync { conversation_id, after_seq }).await;
    }
    let everything: Vec<String> = v_ids.iter().chain(&a_ids).cloned().collect();
    // On the log, so one check serves both kinds of side.
    let complete = |log: &ConversationLog| {
        log.last_seq() == 60 && everything.iter().all(|id| log.messages().any(|m| m.client_msg_id == *id))
    };
    visitor
        .until("the visitor holds all 60 messages", |s| complete(&s.log) && v_ids.iter().all(|id| s.acked.contains(id)))
        .await;
    agent.until("the agent holds all 60 messages", |s| complete(&s.log)).await;
    agent.until("the visitor is online again (on B)", |s| s.online.contains(&visitor_id)).await;

    // Stored exactly once each, in the order each side sent them, and both views are the store.
    let stored: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, client_msg_id FROM messages WHERE conversation_id = $1 ORDER BY seq")
            .bind(conversation.expect("a conversation").0)
            .fetch_all(cluster.db.reader())
            .await
            .unwrap();
    assert_eq!(stored.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), (1..=60).collect::<Vec<i64>>());
    let in_order = |prefix: char| -> Vec<String> {
        stored.iter().filter(|(_, id)| id.starts_with(prefix)).map(|(_, id)| id.clone()).collect()
    };
    assert_eq!(in_order('v'), v_ids, "visitor messages stored once, in order");
    assert_eq!(in_order('a'), a_ids, "agent messages stored once, in order");
    assert_eq!(visitor.history(), stored, "the visitor's view is the stored conversation");
    assert_eq!(agent.history(), stored, "the agent's view is the stored conversation");

    // A fresh agent connection lists who is online on the surviving node only.
    let (_, online, _) = b.app.agent(&cookie).await;
    let online: HashSet<VisitorId> = online.iter().map(|v| v.visitor_id).collect();
    assert!(online.contains(&visitor_id) && !online.contains(&bystander), "snapshot after the kill: {online:?}");
}

#[tokio::test]
async fn a_node_that_lost_redis_tells_its_clients_to_catch_up() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (cluster, a, b) = Cluster::two_nodes().await;
    let shop = b.app.create_tenant("Shop").await;
    let cookie = b.app.login(&shop.company, &shop.login, &shop.password).await;
    let mut agent = Side::new(b.app.agent(&cookie).await.0);
    let mut visitor = Side::new(a.app.visitor(&shop, None).await.client);
    visitor.send(None, "before").await;
    agent.until("the first message crosses", |s| s.holds("before")).await;

    // Every node's subscription is cut (what a Redis restart or a network blip does): frames
    // published meanwhile are lost, so on reconnecting each node tells its clients to catch up.
    let redis = redis::Client::open(cluster.redis_url.as_str()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let killed: i64 = redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("pubsub").query_async(&mut conn).await.unwrap();
    assert!(killed >= 2, "both nodes' subscriptions were cut ({killed})");
    let resync = visitor.client.recv_until(|f| matches!(f, ToVisitor::Resync)).await;
    assert_eq!(resync, ToVisitor::Resync, "the visitor on A is told to sync");
    let snapshot = agent.client.recv_until(|f| matches!(f, ToAgent::Snapshot { .. })).await;
    let ToAgent::Snapshot { conversations, .. } = snapshot else { unreachable!() };
    assert_eq!(conversations.len(), 1, "the agent on B gets a fresh snapshot");
    assert_eq!(conversations[0].last_seq, 1);

    // And the nodes carry frames again.
    visitor.send(None, "after").await;
    agent.until("a message crosses after the blip", |s| s.holds("after")).await;
    agent.send(agent.conversation, "reply").await;
    visitor.until("and back", |s| s.holds("reply")).await;
}

#[tokio::test]
async fn a_node_whose_redis_is_away_still_serves_the_chats_it_holds() {
    let database = fresh_postgres(&required("KEFU_TEST_DATABASE_URL")).await;
    let database_url = database.url.clone();
    let cluster = Cluster {
        name: format!("kefu-test-{}", &app::infra::random_token()[..12]),
        // Nothing listens there: the node keeps trying to reach Redis while it serves.
        redis_url: "redis://127.0.0.1:1".into(),
        db: Db::connect(&database_url).await.expect("migrate the test database"),
        database_url,
        _database: database,
    };
    let node = cluster.start_node().await;
    let shop = node.app.create_tenant("Shop").await;
    let cookie = node.app.login(&shop.company, &shop.login, &shop.password).await;
    let mut agent = Side::new(node.app.agent(&cookie).await.0);
    let first = node.app.visitor(&shop, None).await;
    let visitor_id = first.visitor_id;
    let mut visitor = Side::new(first.client);
    agent.until("the visitor shows online on the same node", |s| s.online.contains(&visitor_id)).await;
    visitor.send(None, "hello").await;
    agent.until("the message arrives", |s| s.holds("hello")).await;
    agent.send(agent.conversation, "reply").await;
    visitor.until("and the reply", |s| s.holds("reply")).await;
}

/// Signing out on one node closes that session's consoles on the other node too (the realtime
/// handle reaches every node), and leaves the agent's other sessions alone.
#[tokio::test]
async fn signing_out_on_one_node_closes_that_sessions_consoles_on_every_node() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_cluster, a, b) = Cluster::two_nodes().await;
    let tenant = a.app.create_tenant("Roaming").await;
    let laptop = a.app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let phone = a.app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let (mut laptop_on_b, ..) = b.app.agent(&laptop).await;
    let (mut phone_on_b, ..) = b.app.agent(&phone).await;

    let response =
        reqwest::Client::new().post(a.app.url("/api/logout")).header("cookie", &laptop).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert!(laptop_on_b.closed_within(WAIT).await, "the signed-out console on the other node is closed");
    phone_on_b.assert_alive().await;
}

/// A file an agent sends through one node is downloaded by the visitor through the other: both
/// read the same bucket, and neither node's directory holds it.
#[tokio::test]
async fn a_file_sent_through_one_node_downloads_from_the_other_out_of_the_shared_bucket() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_cluster, a, b) = Cluster::two_nodes().await;
    let shop = a.app.create_tenant("Files").await;
    let cookie = a.app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut agent, ..) = a.app.agent(&cookie).await;
    let mut visitor = b.app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "m1", "请发一下报价单").await;

    let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let uploaded = reqwest::Client::new()
        .post(a.app.url("/api/v1/agent/files"))
        .query(&[("conversation", conversation.0.to_string().as_str()), ("name", "报价单.pdf")])
        .header("origin", format!("http://{}", a.app.addr))
        .header("cookie", &cookie)
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let file: kefu_protocol::Attachment = uploaded.json().await.unwrap();
    let send = FromAgent::Send {
        conversation_id: conversation,
        client_msg_id: "f1".into(),
        body: String::new(),
        file: Some(file.id.clone()),
    };
    agent.send(&send).await;
    agent.ack("f1").await;

    let download = reqwest::Client::new()
        .get(b.app.url(&format!("/api/v1/files/{}", file.id)))
        .query(&[("site_key", shop.site_key.as_str())])
        .header("origin", &shop.origin)
        .header("authorization", format!("Bearer {}", visitor.token))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf.as_slice());
    for node in [&a, &b] {
        let local = node.dir.path().join("files");
        let held = std::fs::read_dir(&local).map(|d| d.count()).unwrap_or(0);
        assert_eq!(held, 0, "nothing in {}", local.display());
    }
}

/// Account changes made on one node end the agent's consoles on every node: disabling ends all of
/// them, changing one's own password all but the session it was changed in.
#[tokio::test]
async fn account_changes_on_one_node_close_consoles_on_every_node() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_cluster, a, b) = Cluster::two_nodes().await;
    let tenant = a.app.create_tenant("Accounts").await;
    let admin = a.app.login(&tenant.company, &tenant.login, &tenant.password).await;

    let (mover, login) = a.app.add_agent(&tenant, "Mover").await;
    let laptop = a.app.login(&tenant.company, &login, AGENT_PASSWORD).await;
    let phone = a.app.login(&tenant.company, &login, AGENT_PASSWORD).await;
    let (mut laptop_on_b, ..) = b.app.agent(&laptop).await;
    let (mut phone_on_b, ..) = b.app.agent(&phone).await;
    let body = format!("current={AGENT_PASSWORD}&new=long-enough-2");
    assert!(a.app.call("/api/me/password", &body, Some(&laptop)).await.status().is_success());
    assert_eq!(phone_on_b.close_reason(WAIT).await.as_deref(), Some("session ended"));
    laptop_on_b.assert_alive().await;

    let body = format!("agent_id={}&enabled=false", mover.0);
    assert!(a.app.call("/api/agents/enable", &body, Some(&admin)).await.status().is_success());
    assert_eq!(laptop_on_b.close_reason(WAIT).await.as_deref(), Some("session ended"));
}

/// The agents page says who has a workbench open, whichever node it is on: an agent is online while
/// a live node holds one of their consoles, and offline once the last closes or their node dies.
#[tokio::test]
async fn an_agent_is_online_while_any_live_node_holds_their_console() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_cluster, a, mut b) = Cluster::two_nodes().await;
    let tenant = a.app.create_tenant("Presence").await;
    let admin = a.app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let (desk, login) = a.app.add_agent(&tenant, "Desk").await;
    let online = |app: &TestApp, admin: String| {
        let app = app.url("/api/agents");
        async move {
            let page: app::agents::AgentPage = reqwest::Client::new()
                .post(app)
                .header("cookie", admin)
                .form(&[("query", "desk"), ("offset", "0")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page.rows[0].online
        }
    };
    assert!(!online(&a.app, admin.clone()).await);
    let cookie = b.app.login(&tenant.company, &login, AGENT_PASSWORD).await;
    let (mut laptop, ..) = b.app.agent(&cookie).await;
    let (phone, ..) = b.app.agent(&cookie).await;
    assert!(eventually(|| online(&a.app, admin.clone())).await, "online on node B, seen from node A");
    drop(phone);
    laptop.send(&kefu_protocol::FromAgent::Ping).await;
    laptop.recv_until(|f| matches!(f, kefu_protocol::ToAgent::Pong)).await;
    assert!(online(&a.app, admin.clone()).await, "one console closed, one still open");
    laptop.close().await;
    assert!(eventually(|| async { !online(&a.app, admin.clone()).await }).await, "the last console closed");

    // A node that dies takes its agents offline once it stops heartbeating.
    let (_again, ..) = b.app.agent(&cookie).await;
    assert!(eventually(|| online(&a.app, admin.clone())).await);
    b.child.start_kill().expect("SIGKILL node B");
    assert!(eventually(|| async { !online(&a.app, admin.clone()).await }).await, "node B is dead");
    let _ = desk;
}

/// An agent's chats follow their consoles across nodes: a tab closed on one node while another node
/// holds a console leaves their chats with them; their last node dying hands the chats back to the
/// queue, and visitors hear that nobody is there.
#[tokio::test]
async fn an_agent_keeps_their_chats_while_any_node_holds_a_console_and_loses_them_when_it_dies() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (cluster, a, mut b) = Cluster::two_nodes().await;
    let shop = a.app.create_tenant("Follow").await;
    let (desk, login) = a.app.add_agent(&shop, "Desk").await;
    let mut w = cluster.db.write().await.unwrap();
    sqlx::query("INSERT INTO agent_sites (agent_id, site_id, tenant_id) SELECT $1, id, tenant_id FROM sites WHERE tenant_id = $2")
        .bind(desk.0)
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let cookie = a.app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let (on_a, ..) = a.app.agent(&cookie).await;
    let (mut on_b, ..) = b.app.agent(&cookie).await;
    let mut visitor = a.app.visitor(&shop, None).await;
    let (conversation, routed) = ask(&mut visitor, "f1", "在吗？").await;
    assert_eq!(routed, Some(Routed::To("Desk".into())));

    // The tab on node A closes; past the grace period node A announces Desk again (still online,
    // on node B) and the chat stays theirs.
    on_b.send(&FromAgent::Ping).await;
    on_b.recv_until(|f| matches!(f, ToAgent::Pong)).await;
    on_a.close().await;
    on_b.recv_until(|f| matches!(f, ToAgent::AgentStatus { agent_id, .. } if *agent_id == desk)).await;
    let owner = "SELECT COALESCE(agent_id, 0) FROM conversations WHERE id = $1";
    assert_eq!(a.app.scalar(owner, conversation.0).await, desk.0);
    visitor.client.send(&FromVisitor::Ping).await;
    let heard = visitor.client.recv_until(|f| matches!(f, ToVisitor::Pong | ToVisitor::Queued { .. })).await;
    assert_eq!(heard, ToVisitor::Pong, "the visitor was not put back in the queue");

    // Node B dies: Desk is offline, the chat waits again, and the visitor hears nobody is there.
    b.child.start_kill().expect("SIGKILL node B");
    let (mut queued, mut nobody) = (false, false);
    while !(queued && nobody) {
        match visitor.client.recv().await {
            ToVisitor::Queued { position, .. } => queued = position == 1,
            ToVisitor::Availability { online, .. } => nobody = !online,
            _ => {}
        }
    }
    assert_eq!(a.app.scalar(owner, conversation.0).await, 0);
}

/// Two hundred visitors start chats at once on two nodes against five agents (three on one node,
/// two on the other) who take three chats each: fifteen are assigned, one agent each and no agent
/// over the limit, the other 185 wait in arrival order, and the queue drains in that order as chats
/// close.
#[tokio::test]
async fn two_nodes_route_a_rush_without_overfilling_or_losing_a_chat() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (cluster, a, b) = Cluster::two_nodes().await;
    let shop = a.app.create_tenant("Rush").await;
    let admin = a.app.login(&shop.company, &shop.login, &shop.password).await;
    let mut w = cluster.db.write().await.unwrap();
    sqlx::query("UPDATE sites SET queue_limit = 500 WHERE tenant_id = $1")
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let mut consoles = Vec::new();
    let mut agents = Vec::new();
    for i in 0..5 {
        let (id, login) = a.app.add_agent(&shop, &format!("Agent{i}")).await;
        let mut w = cluster.db.write().await.unwrap();
        sqlx::query("INSERT INTO agent_sites (agent_id, site_id, tenant_id) SELECT $1, id, tenant_id FROM sites WHERE tenant_id = $2")
            .bind(id.0)
            .bind(shop.id.0)
            .execute(&mut *w)
            .await
            .unwrap();
        sqlx::query("UPDATE agents SET max_chats = 3 WHERE id = $1").bind(id.0).execute(&mut *w).await.unwrap();
        drop(w);
        let node = if i < 3 { &a } else { &b };
        let cookie = node.app.login(&shop.company, &login, AGENT_PASSWORD).await;
        consoles.push(node.app.agent(&cookie).await.0);
        agents.push((id, cookie));
    }
    // Both nodes know all five are online before the rush.
    let online_seen_from = |node: &TestApp| {
        let url = node.url("/api/agents");
        let admin = admin.clone();
        async move {
            let page: app::agents::AgentPage = reqwest::Client::new()
                .post(url)
                .header("cookie", admin)
                .form(&[("query", "agent"), ("offset", "0")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page.rows.iter().filter(|r| r.online).count()
        }
    };
    assert!(eventually(|| async { online_seen_from(&a.app).await == 5 && online_seen_from(&b.app).await == 5 }).await);

    let mut visitors = Vec::new();
    for i in 0..200 {
        visitors.push(if i % 2 == 0 { a.app.visitor(&shop, None).await } else { b.app.visitor(&shop, None).await });
    }
    let results = futures_util::future::join_all(
        visitors.iter_mut().enumerate().map(|(i, v)| async move { ask(v, &format!("rush{i}"), "请问有人吗？").await }),
    )
    .await;
    let assigned = results.iter().filter(|(_, r)| matches!(r, Some(Routed::To(_)))).count();
    let queued = results.iter().filter(|(_, r)| matches!(r, Some(Routed::Queued(_)))).count();
    assert_eq!((assigned, queued), (15, 185), "every chat is assigned or queued");
    let per_agent: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT agent_id, COUNT(*) FROM conversations WHERE tenant_id = $1 AND status = 'open' AND agent_id IS NOT NULL \
         GROUP BY agent_id ORDER BY agent_id",
    )
    .bind(shop.id.0)
    .fetch_all(cluster.db.reader())
    .await
    .unwrap();
    assert_eq!(per_agent.len(), 5);
    assert!(per_agent.iter().all(|(_, n)| *n == 3), "three each: {per_agent:?}");
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE tenant_id = $1 AND status = 'open'")
        .bind(shop.id.0)
        .fetch_one(cluster.db.reader())
        .await
        .unwrap();
    assert_eq!(open, 200, "no chat lost");

    // Each agent ends one chat (on whichever node they are): the five oldest waiting take their place.
    let queue_before: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE tenant_id = $1 AND status = 'open' AND agent_id IS NULL ORDER BY id",
    )
    .bind(shop.id.0)
    .fetch_all(cluster.db.reader())
    .await
    .unwrap();
    for (i, (id, cookie)) in agents.iter().enumerate() {
        let chat: i64 = sqlx::query_scalar("SELECT MIN(id) FROM conversations WHERE agent_id = $1 AND status = 'open'")
            .bind(id.0)
            .fetch_one(cluster.db.reader())
            .await
            .unwrap();
        let node = if i < 3 { &a } else { &b };
        let response = node.app.call("/api/chat/close", &format!("conversation_id={chat}"), Some(cookie)).await;
        assert!(response.status().is_success());
    }
    let taken_next = || async {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE tenant_id = $1 AND status = 'open' AND agent_id IS NOT NULL ORDER BY id",
        )
        .bind(shop.id.0)
        .fetch_all(cluster.db.reader())
        .await
        .unwrap();
        // Those that were waiting before the closes.
        ids.into_iter().filter(|id| queue_before.contains(id)).collect::<Vec<i64>>()
    };
    assert!(
        eventually(|| async { taken_next().await == queue_before[..5].to_vec() }).await,
        "the five oldest waiting were given, in order: {:?} vs {:?}",
        taken_next().await,
        &queue_before[..5]
    );
    drop(consoles);
}

/// A block made on one node shuts the visitor out on the other at once, and that node's next
/// connection of theirs too (it read the company's blocks before, and reads them again); lifting
/// it works the same way.
#[tokio::test]
async fn a_block_made_on_one_node_applies_on_every_node_at_once() {
    use app::blocks::{BlockFor, BlockForm, BlockTarget};
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_cluster, a, b) = Cluster::two_nodes().await;
    let shop = a.app.create_tenant("Blocks").await;
    let admin = a.app.login(&shop.company, &shop.login, &shop.password).await;
    let (_console, ..) = b.app.agent(&admin).await;
    let mut visitor = b.app.visitor(&shop, None).await;
    assert!(!visitor.welcome_closed, "node B has read the company's blocks: none");

    let target = BlockTarget::Visitor { visitor_id: visitor.visitor_id.0 };
    let form = BlockForm { target, reason: "广告".into(), duration: BlockFor::Day };
    let id: i64 = helpers::ok(a.app.call_json("/api/blocks/add", "form", &form, &admin).await).await;
    let shut = visitor.client.recv_until(|f| matches!(f, ToVisitor::Availability { .. })).await;
    assert_eq!(shut, ToVisitor::Availability { online: false, closed: true });
    assert!(b.app.visitor(&shop, Some(&visitor.token)).await.welcome_closed);

    helpers::ok::<()>(a.app.call("/api/blocks/lift", &format!("id={id}"), Some(&admin)).await).await;
    let open = visitor.client.recv_until(|f| matches!(f, ToVisitor::Availability { .. })).await;
    assert_eq!(open, ToVisitor::Availability { online: true, closed: false });
    assert!(!b.app.visitor(&shop, Some(&visitor.token)).await.welcome_closed);
}
