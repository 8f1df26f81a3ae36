//! Shared pieces every area uses. On the server (feature `ssr`): the database handle and its one
//! write path ([`db`]), the generic batch worker ([`batch`]), follow-up work
//! done once per burst ([`coalesce`]), the request context and permission
//! gate ([`ctx`]), resource limits ([`limits`]), the client's address behind proxies ([`net`]), the handle through which services reach browsers ([`realtime`]) and the
//! application state ([`state`]). On both sides: the server-function error ([`error`]).
//!
//! Imports go one way: areas use `infra`, `infra` uses no area.

pub mod audit;
pub mod error;

#[cfg(feature = "ssr")]
pub mod batch;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod coalesce;
pub mod csv;
#[cfg(feature = "ssr")]
pub mod ctx;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod geo;
#[cfg(feature = "ssr")]
pub mod image;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod net;
#[cfg(feature = "ssr")]
pub mod realtime;
pub mod search;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod storage;
#[cfg(feature = "ssr")]
pub mod stream;

#[cfg(feature = "ssr")]
pub use ssr_helpers::*;

#[cfg(feature = "ssr")]
mod ssr_helpers {
    use kefu_protocol::ApiError;

    /// Text for an HTML element or attribute (pages and files the server writes).
    pub fn html_escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

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

    /// Runs `task` every `every` for as long as the runtime runs (a purge of old rows); a failure is
    /// logged with `what` and tried again at the next tick.
    pub fn every<F, Fut>(every: std::time::Duration, what: &'static str, mut task: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<u64, ApiError>> + Send,
    {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match task().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(n, what, "purged"),
                    Err(error) => tracing::warn!(?error, what, "not purged; trying again later"),
                }
            }
        });
    }

    /// A unique-index violation becomes `Conflict` about `field` with code `Taken` (a duplicate
    /// account or name that two requests raced to); any other error is `Internal`.
    pub trait OrTaken<T> {
        fn or_taken(self, field: &str) -> Result<T, ApiError>;
    }

    impl<T> OrTaken<T> for Result<T, sqlx::Error> {
        #[track_caller]
        fn or_taken(self, field: &str) -> Result<T, ApiError> {
            match self {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    Err(ApiError::conflict(Some(field), kefu_protocol::ErrorCode::Taken))
                }
                other => other.or_internal(),
            }
        }
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
}
