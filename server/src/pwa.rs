//! The workbench as an installable app: the manifest, its icons (drawn by
//! `app::infra::image::app_icon`) and the service worker (`sw.js`: keeps the app shell for offline starts, never
//! pages or API responses).

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const SERVICE_WORKER: &str = include_str!("sw.js");

pub async fn manifest() -> Response {
    let manifest = serde_json::json!({
        "name": "kefu",
        "short_name": "kefu",
        "start_url": "/chats",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0969da",
        "icons": [
            { "src": "/icons/192.png", "sizes": "192x192", "type": "image/png", "purpose": "any" },
            { "src": "/icons/512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable" },
        ],
    });
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/manifest+json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        manifest.to_string(),
    )
        .into_response()
}

pub async fn icon(Path(name): Path<String>) -> Response {
    static ICONS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (small, large) = ICONS.get_or_init(|| (app::infra::image::app_icon(192), app::infra::image::app_icon(512)));
    let png = match name.as_str() {
        "192.png" => small,
        "512.png" => large,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        png.clone(),
    )
        .into_response()
}

pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            // Checked for a new version on every visit.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            // The worker fetches from this origin (the default policy would forbid it).
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'")),
        ],
        SERVICE_WORKER,
    )
        .into_response()
}
