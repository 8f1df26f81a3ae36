//! Visitors' addresses (issue 12, privacy): kept whole for the retention time, then cut to their
//! network (IPv4 /24, IPv6 /48); a site may keep only the network from the start.

use std::time::Duration;

use app::infra::net::TrustedProxies;
use app::sites::{SiteForm, SiteView};
use kefu_protocol::{FromVisitor, OnlineVisitor, PageInfo, ToAgent, VisitorId};

use crate::helpers::*;

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn view(app: &TestApp, shop: &Tenant, console: &mut AgentClient, ip: &str, url: &str) -> (VisitorId, String) {
    let mut visitor = app.try_visitor(shop, None, &[("x-forwarded-for", ip)]).await.expect("connects");
    let id = visitor.visitor_id;
    let online =
        console.recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == id)).await;
    let ToAgent::VisitorOnline { visitor: shown } = online else { unreachable!() };
    let shown: OnlineVisitor = *shown;
    let page = PageInfo { url: url.into(), title: "首页".into(), referrer: String::new() };
    visitor.client.send(&FromVisitor::Page { page }).await;
    let stored = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1";
    assert!(app.eventually_equals(stored, id.0, 1).await, "the page view is stored");
    (id, shown.ip)
}

async fn stored_ip(app: &TestApp, visitor: VisitorId) -> String {
    sqlx::query_scalar("SELECT ip FROM page_views WHERE visitor_id = $1")
        .bind(visitor.0)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn full_addresses_are_cut_to_their_network_after_the_retention_and_a_site_may_keep_only_networks() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap();
        c.ip_sweep = Duration::from_millis(50);
    })
    .await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;

    let (v4, shown) = view(&app, &shop, &mut console, "203.0.113.77", "https://shop.example/").await;
    assert_eq!(shown, "203.0.113.77", "kept whole by default");
    let (v6, _) = view(&app, &shop, &mut console, "2001:db8:1:2::9", "https://shop.example/").await;
    let (recent, _) = view(&app, &shop, &mut console, "198.51.100.23", "https://shop.example/").await;
    assert_eq!(stored_ip(&app, v4).await, "203.0.113.77");

    // Ninety-one days later (the default retention is ninety) those two are networks; a recent
    // view keeps its address.
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE page_views SET viewed_at = viewed_at - $1 WHERE visitor_id IN ($2, $3)")
        .bind(91 * DAY_MS)
        .bind(v4.0)
        .bind(v6.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let cut = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1 AND ip LIKE '%/%'";
    assert!(app.eventually_equals(cut, v4.0, 1).await);
    assert!(app.eventually_equals(cut, v6.0, 1).await);
    assert_eq!(stored_ip(&app, v4).await, "203.0.113.0/24");
    assert_eq!(stored_ip(&app, v6).await, "2001:db8:1::/48");
    assert_eq!(stored_ip(&app, recent).await, "198.51.100.23");

    // A site that keeps no full addresses: networks from the first view, in the console too.
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let site = &sites[0];
    let form = SiteForm {
        id: Some(site.id),
        version: site.version,
        name: site.name.clone(),
        domains: site.allowed_domains.join("\n"),
        full_ips: false,
        push_same_tab: false,
        time_zone: "UTC".into(),
    };
    ok::<i64>(app.call_json("/api/sites/save", "form", &form, &admin).await).await;
    let (private, shown) = view(&app, &shop, &mut console, "198.51.100.200", "https://shop.example/").await;
    assert_eq!(shown, "198.51.100.0/24");
    assert_eq!(stored_ip(&app, private).await, "198.51.100.0/24");
}
