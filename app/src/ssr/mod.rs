//! Server-only code: database access, services and auth helpers, used by the server functions
//! and by the chat hub in the `server` crate. Nothing here is compiled into the browser bundle.

pub mod arrivals;
pub mod auth;
pub mod bookkeeping;
pub mod db;
pub mod seed;
pub mod state;
pub mod store;
pub mod writer;

use kefu_protocol::ApiError;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A random token of 32 bytes, hex encoded.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// SHA-256 of a token, hex encoded: what the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns a database error into the client-visible [`ApiError::Internal`], logging the detail.
pub trait OrInternal<T> {
    fn or_internal(self) -> Result<T, ApiError>;
}

impl<T> OrInternal<T> for Result<T, sqlx::Error> {
    #[track_caller]
    fn or_internal(self) -> Result<T, ApiError> {
        let at = std::panic::Location::caller();
        self.map_err(|e| {
            tracing::error!(%at, error = %e, "database error");
            ApiError::Internal
        })
    }
}

/// The signed-in agent of the current server-function request, or `Unauthorized`.
pub async fn current_agent() -> Result<kefu_protocol::AgentInfo, ApiError> {
    let state = state::AppState::from_context()?;
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(|_| ApiError::Internal)?;
    auth::agent_from_headers(&state.db, &headers).await
}
