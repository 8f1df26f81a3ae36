//! Visitor registration (issue 12, seed 004 "访客注册设置"): a site asks for details before the
//! first message or any time; required fields are enforced by the server, answers land on the
//! visitor's card, and nothing is lost on the way.

use app::visitors::{RegistrationSettings, VisitorDetails};
use kefu_protocol::{ApiError, DetailField, ErrorCode, FromVisitor, ToVisitor};

use crate::helpers::*;

fn field(id: &str, label: &str, required: bool) -> DetailField {
    DetailField { id: id.into(), label: label.into(), required }
}

async fn site_id(app: &TestApp, shop: &Tenant) -> i64 {
    sqlx::query_scalar("SELECT id FROM sites WHERE tenant_id = $1")
        .bind(shop.id.0)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

async fn settings(app: &TestApp, admin: &str, site: i64) -> RegistrationSettings {
    ok(app.call("/api/visitors/registration", &format!("site_id={site}"), Some(admin)).await).await
}

async fn save(app: &TestApp, admin: &str, settings: &RegistrationSettings) -> reqwest::Response {
    app.call_json("/api/visitors/registration/save", "settings", settings, admin).await
}

async fn card_of(app: &TestApp, admin: &str, visitor: i64) -> app::visitors::VisitorCard {
    let details: VisitorDetails =
        ok(app.call("/api/visitors/details", &format!("visitor_id={visitor}"), Some(admin)).await).await;
    details.card
}

/// Sends the answers and returns what the server said: `Ok` when stored, the error otherwise.
async fn register(visitor: &mut Visitor, values: &[(&str, &str)]) -> Result<(), ApiError> {
    let values = values.iter().map(|(id, v)| (id.to_string(), v.to_string())).collect();
    visitor.client.send(&FromVisitor::Register { values }).await;
    match visitor.client.recv_until(|f| matches!(f, ToVisitor::Registered | ToVisitor::Error { .. })).await {
        ToVisitor::Registered => Ok(()),
        ToVisitor::Error { error, .. } => Err(error),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_site_asks_first_and_the_visitor_chats_only_after_sending_the_required_details() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site = site_id(&app, &shop).await;

    let read = settings(&app, &admin, site).await;
    assert!(!read.on, "off by default");
    // What the page refuses, each with the field named.
    let bad = |fields| RegistrationSettings { on: true, before: true, fields, ..read.clone() };
    for (wrong, code) in [
        (bad(vec![]), ErrorCode::Required),
        (bad(vec![field("age", "", false)]), ErrorCode::Format),
        (bad(vec![field("name", "", true), field("name", "", false)]), ErrorCode::Format),
        (bad(vec![field("c1", "  ", true)]), ErrorCode::Required),
        (bad(vec![field("c1", &"长".repeat(31), true)]), ErrorCode::TooLong),
    ] {
        assert_eq!(err(save(&app, &admin, &wrong).await).await, ApiError::invalid("fields", code));
    }
    let wanted = vec![field("name", "ignored", true), field("phone", "", false), field("c1", " 微信号 ", true)];
    let _: () = ok(save(&app, &admin, &bad(wanted)).await).await;
    let stored = settings(&app, &admin, site).await;
    assert_eq!(stored.fields, vec![field("name", "", true), field("phone", "", false), field("c1", "微信号", true)]);
    assert!(stored.on && stored.before);

    let mut visitor = app.visitor(&shop, None).await;
    let form = visitor.welcome_details.clone().expect("the welcome carries the form");
    assert!(form.before && !visitor.welcome_registered);
    assert_eq!(form.fields, stored.fields);

    // A message before the form: refused, nothing written.
    visitor
        .client
        .send(&FromVisitor::Send {
            conversation_id: None,
            client_msg_id: "m-1".into(),
            body: "你好".into(),
            file: None,
        })
        .await;
    let (error, id) = visitor.client.error().await;
    assert_eq!((error, id.as_deref()), (ApiError::invalid("registration", ErrorCode::Required), Some("m-1")));
    let conversations =
        app.scalar("SELECT COUNT(*) FROM conversations WHERE visitor_id = $1", visitor.visitor_id.0).await;
    assert_eq!(conversations, 0);

    // Required fields left empty, a field the form does not have, a malformed phone.
    assert_eq!(
        register(&mut visitor, &[("name", " "), ("c1", "wx")]).await,
        Err(ApiError::invalid("name", ErrorCode::Required))
    );
    assert_eq!(register(&mut visitor, &[("name", "王小明")]).await, Err(ApiError::invalid("c1", ErrorCode::Required)));
    assert_eq!(
        register(&mut visitor, &[("name", "王小明"), ("c1", "wx"), ("email", "a@b.cn")]).await,
        Err(ApiError::invalid("values", ErrorCode::Format))
    );
    assert_eq!(
        register(&mut visitor, &[("name", "王小明"), ("c1", "wx"), ("phone", "138-abc")]).await,
        Err(ApiError::invalid("phone", ErrorCode::Format))
    );
    assert_eq!(
        register(&mut visitor, &[("name", "王小明"), ("phone", "138 0000 0000"), ("c1", "wx_王")]).await,
        Ok(())
    );
    let message = visitor.say("m-1", "你好，我想咨询退款").await;
    assert_eq!(message.body, "你好，我想咨询退款");

    // The card shows what they gave; the first time stays when they change it later.
    let card = card_of(&app, &admin, visitor.visitor_id.0).await;
    assert_eq!((card.name.as_str(), card.phone.as_str()), ("王小明", "138 0000 0000"));
    assert_eq!(card.details, vec![("微信号".to_string(), "wx_王".to_string())]);
    let first = card.registered_at.expect("registered");
    // An empty answer keeps what the card holds.
    assert_eq!(register(&mut visitor, &[("name", "王先生"), ("phone", ""), ("c1", "wx_2")]).await, Ok(()));
    let card = card_of(&app, &admin, visitor.visitor_id.0).await;
    assert_eq!((card.name.as_str(), card.phone.as_str(), card.registered_at), ("王先生", "138 0000 0000", Some(first)));
    assert_eq!(card.details, vec![("微信号".to_string(), "wx_2".to_string())]);

    // Back on another page: not asked again.
    let again = app.visitor(&shop, Some(&visitor.token)).await;
    assert!(again.welcome_registered);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM oplog WHERE kind = 'registration_changed' AND tenant_id = $1", shop.id.0)
            .await,
        1
    );
}

#[tokio::test]
async fn a_form_offered_any_time_never_holds_a_message_back_and_a_site_without_one_refuses_answers() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site = site_id(&app, &shop).await;

    let mut plain = app.visitor(&shop, None).await;
    assert_eq!(plain.welcome_details, None);
    assert_eq!(
        register(&mut plain, &[("name", "x")]).await,
        Err(ApiError::invalid("registration", ErrorCode::NotFound))
    );

    let read = settings(&app, &admin, site).await;
    let any_time = RegistrationSettings { on: true, before: false, fields: vec![field("email", "", true)], ..read };
    let _: () = ok(save(&app, &admin, &any_time).await).await;
    let mut visitor = app.visitor(&shop, None).await;
    assert!(!visitor.welcome_details.as_ref().unwrap().before);
    visitor.say("m-1", "先聊再说").await;
    assert_eq!(register(&mut visitor, &[("email", "wang@例子.cn")]).await, Ok(()));
}
