use kefu_protocol::{FromAgent, FromVisitor, SenderKind, ToAgent};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_visitor_message_reaches_the_agent_and_the_reply_reaches_the_visitor() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;

    let sent = visitor.say("v-1", "Hello, is the oolong in stock?").await;
    assert_eq!(sent.seq, 1);
    let conversation = match agent.recv_until(|f| matches!(f, ToAgent::Conversation { .. })).await {
        ToAgent::Conversation { conversation } => conversation,
        _ => unreachable!(),
    };
    assert_eq!(conversation.visitor_id, visitor.visitor_id);
    let received = agent.message().await;
    assert_eq!(received.body, "Hello, is the oolong in stock?");
    assert_eq!(received.sender, SenderKind::Visitor);

    agent
        .send(&FromAgent::Send {
            conversation_id: conversation.id,
            client_msg_id: "a-1".into(),
            body: "Yes, 40 bags left.".into(),
            file: None,
        })
        .await;
    let acked = agent.ack("a-1").await;
    assert_eq!(acked.seq, 2);
    let reply = visitor.client.message().await;
    assert_eq!((reply.seq, reply.body.as_str()), (2, "Yes, 40 bags left."));
    assert_eq!(reply.sender_name.as_deref(), Some("Shop Admin"));
}

#[tokio::test]
async fn sequence_numbers_count_up_per_conversation() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut first = app.visitor(&shop, None).await;
    let mut second = app.visitor(&shop, None).await;
    let mut seqs = Vec::new();
    for i in 0..5 {
        seqs.push(first.say(&format!("f{i}"), &format!("message {i}")).await.seq);
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    let other = second.say("s0", "hi").await;
    assert_eq!(other.seq, 1, "each conversation has its own sequence");
    assert_ne!(other.conversation_id, first.say("f5", "again").await.conversation_id);
}

#[tokio::test]
async fn resending_a_client_message_id_returns_the_original_ack_and_stores_it_once() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let original = visitor.say("same-id", "only once please").await;
    let again = visitor.say("same-id", "only once please").await;
    assert_eq!(original, again);
    // And after a reconnect, as a client resending its outbox would.
    let mut back = app.visitor(&shop, Some(&visitor.token)).await;
    let third = back.say("same-id", "only once please").await;
    assert_eq!(original, third);
    assert_eq!(app.message_count(original.conversation_id).await, 1);
    // A resend is fanned out again (the first fan-out may have been lost too), always as the same
    // message: the agent's view, keyed by sequence, holds it once.
    let next = visitor.say("next", "second").await;
    assert_eq!(next.seq, 2);
    loop {
        let seen = agent.message().await;
        if seen.client_msg_id == "next" {
            break;
        }
        assert_eq!(seen, original, "every copy is the original message");
    }
}

#[tokio::test]
async fn two_visitors_using_the_same_client_id_both_get_their_message() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut first = app.visitor(&shop, None).await;
    let mut second = app.visitor(&shop, None).await;
    // Sent together, so both land in one write batch.
    let send = |body: &str| FromVisitor::Send {
        conversation_id: None,
        client_msg_id: "shared-id".into(),
        body: body.into(),
        file: None,
    };
    first.client.send(&send("我是第一位")).await;
    second.client.send(&send("我是第二位")).await;
    let (a, b) = (first.client.ack("shared-id").await, second.client.ack("shared-id").await);
    assert_ne!(a.conversation_id, b.conversation_id);
    assert_eq!((a.body.as_str(), b.body.as_str()), ("我是第一位", "我是第二位"));
    assert_eq!(app.message_count(a.conversation_id).await, 1);
    assert_eq!(app.message_count(b.conversation_id).await, 1);
    let mut bodies = vec![agent.message().await.body, agent.message().await.body];
    bodies.sort();
    assert_eq!(bodies, ["我是第一位", "我是第二位"]);
    // Each one's resend still finds their own original.
    assert_eq!(second.say("shared-id", "我是第二位").await, b);
    assert_eq!(first.say("shared-id", "我是第一位").await, a);
}

#[tokio::test]
async fn after_a_reconnect_a_client_receives_exactly_what_it_missed_in_order() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut agent = app.agent_of(&shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    for i in 1..=3 {
        visitor.say(&format!("v{i}"), &format!("visitor {i}")).await;
    }
    let conversation = agent.message().await.conversation_id;
    let token = visitor.token.clone();
    visitor.client.close().await;

    for i in 4..=6 {
        let id = format!("a{i}");
        agent
            .send(&FromAgent::Send {
                conversation_id: conversation,
                client_msg_id: id.clone(),
                body: format!("agent {i}"),
                file: None,
            })
            .await;
        agent.ack(&id).await;
    }

    let mut back = app.visitor(&shop, Some(&token)).await;
    assert_eq!(back.conversation, Some((conversation, 6)), "the welcome names the conversation and its last sequence");
    let missed = back.client.sync(conversation, 3).await;
    let got: Vec<(i64, &str)> = missed.iter().map(|m| (m.seq, m.body.as_str())).collect();
    assert_eq!(got, [(4, "agent 4"), (5, "agent 5"), (6, "agent 6")]);
    assert!(back.client.sync(conversation, 6).await.is_empty());
}

#[tokio::test]
async fn an_ack_means_the_message_is_committed() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    // Many visitors sending at once share commits (group commit); every ack must still be durable.
    let mut tasks = Vec::new();
    for v in 0..20 {
        let mut visitor = app.visitor(&shop, None).await;
        let database_url = app.database_url.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..10 {
                acked.push(visitor.say(&format!("v{v}-{i}"), &format!("msg {i}")).await);
            }
            // A separate connection, opened after the acks, finds every acked message.
            let db = app::infra::db::Db::connect(&database_url).await.unwrap();
            for m in &acked {
                let body: String =
                    sqlx::query_scalar("SELECT body FROM messages WHERE conversation_id = $1 AND seq = $2")
                        .bind(m.conversation_id.0)
                        .bind(m.seq)
                        .fetch_one(db.reader())
                        .await
                        .unwrap();
                assert_eq!(body, m.body);
            }
            acked.iter().map(|m| m.seq).collect::<Vec<_>>()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), (1..=10).collect::<Vec<i64>>());
    }
}

#[tokio::test]
async fn a_returning_visitor_is_recognised_and_gets_the_history() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.say("x1", "first visit question").await;
    let (id, token) = (visitor.visitor_id, visitor.token.clone());
    visitor.client.close().await;

    let mut back = app.visitor(&shop, Some(&token)).await;
    assert_eq!(back.visitor_id, id);
    let (conversation, last) = back.conversation.expect("the old conversation");
    let history = back.client.sync(conversation, 0).await;
    assert_eq!(last, 1);
    assert_eq!(history[0].body, "first visit question");

    let stranger = app.visitor(&shop, Some("not-a-real-token")).await;
    assert_ne!(stranger.visitor_id, id, "an unknown token gets a new visitor");
    assert!(stranger.conversation.is_none());
}

#[tokio::test]
async fn widgets_cached_from_before_still_resume_with_the_token_in_the_url() {
    use crate::helpers::VisitorClient;
    use kefu_protocol::ToVisitor;

    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.say("old-1", "from an old widget").await;
    let url = format!("ws://{}/api/v1/visitor/ws?v=1&site_key={}&token={}", app.addr, shop.site_key, visitor.token);
    let mut old = VisitorClient::connect(&url, &[("origin", &shop.origin)]).await.expect("connects");
    match old.recv().await {
        ToVisitor::VisitorWelcome { visitor_id, .. } => assert_eq!(visitor_id, visitor.visitor_id),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

#[tokio::test]
async fn clients_are_told_to_reconnect_when_the_server_stops() {
    let mut app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.say("s1", "hello").await;
    app.stop().await;
    // Frames sent before the stop (the chat's place in the queue) may come first.
    assert!(visitor.client.closes_within(crate::helpers::WAIT).await, "the socket was closed by the server");
}

#[tokio::test]
async fn unread_counts_survive_reconnects_and_replies_count_as_read() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut agent, _, _) = app.agent(&cookie).await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.say("u1", "one").await;
    let conversation = visitor.say("u2", "two").await.conversation_id;

    let unread = |list: &[kefu_protocol::ConversationSummary]| {
        let c = list.iter().find(|c| c.id == conversation).expect("listed");
        c.last_seq - c.agent_read_seq
    };
    let (_, _, list) = app.agent(&cookie).await;
    assert_eq!(unread(&list), 2);

    agent.send(&FromAgent::MarkRead { conversation_id: conversation, seq: 1 }).await;
    agent.assert_alive().await;
    assert_eq!(unread(&app.agent(&cookie).await.2), 1);
    agent.send(&FromAgent::MarkRead { conversation_id: conversation, seq: 99 }).await;
    agent.assert_alive().await;
    assert_eq!(unread(&app.agent(&cookie).await.2), 1, "reading past the last message is ignored");

    agent
        .send(&FromAgent::Send {
            conversation_id: conversation,
            client_msg_id: "r1".into(),
            body: "answer".into(),
            file: None,
        })
        .await;
    agent.ack("r1").await;
    let list = app.agent(&cookie).await.2;
    assert_eq!(unread(&list), 0, "replying means having read it");
    assert!(list[0].agent_id.is_some(), "the replying agent took the conversation");
}

/// Two tabs of one visitor send at once, so one commit batch holds several messages of the same
/// conversation, and the same client id from both tabs.
#[tokio::test]
async fn concurrent_senders_in_one_conversation_get_distinct_gapless_sequences() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut first = app.visitor(&shop, None).await;
    let opened = first.say("open", "hello").await;
    let mut second = app.visitor(&shop, Some(&first.token)).await;
    let send_all = |tab: &'static str| {
        (0..20)
            .map(move |i| FromVisitor::Send {
                conversation_id: None,
                client_msg_id: format!("{tab}{i}"),
                body: format!("{tab} {i}"),
                file: None,
            })
            .chain(std::iter::once(FromVisitor::Send {
                conversation_id: None,
                client_msg_id: "both-tabs".into(),
                body: "same".into(),
                file: None,
            }))
            .collect::<Vec<_>>()
    };
    for (a, b) in send_all("a").iter().zip(send_all("b").iter()) {
        first.client.send(a).await;
        second.client.send(b).await;
    }
    let mut seqs = vec![opened.seq];
    let mut both = Vec::new();
    for (tab, client) in [("a", &mut first.client), ("b", &mut second.client)] {
        for i in 0..20 {
            let m = client.ack(&format!("{tab}{i}")).await;
            assert_eq!(m.conversation_id, opened.conversation_id);
            seqs.push(m.seq);
        }
        both.push(client.ack("both-tabs").await);
    }
    assert_eq!(both[0], both[1], "the same client id gets the same ack from either tab");
    seqs.push(both[0].seq);
    seqs.sort();
    assert_eq!(seqs, (1..=42).collect::<Vec<i64>>(), "every message has its own number, without gaps");
    assert_eq!(app.message_count(opened.conversation_id).await, 42);
}

/// An agent withdraws a message within two minutes: the visitor is told and never gets the text
/// back (not on a reload either); other agents and later attempts are refused.
#[tokio::test]
async fn an_agent_withdraws_a_message_within_two_minutes_and_the_visitor_never_sees_it_again() {
    use kefu_protocol::{ApiError, ErrorCode, ToVisitor};
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut agent, _, _) = app.agent(&cookie).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = crate::helpers::ask(&mut visitor, "v1", "订单号是多少？").await;
    let wrong = agent.reply(conversation, "a1", "订单号 123-错").await;
    let later = agent.reply(conversation, "a2", "请稍等").await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Message { message } if message.seq == later.seq)).await;

    agent.send(&FromAgent::Retract { conversation_id: conversation, seq: wrong.seq }).await;
    let told = visitor.client.recv_until(|f| matches!(f, ToVisitor::Retracted { .. })).await;
    assert_eq!(told, ToVisitor::Retracted { conversation_id: conversation, seq: wrong.seq });
    agent.recv_until(|f| matches!(f, ToAgent::Retracted { seq, .. } if *seq == wrong.seq)).await;
    // A reload: the visitor's history has the message, withdrawn and empty; the agent's keeps the text.
    let seen = visitor.client.sync(conversation, 0).await;
    let gone = seen.iter().find(|m| m.seq == wrong.seq).unwrap();
    assert!(gone.retracted && gone.body.is_empty(), "{gone:?}");
    let kept = agent.sync(conversation, 0).await;
    let kept = kept.iter().find(|m| m.seq == wrong.seq).unwrap();
    assert!(kept.retracted && kept.body == "订单号 123-错");

    // Twice, the visitor's message, and a colleague's attempt are refused alike.
    let refused = ApiError::conflict(Some("retract"), ErrorCode::Stale);
    for seq in [wrong.seq, 1] {
        agent.send(&FromAgent::Retract { conversation_id: conversation, seq }).await;
        assert_eq!(agent.error().await.0, refused, "seq {seq}");
    }
    let (bob, login) = app.add_agent(&shop, "Bob").await;
    app.serve_every_site(&shop, bob).await;
    let bob_cookie = app.login(&shop.company, &login, crate::helpers::AGENT_PASSWORD).await;
    let (mut colleague, _, _) = app.agent(&bob_cookie).await;
    colleague.send(&FromAgent::Retract { conversation_id: conversation, seq: later.seq }).await;
    assert_eq!(colleague.error().await.0, refused);

    // Past two minutes (the message's time moved back), it stays.
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE messages SET sent_at = sent_at - 121000 WHERE conversation_id = $1 AND seq = $2")
        .bind(conversation.0)
        .bind(later.seq)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    agent.send(&FromAgent::Retract { conversation_id: conversation, seq: later.seq }).await;
    assert_eq!(agent.error().await.0, refused);
    let events = app
        .scalar(
            "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'retracted'",
            conversation.0,
        )
        .await;
    assert_eq!(events, 1, "the withdrawal is kept with the conversation's events");
}
