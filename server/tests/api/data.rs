//! Deleting records and visitors' data requests (issue 16): a deletion takes every row of its
//! conversations, needs its permission and the conversation ended, and is in the operation log.

use app::records::RecordFilter;
use kefu_protocol::{ApiError, ConversationId, ErrorCode, FromVisitor, ToVisitor};

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
