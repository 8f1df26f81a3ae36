//! Sessions end everywhere: disabling, deleting an agent or setting their password ends every
//! session of theirs and closes their consoles at once; an agent changing their own password keeps
//! only the session they did it in; expired sessions are purged in the background.

use std::time::Duration;

use kefu_protocol::{ApiError, ErrorCode};

use crate::helpers::{eventually, spawn_app, spawn_app_with, TestApp, AGENT_PASSWORD, WAIT};

async fn sessions_of(app: &TestApp, agent: i64) -> i64 {
    app.scalar("SELECT COUNT(*) FROM sessions WHERE agent_id = $1", agent).await
}

#[tokio::test]
async fn disabling_deleting_or_resetting_an_agent_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    for (action, reason) in
        [("disable", "account disabled"), ("password", "password changed"), ("delete", "account deleted")]
    {
        let (agent, login) = app.add_agent(&shop, &format!("Staff{action}")).await;
        let laptop = app.login(&shop.company, &login, AGENT_PASSWORD).await;
        let phone = app.login(&shop.company, &login, AGENT_PASSWORD).await;
        let (mut console, ..) = app.agent(&laptop).await;
        let (mut other, ..) = app.agent(&phone).await;
        let (path, body) = match action {
            "disable" => ("/api/agents/enable", format!("agent_id={}&enabled=false", agent.0)),
            "password" => ("/api/agents/password", format!("agent_id={}&password=新的密码-2026", agent.0)),
            _ => ("/api/agents/delete", format!("agent_id={}", agent.0)),
        };
        let response = app.call(path, &body, Some(&admin)).await;
        assert!(response.status().is_success(), "{action}: {}", response.status());
        assert_eq!(console.close_reason(WAIT).await.as_deref(), Some(reason), "{action}");
        assert_eq!(other.close_reason(WAIT).await.as_deref(), Some(reason), "{action}");
        assert_eq!(sessions_of(&app, agent.0).await, 0, "{action}");
        let me = app.call("/api/me", "", Some(&laptop)).await;
        assert_eq!(me.status(), 401, "{action}: the old cookie is dead");
        assert_eq!(
            app.post_login(&shop.company, &login, AGENT_PASSWORD).await.status(),
            401,
            "{action}: the old password is gone"
        );
    }
    // The new password works; a re-enabled agent signs in again.
    let (agent, login) = app.add_agent(&shop, "Returning").await;
    app.call("/api/agents/enable", &format!("agent_id={}&enabled=false", agent.0), Some(&admin)).await;
    app.call("/api/agents/enable", &format!("agent_id={}&enabled=true", agent.0), Some(&admin)).await;
    app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let body = format!("agent_id={}&password=新的密码-2026", agent.0);
    assert!(app.call("/api/agents/password", &body, Some(&admin)).await.status().is_success());
    app.login(&shop.company, &login, "新的密码-2026").await;
    // The admin's own console was never touched.
    let (mut console, ..) = app.agent(&admin).await;
    console.assert_alive().await;
}

#[tokio::test]
async fn account_changes_stay_within_the_company_and_spare_oneself() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let rival = app.create_tenant("Rival").await;
    let (theirs, login) = app.add_agent(&rival, "Theirs").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let response = app.call("/api/agents/enable", &format!("agent_id={}&enabled=false", theirs.0), Some(&admin)).await;
    assert_eq!(response.status(), 404, "another company's agent is not found");
    app.login(&rival.company, &login, AGENT_PASSWORD).await;
    let me: kefu_protocol::AgentInfo = app.call("/api/me", "", Some(&admin)).await.json().await.unwrap();
    let response = app.call("/api/agents/delete", &format!("agent_id={}", me.id.0), Some(&admin)).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.json::<ApiError>().await.unwrap().code(), ErrorCode::Protected);
    let body = format!("agent_id={}&password=long-enough-9", theirs.0);
    assert_eq!(app.call("/api/agents/password", &body, Some(&admin)).await.status(), 404);
    app.login(&rival.company, &login, AGENT_PASSWORD).await;
    let short = app.call("/api/agents/password", &format!("agent_id={}&password=short", theirs.0), Some(&admin)).await;
    assert_eq!(short.json::<ApiError>().await.unwrap(), ApiError::invalid("password", ErrorCode::TooShort));
}

#[tokio::test]
async fn changing_ones_own_password_keeps_only_this_session() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let (agent, login) = app.add_agent(&shop, "Mover").await;
    let laptop = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let phone = app.login(&shop.company, &login, AGENT_PASSWORD).await;
    let (mut here, ..) = app.agent(&laptop).await;
    let (mut there, ..) = app.agent(&phone).await;

    let wrong = app.call("/api/me/password", "current=not-mine-at-all&new=long-enough-2", Some(&laptop)).await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(wrong.json::<ApiError>().await.unwrap(), ApiError::invalid("current", ErrorCode::Incorrect));
    let short = app.call("/api/me/password", &format!("current={AGENT_PASSWORD}&new=short"), Some(&laptop)).await;
    assert_eq!(short.json::<ApiError>().await.unwrap(), ApiError::invalid("new", ErrorCode::TooShort));
    assert_eq!(sessions_of(&app, agent.0).await, 2, "refused changes end nothing");

    let body = format!("current={AGENT_PASSWORD}&new=long-enough-2");
    assert!(app.call("/api/me/password", &body, Some(&laptop)).await.status().is_success());
    assert_eq!(there.close_reason(WAIT).await.as_deref(), Some("password changed"));
    here.assert_alive().await;
    assert!(app.call("/api/me", "", Some(&laptop)).await.status().is_success());
    assert_eq!(app.call("/api/me", "", Some(&phone)).await.status(), 401);
    app.login(&shop.company, &login, "long-enough-2").await;
}

#[tokio::test]
async fn expired_sessions_are_purged_in_the_background() {
    let app = spawn_app_with(|c| c.session_purge = Duration::from_millis(50)).await;
    let shop = app.create_tenant("Shop").await;
    let cookie = app.login(&shop.company, &shop.login, &shop.password).await;
    let live = app.login(&shop.company, &shop.login, &shop.password).await;
    {
        let mut w = app.db.write().await.unwrap();
        let expired = app::infra::token_hash(cookie.split_once('=').unwrap().1);
        sqlx::query("UPDATE sessions SET expires_at = 1 WHERE token_hash = $1")
            .bind(expired)
            .execute(&mut *w)
            .await
            .unwrap();
    }
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions").fetch_one(app.db.reader()).await.unwrap()
    };
    assert!(eventually(|| async { count().await == 1 }).await, "the expired session is gone without a sign-in");
    assert!(app.call("/api/me", "", Some(&live)).await.status().is_success(), "the live one stays");
}

#[tokio::test]
async fn passwords_follow_the_rules_shown_in_the_form_and_any_that_can_be_set_signs_in() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let (agent, login) = app.add_agent(&shop, "Poet").await;
    let set = |password: String| {
        let body = format!("agent_id={}&password={}", agent.0, urlencode(&password));
        let app = &app;
        let admin = admin.clone();
        async move { app.call("/api/agents/password", &body, Some(&admin)).await }
    };
    // 20 characters, 3 bytes each: the longest allowed, and it signs in.
    let longest = "密".repeat(20);
    assert!(set(longest.clone()).await.status().is_success());
    app.login(&shop.company, &login, &longest).await;
    for (password, code) in [
        (format!("{longest}码"), ErrorCode::TooLong),
        ("abc12".to_owned(), ErrorCode::TooShort),
        ("has space 1".to_owned(), ErrorCode::Format),
    ] {
        let refused = set(password.clone()).await;
        assert_eq!(refused.json::<ApiError>().await.unwrap(), ApiError::invalid("password", code), "{password}");
    }
    // Case-sensitive: the same letters in another case are another password.
    assert!(set("Secret-1".into()).await.status().is_success());
    assert_eq!(app.post_login(&shop.company, &login, "secret-1").await.status(), 401);
    app.login(&shop.company, &login, "Secret-1").await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
