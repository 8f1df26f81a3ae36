//! Where visitors are (issue 12's region, used by issue 11's approval offers): from the address a
//! trusted proxy forwards, looked up in the GeoIP database `make test` installs.

use app::infra::net::TrustedProxies;
use kefu_protocol::{FromVisitor, PageInfo, Region, ToAgent};

use crate::helpers::{ask, spawn_app_with, Routed};

fn guangzhou(region: Option<&Region>) -> bool {
    region.is_some_and(|r| {
        r.country == "CN"
            && r.province.as_ref().is_some_and(|p| p.name("zh-CN") == "广东")
            && r.city.as_ref().is_some_and(|c| c.name("zh-CN") == "广州市")
    })
}

#[tokio::test]
async fn agents_see_where_a_visitor_is_in_the_console_and_in_a_chat_request() {
    let app = spawn_app_with(|c| c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap()).await;
    let shop = app.create_tenant("Shop").await;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE sites SET approval = 1 WHERE tenant_id = $1").bind(shop.id.0).execute(&mut *w).await.unwrap();
    drop(w);
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;

    // A visitor from Guangzhou behind the site's balancer.
    let mut visitor = app.try_visitor(&shop, None, &[("x-forwarded-for", "1.12.0.1")]).await.expect("connects");
    let online = console.recv_until(|f| matches!(f, ToAgent::VisitorOnline { .. })).await;
    let ToAgent::VisitorOnline { visitor: shown } = online else { unreachable!() };
    assert!(guangzhou(shown.region.as_ref()), "{:?}", shown.region);

    // Their chat request says where they are.
    let page = PageInfo { url: "https://shop.example/".into(), title: "首页".into(), referrer: String::new() };
    visitor.client.send(&FromVisitor::Page { page }).await;
    let views = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1";
    assert!(app.eventually_equals(views, visitor.visitor_id.0, 1).await);
    let (_, routed) = ask(&mut visitor, "g1", "在吗").await;
    assert_eq!(routed, Some(Routed::Queued(1)));
    let offer = match console.recv_until(|f| matches!(f, ToAgent::ChatOffer { .. })).await {
        ToAgent::ChatOffer { offer } => offer,
        _ => unreachable!(),
    };
    assert!(guangzhou(offer.region.as_ref()), "{:?}", offer.region);

    // A visitor on this machine (no public address) is somewhere unknown.
    let local = app.visitor(&shop, None).await;
    let id = local.visitor_id;
    let online =
        console.recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == id)).await;
    let ToAgent::VisitorOnline { visitor: shown } = online else { unreachable!() };
    assert_eq!(shown.region, None);
}
