//! Supervision (issue 16; seed 004 section 14): a supervisor whispers in a colleague's live chat
//! (agents hear it, the visitor never does), takes the chat over, or ends it with a reason.

use kefu_protocol::{
    AgentId, AgentStatus, ApiError, ConversationId, ErrorCode, FromAgent, FromVisitor, ToAgent, ToVisitor, Whisper,
};

use crate::helpers::{ask, err, ok, spawn_app, told, AgentClient, Routed, Tenant, TestApp, Visitor};
use crate::routing::{agent_signed_in, everyone_away};

/// The company's admin (who may monitor chats) away, so that routing gives chats to Ann; Ann
/// online; Bob, who serves the site but may not monitor, away. Their cookies and consoles.
struct Team {
    admin: String,
    admin_id: AgentId,
    admin_console: AgentClient,
    ann: AgentId,
    ann_cookie: String,
    ann_console: AgentClient,
    bob_cookie: String,
    bob_console: AgentClient,
}

async fn team(app: &TestApp, shop: &Tenant) -> Team {
    everyone_away(app, shop).await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let admin_id = AgentId(app.scalar("SELECT id FROM agents WHERE tenant_id = $1", shop.id.0).await);
    let (admin_console, ..) = app.agent(&admin).await;
    let (ann, ann_console, ann_cookie) = agent_signed_in(app, shop, "Ann", 5, AgentStatus::Online).await;
    let (_, bob_console, bob_cookie) = agent_signed_in(app, shop, "Bob", 5, AgentStatus::Away).await;
    Team { admin, admin_id, admin_console, ann, ann_cookie, ann_console, bob_cookie, bob_console }
}

async fn whisper(
    app: &TestApp,
    cookie: &str,
    id: ConversationId,
    client_msg_id: &str,
    body: &str,
) -> reqwest::Response {
    let form = format!("conversation_id={id}&client_msg_id={client_msg_id}&body={}", urlencoding(body));
    app.call("/api/supervision/whisper", &form, Some(cookie)).await
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Whether the console hears a whisper saying `body` before the answer to a ping.
async fn hears_whisper(console: &mut AgentClient, body: &str) -> bool {
    console.send(&FromAgent::Ping).await;
    let mut heard = false;
    loop {
        match console.recv().await {
            ToAgent::Pong => return heard,
            ToAgent::Whisper { whisper } if whisper.body == body => heard = true,
            _ => {}
        }
    }
}

/// Every frame the visitor got before the answer to a ping, as text.
async fn visitor_frames(visitor: &mut Visitor) -> String {
    visitor.client.send(&FromVisitor::Ping).await;
    let mut all = String::new();
    loop {
        match visitor.client.recv().await {
            ToVisitor::Pong => return all,
            frame => all.push_str(&format!("{frame:?}\n")),
        }
    }
}

#[tokio::test]
async fn a_supervisor_whispers_to_the_agent_and_the_visitor_never_hears_it() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut t = team(&app, &shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, routed) = ask(&mut visitor, "v1", "我想申请退款").await;
    assert_eq!(routed, Some(Routed::To("Ann".into())));

    let sent: Whisper = ok(whisper(&app, &t.admin, conversation, "w1", "先核实订单号再退款").await).await;
    assert_eq!((sent.agent_id, sent.body.as_str()), (t.admin_id, "先核实订单号再退款"));
    assert!(hears_whisper(&mut t.ann_console, "先核实订单号再退款").await, "the chat's agent hears it");
    assert!(!hears_whisper(&mut t.bob_console, "先核实订单号再退款").await, "a colleague outside the chat does not");
    assert!(!visitor_frames(&mut visitor).await.contains("先核实订单号"), "the visitor never gets it");
    // Sent again after a lost answer: the same whisper, stored once.
    let again: Whisper = ok(whisper(&app, &t.admin, conversation, "w1", "先核实订单号再退款").await).await;
    assert_eq!(again.id, sent.id);
    // Ann answers the whisper; Bob, outside the chat, cannot whisper in it.
    ok::<Whisper>(whisper(&app, &t.ann_cookie, conversation, "a1", "好的，正在查").await).await;
    assert!(hears_whisper(&mut t.admin_console, "好的，正在查").await);
    assert_eq!(err(whisper(&app, &t.bob_cookie, conversation, "b1", "我也想说").await).await, ApiError::NotFound);
    // Bad input is refused by field and stores nothing.
    let empty = err(whisper(&app, &t.admin, conversation, "w2", "   ").await).await;
    assert_eq!(empty.field(), Some("body"));
    let long = err(whisper(&app, &t.admin, conversation, "w3", &"长".repeat(4001)).await).await;
    assert_eq!(long.field(), Some("body"));
    let whispers: Vec<Whisper> = ok(app
        .call("/api/supervision/whispers", &format!("conversation_id={conversation}"), Some(&t.ann_cookie))
        .await)
    .await;
    let bodies: Vec<&str> = whispers.iter().map(|w| w.body.as_str()).collect();
    assert_eq!(bodies, ["先核实订单号再退款", "好的，正在查"]);

    // The conversation's numbered messages hold no whisper: the visitor's log has no gap.
    let messages = visitor.client.sync(conversation, 0).await;
    assert!(messages.iter().all(|m| !m.body.contains("核实")));
    assert_eq!(visitor.say("v2", "订单号是 42").await.seq, 2);
    // A closed chat takes no whisper.
    let closed = app.call("/api/chat/close", &format!("conversation_id={conversation}"), Some(&t.ann_cookie)).await;
    assert!(closed.status().is_success());
    assert_eq!(
        err(whisper(&app, &t.admin, conversation, "w4", "太迟了").await).await,
        ApiError::conflict(None, ErrorCode::Conflict)
    );
    // The record shows them, among the transcript's lines, to those who read records.
    let transcript: app::records::Transcript =
        ok(app.call("/api/records/transcript", &format!("id={conversation}"), Some(&t.admin)).await).await;
    assert_eq!(transcript.whispers.len(), 2);
    assert!(transcript.messages.iter().all(|m| !m.body.contains("核实")));
}

#[tokio::test]
async fn a_supervisor_takes_a_chat_over_and_the_visitor_and_the_previous_agent_are_told() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut t = team(&app, &shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "v1", "我要投诉").await;
    let form = format!("conversation_id={conversation}");

    // Bob may not monitor: refused at the gate, nothing changes.
    assert_eq!(
        err(app.call("/api/supervision/take-over", &form, Some(&t.bob_cookie)).await).await,
        ApiError::Forbidden
    );
    ok::<()>(app.call("/api/supervision/take-over", &form, Some(&t.admin)).await).await;
    told(&mut visitor, Routed::To("Shop Admin".into())).await;
    let notice = t.ann_console.recv_until(|f| matches!(f, ToAgent::TakenOver { .. })).await;
    assert_eq!(notice, ToAgent::TakenOver { conversation_id: conversation, by: "Shop Admin".into() });
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation.0).await, t.admin_id.0);
    // The chat is the admin's: they answer in it, Ann no longer can.
    assert_eq!(t.admin_console.reply(conversation, "s1", "您好，我是主管").await.seq, 2);
    t.ann_console
        .send(&FromAgent::Send {
            conversation_id: conversation,
            client_msg_id: "a1".into(),
            body: "我还在".into(),
            file: None,
        })
        .await;
    assert_eq!(t.ann_console.error().await.0, ApiError::conflict(Some("agent"), ErrorCode::Taken));
    // Taking it again is nothing to do; the record and the operation log say it happened once.
    ok::<()>(app.call("/api/supervision/take-over", &form, Some(&t.admin)).await).await;
    let events = "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'taken_over'";
    assert_eq!(app.scalar(events, conversation.0).await, 1);
    let logged = "SELECT COUNT(*) FROM oplog WHERE tenant_id = $1 AND kind = 'chat_taken_over'";
    assert_eq!(app.scalar(logged, shop.id.0).await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM conversations WHERE agent_id = $1 AND status = 'open'", t.ann.0).await,
        0
    );
}

#[tokio::test]
async fn a_supervisor_ends_a_chat_with_a_reason_the_visitor_s_window_ends_and_the_agent_is_told_why() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut t = team(&app, &shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "v1", "广告广告广告").await;
    let end = |reason: &str| format!("conversation_id={conversation}&reason={}", urlencoding(reason));

    let missing = err(app.call("/api/supervision/end", &end("  "), Some(&t.admin)).await).await;
    assert_eq!(missing, ApiError::invalid("end_reason", ErrorCode::Required));
    let long = err(app.call("/api/supervision/end", &end(&"长".repeat(201)), Some(&t.admin)).await).await;
    assert_eq!(long, ApiError::invalid("end_reason", ErrorCode::TooLong));
    assert_eq!(
        err(app.call("/api/supervision/end", &end("垃圾信息"), Some(&t.bob_cookie)).await).await,
        ApiError::Forbidden
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM conversations WHERE id = $1 AND status = 'open'", conversation.0).await,
        1
    );

    ok::<()>(app.call("/api/supervision/end", &end("垃圾信息"), Some(&t.admin)).await).await;
    visitor
        .client
        .recv_until(|f| matches!(f, ToVisitor::Ended { conversation_id, .. } if *conversation_id == conversation))
        .await;
    let notice = t.ann_console.recv_until(|f| matches!(f, ToAgent::ForceClosed { .. })).await;
    assert_eq!(
        notice,
        ToAgent::ForceClosed { conversation_id: conversation, by: "Shop Admin".into(), reason: "垃圾信息".into() }
    );
    let forced = "SELECT COUNT(*) FROM conversations WHERE id = $1 AND status = 'closed' AND closed_by = 'forced'";
    assert_eq!(app.scalar(forced, conversation.0).await, 1);
    let event = sqlx::query_scalar::<_, String>(
        "SELECT detail FROM conversation_events WHERE conversation_id = $1 AND kind = 'force_closed'",
    )
    .bind(conversation.0)
    .fetch_one(app.db.reader())
    .await
    .unwrap();
    assert_eq!(event, "垃圾信息");
    let logged = "SELECT COUNT(*) FROM oplog WHERE tenant_id = $1 AND kind = 'chat_force_closed'";
    assert_eq!(app.scalar(logged, shop.id.0).await, 1);
    // Ended already: a second end changes nothing.
    assert_eq!(
        err(app.call("/api/supervision/end", &end("再来"), Some(&t.admin)).await).await,
        ApiError::conflict(None, ErrorCode::Conflict)
    );
}

#[tokio::test]
async fn the_team_dashboard_counts_each_agent_s_chats_first_replies_and_ratings_of_the_day() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut t = team(&app, &shop).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "v1", "发票怎么开").await;
    t.ann_console.reply(conversation, "a1", "在订单页申请").await;
    visitor.client.send(&FromVisitor::End).await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Ended { .. })).await;
    visitor.client.send(&FromVisitor::Rate { conversation_id: conversation, score: 4, comment: String::new() }).await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { .. })).await;

    let rows: Vec<app::supervision::TeamRow> =
        ok(app.call("/api/supervision/team", "since=0", Some(&t.admin)).await).await;
    let ann = rows.iter().find(|r| r.agent_id == t.ann.0).expect("Ann is listed");
    assert_eq!((ann.chats, ann.ratings, ann.rating_total), (1, 1, 4));
    let started = app.scalar("SELECT started_at FROM conversations WHERE id = $1", conversation.0).await;
    let replied = app
        .scalar(
            "SELECT MIN(sent_at) FROM messages WHERE conversation_id = $1 AND sender_kind = 'agent'",
            conversation.0,
        )
        .await;
    assert_eq!(ann.first_response_ms, Some(replied - started));
    let closed = app.scalar("SELECT closed_at FROM conversations WHERE id = $1", conversation.0).await;
    assert_eq!(ann.talk_ms, closed - started);
    let bob = rows.iter().find(|r| r.name == "Bob").expect("Bob is listed");
    assert_eq!((bob.chats, bob.first_response_ms, bob.ratings), (0, None, 0));
    // Only the day: a day starting after the chat counts nothing for Ann.
    let tomorrow = format!("since={}", closed + 1);
    let later: Vec<app::supervision::TeamRow> =
        ok(app.call("/api/supervision/team", &tomorrow, Some(&t.admin)).await).await;
    assert_eq!(later.iter().find(|r| r.agent_id == t.ann.0).map(|r| r.chats), Some(0));
    // Whoever may not monitor sees none of it.
    assert_eq!(err(app.call("/api/supervision/team", "since=0", Some(&t.bob_cookie)).await).await, ApiError::Forbidden);
}

#[tokio::test]
async fn the_rating_review_counts_each_agent_s_ratings_by_score_and_lists_one_agent_s() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let t = team(&app, &shop).await;
    let mut rated = Vec::new();
    for (i, (score, comment, take_over)) in
        [(5u8, "", false), (2, "太慢", true), (1, "差", false)].into_iter().enumerate()
    {
        let mut visitor = app.visitor(&shop, None).await;
        let (conversation, routed) = ask(&mut visitor, &format!("v{i}"), "你好").await;
        assert_eq!(routed, Some(Routed::To("Ann".into())));
        if take_over {
            ok::<()>(
                app.call("/api/supervision/take-over", &format!("conversation_id={conversation}"), Some(&t.admin))
                    .await,
            )
            .await;
            told(&mut visitor, Routed::To("Shop Admin".into())).await;
        }
        visitor.client.send(&FromVisitor::Rate { conversation_id: conversation, score, comment: comment.into() }).await;
        visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { .. })).await;
        rated.push(conversation);
    }
    let body = format!("conversation_id={}&invalid=true&reason={}", rated[2], urlencoding("测试"));
    ok::<()>(app.call("/api/ratings/invalid", &body, Some(&t.admin)).await).await;

    let list = |agent: Option<AgentId>| {
        let mut form = format!("from=0&to={}&offset=0", i64::MAX);
        if let Some(agent) = agent {
            form.push_str(&format!("&agent_id={agent}"));
        }
        let admin = t.admin.clone();
        let app = &app;
        async move { ok::<app::ratings::RatingPage>(app.call("/api/ratings/list", &form, Some(&admin)).await).await }
    };
    let everyone = list(None).await;
    assert_eq!(everyone.total, 3);
    // By name; the chat taken over is rated for whoever had it then.
    let names: Vec<Option<&str>> = everyone.per_agent.iter().map(|a| a.agent_name.as_deref()).collect();
    assert_eq!(names, [Some("Ann"), Some("Shop Admin")]);
    let (ann, admin) = (&everyone.per_agent[0], &everyone.per_agent[1]);
    assert_eq!((ann.by_score.as_slice(), ann.invalid, ann.average), (&[(5, 1)][..], 1, Some(5.0)));
    assert_eq!((admin.by_score.as_slice(), admin.invalid, admin.average), (&[(2, 1)][..], 0, Some(2.0)));
    let ann = list(Some(t.ann)).await;
    assert_eq!((ann.total, ann.average), (2, Some(5.0)));
    assert!(ann.rows.iter().all(|r| r.agent_name.as_deref() == Some("Ann")));
    let admins = list(Some(t.admin_id)).await;
    assert_eq!(admins.rows.iter().map(|r| r.comment.as_str()).collect::<Vec<_>>(), ["太慢"]);
    // The figures per agent stay whole whichever agent is listed.
    assert_eq!(admins.per_agent, everyone.per_agent);
}
