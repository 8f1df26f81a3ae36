use kefu_protocol::ApiError;

use crate::helpers::{spawn_app, AgentClient};

#[tokio::test]
async fn signing_in_sets_an_httponly_samesite_session_cookie() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let response = app.post_login(&shop.company, &shop.login, &shop.password).await;
    assert!(response.status().is_success());
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("kefu_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let me: kefu_protocol::AgentInfo = response.json().await.unwrap();
    assert_eq!(me.login, shop.login);

    let session = cookie.split(';').next().unwrap();
    let me_again = reqwest::Client::new().post(app.url("/api/me")).header("cookie", session).send().await.unwrap();
    assert!(me_again.status().is_success());
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_repeated_failures_are_rate_limited() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let refused = app.post_login(&shop.company, &shop.login, "wrong").await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    let error: ApiError = refused.json().await.unwrap();
    assert_eq!(error, ApiError::Unauthorized);
    for _ in 0..4 {
        app.post_login(&shop.company, &shop.login, "wrong").await;
    }
    let limited = app.post_login(&shop.company, &shop.login, &shop.password).await;
    assert_eq!(limited.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let limited: ApiError = limited.json().await.unwrap();
    assert!(
        matches!(limited, ApiError::TooMany { retry_after_secs } if retry_after_secs == retry_after && retry_after > 0),
        "{limited:?}"
    );
}

#[tokio::test]
async fn server_functions_and_the_agent_socket_refuse_unauthenticated_callers() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    for endpoint in ["/api/me", "/api/sites"] {
        let response = http.post(app.url(endpoint)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED, "{endpoint}");
        let error: ApiError = response.json().await.unwrap();
        assert_eq!(error, ApiError::Unauthorized, "{endpoint}");
    }
    let url = format!("ws://{}/api/v1/agent/ws?v=1", app.addr);
    let origin = format!("http://{}", app.addr);
    let refused = AgentClient::connect(&url, &[("origin", &origin)]).await.err().expect("refused");
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body["error"], "unauthorized");
    let refused = AgentClient::connect(&url, &[("origin", &origin), ("cookie", "kefu_session=forged")])
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn the_agent_socket_refuses_other_origins_even_with_a_valid_cookie() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let url = format!("ws://{}/api/v1/agent/ws?v=1", app.addr);
    let refused = AgentClient::connect(&url, &[("origin", "https://evil.example"), ("cookie", &cookie)])
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"], "origin_not_allowed");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let http = reqwest::Client::new();
    let out = http.post(app.url("/api/logout")).header("cookie", &cookie).send().await.unwrap();
    assert!(out.status().is_success());
    assert!(out.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    let me = http.post(app.url("/api/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(me.json::<ApiError>().await.unwrap(), ApiError::Unauthorized);
}

#[tokio::test]
async fn the_workbench_sends_strangers_to_the_login_page() {
    let app = spawn_app().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::FOUND);
    assert_eq!(page.headers().get("location").map(|l| l.to_str().unwrap()), Some("/login"));
    let login =
        http.get(app.url("/login")).header("accept-language", "zh-CN").send().await.unwrap().text().await.unwrap();
    assert!(login.contains("登录 kefu"), "the login page speaks the browser's language");
}

#[tokio::test]
async fn a_signed_in_agent_opening_the_login_page_goes_to_the_workbench() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page =
        http.get(app.url("/login")).header("accept", "text/html").header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::FOUND);
    assert_eq!(page.headers().get("location").map(|l| l.to_str().unwrap()), Some("/"));
    let workbench =
        http.get(app.url("/")).header("accept", "text/html").header("cookie", &cookie).send().await.unwrap();
    assert_eq!(workbench.status(), reqwest::StatusCode::OK);
    assert!(workbench.text().await.unwrap().contains(r#"role="status""#), "the workbench itself is served");
}

#[tokio::test]
async fn expired_sessions_are_refused_and_cleared_away_at_the_next_sign_in() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let first = app.login(&shop.company, &shop.login, &shop.password).await;
    app.login(&shop.company, &shop.login, &shop.password).await;
    let sessions = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions").fetch_one(app.db.reader()).await.unwrap()
    };
    assert_eq!(sessions().await, 2);

    // Both sessions outlive their lifetime.
    {
        let mut w = app.db.write().await.unwrap();
        sqlx::query("UPDATE sessions SET expires_at = 1").execute(&mut *w).await.unwrap();
    }
    let http = reqwest::Client::new();
    let me = http.post(app.url("/api/me")).header("cookie", &first).send().await.unwrap();
    assert_eq!(me.status(), reqwest::StatusCode::UNAUTHORIZED);

    let fresh = app.login(&shop.company, &shop.login, &shop.password).await;
    assert_eq!(sessions().await, 1, "the expired sessions are gone, the new one is kept");
    let me = http.post(app.url("/api/me")).header("cookie", &fresh).send().await.unwrap();
    assert!(me.status().is_success());
}

#[tokio::test]
async fn requests_from_other_sites_pages_are_refused() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let http = reqwest::Client::new();
    let form =
        [("company", shop.company.as_str()), ("login", shop.login.as_str()), ("password", shop.password.as_str())];
    // Another site's page posting the sign-in form: refused, and no cookie is set.
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let response = http.post(app.url("/api/login")).header(name, value).form(&form).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(response.headers().get("set-cookie").is_none(), "{name}: {value}");
        assert_eq!(response.json::<ApiError>().await.unwrap(), ApiError::Forbidden);
    }
    // Signing out from another site's page leaves the session alone.
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let logout = http.post(app.url("/api/logout")).header("cookie", &cookie).header("origin", "https://evil.example");
    assert_eq!(logout.send().await.unwrap().status(), reqwest::StatusCode::FORBIDDEN);
    let me = http.post(app.url("/api/me")).header("cookie", &cookie).send().await.unwrap();
    assert!(me.status().is_success());
    // The workbench's own page signs in as usual.
    let own = format!("http://{}", app.addr);
    let response = http
        .post(app.url("/api/login"))
        .header("origin", &own)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert!(response.headers().get("set-cookie").is_some());
}

#[tokio::test]
async fn a_session_ends_with_the_browser_unless_the_agent_asks_to_stay_signed_in() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let http = reqwest::Client::new();
    let app = &app;
    let expiry = |cookie: String| async move {
        let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
        let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM sessions WHERE token_hash = $1")
            .bind(app::infra::token_hash(&token))
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        expires - app::infra::now_ms()
    };
    let day = 24 * 3600 * 1000;

    let plain = app.post_login(&shop.company, &shop.login, &shop.password).await;
    let cookie = plain.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "a browser-session cookie: {cookie}");
    let left = expiry(cookie).await;
    assert!(left > day - 60_000 && left <= day, "{left}");

    let form = [
        ("company", shop.company.as_str()),
        ("login", shop.login.as_str()),
        ("password", shop.password.as_str()),
        ("remember", "on"),
    ];
    let kept = http.post(app.url("/api/login")).form(&form).send().await.unwrap();
    assert!(kept.status().is_success());
    let cookie = kept.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Max-Age=2592000"), "{cookie}");
    let left = expiry(cookie).await;
    assert!(left > 30 * day - 60_000 && left <= 30 * day, "{left}");
}
