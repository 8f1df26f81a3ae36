//! Resource limits as an attacker meets them: socket slots come back on every path, one address
//! cannot take the server's sockets or create visitors without end, a visitor cannot open
//! conversations or flood page views without end, parallel password guesses get only the allowed
//! attempts, and forwarding headers count only from trusted proxies.

use std::time::Duration;

use app::infra::db::{Db, DbKind, Writer};
use app::infra::net::TrustedProxies;
use kefu_protocol::{ApiError, FromVisitor, PageInfo, ToAgent};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{eventually, spawn_app_with, Tenant, TestApp};

/// Holds new-visitor inserts (the write gate on SQLite, a table lock on PostgreSQL) until ended, so
/// a handshake stalls after it took its socket slot.
async fn hold_new_visitors(db: &Db) -> Writer {
    let mut writer = db.write().await.unwrap();
    writer.begin().await.unwrap();
    if db.kind == DbKind::Postgres {
        sqlx::query("LOCK TABLE visitors IN EXCLUSIVE MODE").execute(&mut *writer).await.unwrap();
    }
    writer
}

/// Sends a visitor socket handshake over a raw TCP stream and returns the stream unread.
async fn start_handshake(app: &TestApp, tenant: &Tenant) -> TcpStream {
    let mut stream = TcpStream::connect(&app.addr).await.unwrap();
    let request = format!(
        "GET /api/v1/visitor/ws?v=1&site_key={} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        tenant.site_key, app.addr, tenant.origin
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// The status line of the response to a handshake sent with [`start_handshake`].
async fn status_line(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") {
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "the server closed before answering");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

#[tokio::test]
async fn abandoned_handshakes_give_their_socket_slots_back() {
    let app = spawn_app_with(|c| c.limits.max_connections = 3).await;
    let tenant = app.create_tenant("Abandon").await;
    let hub = app.hub.clone().unwrap();

    // Three handshakes take every slot and stall in the visitor insert.
    let held = hold_new_visitors(&app.db).await;
    let mut stalled = Vec::new();
    for _ in 0..3 {
        stalled.push(start_handshake(&app, &tenant).await);
    }
    assert!(eventually(|| async { hub.sockets_held() == 3 }).await, "held {}", hub.sockets_held());
    let refused = app.try_visitor(&tenant, None, &[]).await.err().expect("a full server refuses");
    assert_eq!(refused.status, 503);
    assert_eq!(refused.body["error"], "too_many_connections");

    // Their clients go away mid-handshake; the inserts then go on.
    drop(stalled);
    held.end(Ok(())).await.unwrap();
    assert!(eventually(|| async { hub.sockets_held() == 0 }).await, "slots leaked: {}", hub.sockets_held());

    // Three more are answered and then abandoned without reading a frame.
    for _ in 0..3 {
        let mut stream = start_handshake(&app, &tenant).await;
        assert!(status_line(&mut stream).await.starts_with("HTTP/1.1 101"));
    }
    assert!(eventually(|| async { hub.sockets_held() == 0 }).await, "slots leaked: {}", hub.sockets_held());
    app.visitor(&tenant, None).await;
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_sockets() {
    let app = spawn_app_with(|c| c.limits.sockets_per_ip = 2).await;
    let tenant = app.create_tenant("Share").await;
    let first = app.visitor(&tenant, None).await;
    let _second = app.visitor(&tenant, None).await;
    let refused = app.try_visitor(&tenant, None, &[]).await.err().expect("the third is refused");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"], "too_many_connections_from_address");
    // A closed socket makes room again.
    first.client.close().await;
    let hub = app.hub.clone().unwrap();
    assert!(eventually(|| async { hub.sockets_held() == 1 }).await);
    app.visitor(&tenant, None).await;
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let via = |ip| [("x-forwarded-for", ip)];
    // Behind a trusted balancer every client has its own share.
    let app = spawn_app_with(|c| {
        c.limits.sockets_per_ip = 1;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap();
    })
    .await;
    let tenant = app.create_tenant("Proxied").await;
    let mut a = app.try_visitor(&tenant, None, &via("203.0.113.1")).await.expect("first client");
    let _b = app.try_visitor(&tenant, None, &via("6.6.6.6, 203.0.113.2")).await.expect("another client");
    let refused = app.try_visitor(&tenant, None, &via("203.0.113.1")).await.err().expect("first client again");
    assert_eq!(refused.status, 429);
    // The forwarded address is the one recorded.
    let page = PageInfo { url: "https://proxied.example/".into(), title: "Home".into(), referrer: String::new() };
    a.client.send(&FromVisitor::Page { page }).await;
    let sql = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1 AND ip = '203.0.113.1'";
    assert!(app.eventually_equals(sql, a.visitor_id.0, 1).await);

    // From an untrusted peer the header is anybody's to write: it is ignored.
    let app = spawn_app_with(|c| c.limits.sockets_per_ip = 1).await;
    let tenant = app.create_tenant("Direct").await;
    let _a = app.try_visitor(&tenant, None, &via("203.0.113.1")).await.expect("first client");
    let refused = app.try_visitor(&tenant, None, &via("203.0.113.2")).await.err().expect("same peer");
    assert_eq!(refused.status, 429);
}

#[tokio::test]
async fn one_address_creates_a_limited_number_of_visitors() {
    let app = spawn_app_with(|c| c.limits.new_visitors_per_ip_per_min = 2).await;
    let tenant = app.create_tenant("Flood").await;
    let first = app.visitor(&tenant, None).await;
    app.visitor(&tenant, None).await;
    let refused = app.try_visitor(&tenant, None, &[]).await.err().expect("the third new visitor is refused");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"], "too_many_visitors");
    // Returning visitors are not new.
    let back = app.visitor(&tenant, Some(&first.token)).await;
    assert_eq!(back.visitor_id, first.visitor_id);
    let stored = app.scalar("SELECT COUNT(*) FROM visitors WHERE tenant_id > $1", 0).await;
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn a_visitor_opens_a_limited_number_of_conversations() {
    let app = spawn_app_with(|c| c.limits.conversations_per_visitor_per_hour = 1).await;
    let tenant = app.create_tenant("Opens").await;
    let cookie = app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let mut visitor = app.visitor(&tenant, None).await;
    let first = visitor.say("m-1", "你好").await;
    // The same conversation takes any number of messages.
    visitor.say("m-2", "还在吗").await;
    let closed =
        app.call("/api/chat/close", &format!("conversation_id={}", first.conversation_id.0), Some(&cookie)).await;
    assert!(closed.status().is_success());
    visitor
        .client
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "m-3".into(),
            body: "再问".into(),
            file: None,
        })
        .await;
    let (error, id) = visitor.client.error().await;
    assert!(matches!(error, ApiError::TooMany { .. }), "{error:?}");
    assert_eq!(id.as_deref(), Some("m-3"));
    let conversations =
        app.scalar("SELECT COUNT(*) FROM conversations WHERE visitor_id = $1", visitor.visitor_id.0).await;
    assert_eq!(conversations, 1);
    // Another visitor is not affected.
    let mut other = app.visitor(&tenant, None).await;
    other.say("o-1", "hello").await;
}

#[tokio::test]
async fn page_views_over_the_limit_are_neither_stored_nor_shown() {
    let app = spawn_app_with(|c| c.limits.page_views_per_visitor_per_min = 2).await;
    let tenant = app.create_tenant("Views").await;
    let mut agent = app.agent_of(&tenant).await;
    let mut visitor = app.visitor(&tenant, None).await;
    agent.recv_until(|f| matches!(f, ToAgent::VisitorOnline { .. })).await;
    for n in 1..=3 {
        let page =
            PageInfo {
                url: format!("https://views.example/{n}"), title: format!("第{n}页"), referrer: String::new()
            };
        visitor.client.send(&FromVisitor::Page { page }).await;
    }
    // A message after the pages: the agent sees two page changes, then the message.
    visitor.say("after", "看完了").await;
    let mut pages = Vec::new();
    loop {
        match agent.recv().await {
            ToAgent::VisitorPage { page, .. } => pages.push(page.url),
            ToAgent::Message { message } if message.client_msg_id == "after" => break,
            _ => {}
        }
    }
    assert_eq!(pages, ["https://views.example/1", "https://views.example/2"]);
    let sql = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1";
    assert!(app.eventually_equals(sql, visitor.visitor_id.0, 2).await);
    visitor.client.assert_alive().await;
}

#[tokio::test]
async fn parallel_wrong_passwords_get_only_the_allowed_attempts() {
    let app = spawn_app_with(|c| {
        c.limits.login_failures = 5;
        c.limits.login_backoff = Duration::from_secs(2);
        c.limits.password_checks = 64;
    })
    .await;
    let tenant = app.create_tenant("Guess").await;
    let other = app.create_tenant("Bystander").await;
    let guesses = (0..50).map(|n| {
        let app = &app;
        let (company, login) = (tenant.company.clone(), tenant.login.clone());
        async move { app.post_login(&company, &login, &format!("wrong-{n}")).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} passwords were checked: {statuses:?}");
    assert_eq!(checked + refused, 50, "{statuses:?}");

    // The right password waits for the back-off; another account does not.
    let right = app.post_login(&tenant.company, &tenant.login, &tenant.password).await;
    assert_eq!(right.status().as_u16(), 429);
    assert!(right.headers().get("retry-after").is_some());
    assert!(app.post_login(&other.company, &other.login, &other.password).await.status().is_success());
    let signed_in = eventually(|| async {
        app.post_login(&tenant.company, &tenant.login, &tenant.password).await.status().is_success()
    })
    .await;
    assert!(signed_in, "the right password works once the back-off ends");
}

#[tokio::test]
async fn password_checks_over_the_bound_are_refused_at_once() {
    let app = spawn_app_with(|c| c.limits.password_checks = 1).await;
    let tenant = app.create_tenant("Busy").await;
    let attempts = (0..8).map(|n| {
        let app = &app;
        let login = format!("nobody-{n}@busy.example");
        let company = tenant.company.clone();
        async move { app.post_login(&company, &login, "wrong").await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.contains(&401), "{statuses:?}");
    // Once the burst is over, signing in works.
    assert!(app.post_login(&tenant.company, &tenant.login, &tenant.password).await.status().is_success());
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_public_url_is_https() {
    let app = spawn_app_with(|c| c.public_url = "https://kefu.example".into()).await;
    let tenant = app.create_tenant("Tls").await;
    let response = app.post_login(&tenant.company, &tenant.login, &tenant.password).await;
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Plain http without the switch: not Secure (a browser would drop it).
    let app = spawn_app_with(|_| {}).await;
    let tenant = app.create_tenant("Plain").await;
    let response = app.post_login(&tenant.company, &tenant.login, &tenant.password).await;
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(!cookie.contains("Secure"), "{cookie}");
}
