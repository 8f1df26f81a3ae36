//! State shared by server functions and the chat hub.

use std::sync::Arc;
use std::time::Duration;

use kefu_protocol::ApiError;

use super::arrivals::Arrivals;
use super::auth::LoginLimiter;
use super::bookkeeping::Bookkeeper;
use super::db::Db;
use super::store::SiteCache;
use super::writer::MessageWriter;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub writer: MessageWriter,
    pub book: Bookkeeper,
    pub limiter: Arc<LoginLimiter>,
    pub settings: Arc<Settings>,
    pub sites: Arc<SiteCache>,
    pub arrivals: Arrivals,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Adds `Secure` to the session cookie (set it when served over HTTPS).
    pub cookie_secure: bool,
    /// Public base URL of this server, used in the embed snippet.
    pub public_url: String,
}

impl AppState {
    /// Builds the state and starts the message writer on the current runtime.
    pub fn new(db: Db, settings: Settings) -> AppState {
        AppState {
            writer: MessageWriter::start(db.clone()),
            book: Bookkeeper::start(db.clone()),
            arrivals: Arrivals::start(db.clone()),
            db,
            limiter: Arc::new(LoginLimiter::new(5, Duration::from_secs(300))),
            settings: Arc::new(settings),
            sites: Arc::default(),
        }
    }

    /// The state from the Leptos context of a server function.
    pub fn from_context() -> Result<AppState, ApiError> {
        leptos::prelude::use_context::<AppState>().ok_or(ApiError::Internal)
    }
}
