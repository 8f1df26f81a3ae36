//! The demo customer site, served on its own origin (another port) so the widget is embedded exactly
//! as on a real customer's page: one script tag before `</body>`, visible in the page source.

use app::infra::db::Db;
use app::sites::embed_snippet;
use app::sites::service as sites;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

#[derive(Clone)]
struct DemoState {
    db: Db,
    public_url: String,
}

pub fn router(db: Db, public_url: String) -> Router {
    Router::new()
        .route("/", get(|s| page(s, "Acme Tea — fine loose-leaf tea", "Welcome to Acme Tea", HOME, false)))
        .route("/pricing", get(|s| page(s, "Pricing — Acme Tea", "Pricing", PRICING, false)))
        .route("/strict", get(|s| page(s, "Strict — Acme Tea", "A page with a strict policy", STRICT, true)))
        .with_state(DemoState { db, public_url })
}

/// The Content-Security-Policy a strict host page needs to embed kefu (README "Embedding"): the kefu
/// origin in `script-src` (the loader and the widget module, plus `'wasm-unsafe-eval'` to run it)
/// and in `connect-src` (the WebAssembly file and the chat socket). No inline script or style.
pub fn strict_host_policy(public_url: &str) -> String {
    let socket = public_url.replacen("http", "ws", 1);
    format!(
        "default-src 'self'; script-src 'self' {public_url} 'wasm-unsafe-eval'; \
         connect-src 'self' {public_url} {socket}; style-src 'self'; img-src 'self' data:; object-src 'none'"
    )
}

const HOME: &str = "<p>Hand-picked oolong, green and black teas, shipped fresh every week.</p>\
    <p>Questions about brewing or shipping? Use the chat button at the bottom right.</p>\
    <p><a href=\"/pricing\">See our prices</a></p>";
const STRICT: &str = "<p>This page allows no inline script or style: the chat must still look and work the same.</p>";
const PRICING: &str = "<table><tr><th>Tea</th><th>Price</th></tr><tr><td>Tieguanyin</td><td>$18</td></tr>\
    <tr><td>Longjing</td><td>$22</td></tr></table><p><a href=\"/\">Back home</a></p>";

async fn page(State(state): State<DemoState>, title: &str, heading: &str, body: &str, strict: bool) -> Response {
    let site = match sites::first_site(&state.db).await {
        Ok(Some(site)) => site,
        _ => return (StatusCode::SERVICE_UNAVAILABLE, "the demo site is not set up").into_response(),
    };
    let snippet = embed_snippet(&state.public_url, &site.key);
    let style = match strict {
        true => "",
        false => {
            "<style>body{font-family:Georgia,serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#333}\
                  h1{color:#2f5d50} button{font:inherit}</style>"
        }
    };
    let html = Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n\
         {style}\n</head>\n<body>\n<h1>{heading}</h1>\n{body}\n\
         <!-- kefu live chat: this one line is all a site owner pastes -->\n{snippet}\n</body>\n</html>\n"
    ));
    match strict {
        true => ([(header::CONTENT_SECURITY_POLICY, strict_host_policy(&state.public_url))], html).into_response(),
        false => html.into_response(),
    }
}
