use kefu_protocol::{ApiError, ErrorCode, FromAgent, FromVisitor, SenderKind, ToAgent, ToVisitor, MAX_FRAME_BYTES};

use crate::helpers::{eventually, spawn_app, spawn_app_with, AgentClient, VisitorClient};

#[tokio::test]
async fn bad_frames_get_an_error_frame_and_the_connection_survives() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    let client = &mut visitor.client;

    client.send_raw("{this is not json".into()).await;
    assert!(matches!(client.error().await.0, ApiError::BadFrame { .. }));
    client.assert_alive().await;

    client.send_raw(r#"{"launch_missiles":{}}"#.into()).await;
    assert!(matches!(client.error().await.0, ApiError::BadFrame { .. }));
    client.assert_alive().await;

    let huge = serde_json::to_string(&FromVisitor::Send {
        conversation_id: None,
        client_msg_id: "big".into(),
        body: "x".repeat(MAX_FRAME_BYTES + 1),
        file: None,
    })
    .unwrap();
    client.send_raw(huge).await;
    assert!(matches!(client.error().await.0, ApiError::BadFrame { .. }));
    client.assert_alive().await;

    client
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "empty".into(),
            body: "   ".into(),
            file: None,
        })
        .await;
    assert_eq!(client.error().await, (ApiError::invalid("body", ErrorCode::Empty), Some("empty".into())));
    client
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "bad id!".into(),
            body: "hi".into(),
            file: None,
        })
        .await;
    let (error, _) = client.error().await;
    assert_eq!((error.field(), error.code()), (Some("client_msg_id"), ErrorCode::Format));
    // Agent frames are not part of the visitor protocol any more: an unknown frame, not a refusal.
    client.send_raw(r#"{"mark_read":{"conversation_id":1,"seq":1}}"#.into()).await;
    assert!(matches!(client.error().await.0, ApiError::BadFrame { .. }), "visitors cannot use agent frames");
    client.assert_alive().await;
    assert_eq!(visitor.say("ok", "still here").await.seq, 1);
}

#[tokio::test]
async fn frames_far_over_the_limit_close_the_connection_with_a_reason() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.client.send_raw("y".repeat(200 * 1024)).await;
    assert!(visitor.client.try_recv(crate::helpers::WAIT).await.is_none(), "closed");
    // The visitor can come straight back.
    let mut back = app.visitor(&shop, Some(&visitor.token)).await;
    back.client.assert_alive().await;
}

#[tokio::test]
async fn wrong_site_keys_disallowed_origins_and_old_protocols_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let base = format!("ws://{}/api/v1/visitor/ws", app.addr);

    let refused = VisitorClient::connect(&format!("{base}?v=1&site_key=site_nope"), &[("origin", &shop.origin)])
        .await
        .err()
        .unwrap();
    assert_eq!((refused.status, refused.body["error"].as_str()), (403, Some("unknown_site_key")));

    let url = format!("{base}?v=1&site_key={}", shop.site_key);
    let refused = VisitorClient::connect(&url, &[("origin", "https://attacker.example")]).await.err().unwrap();
    assert_eq!((refused.status, refused.body["error"].as_str()), (403, Some("origin_not_allowed")));
    let refused = VisitorClient::connect(&url, &[]).await.err().unwrap();
    assert_eq!(refused.body["error"], "origin_not_allowed", "a missing Origin is not allowed either");

    let old = format!("{base}?v=99&site_key={}", shop.site_key);
    let refused = VisitorClient::connect(&old, &[("origin", &shop.origin)]).await.err().unwrap();
    assert_eq!((refused.status, refused.body["error"].as_str()), (400, Some("unsupported_protocol")));
}

#[tokio::test]
async fn message_text_travels_verbatim_never_interpreted() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let hostile = "<img src=x onerror=alert(1)> & <script>alert(2)</script>";
    visitor.say("h", hostile).await;
    let seen = agent.message().await;
    assert_eq!(seen.body, hostile);
    assert_eq!(seen.sender, SenderKind::Visitor);
}

#[tokio::test]
async fn a_flooding_client_is_throttled_with_an_error_frame() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    for _ in 0..100 {
        visitor.client.send(&FromVisitor::Typing { conversation_id: None, active: true }).await;
    }
    let throttled = visitor.client.recv_until(|f| matches!(f, ToVisitor::Error { .. })).await;
    assert!(matches!(throttled, ToVisitor::Error { error: ApiError::TooMany { .. }, .. }));
}

#[tokio::test]
async fn an_agent_console_may_send_far_more_than_a_visitor() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    for _ in 0..100 {
        agent.send(&FromAgent::Ping).await;
    }
    for _ in 0..100 {
        let frame = agent.recv_until(|f| matches!(f, ToAgent::Pong | ToAgent::Error { .. })).await;
        assert_eq!(frame, ToAgent::Pong, "100 frames at once are within an agent's allowance");
    }
}

#[tokio::test]
async fn an_agent_that_stops_reading_is_cut_off_when_its_queue_overflows() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    // Room for exactly the sockets below: a new one fits only once the server let the slow one go.
    let app = spawn_app_with(|c| c.limits.max_connections = 82).await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    // An agent console that never reads, with a tiny receive window: the server's socket buffers
    // fill after a few frames, and everything else piles up in its outbound queue.
    let mut request = format!("ws://{}/api/v1/agent/ws?v=1", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("origin", format!("http://{}", app.addr).parse().unwrap());
    request.headers_mut().insert("cookie", cookie.parse().unwrap());
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(app.addr.parse().unwrap()).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(request, stream).await.expect("agent connects");
    let mut watcher = app.agent(&cookie).await.0;

    // 80 visitors × 30 page changes with long URLs: ~2,400 frames of ~2 KB for each agent.
    let long = "x".repeat(2000);
    let mut visitors = Vec::new();
    for v in 0..80 {
        let mut visitor = app.visitor(&shop, None).await;
        for p in 0..30 {
            let url = format!("https://shop.example/{v}/{p}/{long}");
            let page = kefu_protocol::PageInfo { url, title: "Page".into(), referrer: String::new() };
            visitor.client.send(&FromVisitor::Page { page }).await;
        }
        visitors.push(visitor);
    }
    // The reading agent gets all of it and stays connected.
    watcher
        .recv_until(
            |f| matches!(f, ToAgent::VisitorPage { page, .. } if page.url.starts_with("https://shop.example/79/29/")),
        )
        .await;
    watcher.assert_alive().await;
    // Without the slow agent reading a byte, the server lets it go and its place frees up.
    let url = format!("ws://{}/api/v1/agent/ws?v=1", app.addr);
    let origin = format!("http://{}", app.addr);
    let headers = [("origin", origin.as_str()), ("cookie", cookie.as_str())];
    assert!(
        eventually(|| async { AgentClient::connect(&url, &headers).await.is_ok() }).await,
        "the server closed the agent that stopped reading"
    );

    // The slow one was cut off: reading now yields what was buffered, then the end.
    let (mut frames, mut ended) = (0, false);
    let deadline = tokio::time::Instant::now() + crate::helpers::WAIT;
    while let Ok(next) = tokio::time::timeout_at(deadline, slow.next()).await {
        match next {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_))) => frames += 1,
            Some(Ok(_)) => {}
            None | Some(Err(_)) => {
                ended = true;
                break;
            }
        }
    }
    assert!(ended, "its connection ends after what was buffered");
    assert!(frames < 2400, "it was cut off before receiving everything ({frames} frames)");
}

#[tokio::test]
async fn a_client_that_keeps_flooding_is_told_once_then_disconnected_and_others_carry_on() {
    use tokio_tungstenite::tungstenite::Message;

    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut calm = app.visitor(&shop, None).await;
    // Text and binary frames count against the same allowance.
    let typing = serde_json::to_string(&FromVisitor::Typing { conversation_id: None, active: true }).unwrap();
    for frame in [Message::Text(typing.into()), Message::Binary(vec![0u8; 16].into())] {
        let flood = app.visitor(&shop, None).await.client.into_silent();
        let started = std::time::Instant::now();
        let (told, refused_binary, reason) = flood_until_closed(flood, frame.clone()).await;
        assert_eq!(told, 1, "{frame:?} over the limit is refused with one error frame, not one per frame");
        assert_eq!(reason.as_deref(), Some("flooding: far too many frames"), "{frame:?}");
        if frame.is_binary() {
            // The burst of 40, plus what the allowance (20 a second) refilled while the flood lasted.
            let refilled = (started.elapsed().as_secs_f64() * 20.0).ceil() as usize;
            assert!(
                (40..=40 + refilled).contains(&refused_binary),
                "each binary frame within the allowance is refused with a code: {refused_binary}, refilled {refilled}"
            );
        }
    }
    // Meanwhile everyone else is served as usual.
    let said = calm.say("calm-1", "still here").await;
    assert_eq!(agent.message().await, said);
}

/// Sends `frame` 500 times, then reads until the server closes: returns how many "too many" and
/// "bad frame" errors came back, and the close reason.
async fn flood_until_closed(
    mut flood: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    frame: tokio_tungstenite::tungstenite::Message,
) -> (usize, usize, Option<String>) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    // A burst of 40 is allowed; then ten times that in refusals within a second ends it.
    for _ in 0..500 {
        if flood.send(frame.clone()).await.is_err() {
            break;
        }
    }
    let (mut told, mut bad, mut reason) = (0, 0, None);
    while let Ok(Some(Ok(message))) = tokio::time::timeout(crate::helpers::WAIT, flood.next()).await {
        match message {
            Message::Text(t) => match serde_json::from_str(t.as_str()).unwrap() {
                ToVisitor::Error { error: ApiError::TooMany { .. }, .. } => told += 1,
                ToVisitor::Error { error: ApiError::BadFrame { .. }, .. } => bad += 1,
                _ => {}
            },
            Message::Close(frame) => {
                reason = frame.map(|f| f.reason.to_string());
                break;
            }
            _ => {}
        }
    }
    (told, bad, reason)
}

#[tokio::test]
async fn a_visitor_that_stops_reading_is_cut_off_when_its_queue_passes_its_bytes() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let first = visitor.say("v-1", "在吗").await;
    visitor.client.close().await;
    // The same visitor on a second tab that never reads.
    let _silent = app.silent_visitor(&shop, &visitor.token).await;

    // 1,000 long replies (~12 MB): fewer frames than the queue's 1,024, more bytes than its 4 MB and
    // the kernel's socket buffers together.
    // Paced at the agent's allowed rate (200 frames/s), so none is refused.
    let long = "退".repeat(kefu_protocol::MAX_BODY_CHARS);
    let mut pace = tokio::time::interval(std::time::Duration::from_millis(5));
    for n in 0..1000 {
        pace.tick().await;
        agent.reply(first.conversation_id, &format!("a-{n}"), &long).await;
    }
    let hub = app.hub.clone().unwrap();
    assert!(eventually(|| async { hub.slow_closes() >= 1 }).await, "the silent tab is closed as too slow");
    // The agent, who reads, is not.
    agent.assert_alive().await;
}
