//! The permission gate and the service layer as browsers meet them: every server function refuses
//! strangers and agents whose role lacks its permission, a server function reaches sockets (signing
//! out closes that session's consoles; ending a chat tells the agents), and a role's site scope
//! limits what its agents see.

use app::auth::repo;
use app::auth::service::hash_password;
use app::auth::setup::{self, NewTenant};
use kefu_protocol::{AgentId, ApiError, ConversationStatus, FromAgent, Perm, SiteId, TenantId, ToAgent};

use crate::helpers::{spawn_app, AgentClient, Tenant, TestApp};

/// Who may call a server function.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Gate {
    /// Anyone (signing in).
    Public,
    /// Any signed-in agent, whatever their role.
    SignedIn,
    /// Agents whose role grants this.
    Needs(Perm),
}

/// Every server function kefu registers: arguments that decode (form-encoded, the default codec)
/// and its gate. A server function missing here fails the test below: add it, with its gate.
const SERVER_FUNCTIONS: &[(&str, &str, Gate)] = &[
    ("/api/login", "company=nobody&login=nobody&password=wrong", Gate::Public),
    ("/api/setup/needed", "", Gate::Public),
    ("/api/setup", "name=x&company=x&login=x&password=x&site_name=x", Gate::Public),
    ("/api/logout", "", Gate::SignedIn),
    ("/api/me", "", Gate::SignedIn),
    ("/api/sites", "", Gate::Needs(Perm::SitesView)),
    ("/api/chat/close", "conversation_id=1", Gate::Needs(Perm::ChatServe)),
    ("/api/agents/enable", "agent_id=999999&enabled=false", Gate::Needs(Perm::AgentsManage)),
    ("/api/agents/delete", "agent_id=999999", Gate::Needs(Perm::AgentsManage)),
    ("/api/agents/password", "agent_id=999999&password=long-enough-1", Gate::Needs(Perm::AgentsManage)),
    ("/api/me/password", "current=agent-password-1&new=long-enough-1", Gate::SignedIn),
    ("/api/sites/save", r#"{"form":{"id":null,"version":0,"name":"x","domains":""}}"#, Gate::Needs(Perm::SitesManage)),
    ("/api/sites/delete", "id=999999&confirm=x", Gate::Needs(Perm::SitesManage)),
    ("/api/agents", "query=&offset=0", Gate::Needs(Perm::AgentsManage)),
    (
        "/api/agents/save",
        r#"{"form":{"id":999999,"version":1,"login":"","password":"","display_name":"x","nickname":"","job_number":"","email":"","mobile":"","role_id":1,"department_id":null,"site_ids":[],"seat_enabled":false,"max_chats":5,"sort_order":0}}"#,
        Gate::Needs(Perm::AgentsManage),
    ),
    ("/api/departments", "", Gate::Needs(Perm::AgentsManage)),
    (
        "/api/departments/save",
        r#"{"form":{"id":null,"version":0,"name":"x","admin_id":null}}"#,
        Gate::Needs(Perm::AgentsManage),
    ),
    ("/api/departments/delete", "id=999999", Gate::Needs(Perm::AgentsManage)),
    ("/api/roles", "", Gate::Needs(Perm::RolesManage)),
    (
        "/api/roles/save",
        r#"{"form":{"id":null,"version":0,"name":"x","perms":[],"own_sites":[]}}"#,
        Gate::Needs(Perm::RolesManage),
    ),
    ("/api/roles/delete", "id=999999", Gate::Needs(Perm::RolesManage)),
    ("/api/oplog", r#"{"query":{"offset":0}}"#, Gate::Needs(Perm::OplogView)),
    ("/api/me/settings", "", Gate::SignedIn),
    (
        "/api/me/avatar",
        r#"{"upload":{"base64":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}}"#,
        Gate::SignedIn,
    ),
    ("/api/agents/avatar", r#"{"agent_id":999999,"upload":{"base64":""}}"#, Gate::Needs(Perm::AgentsManage)),
    ("/api/categories", "", Gate::Needs(Perm::AgentsManage)),
    (
        "/api/categories/save",
        r#"{"form":{"id":null,"version":0,"name":"x","switchboard_id":null,"agent_ids":[],"site_ids":[]}}"#,
        Gate::Needs(Perm::AgentsManage),
    ),
    ("/api/categories/delete", "id=999999", Gate::Needs(Perm::AgentsManage)),
    ("/api/categories/move", "id=999999&up=true", Gate::Needs(Perm::AgentsManage)),
    ("/api/routing/categories", "", Gate::Needs(Perm::ChatServe)),
    ("/api/routing/settings", "site_id=1", Gate::Needs(Perm::SitesManage)),
    (
        "/api/routing/settings/save",
        r#"{"settings":{"site_id":1,"version":1,"mode":"least_busy","queue_limit":5,"prefer_previous":false,"rating_enabled":true,"levels":[],"categories":[]}}"#,
        Gate::Needs(Perm::SitesManage),
    ),
    ("/api/invitations/settings", "site_id=1", Gate::Needs(Perm::SitesManage)),
    (
        "/api/invitations/settings/save",
        r#"{"settings":{"site_id":1,"version":1,"auto":false,"after_secs":30,"pages":[],"texts":[]}}"#,
        Gate::Needs(Perm::SitesManage),
    ),
    ("/api/visitors/details", "visitor_id=999999", Gate::Needs(Perm::VisitorsView)),
    (
        "/api/visitors/card",
        r#"{"card":{"visitor_id":999999,"version":1,"name":"","email":"","phone":"","company":"","tags":[],"notes":""}}"#,
        Gate::Needs(Perm::VisitorsView),
    ),
    ("/api/visitors/conversation", "conversation_id=999999", Gate::Needs(Perm::ChatServe)),
    ("/api/canned", r#"{"scope":"personal"}"#, Gate::Needs(Perm::ChatServe)),
    ("/api/canned/chat", "", Gate::Needs(Perm::ChatServe)),
    ("/api/canned/used", "id=999999", Gate::Needs(Perm::ChatServe)),
    (
        "/api/canned/save",
        r#"{"form":{"id":null,"version":0,"scope":"personal","folder_id":null,"site_id":null,"title":"t","body":"b"}}"#,
        Gate::Needs(Perm::ChatServe),
    ),
    ("/api/canned/folders/save", r#"{"scope":"personal","id":null,"name":"f"}"#, Gate::Needs(Perm::ChatServe)),
    ("/api/canned/delete", "folder=false&id=999999", Gate::Needs(Perm::ChatServe)),
    ("/api/canned/move", "folder=false&id=999999&up=true", Gate::Needs(Perm::ChatServe)),
    ("/api/canned/place", "folder=false&id=999999&at=999998", Gate::Needs(Perm::ChatServe)),
    ("/api/canned/import/preview", r#"{"base64":""}"#, Gate::Needs(Perm::ChatServe)),
    ("/api/canned/import", r#"{"scope":"personal","base64":""}"#, Gate::Needs(Perm::ChatServe)),
    ("/api/canned/export", r#"{"scope":"personal"}"#, Gate::Needs(Perm::ChatServe)),
    ("/api/visitors/registration", "site_id=1", Gate::Needs(Perm::SitesManage)),
    ("/api/files/settings", "site_id=1", Gate::Needs(Perm::SitesManage)),
    ("/api/files/library", "", Gate::Needs(Perm::ChatServe)),
    ("/api/files/library/delete", "id=999999", Gate::Needs(Perm::SettingsManage)),
    ("/api/chat/library", "conversation_id=999999&id=999999", Gate::Needs(Perm::ChatServe)),
    (
        "/api/files/settings/save",
        r#"{"settings":{"site_id":1,"version":0,"max_bytes":10485760,"classes":["image"],"visitor_uploads":true,"trust_visitors":false}}"#,
        Gate::Needs(Perm::SitesManage),
    ),
    (
        "/api/visitors/registration/save",
        r#"{"settings":{"site_id":1,"version":1,"on":false,"before":false,"fields":[]}}"#,
        Gate::Needs(Perm::SitesManage),
    ),
    ("/api/blocks", "", Gate::Needs(Perm::BlockManage)),
    ("/api/colleagues/broadcast", "client_msg_id=g1&body=hi", Gate::Needs(Perm::AgentsManage)),
    (
        "/api/records",
        r#"{"filter":{"from":0,"to":0,"site_id":null,"agent_id":null,"query":"","offset":0}}"#,
        Gate::Needs(Perm::RecordsViewOwn),
    ),
    ("/api/records/transcript", "id=999999", Gate::Needs(Perm::RecordsViewOwn)),
    ("/api/records/choices", "", Gate::Needs(Perm::RecordsViewOwn)),
    ("/api/records/delete", r#"{"ids":[999999]}"#, Gate::Needs(Perm::RecordsDelete)),
    ("/api/stats/traffic", "site_id=999999&from=2026-01-01&to=2026-01-02", Gate::Needs(Perm::StatsView)),
    ("/api/stats/ranking", "site_id=999999&dim=Keyword&from=2026-01-01&to=2026-01-02", Gate::Needs(Perm::StatsView)),
    ("/api/stats/heatmap", "site_id=999999&from=2026-01-01&to=2026-01-02", Gate::Needs(Perm::StatsView)),
    ("/api/stats/handling", "site_id=999999&from=2026-01-01&to=2026-01-02", Gate::Needs(Perm::StatsView)),
    ("/api/privacy/visitors", "query=x", Gate::Needs(Perm::RecordsDelete)),
    ("/api/customers", r#"{"filter":{}}"#, Gate::Needs(Perm::VisitorsView)),
    ("/api/customers/merge", "kept=999998&merged=999999", Gate::Needs(Perm::RecordsDelete)),
    ("/api/privacy/erase", "visitor_id=999999", Gate::Needs(Perm::RecordsDelete)),
    ("/api/privacy/erasures", "", Gate::Needs(Perm::RecordsDelete)),
    ("/api/privacy/retention", "", Gate::Needs(Perm::RecordsDelete)),
    ("/api/privacy/retention/save", "site_id=999999&days=1", Gate::Needs(Perm::RecordsDelete)),
    ("/api/records/note", "id=999999&body=x", Gate::Needs(Perm::RecordsViewOwn)),
    ("/api/records/tags", r#"{"id":999999,"tags":[]}"#, Gate::Needs(Perm::RecordsViewOwn)),
    (
        "/api/blocks/add",
        r#"{"form":{"target":{"address":{"net":"198.51.100.7","site_id":null}},"reason":"x","duration":"hour"}}"#,
        Gate::Needs(Perm::BlockManage),
    ),
    ("/api/blocks/lift", "id=999999", Gate::Needs(Perm::BlockManage)),
    ("/api/ratings/list", "from=0&to=1&offset=0", Gate::Needs(Perm::SettingsManage)),
    ("/api/ratings/invalid", "conversation_id=999999&invalid=true&reason=x", Gate::Needs(Perm::SettingsManage)),
    ("/api/ratings/clear", "from=0&to=1", Gate::Needs(Perm::SettingsManage)),
    (
        "/api/me/settings/save",
        r#"{"settings":{"version":1,"display_name":"x","nickname":"","card":[],"prefs":{},"admin_max_chats":5}}"#,
        Gate::SignedIn,
    ),
    ("/api/oplog/export", r#"{"query":{"offset":0}}"#, Gate::Needs(Perm::OplogView)),
    ("/api/supervision/whisper", "conversation_id=999999&client_msg_id=w1&body=hi", Gate::Needs(Perm::ChatServe)),
    ("/api/supervision/whispers", "conversation_id=999999", Gate::Needs(Perm::ChatServe)),
    ("/api/supervision/take-over", "conversation_id=999999", Gate::Needs(Perm::MonitorChats)),
    ("/api/supervision/end", "conversation_id=999999&reason=x", Gate::Needs(Perm::MonitorChats)),
    ("/api/supervision/team", "since=0", Gate::Needs(Perm::MonitorChats)),
];

/// A company of its own with one site (its visitors come from `https://{slug}.example`).
struct Company {
    id: TenantId,
    site: SiteId,
    slug: String,
    tenant: Tenant,
}

async fn company(app: &TestApp, name: &str) -> Company {
    let slug = name.to_lowercase();
    let created = setup::create_tenant(
        &app.db,
        NewTenant {
            name,
            account: &slug,
            admin_login: &format!("admin@{slug}.example"),
            admin_password: "admin-password-1",
            admin_name: "Admin",
            site_name: &format!("{name} site"),
            site_domains: vec![format!("{slug}.example")],
        },
        setup::When::Always,
        &Default::default(),
    )
    .await
    .unwrap();
    let tenant = Tenant {
        id: created.tenant_id,
        company: slug.clone(),
        site_key: created.site.key.clone(),
        origin: format!("https://{slug}.example"),
        login: format!("admin@{slug}.example"),
        password: "admin-password-1".into(),
    };
    Company { id: created.tenant_id, site: created.site.id, slug, tenant }
}

/// An agent of `company` whose role grants exactly `perms`, on all sites when `all_sites`, else on
/// the company's site when `own_site`; their session cookie.
async fn agent_in(
    app: &TestApp,
    company: &Company,
    name: &str,
    perms: &[Perm],
    all_sites: bool,
    own_site: bool,
) -> String {
    let mut w = app.db.write().await.unwrap();
    let role_id = app::roles::repo::insert_role(
        &mut w,
        company.id,
        &format!("{name} role"),
        perms,
        if all_sites { &[] } else { perms },
        None,
    )
    .await
    .unwrap();
    let login = format!("{}@{}.example", name.to_lowercase(), company.slug);
    let hash = hash_password("agent-password-1");
    let new = repo::NewAgent { login: &login, password_hash: &hash, display_name: name, role_id, owner: false };
    let agent = repo::insert_agent(&mut w, company.id, &new).await.unwrap();
    if own_site {
        sqlx::query("INSERT INTO agent_sites (agent_id, site_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(agent.0)
            .bind(company.site.0)
            .bind(company.id.0)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    drop(w);
    app.login(&company.slug, &login, "agent-password-1").await
}

/// A company of its own with one agent whose role grants exactly `perms`.
async fn agent_with_role(
    app: &TestApp,
    name: &str,
    perms: &[Perm],
    all_sites: bool,
    own_site: bool,
) -> (Company, String) {
    let company = company(app, name).await;
    let cookie = agent_in(app, &company, "Agent", perms, all_sites, own_site).await;
    (company, cookie)
}

/// The frames a console received until the answer to a ping: frames are queued in order, so
/// everything sent to it before the ping is here.
async fn heard_until_pong(console: &mut AgentClient) -> Vec<ToAgent> {
    console.send(&FromAgent::Ping).await;
    let mut heard = Vec::new();
    loop {
        match console.recv().await {
            ToAgent::Pong => return heard,
            frame => heard.push(frame),
        }
    }
}

async fn call(app: &TestApp, path: &str, body: &str, cookie: Option<&str>) -> reqwest::Response {
    app.call(path, body, cookie).await
}

#[tokio::test]
async fn every_server_function_refuses_strangers_and_agents_without_its_permission() {
    let app = spawn_app().await;
    let registered: Vec<(&str, http::Method)> = leptos::server_fn::axum::server_fn_paths().collect();
    for (path, _, _) in SERVER_FUNCTIONS {
        assert!(registered.iter().any(|(p, _)| p == path), "{path} is listed here but not registered");
    }
    for (n, (path, method)) in registered.iter().enumerate() {
        let Some(&(_, body, gate)) = SERVER_FUNCTIONS.iter().find(|(p, ..)| p == path) else {
            panic!("{path} is a server function this test does not know: add it to SERVER_FUNCTIONS with its gate");
        };
        assert_eq!(*method, http::Method::POST, "{path}");
        if gate == Gate::Public {
            continue;
        }
        let stranger = call(&app, path, body, None).await;
        assert_eq!(stranger.status(), 401, "{path} without a session");
        assert_eq!(stranger.json::<ApiError>().await.unwrap(), ApiError::Unauthorized, "{path}");

        // A fresh agent per call: calling `logout` ends the session it is called with.
        let (_, cookie) = agent_with_role(&app, &format!("Nobody{n}"), &[], true, false).await;
        let powerless = call(&app, path, body, Some(&cookie)).await;
        match gate {
            Gate::SignedIn => assert!(powerless.status().is_success(), "{path}: {}", powerless.status()),
            _ => {
                assert_eq!(powerless.status(), 403, "{path} as an agent whose role grants nothing");
                assert_eq!(powerless.json::<ApiError>().await.unwrap(), ApiError::Forbidden, "{path}");
            }
        }
    }
}

/// The downloads written while they are sent (plain routes, not server functions) pass the same gate.
const DOWNLOADS: &[(&str, Perm)] = &[
    ("/api/v1/records/export?format=csv", Perm::RecordsViewOwn),
    ("/api/v1/visitors/999999/export?format=json", Perm::RecordsDelete),
    ("/api/v1/company/export", Perm::SettingsManage),
    ("/api/v1/customers/export", Perm::VisitorsView),
];

#[tokio::test]
async fn every_download_refuses_strangers_and_agents_without_its_permission() {
    let app = spawn_app().await;
    let (_, cookie) = agent_with_role(&app, "Nobody", &[], true, false).await;
    for (path, perm) in DOWNLOADS {
        let get = |cookie: Option<&str>| {
            let request = reqwest::Client::new().get(app.url(path));
            match cookie {
                Some(c) => request.header("cookie", c.to_owned()),
                None => request,
            }
            .send()
        };
        let stranger = get(None).await.unwrap();
        assert_eq!(stranger.status(), 401, "{path} without a session");
        let powerless = get(Some(&cookie)).await.unwrap();
        assert_eq!(powerless.json::<ApiError>().await.unwrap(), ApiError::Forbidden, "{path}");
        let (_, allowed) =
            agent_with_role(&app, &format!("Allowed{}", perm.as_str().replace('_', "")), &[*perm], true, false).await;
        // Past the gate: the export, or a visitor that is not there.
        let status = get(Some(&allowed)).await.unwrap().status();
        assert!(status == 200 || status == 404, "{path} with {perm:?}: {status}");
    }
}

/// The agent socket passes the same gate both ways: a console hears only the frames its role may
/// see (chats need `ChatServe`, visitors' comings and goings `VisitorsView`), and without
/// `ChatServe` it can neither read nor write a chat.
#[tokio::test]
async fn what_a_console_hears_and_may_do_follows_its_role() {
    let app = spawn_app().await;
    let shop = company(&app, "Watchers").await;
    let watcher = agent_in(&app, &shop, "Watcher", &[Perm::VisitorsView], true, false).await;
    let chatter = agent_in(&app, &shop, "Chatter", &[Perm::ChatServe], true, false).await;
    let (mut watcher, ..) = app.agent(&watcher).await;
    let (mut chatter, ..) = app.agent(&chatter).await;

    let mut visitor = app.visitor(&shop.tenant, None).await;
    let said = visitor.say("w1", "just looking").await;
    let watched = heard_until_pong(&mut watcher).await;
    assert!(watched.iter().any(|f| matches!(f, ToAgent::VisitorOnline { .. })), "{watched:?}");
    assert!(
        !watched.iter().any(|f| matches!(f, ToAgent::Message { .. } | ToAgent::Conversation { .. })),
        "a console without ChatServe hears no chat: {watched:?}"
    );
    let chatted = heard_until_pong(&mut chatter).await;
    assert!(chatted.iter().any(|f| matches!(f, ToAgent::Message { message } if message.body == "just looking")));
    assert!(
        !chatted.iter().any(|f| matches!(f, ToAgent::VisitorOnline { .. } | ToAgent::VisitorPage { .. })),
        "a console without VisitorsView hears no visitors: {chatted:?}"
    );

    let id = said.conversation_id;
    watcher.send(&FromAgent::Sync { conversation_id: id, after_seq: 0 }).await;
    assert_eq!(watcher.error().await.0, ApiError::Forbidden);
    watcher
        .send(&FromAgent::Send { conversation_id: id, client_msg_id: "v1".into(), body: "hi".into(), file: None })
        .await;
    assert_eq!(watcher.error().await, (ApiError::Forbidden, Some("v1".into())));
    assert_eq!(app.message_count(id).await, 1, "nothing was written");
    // Internal chat is for those who answer chats.
    watcher.send(&FromAgent::ColleagueSend { to: AgentId(1), client_msg_id: "c1".into(), body: "hi".into() }).await;
    assert_eq!(watcher.error().await, (ApiError::Forbidden, Some("c1".into())));
    // Lists pass the same gate.
    watcher.send(&FromAgent::ListConversations { query: String::new(), offset: 0, site: None }).await;
    assert_eq!(watcher.error().await.0, ApiError::Forbidden);
    chatter
        .send(&FromAgent::ListVisitors {
            query: String::new(),
            offset: 0,
            site: None,
            filter: Default::default(),
            sort: Default::default(),
        })
        .await;
    assert_eq!(chatter.error().await.0, ApiError::Forbidden);
}

#[tokio::test]
async fn signing_out_closes_the_consoles_of_that_session_only() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Closer").await;
    let laptop = app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let phone = app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let (mut laptop_console, ..) = app.agent(&laptop).await;
    let (mut phone_console, ..) = app.agent(&phone).await;

    let response = call(&app, "/api/logout", "", Some(&laptop)).await;
    assert!(response.status().is_success());
    assert!(laptop_console.closed_within(crate::helpers::WAIT).await, "the signed-out console is closed");
    // The other session goes on, and the signed-out one cannot come back.
    phone_console.assert_alive().await;
    let again = app.try_agent(&laptop).await;
    assert_eq!(again.err().map(|r| r.status), Some(401));
}

#[tokio::test]
async fn ending_a_chat_from_a_server_function_tells_the_agents_and_the_next_message_opens_a_new_one() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Ender").await;
    let cookie = app.login(&tenant.company, &tenant.login, &tenant.password).await;
    let (mut console, ..) = app.agent(&cookie).await;
    let mut visitor = app.visitor(&tenant, None).await;
    let first = visitor.say("e1", "please help").await;
    console.message().await;

    let body = format!("conversation_id={}", first.conversation_id.0);
    let response = call(&app, "/api/chat/close", &body, Some(&cookie)).await;
    assert!(response.status().is_success(), "{}", response.status());
    let closed = console
        .recv_until(|f| matches!(f, ToAgent::Conversation { conversation } if conversation.status == ConversationStatus::Closed))
        .await;
    let ToAgent::Conversation { conversation } = closed else { unreachable!() };
    assert_eq!(conversation.id, first.conversation_id);

    // Closing it again is a conflict, and nothing changes.
    let again = call(&app, "/api/chat/close", &body, Some(&cookie)).await;
    assert_eq!(again.status(), 409);

    let next = visitor.say("e2", "one more thing").await;
    assert_ne!(next.conversation_id, first.conversation_id, "a new conversation");
    assert_eq!(next.seq, 1);
}

#[tokio::test]
async fn a_role_scoped_to_its_own_sites_sees_only_their_chats() {
    let app = spawn_app().await;
    let (_, own_cookie) =
        agent_with_role(&app, "Scoped", &[Perm::ChatServe, Perm::VisitorsView, Perm::SitesView], false, true).await;
    let (siteless, none_cookie) =
        agent_with_role(&app, "Siteless", &[Perm::ChatServe, Perm::SitesView], false, false).await;
    // The scoped agent's company has one site, which is theirs; the site-less agent's has one
    // site that is not theirs.
    let sites: Vec<serde_json::Value> = call(&app, "/api/sites", "", Some(&own_cookie)).await.json().await.unwrap();
    assert_eq!(sites.len(), 1);
    let sites: Vec<serde_json::Value> = call(&app, "/api/sites", "", Some(&none_cookie)).await.json().await.unwrap();
    assert!(sites.is_empty(), "{sites:?}");

    let (mut console, ..) = app.agent(&none_cookie).await;
    let mut visitor = app.visitor(&siteless.tenant, None).await;
    let said = visitor.say("s1", "anyone?").await;
    // The console hears nothing of a site outside its scope (frames are in order: a leaked
    // conversation or message would come before the answer to this sync), and cannot read it.
    console.send(&FromAgent::Sync { conversation_id: said.conversation_id, after_seq: 0 }).await;
    let first = console
        .recv_until(|f| matches!(f, ToAgent::Conversation { .. } | ToAgent::Message { .. } | ToAgent::Error { .. }))
        .await;
    assert!(matches!(first, ToAgent::Error { error: ApiError::NotFound, .. }), "{first:?}");
    let (_, _, conversations) = app.agent(&none_cookie).await;
    assert!(conversations.is_empty());
}

/// Writing is only possible through `Db::write`: the read pool's connections refuse it, on SQLite
/// and PostgreSQL alike, and the row stays.
#[tokio::test]
async fn the_read_pool_refuses_writes() {
    let app = spawn_app().await;
    app.create_tenant("Readonly").await;
    let refused = sqlx::query("DELETE FROM tenants").execute(app.db.reader()).await;
    assert!(refused.is_err(), "a write through the read pool went through");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(app.db.reader()).await.unwrap();
    assert!(count >= 1);
    let mut w = app.db.write().await.unwrap();
    let done = sqlx::query("UPDATE tenants SET name = name").execute(&mut *w).await.unwrap();
    assert!(done.rows_affected() >= 1, "the write path writes");
}
