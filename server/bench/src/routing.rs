//! Routing under a rush: agents online with room, then 1,000 visitors whose first messages arrive
//! within one second; each visitor times its message until it hears which agent took the chat.
//! Also what every bench server needs now that chats are routed: a site queue long enough for the
//! load phases (which run with no agent to take their chats).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_protocol::{FromVisitor, ToVisitor};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{agent_cookie, open_visitor, text, Latency, Ws};

async fn call(port: u16, cookie: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/{path}"))
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status();
    let value = response.json::<Value>().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {value}");
    value
}

async fn form(port: u16, cookie: &str, path: &str, fields: &[(&str, String)]) -> Value {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/{path}"))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json::<Value>().await.unwrap_or(Value::Null)
}

/// The demo site's queue made long enough for the load phases (10,000), as an admin would on the
/// routing page. Returns the site id.
pub async fn long_queue(port: u16) -> i64 {
    let cookie = agent_cookie(port).await;
    let sites = form(port, &cookie, "sites", &[]).await;
    let site = sites[0]["id"].as_i64().expect("a site");
    let mut settings = form(port, &cookie, "routing/settings", &[("site_id", site.to_string())]).await;
    settings["queue_limit"] = json!(10_000);
    call(port, &cookie, "routing/settings/save", json!({ "settings": settings })).await;
    site
}

/// Creates `count` agents (50 chats each) on the site, signs each in and opens their console.
async fn agents(port: u16, site: i64, count: usize) -> Vec<Ws> {
    let admin = agent_cookie(port).await;
    let roles = form(port, &admin, "roles", &[]).await;
    let role = roles.as_array().unwrap().iter().find(|r| r["builtin"] == "agent").expect("agent role")["id"].clone();
    let mut consoles = Vec::new();
    for i in 0..count {
        let login = format!("bench{i}");
        let agent = json!({ "form": {
            "id": null, "version": 0, "login": login, "password": "bench-pass-1", "display_name": format!("Agent {i}"),
            "nickname": "", "job_number": "", "email": "", "mobile": "", "role_id": role, "department_id": null,
            "site_ids": [site], "seat_enabled": true, "max_chats": 50, "sort_order": 0, "card": [],
        }});
        call(port, &admin, "agents/save", agent).await;
        let response = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/api/login"))
            .form(&[("company", "demo"), ("login", login.as_str()), ("password", "bench-pass-1")])
            .send()
            .await
            .expect("login");
        let cookie = response.headers().get("set-cookie").expect("session").to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let mut request = format!("ws://127.0.0.1:{port}/api/v1/agent/ws?v=1").into_client_request().unwrap();
        request.headers_mut().insert("origin", format!("http://127.0.0.1:{port}").parse().unwrap());
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await.expect("agent socket");
        consoles.push(ws);
    }
    consoles
}

pub struct Rush {
    pub latency: Latency,
    pub assigned: usize,
    pub queued: usize,
    pub faults: Vec<String>,
}

/// `visitors` first messages spread evenly over one second, against 20 agents of 50 chats.
pub async fn rush(port: u16, url: &str, origin: &str, site: i64, visitors: usize) -> Rush {
    let consoles = agents(port, site, 20).await;
    // The consoles read what they are sent (a console that never reads is closed as too slow).
    let drains: Vec<_> = consoles
        .into_iter()
        .map(|ws| {
            tokio::spawn(async move {
                let (_sink, mut stream) = ws.split();
                while let Some(Ok(_)) = stream.next().await {}
            })
        })
        .collect();
    let mut sockets = Vec::with_capacity(visitors);
    let mut faults = Vec::new();
    for _ in 0..visitors {
        match open_visitor(url, origin, "").await {
            Ok((ws, _)) => sockets.push(ws),
            Err(e) => faults.push(format!("rush visitor failed to connect: {e}")),
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now() + Duration::from_millis(100);
    let spread = Duration::from_secs(1).as_micros() as u64 / visitors.max(1) as u64;
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            tokio::spawn(async move {
                let (mut sink, mut stream) = ws.split();
                tokio::time::sleep_until((start + Duration::from_micros(i as u64 * spread)).into()).await;
                let frame = FromVisitor::Send {
                    conversation_id: None,
                    client_msg_id: format!("r{i}"),
                    body: "hi".into(),
                    file: None,
                };
                let sent = Instant::now();
                if sink.send(text(&frame)).await.is_err() {
                    return None;
                }
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, stream.next()).await {
                    let tokio_tungstenite::tungstenite::Message::Text(t) = message else { continue };
                    match serde_json::from_str::<ToVisitor>(t.as_str()) {
                        Ok(ToVisitor::Assigned { .. }) => return Some((sent.elapsed().as_secs_f64() * 1000.0, true)),
                        Ok(ToVisitor::Queued { .. }) => return Some((sent.elapsed().as_secs_f64() * 1000.0, false)),
                        _ => {}
                    }
                }
                None
            })
        })
        .collect();
    let mut samples = Vec::new();
    let (mut assigned, mut queued) = (0, 0);
    for task in tasks {
        match task.await.ok().flatten() {
            Some((ms, true)) => {
                assigned += 1;
                samples.push(ms);
            }
            Some((ms, false)) => {
                queued += 1;
                samples.push(ms);
            }
            None => faults.push("a rush visitor never heard whether an agent took the chat".into()),
        }
    }
    for d in drains {
        d.abort();
    }
    if faults.len() > 5 {
        let n = faults.len();
        faults.truncate(5);
        faults.push(format!("… {n} in all"));
    }
    Rush { latency: Latency::of(samples), assigned, queued, faults }
}
