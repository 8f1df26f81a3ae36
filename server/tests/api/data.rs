//! Deleting records and visitors' data requests (issue 16): a deletion takes every row of its
//! conversations, needs its permission and the conversation ended, and is in the operation log;
//! a visitor's data exports whole and an erasure keeps only counts; the retention sweep.

use app::privacy::{ErasureRow, RetentionRow, VisitorExport, VisitorHit};
use app::records::RecordFilter;
use app::visitors::{VisitorCard, VisitorDetails};
use kefu_protocol::{ApiError, ConversationId, ErrorCode, FromVisitor, PageInfo, ToVisitor, VisitorId};

use crate::files::{created, send_file, visitor_upload};
use crate::helpers::*;

/// How many rows each table that holds a conversation's parts has for it.
async fn rows_of(app: &TestApp, conversation: ConversationId) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for (table, sql) in [
        ("conversations", "SELECT COUNT(*) FROM conversations WHERE id = $1"),
        ("messages", "SELECT COUNT(*) FROM messages WHERE conversation_id = $1"),
        ("conversation_events", "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1"),
        ("conversation_notes", "SELECT COUNT(*) FROM conversation_notes WHERE conversation_id = $1"),
        ("conversation_tags", "SELECT COUNT(*) FROM conversation_tags WHERE conversation_id = $1"),
        ("ratings", "SELECT COUNT(*) FROM ratings WHERE conversation_id = $1"),
    ] {
        counts.push((table, app.scalar(sql, conversation.0).await));
    }
    counts
}

async fn delete(app: &TestApp, cookie: &str, ids: &[ConversationId]) -> reqwest::Response {
    let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
    app.call("/api/records/delete", &serde_json::json!({ "ids": ids }).to_string(), Some(cookie)).await
}

async fn close(app: &TestApp, cookie: &str, conversation: ConversationId) {
    let closed = app.call("/api/chat/close", &format!("conversation_id={}", conversation.0), Some(cookie)).await;
    assert!(closed.status().is_success(), "{}", closed.status());
}

#[tokio::test]
async fn deleting_records_takes_every_row_of_them_needs_the_permission_and_an_ended_chat_and_is_logged() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await;

    // A conversation with a file, a rating, a note and a tag; then its visitor comes back.
    let mut visitor = app.visitor(&shop, None).await;
    let first = visitor.say("m1", "我要退货，订单 8848").await.conversation_id;
    let file = created(visitor_upload(&app, &shop, &visitor.token, "单据.pdf", crate::files::PDF.to_vec()).await).await;
    send_file(&mut visitor, "f1", &file.id).await.unwrap();
    visitor.client.send(&FromVisitor::Rate { conversation_id: first, score: 2, comment: "太慢".into() }).await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { .. })).await;
    let note = format!("id={}&body=%E6%80%A5", first.0);
    assert!(app.call("/api/records/note", &note, Some(&admin)).await.status().is_success());
    let tags = serde_json::json!({ "id": first.0, "tags": ["退货"] }).to_string();
    assert!(app.call("/api/records/tags", &tags, Some(&admin)).await.status().is_success());
    let mut other = app.visitor(&shop, None).await;
    let kept = other.say("k1", "退货地址在哪里").await.conversation_id;

    // A live chat is not deleted; nor by an agent whose role lacks the permission.
    assert_eq!(
        err(delete(&app, &admin, &[first]).await).await,
        ApiError::conflict(Some("conversations"), ErrorCode::InUse)
    );
    close(&app, &admin, first).await;
    assert_eq!(err(delete(&app, &bob, &[first]).await).await, ApiError::Forbidden);
    // One conversation that is not there refuses the whole deletion.
    assert_eq!(err(delete(&app, &admin, &[first, ConversationId(999_999)]).await).await, ApiError::NotFound);
    assert_eq!(err(delete(&app, &admin, &[]).await).await, ApiError::invalid("conversations", ErrorCode::Required));
    let before = rows_of(&app, first).await;
    assert!(before.iter().all(|(_, n)| *n > 0), "every table holds a part first: {before:?}");
    let again = visitor.say("m2", "还在吗").await.conversation_id;
    assert_ne!(again, first);
    let previous = "SELECT COUNT(*) FROM conversations WHERE previous_id = $1";
    assert_eq!(app.scalar(previous, first.0).await, 1, "the next conversation points at it");

    let deleted: usize = ok(delete(&app, &admin, &[first]).await).await;
    assert_eq!(deleted, 1);
    let after = rows_of(&app, first).await;
    assert!(after.iter().all(|(_, n)| *n == 0), "nothing of it is left: {after:?}");
    assert_eq!(app.scalar(previous, first.0).await, 0);
    let files = "SELECT COUNT(*) FROM files WHERE tenant_id = $1";
    assert_eq!(app.scalar(files, shop.id.0).await, 0, "its file went with it");
    let download = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/files/{}", file.id)))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 404);

    // The search finds only what is left; the operation log says who deleted what.
    let page: app::records::RecordPage = ok(app
        .call_json("/api/records", "filter", &RecordFilter { query: "退货".into(), ..Default::default() }, &admin)
        .await)
    .await;
    assert_eq!(page.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [kept.0]);
    let logged = "SELECT COUNT(*) FROM oplog WHERE kind = 'records_deleted' AND tenant_id = $1";
    assert_eq!(app.scalar(logged, shop.id.0).await, 1);
    let summary: String = sqlx::query_scalar("SELECT summary FROM oplog WHERE kind = 'records_deleted'")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(summary, format!("1 · #{}", first.0));
}

/// Rows that name or quote the visitor, table by table.
async fn personal_rows(app: &TestApp, visitor: VisitorId) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for (table, sql) in [
        ("page_views", "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1"),
        ("visitor_devices", "SELECT COUNT(*) FROM visitor_devices WHERE visitor_id = $1"),
        ("blocks", "SELECT COUNT(*) FROM blocks WHERE visitor_id = $1"),
        (
            "messages",
            "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.visitor_id = $1",
        ),
        (
            "conversation_notes",
            "SELECT COUNT(*) FROM conversation_notes n JOIN conversations c ON c.id = n.conversation_id WHERE c.visitor_id = $1",
        ),
        (
            "conversation_tags",
            "SELECT COUNT(*) FROM conversation_tags t JOIN conversations c ON c.id = t.conversation_id WHERE c.visitor_id = $1",
        ),
        (
            "rating comments",
            "SELECT COUNT(*) FROM ratings r JOIN conversations c ON c.id = r.conversation_id \
             WHERE c.visitor_id = $1 AND r.comment <> ''",
        ),
        (
            "visitor card",
            "SELECT COUNT(*) FROM visitors WHERE id = $1 AND (name IS NOT NULL OR email <> '' OR phone <> '' \
             OR company <> '' OR tags <> '' OR notes <> '' OR token_hash NOT LIKE 'erased:%')",
        ),
    ] {
        counts.push((table, app.scalar(sql, visitor.0).await));
    }
    counts
}

async fn visitor_export(app: &TestApp, cookie: &str, visitor: VisitorId, format: VisitorExport) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&app::privacy::export_url(visitor.0, format)))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visitors_data_exports_whole_and_an_erasure_leaves_nothing_of_them_but_the_counts() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin: &'static str = app.login(&shop.company, &shop.login, &shop.password).await.leak();
    let (_, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob: &'static str = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await.leak();

    let mut visitor = app.visitor(&shop, None).await;
    let vid = visitor.visitor_id;
    let page =
        PageInfo { url: "https://shop.example/退款".into(), title: "退款说明".into(), referrer: String::new() };
    visitor.client.send(&FromVisitor::Page { page }).await;
    assert!(app.eventually_equals("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", vid.0, 1).await);
    let conversation = visitor.say("m1", "我叫王小明，电话 13800138000").await.conversation_id;
    let file =
        created(visitor_upload(&app, &shop, &visitor.token, "身份证.pdf", crate::files::PDF.to_vec()).await).await;
    send_file(&mut visitor, "f1", &file.id).await.unwrap();
    visitor
        .client
        .send(&FromVisitor::Rate { conversation_id: conversation, score: 4, comment: "王小明很满意".into() })
        .await;
    visitor.client.recv_until(|f| matches!(f, ToVisitor::Rated { .. })).await;
    let shown: VisitorDetails =
        ok(app.call("/api/visitors/details", &format!("visitor_id={}", vid.0), Some(admin)).await).await;
    let card = VisitorCard {
        name: "王小明".into(),
        email: "wang@example.cn".into(),
        phone: "13800138000".into(),
        tags: vec!["VIP".into()],
        ..shown.card
    };
    ok::<()>(app.call_json("/api/visitors/card", "card", &card, admin).await).await;
    let note = format!("id={}&body=%E8%80%81%E5%AE%A2%E6%88%B7", conversation.0);
    assert!(app.call("/api/records/note", &note, Some(admin)).await.status().is_success());
    let tags = serde_json::json!({ "id": conversation.0, "tags": ["王小明"] }).to_string();
    assert!(app.call("/api/records/tags", &tags, Some(admin)).await.status().is_success());
    let mut other = app.visitor(&shop, None).await;
    other.say("o1", "别人的问题").await;

    // Found by name, e-mail, phone or number; not by an agent without the permission.
    for query in ["王小明", "WANG@example", "138001", &vid.0.to_string()] {
        let found: Vec<VisitorHit> = ok(app
            .call("/api/privacy/visitors", &format!("query={}", app::kit::query_escape(query)), Some(admin))
            .await)
        .await;
        assert_eq!(found.iter().map(|v| v.id).collect::<Vec<_>>(), [vid.0], "{query}");
    }
    assert_eq!(err(app.call("/api/privacy/visitors", "query=x", Some(bob)).await).await, ApiError::Forbidden);
    assert_eq!(visitor_export(&app, bob, vid, VisitorExport::Json).await.status(), 403);

    // The export: the card, the page views, every message and the rating's comment.
    let json = visitor_export(&app, admin, vid, VisitorExport::Json).await;
    assert_eq!(json.status(), 200);
    assert!(json.headers()["content-disposition"].to_str().unwrap().contains(&format!("visitor-{}.json", vid.0)));
    let data: serde_json::Value = json.json().await.expect("one JSON document");
    assert_eq!(data["visitor"]["card"]["email"], "wang@example.cn");
    assert_eq!(data["page_views"][0]["title"], "退款说明");
    assert_eq!(data["conversations"][0]["messages"][0]["body"], "我叫王小明，电话 13800138000");
    assert_eq!(data["conversations"][0]["rating_comment"], "王小明很满意");
    assert!(!data.to_string().contains("别人的问题"), "nobody else's data");
    let html = visitor_export(&app, admin, vid, VisitorExport::Html).await.text().await.unwrap();
    assert!(html.contains("wang@example.cn") && html.contains("我叫王小明") && html.contains("退款说明"), "{html}");
    assert!(!html.to_lowercase().contains("<script"));

    // Erased once the chat ends; the record of it stays, and so do the counts.
    let erase_body = format!("visitor_id={}", vid.0);
    let erase = |cookie: &'static str| app.call("/api/privacy/erase", &erase_body, Some(cookie));
    assert_eq!(err(erase(admin).await).await, ApiError::conflict(Some("visitor"), ErrorCode::InUse));
    close(&app, admin, conversation).await;
    assert_eq!(err(erase(bob).await).await, ApiError::Forbidden);
    let before = personal_rows(&app, vid).await;
    assert!(
        before.iter().filter(|(t, _)| !matches!(*t, "visitor_devices" | "blocks")).all(|(_, n)| *n > 0),
        "{before:?}"
    );
    let row: ErasureRow = ok(erase(admin).await).await;
    // The tab still open is closed, so nothing more is written under the erased record.
    assert!(visitor.client.closes_within(WAIT).await, "the erased visitor's tab is closed");
    other.client.assert_alive().await;
    assert_eq!((row.conversations, row.messages, row.page_views, row.files), (1, 2, 1, 1));
    let after = personal_rows(&app, vid).await;
    assert!(after.iter().all(|(_, n)| *n == 0), "nothing personal is left: {after:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM files WHERE tenant_id = $1", shop.id.0).await, 0);
    let kept = "SELECT COUNT(*) FROM conversations c JOIN ratings r ON r.conversation_id = c.id WHERE c.visitor_id = $1 AND r.score = 4";
    assert_eq!(app.scalar(kept, vid.0).await, 1, "the conversation and its score still count");
    let listed: Vec<ErasureRow> = ok(app.call("/api/privacy/erasures", "", Some(admin)).await).await;
    assert_eq!(
        listed.iter().map(|r| (r.visitor_id, r.agent_name.as_deref())).collect::<Vec<_>>(),
        [(vid.0, Some("Shop Admin"))]
    );
    for kind in ["visitor_exported", "visitor_erased"] {
        let logged = format!("SELECT COUNT(*) FROM oplog WHERE kind = '{kind}' AND tenant_id = $1");
        assert!(app.scalar(&logged, shop.id.0).await >= 1, "{kind} is in the operation log");
    }
    // Erased visitors are not found again, nor exported; their browser starts as a stranger.
    let found: Vec<VisitorHit> = ok(app.call("/api/privacy/visitors", "query=%E7%8E%8B", Some(admin)).await).await;
    assert!(found.is_empty());
    assert_eq!(visitor_export(&app, admin, vid, VisitorExport::Json).await.status(), 404);
    let again = app.visitor(&shop, Some(&visitor.token)).await;
    assert_ne!(again.visitor_id, vid);
    // The other visitor keeps everything.
    let theirs =
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.visitor_id = $1";
    assert_eq!(app.scalar(theirs, other.visitor_id.0).await, 1);
}

#[tokio::test]
async fn records_past_their_sites_retention_are_deleted_by_the_sweep_and_others_kept() {
    let app = spawn_app_with(|c| c.ip_sweep = std::time::Duration::from_millis(50)).await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let rows: Vec<RetentionRow> = ok(app.call("/api/privacy/retention", "", Some(&admin)).await).await;
    assert_eq!(rows.iter().map(|r| r.days).collect::<Vec<_>>(), [0], "kept for good by default");
    let site = rows[0].site_id;
    let set = |days: i64| {
        let body = format!("site_id={site}&days={days}");
        let admin = admin.clone();
        let app = &app;
        async move { app.call("/api/privacy/retention/save", &body, Some(&admin)).await }
    };
    for bad in [-1, 3651] {
        assert_eq!(err(set(bad).await).await, ApiError::invalid("retention_days", ErrorCode::Format));
    }

    let mut said = Vec::new();
    for i in 0..3 {
        let mut visitor = app.visitor(&shop, None).await;
        said.push(visitor.say(&format!("r{i}"), &format!("问题 {i}")).await.conversation_id);
    }
    for conversation in &said[..2] {
        close(&app, &admin, *conversation).await;
    }
    // The first ended 31 days ago; the second just now; the third is live but began long ago.
    let mut w = app.db.write().await.unwrap();
    let month = 31 * 24 * 3600 * 1000_i64;
    sqlx::query("UPDATE conversations SET closed_at = closed_at - $1, started_at = started_at - $1 WHERE id = $2")
        .bind(month)
        .bind(said[0].0)
        .execute(&mut *w)
        .await
        .unwrap();
    sqlx::query("UPDATE conversations SET started_at = started_at - $1 WHERE id = $2")
        .bind(month)
        .bind(said[2].0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let exists = "SELECT COUNT(*) FROM conversations WHERE id = $1";
    assert_eq!(app.scalar(exists, said[0].0).await, 1, "kept while the retention is off");

    ok::<()>(set(30).await).await;
    assert!(app.eventually_equals(exists, said[0].0, 0).await, "deleted once past thirty days");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", said[0].0).await, 0);
    assert_eq!(app.scalar(exists, said[1].0).await, 1, "a recent record stays");
    assert_eq!(app.scalar(exists, said[2].0).await, 1, "a live chat stays");
    let logged = "SELECT COUNT(*) FROM oplog WHERE kind = 'retention_changed' AND tenant_id = $1";
    assert_eq!(app.scalar(logged, shop.id.0).await, 1);
}

#[tokio::test]
async fn the_company_export_holds_every_table_of_the_company_and_no_secret_or_other_company() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let other = app.create_tenant("Other").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (_, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.say("m1", "发票怎么开？").await;
    let mut stranger = app.visitor(&other, None).await;
    stranger.say("s1", "别家的秘密").await;
    // Internal chat is company data too (its messages reach their company through the thread).
    let (_, eve_login) = app.add_agent(&other, "Eve").await;
    let eve = app.login(&other.company, &eve_login, AGENT_PASSWORD).await;
    for (tenant, cookie, body) in [(&shop, &bob, "内部：这单要退款"), (&other, &eve, "别家的内部消息")] {
        let (mut console, ..) = app.agent(cookie).await;
        crate::colleagues::say(&mut console, crate::colleagues::admin_id(&app, tenant).await, "c1", body).await;
    }

    let get = |cookie: &str| {
        reqwest::Client::new().get(app.url("/api/v1/company/export")).header("cookie", cookie.to_owned()).send()
    };
    assert_eq!(get(&bob).await.unwrap().status(), 403, "only a super admin");
    let response = get(&admin).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("kefu-shop.zip"));
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip archive");
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap_or_else(|_| panic!("{name}")), &mut text)
            .unwrap();
        text
    };
    let company: serde_json::Value = serde_json::from_str(&read("company.json")).unwrap();
    assert_eq!(company["account"], "shop");
    let lines =
        |text: String| text.lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<serde_json::Value>>();
    let agents = lines(read("agents.jsonl"));
    assert_eq!(agents.len(), 2);
    assert!(agents.iter().all(|a| a.get("password_hash").is_none() && a["login"].is_string()), "{agents:?}");
    let messages = lines(read("messages.jsonl"));
    assert_eq!(messages.iter().map(|m| m["body"].as_str().unwrap()).collect::<Vec<_>>(), ["发票怎么开？"]);
    let visitors = lines(read("visitors.jsonl"));
    assert!(visitors.len() == 1 && visitors[0].get("token_hash").is_none());
    assert!(lines(read("sites.jsonl")).iter().all(|s| s.get("identity_secret").is_none()));
    assert_eq!(lines(read("conversations.jsonl")).len(), 1);
    let internal = lines(read("colleague_messages.jsonl"));
    assert_eq!(internal.iter().map(|m| m["body"].as_str().unwrap()).collect::<Vec<_>>(), ["内部：这单要退款"]);
    assert_eq!(lines(read("colleague_threads.jsonl")).len(), 1);
    let everything: String = (0..archive.len())
        .map(|i| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut archive.by_index(i).unwrap(), &mut text).unwrap();
            text
        })
        .collect();
    assert!(!everything.contains("别家的秘密"), "nothing of the other company");
    assert!(!everything.contains("别家的内部消息"), "nor of its internal chat");
    assert!(!everything.contains("$argon2"), "no password hash anywhere");
}

#[tokio::test]
async fn every_table_is_in_the_company_export_or_named_as_left_out_with_a_reason() {
    let app = spawn_app().await;
    app.create_tenant("Shop").await;
    let sql = match app.db.kind {
        app::infra::db::DbKind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE 'message_search_%'"
        }
        app::infra::db::DbKind::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let mut tables: Vec<String> = sqlx::query_scalar(sql).fetch_all(app.db.reader()).await.unwrap();
    tables.retain(|t| t != "_sqlx_migrations");
    let dumped: Vec<&str> = app::privacy::repo::DUMPED.iter().map(|d| d.table).collect();
    let left_out: Vec<&str> = app::privacy::repo::LEFT_OUT.iter().map(|(t, _)| *t).collect();
    let unaccounted: Vec<&String> =
        tables.iter().filter(|t| !dumped.contains(&t.as_str()) && !left_out.contains(&t.as_str())).collect();
    assert!(unaccounted.is_empty(), "export these or say why not: {unaccounted:?}");
    let stale: Vec<&&str> = dumped.iter().chain(&left_out).filter(|t| !tables.iter().any(|n| n == **t)).collect();
    assert!(stale.is_empty(), "no such tables: {stale:?}");
}
