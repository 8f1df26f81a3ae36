//! Files in chats (issue 13 "Files and images, both ways"): a visitor's file waits for an agent's
//! acceptance before anyone can download it; types come from the content; names are cleaned;
//! downloads need the conversation's visitor or an agent of its sites; the site's rules and the
//! budgets hold.

use app::files::FileSettings;
use base64::Engine as _;
use kefu_protocol::{ApiError, Attachment, ConversationId, ErrorCode, FileClass, FileState, FromAgent, FromVisitor};
use kefu_protocol::{ToAgent, ToVisitor};

use crate::helpers::*;

pub(crate) fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(TINY_PNG).unwrap()
}

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

pub(crate) async fn visitor_upload(
    app: &TestApp,
    shop: &Tenant,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/visitor/files"))
        .query(&[("site_key", shop.site_key.as_str()), ("name", name)])
        .header("origin", &shop.origin)
        .header("authorization", format!("Bearer {token}"))
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn visitor_download(app: &TestApp, shop: &Tenant, token: &str, id: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&format!("/api/v1/files/{id}")))
        .query(&[("site_key", shop.site_key.as_str())])
        .header("origin", &shop.origin)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

async fn agent_download(app: &TestApp, cookie: &str, id: &str) -> reqwest::Response {
    reqwest::Client::new().get(app.url(&format!("/api/v1/files/{id}"))).header("cookie", cookie).send().await.unwrap()
}

/// A POST of raw bytes from the workbench (its origin, the session cookie).
async fn workbench_post(
    app: &TestApp,
    path: &str,
    query: &[(&str, &str)],
    cookie: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .query(query)
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", cookie)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn agent_upload(
    app: &TestApp,
    cookie: &str,
    conversation: ConversationId,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let conversation = conversation.0.to_string();
    workbench_post(
        app,
        "/api/v1/agent/files",
        &[("conversation", conversation.as_str()), ("name", name)],
        cookie,
        bytes,
    )
    .await
}

pub(crate) async fn created(response: reqwest::Response) -> Attachment {
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.unwrap()
}

async fn refused(response: reqwest::Response) -> (u16, ApiError) {
    let status = response.status().as_u16();
    assert!(status >= 400, "{status}");
    (status, response.json().await.unwrap())
}

/// The visitor sends an uploaded file in their conversation; returns the acknowledged message.
pub(crate) async fn send_file(
    visitor: &mut Visitor,
    id: &str,
    file: &str,
) -> Result<kefu_protocol::ChatMessage, ApiError> {
    let frame = FromVisitor::Send {
        conversation_id: None,
        client_msg_id: id.into(),
        body: "ignored".into(),
        file: Some(file.into()),
    };
    visitor.client.send(&frame).await;
    match visitor
        .client
        .recv_until(|f| matches!(f, ToVisitor::Ack { client_msg_id, .. } | ToVisitor::Error { client_msg_id: Some(client_msg_id), .. } if client_msg_id == id))
        .await
    {
        ToVisitor::Ack { message, .. } => Ok(message),
        ToVisitor::Error { error, .. } => Err(error),
        _ => unreachable!(),
    }
}

async fn save_settings(app: &TestApp, cookie: &str, settings: &FileSettings) -> reqwest::Response {
    app.call_json("/api/files/settings/save", "settings", settings, cookie).await
}

async fn settings(app: &TestApp, cookie: &str, site: i64) -> FileSettings {
    ok(app.call("/api/files/settings", &format!("site_id={site}"), Some(cookie)).await).await
}

pub(crate) async fn site_id(app: &TestApp, shop: &Tenant) -> i64 {
    sqlx::query_scalar("SELECT id FROM sites WHERE site_key = $1")
        .bind(&shop.site_key)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visitors_image_is_downloadable_only_after_an_agent_accepts_it() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut agent, _, _) = app.agent(&cookie).await;
    let mut visitor = app.visitor(&shop, None).await;
    assert_eq!(visitor.welcome_uploads, Some(10 << 20), "the widget learns the site's limit");
    let (conversation, _) = ask(&mut visitor, "m1", "看一下截图").await;

    let file = created(visitor_upload(&app, &shop, &visitor.token, "C:\\Users\\王\\截图 1.png", png()).await).await;
    assert_eq!((file.name.as_str(), file.mime.as_str(), file.state), ("截图 1.png", "image/png", FileState::Pending));
    let sent = send_file(&mut visitor, "m2", &file.id).await.unwrap();
    assert_eq!(sent.body, "截图 1.png", "the message says the file's name, not what the client put");
    assert_eq!(sent.file.as_ref().map(|f| f.state), Some(FileState::Pending));
    let seen = agent.recv_until(|f| matches!(f, ToAgent::Message { message } if message.seq == sent.seq)).await;
    let ToAgent::Message { message } = seen else { unreachable!() };
    assert_eq!(message.file.as_ref().map(|f| f.id.as_str()), Some(file.id.as_str()));

    // Nobody, not even the visitor who sent it, downloads it before an agent accepts it.
    assert_eq!(visitor_download(&app, &shop, &visitor.token, &file.id).await.status(), 404);
    assert_eq!(agent_download(&app, &cookie, &file.id).await.status(), 404);

    agent.send(&FromAgent::DecideFile { conversation_id: conversation, file: file.id.clone(), accept: true }).await;
    let told = visitor.client.recv_until(|f| matches!(f, ToVisitor::FileState { .. })).await;
    assert_eq!(
        told,
        ToVisitor::FileState { conversation_id: conversation, file: file.id.clone(), state: FileState::Ready }
    );
    agent.recv_until(|f| matches!(f, ToAgent::FileState { state: FileState::Ready, .. })).await;
    let sql = "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = $1 AND kind = 'file_accepted'";
    assert_eq!(app.scalar(sql, conversation.0).await, 1, "the records show who accepted it");
    // Deciding twice: a colleague was first.
    agent.send(&FromAgent::DecideFile { conversation_id: conversation, file: file.id.clone(), accept: false }).await;
    let (error, _) = agent.error().await;
    assert_eq!(error.code(), ErrorCode::Conflict);

    let got = visitor_download(&app, &shop, &visitor.token, &file.id).await;
    assert_eq!(got.status(), 200);
    let h = got.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("inline;"), "a checked image shows inline");
    assert_eq!(h["access-control-allow-origin"], shop.origin.as_str(), "the site's page may read it");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(got.bytes().await.unwrap().as_ref(), png().as_slice());
    assert_eq!(agent_download(&app, &cookie, &file.id).await.status(), 200);

    // A later sync (another tab, a reload) shows the file accepted.
    let synced = visitor.client.sync(conversation, 0).await;
    assert_eq!(synced.last().and_then(|m| m.file.as_ref()).map(|f| f.state), Some(FileState::Ready));
}

#[tokio::test]
async fn a_refused_file_is_gone_and_cannot_be_sent_again() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut agent, _, _) = app.agent(&cookie).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "m1", "合同").await;
    let file = created(visitor_upload(&app, &shop, &visitor.token, "合同.pdf", PDF.to_vec()).await).await;
    send_file(&mut visitor, "m2", &file.id).await.unwrap();
    agent.send(&FromAgent::DecideFile { conversation_id: conversation, file: file.id.clone(), accept: false }).await;
    let told = visitor.client.recv_until(|f| matches!(f, ToVisitor::FileState { .. })).await;
    assert!(matches!(told, ToVisitor::FileState { state: FileState::Refused, .. }));
    assert_eq!(agent_download(&app, &cookie, &file.id).await.status(), 404);
    assert_eq!(
        send_file(&mut visitor, "m3", &file.id).await.unwrap_err(),
        ApiError::invalid("attachment", ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn an_agents_file_reaches_the_visitor_ready_as_an_attachment() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let (mut agent, _, _) = app.agent(&cookie).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "m1", "报价单呢").await;
    let file = created(agent_upload(&app, &cookie, conversation, "报价单 \"2026\".pdf", PDF.to_vec()).await).await;
    assert_eq!(file.state, FileState::Ready, "an agent's file needs no acceptance");
    let frame = FromAgent::Send {
        conversation_id: conversation,
        client_msg_id: "a1".into(),
        body: String::new(),
        file: Some(file.id.clone()),
    };
    agent.send(&frame).await;
    let acked = agent.ack("a1").await;
    assert_eq!(acked.body, "报价单 \"2026\".pdf");
    let got = visitor.client.recv_until(|f| matches!(f, ToVisitor::Message { .. })).await;
    let ToVisitor::Message { message } = got else { unreachable!() };
    assert_eq!(message.file.map(|f| f.state), Some(FileState::Ready));
    let download = visitor_download(&app, &shop, &visitor.token, &file.id).await;
    assert_eq!(download.status(), 200);
    let h = download.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"___ _2026_.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20%222026%22.pdf",
        "a PDF is never shown inline; the Chinese name survives"
    );
    assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"));
}

#[tokio::test]
async fn types_come_from_the_content_and_names_from_nowhere_else() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let visitor = app.visitor(&shop, None).await;
    let token = visitor.token.clone();
    // HTML (or SVG) calling itself a PNG is refused: it is not a type any site takes.
    for (name, body) in [
        ("cat.png", &b"<!doctype html><script>alert(document.cookie)</script>"[..]),
        ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
        ("half.png", b"\x89PNG\r\n\x1a\n<html>"),
    ] {
        let (status, error) = refused(visitor_upload(&app, &shop, &token, name, body.to_vec()).await).await;
        assert_eq!((status, error), (422, ApiError::invalid("attachment", ErrorCode::FileType)), "{name}");
    }
    // A path in the name is dropped; a text file keeps a text extension.
    let text = created(visitor_upload(&app, &shop, &token, "../../etc/passwd", b"root:x:0:0".to_vec()).await).await;
    assert_eq!((text.name.as_str(), text.mime.as_str()), ("passwd.txt", "text/plain"));
    let (gbk, _, _) = encoding_rs::GBK.encode("姓名,电话\n王先生,13800000000\n");
    let csv = created(visitor_upload(&app, &shop, &token, "客户名单.csv", gbk.into_owned()).await).await;
    assert_eq!(csv.name, "客户名单.csv", "a GBK CSV from Excel is a document");
    let (_, empty) = refused(visitor_upload(&app, &shop, &token, "a.txt", Vec::new()).await).await;
    assert_eq!(empty, ApiError::invalid("attachment", ErrorCode::Empty));
    let (_, long) = refused(visitor_upload(&app, &shop, &token, &"x".repeat(2000), b"hi".to_vec()).await).await;
    assert_eq!(long, ApiError::invalid("name", ErrorCode::TooLong));
}

#[tokio::test]
async fn downloads_need_the_conversations_visitor_or_an_agent_of_its_sites() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let rival = app.create_tenant("Rival").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let rival_cookie = app.login(&rival.company, &rival.login, &rival.password).await;
    let (mut agent, _, _) = app.agent(&cookie).await;
    let mut owner = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut owner, "m1", "hi").await;
    let file = created(agent_upload(&app, &cookie, conversation, "价目表.pdf", PDF.to_vec()).await).await;
    let frame = FromAgent::Send {
        conversation_id: conversation,
        client_msg_id: "a1".into(),
        body: String::new(),
        file: Some(file.id.clone()),
    };
    agent.send(&frame).await;
    agent.ack("a1").await;
    assert_eq!(visitor_download(&app, &shop, &owner.token, &file.id).await.status(), 200);

    // Another visitor of the same site, a stranger without a token, another company's agent.
    let mut other = app.visitor(&shop, None).await;
    assert_eq!(visitor_download(&app, &shop, &other.token, &file.id).await.status(), 404);
    let anonymous = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/files/{}", file.id)))
        .query(&[("site_key", shop.site_key.as_str())])
        .header("origin", &shop.origin)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(agent_download(&app, &rival_cookie, &file.id).await.status(), 404);
    assert_eq!(agent_download(&app, "kefu_session=nope", &file.id).await.status(), 401);
    // The rival's visitor, with the rival's site key, and a page of a domain the site does not own.
    let outsider = app.visitor(&rival, None).await;
    assert_eq!(visitor_download(&app, &rival, &outsider.token, &file.id).await.status(), 404);
    let foreign = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/files/{}", file.id)))
        .query(&[("site_key", shop.site_key.as_str())])
        .header("origin", "https://evil.example")
        .header("authorization", format!("Bearer {}", owner.token))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    // Nor may anyone send a file that is not their own upload.
    let error = send_file(&mut other, "o1", &file.id).await.unwrap_err();
    assert_eq!(error, ApiError::invalid("attachment", ErrorCode::NotFound));
    // Ids that are not ids are not looked up.
    assert_eq!(agent_download(&app, &cookie, "..%2F..%2Fkefu.db").await.status(), 404);
    // The rival's agent cannot upload into the shop's conversation.
    let (_, error) = refused(agent_upload(&app, &rival_cookie, conversation, "x.pdf", PDF.to_vec()).await).await;
    assert_eq!(error, ApiError::NotFound);
}

#[tokio::test]
async fn the_sites_rules_decide_size_types_and_whether_visitors_send_files() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let site = site_id(&app, &shop).await;
    let defaults = settings(&app, &cookie, site).await;
    assert_eq!(defaults, FileSettings::defaults(site));
    let images_only = FileSettings { max_bytes: 2048, classes: vec![FileClass::Image], ..defaults.clone() };
    ok::<()>(save_settings(&app, &cookie, &images_only).await).await;
    // The page read at version 0 saves once; the second save of it is stale.
    let stale = err(save_settings(&app, &cookie, &images_only).await).await;
    assert_eq!(stale.code(), ErrorCode::Stale);
    let bad = FileSettings { max_bytes: 200 * 1024 * 1024, ..settings(&app, &cookie, site).await };
    assert_eq!(err(save_settings(&app, &cookie, &bad).await).await, ApiError::invalid("max_bytes", ErrorCode::TooLong));

    let visitor = app.visitor(&shop, None).await;
    assert_eq!(visitor.welcome_uploads, Some(2048));
    let (status, error) = refused(visitor_upload(&app, &shop, &visitor.token, "a.pdf", PDF.to_vec()).await).await;
    assert_eq!((status, error), (422, ApiError::invalid("attachment", ErrorCode::FileType)));
    let big = [png(), vec![0u8; 4096]].concat();
    let (_, error) = refused(visitor_upload(&app, &shop, &visitor.token, "big.png", big).await).await;
    assert_eq!(error, ApiError::invalid("attachment", ErrorCode::TooLarge));
    let trusted = FileSettings { trust_visitors: true, ..settings(&app, &cookie, site).await };
    ok::<()>(save_settings(&app, &cookie, &trusted).await).await;
    let file = created(visitor_upload(&app, &shop, &visitor.token, "ok.png", png()).await).await;
    assert_eq!(file.state, FileState::Ready, "a site that trusts visitors' files skips acceptance");

    let closed = FileSettings { visitor_uploads: false, ..settings(&app, &cookie, site).await };
    ok::<()>(save_settings(&app, &cookie, &closed).await).await;
    let visitor = app.visitor(&shop, None).await;
    assert_eq!(visitor.welcome_uploads, None, "the widget offers no attach button");
    let (status, error) = refused(visitor_upload(&app, &shop, &visitor.token, "ok.png", png()).await).await;
    assert_eq!((status, error), (409, ApiError::conflict(Some("attachment"), ErrorCode::Unavailable)));

    // Another company's admin cannot read or change the shop's rules.
    let rival = app.create_tenant("Rival").await;
    let rival_cookie = app.login(&rival.company, &rival.login, &rival.password).await;
    let rival_read = app.call("/api/files/settings", &format!("site_id={site}"), Some(&rival_cookie)).await;
    assert_eq!(err(rival_read).await, ApiError::NotFound);
    let rival_save = FileSettings { version: 0, ..closed };
    assert_eq!(err(save_settings(&app, &rival_cookie, &rival_save).await).await, ApiError::NotFound);
}

#[tokio::test]
async fn a_visitor_uploading_past_the_hours_budget_is_told_when_to_retry() {
    let app = spawn_app_with(|c| c.limits.files_per_visitor_per_hour = 2).await;
    let shop = app.create_tenant("Shop").await;
    let visitor = app.visitor(&shop, None).await;
    for _ in 0..2 {
        created(visitor_upload(&app, &shop, &visitor.token, "a.png", png()).await).await;
    }
    let third = visitor_upload(&app, &shop, &visitor.token, "a.png", png()).await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().get("retry-after").is_some());
    assert!(matches!(third.json::<ApiError>().await.unwrap(), ApiError::TooMany { .. }));
    // Another visitor has their own budget.
    let other = app.visitor(&shop, None).await;
    created(visitor_upload(&app, &shop, &other.token, "a.png", png()).await).await;
}

async fn library_upload(app: &TestApp, cookie: &str, folder: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    workbench_post(app, "/api/v1/library", &[("folder", folder), ("name", name)], cookie, bytes).await
}

#[tokio::test]
async fn the_companys_common_files_go_into_a_chat_in_two_clicks_and_stay_there_when_removed() {
    use app::files::LibraryFile;
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (ann, login) = app.add_agent(&shop, "Ann").await;
    app.serve_every_site(&shop, ann).await;
    let agent = app.login(&shop.company, &login, AGENT_PASSWORD).await;

    // Only an admin adds files; the type is checked as for chat files.
    let (status, _) = refused(library_upload(&app, &agent, "价目表", "a.pdf", PDF.to_vec()).await).await;
    assert_eq!(status, 403);
    let (_, error) =
        refused(library_upload(&app, &admin, "价目表", "x.pdf", b"<html><script>1</script>".to_vec()).await).await;
    assert_eq!(error, ApiError::invalid("attachment", ErrorCode::FileType));
    let (_, error) = refused(library_upload(&app, &admin, &"长".repeat(41), "a.pdf", PDF.to_vec()).await).await;
    assert_eq!(error, ApiError::invalid("folder", ErrorCode::TooLong));
    let added: LibraryFile = ok(library_upload(&app, &admin, "价目表", "2026 价目表.pdf", PDF.to_vec()).await).await;
    assert_eq!((added.folder.as_str(), added.name.as_str()), ("价目表", "2026 价目表.pdf"));

    // Agents see the library and send from it.
    let listed: Vec<LibraryFile> = ok(app.call("/api/files/library", "", Some(&agent)).await).await;
    assert_eq!(listed, vec![added.clone()]);
    let (mut console, _, _) = app.agent(&agent).await;
    let mut visitor = app.visitor(&shop, None).await;
    let (conversation, _) = ask(&mut visitor, "m1", "有价目表吗").await;
    let body = format!("conversation_id={}&id={}", conversation.0, added.id);
    let ready: Attachment = ok(app.call("/api/chat/library", &body, Some(&agent)).await).await;
    assert_eq!((ready.name.as_str(), ready.state), ("2026 价目表.pdf", FileState::Ready));
    let frame = FromAgent::Send {
        conversation_id: conversation,
        client_msg_id: "a1".into(),
        body: String::new(),
        file: Some(ready.id.clone()),
    };
    console.send(&frame).await;
    console.ack("a1").await;
    // Removed from the library, the chat keeps its copy.
    ok::<()>(app.call("/api/files/library/delete", &format!("id={}", added.id), Some(&admin)).await).await;
    assert_eq!(visitor_download(&app, &shop, &visitor.token, &ready.id).await.status(), 200);
    let listed: Vec<LibraryFile> = ok(app.call("/api/files/library", "", Some(&agent)).await).await;
    assert!(listed.is_empty());
    // Another company sees none of it and cannot send it.
    let rival = app.create_tenant("Rival").await;
    let rival_admin = app.login(&rival.company, &rival.login, &rival.password).await;
    let theirs: Vec<LibraryFile> = ok(app.call("/api/files/library", "", Some(&rival_admin)).await).await;
    assert!(theirs.is_empty());
    assert_eq!(err(app.call("/api/chat/library", &body, Some(&rival_admin)).await).await, ApiError::NotFound);
}

#[tokio::test]
async fn a_blocked_visitor_uploads_nothing_and_learns_only_that_it_is_not_available() {
    use app::blocks::{BlockFor, BlockForm, BlockTarget};
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let visitor = app.visitor(&shop, None).await;
    let form = BlockForm {
        target: BlockTarget::Visitor { visitor_id: visitor.visitor_id.0 },
        reason: "spam".into(),
        duration: BlockFor::Day,
    };
    ok::<serde_json::Value>(app.call_json("/api/blocks/add", "form", &form, &admin).await).await;
    let (status, error) = refused(visitor_upload(&app, &shop, &visitor.token, "a.png", png()).await).await;
    assert_eq!((status, error), (409, ApiError::conflict(Some("attachment"), ErrorCode::Unavailable)));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM files WHERE uploader_id = $1", visitor.visitor_id.0).await, 0);
}
