//! Statistics at scale (issue 17): a site with a year of traffic (10,000,000 page views of
//! 1,000,000 visits, 300,000 chats, 150,000 invitations), made by the bench with SQL that generates
//! the rows. Measured over HTTP as the Statistics page calls it: the first report of a day not
//! rolled up yet (what rolling one day costs), the first report of the whole year (rolling the
//! rest), then every report over the year (p50/p99). On SQLite, and on PostgreSQL when
//! `KEFU_BENCH_DATABASE_URL` is set.

use std::path::Path;
use std::time::Instant;

use super::records::{encode, pool, series};
use super::{agent_cookie, launch, Latency, Report, Server};

const VISITORS: i64 = 1_000_000;
const VIEWS_PER_VISIT: i64 = 10;
const CHATS: i64 = 300_000;
const INVITATIONS: i64 = 150_000;
const DAYS: i64 = 365;
const DAY_MS: i64 = 86_400_000;
/// Timed calls per figure.
const RUNS: usize = 20;

/// Where visits come from: 1,000 first pages (referrer, landing page, browser, address), picked
/// per visitor. Two in five from Baidu searches over 600 keywords (more than a day keeps), one in
/// seven from Google, one in seven from 50 partner sites, one in ten from campaigns, the rest
/// typed in; phones, computers and tablets; addresses in five countries and several provinces.
fn sources() -> Vec<(String, String, String, String)> {
    const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    const DESKTOP: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    const TABLET: &str = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    const IPS: [&str; 12] = [
        "1.12.0.1",
        "114.114.114.114",
        "240e::1",
        "223.5.5.5",
        "180.101.49.11",
        "8.8.8.8",
        "210.140.92.183",
        "168.95.1.1",
        "211.234.10.1",
        "1.12.0.0/24",
        "59.36.1.1",
        "101.6.6.6",
    ];
    let words = ["退款", "发票", "快递", "优惠券", "退货", "客服电话", "会员", "价格", "茶叶", "礼盒"];
    (0..1000)
        .map(|k: usize| {
            let landing = "https://shop.example/".to_owned();
            let (referrer, url) = match k % 20 {
                0..=7 => {
                    let word = format!("{}{}", words[k % words.len()], k % 60);
                    (format!("https://www.baidu.com/s?wd={}", encode(&word)), landing)
                }
                8..=10 => (format!("https://www.google.com/search?q=tea+{}", k % 40), landing),
                11..=13 => (format!("https://partner{}.example/list", k % 50), landing),
                14 | 15 => {
                    (String::new(), format!("{landing}?utm_source=weixin&utm_medium=social&utm_campaign=c{}", k % 8))
                }
                _ => (String::new(), landing),
            };
            let ua = match k % 20 {
                0..=11 => PHONE,
                12..=18 => DESKTOP,
                _ => TABLET,
            };
            (url, referrer, ua.to_owned(), IPS[k % IPS.len()].to_owned())
        })
        .collect()
}

/// The first day of the year (`YYYY-MM-DD`, UTC: the demo site's zone) and its start (unix ms):
/// the 365 days that ended at the last midnight.
fn year() -> (i64, chrono::NaiveDate) {
    let today = chrono::Utc::now().date_naive();
    let first = today - chrono::Days::new(DAYS as u64);
    (first.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis(), first)
}

/// Writes the visitors, page views, conversations and invitations with SQL that generates them,
/// in one transaction; returns the site's id.
async fn generate(url: &str) -> i64 {
    let pool = pool(url).await;
    let postgres = url.starts_with("postgres");
    let (tenant, site): (i64, i64) =
        sqlx::query_as("SELECT tenant_id, id FROM sites ORDER BY id LIMIT 1").fetch_one(&pool).await.unwrap();
    let agent: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE tenant_id = $1 ORDER BY id LIMIT 1")
        .bind(tenant)
        .fetch_one(&pool)
        .await
        .unwrap();
    let series = |n: i64| series(postgres, n);
    let (base, _) = year();
    // Visits are spread evenly over the year; each lasts ten pages a minute apart.
    let step = DAYS * DAY_MS / VISITORS;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "CREATE TEMPORARY TABLE bench_sources (k BIGINT PRIMARY KEY, url TEXT NOT NULL, referrer TEXT NOT NULL, \
         ua TEXT NOT NULL, ip TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    for (k, (url, referrer, ua, ip)) in sources().into_iter().enumerate() {
        sqlx::query("INSERT INTO bench_sources (k, url, referrer, ua, ip) VALUES ($1, $2, $3, $4, $5)")
            .bind(k as i64)
            .bind(url)
            .bind(referrer)
            .bind(ua)
            .bind(ip)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let visitor0: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM visitors").fetch_one(&mut *tx).await.unwrap();
    let conversation0: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM conversations").fetch_one(&mut *tx).await.unwrap();
    let statements = [
        format!(
            "INSERT INTO visitors (id, tenant_id, site_id, token_hash, first_seen, last_seen, visits) \
             SELECT {visitor0} + i, {tenant}, {site}, 'bench:' || CAST(i AS TEXT), {base} + i * {step}, \
             {base} + i * {step} + 540000, 1 FROM {}",
            series(VISITORS)
        ),
        // The first page of a visit carries its source; the next nine were reached from the shop.
        format!(
            "INSERT INTO page_views (tenant_id, visitor_id, url, title, referrer, user_agent, ip, viewed_at) \
             SELECT {tenant}, {visitor0} + s.i / {VIEWS_PER_VISIT}, \
             CASE WHEN s.i % {VIEWS_PER_VISIT} = 0 THEN b.url ELSE 'https://shop.example/p/' || CAST(s.i % 97 AS TEXT) END, \
             'Acme Tea', CASE WHEN s.i % {VIEWS_PER_VISIT} = 0 THEN b.referrer ELSE 'https://shop.example/' END, \
             b.ua, b.ip, {base} + (s.i / {VIEWS_PER_VISIT}) * {step} + (s.i % {VIEWS_PER_VISIT}) * 60000 \
             FROM {} JOIN bench_sources b ON b.k = ((s.i / {VIEWS_PER_VISIT}) * 7919) % 1000",
            series(VISITORS * VIEWS_PER_VISIT)
        ),
        // A chat two minutes into three visits in ten: most answered, one in twenty left the
        // queue, one in ten more closed unanswered.
        format!(
            "INSERT INTO conversations (id, tenant_id, site_id, visitor_id, agent_id, status, last_seq, agent_read_seq, \
             started_at, last_message_at, closed_at, assigned_at, missed, closed_by) \
             SELECT {conversation0} + i, {tenant}, {site}, {visitor0} + i * 10 / 3, \
             CASE WHEN i % 10 = 0 THEN NULL ELSE {agent} END, 'closed', 4, 4, \
             {base} + (i * 10 / 3) * {step} + 120000, {base} + (i * 10 / 3) * {step} + 600000, \
             {base} + (i * 10 / 3) * {step} + 600000, \
             CASE WHEN i % 10 = 0 THEN NULL ELSE {base} + (i * 10 / 3) * {step} + 130000 END, \
             CASE WHEN i % 20 = 0 THEN 1 ELSE 0 END, \
             CASE WHEN i % 20 = 0 THEN 'missed' WHEN i % 10 = 0 THEN 'idle' ELSE 'agent' END FROM {}",
            series(CHATS)
        ),
        format!(
            "INSERT INTO invitations (tenant_id, site_id, visitor_id, agent_id, sent_at, answer, answered_at) \
             SELECT {tenant}, {site}, {visitor0} + i * 6 + 1, {agent}, {base} + (i * 6 + 1) * {step} + 30000, \
             CASE WHEN i % 3 = 0 THEN 'accepted' ELSE 'declined' END, {base} + (i * 6 + 1) * {step} + 40000 FROM {}",
            series(INVITATIONS)
        ),
        "DROP TABLE bench_sources".to_owned(),
    ];
    for sql in statements {
        sqlx::query(&sql).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    tx.commit().await.unwrap();
    let settle = if postgres { "ANALYZE" } else { "PRAGMA wal_checkpoint(TRUNCATE)" };
    sqlx::query(settle).execute(&pool).await.unwrap();
    pool.close().await;
    site
}

pub async fn run(root: &Path, port: u16, postgres: Option<String>, report: &mut Report, faults: &mut Vec<String>) {
    let label = if postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut server = Server::start(root, port, postgres).await;
    // The admin signs in once so the demo company is there; then the server stops for the rows.
    let _ = agent_cookie(port).await;
    let _ = server.child.kill().await;
    let _ = server.child.wait().await;
    let url = server
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", server.dir.0.join("kefu.db").display()));
    let started = Instant::now();
    let site = generate(&url).await;
    println!("  {label}: a year of traffic written in {:.1} s", started.elapsed().as_secs_f64());
    // The rollup task is held off (it would roll the last two days while the bench measures).
    let mut env = server.env.clone();
    env.push(("KEFU_IP_SWEEP_SECS".into(), "86400".into()));
    let (child, _) = launch(root, port, &server.dir.0, server.database_url.as_deref(), &env).await;
    server.child = child;
    let cookie = agent_cookie(port).await;
    let client = reqwest::Client::new();
    let call = |path: &'static str, body: String| {
        let request = client
            .post(format!("http://127.0.0.1:{port}/api/stats/{path}"))
            .header("cookie", cookie.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move {
            let started = Instant::now();
            let response = request.send().await.expect("statistics");
            let ok = response.status().is_success();
            let text = response.text().await.unwrap_or_default();
            (started.elapsed().as_secs_f64() * 1000.0, ok, text)
        }
    };
    let (_, first) = year();
    let day = |n: i64| (first + chrono::Days::new(n as u64)).format("%Y-%m-%d").to_string();
    let (from, to) = (day(0), day(DAYS - 1));

    // Rolling one day: the first report of each of 20 days nobody asked for yet.
    let mut samples = Vec::new();
    for n in 0..RUNS as i64 {
        let d = day(100 + n * 7);
        let (ms, ok, body) = call("traffic", format!("site_id={site}&from={d}&to={d}")).await;
        if !ok {
            faults.push(format!("rolling a day ({label}) failed: {body}"));
            break;
        }
        samples.push(ms);
    }
    let l = Latency::of(samples);
    report.add(
        &format!("statistics: rolling up one day (27,400 page views, 2,740 visits, 820 chats), {label}"),
        format!("p50 {:.0} ms, p99 {:.0} ms ({} days)", l.p50, l.p99, l.count),
        "—",
        l.p99,
    );
    // The first report of the year rolls the other 345 days.
    let (ms, ok, body) = call("traffic", format!("site_id={site}&from={from}&to={to}")).await;
    if !ok {
        faults.push(format!("the first year report ({label}) failed: {body}"));
    }
    report.add(
        &format!("statistics: first report of the year (rolls the 345 other days), {label}"),
        format!("{:.1} s", ms / 1000.0),
        "—",
        ms,
    );
    let year_total: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let views: i64 =
        year_total.as_array().map(|d| d.iter().filter_map(|d| d["page_views"].as_i64()).sum()).unwrap_or(0);
    if views != VISITORS * VIEWS_PER_VISIT {
        faults.push(format!("the {label} year report counted {views} page views, not {}", VISITORS * VIEWS_PER_VISIT));
    }

    // Every report over the year, as the page asks for them.
    let reports: Vec<(&str, &'static str, String)> = vec![
        ("traffic (days)", "traffic", format!("site_id={site}&from={from}&to={to}")),
        ("search keywords", "ranking", format!("site_id={site}&dim=Keyword&from={from}&to={to}")),
        ("referring sites", "ranking", format!("site_id={site}&dim=Referrer&from={from}&to={to}")),
        ("campaigns", "ranking", format!("site_id={site}&dim=Campaign&from={from}&to={to}")),
        ("countries", "ranking", format!("site_id={site}&dim=Country&from={from}&to={to}")),
        ("provinces", "ranking", format!("site_id={site}&dim=Province&from={from}&to={to}")),
        ("devices", "ranking", format!("site_id={site}&dim=Device&from={from}&to={to}")),
        ("chats by weekday and hour", "heatmap", format!("site_id={site}&from={from}&to={to}")),
        ("response and handling", "handling", format!("site_id={site}&from={from}&to={to}")),
    ];
    let mut worst = 0.0_f64;
    let mut line = Vec::new();
    for (name, path, body) in reports {
        let mut samples = Vec::new();
        for _ in 0..RUNS {
            let (ms, ok, text) = call(path, body.clone()).await;
            if !ok {
                faults.push(format!("the {label} {name} report failed: {text}"));
                break;
            }
            samples.push(ms);
        }
        let l = Latency::of(samples);
        worst = worst.max(l.p99);
        line.push(format!("{name} {:.0}/{:.0}", l.p50, l.p99));
    }
    report.add(
        &format!("statistics: each report over a year (p50/p99 ms, {RUNS} runs each), {label}"),
        line.join(", "),
        "every p99 ≤ 200 ms on SQLite",
        worst,
    );
    server.stop().await;
}
