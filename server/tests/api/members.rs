//! Identifying members (issue 12): the site passes its user id, signed with its identity secret;
//! a signed member is one visitor on every device, a wrong signature changes nothing, an unsigned
//! id is only claimed.

use std::time::Duration;

use app::sites::SiteView;
use app::visitors::service::member_hash;
use app::visitors::VisitorDetails;
use kefu_protocol::{ErrorCode, FromVisitor, ToAgent, ToVisitor};

use crate::helpers::*;

fn identify(user_id: &str, name: &str, hash: &str) -> FromVisitor {
    FromVisitor::Identify { user_id: user_id.into(), name: name.into(), email: String::new(), hash: hash.into() }
}

async fn identified(visitor: &mut Visitor) -> bool {
    match visitor.client.recv_until(|f| matches!(f, ToVisitor::Identified { .. })).await {
        ToVisitor::Identified { verified } => verified,
        _ => unreachable!(),
    }
}

async fn details(app: &TestApp, cookie: &str, visitor: &Visitor) -> VisitorDetails {
    ok(app.call("/api/visitors/details", &format!("visitor_id={}", visitor.visitor_id.0), Some(cookie)).await).await
}

#[tokio::test]
async fn a_signed_member_is_one_visitor_on_every_device_and_a_wrong_signature_changes_nothing() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut console, ..) = app.agent(&admin).await;
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let secret = sites[0].identity_secret.clone().expect("those who manage the site see its secret");
    assert!(secret.len() >= 32);

    // The laptop: signed, a member, named on every console.
    let mut laptop = app.visitor(&shop, None).await;
    laptop.client.send(&identify("u-42", "王先生", &member_hash(&secret, "u-42"))).await;
    assert!(identified(&mut laptop).await);
    let id = laptop.visitor_id;
    console
        .recv_until(|f| matches!(f, ToAgent::VisitorOnline { visitor } if visitor.visitor_id == id && visitor.member.as_deref() == Some("u-42")))
        .await;
    let card = details(&app, &admin, &laptop).await.card;
    assert_eq!((card.member.as_deref(), card.name.as_str()), (Some("u-42"), "王先生"));
    laptop.say("m-1", "我在电脑上").await;

    // The phone: a new visitor until the member signs in; then the laptop's visitor, history and all.
    let mut phone = app.visitor(&shop, None).await;
    assert_ne!(phone.visitor_id, id);
    phone.client.send(&identify("u-42", "", &member_hash(&secret, "u-42"))).await;
    assert!(identified(&mut phone).await);
    assert!(phone.client.closes_within(Duration::from_secs(5)).await, "told to reconnect");
    let phone = app.visitor(&shop, Some(&phone.token)).await;
    assert_eq!(phone.visitor_id, id, "the same visitor on both devices");
    assert!(phone.conversation.is_some(), "with the laptop's conversation");

    // A wrong signature: refused by field, nothing stored.
    let mut forger = app.visitor(&shop, None).await;
    forger.client.send(&identify("u-42", "冒充者", &"0".repeat(64))).await;
    let (error, _) = forger.client.error().await;
    assert_eq!((error.code(), error.field()), (ErrorCode::Incorrect, Some("hash")));
    let card = details(&app, &admin, &forger).await.card;
    assert_eq!((card.member, card.claimed, card.name.as_str()), (None, None, ""));

    // Unsigned: only claimed, never merged.
    let mut claimer = app.visitor(&shop, None).await;
    claimer.client.send(&identify("u-42", "李四", "")).await;
    assert!(!identified(&mut claimer).await);
    claimer.client.assert_alive().await;
    let card = details(&app, &admin, &claimer).await.card;
    assert_eq!((card.member, card.claimed.as_deref(), card.name.as_str()), (None, Some("u-42"), "李四"));
}
