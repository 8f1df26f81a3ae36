//! The error server functions return: [`ApiError`] in a newtype so it can carry the server-fn
//! transport errors too.

use kefu_protocol::ApiError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError(pub ApiError);

impl From<ApiError> for AppError {
    /// Inside a server function on the server, this also gives the HTTP response the error's status
    /// (401 for a wrong password, 429 with `Retry-After` when rate-limited) instead of leptos' 500.
    /// Not for a form the browser posted itself (before the page's script ran, or without it):
    /// that answer is a redirect back to the form with the error in its address, which the form
    /// then shows, and a status of ours would turn it into a bare JSON page.
    fn from(e: ApiError) -> Self {
        #[cfg(feature = "ssr")]
        if let Some(response) =
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>().filter(|_| !posted_by_browser())
        {
            if let Ok(status) = http::StatusCode::from_u16(e.http_status()) {
                response.set_status(status);
            }
            if let ApiError::TooMany { retry_after_secs } = e {
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(retry_after_secs));
            }
        }
        AppError(e)
    }
}

/// Whether the request being answered is a form the browser posted (it asks for a page, not data).
#[cfg(feature = "ssr")]
fn posted_by_browser() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(http::header::ACCEPT).and_then(|a| a.to_str().ok()).is_some_and(|a| a.contains("text/html"))
    })
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                AppError(ApiError::Network { message })
            }
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError(ApiError::BadFrame { message })
            }
            _ => AppError(ApiError::Internal),
        }
    }
}
