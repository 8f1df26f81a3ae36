//! Canned replies (issue 13; seed 000 chapter 17, seed 004 section 8): who sees and keeps which
//! library, the reply box's list, use counts, CSV import (GBK, a bad row) and export.

use app::canned::{ChatCanned, ImportRow, Library, ReplyForm, Scope};
use kefu_protocol::{ApiError, ErrorCode};
use serde_json::json;

use crate::helpers::*;

async fn library(app: &TestApp, cookie: &str, scope: Scope) -> Library {
    ok(app.call_json("/api/canned", "scope", &scope, cookie).await).await
}

async fn chat(app: &TestApp, cookie: &str) -> ChatCanned {
    ok(app.call("/api/canned/chat", "", Some(cookie)).await).await
}

async fn save(app: &TestApp, cookie: &str, scope: Scope, title: &str, body: &str) -> reqwest::Response {
    let form = ReplyForm { scope, title: title.into(), body: body.into(), ..ReplyForm::default() };
    app.call_json("/api/canned/save", "form", &form, cookie).await
}

fn titles(chat: &ChatCanned) -> Vec<&str> {
    chat.replies.iter().map(|r| r.title.as_str()).collect()
}

/// An agent of the shop (role "agent"), signed in.
async fn agent(app: &TestApp, shop: &Tenant, name: &str) -> (i64, String) {
    let (id, login) = app.add_agent(shop, name).await;
    (id.0, app.login(&shop.company, &login, AGENT_PASSWORD).await)
}

#[tokio::test]
async fn each_library_is_seen_and_kept_by_whom_it_belongs_to() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (ann_id, ann) = agent(&app, &shop, "Ann").await;
    let (bob_id, bob) = agent(&app, &shop, "Bob").await;
    let (_, carl) = agent(&app, &shop, "Carl").await;
    // Ann and Bob are in 售后部, Ann its admin; Carl in no department.
    let mut w = app.db.write().await.unwrap();
    let department: i64 = sqlx::query_scalar(
        "INSERT INTO departments (tenant_id, name, admin_id, created_at) VALUES ($1, '售后部', $2, 0) RETURNING id",
    )
    .bind(shop.id.0)
    .bind(ann_id)
    .fetch_one(&mut *w)
    .await
    .unwrap();
    for agent in [ann_id, bob_id] {
        sqlx::query("UPDATE agents SET department_id = $1 WHERE id = $2")
            .bind(department)
            .bind(agent)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    drop(w);

    // Personal: anyone, seen by nobody else.
    let mine: i64 = ok(save(&app, &bob, Scope::Personal, "我的问候", "{visitor_name}您好").await).await;
    assert!(library(&app, &ann, Scope::Personal).await.replies.is_empty());
    assert_eq!(titles(&chat(&app, &bob).await), ["我的问候"]);
    // Another agent's private reply is not found, whatever they try.
    let del = |cookie: &str, id: i64| {
        let body = format!("folder=false&id={id}");
        let (app, cookie) = (&app, cookie.to_owned());
        async move { app.call("/api/canned/delete", &body, Some(&cookie)).await }
    };
    assert_eq!(err(del(&ann, mine).await).await, ApiError::NotFound);

    // Department: kept by its admin, seen by its members only.
    assert_eq!(err(save(&app, &bob, Scope::Department, "退款", "请提供订单号").await).await, ApiError::Forbidden);
    let _: i64 = ok(save(&app, &ann, Scope::Department, "退款", "请提供订单号").await).await;
    let lib = library(&app, &bob, Scope::Department).await;
    assert_eq!((lib.department.as_deref(), lib.can_edit, lib.replies.len()), (Some("售后部"), false, 1));
    assert!(titles(&chat(&app, &bob).await).contains(&"退款"));
    assert!(!titles(&chat(&app, &carl).await).contains(&"退款"));
    let none = library(&app, &carl, Scope::Department).await;
    assert_eq!((none.department, none.replies.len()), (None, 0));
    assert_eq!(
        err(save(&app, &carl, Scope::Department, "x", "y").await).await,
        ApiError::conflict(Some("department"), ErrorCode::NotFound)
    );

    // Company: kept by roles with the permission, seen by everyone; a reply for one site only.
    assert_eq!(err(save(&app, &bob, Scope::Company, "公司", "x").await).await, ApiError::Forbidden);
    let _: i64 = ok(save(&app, &admin, Scope::Company, "营业时间", "每天 9:00–21:00").await).await;
    let other_site = json!({ "form": { "scope": "company", "title": "只限某站", "body": "x", "site_id": i64::MAX, "version": 0, "id": null, "folder_id": null } });
    let refused = app.call("/api/canned/save", &other_site.to_string(), Some(&admin)).await;
    assert_eq!(err(refused).await, ApiError::invalid("site_id", ErrorCode::NotFound));
    for cookie in [&ann, &bob, &carl] {
        assert!(titles(&chat(&app, cookie).await).contains(&"营业时间"));
    }
    assert!(!library(&app, &bob, Scope::Company).await.can_edit);

    // Bad input is refused by field; another company sees none of it.
    assert_eq!(
        err(save(&app, &bob, Scope::Personal, " ", "x").await).await,
        ApiError::invalid("title", ErrorCode::Required)
    );
    let other = app.create_tenant("Other").await;
    let stranger = app.login(&other.company, &other.login, &other.password).await;
    assert!(chat(&app, &stranger).await.replies.is_empty());
    assert_eq!(err(del(&stranger, mine).await).await, ApiError::NotFound);
}

#[tokio::test]
async fn use_counts_order_the_reply_box_and_folders_keep_their_order() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (_, bob) = agent(&app, &shop, "Bob").await;
    let first: i64 = ok(save(&app, &bob, Scope::Personal, "A", "a").await).await;
    let second: i64 = ok(save(&app, &bob, Scope::Personal, "B", "b").await).await;
    assert_eq!(titles(&chat(&app, &bob).await), ["A", "B"]);
    for _ in 0..2 {
        ok::<()>(app.call("/api/canned/used", &format!("id={second}"), Some(&bob)).await).await;
    }
    assert_eq!(titles(&chat(&app, &bob).await), ["B", "A"], "most used first");
    let lib = library(&app, &bob, Scope::Personal).await;
    assert_eq!(lib.replies.iter().map(|r| (r.id, r.uses)).collect::<Vec<_>>(), [(first, 0), (second, 2)]);
    // Moved down: the library's order changes.
    ok::<()>(app.call("/api/canned/move", &format!("folder=false&id={first}&up=false"), Some(&bob)).await).await;
    let lib = library(&app, &bob, Scope::Personal).await;
    assert_eq!(lib.replies.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["B", "A"]);
    // Dragged: the third reply onto the first takes its place, the others move along.
    let third: i64 = ok(save(&app, &bob, Scope::Personal, "C", "c").await).await;
    ok::<()>(app.call("/api/canned/place", &format!("folder=false&id={third}&at={second}"), Some(&bob)).await).await;
    let lib = library(&app, &bob, Scope::Personal).await;
    assert_eq!(lib.replies.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["C", "B", "A"]);
    ok::<()>(app.call("/api/canned/place", &format!("folder=false&id={third}&at={first}"), Some(&bob)).await).await;
    let lib = library(&app, &bob, Scope::Personal).await;
    assert_eq!(lib.replies.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["B", "A", "C"]);
    // Only within one library: onto a colleague's reply, nothing moves.
    let (_, carol) = agent(&app, &shop, "Carol").await;
    let carols: i64 = ok(save(&app, &carol, Scope::Personal, "X", "x").await).await;
    let refused = err(app.call("/api/canned/place", &format!("folder=false&id={third}&at={carols}"), Some(&bob)).await);
    assert_eq!(refused.await, ApiError::NotFound);
    ok::<()>(app.call("/api/canned/delete", &format!("folder=false&id={third}"), Some(&bob)).await).await;
    // A folder and a reply in it; deleting the folder deletes the reply (seed 000 17.3).
    let body = json!({ "scope": "personal", "id": null, "name": "售后" }).to_string();
    let folder: i64 = ok(app.call("/api/canned/folders/save", &body, Some(&bob)).await).await;
    let form = ReplyForm {
        scope: Scope::Personal,
        folder_id: Some(folder),
        title: "C".into(),
        body: "c".into(),
        ..ReplyForm::default()
    };
    let _: i64 = ok(app.call_json("/api/canned/save", "form", &form, &bob).await).await;
    assert_eq!(library(&app, &bob, Scope::Personal).await.replies.len(), 3);
    ok::<()>(app.call("/api/canned/delete", &format!("folder=true&id={folder}"), Some(&bob)).await).await;
    let lib = library(&app, &bob, Scope::Personal).await;
    assert_eq!((lib.folders.len(), lib.replies.len()), (0, 2));
    // Someone else's folder cannot hold a reply.
    let (_, ann) = agent(&app, &shop, "Ann").await;
    let body = json!({ "scope": "personal", "id": null, "name": "Ann's" }).to_string();
    let anns: i64 = ok(app.call("/api/canned/folders/save", &body, Some(&ann)).await).await;
    let form = ReplyForm { folder_id: Some(anns), ..form };
    assert_eq!(
        err(app.call_json("/api/canned/save", "form", &form, &bob).await).await,
        ApiError::invalid("folder_id", ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn a_gbk_csv_is_previewed_with_its_bad_row_imported_without_it_and_exported_back() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (_, bob) = agent(&app, &shop, "Bob").await;
    let text = "标题,内容,分组\r\n退款,请提供订单号,售后\r\n,没有标题,售后\r\n发货,\"一般 48 小时内发货，\n节假日顺延\",物流\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let base64 = base64::engine::general_purpose::STANDARD.encode(&gbk);
    let rows: Vec<ImportRow> = ok(app.call_json("/api/canned/import/preview", "base64", &base64, &bob).await).await;
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].title.as_str(), rows[0].folder.as_str(), rows[0].error.clone()), ("退款", "售后", None));
    assert_eq!((rows[1].line, rows[1].error.clone()), (3, Some(ApiError::invalid("title", ErrorCode::Required))));
    assert_eq!(rows[2].body, "一般 48 小时内发货，\n节假日顺延");
    // Nothing is stored by the preview.
    assert!(library(&app, &bob, Scope::Personal).await.replies.is_empty());

    let body = json!({ "scope": "personal", "base64": base64 }).to_string();
    let imported: usize = ok(app.call("/api/canned/import", &body, Some(&bob)).await).await;
    assert_eq!(imported, 2);
    let lib = library(&app, &bob, Scope::Personal).await;
    let folders: Vec<&str> = lib.folders.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(folders, ["售后", "物流"]);
    assert_eq!(lib.replies.len(), 2);

    // Exported: UTF-8 with a byte order mark, Chinese intact; read back it is the same library.
    let csv: String = ok(app.call_json("/api/canned/export", "scope", &Scope::Personal, &bob).await).await;
    assert!(csv.starts_with("\u{FEFF}title,text,folder\r\n"), "{csv}");
    assert!(csv.contains("退款,请提供订单号,售后"));
    let again = base64::engine::general_purpose::STANDARD.encode(csv.as_bytes());
    let rows: Vec<ImportRow> = ok(app.call_json("/api/canned/import/preview", "base64", &again, &bob).await).await;
    assert_eq!(rows.iter().filter(|r| r.error.is_none()).count(), 2);
    assert_eq!(rows[1].body, "一般 48 小时内发货，\n节假日顺延");
}
