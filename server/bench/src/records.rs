//! Records at scale (issue 16): a database holding 1,000,000 messages in 100,000 conversations,
//! made by the bench (SQL that generates the rows, not a file in the repository), then indexed for
//! search by the server's own backfill, as an upgrade from a version without the index would be.
//! Measured over HTTP as the workbench calls it: the records page's first load, a search for a
//! Chinese word and for a Latin one (p50/p99), and a CSV export of 100,000 messages (time, and
//! how much the server's RSS grew while it streamed). On SQLite, and on PostgreSQL when
//! `KEFU_BENCH_DATABASE_URL` is set.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{agent_cookie, launch, Latency, Report, Server};

const CONVERSATIONS: i64 = 100_000;
const PER_CONVERSATION: i64 = 10;
const VISITORS: i64 = 10_000;
/// Conversations start a minute apart.
const STEP_MS: i64 = 60_000;
/// Timed calls per figure.
const RUNS: usize = 40;

/// The texts the messages say, 200 of them: ordinary questions and answers in Chinese, Japanese and
/// English; two hold 退款 and two "refund", so each word is in about 1% of the messages.
fn phrases() -> Vec<String> {
    let zh = ["请问这个商品还有货吗", "快递什么时候能到", "发票怎么开", "可以便宜一点吗", "尺码偏大还是偏小"];
    let ja = ["配送はいつになりますか", "在庫はありますか", "支払い方法を教えてください"];
    let en = ["Where is my parcel", "Do you ship to Canada", "Can I change the colour", "How long is the warranty"];
    let mut out = Vec::new();
    for i in 0..196 {
        let text = match i % 3 {
            0 => format!("{}？订单号 {}", zh[i % zh.len()], 1000 + i),
            1 => format!("{}。注文番号 {}", ja[i % ja.len()], 2000 + i),
            _ => format!("{}? order {}", en[i % en.len()], 3000 + i),
        };
        out.push(text);
    }
    out.push("我想申请退款，订单号 8848".into());
    out.push("退款什么时候到账？".into());
    out.push("I would like a refund for order 77".into());
    out.push("Has my refund been processed?".into());
    out
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
    generate(&url).await;
    println!("  {label}: 1,000,000 messages written in {:.1} s", started.elapsed().as_secs_f64());

    // The server indexes them in the background from its start.
    let (child, _) = launch(root, port, &server.dir.0, server.database_url.as_deref(), &server.env).await;
    server.child = child;
    let started = Instant::now();
    let pool = pool(&url).await;
    loop {
        let (next, below): (i64, i64) =
            sqlx::query_as("SELECT next_id, below FROM search_backfill WHERE id = 1").fetch_one(&pool).await.unwrap();
        if next >= below {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let backfill = started.elapsed().as_secs_f64();
    report.add(
        &format!("search index backfill of 1,000,000 messages, {label}"),
        format!("{backfill:.1} s ({:.0} messages/s, in the background while the server answers)", 1e6 / backfill),
        "—",
        backfill,
    );
    pool.close().await;

    let cookie = agent_cookie(port).await;
    let client = reqwest::Client::new();
    let list = |filter: serde_json::Value| {
        let request = client
            .post(format!("http://127.0.0.1:{port}/api/records"))
            .header("cookie", cookie.clone())
            .json(&json!({ "filter": filter }));
        async move {
            let started = Instant::now();
            let response = request.send().await.expect("records");
            let ok = response.status().is_success();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (started.elapsed().as_secs_f64() * 1000.0, ok, body)
        }
    };
    let blank = json!({ "from": 0, "to": 0, "site_id": null, "agent_id": null, "query": "", "offset": 0 });
    for (figure, query, target) in [
        ("records page first load (25 of 100,000 conversations)", "", "—"),
        ("records search for 退款 (in 1% of 1,000,000 messages)", "退款", "p99 ≤ 100 ms on SQLite"),
        ("records search for refund (in 1% of 1,000,000 messages)", "refund", "p99 ≤ 100 ms on SQLite"),
    ] {
        let mut filter = blank.clone();
        filter["query"] = json!(query);
        let mut samples = Vec::new();
        let mut total = 0;
        for _ in 0..RUNS {
            let (ms, ok, body) = list(filter.clone()).await;
            if !ok {
                faults.push(format!("{figure} ({label}) failed: {body}"));
                break;
            }
            total = body["total"].as_i64().unwrap_or(0);
            samples.push(ms);
        }
        let l = Latency::of(samples);
        report.add(
            &format!("{figure}, {label}"),
            format!("p50 {:.1} ms, p99 {:.1} ms ({} conversations listed, {} runs)", l.p50, l.p99, total, l.count),
            target,
            l.p99,
        );
    }

    // An export of 10,000 conversations (100,000 messages): a tenth of the time range.
    let base: i64 = 1_700_000_000_000;
    let mut filter = blank.clone();
    filter["from"] = json!(base);
    filter["to"] = json!(base + 10_000 * STEP_MS);
    let url =
        format!("http://127.0.0.1:{port}/api/v1/records/export?format=csv&filter={}", encode(&filter.to_string()));
    let before = server.rss_kb();
    let pid = server.child.id().unwrap_or(0);
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let (peak, watching) = (peak.clone(), watching.clone());
        tokio::spawn(async move {
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(rss_of(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let mut response = client.get(&url).header("cookie", cookie.clone()).send().await.expect("export");
    let mut bytes = 0usize;
    let mut rows = 0usize;
    while let Some(chunk) = response.chunk().await.expect("export body") {
        bytes += chunk.len();
        rows += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let took = started.elapsed().as_secs_f64();
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = watcher.await;
    let grew = peak.load(std::sync::atomic::Ordering::Relaxed).saturating_sub(before) as f64 / 1024.0;
    if rows != 100_001 {
        faults.push(format!("the {label} export held {rows} lines, not 100,001"));
    }
    report.add(
        &format!("CSV export of 100,000 messages, {label}"),
        format!("{took:.1} s, {:.1} MB; server RSS grew {grew:.1} MB while it streamed", bytes as f64 / 1048576.0),
        "RSS growth ≤ 50 MB",
        grew,
    );
    server.stop().await;
}

fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

pub(super) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub(super) async fn pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::pool::PoolOptions::new().max_connections(1).connect(url).await.expect("the bench database")
}

/// The numbers 0..n as a table `s(i)` to select rows from.
pub(super) fn series(postgres: bool, n: i64) -> String {
    if postgres {
        format!("(SELECT i FROM generate_series(CAST(0 AS BIGINT), {}) AS g(i)) AS s", n - 1)
    } else {
        format!(
            "(WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {}) SELECT i FROM g) AS s",
            n - 1
        )
    }
}

/// Writes the visitors, conversations and messages with SQL that generates them (a numbers series
/// joined to the phrases), in one transaction per table; the search index is left to the server.
async fn generate(url: &str) {
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
    let base: i64 = 1_700_000_000_000;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("CREATE TEMPORARY TABLE bench_phrases (k BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let phrases = phrases();
    for (k, body) in phrases.iter().enumerate() {
        sqlx::query("INSERT INTO bench_phrases (k, body) VALUES ($1, $2)")
            .bind(k as i64)
            .bind(body.as_str())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let count = phrases.len() as i64;
    let visitor0: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM visitors").fetch_one(&mut *tx).await.unwrap();
    let conversation0: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM conversations").fetch_one(&mut *tx).await.unwrap();
    let statements = [
        format!(
            "INSERT INTO visitors (id, tenant_id, site_id, token_hash, first_seen, last_seen, visits) \
             SELECT {visitor0} + i, {tenant}, {site}, 'bench:' || CAST(i AS TEXT), {base}, {base}, 1 FROM {}",
            series(VISITORS)
        ),
        format!(
            "INSERT INTO conversations (id, tenant_id, site_id, visitor_id, agent_id, status, last_seq, agent_read_seq, \
             started_at, last_message_at, closed_at) \
             SELECT {conversation0} + i, {tenant}, {site}, {visitor0} + i % {VISITORS}, {agent}, 'closed', {PER_CONVERSATION}, \
             {PER_CONVERSATION}, {base} + i * {STEP_MS}, {base} + i * {STEP_MS} + 600000, {base} + i * {STEP_MS} + 600000 FROM {}",
            series(CONVERSATIONS)
        ),
        format!(
            "INSERT INTO messages (tenant_id, conversation_id, seq, sender_kind, sender_id, sender_name, client_msg_id, body, sent_at) \
             SELECT {tenant}, {conversation0} + i / {PER_CONVERSATION}, i % {PER_CONVERSATION} + 1, \
             CASE WHEN i % 2 = 0 THEN 'visitor' ELSE 'agent' END, \
             CASE WHEN i % 2 = 0 THEN {visitor0} + (i / {PER_CONVERSATION}) % {VISITORS} ELSE {agent} END, \
             CASE WHEN i % 2 = 0 THEN NULL ELSE 'Admin' END, 'bench' || CAST(i AS TEXT), p.body, \
             {base} + (i / {PER_CONVERSATION}) * {STEP_MS} + (i % {PER_CONVERSATION}) * 1000 \
             FROM {} JOIN bench_phrases p ON p.k = (s.i * 7919) % {count}",
            series(CONVERSATIONS * PER_CONVERSATION)
        ),
        // Everything so far is below the mark: the server's backfill indexes it.
        "UPDATE search_backfill SET next_id = 0, below = (SELECT MAX(id) + 1 FROM messages) WHERE id = 1".to_owned(),
        "DROP TABLE bench_phrases".to_owned(),
    ];
    for sql in statements {
        sqlx::query(&sql).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    tx.commit().await.unwrap();
    // Statistics as a database in use has them (autovacuum on PostgreSQL; SQLite's planner
    // reads none unless asked, and kefu does not ask).
    let settle = if postgres { "ANALYZE" } else { "PRAGMA wal_checkpoint(TRUNCATE)" };
    sqlx::query(settle).execute(&pool).await.unwrap();
    pool.close().await;
}
