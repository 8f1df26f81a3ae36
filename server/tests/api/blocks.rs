//! Blocking (issue 12; seed 000 7.6 and 16.5): an agent blocks a chat's visitor, an admin bans an
//! address or range; the visitor is told only that chat is not available, on this connection and
//! the next, until the block is lifted. And pushing a link to a chat's visitor (seed 000 7.13).

use app::blocks::{BlockFor, BlockForm, BlockTarget, BlockView};
use app::infra::net::TrustedProxies;
use app::oplog::{OpKind, OplogPage, OplogQuery};
use kefu_protocol::{ApiError, ErrorCode, FromAgent, FromVisitor, PageInfo, ToAgent, ToVisitor, VisitorId};

use crate::helpers::*;

async fn behind_proxy() -> TestApp {
    spawn_app_with(|c| c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap()).await
}

async fn from(app: &TestApp, shop: &Tenant, ip: &str, token: Option<&str>) -> Visitor {
    app.try_visitor(shop, token, &[("x-forwarded-for", ip)]).await.expect("connects")
}

fn visitor_block(visitor: VisitorId, reason: &str, duration: BlockFor) -> BlockForm {
    BlockForm { target: BlockTarget::Visitor { visitor_id: visitor.0 }, reason: reason.into(), duration }
}

fn ban(net: &str, reason: &str) -> BlockForm {
    BlockForm {
        target: BlockTarget::Address { net: net.into(), site_id: None },
        reason: reason.into(),
        duration: BlockFor::Forever,
    }
}

async fn add(app: &TestApp, cookie: &str, form: &BlockForm) -> reqwest::Response {
    app.call_json("/api/blocks/add", "form", form, cookie).await
}

async fn blocks(app: &TestApp, cookie: &str) -> Vec<BlockView> {
    ok(app.call("/api/blocks", "", Some(cookie)).await).await
}

async fn lift(app: &TestApp, cookie: &str, id: i64) {
    ok::<()>(app.call("/api/blocks/lift", &format!("id={id}"), Some(cookie)).await).await
}

/// The visitor's next availability frame: (online, closed).
async fn availability(visitor: &mut Visitor) -> (bool, bool) {
    match visitor.client.recv_until(|f| matches!(f, ToVisitor::Availability { .. })).await {
        ToVisitor::Availability { online, closed } => (online, closed),
        _ => unreachable!(),
    }
}

/// Sends a message the server must refuse; returns the error's code.
async fn refused(visitor: &mut Visitor, id: &str, body: &str) -> ErrorCode {
    let frame = FromVisitor::Send { conversation_id: None, client_msg_id: id.into(), body: body.into(), file: None };
    visitor.client.send(&frame).await;
    let (error, client_msg_id) = visitor.client.error().await;
    assert_eq!(client_msg_id.as_deref(), Some(id));
    error.code()
}

#[tokio::test]
async fn a_blocked_visitor_is_told_only_that_chat_is_unavailable_until_the_block_is_lifted() {
    let app = behind_proxy().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let mut visitor = from(&app, &shop, "198.51.100.20", None).await;
    assert!(!visitor.welcome_closed);
    let (conversation, _) = ask(&mut visitor, "m-1", "你好，我要投诉").await;

    let id: i64 = ok(add(&app, &admin, &visitor_block(visitor.visitor_id, "辱骂客服", BlockFor::Hour)).await).await;
    // The chat ends (seed 000: "此次会话结束"), and the widget learns nothing but "not available".
    visitor
        .client
        .recv_until(|f| matches!(f, ToVisitor::Ended { conversation_id, .. } if *conversation_id == conversation))
        .await;
    assert_eq!(availability(&mut visitor).await, (false, true));
    let vid = visitor.visitor_id;
    console
        .recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == vid && visitor.blocked))
        .await;
    let stored = app.message_count(conversation).await;
    assert_eq!(refused(&mut visitor, "m-2", "还在吗").await, ErrorCode::Unavailable);
    assert_eq!(app.message_count(conversation).await, stored, "nothing written");
    let opened = app.scalar("SELECT COUNT(*) FROM conversations WHERE visitor_id = $1", vid.0).await;
    assert_eq!(opened, 1, "no new conversation");

    // Coming back (another page, another tab) changes nothing.
    let mut again = from(&app, &shop, "198.51.100.20", Some(&visitor.token)).await;
    assert_eq!(again.visitor_id, vid);
    assert!(again.welcome_closed && !again.welcome_online);
    assert_eq!(refused(&mut again, "m-3", "在吗").await, ErrorCode::Unavailable);

    // The blocks page lists who, why, by whom and until when; the log has it.
    let listed = blocks(&app, &admin).await;
    assert_eq!(listed.len(), 1);
    let block = &listed[0];
    assert_eq!((block.id, block.visitor_id, block.net.as_deref()), (id, Some(vid.0), None));
    assert_eq!((block.reason.as_str(), block.by_name.as_deref()), ("辱骂客服", Some("Shop Admin")));
    let hour = block.until.unwrap() - block.created_at;
    assert_eq!(hour, 3_600_000);
    let query = OplogQuery { kind: Some(OpKind::VisitorBlocked), ..Default::default() };
    let log: OplogPage = ok(app.call_json("/api/oplog", "query", &query, &admin).await).await;
    assert_eq!(log.entries.len(), 1);
    assert!(log.entries[0].summary.contains("辱骂客服"), "{}", log.entries[0].summary);

    // Lifted: both tabs may chat again, at once.
    lift(&app, &admin, id).await;
    assert_eq!(availability(&mut visitor).await, (true, false));
    assert_eq!(availability(&mut again).await, (true, false));
    let message = visitor.say("m-4", "谢谢").await;
    assert_ne!(message.conversation_id, conversation, "a new conversation");
    assert!(blocks(&app, &admin).await.is_empty());
    console
        .recv_until(
            |f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == vid && !visitor.blocked),
        )
        .await;
}

#[tokio::test]
async fn a_block_that_runs_out_lets_the_visitor_back_in_without_reconnecting() {
    let app = behind_proxy().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_console, ..) = app.agent(&admin).await;
    let mut visitor = from(&app, &shop, "198.51.100.30", None).await;
    let id: i64 = ok(add(&app, &admin, &visitor_block(visitor.visitor_id, "刷屏", BlockFor::Hour)).await).await;
    assert_eq!(availability(&mut visitor).await, (false, true));
    // The hour is nearly over; the next change of the company's blocks (another block) reads it.
    let soon = app::infra::now_ms() + 1_500;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE blocks SET until = $1 WHERE id = $2").bind(soon).bind(id).execute(&mut *w).await.unwrap();
    drop(w);
    let other = from(&app, &shop, "198.51.100.31", None).await;
    let _: i64 = ok(add(&app, &admin, &visitor_block(other.visitor_id, "刷屏", BlockFor::Hour)).await).await;
    // When it runs out the widget is told at once, and the visitor may chat.
    assert_eq!(availability(&mut visitor).await, (true, false));
    assert!(app::infra::now_ms() >= soon);
    visitor.say("m-1", "可以了吗").await;
}

#[tokio::test]
async fn an_address_ban_covers_its_range_and_bad_or_foreign_blocks_are_refused() {
    let app = behind_proxy().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_console, ..) = app.agent(&admin).await;
    let mut inside = from(&app, &shop, "203.0.113.5", None).await;
    let mut outside = from(&app, &shop, "203.0.114.5", None).await;
    // Both chatting, on a page of the site (where their address is kept).
    let mut chats = Vec::new();
    for (visitor, id) in [(&mut inside, "in-0"), (&mut outside, "out-0")] {
        let page = PageInfo { url: "https://shop.example/".into(), title: "Shop".into(), referrer: String::new() };
        visitor.client.send(&FromVisitor::Page { page }).await;
        let seen = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1";
        assert!(app.eventually_equals(seen, visitor.visitor_id.0, 1).await);
        chats.push(ask(visitor, id, "你好").await.0);
    }

    // Given as any address of the range: stored as the range.
    let id: i64 = ok(add(&app, &admin, &ban("203.0.113.77/24", "刷单")).await).await;
    // The chat inside the range ends; the one outside goes on.
    inside
        .client
        .recv_until(|f| matches!(f, ToVisitor::Ended { conversation_id, .. } if *conversation_id == chats[0]))
        .await;
    assert_eq!(availability(&mut inside).await, (false, true), "already connected: told at once");
    let open = "SELECT COUNT(*) FROM conversations WHERE id = $1 AND status = 'open'";
    assert_eq!(app.scalar(open, chats[1].0).await, 1);
    assert_eq!(refused(&mut inside, "i-1", "hi").await, ErrorCode::Unavailable);
    let newcomer = from(&app, &shop, "203.0.113.200", None).await;
    assert!(newcomer.welcome_closed);
    assert!(!from(&app, &shop, "203.0.114.9", None).await.welcome_closed);
    assert_eq!(outside.say("o-1", "在吗").await.conversation_id, chats[1]);
    assert_eq!(blocks(&app, &admin).await[0].net.as_deref(), Some("203.0.113.0/24"));

    // Refused, with the field to blame: wider than a /16, not an address, no reason, a long one.
    let error = err(add(&app, &admin, &ban("203.0.0.0/8", "太宽")).await).await;
    assert_eq!((error.code(), error.field()), (ErrorCode::LimitReached, Some("net")));
    let error = err(add(&app, &admin, &ban("not-an-ip", "x")).await).await;
    assert_eq!((error.code(), error.field()), (ErrorCode::Format, Some("net")));
    let error = err(add(&app, &admin, &ban("198.51.100.1", "  ")).await).await;
    assert_eq!((error.code(), error.field()), (ErrorCode::Required, Some("reason")));
    let error = err(add(&app, &admin, &ban("198.51.100.1", &"长".repeat(201))).await).await;
    assert_eq!((error.code(), error.field()), (ErrorCode::TooLong, Some("reason")));

    // An agent whose role may not block; another company's visitor and block.
    let (_, login) = app.add_agent(&shop, "Ann").await;
    let agent = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    assert_eq!(err(add(&app, &agent, &ban("198.51.100.1", "x")).await).await, ApiError::Forbidden);
    let other = app.create_tenant("Other").await;
    let other_admin = app.login(&other.company, &other.login, &other.password).await;
    let form = visitor_block(outside.visitor_id, "x", BlockFor::Day);
    assert_eq!(err(add(&app, &other_admin, &form).await).await, ApiError::NotFound);
    assert_eq!(
        err(app.call("/api/blocks/lift", &format!("id={id}"), Some(&other_admin)).await).await,
        ApiError::NotFound
    );
    assert!(blocks(&app, &other_admin).await.is_empty());
    assert!(!from(&app, &other, "203.0.113.5", None).await.welcome_closed, "bans are per company");

    lift(&app, &admin, id).await;
    assert_eq!(availability(&mut inside).await, (true, false));
    inside.say("i-2", "hi").await;
}

#[tokio::test]
async fn an_agent_pushes_web_links_only_to_the_visitor_of_their_chat() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "m-1", "优惠券在哪里领？").await;

    for bad in ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "//evil.example/x"] {
        console.send(&FromAgent::PushUrl { conversation_id: conversation, url: bad.into() }).await;
        let (error, _) = console.error().await;
        assert_eq!((error.code(), error.field()), (ErrorCode::Format, Some("url")), "{bad}");
    }
    let link = "https://shop.example/优惠券?from=客服";
    console.send(&FromAgent::PushUrl { conversation_id: conversation, url: format!("  {link} ") }).await;
    let pushed = visitor.client.recv_until(|f| matches!(f, ToVisitor::PushUrl { .. })).await;
    assert_eq!(pushed, ToVisitor::PushUrl { url: link.into(), agent_name: "Shop Admin".into(), same_tab: false });
    let told = console.recv_until(|f| matches!(f, ToAgent::UrlPushed { .. })).await;
    assert_eq!(told, ToAgent::UrlPushed { conversation_id: conversation, url: link.into(), by: "Shop Admin".into() });

    // The site opens links to its own pages in the visitor's tab; other sites' still in a new one.
    let sites: Vec<app::sites::SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let site = &sites[0];
    let form = app::sites::SiteForm {
        id: Some(site.id),
        version: site.version,
        name: site.name.clone(),
        domains: site.allowed_domains.join("\n"),
        full_ips: site.full_ips,
        push_same_tab: true,
        time_zone: "UTC".into(),
    };
    let _: i64 = ok(app.call_json("/api/sites/save", "form", &form, &admin).await).await;
    for (url, same_tab) in [("https://shop.example:8443/cart", true), ("https://other.example/cart", false)] {
        console.send(&FromAgent::PushUrl { conversation_id: conversation, url: url.into() }).await;
        let pushed = visitor.client.recv_until(|f| matches!(f, ToVisitor::PushUrl { .. })).await;
        assert_eq!(pushed, ToVisitor::PushUrl { url: url.into(), agent_name: "Shop Admin".into(), same_tab }, "{url}");
    }
    // Each link is kept with the conversation's events.
    let sent = app
        .scalar(
            "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'link_sent'",
            conversation.0,
        )
        .await;
    assert_eq!(sent, 3);

    // A colleague of the site who is not in the chat may not.
    let (ann_id, login) = app.add_agent(&shop, "Ann").await;
    app.serve_every_site(&shop, ann_id).await;
    let ann = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let (mut other, ..) = app.agent(&ann).await;
    other.send(&FromAgent::PushUrl { conversation_id: conversation, url: link.into() }).await;
    let (error, _) = other.error().await;
    assert_eq!(error.code(), ErrorCode::Taken);
}
