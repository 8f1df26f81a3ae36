//! Settings, read from the environment (see README "Configuration").

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::infra::limits::Limits;
use app::infra::net::TrustedProxies;

#[derive(Clone, Debug)]
pub struct Config {
    /// `KEFU_ADDR`: where the workbench, API and sockets listen.
    pub addr: SocketAddr,
    /// `KEFU_DEMO_ADDR`: where the demo customer site listens; `off` disables it.
    pub demo_addr: Option<SocketAddr>,
    /// `KEFU_PUBLIC_URL`: the base URL browsers use to reach `addr` (goes into the embed snippet).
    pub public_url: String,
    /// `DATABASE_URL`: `sqlite://…` (default `./data/kefu.db`) or `postgres://…`.
    pub database_url: String,
    /// `KEFU_ADMIN_PASSWORD`: the demo admin's password on first start (random and printed if unset).
    pub admin_password: Option<String>,
    /// `KEFU_SITE_ROOT`: the workbench's built files (`target/site`).
    pub site_root: PathBuf,
    /// `KEFU_WIDGET_DIR`: the widget's built files (`target/widget`).
    pub widget_dir: PathBuf,
    /// `KEFU_HEARTBEAT_MS`: ping interval; a socket silent for three intervals is closed.
    pub heartbeat: Duration,
    /// `KEFU_PRESENCE_GRACE_MS`: how long a visitor without a connection still counts as online
    /// (moving to another page of the site reconnects within it).
    pub presence_grace: Duration,
    /// `KEFU_COOKIE_SECURE`: `1` forces `Secure` session cookies (they are anyway when
    /// `KEFU_PUBLIC_URL` is https).
    pub cookie_secure: bool,
    /// Resource limits (`KEFU_MAX_CONNECTIONS`, `KEFU_MAX_SOCKETS_PER_IP`, …; see [`Limits`]).
    pub limits: Limits,
    /// `KEFU_TRUSTED_PROXIES`: CIDR list of load balancers whose `X-Forwarded-For`/`Forwarded` count.
    pub trusted_proxies: TrustedProxies,
    /// `KEFU_SESSION_PURGE_SECS`: how often expired sessions are removed (default 600).
    pub session_purge: Duration,
    /// `KEFU_OPLOG_RETENTION_DAYS`: operation-log entries older than this are purged (default 180).
    pub oplog_retention: Duration,
    /// `KEFU_IDLE_SWEEP_MS`: how often conversations are checked for the sites' idle times (default
    /// 30,000).
    pub idle_sweep: Duration,
    /// `KEFU_IP_RETENTION_DAYS`: visitors' full IP addresses older than this are cut to their
    /// network (IPv4 /24, IPv6 /48; default 90).
    pub ip_retention: Duration,
    /// How often old addresses are looked for (`KEFU_IP_SWEEP_SECS`, default 3600).
    pub ip_sweep: Duration,
    /// `KEFU_GEOIP_DB`: the GeoIP database (default `target/geoip/GeoLite2-City.mmdb`, which `make`
    /// installs); without it visitors' regions are unknown.
    pub geoip_db: std::path::PathBuf,
    /// `KEFU_FILES_DIR`: where files sent in chats are kept (default `KEFU_DATA_DIR/files`; several
    /// nodes need it on a shared filesystem, or a bucket instead).
    pub files_dir: PathBuf,
    /// `KEFU_S3_BUCKET` (with `KEFU_S3_ENDPOINT`, `KEFU_S3_REGION`, `KEFU_S3_ACCESS_KEY_ID`,
    /// `KEFU_S3_SECRET_ACCESS_KEY`, `KEFU_S3_PREFIX`): keep files in an S3-compatible bucket instead.
    pub files_s3: Option<app::infra::storage::S3Config>,
    /// `REDIS_URL`: joins the cluster of nodes sharing this Redis (and the PostgreSQL database).
    pub redis_url: Option<String>,
    /// `KEFU_CLUSTER_NAME`: prefix of the cluster's Redis keys and channel (default `kefu`).
    pub cluster_name: String,
    /// `KEFU_NODE_TTL_MS`: a node silent in Redis for this long is dead; its visitors go offline.
    pub node_ttl: Duration,
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let addr: SocketAddr = var("KEFU_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("KEFU_ADDR: {e}"))?;
        let demo_addr = match var("KEFU_DEMO_ADDR").as_deref() {
            Some("off") => None,
            Some(a) => Some(a.parse().map_err(|e| format!("KEFU_DEMO_ADDR: {e}"))?),
            None => Some(SocketAddr::new(addr.ip(), addr.port().wrapping_add(1))),
        };
        let public_url = var("KEFU_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
        let data_dir = PathBuf::from(var("KEFU_DATA_DIR").unwrap_or_else(|| "data".into()));
        let files_dir = var("KEFU_FILES_DIR").map_or_else(|| data_dir.join("files"), PathBuf::from);
        let database_url = match var("DATABASE_URL") {
            Some(url) => url,
            None => sqlite_url(&data_dir)?,
        };
        let heartbeat_ms: u64 = var("KEFU_HEARTBEAT_MS")
            .unwrap_or_else(|| "20000".into())
            .parse()
            .map_err(|e| format!("KEFU_HEARTBEAT_MS: {e}"))?;
        let grace_ms: u64 = var("KEFU_PRESENCE_GRACE_MS")
            .unwrap_or_else(|| "5000".into())
            .parse()
            .map_err(|e| format!("KEFU_PRESENCE_GRACE_MS: {e}"))?;
        let limits = limits_from(&var)?;
        let purge_secs: u64 = var("KEFU_SESSION_PURGE_SECS")
            .unwrap_or_else(|| "600".into())
            .parse()
            .map_err(|e| format!("KEFU_SESSION_PURGE_SECS: {e}"))?;
        let idle_sweep_ms: u64 = var("KEFU_IDLE_SWEEP_MS")
            .unwrap_or_else(|| "30000".into())
            .parse()
            .map_err(|e| format!("KEFU_IDLE_SWEEP_MS: {e}"))?;
        let retention_days: u64 = var("KEFU_OPLOG_RETENTION_DAYS")
            .unwrap_or_else(|| "180".into())
            .parse()
            .map_err(|e| format!("KEFU_OPLOG_RETENTION_DAYS: {e}"))?;
        let ip_retention_days: u64 = var("KEFU_IP_RETENTION_DAYS")
            .unwrap_or_else(|| "90".into())
            .parse()
            .map_err(|e| format!("KEFU_IP_RETENTION_DAYS: {e}"))?;
        let ip_sweep_secs: u64 = var("KEFU_IP_SWEEP_SECS")
            .unwrap_or_else(|| "3600".into())
            .parse()
            .map_err(|e| format!("KEFU_IP_SWEEP_SECS: {e}"))?;
        let trusted_proxies = TrustedProxies::parse(&var("KEFU_TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|e| format!("KEFU_TRUSTED_PROXIES: {e}"))?;
        let redis_url = var("REDIS_URL");
        if redis_url.is_some() && !database_url.starts_with("postgres") {
            return Err(
                "REDIS_URL runs several nodes, which share a PostgreSQL database: set DATABASE_URL=postgres://…".into(),
            );
        }
        let files_s3 = match var("KEFU_S3_BUCKET") {
            None => None,
            Some(bucket) => {
                let required = |name: &str| var(name).ok_or_else(|| format!("KEFU_S3_BUCKET needs {name}"));
                Some(app::infra::storage::S3Config {
                    bucket,
                    endpoint: var("KEFU_S3_ENDPOINT"),
                    region: var("KEFU_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: required("KEFU_S3_ACCESS_KEY_ID")?,
                    secret_access_key: required("KEFU_S3_SECRET_ACCESS_KEY")?,
                    prefix: var("KEFU_S3_PREFIX").unwrap_or_default(),
                })
            }
        };
        let node_ttl_ms: u64 = var("KEFU_NODE_TTL_MS")
            .unwrap_or_else(|| "10000".into())
            .parse()
            .map_err(|e| format!("KEFU_NODE_TTL_MS: {e}"))?;
        Ok(Config {
            addr,
            demo_addr,
            public_url: public_url.trim_end_matches('/').to_owned(),
            database_url,
            admin_password: var("KEFU_ADMIN_PASSWORD"),
            site_root: var("KEFU_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            widget_dir: var("KEFU_WIDGET_DIR").unwrap_or_else(|| "target/widget".into()).into(),
            heartbeat: Duration::from_millis(heartbeat_ms.max(50)),
            presence_grace: Duration::from_millis(grace_ms),
            cookie_secure: var("KEFU_COOKIE_SECURE").is_some_and(|v| v == "1" || v == "true"),
            limits,
            trusted_proxies,
            session_purge: Duration::from_secs(purge_secs.max(1)),
            oplog_retention: Duration::from_secs(retention_days.max(1) * 24 * 3600),
            idle_sweep: Duration::from_millis(idle_sweep_ms.max(10)),
            ip_retention: Duration::from_secs(ip_retention_days.max(1) * 24 * 3600),
            ip_sweep: Duration::from_secs(ip_sweep_secs.max(1)),
            geoip_db: var("KEFU_GEOIP_DB").unwrap_or_else(|| "target/geoip/GeoLite2-City.mmdb".into()).into(),
            files_dir,
            files_s3,
            redis_url,
            cluster_name: var("KEFU_CLUSTER_NAME").unwrap_or_else(|| "kefu".into()),
            node_ttl: Duration::from_millis(node_ttl_ms.max(200)),
        })
    }
}

/// The limits, each from its variable or its default.
fn limits_from(var: &dyn Fn(&str) -> Option<String>) -> Result<Limits, String> {
    fn read<T: std::str::FromStr>(var: &dyn Fn(&str) -> Option<String>, name: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        match var(name) {
            Some(value) => value.parse().map_err(|e| format!("{name}: {e}")),
            None => Ok(default),
        }
    }
    let d = Limits::default();
    Ok(Limits {
        max_connections: read(var, "KEFU_MAX_CONNECTIONS", d.max_connections)?,
        sockets_per_ip: read(var, "KEFU_MAX_SOCKETS_PER_IP", d.sockets_per_ip)?,
        new_visitors_per_ip_per_min: read(var, "KEFU_NEW_VISITORS_PER_IP_PER_MIN", d.new_visitors_per_ip_per_min)?,
        conversations_per_visitor_per_hour: read(
            var,
            "KEFU_CONVERSATIONS_PER_VISITOR_PER_HOUR",
            d.conversations_per_visitor_per_hour,
        )?,
        page_views_per_visitor_per_min: read(
            var,
            "KEFU_PAGE_VIEWS_PER_VISITOR_PER_MIN",
            d.page_views_per_visitor_per_min,
        )?,
        login_failures: read(var, "KEFU_LOGIN_FAILURES", d.login_failures)?.max(1),
        login_backoff: Duration::from_secs(read(var, "KEFU_LOGIN_BACKOFF_SECS", d.login_backoff.as_secs())?.max(1)),
        password_checks: read(var, "KEFU_MAX_PASSWORD_CHECKS", d.password_checks)?.max(1),
        files_per_visitor_per_hour: read(var, "KEFU_FILES_PER_VISITOR_PER_HOUR", d.files_per_visitor_per_hour)?,
        files_per_ip_per_hour: read(var, "KEFU_FILES_PER_IP_PER_HOUR", d.files_per_ip_per_hour)?,
        file_bytes_per_site_per_day: read(var, "KEFU_FILE_MB_PER_SITE_PER_DAY", d.file_bytes_per_site_per_day >> 20)?
            << 20,
    })
}

/// The SQLite URL for a data directory, creating the directory.
pub fn sqlite_url(dir: &std::path::Path) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
    Ok(format!("sqlite://{}?mode=rwc", dir.join("kefu.db").display()))
}
