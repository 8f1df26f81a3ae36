use kefu_protocol::{ApiError, FromAgent, FromVisitor, ToAgent};

use crate::helpers::spawn_app;

/// Tenant A's agent tries every socket frame and server function against tenant B's data.
#[tokio::test]
async fn one_tenant_can_neither_read_nor_change_anything_of_another() {
    let app = spawn_app().await;
    let a = app.create_tenant("Alpha").await;
    let b = app.create_tenant("Bravo").await;
    let mut agent_a = app.agent_of(&a).await;
    let mut agent_b = app.agent_of(&b).await;

    let mut visitor_b = app.visitor(&b, None).await;
    let secret = visitor_b.say("b1", "bravo secret").await;
    let b_conversation = secret.conversation_id;
    agent_b.message().await;

    // Reading B's conversation.
    agent_a.send(&FromAgent::Sync { conversation_id: b_conversation, after_seq: 0 }).await;
    assert_eq!(agent_a.error().await.0, ApiError::NotFound);
    // Writing into it.
    agent_a
        .send(&FromAgent::Send {
            conversation_id: b_conversation,
            client_msg_id: "x1".into(),
            body: "injected".into(),
            file: None,
        })
        .await;
    assert_eq!(agent_a.error().await, (ApiError::NotFound, Some("x1".into())));
    // Typing into it and marking it read.
    agent_a.send(&FromAgent::Typing { conversation_id: b_conversation, active: true }).await;
    assert_eq!(agent_a.error().await.0, ApiError::NotFound);
    agent_a.send(&FromAgent::MarkRead { conversation_id: b_conversation, seq: 1 }).await;
    assert_eq!(agent_a.error().await.0, ApiError::NotFound);
    assert_eq!(app.message_count(b_conversation).await, 1, "nothing was written into B");

    // A's snapshot and live events carry nothing of B.
    let cookie_a = app.login(&a.company, &a.login, &a.password).await;
    let (_fresh, visitors, conversations) = app.agent(&cookie_a).await;
    assert!(visitors.is_empty() && conversations.is_empty(), "{visitors:?} {conversations:?}");
    visitor_b.say("b2", "another bravo secret").await;
    agent_b.message().await;
    agent_a.assert_alive().await;
    // Pings are answered in order, so anything of B sent to A before this pong would have shown up.
    let mut visitor_a = app.visitor(&a, None).await;
    visitor_a.say("a1", "alpha hello").await;
    let first_for_a =
        agent_a.recv_until(|f| matches!(f, ToAgent::Message { .. } | ToAgent::VisitorOnline { .. })).await;
    match first_for_a {
        ToAgent::VisitorOnline { visitor } => assert_eq!(visitor.visitor_id, visitor_a.visitor_id),
        ToAgent::Message { message } => assert_eq!(message.body, "alpha hello"),
        _ => unreachable!(),
    }

    // Server functions only list the caller's own sites.
    let sites: Vec<serde_json::Value> = reqwest::Client::new()
        .post(app.url("/api/sites"))
        .header("cookie", &cookie_a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["key"], a.site_key.as_str());
    assert!(sites[0]["snippet"].as_str().unwrap().contains(&a.site_key));

    // A visitor token of site B is a stranger on site A, and a visitor cannot read another's chat.
    let mut crossing = app.visitor(&a, Some(&visitor_b.token)).await;
    assert_ne!(crossing.visitor_id, visitor_b.visitor_id);
    crossing.client.send(&FromVisitor::Sync { conversation_id: b_conversation, after_seq: 0 }).await;
    assert_eq!(crossing.client.error().await.0, ApiError::NotFound);
    let mut same_site_stranger = app.visitor(&b, None).await;
    same_site_stranger.client.send(&FromVisitor::Sync { conversation_id: b_conversation, after_seq: 0 }).await;
    assert_eq!(same_site_stranger.client.error().await.0, ApiError::NotFound);
}
