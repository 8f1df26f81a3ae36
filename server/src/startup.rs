//! Building and running the application: `Application::build(config)` binds the listeners (so tests
//! can use port 0 and ask for `port()`), then `run_until_stopped(shutdown)` serves until the future
//! resolves, closing every socket with "server restarting" so clients reconnect elsewhere or later.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use app::auth::setup;
use app::infra::ctx::Ctx;
use app::infra::db::Db;
use app::infra::net::same_origin;
use app::infra::state::Settings;
use app::{build_state, is_workbench_page, shell, App};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kefu_protocol::ApiError;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::cluster::{self, ClusterSettings};
use crate::config::Config;
use crate::hub::Hub;
use crate::state::{ServerState, Shared};
use crate::{agent, demo, exports, files, pwa, visitor};

/// Pending connections the kernel queues per listener: a reconnect storm of thousands of clients
/// overflows the default of 128.
const LISTEN_BACKLOG: u32 = 4096;

pub struct Application {
    listener: TcpListener,
    demo_listener: Option<TcpListener>,
    state: ServerState,
    shutdown_tx: watch::Sender<bool>,
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, String> {
        let listener = bind(config.addr).map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let demo_listener = match config.demo_addr {
            Some(addr) => Some(bind(addr).map_err(|e| format!("cannot listen on {addr} (demo site): {e}"))?),
            None => None,
        };
        let db = Db::connect(&config.database_url).await.map_err(|e| format!("database: {e}"))?;
        if let Some(demo) = &demo_listener {
            let port = demo.local_addr().map_err(|e| e.to_string())?.port();
            let domains = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
            match setup::ensure_demo(&db, config.admin_password.as_deref(), domains).await {
                Ok(Some(credentials)) => match credentials.generated_password {
                    Some(password) => println!(
                        "kefu: created the demo company. Sign in with company {}, account {} and password \
                         {password} (shown only now; set KEFU_ADMIN_PASSWORD to choose it)",
                        credentials.company, credentials.login
                    ),
                    None => println!(
                        "kefu: created the demo company. Sign in with company {}, account {} and KEFU_ADMIN_PASSWORD",
                        credentials.company, credentials.login
                    ),
                },
                Ok(None) => {}
                Err(e) => return Err(format!("cannot create the demo company: {e}")),
            }
        }
        let settings = Settings {
            cookie_secure: config.cookie_secure || config.public_url.starts_with("https://"),
            public_url: config.public_url.clone(),
            limits: config.limits.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            session_purge: config.session_purge,
            oplog_retention: config.oplog_retention,
            idle_sweep: config.idle_sweep,
            ip_retention: config.ip_retention,
            ip_sweep: config.ip_sweep,
            geoip_db: config.geoip_db.clone(),
            files: match &config.files_s3 {
                Some(s3) => app::infra::storage::FileStore::s3(s3)?,
                None => app::infra::storage::FileStore::new(&config.files_dir),
            },
        };
        let leptos = LeptosOptions::builder()
            .output_name("kefu")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .build();
        let (shutdown_tx, shutdown) = watch::channel(false);
        let hub = Arc::new(Hub::default());
        let app = build_state(db, settings, hub.clone());
        if let Some(redis_url) = &config.redis_url {
            let settings = ClusterSettings {
                redis_url: redis_url.clone(),
                name: config.cluster_name.clone(),
                node_ttl: config.node_ttl,
            };
            cluster::start(settings, hub.clone(), app.clone())?;
        }
        let state = ServerState(Arc::new(Shared { app, hub, leptos, config: Arc::new(config), shutdown }));
        Ok(Application { listener, demo_listener, state, shutdown_tx })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn demo_port(&self) -> Option<u16> {
        self.demo_listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port())
    }

    pub fn state(&self) -> &ServerState {
        &self.state
    }

    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Application { listener, demo_listener, state, shutdown_tx } = self;
        let router = router(state.clone());
        println!("kefu: workbench on {}", state.config.public_url);
        let mut demo_stopped = state.shutdown.clone();
        let hub = state.hub.clone();
        let demo = async move {
            match demo_listener {
                Some(listener) => {
                    println!("kefu: demo customer site on http://{}", listener.local_addr()?);
                    axum::serve(listener, demo::router(state.app.db.clone(), state.config.public_url.clone()))
                        .with_graceful_shutdown(async move {
                            let _ = demo_stopped.changed().await;
                        })
                        .await
                }
                None => Ok(()),
            }
        };
        let main = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = shutdown_tx.send(true);
            });
        tokio::try_join!(async { main.await }, demo)?;
        if let Some(cluster) = hub.cluster() {
            cluster.retire().await;
        }
        Ok(())
    }
}

/// Page-level session routing, before the Leptos pages: strangers opening a workbench page go to
/// the login page, and signed-in agents opening the login page go to the workbench.
async fn session_redirects(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let target = match request.method() == Method::GET {
        true if path == "/login" => Some(true),
        true if is_workbench_page(path) => Some(false),
        _ => None,
    };
    if let Some(signed_in_goes_elsewhere) = target {
        match Ctx::from_headers(&state.app.db, request.headers()).await {
            Ok(_) if signed_in_goes_elsewhere => return found("/"),
            Err(ApiError::Unauthorized) if !signed_in_goes_elsewhere => return found("/login"),
            _ => {}
        }
    }
    next.run(request).await
}

/// Sign-in, sign-out and every server function refuse requests from other sites' pages: the
/// session cookie would ride along with them (cross-site request forgery).
async fn same_origin_only(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The widget's own routes check the page's origin against the site's domains themselves.
    let path = request.uri().path();
    let guarded = path.starts_with("/api/") && !path.starts_with("/api/v1/visitor/");
    if writes && guarded && !same_origin(request.headers(), &state.config.public_url) {
        let body = serde_json::to_string(&ApiError::Forbidden).unwrap_or_default();
        return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    next.run(request).await
}

/// Headers on every response of the workbench origin: no type sniffing, no full URLs in referrers
/// to other sites, HSTS when served over https, and, unless the page set its own (with its
/// nonce), a policy that lets nothing run or frame the response.
async fn security_headers(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if state.config.public_url.starts_with("https://") {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    response
}

fn found(location: &'static str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// An agent's avatar: a PNG the server encoded itself, under a key that changes with every upload
/// (so it is cached for a year). Visitors see avatars too, so no session is needed; the key is
/// random and says nothing about the agent.
async fn avatar(
    axum::extract::State(state): axum::extract::State<ServerState>,
    axum::extract::Path(key): axum::extract::Path<String>,
) -> Response {
    match app::agents::service::avatar_png(&state.app, &key).await {
        Ok(Some(png)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            png,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct TextsQuery {
    #[serde(default)]
    lang: String,
}

/// The widget's texts in the language a page's tag picks (the widget carries only English; the
/// loader fetches these beside it).
async fn widget_texts(axum::extract::Query(query): axum::extract::Query<TextsQuery>) -> Response {
    public_json(kefu_protocol::widget_text::json(kefu_protocol::Lang::from_tag(&query.lang)))
}

/// The emoji picker's list with names in a page's language (fetched when a visitor first opens it).
async fn widget_emoji(axum::extract::Query(query): axum::extract::Query<TextsQuery>) -> Response {
    public_json(kefu_protocol::emoji::json(kefu_protocol::Lang::from_tag(&query.lang)))
}

/// JSON that is the same for everybody, read by the widget from any site: cached like the
/// widget's files.
fn public_json(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
        ],
        body,
    )
        .into_response()
}

fn router(state: ServerState) -> Router {
    let routes = generate_route_list(App);
    let widget = Router::new().fallback_service(ServeDir::new(&state.config.widget_dir)).layer(
        tower::ServiceBuilder::new()
            // Customer pages on other origins load these files.
            .layer(SetResponseHeaderLayer::overriding(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            )),
    );
    let app_state = state.app.clone();
    let options = state.leptos.clone();
    Router::new()
        .route("/api/v1/visitor/ws", get(visitor::upgrade))
        .route("/api/v1/agent/ws", get(agent::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route("/chat/{site_key}", get(visitor::direct_chat_page))
        .route("/api/v1/avatars/{key}", get(avatar))
        .route("/api/v1/visitor/texts", get(widget_texts))
        .route("/api/v1/visitor/emoji", get(widget_emoji))
        .route("/manifest.webmanifest", get(pwa::manifest))
        .route("/icons/{name}", get(pwa::icon))
        .route("/sw.js", get(pwa::service_worker))
        .route("/api/v1/visitor/files", post(files::visitor_upload).options(files::preflight))
        .route("/api/v1/agent/files", post(files::agent_upload))
        .route("/api/v1/library", post(files::library_upload))
        .route("/api/v1/library/{id}", get(files::library_download))
        .route("/api/v1/files/{id}", get(files::download).options(files::preflight))
        .route("/api/v1/records/export", get(exports::records))
        .route("/api/v1/visitors/{id}/export", get(exports::visitor))
        .route("/api/v1/company/export", get(exports::company))
        .route("/api/v1/customers/export", get(exports::customers))
        .nest_service("/widget", widget)
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(app_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session_redirects))
        .layer(axum::middleware::from_fn_with_state(state.clone(), same_origin_only))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
