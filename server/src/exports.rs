//! Downloads written while they are sent (the rules are in the `app` areas):
//!
//! - `GET /api/v1/records/export?format=csv|html|zip&filter=JSON`: the conversations of the
//!   reader's records that match a [`RecordFilter`], with the session cookie.
//! - `GET /api/v1/visitors/{id}/export?format=json|html`: everything kefu holds about one visitor
//!   (a data request), with the session cookie.
//! - `GET /api/v1/company/export`: all of the company's data as a zip archive (super admins).
//! - `GET /api/v1/customers/export?filter=JSON`: the customers that match, as CSV.
//!
//! The request is checked before the first byte (a refusal is the usual [`ApiError`] JSON with
//! its status); the file then streams from a task through a bounded channel
//! ([`app::infra::stream`]), so its size does not change the server's memory.

use app::infra::ctx::Ctx;
use app::infra::stream::Chunks;
use app::records::{ExportFormat, RecordFilter};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kefu_protocol::{ApiError, ErrorCode};
use serde::Deserialize;

use crate::files::error;
use crate::state::ServerState;

/// The longest filter a client may send, in bytes of JSON.
const MAX_FILTER: usize = 4096;

#[derive(Deserialize)]
pub struct RecordsExport {
    format: ExportFormat,
    #[serde(default)]
    filter: String,
}

pub async fn records(
    State(state): State<ServerState>,
    query: Result<Query<RecordsExport>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(e) => return error(e),
    };
    let Ok(Query(query)) = query else { return error(ApiError::invalid("format", ErrorCode::Format)) };
    let filter: RecordFilter = match parsed_filter(&query.filter) {
        Ok(filter) => filter,
        Err(e) => return error(e),
    };
    let export = match app::records::service::start_export(&state.app, &ctx, filter, query.format).await {
        Ok(export) => export,
        Err(e) => return error(e),
    };
    let (format, name) = (export.format(), export.file_name());
    let app = state.app.clone();
    streamed(format.content_type(), &name, move |out| async move {
        app::records::service::write_export(&app, export, out).await
    })
}

#[derive(Deserialize)]
pub struct VisitorExportQuery {
    format: app::privacy::VisitorExport,
}

pub async fn visitor(
    State(state): State<ServerState>,
    Path(id): Path<i64>,
    query: Result<Query<VisitorExportQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(e) => return error(e),
    };
    let Ok(Query(query)) = query else { return error(ApiError::invalid("format", ErrorCode::Format)) };
    let export = match app::privacy::service::start_export(&state.app, &ctx, id, query.format).await {
        Ok(export) => export,
        Err(e) => return error(e),
    };
    let (format, name) = (export.format(), export.file_name());
    let app = state.app.clone();
    streamed(format.content_type(), &name, move |out| async move {
        app::privacy::service::write_export(&app, export, out).await
    })
}

pub async fn company(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(e) => return error(e),
    };
    let export = match app::privacy::service::start_company_export(&state.app, &ctx).await {
        Ok(export) => export,
        Err(e) => return error(e),
    };
    let name = export.file_name();
    let app = state.app.clone();
    streamed("application/zip", &name, move |out| async move {
        app::privacy::service::write_company_export(&app, export, out).await
    })
}

#[derive(Deserialize)]
pub struct CustomersExport {
    #[serde(default)]
    filter: String,
}

pub async fn customers(
    State(state): State<ServerState>,
    query: Result<Query<CustomersExport>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let ctx = match Ctx::from_headers(&state.app.db, &headers).await {
        Ok(ctx) => ctx,
        Err(e) => return error(e),
    };
    let Ok(Query(query)) = query else { return error(ApiError::invalid("filter", ErrorCode::Format)) };
    let filter = match parsed_filter(&query.filter) {
        Ok(filter) => filter,
        Err(e) => return error(e),
    };
    let export = match app::customers::service::start_export(&ctx, filter).await {
        Ok(export) => export,
        Err(e) => return error(e),
    };
    let app = state.app.clone();
    streamed("text/csv; charset=utf-8", "customers.csv", move |out| async move {
        app::customers::service::write_export(&app, export, out).await
    })
}

/// A filter sent as JSON in the query (empty: the default one).
fn parsed_filter<T: serde::de::DeserializeOwned + Default>(json: &str) -> Result<T, ApiError> {
    if json.is_empty() {
        return Ok(T::default());
    }
    if json.len() > MAX_FILTER {
        return Err(ApiError::invalid("filter", ErrorCode::TooLong));
    }
    serde_json::from_str(json).map_err(|_| ApiError::invalid("filter", ErrorCode::Format))
}

/// A download written by `write` on a task while it is sent: its body read from the channel,
/// saved under `name`, never run.
fn streamed<F, Fut>(content_type: &'static str, name: &str, write: F) -> Response
where
    F: FnOnce(Chunks) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (out, rx) = Chunks::channel();
    tokio::spawn(write(out));
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let mut response = (StatusCode::OK, Body::from_stream(body)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&app::files::service::content_disposition(false, name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
