use std::time::Duration;

use kefu_protocol::{FromAgent, FromVisitor, PageInfo, SenderKind, ToAgent, ToVisitor};

use crate::helpers::{spawn_app, spawn_app_with, Listed};

fn page(url: &str, title: &str) -> PageInfo {
    PageInfo { url: url.into(), title: title.into(), referrer: "https://www.google.com/search?q=oolong".into() }
}

#[tokio::test]
async fn agents_see_visitors_arrive_change_pages_and_leave() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;

    match agent.recv_until(|f| matches!(f, ToAgent::VisitorOnline { .. })).await {
        ToAgent::VisitorOnline { visitor: v } => assert_eq!(v.visitor_id, visitor.visitor_id),
        _ => unreachable!(),
    }
    visitor.client.send(&FromVisitor::Page { page: page("https://shop.example/", "Home") }).await;
    visitor.client.send(&FromVisitor::Page { page: page("https://shop.example/pricing", "Pricing") }).await;
    let mut pages = Vec::new();
    while pages.len() < 2 {
        if let ToAgent::VisitorPage { page, .. } = agent.recv_until(|f| matches!(f, ToAgent::VisitorPage { .. })).await
        {
            pages.push(page.title);
        }
    }
    assert_eq!(pages, ["Home", "Pricing"]);

    // A second agent connecting now gets the visitor, on their current page, in the snapshot.
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_late, visitors, _) = app.agent(&cookie).await;
    assert_eq!(visitors.len(), 1);
    assert_eq!(visitors[0].page.title, "Pricing");
    assert_eq!(visitors[0].page.referrer, "https://www.google.com/search?q=oolong");

    let id = visitor.visitor_id;
    visitor.client.close().await;
    match agent.recv_until(|f| matches!(f, ToAgent::VisitorOffline { .. })).await {
        ToAgent::VisitorOffline { visitor_id } => assert_eq!(visitor_id, id),
        _ => unreachable!(),
    }
    // Page views are written in batches; wait (bounded) until both are there.
    let counted = app.eventually_equals("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", id.0, 2).await;
    assert!(counted, "both page views are recorded");
}

#[tokio::test]
async fn coming_back_after_a_long_gap_counts_a_new_visit() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let first = app.visitor(&shop, None).await;
    let (id, token) = (first.visitor_id, first.token.clone());
    first.client.close().await;
    agent.recv_until(|f| matches!(f, ToAgent::VisitorOffline { .. })).await;
    // The departure is recorded in the background; wait for it, then make that an hour ago.
    let departed = crate::helpers::eventually(|| async {
        app.scalar("SELECT last_seen - first_seen FROM visitors WHERE id = $1", id.0).await > 0
    })
    .await;
    assert!(departed, "the departure is recorded");
    {
        // Dropped at once: the writer holds the server's write gate (the same process).
        let mut w = app.db.write().await.unwrap();
        sqlx::query("UPDATE visitors SET last_seen = last_seen - 3600000 WHERE id = $1")
            .bind(id.0)
            .execute(&mut *w)
            .await
            .unwrap();
    }

    let _back = app.visitor(&shop, Some(&token)).await;
    match agent.recv_until(|f| matches!(f, ToAgent::VisitorOnline { .. })).await {
        ToAgent::VisitorOnline { visitor } => assert_eq!((visitor.visitor_id, visitor.visits), (id, 2)),
        _ => unreachable!(),
    }
    let stored = app.eventually_equals("SELECT visits FROM visitors WHERE id = $1", id.0, 2).await;
    assert!(stored, "the visit count is stored");
}

#[tokio::test]
async fn moving_to_another_page_is_not_leaving_the_site() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let id = visitor.visitor_id;
    let since = match agent.recv_until(|f| matches!(f, ToAgent::VisitorOnline { .. })).await {
        ToAgent::VisitorOnline { visitor } => visitor.online_since,
        _ => unreachable!(),
    };
    visitor.client.send(&FromVisitor::Page { page: page("https://shop.example/", "Home") }).await;
    agent.recv_until(|f| matches!(f, ToAgent::VisitorPage { .. })).await;

    // The browser loads the next page: the old socket closes, a new one opens with the same token.
    visitor.client.close().await;
    let mut next = app.visitor(&shop, Some(&visitor.token)).await;
    next.client.send(&FromVisitor::Page { page: page("https://shop.example/pricing", "Pricing") }).await;
    let seen = agent
        .recv_until(|f| {
            matches!(f, ToAgent::VisitorPage { .. } | ToAgent::VisitorOffline { .. } | ToAgent::VisitorOnline { .. })
        })
        .await;
    assert!(
        matches!(&seen, ToAgent::VisitorPage { visitor_id, page, .. } if *visitor_id == id && page.title == "Pricing"),
        "{seen:?}"
    );
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_late, visitors, _) = app.agent(&cookie).await;
    assert_eq!(visitors[0].online_since, since, "time on site counts from the first page");

    next.client.close().await;
    let gone = agent.recv_until(|f| matches!(f, ToAgent::VisitorOffline { .. } | ToAgent::VisitorOnline { .. })).await;
    assert_eq!(gone, ToAgent::VisitorOffline { visitor_id: id });
}

#[tokio::test]
async fn typing_before_the_first_message_on_a_new_page_reaches_the_agent() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let conversation = visitor.say("t0", "hi").await.conversation_id;
    visitor.client.close().await;
    let mut next = app.visitor(&shop, Some(&visitor.token)).await;
    next.client.send(&FromVisitor::Typing { conversation_id: None, active: true }).await;
    let typing = agent.recv_until(|f| matches!(f, ToAgent::Typing { .. })).await;
    assert_eq!(typing, ToAgent::Typing { conversation_id: conversation, sender: SenderKind::Visitor, active: true });
}

#[tokio::test]
async fn typing_is_shown_both_ways() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let conversation = visitor.say("t0", "hi").await.conversation_id;
    visitor.client.send(&FromVisitor::Typing { conversation_id: None, active: true }).await;
    let typing = agent.recv_until(|f| matches!(f, ToAgent::Typing { .. })).await;
    assert_eq!(typing, ToAgent::Typing { conversation_id: conversation, sender: SenderKind::Visitor, active: true });
    agent.send(&FromAgent::Typing { conversation_id: conversation, active: true }).await;
    let typing = visitor.client.recv_until(|f| matches!(f, ToVisitor::Typing { .. })).await;
    assert_eq!(typing, ToVisitor::Typing { conversation_id: conversation, sender: SenderKind::Agent, active: true });
}

#[tokio::test]
async fn a_visitor_whose_connection_went_dead_is_dropped_by_the_heartbeat() {
    let app = spawn_app_with(|c| c.heartbeat = Duration::from_millis(200)).await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let visitor = app.visitor(&shop, None).await;
    let id = visitor.visitor_id;
    // Stop reading: the server's pings go unanswered, as with a vanished network.
    let _silent = visitor.client.into_silent();
    match agent.recv_until(|f| matches!(f, ToAgent::VisitorOffline { .. })).await {
        ToAgent::VisitorOffline { visitor_id } => assert_eq!(visitor_id, id),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn visitors_arriving_and_returning_at_once_are_each_recognised() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let other = app.create_tenant("Other").await;
    // 40 first-time visitors at once: registered by shared inserts, each their own visitor.
    let new = futures_util::future::join_all((0..40).map(|_| app.visitor(&shop, None))).await;
    let first: Vec<_> = new.iter().map(|v| (v.visitor_id, v.token.clone())).collect();
    let ids: std::collections::HashSet<_> = first.iter().map(|(id, _)| *id).collect();
    let tokens: std::collections::HashSet<_> = first.iter().map(|(_, token)| token).collect();
    assert_eq!((ids.len(), tokens.len()), (40, 40), "a visitor id and a token each");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM visitors WHERE id > $1", 0).await, 40, "stored once each");
    // All at once, as after a restart: their lookups share batched queries.
    let again = futures_util::future::join_all(first.iter().map(|(_, token)| app.visitor(&shop, Some(token)))).await;
    for ((id, token), back) in first.iter().zip(&again) {
        assert_eq!(back.visitor_id, *id, "recognised as themselves");
        assert_eq!(&back.token, token);
    }
    // A token is only good on its own site, also inside a batch.
    let strangers =
        futures_util::future::join_all(first.iter().take(5).map(|(_, token)| app.visitor(&other, Some(token)))).await;
    for (stranger, (id, token)) in strangers.iter().zip(&first) {
        assert_ne!(stranger.visitor_id, *id);
        assert_ne!(&stranger.token, token, "a new visitor with a new token");
    }
}

/// A flood of visitors or conversations cannot push real ones out of view or make every snapshot
/// huge: agents get the first page of each with the total, ask for further pages, and search.
#[tokio::test]
async fn the_lists_agents_receive_are_paged_and_searchable() {
    use kefu_protocol::LIST_PAGE;

    let app = spawn_app().await;
    let shop = app.create_tenant("Busy").await;
    // Nobody answers here, so every conversation waits: the queue must hold them all.
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE sites SET queue_limit = 1000 WHERE tenant_id = $1")
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let mut visitors = Vec::new();
    for n in 0..(LIST_PAGE + 30) {
        let mut visitor = app.visitor(&shop, None).await;
        visitor.say(&format!("hi-{n}"), "你好").await;
        visitors.push(visitor);
    }
    let refund = &mut visitors[7];
    let page =
        PageInfo {
            url: "https://busy.example/help".into(), title: "申请退款 — Busy".into(), referrer: String::new()
        };
    refund.client.send(&FromVisitor::Page { page }).await;
    let refund_id = refund.visitor_id;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    // The page view is applied before the console asks (frames of one socket are handled in order).
    refund.client.assert_alive().await;
    let (mut console, first_visitors, first_conversations) = app.agent(&cookie).await;
    assert_eq!(first_visitors.len(), LIST_PAGE);
    assert_eq!(first_conversations.len(), LIST_PAGE);

    let Listed { total, visitors: rest, .. } =
        console.list_visitors("", LIST_PAGE as u32, None, Default::default(), Default::default()).await;
    assert_eq!(total as usize, LIST_PAGE + 30);
    assert_eq!(rest.len(), 30);
    assert!(rest.iter().all(|v| !first_visitors.iter().any(|f| f.visitor_id == v.visitor_id)), "no overlap");

    let Listed { total, visitors: found, query, .. } =
        console.list_visitors("退款", 0, None, Default::default(), Default::default()).await;
    assert_eq!((query.as_str(), total, found.len()), ("退款", 1, 1));
    assert_eq!(found[0].visitor_id, refund_id);

    console.send(&FromAgent::ListConversations { query: refund_id.0.to_string(), offset: 0, site: None }).await;
    let ToAgent::ConversationList { total, conversations, .. } =
        console.recv_until(|f| matches!(f, ToAgent::ConversationList { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(total, 1);
    assert_eq!(conversations[0].visitor_id, refund_id);
    console.send(&FromAgent::ListConversations { query: String::new(), offset: LIST_PAGE as u32, site: None }).await;
    let ToAgent::ConversationList { total, conversations, .. } =
        console.recv_until(|f| matches!(f, ToAgent::ConversationList { .. })).await
    else {
        unreachable!()
    };
    assert_eq!((total as usize, conversations.len()), (LIST_PAGE + 30, 30));
}
