use std::fmt::Debug;
use std::marker::PhantomData;
use std::time::Duration;

use app::auth::setup::{self, NewTenant};
use app::infra::db::Db;
use app::infra::limits::Limits;
use futures_util::{SinkExt, StreamExt};
use kefu_protocol::{
    ApiError, ChatMessage, ConversationId, ConversationSummary, FromAgent, FromVisitor, OnlineVisitor, SiteId, ToAgent,
    ToVisitor, VisitorFilter, VisitorId, VisitorSort,
};
use kefu_server::config::Config;
use kefu_server::startup::Application;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);
/// The password of agents made by [`TestApp::add_agent`].
pub const AGENT_PASSWORD: &str = "agent-password-1";

pub struct TestApp {
    pub addr: String,
    pub db: Db,
    /// The server's hub, for what only the server knows (sockets held); `None` for another process.
    pub hub: Option<std::sync::Arc<kefu_server::hub::Hub>>,
    pub database_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
    /// Last, so the database goes after the server that uses it.
    _database: Option<TempDatabase>,
}

pub struct Tenant {
    pub id: kefu_protocol::TenantId,
    /// The company account (typed first to sign in).
    pub company: String,
    pub site_key: String,
    pub origin: String,
    pub login: String,
    pub password: String,
}

/// A database URL for a fresh, empty database of the backend under test (and, on PostgreSQL, the
/// guard that drops it).
async fn fresh_database(dir: &std::path::Path) -> (String, Option<TempDatabase>) {
    if std::env::var("KEFU_TEST_BACKEND").as_deref() == Ok("postgres") {
        let admin =
            std::env::var("KEFU_TEST_DATABASE_URL").expect("KEFU_TEST_BACKEND=postgres needs KEFU_TEST_DATABASE_URL");
        let database = fresh_postgres(&admin).await;
        (database.url.clone(), Some(database))
    } else {
        (kefu_server::config::sqlite_url(dir).unwrap(), None)
    }
}

/// A PostgreSQL database made for one test, dropped (its connections closed by force) when the
/// guard goes: a suite run would otherwise leave hundreds of databases behind, which the server
/// then fsyncs one by one on every restart after a crash.
pub struct TempDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Its own thread and runtime: the test's runtime may be shutting down around this drop.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(drop_database(&admin, &name))
        });
        let _ = dropped.join();
    }
}

async fn drop_database(admin: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
    }
}

/// Test databases are named `kefu_test_<unix seconds>_<random>`. Those older than this come from a
/// run that was killed before its guards ran, and the first test of the next run drops them.
const STALE_TEST_DATABASE: Duration = Duration::from_secs(6 * 3600);

/// Creates an empty PostgreSQL database next to the one `admin` names.
pub async fn fresh_postgres(admin: &str) -> TempDatabase {
    use sqlx::Connection;
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT.get_or_init(|| drop_stale_databases(admin)).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let name = format!("kefu_test_{now}_{}", &app::infra::random_token()[..12]);
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to KEFU_TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
    let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(admin);
    TempDatabase { url: format!("{base}/{name}"), admin: admin.to_owned(), name }
}

async fn drop_stale_databases(admin: &str) {
    use sqlx::Connection;
    let Ok(mut conn) = sqlx::PgConnection::connect(admin).await else { return };
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'kefu\\_test\\_%'")
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    for name in names {
        let made = name.split('_').nth(2).and_then(|secs| secs.parse::<u64>().ok());
        if made.is_none_or(|made| now.saturating_sub(made) > STALE_TEST_DATABASE.as_secs()) {
            drop_database(admin, &name).await;
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, database) = fresh_database(dir.path()).await;
    let mut config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        demo_addr: Some("127.0.0.1:0".parse().unwrap()),
        public_url: "http://kefu.test".into(),
        database_url: database_url.clone(),
        admin_password: Some("demo-password".into()),
        site_root: dir.path().join("site"),
        widget_dir: dir.path().join("widget"),
        heartbeat: Duration::from_secs(20),
        presence_grace: Duration::from_millis(300),
        cookie_secure: false,
        // Every test client comes from 127.0.0.1: the per-address caps are raised here and tested
        // on their own (tests/api/limits.rs).
        limits: Limits { max_connections: 1000, new_visitors_per_ip_per_min: 10_000, ..Limits::default() },
        trusted_proxies: Default::default(),
        session_purge: Duration::from_secs(600),
        oplog_retention: Duration::from_secs(180 * 24 * 3600),
        idle_sweep: Duration::from_millis(100),
        ip_retention: Duration::from_secs(90 * 24 * 3600),
        ip_sweep: Duration::from_secs(3600),
        // The database `make test` installs (tests/api/geo.rs needs it).
        geoip_db: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/geoip/GeoLite2-City.mmdb"),
        files_dir: dir.path().join("files"),
        files_s3: None,
        redis_url: None,
        cluster_name: "kefu".into(),
        node_ttl: Duration::from_secs(10),
    };
    tweak(&mut config);
    let app = Application::build(config).await.expect("server starts");
    let addr = format!("127.0.0.1:{}", app.port());
    let db = app.state().app.db.clone();
    let hub = Some(app.state().hub.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until_stopped(async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    TestApp { addr, db, hub, database_url, stop: Some(stop), server: Some(server), _dir: dir, _database: database }
}

impl TestApp {
    /// A server started elsewhere (another process) on `addr`, with its database.
    #[allow(dead_code)] // used by the cluster test only
    pub fn external(addr: String, db: Db, database_url: String) -> TestApp {
        TestApp {
            addr,
            db,
            hub: None,
            database_url,
            stop: None,
            server: None,
            _dir: tempfile::tempdir().unwrap(),
            _database: None,
        }
    }

    /// Stops the server gracefully (sockets get "server restarting") and waits for it.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(WAIT, server).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn create_tenant(&self, name: &str) -> Tenant {
        let slug = name.to_lowercase().replace(' ', "-");
        let host = format!("{slug}.example");
        let login = format!("admin@{slug}.example");
        let password = format!("pw-{slug}-123");
        let created = setup::create_tenant(
            &self.db,
            NewTenant {
                name,
                account: &slug,
                admin_login: &login,
                admin_password: &password,
                admin_name: &format!("{name} Admin"),
                site_name: &format!("{name} site"),
                site_domains: vec![host.clone()],
            },
            setup::When::Always,
            &Default::default(),
        )
        .await
        .unwrap();
        Tenant {
            id: created.tenant_id,
            company: slug,
            site_key: created.site.key,
            origin: format!("https://{host}"),
            login,
            password,
        }
    }

    /// Adds an agent with the built-in agent role to the company; returns their id and login (the
    /// password is `agent-password-1`).
    pub async fn add_agent(&self, tenant: &Tenant, name: &str) -> (kefu_protocol::AgentId, String) {
        use app::auth::repo::{self, NewAgent};
        use app::roles::repo::{builtin_role_id, BuiltinRole};
        let role_id = builtin_role_id(&self.db, tenant.id, BuiltinRole::Agent).await.unwrap();
        let login = format!("{}@{}", name.to_lowercase(), tenant.login.split('@').nth(1).unwrap());
        let hash = app::auth::service::hash_password(AGENT_PASSWORD);
        let new = NewAgent { login: &login, password_hash: &hash, display_name: name, role_id, owner: false };
        let mut w = self.db.write().await.unwrap();
        let id = repo::insert_agent(&mut w, tenant.id, &new).await.unwrap();
        (id, login)
    }

    /// Makes an agent serve every site of the company.
    pub async fn serve_every_site(&self, tenant: &Tenant, agent: kefu_protocol::AgentId) {
        let mut w = self.db.write().await.unwrap();
        sqlx::query(
            "INSERT INTO agent_sites (agent_id, site_id, tenant_id) SELECT $1, id, tenant_id FROM sites WHERE tenant_id = $2",
        )
        .bind(agent.0)
        .bind(tenant.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    }

    /// Signs in through the server function and returns the `Cookie` header value.
    pub async fn login(&self, company: &str, login: &str, password: &str) -> String {
        let response = self.post_login(company, login, password).await;
        assert!(response.status().is_success(), "login failed: {}", response.status());
        let set_cookie = response.headers().get("set-cookie").expect("session cookie").to_str().unwrap().to_owned();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    pub async fn post_login(&self, company: &str, login: &str, password: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/login"))
            .form(&[("company", company), ("login", login), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Calls a server function with a form-encoded body (JSON when it starts with `{`), signed in
    /// when a cookie is given.
    pub async fn call(&self, path: &str, body: &str, cookie: Option<&str>) -> reqwest::Response {
        let kind = if body.starts_with('{') { "application/json" } else { "application/x-www-form-urlencoded" };
        let mut request =
            reqwest::Client::new().post(self.url(path)).header("content-type", kind).body(body.to_owned());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// Calls a JSON server function whose one argument is `name`.
    pub async fn call_json(&self, path: &str, name: &str, arg: &impl Serialize, cookie: &str) -> reqwest::Response {
        let body = serde_json::json!({ name: arg }).to_string();
        self.call(path, &body, Some(cookie)).await
    }

    pub async fn visitor(&self, tenant: &Tenant, token: Option<&str>) -> Visitor {
        self.try_visitor(tenant, token, &[]).await.expect("visitor connects")
    }

    /// A visitor socket with extra handshake headers, or why the server refused it.
    pub async fn try_visitor(
        &self,
        tenant: &Tenant,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Visitor, Refused> {
        let url = format!("ws://{}/api/v1/visitor/ws?v=1&site_key={}", self.addr, tenant.site_key);
        // As the widget does: the token travels as a subprotocol, and the server must select `kefu.v1`
        // (the client refuses the handshake otherwise).
        let protocols = match token {
            Some(token) => format!("kefu.v1, kefu.token.{token}"),
            None => "kefu.v1".to_owned(),
        };
        let mut all = vec![("origin", tenant.origin.as_str()), ("sec-websocket-protocol", protocols.as_str())];
        all.extend_from_slice(headers);
        let mut client = VisitorClient::connect(&url, &all).await?;
        match client.recv().await {
            ToVisitor::VisitorWelcome {
                visitor_id,
                token,
                conversation,
                online,
                categories,
                closed,
                sneak_peek,
                details,
                registered,
                uploads,
                ..
            } => Ok(Visitor {
                client,
                visitor_id,
                token,
                conversation,
                welcome_online: online,
                welcome_closed: closed,
                welcome_sneak_peek: sneak_peek,
                categories,
                welcome_details: details,
                welcome_registered: registered,
                welcome_uploads: uploads,
            }),
            other => panic!("expected a welcome, got {other:?}"),
        }
    }

    /// A second tab of a visitor that never reads, with a tiny receive window: the server's socket
    /// buffers fill after a few frames and everything else piles up in its outbound queue.
    pub async fn silent_visitor(&self, tenant: &Tenant, token: &str) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
        let url = format!("ws://{}/api/v1/visitor/ws?v=1&site_key={}", self.addr, tenant.site_key);
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("origin", tenant.origin.parse().unwrap());
        let protocols = format!("kefu.v1, kefu.token.{token}");
        request.headers_mut().insert("sec-websocket-protocol", protocols.parse().unwrap());
        let tcp = tokio::net::TcpSocket::new_v4().unwrap();
        tcp.set_recv_buffer_size(4096).unwrap();
        let stream = tcp.connect(self.addr.parse().unwrap()).await.unwrap();
        let (silent, _) =
            tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await.expect("connects");
        silent
    }

    /// Connects an agent socket with a session cookie; returns it with its snapshot.
    pub async fn agent(&self, cookie: &str) -> (AgentClient, Vec<OnlineVisitor>, Vec<ConversationSummary>) {
        self.try_agent(cookie).await.expect("agent connects")
    }

    /// [`TestApp::agent`], or why the server refused the socket.
    pub async fn try_agent(
        &self,
        cookie: &str,
    ) -> Result<(AgentClient, Vec<OnlineVisitor>, Vec<ConversationSummary>), Refused> {
        let url = format!("ws://{}/api/v1/agent/ws?v=1", self.addr);
        let origin = format!("http://{}", self.addr);
        let mut client = AgentClient::connect(&url, &[("origin", &origin), ("cookie", cookie)]).await?;
        assert!(matches!(client.recv().await, ToAgent::AgentWelcome { .. }));
        loop {
            match client.recv().await {
                ToAgent::Snapshot { visitors, conversations, .. } => return Ok((client, visitors, conversations)),
                // The console is registered before its snapshot is read, so anything that happened
                // in between (a colleague's status, a chat routed in the background) comes first;
                // the snapshot already holds its effect.
                _ => continue,
            }
        }
    }

    /// Signs in as the tenant's admin and connects the agent socket.
    pub async fn agent_of(&self, tenant: &Tenant) -> AgentClient {
        let cookie = self.login(&tenant.company, &tenant.login, &tenant.password).await;
        self.agent(&cookie).await.0
    }

    pub async fn message_count(&self, conversation: ConversationId) -> i64 {
        self.scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", conversation.0).await
    }

    /// One number from the database, for a query with one `$1` id parameter.
    pub async fn scalar(&self, sql: &str, id: i64) -> i64 {
        sqlx::query_scalar(sql).bind(id).fetch_one(self.db.reader()).await.unwrap()
    }

    /// Waits (bounded) until the query gives `want`: for rows written in the background.
    pub async fn eventually_equals(&self, sql: &str, id: i64, want: i64) -> bool {
        eventually(|| async { self.scalar(sql, id).await == want }).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A server function's answer, which must be a success.
pub async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A server function's error, which it must have answered with.
pub async fn err(response: reqwest::Response) -> ApiError {
    assert!(!response.status().is_success());
    response.json().await.unwrap()
}

pub struct Visitor {
    pub client: VisitorClient,
    pub visitor_id: VisitorId,
    pub token: String,
    pub conversation: Option<(ConversationId, i64)>,
    /// Whether the welcome said an agent is there to answer.
    pub welcome_online: bool,
    /// Whether the welcome said the site takes no chat from this visitor.
    pub welcome_closed: bool,
    /// Whether the welcome said agents see what the visitor types.
    pub welcome_sneak_peek: bool,
    /// The categories the welcome offered.
    pub categories: Vec<(i64, String)>,
    /// The site's registration form, and whether the visitor sent it.
    pub welcome_details: Option<kefu_protocol::DetailsForm>,
    pub welcome_registered: bool,
    /// The largest file the welcome said the visitor may send (`None`: none).
    pub welcome_uploads: Option<u64>,
}

impl Visitor {
    /// Sends a message and waits for its ack.
    pub async fn say(&mut self, client_msg_id: &str, body: &str) -> ChatMessage {
        self.client
            .send(&FromVisitor::Send {
                conversation_id: None,
                client_msg_id: client_msg_id.into(),
                body: body.into(),
                file: None,
            })
            .await;
        self.client.ack(client_msg_id).await
    }
}

impl AgentClient {
    /// Sends a reply and waits for its ack.
    pub async fn reply(&mut self, conversation_id: ConversationId, client_msg_id: &str, body: &str) -> ChatMessage {
        let frame =
            FromAgent::Send { conversation_id, client_msg_id: client_msg_id.into(), body: body.into(), file: None };
        self.send(&frame).await;
        self.ack(client_msg_id).await
    }
}

/// A test's end of a socket: it sends `S` frames and receives `R` frames.
pub struct Client<S, R> {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    _frames: PhantomData<fn(S) -> R>,
}

/// The widget's end of the visitor socket.
pub type VisitorClient = Client<FromVisitor, ToVisitor>;
/// The workbench's end of the agent socket.
pub type AgentClient = Client<FromAgent, ToAgent>;

/// A page of the visitor console as the server answered it, with the search and site it answers.
pub struct Listed {
    pub visitors: Vec<OnlineVisitor>,
    pub total: u32,
    pub query: String,
    pub site: Option<SiteId>,
}

impl AgentClient {
    /// Asks for a page of the visitor console and waits for the answer.
    pub async fn list_visitors(
        &mut self,
        query: &str,
        offset: u32,
        site: Option<SiteId>,
        filter: VisitorFilter,
        sort: VisitorSort,
    ) -> Listed {
        self.send(&FromAgent::ListVisitors { query: query.into(), offset, site, filter, sort }).await;
        match self.recv_until(|f| matches!(f, ToAgent::VisitorList { .. })).await {
            ToAgent::VisitorList { visitors, total, query, site, .. } => Listed { visitors, total, query, site },
            _ => unreachable!(),
        }
    }
}

/// What the helpers below look for in received frames, whichever socket they came from.
pub trait TestFrames: DeserializeOwned + Debug {
    /// `(client_msg_id, message)` of an ack.
    fn as_ack(&self) -> Option<(&str, &ChatMessage)>;
    fn as_message(&self) -> Option<&ChatMessage>;
    /// The messages of a sync's answer.
    fn as_messages(&self) -> Option<&Vec<ChatMessage>>;
    /// `(error, client_msg_id)` of an error frame.
    fn as_error(&self) -> Option<(&ApiError, Option<&str>)>;
    fn is_pong(&self) -> bool;
}

/// The frames the helpers below send, whichever socket they go to.
pub trait TestSends: Serialize {
    fn ping() -> Self;
    fn sync(conversation_id: ConversationId, after_seq: i64) -> Self;
}

impl TestFrames for ToVisitor {
    fn as_ack(&self) -> Option<(&str, &ChatMessage)> {
        match self {
            ToVisitor::Ack { client_msg_id, message } => Some((client_msg_id, message)),
            _ => None,
        }
    }

    fn as_message(&self) -> Option<&ChatMessage> {
        match self {
            ToVisitor::Message { message } => Some(message),
            _ => None,
        }
    }

    fn as_messages(&self) -> Option<&Vec<ChatMessage>> {
        match self {
            ToVisitor::Messages { messages, .. } => Some(messages),
            _ => None,
        }
    }

    fn as_error(&self) -> Option<(&ApiError, Option<&str>)> {
        match self {
            ToVisitor::Error { error, client_msg_id } => Some((error, client_msg_id.as_deref())),
            _ => None,
        }
    }

    fn is_pong(&self) -> bool {
        matches!(self, ToVisitor::Pong)
    }
}

impl TestFrames for ToAgent {
    fn as_ack(&self) -> Option<(&str, &ChatMessage)> {
        match self {
            ToAgent::Ack { client_msg_id, message } => Some((client_msg_id, message)),
            _ => None,
        }
    }

    fn as_message(&self) -> Option<&ChatMessage> {
        match self {
            ToAgent::Message { message } => Some(message),
            _ => None,
        }
    }

    fn as_messages(&self) -> Option<&Vec<ChatMessage>> {
        match self {
            ToAgent::Messages { messages, .. } => Some(messages),
            _ => None,
        }
    }

    fn as_error(&self) -> Option<(&ApiError, Option<&str>)> {
        match self {
            ToAgent::Error { error, client_msg_id } => Some((error, client_msg_id.as_deref())),
            _ => None,
        }
    }

    fn is_pong(&self) -> bool {
        matches!(self, ToAgent::Pong)
    }
}

impl TestSends for FromVisitor {
    fn ping() -> Self {
        FromVisitor::Ping
    }

    fn sync(conversation_id: ConversationId, after_seq: i64) -> Self {
        FromVisitor::Sync { conversation_id, after_seq }
    }
}

impl TestSends for FromAgent {
    fn ping() -> Self {
        FromAgent::Ping
    }

    fn sync(conversation_id: ConversationId, after_seq: i64) -> Self {
        FromAgent::Sync { conversation_id, after_seq }
    }
}

/// Why a connection attempt was refused: HTTP status and the JSON body.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: serde_json::Value,
}

impl<S, R> Client<S, R> {
    /// Connects; call it on the alias of the socket's end (`VisitorClient::connect`, `AgentClient::connect`).
    pub async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Client<S, R>, Refused> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(Client { ws, _frames: PhantomData }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let body = response
                    .body()
                    .as_deref()
                    .map(|b| serde_json::from_slice(b).unwrap_or_default())
                    .unwrap_or_default();
                Err(Refused { status, body })
            }
            Err(e) => panic!("connect failed: {e}"),
        }
    }

    pub async fn send_raw(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// Whether the server closes the connection within `wait` (frames before the close are skipped).
    #[allow(dead_code)] // used by some test files only
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The reason of the server's close frame, if the server closes the connection within `wait`
    /// (frames before it are skipped).
    pub async fn close_reason(&mut self, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await.ok()? {
                Some(Ok(Message::Close(frame))) => {
                    return Some(frame.map(|f| f.reason.to_string()).unwrap_or_default())
                }
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Stops reading without closing: the server sees a peer that never answers.
    pub fn into_silent(self) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
        self.ws
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

impl<S: TestSends, R: TestFrames> Client<S, R> {
    pub async fn send(&mut self, frame: &S) {
        self.send_raw(serde_json::to_string(frame).unwrap()).await;
    }

    /// The next server frame (WebSocket pings are answered by tungstenite and skipped).
    pub async fn recv(&mut self) -> R {
        self.try_recv(WAIT).await.expect("a frame within the wait")
    }

    pub async fn try_recv(&mut self, wait: Duration) -> Option<R> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()??;
            match next.ok()? {
                Message::Text(text) => return Some(serde_json::from_str(text.as_str()).expect("a valid server frame")),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Whether the server closes the socket within `wait` (frames before the close are skipped).
    pub async fn closes_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Skips frames until one matches.
    pub async fn recv_until(&mut self, mut want: impl FnMut(&R) -> bool) -> R {
        loop {
            let frame = self.recv().await;
            if want(&frame) {
                return frame;
            }
        }
    }

    /// The ack of the message with this client id (panics on an error frame naming it).
    pub async fn ack(&mut self, id: &str) -> ChatMessage {
        let frame = self
            .recv_until(|f| {
                f.as_ack().is_some_and(|(client_msg_id, _)| client_msg_id == id)
                    || f.as_error().is_some_and(|(_, client_msg_id)| client_msg_id == Some(id))
            })
            .await;
        match frame.as_ack() {
            Some((_, message)) => message.clone(),
            None => panic!("expected an ack for {id}, got {frame:?}"),
        }
    }

    pub async fn message(&mut self) -> ChatMessage {
        let frame = self.recv_until(|f| f.as_message().is_some()).await;
        frame.as_message().cloned().unwrap()
    }

    pub async fn sync(&mut self, conversation_id: ConversationId, after_seq: i64) -> Vec<ChatMessage> {
        self.send(&S::sync(conversation_id, after_seq)).await;
        let frame = self.recv_until(|f| f.as_messages().is_some() || f.as_error().is_some()).await;
        match frame.as_messages() {
            Some(messages) => messages.clone(),
            None => panic!("expected messages, got {frame:?}"),
        }
    }

    /// The next error frame.
    pub async fn error(&mut self) -> (ApiError, Option<String>) {
        let frame = self.recv_until(|f| f.as_error().is_some()).await;
        let (error, client_msg_id) = frame.as_error().unwrap();
        (error.clone(), client_msg_id.map(str::to_owned))
    }

    /// Proves the connection still works: a ping is answered with a pong.
    pub async fn assert_alive(&mut self) {
        self.send(&S::ping()).await;
        self.recv_until(|f| f.is_pong()).await;
    }
}

/// Polls `check` until it holds or [`WAIT`] runs out; for effects written in the background.
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// What a visitor was told about their new conversation before its first message was acknowledged.
#[derive(Debug, PartialEq, Eq)]
pub enum Routed {
    To(String),
    Queued(u32),
}

/// Sends a visitor's message; returns the conversation and what routing said before the ack.
pub async fn ask(visitor: &mut Visitor, id: &str, body: &str) -> (ConversationId, Option<Routed>) {
    let frame = FromVisitor::Send { conversation_id: None, client_msg_id: id.into(), body: body.into(), file: None };
    visitor.client.send(&frame).await;
    // The ack comes once the message is committed; who took the chat (or the place in the queue)
    // once the routing pass has run: in either order.
    let (mut conversation, mut routed) = (None, None);
    while conversation.is_none() || routed.is_none() {
        match visitor.client.recv().await {
            ToVisitor::Assigned { agent_name, .. } => routed = Some(Routed::To(agent_name)),
            ToVisitor::Queued { position, .. } => routed = Some(Routed::Queued(position)),
            ToVisitor::Ack { client_msg_id, message } if client_msg_id == id => {
                conversation = Some(message.conversation_id);
                // A message in a conversation opened before is not routed again.
                if message.seq > 1 {
                    break;
                }
            }
            ToVisitor::Error { error, client_msg_id: Some(c) } if c == id => panic!("refused: {error:?}"),
            _ => {}
        }
    }
    (conversation.expect("acknowledged"), routed)
}

fn routed_of(frame: &ToVisitor) -> Option<Routed> {
    match frame {
        ToVisitor::Assigned { agent_name, .. } => Some(Routed::To(agent_name.clone())),
        ToVisitor::Queued { position, .. } => Some(Routed::Queued(*position)),
        _ => None,
    }
}

/// Waits until the visitor is told `want` (earlier news skipped); panics after the wait.
pub async fn told(visitor: &mut Visitor, want: Routed) {
    visitor.client.recv_until(|f| routed_of(f).as_ref() == Some(&want)).await;
}

/// A 1×1 PNG, base64-encoded (an avatar upload).
pub const TINY_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
