//! Companies: sign-in with company account + account (or e-mail / mobile) + password, accounts
//! unique per company, the first-run setup page, the `company create` command, and the company's
//! first admin, who cannot be disabled or deleted.

use kefu_protocol::{AgentInfo, ApiError, ErrorCode};

use crate::helpers::*;

/// Gives an agent an e-mail and a mobile number (the agents page sets them; this test is about
/// signing in with them).
async fn set_contact(app: &TestApp, agent: kefu_protocol::AgentId, email: &str, mobile: &str) {
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE agents SET email = $1, mobile = $2 WHERE id = $3")
        .bind(email)
        .bind(mobile)
        .bind(agent.0)
        .execute(&mut *w)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_account_is_unique_in_its_company_and_free_in_others() {
    use app::auth::repo::{self, NewAgent};
    use app::roles::repo::{builtin_role_id, BuiltinRole};
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let rival = app.create_tenant("Rival").await;
    let mut ids = Vec::new();
    for (tenant, password) in [(&shop, "shop-lee-1"), (&rival, "rival-lee-1")] {
        let role_id = builtin_role_id(&app.db, tenant.id, BuiltinRole::Agent).await.unwrap();
        let hash = app::auth::service::hash_password(password);
        let new = NewAgent { login: "lee", password_hash: &hash, display_name: "Lee", role_id, owner: false };
        let mut w = app.db.write().await.unwrap();
        ids.push(repo::insert_agent(&mut w, tenant.id, &new).await.unwrap());
        let again = repo::insert_agent(&mut w, tenant.id, &new).await;
        assert_eq!(again, Err(ApiError::conflict(Some("login"), ErrorCode::Taken)));
    }
    // The same account signs in to each company with that company's password, as that company's agent.
    let me = |cookie: String| {
        let app = &app;
        async move { app.call("/api/me", "", Some(&cookie)).await.json::<AgentInfo>().await.unwrap() }
    };
    let in_shop = me(app.login("SHOP", "Lee", "shop-lee-1").await).await;
    assert_eq!((in_shop.id, in_shop.tenant_id, in_shop.company.as_str()), (ids[0], shop.id, "shop"));
    let in_rival = me(app.login("rival", "lee", "rival-lee-1").await).await;
    assert_eq!((in_rival.id, in_rival.tenant_id), (ids[1], rival.id));
    assert_eq!(app.post_login("rival", "lee", "shop-lee-1").await.status(), 401, "another company's password");
}

#[tokio::test]
async fn agents_sign_in_with_email_or_mobile_only_when_it_is_theirs_alone() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (wang, _) = app.add_agent(&shop, "Wang").await;
    let (zhao, _) = app.add_agent(&shop, "Zhao").await;
    set_contact(&app, wang, "wang@shop.cn", "+8613800138000").await;
    set_contact(&app, zhao, "desk@shop.cn", "+8613900139000").await;
    app.login(&shop.company, "Wang@Shop.cn", AGENT_PASSWORD).await;
    app.login(&shop.company, "+8613800138000", AGENT_PASSWORD).await;
    // Two agents share a desk address: it names nobody.
    set_contact(&app, wang, "desk@shop.cn", "+8613800138000").await;
    assert_eq!(app.post_login(&shop.company, "desk@shop.cn", AGENT_PASSWORD).await.status(), 401);
    app.login(&shop.company, "+8613900139000", AGENT_PASSWORD).await;
}

#[tokio::test]
async fn sign_in_errors_never_say_which_part_was_wrong_and_all_are_logged() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let attempts = [
        ("no-such-company", shop.login.as_str(), shop.password.as_str()),
        (shop.company.as_str(), "nobody", shop.password.as_str()),
        (shop.company.as_str(), shop.login.as_str(), "wrong-password"),
    ];
    for (company, login, password) in attempts {
        let refused = app.post_login(company, login, password).await;
        assert_eq!(refused.status(), 401, "{company}/{login}");
        assert_eq!(refused.json::<ApiError>().await.unwrap(), ApiError::Unauthorized, "{company}/{login}");
    }
    app.login(&shop.company, &shop.login, &shop.password).await;
    // The company's log has both failures on it (the unknown company has no log) and the sign-in,
    // with the account tried and the client.
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT kind, account, ip, user_agent FROM oplog WHERE tenant_id = $1 AND kind LIKE 'sign_in%' ORDER BY id",
    )
    .bind(shop.id.0)
    .fetch_all(app.db.reader())
    .await
    .unwrap();
    let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(
        kinds,
        [("sign_in_failed", "nobody"), ("sign_in_failed", shop.login.as_str()), ("sign_in", shop.login.as_str())]
    );
    assert!(rows.iter().all(|r| r.2 == "127.0.0.1"), "{rows:?}");
    let secrets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oplog WHERE summary LIKE $1 OR object LIKE $1")
        .bind(format!("%{}%", shop.password))
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(secrets, 0, "no password in the log");
}

#[tokio::test]
async fn first_run_offers_setup_once_and_signs_the_new_admin_in() {
    let app = spawn_app_with(|c| c.demo_addr = None).await;
    let needed = app.call("/api/setup/needed", "", None).await.json::<bool>().await.unwrap();
    assert!(needed, "an empty database needs setting up");
    let bad = app.call("/api/setup", "name=小店&company=小店&login=admin&password=abc123&site_name=官网", None).await;
    assert_eq!(bad.json::<ApiError>().await.unwrap(), ApiError::invalid("company", ErrorCode::Format));
    let form = "name=%E5%B0%8F%E5%BA%97&company=xiaodian&login=admin&password=abc123&site_name=%E5%AE%98%E7%BD%91";
    let done = app.call("/api/setup", form, None).await;
    assert!(done.status().is_success(), "{}", done.status());
    let cookie = done.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me: AgentInfo = app.call("/api/me", "", Some(&cookie)).await.json().await.unwrap();
    assert_eq!((me.company.as_str(), me.login.as_str()), ("xiaodian", "admin"));
    assert!(me.perms.len() == kefu_protocol::Perm::ALL.len(), "the first admin can do everything");
    let again = app.call("/api/setup", &form.replace("xiaodian", "other"), None).await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<ApiError>().await.unwrap().code(), ErrorCode::Protected);
    assert!(!app.call("/api/setup/needed", "", None).await.json::<bool>().await.unwrap());
}

#[tokio::test]
async fn operators_create_companies_from_the_command_line() {
    let app = spawn_app().await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kefu-server"))
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("KEFU_COMPANY_PASSWORD", "cli-pass-1")
            .env_remove("REDIS_URL")
            .output()
            .unwrap()
    };
    let out =
        run(&["company", "create", "--name", "茶叶店", "--account", "Tea", "--admin", "boss", "--domain", "tea.cn"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("company tea, account boss"), "{stdout}");
    let cookie = app.login("tea", "boss", "cli-pass-1").await;
    let sites: Vec<app::sites::SiteView> = app.call("/api/sites", "", Some(&cookie)).await.json().await.unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!((sites[0].name.as_str(), sites[0].allowed_domains.as_slice()), ("茶叶店", &["tea.cn".to_owned()][..]));
    // The same account again is refused, saying why; nothing half-made stays.
    let out = run(&["company", "create", "--name", "Other", "--account", "tea"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("company: already taken"));
    let companies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(app.db.reader()).await.unwrap();
    let roles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles").fetch_one(app.db.reader()).await.unwrap();
    assert_eq!((companies, roles), (2, 6), "the demo company and tea, three built-in roles each");
    // The operator limits its seats (what the limit refuses is tested in backoffice.rs).
    let out = run(&["company", "seats", "tea", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seats: Option<i64> = sqlx::query_scalar("SELECT seat_limit FROM tenants WHERE account = 'tea'")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(seats, Some(2));
    let out = run(&["company", "seats", "nobody", "2"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("not found"));
    assert!(run(&["company", "seats", "tea", "unlimited"]).status.success());
    let usage = run(&["company", "delete"]);
    assert!(!usage.status.success());
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage: kefu-server company create"));
}

#[tokio::test]
async fn the_first_admin_cannot_be_disabled_or_deleted_and_nobody_deletes_themself() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let owner: AgentInfo = {
        let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
        app.call("/api/me", "", Some(&cookie)).await.json().await.unwrap()
    };
    // A second admin (the agents page will make one; the role is set here directly).
    let (deputy, login) = app.add_agent(&shop, "Deputy").await;
    {
        let mut w = app.db.write().await.unwrap();
        sqlx::query("UPDATE agents SET role_id = (SELECT id FROM roles WHERE tenant_id = $1 AND builtin = 'admin') WHERE id = $2")
            .bind(shop.id.0)
            .bind(deputy.0)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    let cookie = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    for (path, body) in [
        ("/api/agents/enable", format!("agent_id={}&enabled=false", owner.id.0)),
        ("/api/agents/delete", format!("agent_id={}", owner.id.0)),
        ("/api/agents/delete", format!("agent_id={}", deputy.0)),
    ] {
        let refused = app.call(path, &body, Some(&cookie)).await;
        assert_eq!(refused.status(), 409, "{path} {body}");
        assert_eq!(
            refused.json::<ApiError>().await.unwrap(),
            ApiError::conflict(Some("agent_id"), ErrorCode::Protected)
        );
    }
    app.login(&shop.company, &shop.login, &shop.password).await;
}
