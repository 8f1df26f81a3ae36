//! Routing (issue 11): agents' status and capacity, the queue, taking a chat, an agent going
//! offline, a waiting visitor leaving, and what visitors are told. The distribution modes over a
//! fixed set of agents are unit tests of `app::routing::pick`.

use kefu_protocol::{
    AgentId, AgentStatus, ApiError, ConversationId, ErrorCode, FromAgent, FromVisitor, PageInfo, ToAgent, ToVisitor,
    TransferTo,
};

use crate::helpers::{
    ask, eventually, spawn_app, told, AgentClient, Routed, Tenant, TestApp, TestFrames, AGENT_PASSWORD,
};

/// An agent of the company who serves its site, with a chat limit; signed in with a console open.
async fn agent(
    app: &TestApp,
    shop: &Tenant,
    name: &str,
    max_chats: i64,
    status: AgentStatus,
) -> (AgentId, AgentClient) {
    let (id, console, _) = agent_signed_in(app, shop, name, max_chats, status).await;
    (id, console)
}

/// [`agent`], with the session cookie (to open more consoles).
pub(crate) async fn agent_signed_in(
    app: &TestApp,
    shop: &Tenant,
    name: &str,
    max_chats: i64,
    status: AgentStatus,
) -> (AgentId, AgentClient, String) {
    let (id, login) = app.add_agent(shop, name).await;
    app.serve_every_site(shop, id).await;
    let mut w = app.db.write().await.unwrap();
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
    (id, console, cookie)
}

/// Every agent of the company (its admin, so far) Away, so that routing passes them by.
pub(crate) async fn everyone_away(app: &TestApp, shop: &Tenant) {
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE agents SET status = 'away' WHERE tenant_id = $1")
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
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
    assert_eq!(availability, ToVisitor::Availability { online: false, closed: false });
    let mut visitor = app.visitor(&shop, None).await;
    assert!(!visitor.welcome_online);
    assert_eq!(ask(&mut visitor, "m1", "anyone?").await.1, Some(Routed::To("Ann".into())));

    ann.send(&FromAgent::SetStatus { status: AgentStatus::Away }).await;
    let mut later = app.visitor(&shop, None).await;
    assert_eq!(ask(&mut later, "m2", "hello?").await.1, Some(Routed::Queued(1)));

    ann.send(&FromAgent::SetStatus { status: AgentStatus::Online }).await;
    let availability = watcher.client.recv_until(|f| matches!(f, ToVisitor::Availability { .. })).await;
    assert_eq!(availability, ToVisitor::Availability { online: true, closed: false });
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
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "q2".into(),
            body: "second".into(),
            file: None,
        })
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
    bob.send(&FromAgent::Send {
        conversation_id: conversation,
        client_msg_id: "b1".into(),
        body: "me too".into(),
        file: None,
    })
    .await;
    assert_eq!(bob.error().await, (ApiError::conflict(Some("agent"), ErrorCode::Taken), Some("b1".into())));
    assert_eq!(ann.reply(conversation, "a1", "我来帮您").await.seq, 2);
}

/// What an agent's reply came back as: its ack, or the error naming it.
async fn reply_outcome(console: &mut AgentClient, id: &str) -> Result<i64, ApiError> {
    let frame = console
        .recv_until(|f| f.as_ack().is_some_and(|(c, _)| c == id) || f.as_error().is_some_and(|(_, c)| c == Some(id)))
        .await;
    match (frame.as_ack(), frame.as_error()) {
        (Some((_, message)), _) => Ok(message.seq),
        (_, Some((error, _))) => Err(error.clone()),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn two_agents_answering_one_waiting_visitor_at_once_leave_one_agent_and_one_answer() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    // Away: routing gives them nothing, so each visitor waits until a reply takes the chat.
    let (ann, mut ann_console) = agent(&app, &shop, "Ann", 10, AgentStatus::Away).await;
    let (bob, mut bob_console) = agent(&app, &shop, "Bob", 10, AgentStatus::Away).await;
    for round in 0..4 {
        let mut visitor = app.visitor(&shop, None).await;
        let (conversation, first) = ask(&mut visitor, &format!("v{round}"), "有人吗？").await;
        assert_eq!(first, Some(Routed::Queued(1)));
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let reply = |id: &str, body: &str| FromAgent::Send {
            conversation_id: conversation,
            client_msg_id: id.into(),
            body: body.into(),
            file: None,
        };
        // Both at once (the order alternates), then each reads its outcome.
        if round % 2 == 0 {
            ann_console.send(&reply(&a, "Ann 在")).await;
            bob_console.send(&reply(&b, "Bob 在")).await;
        } else {
            bob_console.send(&reply(&b, "Bob 在")).await;
            ann_console.send(&reply(&a, "Ann 在")).await;
        }
        let outcomes = (reply_outcome(&mut ann_console, &a).await, reply_outcome(&mut bob_console, &b).await);
        let (winner, name, body) = match outcomes {
            (Ok(2), Err(e)) | (Err(e), Ok(2)) if e != ApiError::conflict(Some("agent"), ErrorCode::Taken) => {
                panic!("the other reply was refused with {e:?}")
            }
            (Ok(2), Err(_)) => (ann, "Ann", "Ann 在"),
            (Err(_), Ok(2)) => (bob, "Bob", "Bob 在"),
            other => panic!("round {round}: expected one answer and one refusal, got {other:?}"),
        };
        // The visitor hears who answers, then the answer; only one answer was stored.
        let heard =
            visitor.client.recv_until(|f| matches!(f, ToVisitor::Assigned { .. } | ToVisitor::Message { .. })).await;
        assert!(matches!(&heard, ToVisitor::Assigned { agent_name, .. } if agent_name == name), "{heard:?}");
        let answer = visitor.client.recv_until(|f| f.as_message().is_some()).await;
        assert_eq!(answer.as_message().unwrap().body, body);
        assert_eq!(visitor.client.sync(conversation, 0).await.len(), 2);
        assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, winner.0);
        let assigned = "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'assigned'";
        assert_eq!(app.scalar(assigned, conversation.0).await, 1);
        let stamped = "SELECT COUNT(*) FROM conversations WHERE id = $1 AND assigned_at IS NOT NULL";
        assert_eq!(app.scalar(stamped, conversation.0).await, 1);
    }
    // Whoever took a chat by replying is stamped as given one (round robin reads it); after the commit.
    let stamped = "SELECT COUNT(*) FROM agents WHERE id = $1 AND last_assigned_at > 0";
    assert!(eventually(|| async { app.scalar(stamped, ann.0).await + app.scalar(stamped, bob.0).await >= 1 }).await);
}

#[tokio::test]
async fn claims_in_one_commit_give_the_conversation_to_the_first_and_refuse_the_others() {
    use app::chat::writer::{MessageJob, NewMessage};
    use app::infra::batch::BatchJob;
    use kefu_protocol::{ClientMsgId, MessageBody, SenderKind};

    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, _ann_console) = agent(&app, &shop, "Ann", 10, AgentStatus::Away).await;
    let (bob, _bob_console) = agent(&app, &shop, "Bob", 10, AgentStatus::Away).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "v1", "在吗").await;
    // Both replies passed the check of the conversation (waiting) before either was written: the
    // writer gets them in the same batch, as under load.
    let claim = |agent: AgentId, id: &str| NewMessage {
        tenant_id: shop.id,
        conversation_id: conversation,
        sender: SenderKind::Agent,
        sender_id: agent.0,
        sender_name: None,
        client_msg_id: ClientMsgId::parse(id).unwrap(),
        body: MessageBody::parse("在").unwrap(),
        file: None,
        claim: true,
    };
    let job = MessageJob(app.db.clone());
    let results = job.run(&[claim(ann, "a1"), claim(bob, "b1"), claim(ann, "a2")]).await.unwrap();
    let taken = ApiError::conflict(Some("agent"), ErrorCode::Taken);
    assert!(matches!(&results[0], Ok(c) if c.took && c.message.seq == 2), "{:?}", results[0]);
    assert_eq!(results[1].as_ref().err(), Some(&taken));
    assert!(matches!(&results[2], Ok(c) if !c.took && c.message.seq == 3), "{:?}", results[2]);
    // Later claims: Bob's refused, Ann's a plain message in her own chat.
    let results = job.run(&[claim(bob, "b2"), claim(ann, "a3")]).await.unwrap();
    assert_eq!(results[0].as_ref().err(), Some(&taken));
    assert!(matches!(&results[1], Ok(c) if !c.took && c.message.seq == 4), "{:?}", results[1]);
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, ann.0);
    let assigned = "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'assigned'";
    assert_eq!(app.scalar(assigned, conversation.0).await, 1);
    assert_eq!(visitor.client.sync(conversation, 0).await.len(), 4);
}

/// The next chat offer a console hears.
async fn offered(console: &mut AgentClient) -> kefu_protocol::ChatOffer {
    match console.recv_until(|f| matches!(f, ToAgent::ChatOffer { .. })).await {
        ToAgent::ChatOffer { offer } => offer,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn in_approval_mode_a_declined_or_unanswered_offer_passes_to_the_next_agent() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, mut ann_console) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, mut bob_console) = agent(&app, &shop, "Bob", 2, AgentStatus::Online).await;
    // One second to answer (the routing page allows 5 to 300; a short one keeps the test quick).
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE sites SET approval = 1, approval_secs = 1 WHERE tenant_id = $1")
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let mut visitor = app.visitor(&shop, None).await;
    let page =
        PageInfo { url: "https://shop.example/退款".into(), title: "退款政策".into(), referrer: String::new() };
    visitor.client.send(&FromVisitor::Page { page }).await;
    assert!(
        app.eventually_equals("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", visitor.visitor_id.0, 1).await
    );

    // Offered to Ann (least busy, then the lower id): the chat waits meanwhile.
    let (conversation, first) = ask(&mut visitor, "v1", "我想申请退款").await;
    assert_eq!(first, Some(Routed::Queued(1)));
    let offer = offered(&mut ann_console).await;
    assert_eq!(
        (offer.conversation_id, offer.first_message.as_str(), offer.page.title.as_str(), offer.secs),
        (conversation, "我想申请退款", "退款政策", 1)
    );
    // Ann lets it lapse: it goes to Bob, and Ann hears her offer ended.
    let offer = offered(&mut bob_console).await;
    assert_eq!(offer.conversation_id, conversation);
    ann_console
        .recv_until(|f| matches!(f, ToAgent::OfferEnded { conversation_id } if *conversation_id == conversation))
        .await;
    ann_console.send(&FromAgent::AnswerOffer { conversation_id: conversation, accept: true }).await;
    assert_eq!(ann_console.error().await.0, ApiError::conflict(Some("offer"), ErrorCode::Stale));
    // Bob declines: everyone able has declined, so it goes round again, to Ann, who accepts.
    bob_console.send(&FromAgent::AnswerOffer { conversation_id: conversation, accept: false }).await;
    let offer = offered(&mut ann_console).await;
    assert_eq!(offer.conversation_id, conversation);
    ann_console.send(&FromAgent::AnswerOffer { conversation_id: conversation, accept: true }).await;
    told(&mut visitor, Routed::To("Ann".into())).await;
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, ann.0);
    assert_eq!(ann_console.reply(conversation, "a1", "您好").await.seq, 2);
    // The record keeps who declined and how.
    let declined = |agent: AgentId, detail: &str| {
        format!(
            "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'declined' \
             AND agent_id = {} AND detail = '{detail}'",
            agent.0
        )
    };
    assert_eq!(app.scalar(&declined(ann, "lapsed"), conversation.0).await, 1);
    assert_eq!(app.scalar(&declined(bob, ""), conversation.0).await, 1);
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

#[tokio::test]
async fn a_transfer_waits_for_the_colleague_and_only_then_the_visitor_hears_the_new_name() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, mut ann_console) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, mut bob_console) = agent(&app, &shop, "Bob", 2, AgentStatus::Online).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, first) = ask(&mut visitor, "t1", "我要退货").await;
    assert_eq!(first, Some(Routed::To("Ann".into())));

    let transfer =
        FromAgent::Transfer { conversation_id: conversation, to: TransferTo::Agent(bob), note: "VIP 客户".into() };
    ann_console.send(&transfer).await;
    let offer = match bob_console.recv_until(|f| matches!(f, ToAgent::TransferRequest { .. })).await {
        ToAgent::TransferRequest { transfer } => transfer,
        _ => unreachable!(),
    };
    assert_eq!(
        (offer.conversation_id, offer.from_name.as_str(), offer.note.as_str()),
        (conversation, "Ann", "VIP 客户")
    );
    // Bob reads the whole history before deciding.
    assert_eq!(bob_console.sync(conversation, 0).await.len(), 1);
    bob_console.send(&FromAgent::AnswerTransfer { transfer_id: offer.id, accept: false }).await;
    let answer = ann_console.recv_until(|f| matches!(f, ToAgent::TransferAnswered { .. })).await;
    assert!(matches!(answer, ToAgent::TransferAnswered { accepted: false, .. }));
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, ann.0);
    // Nothing reached the visitor: everything queued for them before a pong has arrived with it.
    visitor.client.send(&FromVisitor::Ping).await;
    loop {
        match visitor.client.recv().await {
            ToVisitor::Pong => break,
            ToVisitor::Assigned { agent_name, .. } => panic!("the visitor heard of {agent_name} before any acceptance"),
            _ => {}
        }
    }

    ann_console.send(&transfer).await;
    let offer = match bob_console.recv_until(|f| matches!(f, ToAgent::TransferRequest { .. })).await {
        ToAgent::TransferRequest { transfer } => transfer,
        _ => unreachable!(),
    };
    bob_console.send(&FromAgent::AnswerTransfer { transfer_id: offer.id, accept: true }).await;
    told(&mut visitor, Routed::To("Bob".into())).await;
    let answer = ann_console.recv_until(|f| matches!(f, ToAgent::TransferAnswered { .. })).await;
    assert!(matches!(answer, ToAgent::TransferAnswered { accepted: true, .. }));
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, bob.0);
    // One conversation all along: Bob answers in it, after the visitor's message.
    assert_eq!(bob_console.reply(conversation, "b1", "您好，我是 Bob").await.seq, 2);
    ann_console
        .send(&FromAgent::Send {
            conversation_id: conversation,
            client_msg_id: "a9".into(),
            body: "还在吗".into(),
            file: None,
        })
        .await;
    assert_eq!(ann_console.error().await.0, ApiError::conflict(Some("agent"), ErrorCode::Taken));
    let transferred = app
        .scalar(
            "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'transferred'",
            conversation.0,
        )
        .await;
    assert_eq!(transferred, 1);
}

#[tokio::test]
async fn the_visitor_ends_the_chat_and_rates_it_with_the_comment_low_scores_need() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, mut ann_console) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "r1", "多久发货？").await;
    visitor.client.send(&FromVisitor::End).await;
    let rating = match visitor.client.recv_until(|f| matches!(f, ToVisitor::Ended { .. })).await {
        ToVisitor::Ended { conversation_id, rating } => {
            assert_eq!(conversation_id, conversation);
            rating.expect("the site asks for ratings")
        }
        _ => unreachable!(),
    };
    assert_eq!(
        rating.levels.iter().map(|l| (l.score, l.comment_required)).collect::<Vec<_>>(),
        [(5, false), (4, false), (3, false), (2, true), (1, true)]
    );
    let closed = kefu_protocol::ConversationStatus::Closed;
    ann_console
        .recv_until(
            |f| matches!(f, ToAgent::Conversation { conversation: c } if c.id == conversation && c.status == closed),
        )
        .await;
    hears_status(&mut ann_console, ann, AgentStatus::Online, 0).await;

    let rate =
        |score: u8, comment: &str| FromVisitor::Rate { conversation_id: conversation, score, comment: comment.into() };
    visitor.client.send(&rate(2, "  ")).await;
    assert_eq!(visitor.client.error().await.0, ApiError::invalid("comment", ErrorCode::Required));
    visitor.client.send(&rate(2, "等太久了")).await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { score: 2, .. })).await;
    let heard = ann_console.recv_until(|f| matches!(f, ToAgent::Rated { .. })).await;
    assert!(
        matches!(heard, ToAgent::Rated { score: 2, max: 5, ref comment, .. } if comment == "等太久了"),
        "{heard:?}"
    );
    // Changed within the day: one rating, the latest score.
    visitor.client.send(&rate(4, "")).await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { score: 4, .. })).await;
    assert_eq!(app.scalar("SELECT score FROM ratings WHERE conversation_id = $1", conversation.0).await, 4);
    // A day after the end it is final.
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE conversations SET closed_at = closed_at - 25 * 3600 * 1000 WHERE id = $1")
        .bind(conversation.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    visitor.client.send(&rate(1, "改主意了")).await;
    assert_eq!(visitor.client.error().await.0, ApiError::conflict(Some("rating"), ErrorCode::Protected));
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM conversation_events WHERE conversation_id = $1 ORDER BY id")
            .bind(conversation.0)
            .fetch_all(app.db.reader())
            .await
            .unwrap();
    assert_eq!(kinds, ["assigned", "closed", "rated", "rated"]);

    // A new message after the end opens a new conversation.
    let (next, routed_next) = ask(&mut visitor, "r2", "还有一个问题").await;
    assert_ne!(next, conversation);
    assert_eq!(routed_next, Some(Routed::To("Ann".into())));
}

#[tokio::test]
async fn admins_mark_a_rating_invalid_which_leaves_the_average_and_clear_a_period() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_, _ann) = agent(&app, &shop, "Ann", 5, AgentStatus::Online).await;
    let mut conversations = Vec::new();
    for (i, (score, comment)) in [(5u8, ""), (1, "太差了")].into_iter().enumerate() {
        let mut visitor = app.visitor(&shop, None).await;
        let (conversation, _) = ask(&mut visitor, &format!("x{i}"), "hi").await;
        visitor.client.send(&FromVisitor::Rate { conversation_id: conversation, score, comment: comment.into() }).await;
        visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { .. })).await;
        conversations.push(conversation);
    }
    let list = || async {
        let response = app.call("/api/ratings/list", &format!("from=0&to={}&offset=0", i64::MAX), Some(&admin)).await;
        assert!(response.status().is_success());
        response.json::<app::ratings::RatingPage>().await.unwrap()
    };
    let page = list().await;
    assert_eq!((page.total, page.average), (2, Some(3.0)));
    let refused = app
        .call(
            "/api/ratings/invalid",
            &format!("conversation_id={}&invalid=true&reason=", conversations[1]),
            Some(&admin),
        )
        .await;
    assert_eq!(refused.status(), 422, "a reason is required");
    let body = format!("conversation_id={}&invalid=true&reason={}", conversations[1], "竞争对手恶意差评");
    assert!(app.call("/api/ratings/invalid", &body, Some(&admin)).await.status().is_success());
    let page = list().await;
    assert_eq!(page.average, Some(5.0), "the invalid rating is left out");
    let row = page.rows.iter().find(|r| r.conversation_id == conversations[1]).unwrap();
    assert!(row.invalid && row.invalid_reason == "竞争对手恶意差评");

    let cleared = app.call("/api/ratings/clear", &format!("from=0&to={}", i64::MAX), Some(&admin)).await;
    assert_eq!(cleared.json::<u64>().await.unwrap(), 2);
    assert_eq!(list().await.total, 0);
    let logged = app
        .scalar(
            "SELECT COUNT(*) FROM oplog WHERE tenant_id = $1 AND kind IN ('rating_invalidated', 'ratings_cleared')",
            shop.id.0,
        )
        .await;
    assert_eq!(logged, 2);
}

#[tokio::test]
async fn the_routing_page_sets_round_robin_the_previous_agent_and_the_rating_scale() {
    use app::routing::{RouteMode, RoutingSettings};
    use kefu_protocol::RatingLevel;

    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site: i64 = sqlx::query_scalar("SELECT id FROM sites WHERE tenant_id = $1")
        .bind(shop.id.0)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    let read = || async {
        let response = app.call("/api/routing/settings", &format!("site_id={site}"), Some(&admin)).await;
        assert!(response.status().is_success());
        response.json::<RoutingSettings>().await.unwrap()
    };
    let mut settings = read().await;
    assert_eq!(
        (settings.mode, settings.queue_limit, settings.prefer_previous, settings.levels.len()),
        (RouteMode::LeastBusy, 50, false, 5)
    );
    settings.mode = RouteMode::RoundRobin;
    settings.prefer_previous = true;
    settings.levels = vec![
        RatingLevel { score: 1, labels: vec![("zh-CN".into(), "差评".into())], comment_required: true },
        RatingLevel { score: 3, labels: vec![("en".into(), "Good".into())], comment_required: false },
        RatingLevel { score: 2, labels: vec![], comment_required: false },
    ];
    let saved = app.call_json("/api/routing/settings/save", "settings", &settings, &admin).await;
    assert!(saved.status().is_success(), "{}", saved.status());
    let again = app.call_json("/api/routing/settings/save", "settings", &settings, &admin).await;
    assert_eq!(again.status(), 409, "a save of what was read before the last save is stale");
    let stored = read().await;
    assert_eq!(stored.mode, RouteMode::RoundRobin);
    assert_eq!(stored.levels.iter().map(|l| l.score).collect::<Vec<_>>(), [3, 2, 1]);

    let (_, _ann) = agent(&app, &shop, "Ann", 3, AgentStatus::Online).await;
    let (_, _bob) = agent(&app, &shop, "Bob", 3, AgentStatus::Online).await;
    let mut returning = app.visitor(&shop, None).await;
    let mut names = Vec::new();
    names.push(ask(&mut returning, "p1", "first visit").await.1);
    for i in 0..2 {
        let mut other = app.visitor(&shop, None).await;
        names.push(ask(&mut other, &format!("o{i}"), "hello").await.1);
    }
    // Round robin: whoever waited longest, whatever their load.
    let to = |n: &str| Some(Routed::To(n.into()));
    assert_eq!(names, [to("Ann"), to("Bob"), to("Ann")]);
    returning.client.send(&FromVisitor::End).await;
    let ended = returning.client.recv_until(|f| matches!(f, ToVisitor::Ended { .. })).await;
    let ToVisitor::Ended { rating: Some(form), .. } = ended else { panic!("{ended:?}") };
    assert_eq!(form.levels[0].label("en"), Some("Good"));
    assert_eq!(form.levels[2].label("zh-CN"), Some("差评"));
    // Round robin would pick Bob; the returning visitor goes back to Ann.
    assert_eq!(ask(&mut returning, "p2", "back again").await.1, to("Ann"));
}

#[tokio::test]
async fn a_visitor_picks_a_category_or_asks_for_an_agent_who_gets_the_chat_when_free() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, _ann) = agent(&app, &shop, "Ann", 1, AgentStatus::Online).await;
    let (bob, _bob) = agent(&app, &shop, "Bob", 3, AgentStatus::Online).await;
    let mut w = app.db.write().await.unwrap();
    let category: i64 = sqlx::query_scalar(
        "INSERT INTO categories (tenant_id, name, sort_order, created_at) VALUES ($1, '售后服务', 0, 0) RETURNING id",
    )
    .bind(shop.id.0)
    .fetch_one(&mut *w)
    .await
    .unwrap();
    sqlx::query("INSERT INTO category_sites (category_id, site_id, tenant_id) SELECT $1, id, tenant_id FROM sites WHERE tenant_id = $2")
        .bind(category)
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    sqlx::query("INSERT INTO category_agents (category_id, agent_id, tenant_id) VALUES ($1, $2, $3)")
        .bind(category)
        .bind(bob.0)
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);

    // The site shows its category; a chat about it goes to its member even when Ann is less busy.
    let mut visitor = app.visitor(&shop, None).await;
    assert_eq!(visitor.categories, [(category, "售后服务".to_string())]);
    visitor.client.send(&FromVisitor::Choose { category: Some(category + 1000), agent: None }).await;
    assert_eq!(visitor.client.error().await.0, ApiError::invalid("category", ErrorCode::NotFound));
    visitor.client.send(&FromVisitor::Choose { category: Some(category), agent: None }).await;
    let (conversation, routed_first) = ask(&mut visitor, "c1", "我要退货").await;
    assert_eq!(routed_first, Some(Routed::To("Bob".into())));
    assert_eq!(app.scalar("SELECT category_id FROM conversations WHERE id = $1", conversation.0).await, category);

    // Asked for by account: Ann takes it while she has room.
    let mut fan = app.visitor(&shop, None).await;
    fan.client.send(&FromVisitor::Choose { category: None, agent: Some("ANN@shop.example".into()) }).await;
    assert_eq!(ask(&mut fan, "d1", "找 Ann").await.1, Some(Routed::To("Ann".into())));
    // Ann is full now: the next one is told, and goes by the site's rules.
    let mut late = app.visitor(&shop, None).await;
    late.client.send(&FromVisitor::Choose { category: None, agent: Some("ann@shop.example".into()) }).await;
    late.client
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "d2".into(),
            body: "找 Ann".into(),
            file: None,
        })
        .await;
    let unavailable = late.client.recv_until(|f| matches!(f, ToVisitor::Unavailable { .. })).await;
    assert_eq!(unavailable, ToVisitor::Unavailable { agent: "ann@shop.example".into() });
    told(&mut late, Routed::To("Bob".into())).await;
    let _ = ann;
}

#[tokio::test]
async fn read_receipts_go_both_ways_and_the_agent_s_own_welcome_greets_the_visitor() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, mut console) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE agents SET prefs = $1 WHERE id = $2")
        .bind(r#"{"welcome":"您好，我是 Ann，很高兴为您服务"}"#)
        .bind(ann.0)
        .execute(&mut *w)
        .await
        .unwrap();
    sqlx::query("UPDATE sites SET welcome = $1 WHERE tenant_id = $2")
        .bind(r#"[["zh-CN","欢迎光临本店"]]"#)
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let url = format!("ws://{}/api/v1/visitor/ws?v=1&site_key={}", app.addr, shop.site_key);
    let mut raw = crate::helpers::VisitorClient::connect(
        &url,
        &[("origin", &shop.origin), ("sec-websocket-protocol", "kefu.v1")],
    )
    .await
    .unwrap();
    let greetings = match raw.recv().await {
        ToVisitor::VisitorWelcome { greetings, .. } => greetings,
        other => panic!("{other:?}"),
    };
    assert_eq!(greetings, [("zh-CN".to_string(), "欢迎光临本店".to_string())]);

    let mut visitor = app.visitor(&shop, None).await;
    visitor
        .client
        .send(&FromVisitor::Send {
            conversation_id: None, client_msg_id: "m1".into(), body: "在吗".into(), file: None
        })
        .await;
    // The ack and the news of who took the chat come in either order.
    let (mut acked, mut welcome) = (false, None);
    let mut conversation = None;
    while !acked || welcome.is_none() {
        match visitor.client.recv().await {
            ToVisitor::Ack { client_msg_id, message } if client_msg_id == "m1" => {
                acked = true;
                conversation = Some(message.conversation_id);
            }
            ToVisitor::Assigned { welcome: w, .. } => welcome = Some(w),
            _ => {}
        }
    }
    let conversation = conversation.unwrap();
    assert_eq!(welcome.flatten().as_deref(), Some("您好，我是 Ann，很高兴为您服务"));

    // The agent reads: the visitor sees it.
    console.send(&FromAgent::MarkRead { conversation_id: conversation, seq: 1 }).await;
    let read = visitor.client.recv_until(|f| matches!(f, ToVisitor::Read { .. })).await;
    assert_eq!(read, ToVisitor::Read { conversation_id: conversation, seq: 1 });
    // The visitor reads the reply: the agent sees it, and it is stored.
    console.reply(conversation, "a1", "在的").await;
    visitor.client.message().await;
    visitor.client.send(&FromVisitor::Read { conversation_id: conversation, seq: 2 }).await;
    let seen = console.recv_until(|f| matches!(f, ToAgent::VisitorRead { .. })).await;
    assert_eq!(seen, ToAgent::VisitorRead { conversation_id: conversation, seq: 2 });
    assert!(app.eventually_equals("SELECT visitor_read_seq FROM conversations WHERE id = $1", conversation.0, 2).await);
}

#[tokio::test]
async fn a_silent_visitor_is_warned_and_then_the_chat_ends_as_idle() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (_, mut ann) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "i1", "请问运费多少？").await;
    ann.reply(conversation, "a1", "满 99 包邮").await;
    let silence = |minutes: i64| {
        let db = app.db.clone();
        async move {
            let mut w = db.write().await.unwrap();
            sqlx::query("UPDATE conversations SET last_message_at = $1 WHERE id = $2")
                .bind(app::infra::now_ms() - minutes * 60_000)
                .bind(conversation.0)
                .execute(&mut *w)
                .await
                .unwrap();
        }
    };
    // The site's defaults: closed after 15 silent minutes, the visitor warned 2 minutes before.
    silence(14).await;
    let warning = visitor.client.recv_until(|f| matches!(f, ToVisitor::IdleWarning { .. })).await;
    let ToVisitor::IdleWarning { closes_in_secs, .. } = warning else { unreachable!() };
    assert!((50..=60).contains(&closes_in_secs), "{closes_in_secs}");
    silence(16).await;
    visitor
        .client
        .recv_until(|f| matches!(f, ToVisitor::Ended { conversation_id, .. } if *conversation_id == conversation))
        .await;
    let closed = kefu_protocol::ConversationStatus::Closed;
    ann.recv_until(
        |f| matches!(f, ToAgent::Conversation { conversation: c } if c.id == conversation && c.status == closed),
    )
    .await;
    let by: String = sqlx::query_scalar("SELECT closed_by FROM conversations WHERE id = $1")
        .bind(conversation.0)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(by, "idle");
}

#[tokio::test]
async fn an_invited_colleague_joins_writes_and_leaves_the_same_conversation() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann_id, mut ann, ann_cookie) = agent_signed_in(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, mut bob_console, bob_cookie) = agent_signed_in(&app, &shop, "Bob", 2, AgentStatus::Away).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, first) = ask(&mut visitor, "g1", "这个型号有货吗？").await;
    assert_eq!(first, Some(Routed::To("Ann".into())));
    // Only the serving agent may invite, and not themself.
    bob_console.send(&FromAgent::Invite { conversation_id: conversation, agent: ann_id }).await;
    assert_eq!(bob_console.error().await.0, ApiError::conflict(Some("agent"), ErrorCode::Taken));
    ann.send(&FromAgent::Invite { conversation_id: conversation, agent: ann_id }).await;
    assert_eq!(ann.error().await.0, ApiError::invalid("agent", ErrorCode::Format));

    ann.send(&FromAgent::Invite { conversation_id: conversation, agent: bob }).await;
    let invitation = bob_console.recv_until(|f| matches!(f, ToAgent::Invitation { .. })).await;
    assert!(matches!(invitation, ToAgent::Invitation { ref from_name, .. } if from_name == "Ann"));
    // A console Bob opens now (a reload, a second tab) hears the invitation too.
    let (mut bob_again, ..) = app.agent(&bob_cookie).await;
    assert_eq!(bob_again.recv_until(|f| matches!(f, ToAgent::Invitation { .. })).await, invitation);
    bob_console.send(&FromAgent::AnswerInvite { conversation_id: conversation, accept: true }).await;
    let joined = visitor.client.recv_until(|f| matches!(f, ToVisitor::Guest { .. })).await;
    assert_eq!(joined, ToVisitor::Guest { conversation_id: conversation, agent_name: "Bob".into(), joined: true });
    let guests = ann.recv_until(|f| matches!(f, ToAgent::Guests { .. })).await;
    assert_eq!(guests, ToAgent::Guests { conversation_id: conversation, guests: vec![(bob, "Bob".into())] });
    // So does a console Ann opens now: who is in the conversation.
    let (mut ann_again, ..) = app.agent(&ann_cookie).await;
    assert_eq!(ann_again.recv_until(|f| matches!(f, ToAgent::Guests { .. })).await, guests);

    // Both write in the one conversation; the visitor sees both names.
    assert_eq!(bob_console.reply(conversation, "b1", "仓库还有 3 台").await.seq, 2);
    let heard = visitor.client.message().await;
    assert_eq!(heard.sender_name.as_deref(), Some("Bob"));
    assert_eq!(ann.reply(conversation, "a1", "我帮您下单").await.seq, 3);
    assert_eq!(
        app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await,
        ann_id.0,
        "still Ann's"
    );

    bob_console.send(&FromAgent::Leave { conversation_id: conversation }).await;
    let left = visitor.client.recv_until(|f| matches!(f, ToVisitor::Guest { joined: false, .. })).await;
    assert_eq!(left, ToVisitor::Guest { conversation_id: conversation, agent_name: "Bob".into(), joined: false });
    bob_console
        .send(&FromAgent::Send {
            conversation_id: conversation,
            client_msg_id: "b2".into(),
            body: "再见".into(),
            file: None,
        })
        .await;
    assert_eq!(bob_console.error().await.0, ApiError::conflict(Some("agent"), ErrorCode::Taken));
}

#[tokio::test]
async fn a_category_s_switchboard_gets_its_new_chats_first_while_they_have_room() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (ann, _ann) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, _bob) = agent(&app, &shop, "Bob", 1, AgentStatus::Online).await;
    let mut w = app.db.write().await.unwrap();
    let category: i64 = sqlx::query_scalar(
        "INSERT INTO categories (tenant_id, name, sort_order, switchboard_id, created_at) VALUES ($1, '总机', 0, $2, 0) RETURNING id",
    )
    .bind(shop.id.0)
    .bind(bob.0)
    .fetch_one(&mut *w)
    .await
    .unwrap();
    sqlx::query("INSERT INTO category_sites (category_id, site_id, tenant_id) SELECT $1, id, tenant_id FROM sites WHERE tenant_id = $2")
        .bind(category)
        .bind(shop.id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    for member in [ann, bob] {
        sqlx::query("INSERT INTO category_agents (category_id, agent_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(category)
            .bind(member.0)
            .bind(shop.id.0)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    drop(w);
    let mut told_of = Vec::new();
    for i in 0..2 {
        let mut visitor = app.visitor(&shop, None).await;
        visitor.client.send(&FromVisitor::Choose { category: Some(category), agent: None }).await;
        told_of.push(ask(&mut visitor, &format!("s{i}"), "转人工").await.1);
    }
    // Least busy would pick Ann (tied, longer idle by id); the switchboard comes first, then is full.
    assert_eq!(told_of, [Some(Routed::To("Bob".into())), Some(Routed::To("Ann".into()))]);
}

#[tokio::test]
async fn the_site_s_switchboard_gets_its_new_chats_first_and_the_routing_page_checks_the_choice() {
    use app::routing::RoutingSettings;

    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (_, _ann) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, _bob) = agent(&app, &shop, "Bob", 1, AgentStatus::Online).await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site: i64 = sqlx::query_scalar("SELECT id FROM sites WHERE tenant_id = $1")
        .bind(shop.id.0)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    let response = app.call("/api/routing/settings", &format!("site_id={site}"), Some(&admin)).await;
    let mut settings = response.json::<RoutingSettings>().await.unwrap();
    assert!(settings.agents.iter().any(|(id, name)| *id == bob.0 && name == "Bob"), "{:?}", settings.agents);
    assert_eq!((settings.switchboard_id, settings.approval, settings.approval_secs), (None, false, 30));

    let refused = |field: &str, code: ErrorCode| Some(ApiError::invalid(field, code));
    for (bad, want) in [
        (
            RoutingSettings { switchboard_id: Some(i64::MAX), ..settings.clone() },
            refused("switchboard_id", ErrorCode::NotFound),
        ),
        (RoutingSettings { approval_secs: 4, ..settings.clone() }, refused("approval_secs", ErrorCode::Format)),
        (RoutingSettings { approval_secs: 301, ..settings.clone() }, refused("approval_secs", ErrorCode::Format)),
    ] {
        let response = app.call_json("/api/routing/settings/save", "settings", &bad, &admin).await;
        assert_eq!(response.status(), 422);
        assert_eq!(response.json::<ApiError>().await.ok(), want);
    }
    settings.switchboard_id = Some(bob.0);
    let saved = app.call_json("/api/routing/settings/save", "settings", &settings, &admin).await;
    assert!(saved.status().is_success(), "{}", saved.status());

    // Least busy would pick Ann first (tied, then by id): the switchboard comes first, until full.
    let mut told_of = Vec::new();
    for i in 0..2 {
        let mut visitor = app.visitor(&shop, None).await;
        told_of.push(ask(&mut visitor, &format!("s{i}"), "你好").await.1);
    }
    assert_eq!(told_of, [Some(Routed::To("Bob".into())), Some(Routed::To("Ann".into()))]);
}

/// The first page of open conversations an agent's console lists.
async fn listed(console: &mut AgentClient) -> Vec<kefu_protocol::ConversationSummary> {
    console.send(&FromAgent::ListConversations { query: String::new(), offset: 0, site: None }).await;
    match console.recv_until(|f| matches!(f, ToAgent::ConversationList { .. })).await {
        ToAgent::ConversationList { conversations, .. } => conversations,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_message_after_the_end_opens_a_conversation_linked_to_the_last_and_lists_show_the_newest_message() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (_, mut ann) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (first, _) = ask(&mut visitor, "v1", "第一次").await;
    ann.reply(first, "a1", "您好！").await;
    let list = listed(&mut ann).await;
    assert_eq!(list.iter().find(|c| c.id == first).map(|c| c.last_message.as_str()), Some("您好！"));

    visitor.client.send(&FromVisitor::End).await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Ended { .. })).await;
    let (second, _) = ask(&mut visitor, "v2", "又来了\n第二行").await;
    assert_ne!(second, first);
    let list = listed(&mut ann).await;
    let again = list.iter().find(|c| c.id == second).expect("the new conversation is listed");
    assert_eq!((again.previous_id, again.last_message.as_str()), (Some(first), "又来了 第二行"));
    assert!(list.iter().all(|c| c.id != first), "the ended one left the open list");
}

/// Whether a console heard a message with this body before a pong (everything queued for it
/// before the ping comes first).
async fn heard_before_pong(console: &mut AgentClient, body: &str) -> bool {
    console.send(&FromAgent::Ping).await;
    let mut heard = false;
    loop {
        match console.recv().await {
            ToAgent::Pong => return heard,
            ToAgent::Message { message } if message.body == body => heard = true,
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_chat_s_messages_reach_its_agent_guests_and_monitors_and_a_waiting_one_everyone_who_may_take_it() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    everyone_away(&app, &shop).await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut monitor, ..) = app.agent(&admin).await;
    let (_, mut ann) = agent(&app, &shop, "Ann", 1, AgentStatus::Online).await;
    let (_, mut bob) = agent(&app, &shop, "Bob", 2, AgentStatus::Away).await;
    let (cleo, mut cleo_console) = agent(&app, &shop, "Cleo", 2, AgentStatus::Away).await;

    let mut first = app.visitor(&shop, None).await;
    let (conversation, routed) = ask(&mut first, "f1", "第一条").await;
    assert_eq!(routed, Some(Routed::To("Ann".into())));
    first.say("f2", "只给 Ann 看").await;
    assert!(heard_before_pong(&mut ann, "只给 Ann 看").await);
    assert!(heard_before_pong(&mut monitor, "只给 Ann 看").await, "the admin may monitor chats");
    assert!(!heard_before_pong(&mut bob, "只给 Ann 看").await, "a colleague without monitoring does not hear it");

    // Ann is full: the next visitor waits, and everyone who may take the chat hears them.
    let mut second = app.visitor(&shop, None).await;
    let (_, routed) = ask(&mut second, "s1", "排队中").await;
    assert_eq!(routed, Some(Routed::Queued(1)));
    assert!(heard_before_pong(&mut bob, "排队中").await);
    assert!(heard_before_pong(&mut cleo_console, "排队中").await);

    // A colleague who joins hears the chat from then on.
    ann.send(&FromAgent::Invite { conversation_id: conversation, agent: cleo }).await;
    cleo_console.recv_until(|f| matches!(f, ToAgent::Invitation { .. })).await;
    cleo_console.send(&FromAgent::AnswerInvite { conversation_id: conversation, accept: true }).await;
    first.client.recv_until(|f| matches!(f, ToVisitor::Guest { joined: true, .. })).await;
    first.say("f3", "Cleo 也在").await;
    assert!(heard_before_pong(&mut cleo_console, "Cleo 也在").await);
    assert!(!heard_before_pong(&mut bob, "Cleo 也在").await);
    // An agent's reply reaches the same consoles.
    ann.reply(conversation, "a1", "我们都在").await;
    assert!(heard_before_pong(&mut cleo_console, "我们都在").await);
    assert!(heard_before_pong(&mut monitor, "我们都在").await);
    assert!(!heard_before_pong(&mut bob, "我们都在").await);
}

#[tokio::test]
async fn with_region_routing_a_visitor_goes_first_to_an_agent_of_their_region_while_they_have_room() {
    use app::agents::{AgentForm, AgentPage};
    use app::infra::net::TrustedProxies;
    use app::routing::RoutingSettings;

    // Visitors' addresses come through a proxy on loopback.
    let app =
        crate::helpers::spawn_app_with(|c| c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap()).await;
    let shop = app.create_tenant("Shop").await;
    let (_, _ann) = agent(&app, &shop, "Ann", 2, AgentStatus::Online).await;
    let (bob, _bob) = agent(&app, &shop, "Bob", 1, AgentStatus::Online).await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;

    // Bob serves Guangdong first (set on the agents page; codes are stored upper case).
    let page: AgentPage = crate::helpers::ok(app.call("/api/agents", "query=Bob&offset=0", Some(&admin)).await).await;
    let row = page.rows.into_iter().find(|r| r.id == bob.0).expect("Bob is listed");
    let form = AgentForm {
        id: Some(row.id),
        version: row.version,
        display_name: row.display_name.clone(),
        role_id: row.role_id,
        site_ids: row.site_ids.clone(),
        seat_enabled: row.seat_enabled,
        max_chats: row.max_chats,
        regions: vec!["cn-gd".into(), "Guangdong".into()],
        ..AgentForm::default()
    };
    let refused = app.call_json("/api/agents/save", "form", &form, &admin).await;
    assert_eq!(crate::helpers::err(refused).await, ApiError::invalid("regions", ErrorCode::Format));
    let form = AgentForm { regions: vec!["cn-gd".into(), " JP ".into()], ..form };
    let _: i64 = crate::helpers::ok(app.call_json("/api/agents/save", "form", &form, &admin).await).await;
    let page: AgentPage = crate::helpers::ok(app.call("/api/agents", "query=Bob&offset=0", Some(&admin)).await).await;
    assert_eq!(page.rows[0].regions, ["CN-GD", "JP"]);

    let site: i64 = sqlx::query_scalar("SELECT id FROM sites WHERE tenant_id = $1")
        .bind(shop.id.0)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    let response = app.call("/api/routing/settings", &format!("site_id={site}"), Some(&admin)).await;
    let settings = response.json::<RoutingSettings>().await.unwrap();
    assert!(!settings.region_routing, "off by default");
    let settings = RoutingSettings { region_routing: true, ..settings };
    let saved = app.call_json("/api/routing/settings/save", "settings", &settings, &admin).await;
    assert!(saved.status().is_success(), "{}", saved.status());

    // Both are free and least busy would pick Ann (tied, then by id): a visitor from Guangzhou
    // goes to Bob; the next finds Bob full and goes to Ann by the normal rules.
    let mut told_of = Vec::new();
    for (i, ip) in ["1.12.0.1", "1.12.0.2", "8.8.8.8"].into_iter().enumerate() {
        let mut visitor = app.try_visitor(&shop, None, &[("x-forwarded-for", ip)]).await.expect("connects");
        told_of.push(ask(&mut visitor, &format!("r{i}"), "你好，我在广州").await.1);
    }
    let to = |n: &str| Some(Routed::To(n.into()));
    assert_eq!(told_of, [to("Bob"), to("Ann"), to("Ann")]);
}
