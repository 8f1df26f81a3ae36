//! Conversation records (issue 16): one table of searches in Chinese, Japanese, Korean, Latin
//! and mixed text, run on whichever database the suite runs on (both in `make test`), so both
//! give the same hits; no hit across message boundaries or companies; whose records an agent
//! reads; the transcript; the exports (CSV, HTML, a zip of one file per conversation, streamed); messages written before the index found after backfill.

use app::records::{ExportFormat, RecordChoices, RecordFilter, RecordPage, RecordSort, Transcript};
use kefu_protocol::{AgentId, ApiError, ConversationId, ErrorCode};

use crate::helpers::*;

async fn search(app: &TestApp, cookie: &str, query: &str) -> Result<RecordPage, ApiError> {
    let filter = RecordFilter { query: query.into(), ..RecordFilter::default() };
    let response = app.call_json("/api/records", "filter", &filter, cookie).await;
    if response.status().is_success() {
        Ok(response.json().await.unwrap())
    } else {
        Err(err(response).await)
    }
}

/// The conversations the records list shows `cookie` for `filter`, in its order.
async fn listed(app: &TestApp, cookie: &str, filter: RecordFilter) -> Vec<ConversationId> {
    let page: RecordPage = ok(app.call_json("/api/records", "filter", &filter, cookie).await).await;
    page.rows.iter().map(|r| ConversationId(r.id)).collect()
}

/// The conversations a search lists, by the first message each visitor said.
async fn found(app: &TestApp, cookie: &str, query: &str, said: &[(ConversationId, &str)]) -> Vec<String> {
    let page = search(app, cookie, query).await.unwrap_or_else(|e| panic!("{query}: {e:?}"));
    let mut texts: Vec<String> = page
        .rows
        .iter()
        .map(|r| said.iter().find(|(c, _)| c.0 == r.id).map_or(format!("#{}", r.id), |(_, t)| t.to_string()))
        .collect();
    texts.sort();
    texts
}

const SAID: [&str; 7] = [
    "我想申请退款，可以吗？",
    "退货，款已付",
    "注文をキャンセルしたいです",
    "환불 요청합니다",
    "Where is my ORDER #123?",
    "我的 iPhone 退款 problem",
    "謝謝，請問營業時間？",
];

#[tokio::test]
async fn searches_find_words_inside_sentences_in_every_script_and_nothing_across_messages_or_companies() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let mut said = Vec::new();
    for (i, text) in SAID.iter().enumerate() {
        let mut visitor = app.visitor(&shop, None).await;
        let message = visitor.say(&format!("m{i}"), text).await;
        said.push((message.conversation_id, *text));
    }
    // Two messages that only together hold 退款: not a hit.
    let mut split = app.visitor(&shop, None).await;
    let first = split.say("s1", "我想退").await;
    split.say("s2", "款").await;
    said.push((first.conversation_id, "我想退 | 款"));
    // Another company's 退款 is never listed.
    let other = app.create_tenant("Other").await;
    app.visitor(&other, None).await.say("o1", "退款退款").await;

    let table: [(&str, &[&str]); 12] = [
        ("退款", &["我想申请退款，可以吗？", "我的 iPhone 退款 problem"]),
        ("申请退款", &["我想申请退款，可以吗？"]),
        ("退", &["我想申请退款，可以吗？", "我想退 | 款", "我的 iPhone 退款 problem", "退货，款已付"]),
        ("款已付", &["退货，款已付"]),
        ("キャンセル", &["注文をキャンセルしたいです"]),
        ("환불", &["환불 요청합니다"]),
        ("order", &["Where is my ORDER #123?"]),
        ("Ｏｒｄｅｒ", &["Where is my ORDER #123?"]),
        ("123", &["Where is my ORDER #123?"]),
        ("iphone 退款", &["我的 iPhone 退款 problem"]),
        ("營業時間", &["謝謝，請問營業時間？"]),
        ("prob", &["我的 iPhone 退款 problem"]),
    ];
    for (query, want) in table {
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(found(&app, &admin, query, &said).await, want, "search for {query:?}");
    }
    // The hit is shown, and a search of nothing searchable is refused by field.
    let page = search(&app, &admin, "申请退款").await.unwrap();
    assert_eq!(page.rows[0].hit.as_deref(), Some("我想申请退款，可以吗？"));
    assert_eq!(search(&app, &admin, "，。！").await.unwrap_err(), ApiError::invalid("query", ErrorCode::Format));
    // No search: every conversation of the company.
    assert_eq!(search(&app, &admin, "").await.unwrap().total, 8);
}

#[tokio::test]
async fn an_agent_reads_their_own_records_and_an_admin_all_with_the_transcript_and_a_csv() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (bob, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob_cookie = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await;
    let mut hers = app.visitor(&shop, None).await;
    let hers_id = hers.say("h1", "我想申请退款").await.conversation_id;
    let mut his = app.visitor(&shop, None).await;
    let his_id = his.say("b1", "退款什么时候到账？").await.conversation_id;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE conversations SET agent_id = $1 WHERE id = $2")
        .bind(bob.0)
        .bind(his_id.0)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);

    let ids = |page: RecordPage| page.rows.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(search(&app, &bob_cookie, "退款").await.unwrap()), [his_id.0], "Bob reads his own only");
    let mut all = ids(search(&app, &admin, "退款").await.unwrap());
    all.sort();
    assert_eq!(all, [hers_id.0, his_id.0]);
    // A filter naming someone else's agent does not widen Bob's view.
    let filter = RecordFilter { agent_id: Some(AgentId(1).0), ..RecordFilter::default() };
    let page: RecordPage = ok(app.call_json("/api/records", "filter", &filter, &bob_cookie).await).await;
    assert!(page.rows.iter().all(|r| r.id == his_id.0), "{page:?}");

    // The transcript: the whole conversation; not one outside the reader's records.
    let t: Transcript =
        ok(app.call("/api/records/transcript", &format!("id={}", his_id.0), Some(&bob_cookie)).await).await;
    assert_eq!(t.messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["退款什么时候到账？"]);
    let refused = app.call("/api/records/transcript", &format!("id={}", hers_id.0), Some(&bob_cookie)).await;
    assert_eq!(err(refused).await, ApiError::NotFound);

    // Notes and tags: on a conversation of one's own records only; tags filter the list.
    let note: app::records::NoteLine = ok(app
        .call(
            "/api/records/note",
            &format!("id={}&body=%E5%AE%A2%E6%88%B7%E5%BE%88%E6%80%A5", his_id.0),
            Some(&bob_cookie),
        )
        .await)
    .await;
    assert_eq!((note.agent_name.as_str(), note.body.as_str()), ("Bob", "客户很急"));
    let refused = app.call("/api/records/note", &format!("id={}&body=x", hers_id.0), Some(&bob_cookie)).await;
    assert_eq!(err(refused).await, ApiError::NotFound);
    let empty = app.call("/api/records/note", &format!("id={}&body=%20%20", his_id.0), Some(&bob_cookie)).await;
    assert_eq!(err(empty).await, ApiError::invalid("note", ErrorCode::Empty));
    let tags = serde_json::json!({ "id": his_id.0, "tags": [" 退款 ", "VIP", "VIP", ""] }).to_string();
    let saved: Vec<String> = ok(app.call("/api/records/tags", &tags, Some(&bob_cookie)).await).await;
    assert_eq!(saved, ["退款", "VIP"], "trimmed, repeats and empties dropped");
    let many = serde_json::json!({ "id": his_id.0, "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>() });
    assert_eq!(
        err(app.call("/api/records/tags", &many.to_string(), Some(&bob_cookie)).await).await.field(),
        Some("tags")
    );
    let flood = serde_json::json!({ "id": his_id.0, "tags": vec!["x"; 10_000] });
    assert_eq!(
        err(app.call("/api/records/tags", &flood.to_string(), Some(&bob_cookie)).await).await,
        ApiError::invalid("tags", ErrorCode::TooLong)
    );
    let t: Transcript = ok(app.call("/api/records/transcript", &format!("id={}", his_id.0), Some(&admin)).await).await;
    assert_eq!(t.notes.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(), ["客户很急"], "the admin reads Bob's note");
    assert_eq!(t.record.tags, ["VIP", "退款"]);
    let by_tag = RecordFilter { tag: "VIP".into(), ..RecordFilter::default() };
    let page: RecordPage = ok(app.call_json("/api/records", "filter", &by_tag, &admin).await).await;
    assert_eq!(ids(page), [his_id.0]);

    // CSV: a byte order mark, one row per message, the Chinese intact.
    let filter = RecordFilter { query: "退款".into(), ..RecordFilter::default() };
    let csv = exported(&app, &admin, &filter, ExportFormat::Csv).await;
    assert!(csv.starts_with("\u{FEFF}conversation,time,site,visitor,agent,sender,text\r\n"), "{csv}");
    assert!(csv.contains("我想申请退款") && csv.contains("退款什么时候到账？"), "{csv}");
    assert_eq!(csv.lines().count(), 3);
    let bobs = exported(&app, &bob_cookie, &RecordFilter::default(), ExportFormat::Csv).await;
    assert!(bobs.contains("退款什么时候到账？") && !bobs.contains("我想申请退款"), "Bob exports his own only: {bobs}");

    // HTML: one self-contained file, every field escaped, no script.
    let mut sly = app.visitor(&shop, None).await;
    sly.say("x1", "<script>alert('退款')</script> & <b>\"bold\"</b>").await;
    let html = exported(&app, &admin, &filter, ExportFormat::Html).await;
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("default-src 'none'"), "{html}");
    assert!(!html.to_lowercase().contains("<script") && !html.contains("<b>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;退款&#39;)&lt;/script&gt; &amp; &lt;b&gt;&quot;bold&quot;&lt;/b&gt;"),
        "{html}"
    );
    assert!(html.contains("我想申请退款") && html.contains("退款什么时候到账？"), "{html}");
}

/// An export's text, checked to be a download that never runs in the app's origin.
async fn exported(app: &TestApp, cookie: &str, filter: &RecordFilter, format: ExportFormat) -> String {
    let bytes = export_bytes(app, cookie, filter, format, "attachment").await;
    String::from_utf8(bytes).expect("UTF-8")
}

async fn export_bytes(
    app: &TestApp,
    cookie: &str,
    filter: &RecordFilter,
    format: ExportFormat,
    disposition: &str,
) -> Vec<u8> {
    let response = reqwest::Client::new()
        .get(app.url(&app::records::export_url(filter, format)))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(header("content-type"), format.content_type());
    assert!(header("content-disposition").starts_with(disposition), "{}", header("content-disposition"));
    assert!(header("content-security-policy").contains("sandbox"));
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn exports_stream_every_page_as_csv_one_html_file_or_a_zip_of_one_file_per_conversation() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    // More conversations than a page, and more text than one chunk of the stream.
    let long = "售后问题".repeat(500);
    let mut ids = Vec::new();
    for i in 0..30 {
        let mut visitor = app.visitor(&shop, None).await;
        ids.push(visitor.say(&format!("m{i}"), &format!("第{i}个问题 {long}")).await.conversation_id);
    }

    let csv = exported(&app, &admin, &RecordFilter::default(), ExportFormat::Csv).await;
    assert_eq!(csv.lines().count(), 31, "a header and every conversation of every page");
    assert!(csv.len() > 30 * long.len(), "the long texts whole");
    for i in 0..30 {
        assert!(csv.contains(&format!("第{i}个问题")), "conversation {i}");
    }

    // A zip of one self-contained HTML file per conversation.
    let bytes = export_bytes(&app, &admin, &RecordFilter::default(), ExportFormat::Zip, "attachment").await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    names.sort();
    let mut want: Vec<String> = ids.iter().map(|id| format!("conversation-{}.html", id.0)).collect();
    want.sort();
    assert_eq!(names, want);
    let mut file = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&format!("conversation-{}.html", ids[7].0)).unwrap(), &mut file)
        .unwrap();
    assert!(file.starts_with("<!DOCTYPE html>") && file.contains("第7个问题") && !file.contains("第8个问题"), "{file}");

    // One conversation, from its transcript.
    let only = RecordFilter { conversation_id: Some(ids[3].0), ..RecordFilter::default() };
    let response = reqwest::Client::new()
        .get(app.url(&app::records::export_url(&only, ExportFormat::Html)))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains(&format!("conversation-{}.html", ids[3].0)), "{disposition}");
    let html = response.text().await.unwrap();
    assert!(html.contains("第3个问题") && !html.contains("第4个问题"));

    // Refused before the first byte: no session, a filter that is not one.
    let anonymous = reqwest::get(app.url(&app::records::export_url(&only, ExportFormat::Csv))).await.unwrap();
    assert_eq!(err(anonymous).await, ApiError::Unauthorized);
    let bad = reqwest::Client::new()
        .get(app.url("/api/v1/records/export?format=csv&filter=%7Bnope"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(err(bad).await, ApiError::invalid("filter", ErrorCode::Format));
    let long_query = RecordFilter { query: "退".repeat(101), ..RecordFilter::default() };
    let refused = reqwest::Client::new()
        .get(app.url(&app::records::export_url(&long_query, ExportFormat::Csv)))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(err(refused).await, ApiError::invalid("query", ErrorCode::TooLong));
}

#[tokio::test]
async fn messages_written_before_the_index_existed_are_found_after_the_backfill() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let mut visitor = app.visitor(&shop, None).await;
    visitor.say("v1", "发票抬头写错了").await;
    // As if written by a version before the index: out of it, and below the backfill's mark.
    let mut w = app.db.write().await.unwrap();
    sqlx::query("DELETE FROM message_search").execute(&mut *w).await.unwrap();
    sqlx::query("UPDATE search_backfill SET next_id = 0, below = (SELECT MAX(id) + 1 FROM messages)")
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    assert!(search(&app, &admin, "发票").await.unwrap().rows.is_empty());
    while app::infra::search::backfill(&app.db, 1).await.unwrap() > 0 {}
    assert_eq!(search(&app, &admin, "发票").await.unwrap().rows.len(), 1);
    // Done: nothing more, and the mark stays at the end.
    assert_eq!(app::infra::search::backfill(&app.db, 100).await.unwrap(), 0);
}

#[tokio::test]
async fn records_filter_by_agent_files_and_rating_and_sort_by_time_messages_and_length() {
    use crate::files::{created, png, send_file, site_id, visitor_upload};
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (bob, _) = app.add_agent(&shop, "Bob").await;
    let mut one = app.visitor(&shop, None).await;
    let short = one.say("a1", "在吗").await.conversation_id;
    let mut three = app.visitor(&shop, None).await;
    let long = three.say("b1", "第一").await.conversation_id;
    three.say("b2", "第二").await;
    three.say("b3", "第三").await;
    let mut pic = app.visitor(&shop, None).await;
    let file = created(visitor_upload(&app, &shop, &pic.token, "截图.png", png()).await).await;
    let with_file = send_file(&mut pic, "c1", &file.id).await.unwrap().conversation_id;
    let site = site_id(&app, &shop).await;
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE conversations SET agent_id = $1 WHERE id = $2")
        .bind(bob.0)
        .bind(long.0)
        .execute(&mut *w)
        .await
        .unwrap();
    for (conversation, score, invalid) in [(short, 5, 0), (long, 5, 1), (with_file, 2, 0)] {
        sqlx::query(
            "INSERT INTO ratings (conversation_id, tenant_id, site_id, score, rated_at, invalid) VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(conversation.0)
        .bind(shop.id.0)
        .bind(site)
        .bind(score)
        .bind(invalid)
        .execute(&mut *w)
        .await
        .unwrap();
    }
    drop(w);

    let all = RecordFilter::default();
    assert_eq!(
        listed(&app, &admin, RecordFilter { sort: RecordSort::Newest, ..all.clone() }).await,
        [with_file, long, short]
    );
    assert_eq!(
        listed(&app, &admin, RecordFilter { sort: RecordSort::Oldest, ..all.clone() }).await,
        [short, long, with_file]
    );
    assert_eq!(listed(&app, &admin, RecordFilter { sort: RecordSort::MostMessages, ..all.clone() }).await[0], long);
    assert_eq!(listed(&app, &admin, RecordFilter { agent_id: Some(bob.0), ..all.clone() }).await, [long]);
    assert_eq!(listed(&app, &admin, RecordFilter { with_files: true, ..all.clone() }).await, [with_file]);
    assert_eq!(
        listed(&app, &admin, RecordFilter { min_score: Some(4), ..all.clone() }).await,
        [short],
        "the other 5 was marked invalid, the file's chat got 2"
    );
}

#[tokio::test]
async fn records_filter_by_the_agent_s_department_and_the_chat_s_category() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (ann, _) = app.add_agent(&shop, "Ann").await;
    let (bob, _) = app.add_agent(&shop, "Bob").await;
    let mut first = app.visitor(&shop, None).await;
    let anns = first.say("a1", "我要退款").await.conversation_id;
    let mut second = app.visitor(&shop, None).await;
    let bobs = second.say("b1", "什么时候发货").await.conversation_id;
    let mut w = app.db.write().await.unwrap();
    let department: i64 = sqlx::query_scalar(
        "INSERT INTO departments (tenant_id, name, created_at) VALUES ($1, '售后部', 0) RETURNING id",
    )
    .bind(shop.id.0)
    .fetch_one(&mut *w)
    .await
    .unwrap();
    let category: i64 = sqlx::query_scalar(
        "INSERT INTO categories (tenant_id, name, sort_order, created_at) VALUES ($1, '物流', 0, 0) RETURNING id",
    )
    .bind(shop.id.0)
    .fetch_one(&mut *w)
    .await
    .unwrap();
    sqlx::query("UPDATE agents SET department_id = $1 WHERE id = $2")
        .bind(department)
        .bind(ann.0)
        .execute(&mut *w)
        .await
        .unwrap();
    for (conversation, agent, category) in [(anns, ann, None), (bobs, bob, Some(category))] {
        sqlx::query("UPDATE conversations SET agent_id = $1, category_id = $2 WHERE id = $3")
            .bind(agent.0)
            .bind(category)
            .bind(conversation.0)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    drop(w);

    let choices: RecordChoices = ok(app.call("/api/records/choices", "", Some(&admin)).await).await;
    assert_eq!(choices.departments, [(department, "售后部".to_owned())]);
    assert_eq!(choices.categories, [(category, "物流".to_owned())]);
    let all = RecordFilter::default();
    assert_eq!(listed(&app, &admin, RecordFilter { department_id: Some(department), ..all.clone() }).await, [anns]);
    assert_eq!(listed(&app, &admin, RecordFilter { category_id: Some(category), ..all.clone() }).await, [bobs]);
    let both = RecordFilter { department_id: Some(department), category_id: Some(category), ..all.clone() };
    assert!(listed(&app, &admin, both).await.is_empty());
    // Another company's department is nobody here.
    let other = app.create_tenant("Other").await;
    let rival = app.login(&other.company, &other.login, &other.password).await;
    let theirs: RecordChoices = ok(app.call("/api/records/choices", "", Some(&rival)).await).await;
    assert!(theirs.departments.is_empty() && theirs.categories.is_empty());
    let filter = RecordFilter { department_id: Some(department), ..all.clone() };
    let page: RecordPage = ok(app.call_json("/api/records", "filter", &filter, &rival).await).await;
    assert!(page.rows.is_empty());
}

#[tokio::test]
async fn records_filter_by_where_the_visit_came_from_a_host_or_a_search_keyword() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let mut searched = app.visitor(&shop, None).await;
    for (url, referrer) in [
        ("https://shop.example/tea", "https://www.baidu.com/s?wd=%E4%B9%8C%E9%BE%99%E8%8C%B6"),
        // Moving on inside the site keeps where the visit came from.
        ("https://shop.example/cart", "https://shop.example/tea"),
    ] {
        let page = kefu_protocol::PageInfo { url: url.into(), title: "茶".into(), referrer: referrer.into() };
        searched.client.send(&kefu_protocol::FromVisitor::Page { page }).await;
    }
    let from_search = searched.say("s1", "有货吗").await.conversation_id;
    let mut linked = app.visitor(&shop, None).await;
    let page = kefu_protocol::PageInfo {
        url: "https://shop.example/".into(),
        title: "首页".into(),
        referrer: "https://news.example.org/review".into(),
    };
    linked.client.send(&kefu_protocol::FromVisitor::Page { page }).await;
    let from_link = linked.say("l1", "你好").await.conversation_id;
    let mut direct = app.visitor(&shop, None).await;
    direct.say("d1", "在吗").await;

    let by = |source: &str| RecordFilter { source: source.into(), ..RecordFilter::default() };
    assert_eq!(listed(&app, &admin, by("乌龙")).await, [from_search]);
    assert_eq!(listed(&app, &admin, by("BAIDU")).await, [from_search]);
    assert_eq!(listed(&app, &admin, by("news.example")).await, [from_link]);
    assert_eq!(listed(&app, &admin, by("100%")).await, [], "LIKE wildcards are text");
    assert_eq!(listed(&app, &admin, by("")).await.len(), 3);
    let page: RecordPage = ok(app.call_json("/api/records", "filter", &by("乌龙"), &admin).await).await;
    assert_eq!(
        (page.rows[0].source_domain.as_deref(), page.rows[0].source_keyword.as_deref()),
        (Some("baidu.com"), Some("乌龙茶"))
    );
    let long = err(app.call_json("/api/records", "filter", &by(&"x".repeat(101)), &admin).await).await;
    assert_eq!(long, ApiError::invalid("source", ErrorCode::TooLong));
}

#[tokio::test]
async fn a_record_shows_the_visitors_card_where_they_were_and_the_pages_of_that_visit() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let mut visitor = app.visitor(&shop, None).await;
    let vid = visitor.visitor_id;
    let pages = [
        ("https://shop.example/last-week", "上周", ""),
        ("https://shop.example/tea", "乌龙茶", "https://www.baidu.com/s?wd=%E4%B9%8C%E9%BE%99%E8%8C%B6"),
        ("https://shop.example/refund", "退款", "https://shop.example/tea"),
    ];
    for (url, title, referrer) in pages {
        let page = kefu_protocol::PageInfo { url: url.into(), title: title.into(), referrer: referrer.into() };
        visitor.client.send(&kefu_protocol::FromVisitor::Page { page }).await;
    }
    assert!(app.eventually_equals("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", vid.0, 3).await);
    // The first page was another visit, a week ago.
    let mut w = app.db.write().await.unwrap();
    sqlx::query(
        "UPDATE page_views SET viewed_at = viewed_at - 604800000 WHERE visitor_id = $1 AND url LIKE '%last-week'",
    )
    .bind(vid.0)
    .execute(&mut *w)
    .await
    .unwrap();
    drop(w);
    let conversation = visitor.say("v1", "怎么退款？").await.conversation_id;
    let shown: app::visitors::VisitorDetails =
        ok(app.call("/api/visitors/details", &format!("visitor_id={}", vid.0), Some(&admin)).await).await;
    let card = app::visitors::VisitorCard { name: "李雷".into(), phone: "13900000000".into(), ..shown.card };
    ok::<()>(app.call_json("/api/visitors/card", "card", &card, &admin).await).await;
    visitor.client.send(&kefu_protocol::FromVisitor::End).await;
    visitor.client.recv_until(|f| matches!(f, kefu_protocol::ToVisitor::Ended { .. })).await;
    // A page after the chat ended is not part of it.
    let page = kefu_protocol::PageInfo {
        url: "https://shop.example/after".into(),
        title: String::new(),
        referrer: String::new(),
    };
    visitor.client.send(&kefu_protocol::FromVisitor::Page { page }).await;
    assert!(app.eventually_equals("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", vid.0, 4).await);

    let t: Transcript =
        ok(app.call("/api/records/transcript", &format!("id={}", conversation.0), Some(&admin)).await).await;
    let card = t.card.expect("the visitor's card");
    assert_eq!((card.name.as_str(), card.phone.as_str()), ("李雷", "13900000000"));
    let urls: Vec<&str> = t.pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(urls, ["https://shop.example/tea", "https://shop.example/refund"]);
    assert!(t.pages[0].stay_ms.is_some() && t.pages[1].stay_ms.is_none(), "the time on each page but the last");
    assert_eq!(
        (t.record.source_domain.as_deref(), t.record.source_keyword.as_deref()),
        (Some("baidu.com"), Some("乌龙茶"))
    );
}

#[tokio::test]
async fn a_search_reads_candidates_in_batches_until_more_conversations_than_it_lists_hold_the_text() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let mut visitor = app.visitor(&shop, None).await;
    let first = visitor.say("v1", "你好").await.conversation_id;
    let site = app.scalar("SELECT site_id FROM conversations WHERE id = $1", first.0).await;
    // 1,200 older conversations, each saying 退款 twice: 2,400 candidates, more than one batch
    // reads, and the first batch holds only 1,000 conversations.
    let written = app.scalar("SELECT MAX(id) + $1 FROM messages", 1).await;
    let mut w = app.db.write().await.unwrap();
    let base: i64 = 1_700_000_000_000;
    for i in 0..1200i64 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (tenant_id, site_id, visitor_id, status, last_seq, agent_read_seq, started_at, \
             last_message_at, closed_at) VALUES ($1, $2, $3, 'closed', 2, 2, $4, $4, $4) RETURNING id",
        )
        .bind(shop.id.0)
        .bind(site)
        .bind(visitor.visitor_id.0)
        .bind(base + i * 60_000)
        .fetch_one(&mut *w)
        .await
        .unwrap();
        for seq in 1..=2i64 {
            sqlx::query(
                "INSERT INTO messages (tenant_id, conversation_id, seq, sender_kind, sender_id, client_msg_id, body, sent_at) \
                 VALUES ($1, $2, $3, 'visitor', $4, $5, $6, $7)",
            )
            .bind(shop.id.0)
            .bind(id)
            .bind(seq)
            .bind(visitor.visitor_id.0)
            .bind(format!("m{i}-{seq}"))
            .bind(format!("第{seq}次问退款，会话 {i}"))
            .bind(base + i * 60_000 + seq)
            .execute(&mut *w)
            .await
            .unwrap();
        }
    }
    // Indexed by the backfill, as rows written before the index.
    sqlx::query("UPDATE search_backfill SET next_id = $1, below = (SELECT MAX(id) + 1 FROM messages)")
        .bind(written)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    while app::infra::search::backfill(&app.db, 5000).await.unwrap() > 0 {}

    let page = search(&app, &admin, "退款").await.unwrap();
    assert_eq!((page.total, page.capped), (app::records::SEARCH_CAP as i64, true), "more than it lists");
    assert_eq!(page.rows.len(), 25);
    // The newest conversations first, each shown with its newest hit.
    assert_eq!(page.rows[0].hit.as_deref(), Some("第2次问退款，会话 1199"));
    let oldest = RecordFilter { query: "退款".into(), sort: RecordSort::Oldest, ..RecordFilter::default() };
    let oldest: RecordPage = ok(app.call_json("/api/records", "filter", &oldest, &admin).await).await;
    assert_eq!(oldest.rows[0].hit.as_deref(), Some("第2次问退款，会话 200"), "the 1,000 newest are listed");
}
