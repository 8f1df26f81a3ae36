//! The server's state, shared by every route and connection: the application state (database,
//! realtime handle, areas' parts), the hub, settings and the shutdown signal.

use std::ops::Deref;
use std::sync::Arc;

use app::infra::state::AppState;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use tokio::sync::watch;

use crate::config::Config;
use crate::hub::Hub;

/// Cheap to clone: every connection keeps one.
#[derive(Clone)]
pub struct ServerState(pub Arc<Shared>);

impl Deref for ServerState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub app: AppState,
    pub hub: Arc<Hub>,
    pub leptos: LeptosOptions,
    pub config: Arc<Config>,
    /// Becomes `true` when the server is stopping.
    pub shutdown: watch::Receiver<bool>,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos.clone()
    }
}
