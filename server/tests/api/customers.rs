//! Customers (issue 16): the visitors the team knows, searched and filtered with the page and
//! its count read by the database; two records of one person merged; the list exported as CSV.

use app::customers::{CustomerFilter, CustomerPage};
use app::visitors::{VisitorCard, VisitorDetails};
use kefu_protocol::{ApiError, ErrorCode, FromVisitor, PageInfo, VisitorId};

use crate::helpers::*;

/// Gives a visitor a card, as an agent does in the visitor panel.
async fn card(app: &TestApp, cookie: &str, visitor: VisitorId, edit: impl FnOnce(&mut VisitorCard)) {
    let shown: VisitorDetails =
        ok(app.call("/api/visitors/details", &format!("visitor_id={}", visitor.0), Some(cookie)).await).await;
    let mut card = shown.card;
    edit(&mut card);
    ok::<()>(app.call_json("/api/visitors/card", "card", &card, cookie).await).await;
}

async fn customers(app: &TestApp, cookie: &str, filter: CustomerFilter) -> CustomerPage {
    ok(app.call_json("/api/customers", "filter", &filter, cookie).await).await
}

fn ids(page: &CustomerPage) -> Vec<i64> {
    let mut ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn customers_are_the_known_visitors_searched_by_any_card_field_and_filtered_by_tag() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let other = app.create_tenant("Other").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let other_admin = app.login(&other.company, &other.login, &other.password).await;
    let wang = app.visitor(&shop, None).await.visitor_id;
    let li = app.visitor(&shop, None).await.visitor_id;
    let unknown = app.visitor(&shop, None).await.visitor_id;
    card(&app, &admin, wang, |c| {
        c.name = "王小明".into();
        c.email = "Wang@Example.cn".into();
        c.tags = vec!["VIP".into(), "老客户".into()];
    })
    .await;
    card(&app, &admin, li, |c| {
        c.phone = "13800138000".into();
        c.company = "茶业有限公司".into();
        c.tags = vec!["VIP2".into()];
    })
    .await;
    let theirs = app.visitor(&other, None).await.visitor_id;
    card(&app, &other_admin, theirs, |c| c.name = "王小明".into()).await;

    let all = customers(&app, &admin, CustomerFilter::default()).await;
    assert_eq!((ids(&all), all.total), (vec![wang.0, li.0], 2), "a visitor nobody knows is not a customer");
    assert!(!ids(&all).contains(&unknown.0));
    let by = |query: &str| CustomerFilter { query: query.into(), ..CustomerFilter::default() };
    for (query, want) in [("王小", wang), ("wang@example", wang), ("138001", li), ("茶业", li)] {
        assert_eq!(ids(&customers(&app, &admin, by(query)).await), [want.0], "{query}");
    }
    assert!(customers(&app, &admin, by("50%")).await.rows.is_empty(), "wildcards are text");
    let tagged = |tag: &str| CustomerFilter { tag: tag.into(), ..CustomerFilter::default() };
    assert_eq!(ids(&customers(&app, &admin, tagged("vip")).await), [wang.0], "a whole tag, any case");
    assert_eq!(ids(&customers(&app, &admin, tagged("老客户")).await), [wang.0]);
    let future = CustomerFilter { from: 4_000_000_000_000, ..CustomerFilter::default() };
    assert!(customers(&app, &admin, future).await.rows.is_empty(), "last seen before the filter's start");
    let row = all.rows.iter().find(|r| r.id == wang.0).unwrap();
    assert_eq!((row.name.as_deref(), row.tags.clone()), (Some("王小明"), vec!["VIP".to_owned(), "老客户".to_owned()]));
    let long = err(app.call_json("/api/customers", "filter", &by(&"x".repeat(101)), &admin).await).await;
    assert_eq!(long, ApiError::invalid("query", ErrorCode::TooLong));

    // Paging: 25 to a page, the count of all.
    for i in 0..30 {
        let visitor = app.visitor(&shop, None).await.visitor_id;
        card(&app, &admin, visitor, |c| c.name = format!("客户{i}")).await;
    }
    let first = customers(&app, &admin, by("客户")).await;
    assert_eq!((first.rows.len(), first.total), (25, 30));
    let second = customers(&app, &admin, CustomerFilter { offset: 25, ..by("客户") }).await;
    assert_eq!(second.rows.len(), 5);

    // The CSV: a byte order mark, the Chinese intact, one row per customer.
    let csv = reqwest::Client::new()
        .get(app.url(&app::customers::export_url(&tagged("vip"))))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{FEFF}id,name,email,phone,company,tags"), "{csv}");
    assert!(csv.contains("王小明") && csv.contains("VIP, 老客户"), "{csv}");
    assert_eq!(csv.lines().count(), 2);
}

#[tokio::test]
async fn two_records_of_one_person_merge_into_the_one_kept_with_everything_of_both() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await;

    // On the laptop: a name, an e-mail and a chat. On the phone: a phone number, pages and a chat.
    let mut laptop = app.visitor(&shop, None).await;
    let kept = laptop.visitor_id;
    let first = laptop.say("l1", "笔记本上问的问题").await.conversation_id;
    let mut phone = app.visitor(&shop, None).await;
    let merged = phone.visitor_id;
    let page = PageInfo { url: "https://shop.example/m".into(), title: "手机页".into(), referrer: String::new() };
    phone.client.send(&FromVisitor::Page { page }).await;
    assert!(app.eventually_equals("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", merged.0, 1).await);
    let second = phone.say("p1", "手机上问的问题").await.conversation_id;
    card(&app, &admin, kept, |c| {
        c.name = "王小明".into();
        c.email = "wang@example.cn".into();
        c.tags = vec!["VIP".into()];
        c.notes = "笔记本".into();
    })
    .await;
    card(&app, &admin, merged, |c| {
        c.phone = "13800138000".into();
        c.tags = vec!["VIP".into(), "手机".into()];
        c.notes = "手机".into();
    })
    .await;

    let merge = |cookie: &str, kept: i64, merged: i64| {
        let body = format!("kept={kept}&merged={merged}");
        let cookie = cookie.to_owned();
        let app = &app;
        async move { app.call("/api/customers/merge", &body, Some(&cookie)).await }
    };
    assert_eq!(err(merge(&bob, kept.0, merged.0).await).await, ApiError::Forbidden);
    assert_eq!(err(merge(&admin, kept.0, kept.0).await).await, ApiError::invalid("merged", ErrorCode::Conflict));
    assert_eq!(
        err(merge(&admin, kept.0, merged.0).await).await,
        ApiError::conflict(Some("merged"), ErrorCode::InUse),
        "the phone's chat is live"
    );
    for conversation in [first, second] {
        let closed = app.call("/api/chat/close", &format!("conversation_id={}", conversation.0), Some(&admin)).await;
        assert!(closed.status().is_success());
    }
    ok::<()>(merge(&admin, kept.0, merged.0).await).await;

    let page = customers(&app, &admin, CustomerFilter::default()).await;
    assert_eq!(ids(&page), [kept.0], "one customer left");
    let row = &page.rows[0];
    assert_eq!(
        (row.name.as_deref(), row.email.as_str(), row.phone.as_str(), row.tags.clone(), row.conversations),
        (Some("王小明"), "wang@example.cn", "13800138000", vec!["VIP".to_owned(), "手机".to_owned()], 2)
    );
    let shown: VisitorDetails =
        ok(app.call("/api/visitors/details", &format!("visitor_id={}", kept.0), Some(&admin)).await).await;
    assert_eq!(shown.card.notes, "笔记本\n手机");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", kept.0).await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM conversations WHERE visitor_id = $1", merged.0).await, 0);
    let logged = "SELECT COUNT(*) FROM oplog WHERE kind = 'customers_merged' AND tenant_id = $1";
    assert_eq!(app.scalar(logged, shop.id.0).await, 1);
    // The phone's open tab is closed (it would go on writing to the record merged away); its
    // browser now opens the kept record; the laptop's tab stays.
    assert!(phone.client.closes_within(WAIT).await, "the merged record's tab is closed");
    laptop.client.assert_alive().await;
    let back = app.visitor(&shop, Some(&phone.token)).await;
    assert_eq!(back.visitor_id, kept);
    // A record merged away is gone: merging it again is not found.
    assert_eq!(err(merge(&admin, kept.0, merged.0).await).await, ApiError::NotFound);

    // Two different members are two people.
    let a = app.visitor(&shop, None).await.visitor_id;
    let b = app.visitor(&shop, None).await.visitor_id;
    let mut w = app.db.write().await.unwrap();
    for (visitor, member) in [(a, "u-1"), (b, "u-2")] {
        sqlx::query("UPDATE visitors SET member_id = $1 WHERE id = $2")
            .bind(member)
            .bind(visitor.0)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    drop(w);
    assert_eq!(err(merge(&admin, a.0, b.0).await).await, ApiError::conflict(Some("member"), ErrorCode::Conflict));
}
