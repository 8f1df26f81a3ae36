//! Statistics (issue 17), the first part: days cut in the site's own time zone, daily traffic
//! rolled up from the raw rows (the rollup equals the raw rows and is what reports read), and who
//! may read it.

use app::sites::SiteForm;
use app::stats::TrafficDay;
use kefu_protocol::{ApiError, ErrorCode};

use crate::helpers::*;

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
}

async fn traffic(app: &TestApp, cookie: &str, site: i64, from: &str, to: &str) -> reqwest::Response {
    app.call("/api/stats/traffic", &format!("site_id={site}&from={from}&to={to}"), Some(cookie)).await
}

fn day(day: &str, page_views: i64, visitors: i64, new_visitors: i64, chats: i64) -> TrafficDay {
    TrafficDay { day: day.into(), page_views, visitors, new_visitors, chats }
}

#[tokio::test]
async fn traffic_is_counted_per_day_of_the_sites_time_zone_from_a_rollup_equal_to_the_raw_rows() {
    let app = spawn_app().await;
    let shop = app.create_tenant("Shop").await;
    let admin = app.login(&shop.company, &shop.login, &shop.password).await;
    let site = app.scalar("SELECT MIN(id) FROM sites WHERE tenant_id = $1", shop.id.0).await;
    let version = app.scalar("SELECT version FROM sites WHERE id = $1", site).await;
    let form = |zone: &str| SiteForm {
        id: Some(site),
        version,
        name: "官网".into(),
        domains: "shop.example".into(),
        full_ips: true,
        push_same_tab: false,
        time_zone: zone.into(),
    };
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

    let shanghai = [day("2026-01-10", 1, 1, 1, 0), day("2026-01-11", 3, 2, 1, 1)];
    let days: Vec<TrafficDay> = ok(traffic(&app, &admin, site, "2026-01-10", "2026-01-11").await).await;
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
    let days: Vec<TrafficDay> = ok(traffic(&app, &admin, site, "2026-01-11", "2026-01-11").await).await;
    assert_eq!(days[0].page_views, 99, "the report reads the rollup");
    let rolled = app::stats::service::rebuild(&app.db, kefu_protocol::SiteId(site), "2026-01-01", "2026-01-31").await;
    assert_eq!(rolled.unwrap(), 31);
    let days: Vec<TrafficDay> = ok(traffic(&app, &admin, site, "2026-01-09", "2026-01-12").await).await;
    assert_eq!(days[1..3], shanghai, "rolled again, the rollup equals the raw rows");
    assert_eq!((days[0].page_views, days[3].page_views), (0, 0));

    // Asking for a year nobody visited stores nothing: an empty day costs no row.
    let rows = app.scalar(stored, site).await;
    let empty: Vec<TrafficDay> = ok(traffic(&app, &admin, site, "2020-01-01", "2020-12-31").await).await;
    assert!(empty.len() == 366 && empty.iter().all(|d| d.page_views == 0 && d.chats == 0));
    assert_eq!(app.scalar(stored, site).await, rows);

    // Today is counted live; days after it are left out.
    let today = app::stats::service::day_of("Asia/Shanghai".parse().unwrap(), app::infra::now_ms());
    let (today, later) = (today.to_string(), today.succ_opt().unwrap().to_string());
    let days: Vec<TrafficDay> = ok(traffic(&app, &admin, site, &today, &later).await).await;
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
