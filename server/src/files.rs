//! Files over HTTP (the rules are in `app::files::service`):
//!
//! - `POST /api/v1/visitor/files?site_key=K&name=N`: the widget's upload, the raw bytes as the body,
//!   the visitor's token as `Authorization: Bearer …`, from a page of the site's own domains (CORS).
//! - `POST /api/v1/agent/files?conversation=ID&name=N`: an agent's upload into a conversation, with
//!   the session cookie, from the workbench's origin.
//! - `POST /api/v1/library?folder=F&name=N`: a file into the company's library (admins).
//! - `GET /api/v1/files/{id}`: a download, by an agent (session cookie) or a visitor
//!   (`?site_key=K` and the token as above).
//!
//! Both uploads answer the file as JSON ([`kefu_protocol::Attachment`]); the message that sends it
//! goes on the socket. Refusals are the usual [`ApiError`] JSON with its HTTP status.

use std::net::SocketAddr;

use app::files::service::{self as files, Reader, Uploader};
use app::infra::ctx::Ctx;
use app::sites::service as sites;
use app::visitors::service as visitors;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kefu_protocol::file::MAX_FILE_BYTES;
use kefu_protocol::{ApiError, ConversationId, ErrorCode, VisitorId};
use serde::Deserialize;

use crate::client_ip;
use crate::state::ServerState;

/// The longest name a client may send (the service cuts it further).
const MAX_RAW_NAME: usize = 1024;

#[derive(Deserialize)]
pub struct VisitorUpload {
    site_key: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct AgentUpload {
    conversation: i64,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    site_key: Option<String>,
}

/// A refusal as the usual JSON with its status (and `Retry-After` when it is a rate limit).
pub(crate) fn error(error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(&error)).into_response();
    if let ApiError::TooMany { retry_after_secs } = error {
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// The site and visitor of a widget request: the site by key, the page's origin among its domains
/// (or kefu's own direct chat page), the visitor by token. Also the CORS origin to answer with.
async fn visitor_of(
    state: &ServerState,
    site_key: &str,
    headers: &HeaderMap,
) -> Result<(std::sync::Arc<sites::Site>, VisitorId, Option<HeaderValue>), Response> {
    let site = match sites::by_key(&state.app, site_key).await {
        Ok(Some(site)) if site_key.len() <= 64 => site,
        Ok(_) => return Err(error(ApiError::NotFound)),
        Err(e) => return Err(error(e)),
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or_default();
    let own = same_origin_page(origin, headers);
    if !own && !site.allows_origin(origin) {
        return Err(error(ApiError::Forbidden));
    }
    let cors = (!own).then(|| HeaderValue::from_str(origin).ok()).flatten();
    let token = bearer(headers).ok_or_else(|| with_cors(error(ApiError::Unauthorized), cors.clone()))?;
    match visitors::known(&state.app, &site, token).await {
        Ok(Some(visitor)) => Ok((site, visitor, cors)),
        Ok(None) => Err(with_cors(error(ApiError::Unauthorized), cors)),
        Err(e) => Err(with_cors(error(e), cors)),
    }
}

/// A page served by this very host (the direct chat page), or no `Origin` at all (not a browser's
/// cross-origin request: a same-origin GET, or a tool).
fn same_origin_page(origin: &str, headers: &HeaderMap) -> bool {
    origin.is_empty() || crate::visitor::same_host(origin, headers)
}

fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
    let headers = response.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// Reads the body up to `max` bytes: `TooLarge` past it (the rest is not read).
async fn body_bytes(body: Body, max: u64) -> Result<axum::body::Bytes, ApiError> {
    let limit = usize::try_from(max.min(MAX_FILE_BYTES)).unwrap_or(usize::MAX);
    axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::invalid("attachment", ErrorCode::TooLarge))
}

fn raw_name(name: &str) -> Result<&str, ApiError> {
    if name.len() > MAX_RAW_NAME {
        return Err(ApiError::invalid("name", ErrorCode::TooLong));
    }
    Ok(name)
}

pub async fn visitor_upload(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<VisitorUpload>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(Query(query)) = query else { return error(ApiError::invalid("site_key", ErrorCode::Required)) };
    let (site, visitor, cors) = match visitor_of(&state, &query.site_key, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let ip = client_ip(&state, peer, &headers);
    // A blocked visitor learns only that it is not available, as on the socket.
    if app::blocks::service::shut_out(&state.app, &site, visitor, ip).await {
        return with_cors(error(ApiError::conflict(Some("attachment"), ErrorCode::Unavailable)), cors);
    }
    let stored = async {
        let name = raw_name(&query.name)?;
        let max = files::site_settings(&state.app, site.tenant_id, site.id).await?.max_bytes;
        let _reading = files::upload_slot(&state.app)?;
        let bytes = body_bytes(body, max).await?;
        files::upload(&state.app, Uploader::Visitor { site: &site, visitor }, ip, name, &bytes).await
    }
    .await;
    let response = match stored {
        Ok(attachment) => (StatusCode::CREATED, axum::Json(attachment)).into_response(),
        Err(e) => error(e),
    };
    with_cors(response, cors)
}

pub async fn agent_upload(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<AgentUpload>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(Query(query)) = query else { return error(ApiError::invalid("conversation", ErrorCode::Required)) };
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(e) => return error(e),
    };
    let ip = client_ip(&state, peer, &headers);
    let conversation = ConversationId(query.conversation);
    let stored = async {
        let name = raw_name(&query.name)?;
        // The site's limit needs the conversation's site; the service checks the scope again.
        let scope = app::chat::service::conversation_in_scope(&state.app, &ctx, conversation).await?;
        let max = files::site_settings(&state.app, ctx.tenant(), scope.site_id).await?.max_bytes;
        let _reading = files::upload_slot(&state.app)?;
        let bytes = body_bytes(body, max).await?;
        files::upload(&state.app, Uploader::Agent { ctx: &ctx, site: scope.site_id }, ip, name, &bytes).await
    }
    .await;
    match stored {
        Ok(attachment) => (StatusCode::CREATED, axum::Json(attachment)).into_response(),
        Err(e) => error(e),
    }
}

pub async fn download(
    State(state): State<ServerState>,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    let (found, cors) = match query.site_key {
        Some(site_key) => {
            let (site, visitor, cors) = match visitor_of(&state, &site_key, &headers).await {
                Ok(found) => found,
                Err(response) => return response,
            };
            (files::download(&state.app, Reader::Visitor { site: &site, visitor }, &id).await, cors)
        }
        None => match Ctx::from_headers(&state.app.db, &headers).await {
            Ok(ctx) => (files::download(&state.app, Reader::Agent(&ctx), &id).await, None),
            Err(e) => return error(e),
        },
    };
    let file = match found {
        Ok(file) => file,
        Err(e) => return with_cors(error(e), cors),
    };
    with_cors(served(file), cors)
}

/// A download as it is served: its type, attachment unless a checked image, nothing may run in it.
fn served(file: files::Download) -> Response {
    let mime = if file.attachment.mime == "text/plain" { "text/plain; charset=utf-8" } else { &file.attachment.mime };
    let disposition = files::content_disposition(file.inline, &file.attachment.name);
    let mut response = (StatusCode::OK, file.bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // Nothing in it may run, even opened on its own.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    response
}

/// `GET /api/v1/library/{id}`: a library file, for the company's agents.
pub async fn library_download(State(state): State<ServerState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => match files::library_download(&state.app, &ctx, id).await {
            Ok(file) => served(file),
            Err(e) => error(e),
        },
        Err(e) => error(e),
    }
}

/// Answers the CORS preflight of the widget's requests (`Authorization` makes them non-simple):
/// for a page of the site's own domains only.
pub async fn preflight(
    State(state): State<ServerState>,
    query: Result<Query<DownloadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or_default();
    let site_key = query.ok().and_then(|Query(q)| q.site_key).unwrap_or_default();
    let allowed = match sites::by_key(&state.app, &site_key).await {
        Ok(Some(site)) => site.allows_origin(origin),
        _ => false,
    };
    if !allowed {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}

#[derive(Deserialize)]
pub struct LibraryUpload {
    #[serde(default)]
    folder: String,
    #[serde(default)]
    name: String,
}

/// `POST /api/v1/library?folder=F&name=N`: a file into the company's library (session cookie,
/// `Perm::SettingsManage`, the workbench's origin).
pub async fn library_upload(
    State(state): State<ServerState>,
    query: Result<Query<LibraryUpload>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(Query(query)) = query else { return error(ApiError::invalid("name", ErrorCode::Format)) };
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(e) => return error(e),
    };
    let stored = async {
        let name = raw_name(&query.name)?;
        let _reading = files::upload_slot(&state.app)?;
        let bytes = body_bytes(body, MAX_FILE_BYTES).await?;
        files::add_to_library(&state.app, &ctx, &query.folder, name, &bytes).await
    }
    .await;
    match stored {
        Ok(file) => (StatusCode::CREATED, axum::Json(file)).into_response(),
        Err(e) => error(e),
    }
}
