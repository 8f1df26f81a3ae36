//! The visitor details panel (issue 12): the card agents edit (seen by every console at once),
//! this visit's pages with the time on each, and past conversations with their messages.

use app::visitors::{VisitorCard, VisitorDetails};
use kefu_protocol::{ChatMessage, ErrorCode, FromVisitor, PageInfo, ToAgent};

use crate::helpers::*;

async fn details(app: &TestApp, cookie: &str, visitor: i64) -> reqwest::Response {
    app.call("/api/visitors/details", &format!("visitor_id={visitor}"), Some(cookie)).await
}

#[tokio::test]
async fn agents_see_the_trajectory_and_past_chats_and_edit_the_card_every_console_shows() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let mut visitor = app.visitor(&shop, None).await;
    let vid = visitor.visitor_id;
    for (url, referrer) in [
        ("https://shop.example/", "https://www.baidu.com/s?wd=%E4%B9%8C%E9%BE%99%E8%8C%B6"),
        ("https://shop.example/pricing", "https://shop.example/"),
    ] {
        let page = PageInfo { url: url.into(), title: "页面".into(), referrer: referrer.into() };
        visitor.client.send(&FromVisitor::Page { page }).await;
        console.recv_until(|f| matches!(f, ToAgent::VisitorPage { page, .. } if page.url == url)).await;
    }
    let views = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1";
    assert!(app.eventually_equals(views, vid.0, 2).await);
    let (conversation, _) = ask(&mut visitor, "m-1", "乌龙茶有货吗？").await;

    let shown: VisitorDetails = ok(details(&app, &admin, vid.0).await).await;
    let pages: Vec<_> = shown.current.iter().map(|p| (p.url.as_str(), p.stay_ms.is_some())).collect();
    assert_eq!(pages, [("https://shop.example/", true), ("https://shop.example/pricing", false)]);
    assert!(shown.earlier.is_empty());
    assert_eq!(shown.conversations.len(), 1);
    assert_eq!((shown.conversations[0].id, shown.conversations[0].messages), (conversation.0, 1));
    let messages: Vec<ChatMessage> =
        ok(app.call("/api/visitors/conversation", &format!("conversation_id={}", conversation.0), Some(&admin)).await)
            .await;
    assert_eq!(messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["乌龙茶有货吗？"]);

    // The card: saved, every console shows the name; repeated tags once.
    let card = VisitorCard {
        name: "王先生".into(),
        email: "wang@example.cn".into(),
        phone: "+86 138 0013 8000".into(),
        company: "茶业有限公司".into(),
        tags: vec!["VIP".into(), "老客户".into(), "VIP".into(), " ".into()],
        notes: "喜欢乌龙茶\n周末联系".into(),
        ..shown.card.clone()
    };
    ok::<()>(app.call_json("/api/visitors/card", "card", &card, &admin).await).await;
    console
        .recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == vid && visitor.name.as_deref() == Some("王先生")))
        .await;
    let saved: VisitorDetails = ok(details(&app, &admin, vid.0).await).await;
    assert_eq!(saved.card.tags, ["VIP", "老客户"]);
    assert_eq!((saved.card.notes.as_str(), saved.card.version), ("喜欢乌龙茶\n周末联系", card.version + 1));

    // A save of an older card, a malformed e-mail or phone: refused, nothing lost.
    let stale = err(app.call_json("/api/visitors/card", "card", &card, &admin).await).await;
    assert_eq!(stale.code(), ErrorCode::Stale);
    let bad = VisitorCard { email: "wang-at-example".into(), ..saved.card.clone() };
    let error = err(app.call_json("/api/visitors/card", "card", &bad, &admin).await).await;
    assert_eq!((error.code(), error.field()), (ErrorCode::Format, Some("email")));
    let bad = VisitorCard { phone: "call me".into(), ..saved.card.clone() };
    let error = err(app.call_json("/api/visitors/card", "card", &bad, &admin).await).await;
    assert_eq!((error.code(), error.field()), (ErrorCode::Format, Some("phone")));

    // Another company sees nothing of them.
    let other = app.create_tenant("Other").await;
    let other_admin = app.login(&other.company, &other.login, &other.password).await;
    assert_eq!(err(details(&app, &other_admin, vid.0).await).await.code(), ErrorCode::NotFound);
    let theirs = VisitorCard { name: "x".into(), ..saved.card.clone() };
    let error = err(app.call_json("/api/visitors/card", "card", &theirs, &other_admin).await).await;
    assert_eq!(error.code(), ErrorCode::NotFound);
    let response = app
        .call("/api/visitors/conversation", &format!("conversation_id={}", conversation.0), Some(&other_admin))
        .await;
    assert_eq!(err(response).await.code(), ErrorCode::NotFound);
}
