//! The application state that server functions (through the Leptos context) and sockets (through
//! the server's state) share: the database, the realtime handle, settings, and each area's own
//! long-lived parts (its batch workers, caches, limiters), stored by type so that `infra` needs to
//! know no area. The composition root (`crate::build_state`) adds the parts.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use kefu_protocol::ApiError;

use super::db::Db;
use super::limits::Limits;
use super::net::TrustedProxies;
use super::realtime::Realtime;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub realtime: Arc<dyn Realtime>,
    pub settings: Arc<Settings>,
    parts: Arc<HashMap<TypeId, Box<dyn Any + Send + Sync>>>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Adds `Secure` to the session cookie: on when the public URL is https, or when forced.
    pub cookie_secure: bool,
    /// Public base URL of this server, used in the embed snippet.
    pub public_url: String,
    pub limits: Limits,
    /// Peers whose forwarding headers name the client (`KEFU_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// How often expired sessions are removed (`KEFU_SESSION_PURGE_SECS`).
    pub session_purge: std::time::Duration,
    /// How long operation-log entries are kept (`KEFU_OPLOG_RETENTION_DAYS`, default 180).
    pub oplog_retention: std::time::Duration,
    /// How often idle conversations are looked for (`KEFU_IDLE_SWEEP_MS`, default 30 s).
    pub idle_sweep: std::time::Duration,
    /// Visitors' full IP addresses older than this are cut to their network (`KEFU_IP_RETENTION_DAYS`).
    pub ip_retention: std::time::Duration,
    /// How often old addresses are looked for (`KEFU_IP_SWEEP_SECS`).
    pub ip_sweep: std::time::Duration,
    /// The GeoIP database (`KEFU_GEOIP_DB`; a missing file leaves regions unknown).
    pub geoip_db: std::path::PathBuf,
    /// Where files sent in chats are kept (`KEFU_FILES_DIR`, or a bucket: `KEFU_S3_BUCKET`).
    pub files: crate::infra::storage::FileStore,
}

/// Collects the parts while the state is built.
pub struct Builder {
    state: AppState,
    parts: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Builder {
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Adds an area's part; one per type.
    pub fn with<T: Any + Send + Sync>(mut self, part: T) -> Builder {
        self.parts.insert(TypeId::of::<T>(), Box::new(part));
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.state.settings
    }

    pub fn build(self) -> AppState {
        AppState { parts: Arc::new(self.parts), ..self.state }
    }
}

impl AppState {
    pub fn builder(db: Db, settings: Settings, realtime: Arc<dyn Realtime>) -> Builder {
        let state = AppState { db, realtime, settings: Arc::new(settings), parts: Arc::default() };
        Builder { state, parts: HashMap::new() }
    }

    /// An area's part, added when the state was built.
    pub fn part<T: Any + Send + Sync>(&self) -> Result<&T, ApiError> {
        self.parts.get(&TypeId::of::<T>()).and_then(|p| p.downcast_ref()).ok_or_else(|| {
            tracing::error!(part = std::any::type_name::<T>(), "application state lacks a part");
            ApiError::Internal
        })
    }

    /// The state from the Leptos context of a server function.
    pub fn from_context() -> Result<AppState, ApiError> {
        leptos::prelude::use_context::<AppState>().ok_or(ApiError::Internal)
    }
}
