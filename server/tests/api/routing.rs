//! Routing (issue 11): agents' status and capacity, the queue, taking a chat, an agent going
//! offline, a waiting visitor leaving, and what visitors are told. The distribution modes over a
//! fixed set of agents are unit tests of `app::routing::pick`.

use kefu_protocol::{
    AgentId, AgentStatus, ApiError, ConversationId, ErrorCode, FromAgent, FromVisitor, ToAgent, ToVisitor,
};

use crate::helpers::{ask, eventually, spawn_app, told, AgentClient, Routed, Tenant, TestApp, AGENT_PASSWORD};

/// An agent of the company who serves its site, with a chat limit; signed in with a console open.
async fn agent(
    app: &TestApp,
    shop: &Tenant,
    name: &str,
    max_chats: i64,
    status: AgentStatus,
) -> (AgentId, AgentClient) {
    let (id, login) = app.add_agent(shop, name).await;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("INSERT INTO agent_sites (agent_id, site_id, tenant_id) SELECT $1, id, tenant_id FROM sites WHERE tenant_id = $2")
        .bind(id.0)
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    sqlx::query("UPDATE agents SET max_chats = $1, status = $2 WHERE id = $3")
        .bind(max_chats)
        .bind(status.as_str())
        .bind(id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let cookie = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let (mut console, ..) = app.agent(&cookie).await;
    console.recv_until(|f| matches!(f, ToAgent::AgentStatus { agent_id, .. } if *agent_id == id)).await;
    (id, console)
}

/// Waits until a console hears that an agent shows `want` with `chats` open.
async fn hears_status(console: &mut AgentClient, agent: AgentId, want: AgentStatus, open: u32) {
    console
        .recv_until(|f| {
            matches!(f, ToAgent::AgentStatus { agent_id, status, chats, .. } if *agent_id == agent && *status == want && *chats == open)
        })
        .await;
}

async fn open_chats(app: &TestApp, agent: AgentId) -> i64 {
    app.scalar("SELECT COUNT(*) FROM conversations WHERE agent_id = $1 AND status = 'open'", agent.0).await
}

async fn close(app: &TestApp, cookie: &str, id: ConversationId) {
    let response = app.call("/api/chat/close", &format!("conversation_id={id}"), Some(cookie)).await;
    assert!(response.status().is_success(), "close: {}", response.status());
}

#[tokio::test]
async fn chats_go_to_the_least_busy_agent_up_to_their_limit_then_wait_in_the_queue() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, mut ann_console) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, _bob_console) = agent(&app, &shop, "Bob", 2, AgentStatus::Online).await;

    let mut visitors = Vec::new();
    let mut news = Vec::new();
    for i in 0..5 {
        let mut visitor = app.visitor(&shop, None).await;
        let (conversation, routed) = ask(&mut visitor, &format!("m{i}"), "你好，我想咨询一下").await;
        news.push(routed.expect("every new chat is assigned or queued before its ack"));
        visitors.push((visitor, conversation));
    }
    // Least busy alternates between the two; the fifth finds both full.
    let to = |n: &str| Routed::To(n.into());
    assert_eq!(news, vec![to("Ann"), to("Bob"), to("Ann"), to("Bob"), Routed::Queued(1)]);
    assert_eq!((open_chats(&app, ann).await, open_chats(&app, bob).await), (2, 2));
    // At their limit Ann shows busy, to herself and to colleagues.
    hears_status(&mut ann_console, ann, AgentStatus::Busy, 2).await;

    // Ann ends a chat: the waiting visitor is hers, and she is busy again.
    let ann_cookie = app.login(&shop.company, "ann@shop.example", AGENT_PASSWORD).await;
    close(&app, &ann_cookie, visitors[0].1).await;
    told(&mut visitors[4].0, to("Ann")).await;
    assert_eq!(open_chats(&app, ann).await, 2);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM conversations WHERE agent_id IS NULL AND status = 'open' AND tenant_id = $1",
            shop.id.0
        )
        .await,
        0
    );
}

#[tokio::test]
async fn an_invisible_agent_gets_chats_while_visitors_see_nobody_and_away_takes_none() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let nobody = app.visitor(&shop, None).await;
    assert!(!nobody.welcome_online, "nobody is online yet");
    let (_, mut ann) = agent(&app, &shop, "Ann", 3, AgentStatus::Online).await;
    let mut watcher = app.visitor(&shop, None).await;
    assert!(watcher.welcome_online, "Ann is online");

    ann.send(&FromAgent::SetStatus { status: AgentStatus::Invisible }).await;
    let availability = watcher.client.recv_until(|f| matches!(f, ToVisitor::Availability { .. })).await;
    assert_eq!(availability, ToVisitor::Availability { online: false });
    let mut visitor = app.visitor(&shop, None).await;
    assert!(!visitor.welcome_online);
    assert_eq!(ask(&mut visitor, "m1", "anyone?").await.1, Some(Routed::To("Ann".into())));

    ann.send(&FromAgent::SetStatus { status: AgentStatus::Away }).await;
    let mut later = app.visitor(&shop, None).await;
    assert_eq!(ask(&mut later, "m2", "hello?").await.1, Some(Routed::Queued(1)));

    ann.send(&FromAgent::SetStatus { status: AgentStatus::Online }).await;
    let availability = watcher.client.recv_until(|f| matches!(f, ToVisitor::Availability { .. })).await;
    assert_eq!(availability, ToVisitor::Availability { online: true });
    // Back online with room: the waiting visitor is hers.
    told(&mut later, Routed::To("Ann".into())).await;
}

#[tokio::test]
async fn waiting_visitors_move_up_and_one_who_leaves_is_recorded_as_missed() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut waiting = Vec::new();
    for i in 0..3 {
        let mut visitor = app.visitor(&shop, None).await;
        let (conversation, routed) = ask(&mut visitor, &format!("w{i}"), "在吗？").await;
        assert_eq!(routed, Some(Routed::Queued(i + 1)));
        waiting.push((visitor, conversation));
    }
    let (first, first_conversation) = waiting.remove(0);
    first.client.close().await;
    // After the grace period the first is gone: missed, and the others move up.
    told(&mut waiting[0].0, Routed::Queued(1)).await;
    told(&mut waiting[1].0, Routed::Queued(2)).await;
    assert_eq!(app.scalar("SELECT missed FROM conversations WHERE id = $1", first_conversation.0).await, 1);

    let (_, _ann) = agent(&app, &shop, "Ann", 1, AgentStatus::Online).await;
    told(&mut waiting[0].0, Routed::To("Ann".into())).await;
    told(&mut waiting[1].0, Routed::Queued(1)).await;
}

#[tokio::test]
async fn a_full_queue_refuses_new_chats_with_a_code() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE sites SET queue_limit = 1 WHERE tenant_id = $1")
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let mut first = app.visitor(&shop, None).await;
    assert_eq!(ask(&mut first, "q1", "first").await.1, Some(Routed::Queued(1)));
    let mut second = app.visitor(&shop, None).await;
    second
        .client
        .send(&FromVisitor::Send { conversation_id: None, client_msg_id: "q2".into(), body: "second".into() })
        .await;
    let (error, id) = second.client.error().await;
    assert_eq!(id.as_deref(), Some("q2"));
    assert_eq!(error, ApiError::conflict(Some("queue"), ErrorCode::LimitReached));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM conversations WHERE tenant_id = $1", shop.id.0).await, 1);
}

#[tokio::test]
async fn an_agent_takes_from_the_queue_and_a_colleague_cannot_take_or_answer_it() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, routed_first) = ask(&mut visitor, "t1", "help").await;
    assert_eq!(routed_first, Some(Routed::Queued(1)));
    // Both are away: nothing is given to them, but they may take from the queue.
    let (_, mut ann) = agent(&app, &shop, "Ann", 1, AgentStatus::Away).await;
    let (_, mut bob) = agent(&app, &shop, "Bob", 1, AgentStatus::Away).await;
    ann.send(&FromAgent::Take { conversation_id: conversation }).await;
    told(&mut visitor, Routed::To("Ann".into())).await;
    bob.send(&FromAgent::Take { conversation_id: conversation }).await;
    assert_eq!(bob.error().await.0, ApiError::conflict(Some("agent"), ErrorCode::Taken));
    bob.send(&FromAgent::Send { conversation_id: conversation, client_msg_id: "b1".into(), body: "me too".into() })
        .await;
    assert_eq!(bob.error().await, (ApiError::conflict(Some("agent"), ErrorCode::Taken), Some("b1".into())));
    assert_eq!(ann.reply(conversation, "a1", "我来帮您").await.seq, 2);
}

#[tokio::test]
async fn an_agent_gone_past_the_grace_period_hands_their_chats_back_to_the_queue() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, ann_console) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, routed_first) = ask(&mut visitor, "g1", "hello").await;
    assert_eq!(routed_first, Some(Routed::To("Ann".into())));
    ann_console.close().await;
    // Offline after the grace period: the chat waits again, and goes to Bob when he comes.
    told(&mut visitor, Routed::Queued(1)).await;
    assert_eq!(open_chats(&app, ann).await, 0);
    let (bob, _bob_console) = agent(&app, &shop, "Bob", 2, AgentStatus::Online).await;
    told(&mut visitor, Routed::To("Bob".into())).await;
    assert!(eventually(|| async { open_chats(&app, bob).await == 1 }).await);
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, bob.0);
}
