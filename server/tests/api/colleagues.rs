//! Internal chat and broadcasts (issue 13): colleague messages with the visitor chat's guarantees
//! (acknowledged after commit, one message per client id, caught up after a reconnect), unread
//! counts that follow each console, the company boundary, and an admin's broadcast shown to the
//! agents online until each dismisses it.

use kefu_protocol::{AgentId, ApiError, ColleagueMessage, ErrorCode, FromAgent, ToAgent};

use crate::helpers::{err, ok, spawn_app, AgentClient, Tenant, TestApp, AGENT_PASSWORD};

/// The company's first agent (its admin, the tenant's own login).
pub(crate) async fn admin_id(app: &TestApp, shop: &Tenant) -> AgentId {
    AgentId(app.scalar("SELECT MIN(id) FROM agents WHERE tenant_id = $1", shop.id.0).await)
}

/// A colleague of the company (role "agent") and their session cookie.
async fn colleague(app: &TestApp, shop: &Tenant, name: &str) -> (AgentId, String) {
    let (id, login) = app.add_agent(shop, name).await;
    (id, app.login(&shop.company, &login, AGENT_PASSWORD).await)
}

pub(crate) async fn say(console: &mut AgentClient, to: AgentId, id: &str, body: &str) -> ColleagueMessage {
    console.send(&FromAgent::ColleagueSend { to, client_msg_id: id.into(), body: body.into() }).await;
    match console.recv_until(|f| matches!(f, ToAgent::ColleagueAck { .. } | ToAgent::Error { .. })).await {
        ToAgent::ColleagueAck { client_msg_id, message } if client_msg_id == id => message,
        other => panic!("no ack for {id}: {other:?}"),
    }
}

async fn heard(console: &mut AgentClient) -> ColleagueMessage {
    match console.recv_until(|f| matches!(f, ToAgent::ColleagueMessage { .. })).await {
        ToAgent::ColleagueMessage { message } => message,
        _ => unreachable!(),
    }
}

/// The frames a console received until the answer to a ping (everything sent to it before).
async fn until_pong(console: &mut AgentClient) -> Vec<ToAgent> {
    console.send(&FromAgent::Ping).await;
    let mut frames = Vec::new();
    loop {
        match console.recv().await {
            ToAgent::Pong => return frames,
            frame => frames.push(frame),
        }
    }
}

fn thread_with(frames: &[ToAgent], peer: AgentId) -> Option<(i64, i64)> {
    frames.iter().find_map(|f| match f {
        ToAgent::ColleagueThreads { threads } => {
            threads.iter().find(|t| t.peer == peer).map(|t| (t.last_seq, t.read_seq))
        }
        _ => None,
    })
}

#[tokio::test]
async fn colleagues_chat_with_acks_a_resend_stores_once_and_a_reconnected_console_catches_up_with_unread_counts() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let ann = admin_id(&app, &shop).await;
    let mut ann_console = app.agent_of(&shop).await;
    let (bob, bob_cookie) = colleague(&app, &shop, "Bob").await;
    let (mut bob_console, ..) = app.agent(&bob_cookie).await;

    let first = say(&mut ann_console, bob, "c1", "Bob，下午的会议改到三点").await;
    assert_eq!((first.from, first.to, first.seq), (ann, bob, 1));
    let got = heard(&mut bob_console).await;
    assert_eq!(got, first, "Bob's console hears the committed message");
    // The same client id again (a resend after a lost ack) answers the original.
    let again = say(&mut ann_console, bob, "c1", "Bob，下午的会议改到三点").await;
    assert_eq!(again, first);
    let count = "SELECT COUNT(*) FROM colleague_messages m JOIN colleague_threads t ON t.id = m.thread_id \
                 WHERE t.tenant_id = $1";
    assert_eq!(app.scalar(count, shop.id.0).await, 1, "stored once");

    let reply = say(&mut bob_console, ann, "b1", "好的").await;
    assert_eq!(reply.seq, 2);
    assert_eq!(heard(&mut ann_console).await.body, "好的");

    // Bob closes his workbench; Ann writes twice more.
    bob_console.close().await;
    say(&mut ann_console, bob, "c2", "资料在共享盘").await;
    say(&mut ann_console, bob, "c3", "记得带电脑").await;

    // Back: the thread shows two unread (his reply read everything before it), and a sync after
    // what he held brings exactly the two.
    let (mut bob_console, ..) = app.agent(&bob_cookie).await;
    let connected = until_pong(&mut bob_console).await;
    assert_eq!(thread_with(&connected, ann), Some((4, 2)), "{connected:?}");
    bob_console.send(&FromAgent::ColleagueSync { peer: ann, after_seq: 2 }).await;
    let ToAgent::ColleagueMessages { peer, messages, more } =
        bob_console.recv_until(|f| matches!(f, ToAgent::ColleagueMessages { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(peer, ann);
    assert!(!more);
    let bodies: Vec<(i64, &str)> = messages.iter().map(|m| (m.seq, m.body.as_str())).collect();
    assert_eq!(bodies, [(3, "资料在共享盘"), (4, "记得带电脑")]);

    // Reading on one console clears the count on his others, and for the next connect.
    let (mut bob_phone, ..) = app.agent(&bob_cookie).await;
    bob_console.send(&FromAgent::ColleagueRead { peer: ann, seq: 4 }).await;
    let read = bob_phone.recv_until(|f| matches!(f, ToAgent::ColleagueRead { .. })).await;
    assert_eq!(read, ToAgent::ColleagueRead { peer: ann, seq: 4 });
    let (mut bob_again, ..) = app.agent(&bob_cookie).await;
    assert_eq!(thread_with(&until_pong(&mut bob_again).await, ann), Some((4, 4)));
    // Ann's side counts from her own read mark: she sent last, so nothing is unread for her.
    let (mut ann_again, ..) = app.agent(&app.login(&shop.company, &shop.login, &shop.password).await).await;
    assert_eq!(thread_with(&until_pong(&mut ann_again).await, bob), Some((4, 4)));
}

/// Sends a message that must be refused; the error, checked to name the message.
async fn refused(console: &mut AgentClient, to: AgentId, id: &str, body: String) -> ApiError {
    console.send(&FromAgent::ColleagueSend { to, client_msg_id: id.into(), body }).await;
    let (error, client_msg_id) = console.error().await;
    assert_eq!(client_msg_id.as_deref(), Some(id));
    error
}

#[tokio::test]
async fn colleague_messages_stay_within_the_company_and_bad_ones_are_refused_without_a_trace() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let other = app.create_tenant("Other").await;
    let ann = admin_id(&app, &shop).await;
    let stranger = admin_id(&app, &other).await;
    let mut ann_console = app.agent_of(&shop).await;
    let mut stranger_console = app.agent_of(&other).await;

    assert_eq!(refused(&mut ann_console, stranger, "x1", "hello".into()).await, ApiError::NotFound);
    assert_eq!(
        refused(&mut ann_console, ann, "x2", "hello me".into()).await.code(),
        ErrorCode::Incorrect,
        "not to oneself"
    );
    let (bob, _) = colleague(&app, &shop, "Bob").await;
    let long = "长".repeat(kefu_protocol::MAX_BODY_CHARS + 1);
    assert_eq!(refused(&mut ann_console, bob, "x3", long).await.code(), ErrorCode::TooLong);
    assert_eq!(refused(&mut ann_console, bob, "x4", "  ".into()).await.code(), ErrorCode::Empty);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM colleague_messages WHERE from_agent = $1", ann.0).await, 0);

    // Another company's agent reads nothing of Ann's threads, even naming her.
    say(&mut ann_console, bob, "ok1", "只给同事看").await;
    stranger_console.send(&FromAgent::ColleagueSync { peer: ann, after_seq: 0 }).await;
    let answer = stranger_console.recv_until(|f| matches!(f, ToAgent::ColleagueMessages { .. })).await;
    assert_eq!(answer, ToAgent::ColleagueMessages { peer: ann, messages: vec![], more: false });
    stranger_console.send(&FromAgent::ColleagueRead { peer: bob, seq: 1 }).await;
    let frames = until_pong(&mut stranger_console).await;
    assert!(!frames.iter().any(|f| matches!(f, ToAgent::ColleagueRead { .. })), "{frames:?}");
}

#[tokio::test]
async fn a_broadcast_reaches_the_agents_online_as_a_banner_until_each_dismisses_it() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_, bob_cookie) = colleague(&app, &shop, "Bob").await;
    let (_, carol_cookie) = colleague(&app, &shop, "Carol").await;
    let (mut bob_console, ..) = app.agent(&bob_cookie).await;

    let body = "client_msg_id=g1&body=%E4%BB%8A%E5%A4%A9%E4%B8%8B%E5%8D%88%E4%B8%89%E7%82%B9%E5%BC%80%E4%BC%9A";
    let reached: usize = ok(app.call("/api/colleagues/broadcast", body, Some(&admin)).await).await;
    assert_eq!(reached, 1, "Bob is online; Carol is not, and the sender is not counted");
    let ToAgent::Broadcast { broadcast } = bob_console.recv_until(|f| matches!(f, ToAgent::Broadcast { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(broadcast.body, "今天下午三点开会");
    // A retry after a lost answer sends nothing more.
    let again: usize = ok(app.call("/api/colleagues/broadcast", body, Some(&admin)).await).await;
    assert_eq!(again, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM broadcasts WHERE tenant_id = $1", shop.id.0).await, 1);
    assert!(!until_pong(&mut bob_console).await.iter().any(|f| matches!(f, ToAgent::Broadcast { .. })));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM oplog WHERE tenant_id = $1 AND kind = 'broadcast_sent'", shop.id.0).await,
        1
    );

    // Still there after a reload; dismissed on one console, gone from the others and for good.
    let (mut bob_phone, ..) = app.agent(&bob_cookie).await;
    let standing = until_pong(&mut bob_phone).await;
    assert!(standing.iter().any(|f| matches!(f, ToAgent::Broadcast { broadcast: b } if b.id == broadcast.id)));
    bob_phone.send(&FromAgent::DismissBroadcast { id: broadcast.id }).await;
    let gone = bob_console.recv_until(|f| matches!(f, ToAgent::BroadcastDismissed { .. })).await;
    assert_eq!(gone, ToAgent::BroadcastDismissed { id: broadcast.id });
    let (mut bob_later, ..) = app.agent(&bob_cookie).await;
    assert!(!until_pong(&mut bob_later).await.iter().any(|f| matches!(f, ToAgent::Broadcast { .. })));
    // Carol was not online when it went out.
    let (mut carol_console, ..) = app.agent(&carol_cookie).await;
    assert!(!until_pong(&mut carol_console).await.iter().any(|f| matches!(f, ToAgent::Broadcast { .. })));

    // Only admins broadcast, and not without limit.
    let error = err(app.call("/api/colleagues/broadcast", "client_msg_id=g2&body=hi", Some(&bob_cookie)).await).await;
    assert_eq!(error, ApiError::Forbidden);
    for n in 2..=app::colleagues::service::BROADCASTS_PER_HOUR {
        let body = format!("client_msg_id=n{n}&body=notice{n}");
        let _: usize = ok(app.call("/api/colleagues/broadcast", &body, Some(&admin)).await).await;
    }
    let error = err(app.call("/api/colleagues/broadcast", "client_msg_id=over&body=hi", Some(&admin)).await).await;
    assert_eq!(error.code(), ErrorCode::TooMany);
}
