//! The visitor console (issue 12): each visitor's channel (device, browser, in-app), how they came
//! (search keyword, other site, campaign), pages and last activity this visit, and the console's
//! filters, search and order, which the server pages and every console sees alike.

use app::infra::net::TrustedProxies;
use kefu_protocol::{
    Device, ErrorCode, FromAgent, FromVisitor, InApp, OnlineVisitor, PageInfo, SourceKind, ToAgent, VisitorFilter,
    VisitorSort, VisitorSortKey, VisitorType,
};

use crate::helpers::{spawn_app_with, AgentClient, Tenant, TestApp, Visitor};

const WECHAT_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";
const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
    Chrome/120.0.0.0 Safari/537.36";

async fn arrive(
    app: &TestApp,
    shop: &Tenant,
    console: &mut AgentClient,
    ua: &str,
    ip: &str,
) -> (Visitor, OnlineVisitor) {
    let visitor = app.try_visitor(shop, None, &[("user-agent", ua), ("x-forwarded-for", ip)]).await.expect("connects");
    let id = visitor.visitor_id;
    let online =
        console.recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == id)).await;
    let ToAgent::VisitorOnline { visitor: shown } = online else { unreachable!() };
    (visitor, *shown)
}

/// Sends a page view and returns what the console hears of it: (pages, source kind, keyword).
async fn view(
    visitor: &mut Visitor,
    console: &mut AgentClient,
    url: &str,
    referrer: &str,
) -> (u32, Option<(SourceKind, Option<String>)>) {
    let page = PageInfo { url: url.into(), title: "页面".into(), referrer: referrer.into() };
    visitor.client.send(&FromVisitor::Page { page }).await;
    let id = visitor.visitor_id;
    let seen = console
        .recv_until(
            |f| matches!(f, ToAgent::VisitorPage { visitor_id, page, .. } if *visitor_id == id && page.url == url),
        )
        .await;
    let ToAgent::VisitorPage { pages, at, source, .. } = seen else { unreachable!() };
    assert!(at > 0);
    (pages, source.map(|s| (s.kind, s.keyword)))
}

async fn list(console: &mut AgentClient, query: &str, filter: VisitorFilter, sort: VisitorSort) -> Vec<OnlineVisitor> {
    let listed = console.list_visitors(query, 0, None, filter, sort).await;
    assert_eq!(listed.total as usize, listed.visitors.len());
    listed.visitors
}

#[tokio::test]
async fn the_console_shows_channel_source_keyword_and_pages_and_filters_sorts_and_searches_by_them() {
    let app = spawn_app_with(|c| c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap()).await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;

    // From WeChat on an iPhone in Guangzhou, found on Baidu by a GBK-encoded 退款 (CD CB BF EE).
    let (mut phone, shown) = arrive(&app, &shop, &mut console, WECHAT_IPHONE, "1.12.0.1").await;
    assert_eq!(
        (shown.channel.device, shown.channel.app, shown.channel.os.as_str()),
        (Device::Phone, Some(InApp::WeChat), "iOS 16.3")
    );
    assert_eq!((shown.pages, shown.ip.as_str()), (0, "1.12.0.1"));
    assert!(shown.first_seen > 0 && shown.last_active > 0);
    let baidu = "https://www.baidu.com/s?ie=gbk&wd=%CD%CB%BF%EE";
    let landed = view(&mut phone, &mut console, "https://shop.example/refund", baidu).await;
    assert_eq!(landed, (1, Some((SourceKind::Search, Some("退款".to_owned())))));
    // Moving within the site counts a page and leaves the source alone.
    let moved = view(&mut phone, &mut console, "https://shop.example/help", "https://shop.example/refund").await;
    assert_eq!(moved, (2, None));

    // A Windows desktop typing the address.
    let (mut desk, shown) = arrive(&app, &shop, &mut console, CHROME_WINDOWS, "8.8.8.8").await;
    assert_eq!((shown.channel.device, shown.channel.browser.as_str()), (Device::Desktop, "Chrome 120"));
    assert_eq!(view(&mut desk, &mut console, "https://shop.example/", "").await, (1, None), "direct is the default");
    // Later it follows a tagged link from another site: a campaign.
    let tagged = "https://shop.example/sale?utm_source=weibo&utm_campaign=%E5%8F%8C%E5%8D%81%E4%B8%80";
    let campaign = view(&mut desk, &mut console, tagged, "https://weibo.com/u/1").await;
    assert_eq!(campaign, (2, Some((SourceKind::Campaign, None))));

    // A console opened now sees what the live one was told.
    let (_late, visitors, _) = app.agent(&admin).await;
    let late = visitors.iter().find(|v| v.visitor_id == phone.visitor_id).expect("listed");
    assert_eq!(
        (late.pages, late.source.keyword.as_deref(), late.source.domain.as_deref()),
        (2, Some("退款"), Some("baidu.com"))
    );
    let late = visitors.iter().find(|v| v.visitor_id == desk.visitor_id).expect("listed");
    assert_eq!(late.source.campaign.as_ref().map(|c| c.name.as_str()), Some("双十一"));

    // Search over the keyword, the IP and the province; filters by device, source and country.
    let ids = |list: Vec<OnlineVisitor>| list.iter().map(|v| v.visitor_id).collect::<Vec<_>>();
    let any = VisitorFilter::default();
    assert_eq!(ids(list(&mut console, "退款", any.clone(), Default::default()).await), [phone.visitor_id]);
    assert_eq!(ids(list(&mut console, "8.8.8", any.clone(), Default::default()).await), [desk.visitor_id]);
    assert_eq!(ids(list(&mut console, "广东", any.clone(), Default::default()).await), [phone.visitor_id]);
    let phones = VisitorFilter { device: Some(Device::Phone), ..Default::default() };
    assert_eq!(ids(list(&mut console, "", phones, Default::default()).await), [phone.visitor_id]);
    let campaigns = VisitorFilter { source: Some(SourceKind::Campaign), ..Default::default() };
    assert_eq!(ids(list(&mut console, "", campaigns, Default::default()).await), [desk.visitor_id]);
    let chinese = VisitorFilter { country: Some("CN".into()), ..Default::default() };
    assert_eq!(ids(list(&mut console, "", chinese, Default::default()).await), [phone.visitor_id]);
    // Newest arrival first by default; by region ascending CN before US.
    assert_eq!(ids(list(&mut console, "", any.clone(), Default::default()).await), [desk.visitor_id, phone.visitor_id]);
    let by_region = VisitorSort { key: VisitorSortKey::Region, ascending: true };
    assert_eq!(ids(list(&mut console, "", any, by_region).await), [phone.visitor_id, desk.visitor_id]);

    // A malformed country filter is refused with a field error, and the console stays up.
    let bad = VisitorFilter { country: Some("china".into()), ..Default::default() };
    let frame =
        FromAgent::ListVisitors { query: String::new(), offset: 0, site: None, filter: bad, sort: Default::default() };
    console.send(&frame).await;
    let refused = console.recv_until(|f| matches!(f, ToAgent::Error { .. })).await;
    let ToAgent::Error { error, .. } = refused else { unreachable!() };
    assert_eq!((error.field(), error.code()), (Some("country"), ErrorCode::Format));
    console.assert_alive().await;
}

/// The type column follows the visitor's chat: waiting, with an agent (named), chatted before; a
/// console opened later sees the same.
#[tokio::test]
async fn the_console_shows_whether_a_visitor_waits_chats_with_whom_or_chatted_before() {
    use kefu_protocol::VisitorChat;
    let app = crate::helpers::spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let mut visitor = app.visitor(&shop, None).await;
    let vid = visitor.visitor_id;
    let shown = |f: &ToAgent, chat: VisitorChat| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == vid && visitor.chat == chat);
    let arrived =
        console.recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == vid)).await;
    let ToAgent::VisitorOnline { visitor: arrived } = arrived else { unreachable!() };
    assert_eq!((arrived.chat, arrived.agent_name), (VisitorChat::None, None));

    let (conversation, _) = crate::helpers::ask(&mut visitor, "m-1", "你好").await;
    let chatting = console.recv_until(|f| shown(f, VisitorChat::Chatting)).await;
    let ToAgent::VisitorOnline { visitor: chatting } = chatting else { unreachable!() };
    assert_eq!(chatting.agent_name.as_deref(), Some("Shop Admin"));
    let (_late, visitors, _) = app.agent(&admin).await;
    let late = visitors.iter().find(|v| v.visitor_id == vid).unwrap();
    assert_eq!((late.chat, late.agent_name.as_deref()), (VisitorChat::Chatting, Some("Shop Admin")));
    // The type filter picks them by it.
    let kind = |k| VisitorFilter { kind: Some(k), ..Default::default() };
    let ids = |list: Vec<OnlineVisitor>| list.iter().map(|v| v.visitor_id).collect::<Vec<_>>();
    assert_eq!(ids(list(&mut console, "", kind(VisitorType::Chatting), Default::default()).await), [vid]);
    assert!(list(&mut console, "", kind(VisitorType::New), Default::default()).await.is_empty());

    let closed = app.call("/api/chat/close", &format!("conversation_id={}", conversation.0), Some(&admin)).await;
    assert!(closed.status().is_success());
    let chatted = console.recv_until(|f| shown(f, VisitorChat::Chatted)).await;
    let ToAgent::VisitorOnline { visitor: chatted } = chatted else { unreachable!() };
    assert_eq!(chatted.agent_name, None);
    // Gone and back: their latest conversation says so.
    let token = visitor.token.clone();
    drop(visitor);
    console.recv_until(|f| matches!(f, ToAgent::VisitorOffline { visitor_id } if *visitor_id == vid)).await;
    let _back = app.visitor(&shop, Some(&token)).await;
    console.recv_until(|f| shown(f, VisitorChat::Chatted)).await;
}
