//! Security headers: the workbench page runs only its own scripts and the inline hydration scripts
//! that carry this response's nonce; every response forbids sniffing and framing; HSTS over https.

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_workbench_page_allows_only_its_own_scripts_and_its_nonce() {
    let app = spawn_app().await;
    let page = reqwest::get(app.url("/login")).await.unwrap();
    assert!(page.status().is_success());
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(page.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    let nonce = policy
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{nonce}");
    for directive in ["script-src 'self' 'nonce-", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'"]
    {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let html = page.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split_once('>').unwrap().0).collect();
    assert!(!scripts.is_empty(), "hydration needs an inline script");
    for tag in scripts {
        assert!(tag.contains("src=") || tag.contains(&format!("nonce=\"{nonce}\"")), "script without the nonce: {tag}");
    }
    // Every response has its own nonce.
    let again = reqwest::get(app.url("/login")).await.unwrap();
    assert_ne!(again.headers()["content-security-policy"].to_str().unwrap(), policy);
}

#[tokio::test]
async fn other_responses_let_nothing_run_or_frame_them_and_https_adds_hsts() {
    let app = spawn_app_with(|c| c.public_url = "https://kefu.example".into()).await;
    let api = reqwest::Client::new().post(app.url("/api/me")).send().await.unwrap();
    assert_eq!(api.status(), 401);
    assert_eq!(api.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["strict-transport-security"], "max-age=31536000");
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert!(health.headers().contains_key("content-security-policy"));
}

#[tokio::test]
async fn the_direct_chat_page_asks_for_an_agent_as_text_and_its_own_origin_may_chat() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let page = |query: &str| reqwest::get(app.url(&format!("/chat/{}{query}", shop.site_key)));
    let ok = page("?agent=Bob").await.unwrap();
    assert_eq!(ok.status(), 200);
    let csp = ok.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let body = ok.text().await.unwrap();
    assert!(body.contains(&format!("data-site-key=\"{}\"", shop.site_key)), "{body}");
    assert!(body.contains("data-page=\"1\"") && body.contains("data-agent=\"bob\""), "{body}");
    // Markup in the parameter stays text; something that cannot be an account is left out.
    let odd = page("?agent=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").await.unwrap().text().await.unwrap();
    assert!(!odd.contains("<script>alert") && odd.contains("&lt;script&gt;"), "{odd}");
    let spaced = page("?agent=bob%20smith").await.unwrap().text().await.unwrap();
    assert!(!spaced.contains("data-agent"), "{spaced}");
    assert_eq!(reqwest::get(app.url("/chat/no-such-key")).await.unwrap().status(), 404);

    // The page's own origin (this host) may open a visitor socket for any site; another may not.
    let own = format!("http://{}", app.addr);
    assert!(app.try_visitor(&shop, None, &[("origin", own.as_str())]).await.is_ok());
    let refused = app.try_visitor(&shop, None, &[("origin", "http://evil.example")]).await.err().expect("refused");
    assert_eq!(refused.status, 403);
}

/// The widget carries English only; a page in another language fetches its texts, from any site.
#[tokio::test]
async fn the_widget_texts_of_a_pages_language_come_from_any_origin() {
    let app = spawn_app().await;
    let texts = |lang: &'static str| {
        let url = app.url("/api/v1/visitor/texts");
        async move {
            let answer = reqwest::Client::new()
                .get(url)
                .query(&[("lang", lang)])
                .header("origin", "https://shop.example")
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            assert_eq!(answer.headers()["access-control-allow-origin"], "*");
            let texts = kefu_protocol::widget_text::parse(&answer.text().await.unwrap()).expect("one text per key");
            let key = kefu_protocol::widget_text::Key::OpenChat;
            texts[key as usize].clone()
        }
    };
    assert_eq!(texts("zh-TW").await, "線上諮詢");
    assert_eq!(texts("zh-Hans-CN").await, "在线咨询");
    assert_eq!(texts("ko-KR").await, "채팅 상담");
    assert_eq!(texts("xx").await, "Chat with us", "an unknown language gets English");
}
