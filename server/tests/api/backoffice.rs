//! The back office's rules, through its server functions: roles, departments, agents, sites and
//! the operation log. Every change here is also checked in the log.

use app::agents::{AgentForm, AgentPage};
use app::categories::{CategoryForm, CategoryView};
use app::departments::{DepartmentForm, DepartmentView};
use app::oplog::{OpKind, OplogPage, OplogQuery};
use app::profile::{CardLine, PersonalSettings};
use app::roles::{RoleForm, RoleView};
use app::sites::{SiteForm, SiteView};
use kefu_protocol::{AgentInfo, ApiError, ErrorCode, Perm, SendKey};

use crate::helpers::*;

/// An admin session of a fresh company.
async fn admin_of(app: &TestApp, name: &str) -> (Tenant, String) {
    let tenant = app.create_tenant(name).await;
    let cookie = app.login(&tenant.company, &tenant.login, &tenant.password).await;
    (tenant, cookie)
}

async fn roles(app: &TestApp, cookie: &str) -> Vec<RoleView> {
    ok(app.call("/api/roles", "", Some(cookie)).await).await
}

async fn role_named(app: &TestApp, cookie: &str, builtin: &str) -> RoleView {
    roles(app, cookie).await.into_iter().find(|r| r.builtin.as_deref() == Some(builtin)).unwrap()
}

fn agent_form(login: &str, role_id: i64) -> AgentForm {
    AgentForm {
        login: login.into(),
        password: "agent-pw-1".into(),
        display_name: format!("{login} 姓名"),
        role_id,
        seat_enabled: true,
        max_chats: 5,
        ..AgentForm::default()
    }
}

async fn agents(app: &TestApp, cookie: &str, query: &str) -> AgentPage {
    ok(app.call("/api/agents", &format!("query={}&offset=0", urlencode(query)), Some(cookie)).await).await
}

async fn log(app: &TestApp, cookie: &str, query: OplogQuery) -> OplogPage {
    ok(app.call_json("/api/oplog", "query", &query, cookie).await).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn built_in_roles_are_fixed_and_custom_roles_follow_their_rules() {
    let app = spawn_app().await;
    let (_, admin) = admin_of(&app, "Shop").await;
    let builtin = role_named(&app, &admin, "agent").await;
    let edit = RoleForm { id: Some(builtin.id), version: builtin.version, name: "mine".into(), ..RoleForm::default() };
    let refused = err(app.call_json("/api/roles/save", "form", &edit, &admin).await).await;
    assert_eq!(refused.code(), ErrorCode::Protected);
    assert_eq!(
        err(app.call("/api/roles/delete", &format!("id={}", builtin.id), Some(&admin)).await).await.code(),
        ErrorCode::Protected
    );

    // A copy of the agent role without visitors, named in Chinese.
    let perms: Vec<Perm> = builtin.perms.iter().copied().filter(|p| *p != Perm::VisitorsView).collect();
    let new =
        RoleForm { name: "值班客服".into(), perms: perms.clone(), own_sites: perms.clone(), ..RoleForm::default() };
    ok::<()>(app.call_json("/api/roles/save", "form", &new, &admin).await).await;
    let taken = err(app.call_json("/api/roles/save", "form", &new, &admin).await).await;
    assert_eq!(taken, ApiError::conflict(Some("name"), ErrorCode::Taken));
    let long = RoleForm { name: "一".repeat(21), ..new.clone() };
    assert_eq!(
        err(app.call_json("/api/roles/save", "form", &long, &admin).await).await,
        ApiError::invalid("name", ErrorCode::TooLong)
    );
    let custom = roles(&app, &admin).await.into_iter().find(|r| r.name == "值班客服").unwrap();
    assert_eq!((custom.perms.clone(), custom.own_sites.clone(), custom.builtin.clone()), (perms.clone(), perms, None));

    // In use: it cannot be deleted; an agent who has it loses what it loses at once.
    let id: i64 = ok(app.call_json("/api/agents/save", "form", &agent_form("duty", custom.id), &admin).await).await;
    assert_eq!(
        err(app.call("/api/roles/delete", &format!("id={}", custom.id), Some(&admin)).await).await.code(),
        ErrorCode::InUse
    );
    let duty = app.login("shop", "duty", "agent-pw-1").await;
    let (mut console, ..) = app.agent(&duty).await;
    let fewer = RoleForm { id: Some(custom.id), version: custom.version, perms: vec![Perm::ChatServe], ..new.clone() };
    ok::<()>(app.call_json("/api/roles/save", "form", &fewer, &admin).await).await;
    assert_eq!(
        console.close_reason(WAIT).await.as_deref(),
        Some("role changed"),
        "the console reconnects with the new menu"
    );
    let me: AgentInfo = ok(app.call("/api/me", "", Some(&duty)).await).await;
    assert_eq!(me.perms, [Perm::ChatServe]);
    assert_eq!(app.call("/api/sites", "", Some(&duty)).await.status(), 403);
    // A save from a form read before that change is refused, not merged.
    let stale = RoleForm { id: Some(custom.id), version: custom.version, ..new.clone() };
    assert_eq!(err(app.call_json("/api/roles/save", "form", &stale, &admin).await).await.code(), ErrorCode::Stale);
    let _ = id;
    let changes = log(&app, &admin, OplogQuery { kind: Some(OpKind::RoleChanged), ..OplogQuery::default() }).await;
    assert_eq!(changes.total, 1);
    assert!(changes.entries[0].summary.contains("-sites_view"), "{:?}", changes.entries[0]);
}

#[tokio::test]
async fn department_names_are_unique_per_company_and_deleting_one_frees_its_agents() {
    let app = spawn_app().await;
    let (_, admin) = admin_of(&app, "Shop").await;
    let (_, rival) = admin_of(&app, "Rival").await;
    let sales = DepartmentForm { name: "销售部".into(), ..DepartmentForm::default() };
    ok::<()>(app.call_json("/api/departments/save", "form", &sales, &admin).await).await;
    assert_eq!(
        err(app.call_json("/api/departments/save", "form", &sales, &admin).await).await,
        ApiError::conflict(Some("name"), ErrorCode::Taken)
    );
    ok::<()>(app.call_json("/api/departments/save", "form", &sales, &rival).await).await;
    let departments: Vec<DepartmentView> = ok(app.call("/api/departments", "", Some(&admin)).await).await;
    let dept = departments[0].clone();
    let role = role_named(&app, &admin, "agent").await;
    let form = AgentForm { department_id: Some(dept.id), ..agent_form("li", role.id) };
    let li: i64 = ok(app.call_json("/api/agents/save", "form", &form, &admin).await).await;
    let admin_form =
        DepartmentForm { id: Some(dept.id), version: dept.version, name: "销售一部".into(), admin_id: Some(li) };
    ok::<()>(app.call_json("/api/departments/save", "form", &admin_form, &admin).await).await;
    let departments: Vec<DepartmentView> = ok(app.call("/api/departments", "", Some(&admin)).await).await;
    assert_eq!(
        (departments[0].name.as_str(), departments[0].admin_name.as_deref(), departments[0].members),
        ("销售一部", Some("li 姓名"), 1)
    );
    ok::<()>(app.call("/api/departments/delete", &format!("id={}", dept.id), Some(&admin)).await).await;
    let page = agents(&app, &admin, "li").await;
    assert_eq!((page.rows[0].id, page.rows[0].department_id), (li, None), "moved to no department");
    // Another company's department is not found.
    let theirs: Vec<DepartmentView> = ok(app.call("/api/departments", "", Some(&rival)).await).await;
    assert_eq!(app.call("/api/departments/delete", &format!("id={}", theirs[0].id), Some(&admin)).await.status(), 404);
}

#[tokio::test]
async fn agents_are_created_searched_and_edited_within_the_rules() {
    let app = spawn_app().await;
    let (shop, admin) = admin_of(&app, "Shop").await;
    let role = role_named(&app, &admin, "agent").await;
    let super_admin = role_named(&app, &admin, "admin").await;
    let form = AgentForm {
        nickname: "小王".into(),
        email: "Wang@Shop.cn".into(),
        mobile: "138 0013 8000".into(),
        ..agent_form("Wang", role.id)
    };
    let wang: i64 = ok(app.call_json("/api/agents/save", "form", &form, &admin).await).await;
    assert_eq!(
        err(app.call_json("/api/agents/save", "form", &form, &admin).await).await,
        ApiError::conflict(Some("login"), ErrorCode::Taken)
    );
    for (bad, field, code) in [
        (AgentForm { email: "wang@".into(), ..agent_form("w2", role.id) }, "email", ErrorCode::Format),
        (AgentForm { password: "12345".into(), ..agent_form("w2", role.id) }, "password", ErrorCode::TooShort),
        (AgentForm { max_chats: 0, ..agent_form("w2", role.id) }, "max_chats", ErrorCode::Format),
        (AgentForm { role_id: 999_999, ..agent_form("w2", role.id) }, "role_id", ErrorCode::NotFound),
        (AgentForm { site_ids: vec![999_999], ..agent_form("w2", role.id) }, "site_ids", ErrorCode::NotFound),
    ] {
        assert_eq!(
            err(app.call_json("/api/agents/save", "form", &bad, &admin).await).await,
            ApiError::invalid(field, code)
        );
    }
    // Search by nickname (Chinese), e-mail and mobile; the list says who and where.
    for query in ["小王", "wang@shop", "13800"] {
        let page = agents(&app, &admin, query).await;
        assert_eq!(page.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [wang], "{query}");
    }
    let page = agents(&app, &admin, "").await;
    assert_eq!((page.total, page.seats_used, page.seat_limit), (2, 2, None));
    assert_eq!(page.rows.iter().filter(|r| r.online).count(), 0, "nobody has a workbench open");
    let wang_cookie = app.login("shop", "wang", "agent-pw-1").await;
    let (console, ..) = app.agent(&wang_cookie).await;
    let online = agents(&app, &admin, "").await.rows.into_iter().filter(|r| r.online).map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(online, [wang], "online while the workbench is open");
    console.close().await;
    assert!(
        eventually(|| async { !agents(&app, &admin, "wang").await.rows[0].online }).await,
        "offline once it closes"
    );
    let row = page.rows.iter().find(|r| r.id == wang).unwrap().clone();
    assert_eq!((row.login.as_str(), row.email.as_str(), row.mobile.as_str()), ("wang", "wang@shop.cn", "13800138000"));

    // A seat limit: a third enabled seat is refused; a disabled seat is fine.
    {
        let mut w = app.db.write().await.unwrap();
        sqlx::query("UPDATE tenants SET seat_limit = 2 WHERE id = $1").bind(shop.id.0).execute(&mut *w).await.unwrap();
    }
    let third = agent_form("zhao", role.id);
    assert_eq!(
        err(app.call_json("/api/agents/save", "form", &third, &admin).await).await,
        ApiError::conflict(Some("seat_enabled"), ErrorCode::LimitReached)
    );
    ok::<i64>(app.call_json("/api/agents/save", "form", &AgentForm { seat_enabled: false, ..third }, &admin).await)
        .await;

    // The first admin keeps the super admin role; a stale edit is refused.
    let me: AgentInfo = ok(app.call("/api/me", "", Some(&admin)).await).await;
    let owner = agents(&app, &admin, &shop.login).await.rows[0].clone();
    assert_eq!(owner.id, me.id.0);
    let demote = AgentForm {
        id: Some(owner.id),
        version: owner.version,
        display_name: owner.display_name.clone(),
        role_id: role.id,
        seat_enabled: true,
        max_chats: 5,
        ..AgentForm::default()
    };
    assert_eq!(
        err(app.call_json("/api/agents/save", "form", &demote, &admin).await).await,
        ApiError::conflict(Some("role_id"), ErrorCode::Protected)
    );
    let card = vec![CardLine { label: "电话".into(), value: "400-800-8000".into() }];
    let edit =
        AgentForm { id: Some(wang), version: row.version, role_id: super_admin.id, card: card.clone(), ..form.clone() };
    ok::<i64>(app.call_json("/api/agents/save", "form", &edit, &admin).await).await;
    assert_eq!(agents(&app, &admin, "wang").await.rows[0].card, card, "the admin edits the visitor-visible card");
    assert_eq!(err(app.call_json("/api/agents/save", "form", &edit, &admin).await).await.code(), ErrorCode::Stale);
    let created = log(&app, &admin, OplogQuery { kind: Some(OpKind::AgentCreated), ..OplogQuery::default() }).await;
    assert_eq!(created.total, 2);
    let changed = log(&app, &admin, OplogQuery { kind: Some(OpKind::AgentChanged), ..OplogQuery::default() }).await;
    assert!(
        changed.entries[0].summary.contains(&format!("role: #{} → #{}", role.id, super_admin.id)),
        "{:?}",
        changed.entries
    );
}

#[tokio::test]
async fn an_own_sites_role_sees_only_the_sites_its_agent_is_assigned_to() {
    let app = spawn_app().await;
    let (_, admin) = admin_of(&app, "Shop").await;
    let second: i64 = ok(app
        .call_json(
            "/api/sites/save",
            "form",
            &SiteForm { name: "分店".into(), domains: "branch.example".into(), ..SiteForm::default() },
            &admin,
        )
        .await)
    .await;
    let role = role_named(&app, &admin, "agent").await;
    assert_eq!(role.own_sites, role.perms, "the built-in agent role works on the agent's own sites");
    let form = AgentForm { site_ids: vec![second], ..agent_form("branch", role.id) };
    ok::<i64>(app.call_json("/api/agents/save", "form", &form, &admin).await).await;
    let agent = app.login("shop", "branch", "agent-pw-1").await;
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&agent)).await).await;
    assert_eq!(sites.iter().map(|s| s.id).collect::<Vec<_>>(), [second]);
    let all: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn sites_are_created_renamed_and_deleted_but_the_default_stays() {
    let app = spawn_app().await;
    let (shop, admin) = admin_of(&app, "Shop").await;
    let form = SiteForm {
        name: "官网".into(),
        domains: "https://例子.中国/首页\nwww.example.cn, *.example.cn".into(),
        ..SiteForm::default()
    };
    let id: i64 = ok(app.call_json("/api/sites/save", "form", &form, &admin).await).await;
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let site = sites.iter().find(|s| s.id == id).unwrap().clone();
    assert_eq!(site.allowed_domains, ["xn--fsqu00a.xn--fiqs8s", "www.example.cn", "*.example.cn"]);
    assert!(!site.is_default && sites.iter().any(|s| s.is_default));
    let bad = SiteForm { domains: "exa mple.cn".into(), ..form.clone() };
    // (A space separates entries: "exa" alone is a fine host name, "mple.cn" too.)
    ok::<i64>(app.call_json("/api/sites/save", "form", &bad, &admin).await).await;
    let bad = SiteForm { domains: "bad_domain!.cn".into(), ..form.clone() };
    assert_eq!(
        err(app.call_json("/api/sites/save", "form", &bad, &admin).await).await,
        ApiError::invalid("domains", ErrorCode::Format)
    );
    let rename = SiteForm {
        id: Some(id),
        version: site.version,
        name: "新官网".into(),
        domains: "example.cn".into(),
        full_ips: true,
        push_same_tab: false,
        time_zone: "UTC".into(),
    };
    ok::<i64>(app.call_json("/api/sites/save", "form", &rename, &admin).await).await;
    assert_eq!(err(app.call_json("/api/sites/save", "form", &rename, &admin).await).await.code(), ErrorCode::Stale);

    // A visitor chats on it; deleting needs its name typed; the chat stays in the records.
    let renamed = Tenant { site_key: site.key.clone(), origin: "https://example.cn".into(), ..clone_tenant(&shop) };
    let mut visitor = app.visitor(&renamed, None).await;
    let said = visitor.say("c1", "还在吗").await;
    let wrong = app.call("/api/sites/delete", &format!("id={id}&confirm={}", urlencode("官网")), Some(&admin)).await;
    assert_eq!(err(wrong).await, ApiError::invalid("confirm", ErrorCode::Incorrect));
    ok::<()>(app.call("/api/sites/delete", &format!("id={id}&confirm={}", urlencode("新官网")), Some(&admin)).await)
        .await;
    assert!(app.try_visitor(&renamed, None, &[]).await.is_err(), "a deleted site opens no chat");
    let kept: i64 =
        app.scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", said.conversation_id.0).await;
    assert_eq!(kept, 1);
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let default = sites.iter().find(|s| s.is_default).unwrap();
    let refused = app
        .call("/api/sites/delete", &format!("id={}&confirm={}", default.id, urlencode(&default.name)), Some(&admin))
        .await;
    assert_eq!(err(refused).await.code(), ErrorCode::Protected);
    let deleted = log(&app, &admin, OplogQuery { kind: Some(OpKind::SiteDeleted), ..OplogQuery::default() }).await;
    assert_eq!(deleted.entries[0].summary, "新官网");
}

fn clone_tenant(t: &Tenant) -> Tenant {
    Tenant {
        id: t.id,
        company: t.company.clone(),
        site_key: t.site_key.clone(),
        origin: t.origin.clone(),
        login: t.login.clone(),
        password: t.password.clone(),
    }
}

#[tokio::test]
async fn the_log_filters_exports_chinese_csv_and_forgets_old_entries() {
    let app = spawn_app().await;
    let (shop, admin) = admin_of(&app, "Shop").await;
    let role = role_named(&app, &admin, "agent").await;
    let form = AgentForm { display_name: "王小明".into(), ..agent_form("wang", role.id) };
    ok::<i64>(app.call_json("/api/agents/save", "form", &form, &admin).await).await;
    app.post_login(&shop.company, "wang", "wrong-password").await;
    let me: AgentInfo = ok(app.call("/api/me", "", Some(&admin)).await).await;
    let mine = log(&app, &admin, OplogQuery { agent_id: Some(me.id.0), ..OplogQuery::default() }).await;
    let kinds: Vec<_> = mine.entries.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [Some(OpKind::AgentCreated), Some(OpKind::SignIn), Some(OpKind::CompanyCreated)]);
    let failed = log(&app, &admin, OplogQuery { kind: Some(OpKind::SignInFailed), ..OplogQuery::default() }).await;
    assert_eq!((failed.total, failed.entries[0].account.as_str()), (1, "wang"));
    let now = app::infra::now_ms();
    let none = log(&app, &admin, OplogQuery { to: Some(now - 3_600_000), ..OplogQuery::default() }).await;
    assert_eq!(none.total, 0);

    let csv: String = ok(app.call_json("/api/oplog/export", "query", &OplogQuery::default(), &admin).await).await;
    assert!(csv.starts_with("\u{FEFF}time,agent,account,type,object,summary,ip,user_agent\r\n"));
    assert!(csv.contains("agent_created,agent #") && csv.contains("王小明"), "{csv}");
    assert_eq!(csv.lines().count(), 5, "header + four entries");

    // Another company's log is its own.
    let (_, rival) = admin_of(&app, "Rival").await;
    let theirs = log(&app, &rival, OplogQuery::default()).await;
    assert!(theirs.entries.iter().all(|e| e.account != "wang"));

    // Entries older than the retention are purged by a restarted server's background task.
    {
        let mut w = app.db.write().await.unwrap();
        sqlx::query("INSERT INTO oplog (tenant_id, kind, at) VALUES ($1, 'sign_out', $2)")
            .bind(shop.id.0)
            .bind(now - 200 * 24 * 3_600_000)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    let count = |app: &TestApp| {
        let db = app.db.clone();
        let tenant = shop.id.0;
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM oplog WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_one(db.reader())
                .await
                .unwrap()
        }
    };
    let before = count(&app).await;
    let url = app.database_url.clone();
    let again = spawn_app_with(move |c| c.database_url = url).await;
    assert!(
        eventually(|| async { count(&again).await == before - 1 }).await,
        "the 200-day-old entry is purged, the rest stay"
    );
}

#[tokio::test]
async fn agents_keep_their_own_settings_within_what_the_admin_allows() {
    let app = spawn_app().await;
    let (_, admin) = admin_of(&app, "Shop").await;
    let role = role_named(&app, &admin, "agent").await;
    ok::<i64>(
        app.call_json("/api/agents/save", "form", &AgentForm { max_chats: 4, ..agent_form("li", role.id) }, &admin)
            .await,
    )
    .await;
    let li = app.login("shop", "li", "agent-pw-1").await;
    let mine: PersonalSettings = ok(app.call("/api/me/settings", "", Some(&li)).await).await;
    assert_eq!((mine.admin_max_chats, mine.prefs.send_key, mine.prefs.notify.new_chat), (4, SendKey::Enter, true));

    let mut form = mine.clone();
    form.display_name = "李雷".into();
    form.nickname = "小李".into();
    form.card = vec![CardLine { label: "微信".into(), value: "lilei-kefu".into() }, CardLine::default()];
    form.prefs.lang = Some("zh-CN".into());
    form.prefs.send_key = SendKey::CtrlEnter;
    form.prefs.welcome = "您好，我是小李，很高兴为您服务！".into();
    form.prefs.max_chats = Some(5);
    let too_many = app.call_json("/api/me/settings/save", "settings", &form, &li).await;
    assert_eq!(err(too_many).await, ApiError::invalid("my_max_chats", ErrorCode::Format), "above the admin's 4");
    form.prefs.max_chats = Some(3);
    let bad_lang = PersonalSettings {
        prefs: kefu_protocol::AgentPrefs { lang: Some("fr".into()), ..form.prefs.clone() },
        ..form.clone()
    };
    assert_eq!(
        err(app.call_json("/api/me/settings/save", "settings", &bad_lang, &li).await).await,
        ApiError::invalid("lang", ErrorCode::Format)
    );
    assert_eq!(mine.prefs.notify.volume, 60, "the tones' volume starts at 60");
    let mut too_loud = form.clone();
    too_loud.prefs.notify.volume = 101;
    assert_eq!(
        err(app.call_json("/api/me/settings/save", "settings", &too_loud, &li).await).await,
        ApiError::invalid("volume", ErrorCode::Format)
    );
    form.prefs.notify.volume = 30;
    let saved = app.call_json("/api/me/settings/save", "settings", &form, &li).await;
    let cookie = saved.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("kefu_lang=zh-CN;"), "{cookie}");
    ok::<kefu_protocol::AgentPrefs>(saved).await;
    assert_eq!(
        err(app.call_json("/api/me/settings/save", "settings", &form, &li).await).await.code(),
        ErrorCode::Stale
    );

    let again: PersonalSettings = ok(app.call("/api/me/settings", "", Some(&li)).await).await;
    assert_eq!(
        again.card,
        [CardLine { label: "微信".into(), value: "lilei-kefu".into() }],
        "the empty line is dropped"
    );
    assert_eq!((again.display_name.as_str(), again.prefs.max_chats), ("李雷", Some(3)));
    assert_eq!(again.prefs.notify.volume, 30);
    let me: AgentInfo = ok(app.call("/api/me", "", Some(&li)).await).await;
    assert_eq!(
        (me.prefs.send_key, me.prefs.welcome.as_str()),
        (SendKey::CtrlEnter, "您好，我是小李，很高兴为您服务！")
    );
    // The chosen language renders the workbench, whatever the browser asks for.
    let page = reqwest::Client::new()
        .get(app.url("/chats"))
        .header("cookie", format!("{li}; kefu_lang=zh-CN"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"zh-CN\""), "{}", &page[..200.min(page.len())]);
    // Signing in elsewhere brings the language along.
    let response = app.post_login("shop", "li", "agent-pw-1").await;
    let cookies: Vec<_> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("kefu_lang=zh-CN;")), "{cookies:?}");
}

#[tokio::test]
async fn categories_have_members_a_switchboard_sites_and_an_order() {
    let app = spawn_app().await;
    let (_, admin) = admin_of(&app, "Shop").await;
    let (_, rival) = admin_of(&app, "Rival").await;
    let role = role_named(&app, &admin, "agent").await;
    let wang: i64 = ok(app.call_json("/api/agents/save", "form", &agent_form("wang", role.id), &admin).await).await;
    let li: i64 = ok(app.call_json("/api/agents/save", "form", &agent_form("li", role.id), &admin).await).await;
    let rival_role = role_named(&app, &rival, "agent").await;
    let theirs: i64 =
        ok(app.call_json("/api/agents/save", "form", &agent_form("zhao", rival_role.id), &rival).await).await;
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let site = sites[0].id;

    let save = |form: CategoryForm| {
        let (app, admin) = (&app, admin.clone());
        async move { app.call_json("/api/categories/save", "form", &form, &admin).await }
    };
    let sales = CategoryForm {
        name: "售前咨询".into(),
        agent_ids: vec![wang, li],
        switchboard_id: Some(wang),
        site_ids: vec![site],
        ..CategoryForm::default()
    };
    ok::<()>(save(sales.clone()).await).await;
    assert_eq!(err(save(sales.clone()).await).await, ApiError::conflict(Some("name"), ErrorCode::Taken));
    let outsider = CategoryForm { name: "售后".into(), agent_ids: vec![theirs], ..CategoryForm::default() };
    assert_eq!(
        err(save(outsider).await).await,
        ApiError::invalid("agent_ids", ErrorCode::NotFound),
        "another company's agent"
    );
    let stray = CategoryForm {
        name: "售后".into(),
        agent_ids: vec![li],
        switchboard_id: Some(wang),
        ..CategoryForm::default()
    };
    assert_eq!(
        err(save(stray).await).await,
        ApiError::invalid("switchboard_id", ErrorCode::Format),
        "the switchboard is a member"
    );
    ok::<()>(save(CategoryForm { name: "售后服务".into(), agent_ids: vec![li], ..CategoryForm::default() }).await)
        .await;
    ok::<()>(save(CategoryForm { name: "投诉建议".into(), ..CategoryForm::default() }).await).await;

    let list = |cookie: String| {
        let app = &app;
        async move { ok::<Vec<CategoryView>>(app.call("/api/categories", "", Some(&cookie)).await).await }
    };
    let all = list(admin.clone()).await;
    assert_eq!(all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["售前咨询", "售后服务", "投诉建议"]);
    assert_eq!(
        (all[0].agent_ids.clone(), all[0].switchboard_name.as_deref(), all[0].site_ids.clone()),
        (vec![wang, li], Some("wang 姓名"), vec![site])
    );
    // The last moves up twice to the top; moving the top up changes nothing.
    for _ in 0..3 {
        ok::<()>(app.call("/api/categories/move", &format!("id={}&up=true", all[2].id), Some(&admin)).await).await;
    }
    let moved = list(admin.clone()).await;
    assert_eq!(moved.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["投诉建议", "售前咨询", "售后服务"]);
    ok::<()>(app.call("/api/categories/delete", &format!("id={}", all[1].id), Some(&admin)).await).await;
    assert_eq!(list(admin.clone()).await.len(), 2);
    assert!(list(rival.clone()).await.is_empty(), "another company sees none of them");
    let moves = log(&app, &admin, OplogQuery { kind: Some(OpKind::CategoryChanged), ..OplogQuery::default() }).await;
    assert_eq!(moves.total, 2, "two moves changed the order, the third did nothing");
}

#[tokio::test]
async fn the_chosen_site_narrows_both_live_lists_and_never_widens_them() {
    use kefu_protocol::{FromAgent, SiteId, ToAgent};
    let app = spawn_app().await;
    let (shop, admin) = admin_of(&app, "Shop").await;
    let branch: i64 = ok(app
        .call_json(
            "/api/sites/save",
            "form",
            &SiteForm { name: "分店".into(), domains: "branch.example".into(), ..SiteForm::default() },
            &admin,
        )
        .await)
    .await;
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let branch_site = sites.iter().find(|s| s.id == branch).unwrap();
    let at_branch =
        Tenant { site_key: branch_site.key.clone(), origin: "https://branch.example".into(), ..clone_tenant(&shop) };
    let mut home_visitor = app.visitor(&shop, None).await;
    home_visitor.say("h1", "总店的问题").await;
    let mut branch_visitor = app.visitor(&at_branch, None).await;
    branch_visitor.say("b1", "分店的问题").await;

    let (mut console, visitors, conversations) = app.agent(&admin).await;
    assert_eq!((visitors.len(), conversations.len()), (2, 2), "all sites by default");
    let Listed { visitors, total, site, .. } =
        console.list_visitors("", 0, Some(SiteId(branch)), Default::default(), Default::default()).await;
    assert_eq!((total, site), (1, Some(SiteId(branch))));
    assert_eq!(visitors[0].visitor_id, branch_visitor.visitor_id);
    console.send(&FromAgent::ListConversations { query: String::new(), offset: 0, site: Some(SiteId(branch)) }).await;
    let ToAgent::ConversationList { conversations, .. } =
        console.recv_until(|f| matches!(f, ToAgent::ConversationList { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(conversations.iter().map(|c| c.site_id.0).collect::<Vec<_>>(), [branch]);

    // An agent limited to the home site asks for the branch: nothing, not the branch's visitors.
    let role = role_named(&app, &admin, "agent").await;
    let home = sites.iter().find(|s| s.is_default).unwrap().id;
    ok::<i64>(
        app.call_json(
            "/api/agents/save",
            "form",
            &AgentForm { site_ids: vec![home], ..agent_form("home", role.id) },
            &admin,
        )
        .await,
    )
    .await;
    let cookie = app.login("shop", "home", "agent-pw-1").await;
    let (mut limited, visitors, _) = app.agent(&cookie).await;
    assert_eq!(visitors.len(), 1);
    let Listed { total, .. } =
        limited.list_visitors("", 0, Some(SiteId(branch)), Default::default(), Default::default()).await;
    assert_eq!(total, 0);
}

use crate::helpers::TINY_PNG;

#[tokio::test]
async fn avatars_are_reencoded_served_as_png_and_replaced_under_a_new_url() {
    let app = spawn_app().await;
    let (_, admin) = admin_of(&app, "Shop").await;
    let (_, rival) = admin_of(&app, "Rival").await;
    let role = role_named(&app, &admin, "agent").await;
    let li: i64 = ok(app.call_json("/api/agents/save", "form", &agent_form("li", role.id), &admin).await).await;
    let set = |cookie: &str, agent: i64, base64: &str| {
        let body = serde_json::json!({ "agent_id": agent, "upload": { "base64": base64 } }).to_string();
        let (app, cookie) = (&app, cookie.to_owned());
        async move { app.call("/api/agents/avatar", &body, Some(&cookie)).await }
    };
    // Not an image: refused by what it is, whatever it claims.
    use base64::Engine as _;
    let svg = base64::engine::general_purpose::STANDARD.encode("<svg onload=alert(1)></svg>");
    assert_eq!(err(set(&admin, li, &svg).await).await, ApiError::invalid("avatar", ErrorCode::Format));
    assert_eq!(err(set(&rival, li, TINY_PNG).await).await, ApiError::NotFound, "another company's agent");

    let first: String = ok(set(&admin, li, TINY_PNG).await).await;
    let served = reqwest::get(app.url(&first)).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert!(served.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let png = served.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (width, height) =
        (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()));
    assert_eq!((width, height), (160, 160), "re-encoded as a square avatar, not the upload");
    let listed = agents(&app, &admin, "li").await.rows[0].avatar.clone();
    assert_eq!(listed.as_deref(), Some(first.as_str()));

    // The agent replaces it from their own settings: a new URL; the old one is gone.
    let cookie = app.login("shop", "li", "agent-pw-1").await;
    let body = serde_json::json!({ "upload": { "base64": TINY_PNG } }).to_string();
    let second: String = ok(app.call("/api/me/avatar", &body, Some(&cookie)).await).await;
    assert_ne!(first, second);
    assert_eq!(reqwest::get(app.url(&first)).await.unwrap().status(), 404);
    let mine: PersonalSettings = ok(app.call("/api/me/settings", "", Some(&cookie)).await).await;
    assert_eq!(mine.avatar.as_deref(), Some(second.as_str()));
    assert_eq!(reqwest::get(app.url("/api/v1/avatars/..%2F..%2Fetc")).await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_role_can_watch_every_site_but_chat_only_on_its_own() {
    use kefu_protocol::ToAgent;
    let app = spawn_app().await;
    let (shop, admin) = admin_of(&app, "Shop").await;
    let branch: i64 = ok(app
        .call_json(
            "/api/sites/save",
            "form",
            &SiteForm { name: "分店".into(), domains: "branch.example".into(), ..SiteForm::default() },
            &admin,
        )
        .await)
    .await;
    let sites: Vec<SiteView> = ok(app.call("/api/sites", "", Some(&admin)).await).await;
    let home = sites.iter().find(|s| s.is_default).unwrap().id;
    let at_branch = Tenant {
        site_key: sites.iter().find(|s| s.id == branch).unwrap().key.clone(),
        origin: "https://branch.example".into(),
        ..clone_tenant(&shop)
    };
    // Chats on the agent's own sites only; visitors on every site.
    let form = RoleForm {
        name: "前台".into(),
        perms: vec![Perm::ChatServe, Perm::VisitorsView],
        own_sites: vec![Perm::ChatServe],
        ..RoleForm::default()
    };
    ok::<()>(app.call_json("/api/roles/save", "form", &form, &admin).await).await;
    let role = roles(&app, &admin).await.into_iter().find(|r| r.name == "前台").unwrap();
    assert_eq!(role.own_sites, [Perm::ChatServe]);
    let desk = AgentForm { site_ids: vec![home], ..agent_form("desk", role.id) };
    ok::<i64>(app.call_json("/api/agents/save", "form", &desk, &admin).await).await;

    let mut at_home = app.visitor(&shop, None).await;
    at_home.say("h1", "总店").await;
    let mut away = app.visitor(&at_branch, None).await;
    let elsewhere = away.say("b1", "分店").await;
    let cookie = app.login("shop", "desk", "agent-pw-1").await;
    let (mut console, visitors, conversations) = app.agent(&cookie).await;
    assert_eq!(visitors.len(), 2, "watches both sites");
    assert_eq!(conversations.iter().map(|c| c.site_id.0).collect::<Vec<_>>(), [home], "chats on its own site only");
    // Live frames follow the same scopes: the branch visitor's next message is not heard, a new
    // branch visitor is.
    away.say("b2", "还在吗").await;
    let _newcomer = app.visitor(&at_branch, None).await;
    let mut heard = Vec::new();
    loop {
        match console.recv().await {
            ToAgent::VisitorOnline { .. } => break,
            frame => heard.push(frame),
        }
    }
    assert!(
        !heard
            .iter()
            .any(|f| matches!(f, ToAgent::Message { message } if message.conversation_id == elsewhere.conversation_id)),
        "{heard:?}"
    );
    console.send(&kefu_protocol::FromAgent::Sync { conversation_id: elsewhere.conversation_id, after_seq: 0 }).await;
    let refused = console.recv_until(|f| matches!(f, ToAgent::Error { .. } | ToAgent::Messages { .. })).await;
    assert!(matches!(refused, ToAgent::Error { error: ApiError::NotFound, .. }), "{refused:?}");
}
