//! The kefu server binary's library: everything but `main`, so tests can start it on port 0.
//! Transport only: every rule lives in the `app` crate's areas, which these modules call.
//!
//! - `cli`: operator commands run instead of the server (`company create`).
//! - `config`: settings from the environment.
//! - `startup`: builds the router, binds the listeners (backlog 4096), runs until shutdown.
//! - `state`: the server state every route and connection shares.
//! - `hub`: who is connected where, and fan-out; the application's `Realtime` handle.
//! - `cluster`: several nodes on PostgreSQL + Redis (the hub's `Peers`: fan-out between nodes,
//!   shared presence).
//! - `socket`: the per-connection loop (read, bounded write queue, heartbeat), generic over the socket.
//! - `visitor` / `agent`: the two WebSocket endpoints and what each frame does.
//! - `files`: uploads and downloads of files sent in chats.
//! - `exports`: downloads written while they are sent (records exports).
//! - `pwa`: the workbench as an installable app (manifest, icons, service worker).
//! - `demo`: the demo customer site served on a second origin.

// The workbench's views are deeply nested types, and this crate lays out their futures.
#![recursion_limit = "256"]

pub mod agent;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod exports;
pub mod files;
pub mod hub;
pub mod pwa;
pub mod socket;
pub mod startup;
pub mod state;
pub mod visitor;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Refuses a socket that got no slot: 503 when the server is full, 429 when the address is.
pub fn refuse_full(full: hub::Full) -> Response {
    match full {
        hub::Full::Server => {
            refuse(StatusCode::SERVICE_UNAVAILABLE, "too_many_connections", "the server is full, retry shortly")
        }
        hub::Full::Address => refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections_from_address",
            "this address holds too many connections",
        ),
    }
}

/// The client's address: the TCP peer, or behind a trusted proxy the address it forwarded.
pub fn client_ip(
    state: &state::ServerState,
    peer: std::net::SocketAddr,
    headers: &axum::http::HeaderMap,
) -> std::net::IpAddr {
    app::infra::net::client_ip(peer.ip(), headers, &state.app.settings.trusted_proxies)
}

/// Refuses a request (typically a socket upgrade) with a status and a machine-readable reason.
pub fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": code, "message": message }))).into_response()
}
