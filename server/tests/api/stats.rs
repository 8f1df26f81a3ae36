//! Statistics (issue 17), the first part: days cut in the site's own time zone, daily traffic
//! rolled up from the raw rows (the rollup equals the raw rows and is what reports read), and who
//! may read it.

use app::sites::SiteForm;
use app::stats::{Day, Dim, HandlingReport, Heatmap, Ranked, Ranking, UNKNOWN};
use kefu_protocol::{ApiError, ErrorCode};

use crate::helpers::*;

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
}

/// The test shop's site on shop.example, in a time zone.
fn shop_in(site: i64, version: i64, zone: &str) -> SiteForm {
    SiteForm {
        id: Some(site),
        version,
        name: "官网".into(),
        domains: "shop.example".into(),
        full_ips: true,
        push_same_tab: false,
        time_zone: zone.into(),
    }
}

async fn traffic(app: &TestApp, cookie: &str, site: i64, from: &str, to: &str) -> reqwest::Response {
    app.call("/api/stats/traffic", &format!("site_id={site}&from={from}&to={to}"), Some(cookie)).await
}

fn day(day: &str, page_views: i64, visitors: i64, new_visitors: i64, chats: i64) -> Day {
    Day { day: day.into(), page_views, visitors, new_visitors, chats, ..Day::default() }
}

#[tokio::test]
async fn traffic_is_counted_per_day_of_the_sites_time_zone_from_a_rollup_equal_to_the_raw_rows() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site = app.scalar("SELECT MIN(id) FROM sites WHERE tenant_id = $1", shop.id.0).await;
    let version = app.scalar("SELECT version FROM sites WHERE id = $1", site).await;
    let form = |zone: &str| shop_in(site, version, zone);
    let bad = err(app.call_json("/api/sites/save", "form", &form("Asia/Beijing"), &admin).await).await;
    assert_eq!(bad, ApiError::invalid("time_zone", ErrorCode::Format));
    ok::<i64>(app.call_json("/api/sites/save", "form", &form("Asia/Shanghai"), &admin).await).await;

    // Around Shanghai's midnight between 10 and 11 January (16:00 UTC): one visitor late on the
    // 10th who stays past midnight and chats, one more on the 11th.
    let mut w = app.db.write().await.unwrap();
    let visitor = |first_seen: i64, token: &'static str| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO visitors (tenant_id, site_id, token_hash, first_seen, last_seen, visits) \
             VALUES ($1, $2, $3, $4, $4, 1) RETURNING id",
        )
        .bind(shop.id.0)
        .bind(site)
        .bind(token)
        .bind(first_seen)
    };
    let late = visitor(utc("2026-01-10T15:30:00Z"), "stats-late").fetch_one(&mut *w).await.unwrap();
    let next = visitor(utc("2026-01-11T03:00:00Z"), "stats-next").fetch_one(&mut *w).await.unwrap();
    for (who, at) in [
        (late, "2026-01-10T15:30:00Z"),
        (late, "2026-01-10T16:30:00Z"),
        (next, "2026-01-11T03:00:00Z"),
        (next, "2026-01-11T03:05:00Z"),
    ] {
        sqlx::query(
            "INSERT INTO page_views (tenant_id, visitor_id, url, title, referrer, user_agent, ip, viewed_at) \
             VALUES ($1, $2, 'https://shop.example/', '', '', '', '', $3)",
        )
        .bind(shop.id.0)
        .bind(who)
        .bind(utc(at))
        .execute(&mut *w)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO conversations (tenant_id, site_id, visitor_id, status, last_seq, agent_read_seq, started_at, \
         last_message_at, closed_at) VALUES ($1, $2, $3, 'closed', 0, 0, $4, $4, $4)",
    )
    .bind(shop.id.0)
    .bind(site)
    .bind(late)
    .bind(utc("2026-01-10T16:10:00Z"))
    .execute(&mut *w)
    .await
    .unwrap();
    drop(w);

    // The late visitor's pages an hour apart are two visits; the chat, closed with nobody
    // assigned, is missed.
    let shanghai = [
        Day { visits: 1, ..day("2026-01-10", 1, 1, 1, 0) },
        Day { visits: 2, missed: 1, ..day("2026-01-11", 3, 2, 1, 1) },
    ];
    let days: Vec<Day> = ok(traffic(&app, &admin, site, "2026-01-10", "2026-01-11").await).await;
    assert_eq!(days, shanghai, "cut at Shanghai's midnight (in UTC the 10th would hold two page views)");
    // Past days were stored as rolled; a report reads the rollup, and a rebuild rolls it again
    // from the raw rows.
    let stored = "SELECT COUNT(*) FROM stats_daily WHERE site_id = $1";
    assert_eq!(app.scalar(stored, site).await, 2);
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE stats_daily SET page_views = 99 WHERE site_id = $1 AND day = '2026-01-11'")
        .bind(site)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    let days: Vec<Day> = ok(traffic(&app, &admin, site, "2026-01-11", "2026-01-11").await).await;
    assert_eq!(days[0].page_views, 99, "the report reads the rollup");
    let geo = app::infra::geo::Geo::none();
    let rolled =
        app::stats::service::rebuild(&app.db, &geo, kefu_protocol::SiteId(site), "2026-01-01", "2026-01-31").await;
    assert_eq!(rolled.unwrap(), 31);
    let days: Vec<Day> = ok(traffic(&app, &admin, site, "2026-01-09", "2026-01-12").await).await;
    assert_eq!(days[1..3], shanghai, "rolled again, the rollup equals the raw rows");
    assert_eq!((days[0].page_views, days[3].page_views), (0, 0));

    // Asking for a year nobody visited stores nothing: an empty day costs no row.
    let rows = app.scalar(stored, site).await;
    let empty: Vec<Day> = ok(traffic(&app, &admin, site, "2020-01-01", "2020-12-31").await).await;
    assert!(empty.len() == 366 && empty.iter().all(|d| d.page_views == 0 && d.chats == 0));
    assert_eq!(app.scalar(stored, site).await, rows);

    // Today is counted live; days after it are left out.
    let today = app::stats::service::day_of("Asia/Shanghai".parse().unwrap(), app::infra::now_ms());
    let (today, later) = (today.to_string(), today.succ_opt().unwrap().to_string());
    let days: Vec<Day> = ok(traffic(&app, &admin, site, &today, &later).await).await;
    assert_eq!(days.len(), 1);

    // Who may read it, and bad ranges.
    let (_, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await;
    assert_eq!(err(traffic(&app, &bob, site, "2026-01-10", "2026-01-11").await).await, ApiError::Forbidden);
    let other = app.create_tenant("Other").await;
    let theirs = app.scalar("SELECT MIN(id) FROM sites WHERE tenant_id = $1", other.id.0).await;
    assert_eq!(err(traffic(&app, &admin, theirs, "2026-01-10", "2026-01-11").await).await, ApiError::NotFound);
    let refused = [
        ("2026-13-01", "2026-01-11", ApiError::invalid("from", ErrorCode::Format)),
        ("2026-01-11", "2026-01-10", ApiError::invalid("to", ErrorCode::Format)),
        ("2025-01-01", "2026-12-31", ApiError::invalid("to", ErrorCode::TooLong)),
    ];
    for (from, to, want) in refused {
        assert_eq!(err(traffic(&app, &admin, site, from, to).await).await, want, "{from}..{to}");
    }
}

async fn ranking(app: &TestApp, cookie: &str, site: i64, dim: Dim, from: &str, to: &str) -> Ranking {
    let body = format!("site_id={site}&dim={dim:?}&from={from}&to={to}");
    ok(app.call("/api/stats/ranking", &body, Some(cookie)).await).await
}

fn keys(ranking: &Ranking) -> Vec<(&str, i64, i64)> {
    ranking.rows.iter().map(|r| (r.key.as_str(), r.visits, r.chats)).collect()
}

/// A hand-made day with known answers: four visitors of a shop in Shanghai on Tuesday 10 February
/// 2026, from a search for 退款, a partner site, the shop's own domain and a campaign.
#[tokio::test]
async fn a_days_visits_are_ranked_by_source_region_and_hour_with_the_chats_they_led_to_and_what_became_of_them() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site = app.scalar("SELECT MIN(id) FROM sites WHERE tenant_id = $1", shop.id.0).await;
    let version = app.scalar("SELECT version FROM sites WHERE id = $1", site).await;
    ok::<i64>(app.call_json("/api/sites/save", "form", &shop_in(site, version, "Asia/Shanghai"), &admin).await).await;

    let mut w = app.db.write().await.unwrap();
    let mut visitor = async |token: &str, at: &str| -> i64 {
        sqlx::query_scalar(
            "INSERT INTO visitors (tenant_id, site_id, token_hash, first_seen, last_seen, visits) \
             VALUES ($1, $2, $3, $4, $4, 1) RETURNING id",
        )
        .bind(shop.id.0)
        .bind(site)
        .bind(token)
        .bind(utc(at))
        .fetch_one(&mut *w)
        .await
        .unwrap()
    };
    let (a, b) = (visitor("rank-a", "2026-02-10T01:00:00Z").await, visitor("rank-b", "2026-02-10T02:00:00Z").await);
    let (c, d) = (visitor("rank-c", "2026-02-10T03:00:00Z").await, visitor("rank-d", "2026-02-10T04:00:00Z").await);
    let e = visitor("rank-e", "2026-02-09T01:00:00Z").await;
    let baidu = "https://www.baidu.com/s?wd=%E9%80%80%E6%AC%BE";
    let campaign = "https://shop.example/?utm_source=weixin&utm_medium=social&utm_campaign=spring";
    for (who, at, url, referrer, ip) in [
        (a, "2026-02-10T01:00:00Z", "https://shop.example/", baidu, "1.12.0.1"),
        (a, "2026-02-10T01:03:00Z", "https://shop.example/refund", "https://shop.example/", "1.12.0.1"),
        (b, "2026-02-10T02:00:00Z", "https://shop.example/", "https://partner.example/list", "8.8.8.0/24"),
        (c, "2026-02-10T03:00:00Z", "https://shop.example/", "https://www.shop.example/old", ""),
        (d, "2026-02-10T04:00:00Z", campaign, "", ""),
        // The day before (in Shanghai): the period a one-day report compares with.
        (e, "2026-02-09T01:00:00Z", "https://shop.example/", "", ""),
    ] {
        sqlx::query(
            "INSERT INTO page_views (tenant_id, visitor_id, url, title, referrer, user_agent, ip, viewed_at) \
             VALUES ($1, $2, $3, '', $4, '', $5, $6)",
        )
        .bind(shop.id.0)
        .bind(who)
        .bind(url)
        .bind(referrer)
        .bind(ip)
        .bind(utc(at))
        .execute(&mut *w)
        .await
        .unwrap();
    }
    // A: answered. B: left the queue (missed, abandoned). C: accepted an invitation, answered.
    // D: closed unanswered by the idle timer (missed, not abandoned).
    let mut chat = async |who: i64, at: &str, assigned: bool, missed: i64| -> i64 {
        sqlx::query_scalar(
            "INSERT INTO conversations (tenant_id, site_id, visitor_id, status, last_seq, agent_read_seq, started_at, \
             last_message_at, closed_at, assigned_at, missed) \
             VALUES ($1, $2, $3, 'closed', 0, 0, $4, $4, $4, $5, $6) RETURNING id",
        )
        .bind(shop.id.0)
        .bind(site)
        .bind(who)
        .bind(utc(at))
        .bind(assigned.then(|| utc(at)))
        .bind(missed)
        .fetch_one(&mut *w)
        .await
        .unwrap()
    };
    let answered = chat(a, "2026-02-10T01:02:00Z", true, 0).await;
    chat(b, "2026-02-10T02:01:00Z", false, 1).await;
    let invited = chat(c, "2026-02-10T03:02:00Z", true, 0).await;
    chat(d, "2026-02-10T04:10:00Z", false, 0).await;
    sqlx::query(
        "INSERT INTO invitations (tenant_id, site_id, visitor_id, sent_at, answer, answered_at, conversation_id) \
         VALUES ($1, $2, $3, $4, 'accepted', $4, $5), ($1, $2, $6, $4, 'declined', $4, NULL)",
    )
    .bind(shop.id.0)
    .bind(site)
    .bind(c)
    .bind(utc("2026-02-10T03:01:00Z"))
    .bind(invited)
    .bind(d)
    .execute(&mut *w)
    .await
    .unwrap();
    // A's chat: the admin was given it after 5 s, answered 20 s after the start, and answered the
    // visitor's next message 8 s after it; the admin closed it after 5 minutes.
    let admin_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM agents WHERE tenant_id = $1")
        .bind(shop.id.0)
        .fetch_one(&mut *w)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE conversations SET agent_id = $1, assigned_at = $2, closed_at = $3, closed_by = 'agent' WHERE id = $4",
    )
    .bind(admin_id)
    .bind(utc("2026-02-10T01:02:05Z"))
    .bind(utc("2026-02-10T01:07:00Z"))
    .bind(answered)
    .execute(&mut *w)
    .await
    .unwrap();
    for (seq, (kind, sender, at)) in [
        ("visitor", a, "2026-02-10T01:02:00Z"),
        ("agent", admin_id, "2026-02-10T01:02:20Z"),
        ("visitor", a, "2026-02-10T01:03:00Z"),
        ("agent", admin_id, "2026-02-10T01:03:08Z"),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO messages (tenant_id, conversation_id, seq, sender_kind, sender_id, client_msg_id, body, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, '你好', $7)",
        )
        .bind(shop.id.0)
        .bind(answered)
        .bind(seq as i64 + 1)
        .bind(kind)
        .bind(sender)
        .bind(format!("stats-{seq}"))
        .bind(utc(at))
        .execute(&mut *w)
        .await
        .unwrap();
    }
    drop(w);

    let days: Vec<Day> = ok(traffic(&app, &admin, site, "2026-02-10", "2026-02-10").await).await;
    let want = Day {
        visits: 4,
        accepted: 2,
        missed: 2,
        abandoned: 1,
        invitations: 2,
        invitations_accepted: 1,
        invited_chats: 1,
        ..day("2026-02-10", 5, 4, 4, 4)
    };
    assert_eq!(days, [want]);

    let one = |dim| ranking(&app, &admin, site, dim, "2026-02-10", "2026-02-10");
    let keyword = one(Dim::Keyword).await;
    assert_eq!(keys(&keyword), [(UNKNOWN, 3, 3), ("退款", 1, 1)]);
    let total = Ranked { key: String::new(), visits: 4, chats: 4 };
    assert_eq!((keyword.total.clone(), keyword.before.clone()), (total, Ranked { visits: 1, ..Ranked::default() }));
    // The shop's own domain (here with `www.`) is navigation, not a referring site.
    assert_eq!(keys(&one(Dim::Referrer).await), [(UNKNOWN, 2, 2), ("baidu.com", 1, 1), ("partner.example", 1, 1)]);
    let kinds = one(Dim::Kind).await;
    assert_eq!(keys(&kinds), [("campaign", 1, 1), ("direct", 1, 1), ("referral", 1, 1), ("search", 1, 1)]);
    assert_eq!(keys(&one(Dim::Campaign).await), [(UNKNOWN, 3, 3), ("weixin / social / spring", 1, 1)]);
    // Regions from the first page's address (a network as kept without full addresses, too).
    assert_eq!(keys(&one(Dim::Country).await), [(UNKNOWN, 2, 2), ("CN", 1, 1), ("US", 1, 1)]);
    assert_eq!(keys(&one(Dim::Province).await)[1], ("CN-GD", 1, 1));

    // How they were handled: the site's and the admin's figures, and how the four ended.
    let body = format!("site_id={site}&from=2026-02-10&to=2026-02-10");
    let handling: HandlingReport = ok(app.call("/api/stats/handling", &body, Some(&admin)).await).await;
    let s = &handling.site;
    assert_eq!((s.chats, s.messages), (4, 2));
    assert_eq!((s.first_response.count, s.first_response.p50_ms), (1, 20_000));
    assert_eq!((s.response.count, s.response.avg_ms), (2, 14_000), "20 s and 8 s");
    assert_eq!((s.wait.count, s.wait.p50_ms, s.wait.p90_ms), (2, 0, 5_000), "C was given at once, A after 5 s");
    assert_eq!(handling.agents.len(), 1);
    assert_eq!(
        (handling.agents[0].id, handling.agents[0].chats, handling.agents[0].duration.avg_ms),
        (admin_id, 1, 300_000)
    );
    let closed: Vec<(&str, i64)> = handling.closed.iter().map(|r| (r.key.as_str(), r.chats)).collect();
    assert_eq!(closed, [(UNKNOWN, 3), ("agent", 1)], "the inserted chats say nobody ended them");

    // Chats per weekday and hour, in Shanghai: a Tuesday, 09:00 to 12:00.
    let hours = "site_id={site}&from=2026-02-09&to=2026-02-15".replace("{site}", &site.to_string());
    let grid: Heatmap = ok(app.call("/api/stats/heatmap", &hours, Some(&admin)).await).await;
    let busy: Vec<(usize, usize, i64)> = grid
        .iter()
        .enumerate()
        .flat_map(|(day, hours)| hours.iter().enumerate().filter(|(_, n)| **n > 0).map(move |(h, n)| (day, h, *n)))
        .collect();
    assert_eq!(busy, [(1, 9, 1), (1, 10, 1), (1, 11, 1), (1, 12, 1)]);

    // The past day was stored; the report reads the rollup, and a rebuild makes it equal the raw
    // rows again.
    let stored = "SELECT COUNT(*) FROM stats_ranked WHERE site_id = $1 AND day = '2026-02-10'";
    assert!(app.scalar(stored, site).await > 0);
    let mut w = app.db.write().await.unwrap();
    sqlx::query("UPDATE stats_ranked SET visits = 50 WHERE site_id = $1 AND dim = 'keyword' AND key = '退款'")
        .bind(site)
        .execute(&mut *w)
        .await
        .unwrap();
    drop(w);
    assert_eq!(keys(&one(Dim::Keyword).await)[0], ("退款", 50, 1), "read from the rollup");
    let geo = app::infra::geo::Geo::open(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/geoip/GeoLite2-City.mmdb"),
    );
    app::stats::service::rebuild(&app.db, &geo, kefu_protocol::SiteId(site), "2026-02-01", "2026-02-28").await.unwrap();
    assert_eq!(one(Dim::Keyword).await, keyword, "rolled again, equal to the raw rows");
    assert_eq!(keys(&one(Dim::Country).await), [(UNKNOWN, 2, 2), ("CN", 1, 1), ("US", 1, 1)]);

    // Another company's site is not found; an agent without the permission is refused.
    let other = app.create_tenant("Other").await;
    let theirs = app.scalar("SELECT MIN(id) FROM sites WHERE tenant_id = $1", other.id.0).await;
    let body = format!("site_id={theirs}&dim=Keyword&from=2026-02-10&to=2026-02-10");
    assert_eq!(err(app.call("/api/stats/ranking", &body, Some(&admin)).await).await, ApiError::NotFound);
    let (_, bob_login) = app.add_agent(&shop, "Bob").await;
    let bob = app.login(&shop.company, &bob_login, AGENT_PASSWORD).await;
    let body = format!("site_id={site}&dim=Keyword&from=2026-02-10&to=2026-02-10");
    assert_eq!(err(app.call("/api/stats/ranking", &body, Some(&bob)).await).await, ApiError::Forbidden);
}
