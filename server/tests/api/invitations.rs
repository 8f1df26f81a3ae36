//! Invitations to chat (issue 12; seed 000 "主动邀请", 10.3): an agent invites a visitor, who
//! accepts and chats with that agent or declines; the site invites automatically after a while on
//! the pages it names, once a visit and never after a decline; every invitation is stored.

use app::invitations::InviteSettings;
use kefu_protocol::{ErrorCode, FromAgent, FromVisitor, PageInfo, ToAgent, ToVisitor};

use crate::helpers::*;

async fn settings(app: &TestApp, cookie: &str, site: i64) -> InviteSettings {
    ok(app.call("/api/invitations/settings", &format!("site_id={site}"), Some(cookie)).await).await
}

async fn save(app: &TestApp, cookie: &str, settings: &InviteSettings) -> reqwest::Response {
    app.call_json("/api/invitations/settings/save", "settings", settings, cookie).await
}

async fn site_of(app: &TestApp, shop: &Tenant) -> i64 {
    app.scalar("SELECT id FROM sites WHERE tenant_id = $1", shop.id.0).await
}

async fn visit(visitor: &mut Visitor, url: &str) {
    let page = PageInfo { url: url.into(), title: "页面".into(), referrer: String::new() };
    visitor.client.send(&FromVisitor::Page { page }).await;
}

/// The invitations the visitor received before the server answered a ping (every frame the
/// server sends in answer to earlier ones comes first).
async fn invitations_before_pong(visitor: &mut Visitor) -> Vec<ToVisitor> {
    visitor.client.send(&FromVisitor::Ping).await;
    let mut invitations = Vec::new();
    loop {
        match visitor.client.recv().await {
            ToVisitor::Pong => return invitations,
            frame @ ToVisitor::Invitation { .. } => invitations.push(frame),
            _ => {}
        }
    }
}

async fn invited(visitor: &mut Visitor) -> (i64, Option<String>, Vec<(String, String)>) {
    match visitor.client.recv_until(|f| matches!(f, ToVisitor::Invitation { .. })).await {
        ToVisitor::Invitation { invitation_id, agent_name, texts, .. } => (invitation_id, agent_name, texts),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn an_invited_visitor_who_accepts_chats_with_the_inviting_agent() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_admin_console, ..) = app.agent(&admin).await;
    let (ann_id, login) = app.add_agent(&shop, "Ann").await;
    app.serve_every_site(&shop, ann_id).await;
    let ann = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let (mut console, ..) = app.agent(&ann).await;
    let mut visitor = app.visitor(&shop, None).await;
    let vid = visitor.visitor_id;

    // Ann has a picture: the invitation shows it.
    let body = serde_json::json!({ "agent_id": ann_id.0, "upload": { "base64": TINY_PNG } }).to_string();
    let avatar: String = ok(app.call("/api/agents/avatar", &body, Some(&admin)).await).await;
    console.send(&FromAgent::InviteVisitor { visitor_id: vid }).await;
    let frame = visitor.client.recv_until(|f| matches!(f, ToVisitor::Invitation { .. })).await;
    let ToVisitor::Invitation { invitation_id: id, agent_name: from, texts, agent_avatar } = frame else {
        unreachable!()
    };
    assert_eq!((from.as_deref(), texts.len(), agent_avatar), (Some("Ann"), 0, Some(avatar)));
    let sent = console.recv_until(|f| matches!(f, ToAgent::VisitorInvited { .. })).await;
    assert_eq!(sent, ToAgent::VisitorInvited { visitor_id: vid, invitation_id: id });
    // Unanswered, it stands: no second invitation.
    console.send(&FromAgent::InviteVisitor { visitor_id: vid }).await;
    let (error, _) = console.error().await;
    assert_eq!((error.code(), error.field()), (ErrorCode::Taken, Some("invitation")));

    // Accepted: the conversation opens with Ann, before the visitor writes a word.
    visitor.client.send(&FromVisitor::AnswerInvitation { invitation_id: id, accept: true }).await;
    let assigned = visitor.client.recv_until(|f| matches!(f, ToVisitor::Assigned { .. })).await;
    let ToVisitor::Assigned { conversation_id, agent_name, .. } = assigned else { unreachable!() };
    assert_eq!(agent_name, "Ann");
    let answered = console.recv_until(|f| matches!(f, ToAgent::InvitationAnswered { .. })).await;
    assert_eq!(answered, ToAgent::InvitationAnswered { visitor_id: vid, invitation_id: id, accepted: true });
    let message = visitor.say("m-1", "你好，我想了解一下价格").await;
    assert_eq!(message.conversation_id, conversation_id);
    assert_eq!(app.scalar("SELECT agent_id FROM conversations WHERE id = $1", conversation_id.0).await, ann_id.0);
    let stored =
        "SELECT COUNT(*) FROM invitations WHERE id = $1 AND answer = 'accepted' AND conversation_id IS NOT NULL";
    assert_eq!(app.scalar(stored, id).await, 1);

    // Chatting already: no invitation; an answered one cannot be answered again.
    console.send(&FromAgent::InviteVisitor { visitor_id: vid }).await;
    let (error, _) = console.error().await;
    assert_eq!((error.code(), error.field()), (ErrorCode::InUse, Some("visitor")));
    visitor.client.send(&FromVisitor::AnswerInvitation { invitation_id: id, accept: false }).await;
    let (error, _) = visitor.client.error().await;
    assert_eq!(error.code(), ErrorCode::NotFound);

    // Another company's agent cannot invite this visitor.
    let other = app.create_tenant("Other").await;
    let other_admin = app.login(&other.company, &other.login, &other.password).await;
    let (mut stranger, ..) = app.agent(&other_admin).await;
    stranger.send(&FromAgent::InviteVisitor { visitor_id: vid }).await;
    assert_eq!(stranger.error().await.0.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_site_invites_automatically_on_its_pages_once_a_visit_and_never_after_a_decline() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let site = site_of(&app, &shop).await;
    let mut form = settings(&app, &admin, site).await;
    assert!(!form.auto, "off until the site turns it on");
    form.auto = true;
    form.after_secs = 0;
    form.pages = vec!["*/pricing*".into()];
    form.texts = vec![("zh-CN".into(), "需要帮忙选购吗？".into())];
    ok::<()>(save(&app, &admin, &form).await).await;

    // Not on a named page; then on one: the site's own invitation, with its text.
    let mut visitor = app.visitor(&shop, None).await;
    assert!(visitor.welcome_online);
    visit(&mut visitor, "https://shop.example/").await;
    assert!(invitations_before_pong(&mut visitor).await.is_empty());
    visit(&mut visitor, "https://shop.example/pricing").await;
    let got = invitations_before_pong(&mut visitor).await;
    let [ToVisitor::Invitation { invitation_id, agent_name: None, texts, agent_avatar: None }] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(texts, &form.texts);
    // Declined ("Later"): no more this visit, on any page or tab.
    visitor.client.send(&FromVisitor::AnswerInvitation { invitation_id: *invitation_id, accept: false }).await;
    visit(&mut visitor, "https://shop.example/pricing?plan=pro").await;
    assert!(invitations_before_pong(&mut visitor).await.is_empty());
    let mut tab = app.visitor(&shop, Some(&visitor.token)).await;
    visit(&mut tab, "https://shop.example/pricing").await;
    assert!(invitations_before_pong(&mut tab).await.is_empty());
    let declined = "SELECT COUNT(*) FROM invitations WHERE visitor_id = $1 AND answer = 'declined'";
    assert_eq!(app.scalar(declined, visitor.visitor_id.0).await, 1);

    // A visitor who declined an agent's invitation is not invited by the site that visit either,
    // but the agent may invite them again.
    let mut other = app.visitor(&shop, None).await;
    console.send(&FromAgent::InviteVisitor { visitor_id: other.visitor_id }).await;
    let (id, ..) = invited(&mut other).await;
    other.client.send(&FromVisitor::AnswerInvitation { invitation_id: id, accept: false }).await;
    console.recv_until(|f| matches!(f, ToAgent::InvitationAnswered { accepted: false, .. })).await;
    visit(&mut other, "https://shop.example/pricing").await;
    assert!(invitations_before_pong(&mut other).await.is_empty());
    console.send(&FromAgent::InviteVisitor { visitor_id: other.visitor_id }).await;
    let (_, from, _) = invited(&mut other).await;
    assert!(from.is_some());

    // Bad settings are refused with the field to blame; another company cannot read them.
    let code = |e: kefu_protocol::ApiError| (e.code(), e.field().map(str::to_owned));
    let late = InviteSettings { after_secs: 3601, ..form.clone() };
    assert_eq!(code(err(save(&app, &admin, &late).await).await), (ErrorCode::Format, Some("after_secs".into())));
    let french = InviteSettings { texts: vec![("fr".into(), "Bonjour".into())], ..form.clone() };
    assert_eq!(code(err(save(&app, &admin, &french).await).await), (ErrorCode::Format, Some("texts".into())));
    let stale = InviteSettings { auto: false, ..form };
    assert_eq!(err(save(&app, &admin, &stale).await).await.code(), ErrorCode::Stale, "read before the last save");
    let stranger = app.create_tenant("Other").await;
    let stranger = app.login(&stranger.company, &stranger.login, &stranger.password).await;
    let response = app.call("/api/invitations/settings", &format!("site_id={site}"), Some(&stranger)).await;
    assert_eq!(err(response).await.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_automatic_invitation_waits_for_its_time_on_the_site() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_console, ..) = app.agent(&admin).await;
    let site = site_of(&app, &shop).await;
    let form = InviteSettings { auto: true, after_secs: 1, ..settings(&app, &admin, site).await };
    ok::<()>(save(&app, &admin, &form).await).await;
    let mut visitor = app.visitor(&shop, None).await;
    visit(&mut visitor, "https://shop.example/").await;
    let started = std::time::Instant::now();
    let (_, from, _) = invited(&mut visitor).await;
    assert!(from.is_none());
    assert!(started.elapsed() >= std::time::Duration::from_millis(500), "not before its time");
}

/// Sneak peek (seed 000 7.2): off by default; turned on, the widget is told, and the agent of the
/// chat sees what the visitor types before they send it, card numbers masked, nothing stored.
#[tokio::test]
async fn sneak_peek_is_off_by_default_and_when_on_shows_the_masked_draft_to_the_chats_agent() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let mut visitor = app.visitor(&shop, None).await;
    assert!(!visitor.welcome_sneak_peek);
    let (conversation, _) = ask(&mut visitor, "m-1", "在吗").await;
    console.recv_until(|f| matches!(f, ToAgent::Message { message } if message.client_msg_id == "m-1")).await;

    // Off: a draft goes nowhere (the message after it arrives first).
    visitor.client.send(&FromVisitor::Draft { text: "我想退".into() }).await;
    visitor.say("m-2", "我想退款").await;
    let next = console.recv_until(|f| matches!(f, ToAgent::Draft { .. } | ToAgent::Message { .. })).await;
    assert!(matches!(next, ToAgent::Message { .. }), "{next:?}");

    let site = site_of(&app, &shop).await;
    let form = InviteSettings { sneak_peek: true, ..settings(&app, &admin, site).await };
    ok::<()>(save(&app, &admin, &form).await).await;
    let mut visitor = app.visitor(&shop, Some(&visitor.token)).await;
    assert!(visitor.welcome_sneak_peek, "the widget is told");
    visitor.client.send(&FromVisitor::Draft { text: "卡号 4111 1111 1111 1111 可以退吗".into() }).await;
    let draft = console.recv_until(|f| matches!(f, ToAgent::Draft { .. })).await;
    assert_eq!(
        draft,
        ToAgent::Draft {
            conversation_id: conversation, text: "卡号 •••• •••• •••• 1111 可以退吗".into()
        }
    );
    assert_eq!(app.message_count(conversation).await, 2, "drafts are never stored");
}
