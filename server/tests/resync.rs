//! A client that asks for its history again and again without reading: the server's memory stays
//! bounded (one resync in flight per socket, outbound queues capped in bytes) and the client is
//! closed with a reason. Its own test binary, so that the process's memory is this test's alone.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use helpers::spawn_app;
use kefu_protocol::FromVisitor;
use tokio_tungstenite::tungstenite::Message;
/// Resident memory of this process (the server under test runs in it), in bytes.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test]
async fn a_client_asking_for_history_without_reading_is_bounded_and_closed() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let first = visitor.say("v-1", "你好").await;
    // A long history: 200 replies of 4,000 Chinese characters (~2.4 MB per full resync).
    let long = "退".repeat(kefu_protocol::MAX_BODY_CHARS);
    for n in 0..200 {
        agent.reply(first.conversation_id, &format!("a-{n}"), &long).await;
    }

    // The same visitor on a socket that never reads.
    let mut greedy = app.silent_visitor(&shop, &visitor.token).await;

    let before = rss_bytes();
    let sync =
        serde_json::to_string(&FromVisitor::Sync { conversation_id: first.conversation_id, after_seq: 0 }).unwrap();
    // Within the frame rate (20/s), for three seconds: without a bound, 60 histories pile up.
    let mut pace = tokio::time::interval(Duration::from_millis(50));
    let mut sent = 0;
    for _ in 0..60 {
        pace.tick().await;
        if greedy.send(Message::Text(sync.clone().into())).await.is_err() {
            break;
        }
        sent += 1;
    }
    let grown = rss_bytes().saturating_sub(before);
    assert!(grown < 32 << 20, "server memory grew by {} MB for {sent} resyncs", grown >> 20);
    // Still not reading: the server gives up on it. Reading now, it learns why.
    let hub = app.hub.clone().unwrap();
    assert!(helpers::eventually(|| async { hub.slow_closes() == 1 }).await, "closed as too slow");
    let mut reason = None;
    while let Ok(Some(Ok(message))) = tokio::time::timeout(helpers::WAIT, greedy.next()).await {
        if let Message::Close(frame) = message {
            reason = frame.map(|f| f.reason.to_string());
            break;
        }
    }
    assert_eq!(reason.as_deref(), Some("too slow: outbound queue full"));
    // Everyone else is served as usual.
    visitor.say("v-2", "还在").await;
}
