use std::time::Duration;

use app::ssr::db::Db;
use app::ssr::seed::{self, NewTenant};
use futures_util::{SinkExt, StreamExt};
use kefu_protocol::{
    ChatMessage, ClientFrame, ConversationId, ConversationSummary, OnlineVisitor, ServerFrame, VisitorId,
};
use kefu_server::config::Config;
use kefu_server::startup::Application;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub addr: String,
    pub db: Db,
    pub database_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

pub struct Tenant {
    pub site_key: String,
    pub origin: String,
    pub login: String,
    pub password: String,
}

/// A database URL for a fresh, empty database of the backend under test.
async fn fresh_database(dir: &std::path::Path) -> String {
    if std::env::var("KEFU_TEST_BACKEND").as_deref() == Ok("postgres") {
        let admin =
            std::env::var("KEFU_TEST_DATABASE_URL").expect("KEFU_TEST_BACKEND=postgres needs KEFU_TEST_DATABASE_URL");
        fresh_postgres(&admin).await
    } else {
        kefu_server::config::sqlite_url(dir).unwrap()
    }
}

/// Creates an empty PostgreSQL database next to the one `admin` names; returns its URL.
pub async fn fresh_postgres(admin: &str) -> String {
    use sqlx::Connection;
    let name = format!("kefu_test_{}", &app::ssr::random_token()[..16]);
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to KEFU_TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
    let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(admin);
    format!("{base}/{name}")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(dir.path()).await;
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
        max_connections: 1000,
        redis_url: None,
        cluster_name: "kefu".into(),
        node_ttl: Duration::from_secs(10),
    };
    tweak(&mut config);
    let app = Application::build(config).await.expect("server starts");
    let addr = format!("127.0.0.1:{}", app.port());
    let db = app.state().app.db.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until_stopped(async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    TestApp { addr, db, database_url, stop: Some(stop), server: Some(server), _dir: dir }
}

impl TestApp {
    /// A server started elsewhere (another process) on `addr`, with its database.
    #[allow(dead_code)] // used by the cluster test only
    pub fn external(addr: String, db: Db, database_url: String) -> TestApp {
        TestApp { addr, db, database_url, stop: None, server: None, _dir: tempfile::tempdir().unwrap() }
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
        let created = seed::create_tenant(
            &self.db,
            NewTenant {
                name,
                admin_login: &login,
                admin_password: &password,
                admin_name: &format!("{name} Admin"),
                site_name: &format!("{name} site"),
                site_domains: vec![host.clone()],
            },
        )
        .await
        .unwrap();
        Tenant { site_key: created.site.key, origin: format!("https://{host}"), login, password }
    }

    /// Signs in through the server function and returns the `Cookie` header value.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let response = self.post_login(login, password).await;
        assert!(response.status().is_success(), "login failed: {}", response.status());
        let set_cookie = response.headers().get("set-cookie").expect("session cookie").to_str().unwrap().to_owned();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    pub async fn post_login(&self, login: &str, password: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/login"))
            .form(&[("login", login), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    pub async fn visitor(&self, tenant: &Tenant, token: Option<&str>) -> Visitor {
        let mut url = format!("ws://{}/api/v1/visitor/ws?v=1&site_key={}", self.addr, tenant.site_key);
        if let Some(token) = token {
            url.push_str(&format!("&token={token}"));
        }
        let mut client = Client::connect(&url, &[("origin", &tenant.origin)]).await.expect("visitor connects");
        match client.recv().await {
            ServerFrame::VisitorWelcome { visitor_id, token, conversation, .. } => {
                Visitor { client, visitor_id, token, conversation }
            }
            other => panic!("expected a welcome, got {other:?}"),
        }
    }

    /// Connects an agent socket with a session cookie; returns it with its snapshot.
    pub async fn agent(&self, cookie: &str) -> (Client, Vec<OnlineVisitor>, Vec<ConversationSummary>) {
        let url = format!("ws://{}/api/v1/agent/ws?v=1", self.addr);
        let origin = format!("http://{}", self.addr);
        let mut client =
            Client::connect(&url, &[("origin", &origin), ("cookie", cookie)]).await.expect("agent connects");
        assert!(matches!(client.recv().await, ServerFrame::AgentWelcome { .. }));
        match client.recv().await {
            ServerFrame::Snapshot { visitors, conversations } => (client, visitors, conversations),
            other => panic!("expected a snapshot, got {other:?}"),
        }
    }

    /// Signs in as the tenant's admin and connects the agent socket.
    pub async fn agent_of(&self, tenant: &Tenant) -> Client {
        let cookie = self.login(&tenant.login, &tenant.password).await;
        self.agent(&cookie).await.0
    }

    pub async fn message_count(&self, conversation: ConversationId) -> i64 {
        self.scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", conversation.0).await
    }

    /// One number from the database, for a query with one `$1` id parameter.
    pub async fn scalar(&self, sql: &str, id: i64) -> i64 {
        sqlx::query_scalar(sql).bind(id).fetch_one(&self.db.pool).await.unwrap()
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

pub struct Visitor {
    pub client: Client,
    pub visitor_id: VisitorId,
    pub token: String,
    pub conversation: Option<(ConversationId, i64)>,
}

impl Visitor {
    /// Sends a message and waits for its ack.
    pub async fn say(&mut self, client_msg_id: &str, body: &str) -> ChatMessage {
        self.client
            .send(&ClientFrame::Send { conversation_id: None, client_msg_id: client_msg_id.into(), body: body.into() })
            .await;
        self.client.ack(client_msg_id).await
    }
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Why a connection attempt was refused: HTTP status and the JSON body.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Client {
    pub async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Client, Refused> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(Client { ws }),
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

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_raw(serde_json::to_string(frame).unwrap()).await;
    }

    pub async fn send_raw(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next server frame (WebSocket pings are answered by tungstenite and skipped).
    pub async fn recv(&mut self) -> ServerFrame {
        self.try_recv(WAIT).await.expect("a frame within the wait")
    }

    pub async fn try_recv(&mut self, wait: Duration) -> Option<ServerFrame> {
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

    /// Skips frames until one matches.
    pub async fn recv_until(&mut self, mut want: impl FnMut(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.recv().await;
            if want(&frame) {
                return frame;
            }
        }
    }

    pub async fn ack(&mut self, id: &str) -> ChatMessage {
        match self.recv_until(|f| matches!(f, ServerFrame::Ack { client_msg_id, .. } | ServerFrame::Error { client_msg_id: Some(client_msg_id), .. } if client_msg_id == id)).await {
            ServerFrame::Ack { message, .. } => message,
            other => panic!("expected an ack for {id}, got {other:?}"),
        }
    }

    pub async fn message(&mut self) -> ChatMessage {
        match self.recv_until(|f| matches!(f, ServerFrame::Message { .. })).await {
            ServerFrame::Message { message } => message,
            _ => unreachable!(),
        }
    }

    pub async fn sync(&mut self, conversation_id: ConversationId, after_seq: i64) -> Vec<ChatMessage> {
        self.send(&ClientFrame::Sync { conversation_id, after_seq }).await;
        match self.recv_until(|f| matches!(f, ServerFrame::Messages { .. } | ServerFrame::Error { .. })).await {
            ServerFrame::Messages { messages, .. } => messages,
            other => panic!("expected messages, got {other:?}"),
        }
    }

    /// The next error frame.
    pub async fn error(&mut self) -> (kefu_protocol::ApiError, Option<String>) {
        match self.recv_until(|f| matches!(f, ServerFrame::Error { .. })).await {
            ServerFrame::Error { error, client_msg_id } => (error, client_msg_id),
            _ => unreachable!(),
        }
    }

    /// Proves the connection still works: a ping is answered with a pong.
    pub async fn assert_alive(&mut self) {
        self.send(&ClientFrame::Ping).await;
        self.recv_until(|f| matches!(f, ServerFrame::Pong)).await;
    }

    /// Stops reading without closing: the server sees a peer that never answers.
    pub fn into_silent(self) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
        self.ws
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
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
