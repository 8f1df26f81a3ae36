//! Bad input loses nothing else: control characters never reach the database (PostgreSQL refuses a
//! NUL, which used to fail the whole batch of page views it was written with).

use kefu_protocol::{ApiError, ErrorCode, FromVisitor, PageInfo};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_nul_anywhere_is_stripped_or_refused_and_the_rest_is_stored() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let mut bad = app.visitor(&shop, None).await;
    let mut good = app.visitor(&shop, None).await;
    let nul_page = PageInfo {
        url: "https://shop.example/\0cart".into(),
        title: "购物车\0\u{7}".into(),
        referrer: "https://www.baidu.com/s?wd=\0退款".into(),
    };
    let good_page = PageInfo { url: "https://shop.example/".into(), title: "首页".into(), referrer: String::new() };
    // Sent together, so both land in one bookkeeping batch.
    bad.client.send(&FromVisitor::Page { page: nul_page }).await;
    good.client.send(&FromVisitor::Page { page: good_page }).await;
    let stored = "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1";
    assert!(app.eventually_equals(stored, good.visitor_id.0, 1).await, "the good page view is stored");
    assert!(app.eventually_equals(stored, bad.visitor_id.0, 1).await, "the bad one is stored, cleaned");
    let (url, title, referrer): (String, String, String) =
        sqlx::query_as("SELECT url, title, referrer FROM page_views WHERE visitor_id = $1")
            .bind(bad.visitor_id.0)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    assert_eq!(
        (url.as_str(), title.as_str(), referrer.as_str()),
        ("https://shop.example/cart", "购物车", "https://www.baidu.com/s?wd=退款")
    );

    // A message with a NUL is refused with its code; the next one goes through.
    bad.client
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "nul".into(),
            body: "a\0b".into(),
            file: None,
        })
        .await;
    assert_eq!(bad.client.error().await, (ApiError::invalid("body", ErrorCode::ControlChars), Some("nul".into())));
    assert_eq!(bad.say("fine", "没问题").await.seq, 1);

    // A login with a NUL is just a wrong login.
    let response = app.post_login(&shop.company, "admin\0@shop.example", &shop.password).await;
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
}
