//! kefu-bench: starts the release server on loopback with a fresh database, drives it with real
//! WebSocket clients spread over several processes (one process may hold at most 20,000 files), prints
//! a table with the targets and writes `bench-results/latest.json`.
//!
//! Timing is reported, never asserted. The exit code is non-zero only when the server misbehaved:
//! errors, refused or lost connections, lost or duplicated messages.
//!
//! `kefu-bench` runs everything (`KEFU_BENCH_QUICK=1`: only idle sockets and the storm;
//! `KEFU_BENCH_QUICK=durable`: only SQLite throughput); `kefu-bench worker URL ORIGIN COUNT` is one client process (started by
//! the benchmark itself): it opens COUNT visitor sockets as the widget would (welcome, then the page),
//! keeps them alive, and on `drop` closes them all at once and reconnects them with their tokens.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_protocol::{FromAgent, FromVisitor, Lang, PageInfo, ToAgent, ToVisitor};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

mod cluster;
mod console;
mod faults;
mod records;
mod routing;
mod stats;

pub(crate) type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PORT: u16 = 3500;
const PER_WORKER: usize = 5000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        let count = args[4].parse().expect("COUNT");
        worker(args[2].clone(), args[3].clone(), count).await;
        return;
    }
    let root = std::env::var("KEFU_ROOT").map(PathBuf::from).unwrap_or_else(|_| std::env::current_dir().unwrap());
    let max_visitors: usize = std::env::var("KEFU_BENCH_VISITORS").ok().and_then(|v| v.parse().ok()).unwrap_or(19_000);
    let mut report = Report::default();
    let mut faults = Vec::new();

    // Server start, ready time, idle memory.
    let server = Server::start(&root, PORT, None).await;
    report.add("time from start to ready", format!("{:.0} ms", server.ready_ms), "—", server.ready_ms);
    let idle = server.rss_kb();
    report.add("server idle RSS after start", format!("{:.1} MB", idle as f64 / 1024.0), "≤ 30 MB", idle as f64);
    let site_key = server.site_key().await;
    let ws_url = format!("ws://127.0.0.1:{PORT}/api/v1/visitor/ws?v=1&site_key={site_key}");
    let origin = format!("http://127.0.0.1:{}", PORT + 1);

    if std::env::var("KEFU_BENCH_QUICK").as_deref() == Ok("cluster") {
        // Only the two-node figures (for profiling delivery between nodes).
        server.stop().await;
        let postgres = std::env::var("KEFU_BENCH_DATABASE_URL").expect("KEFU_BENCH_QUICK=cluster needs PostgreSQL");
        let redis = std::env::var("KEFU_BENCH_REDIS_URL").expect("KEFU_BENCH_QUICK=cluster needs Redis");
        cluster::run(&root, &postgres, &redis, max_visitors, &mut report, &mut faults).await;
        report.print_and_save(&root, &faults);
        return;
    }
    if std::env::var("KEFU_BENCH_QUICK").as_deref() == Ok("console") {
        // Only the visitor console's figures.
        console::run(PORT, &ws_url, &origin, 5000, &mut report, &mut faults).await;
        report.print_and_save(&root, &faults);
        return;
    }
    let quick = std::env::var("KEFU_BENCH_QUICK").unwrap_or_default();
    if quick == "records" || quick == "records-postgres" {
        // Only the records figures at 1,000,000 messages (SQLite unless only PostgreSQL is asked
        // for, and PostgreSQL when its URL is set).
        server.stop().await;
        if quick == "records" {
            records::run(&root, PORT, None, &mut report, &mut faults).await;
        }
        if let Ok(postgres) = std::env::var("KEFU_BENCH_DATABASE_URL") {
            records::run(&root, PORT, Some(postgres), &mut report, &mut faults).await;
        }
        report.print_and_save(&root, &faults);
        return;
    }
    if quick == "stats" || quick == "stats-postgres" {
        // Only the statistics figures over a year of traffic (as the records figures).
        server.stop().await;
        if quick == "stats" {
            stats::run(&root, PORT, None, &mut report, &mut faults).await;
        }
        if let Ok(postgres) = std::env::var("KEFU_BENCH_DATABASE_URL") {
            stats::run(&root, PORT, Some(postgres), &mut report, &mut faults).await;
        }
        report.print_and_save(&root, &faults);
        return;
    }
    if std::env::var("KEFU_BENCH_QUICK").as_deref() == Ok("durable") {
        // Only the SQLite throughput figures (for profiling the writer).
        routing::long_queue(PORT).await;
        durable(&ws_url, &origin, "SQLite", &mut report, &mut faults).await;
        report.print_and_save(&root, &faults);
        return;
    }

    // Idle visitor sockets at growing counts.
    let mut workers: Vec<Worker> = Vec::new();
    let mut held = 0;
    let mut previous = (0usize, idle);
    for step in [1000, 5000, max_visitors] {
        let step = step.min(max_visitors);
        while held < step {
            let n = (step - held).min(PER_WORKER);
            let mut w = Worker::spawn(&ws_url, &origin, n).await;
            let (ok, failed, ms) = w.expect("ready").await;
            println!("  worker: {ok} visitors connected in {ms} ms ({failed} failed)");
            if failed > 0 {
                faults.push(format!("{failed} visitor connections failed"));
            }
            held += n;
            workers.push(w);
        }
        // Let allocations settle: the last sockets' first frames are still being processed.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = server.rss_kb();
        let per = (rss.saturating_sub(idle)) as f64 * 1024.0 / held as f64;
        // The step's own cost: fixed costs (database cache, runtime) are already paid.
        let added = held - previous.0;
        let marginal = rss.saturating_sub(previous.1) as f64 * 1024.0 / added.max(1) as f64;
        previous = (held, rss);
        report.add(
            &format!("RSS with {held} idle visitor sockets"),
            format!(
                "{:.1} MB ({:.1} KB per socket; {:.1} KB each for the last {})",
                rss as f64 / 1024.0,
                per / 1024.0,
                marginal / 1024.0,
                added
            ),
            if held >= 19_000 { "≤ 200 MB, ≤ 8 KB/socket" } else { "≤ 8 KB/socket" },
            per,
        );
        if step == max_visitors {
            break;
        }
    }

    // Reconnect storm: every worker drops all its sockets at once and reconnects them.
    let cpu_before = server.cpu_secs();
    let started = Instant::now();
    for w in &mut workers {
        w.send("drop").await;
    }
    let mut back = 0;
    for w in &mut workers {
        let (ok, failed, _) = w.expect("back").await;
        back += ok;
        if failed > 0 {
            faults.push(format!("{failed} visitors failed to reconnect in the storm"));
        }
    }
    let storm = started.elapsed().as_secs_f64();
    let cpu = server.cpu_secs() - cpu_before;
    report.add(
        &format!("reconnect storm, {back} visitors"),
        format!("all back in {storm:.2} s (server CPU {cpu:.2} s; the rest is the load generator on the same cores)"),
        "≤ 3 s",
        storm,
    );
    if std::env::var("KEFU_BENCH_QUICK").is_ok() {
        // Only the socket figures (for profiling memory and reconnects).
        report.print_and_save(&root, &faults);
        return;
    }
    // Delivery latency with (up to) 10k idle visitors still connected: quit the workers beyond that.
    let mut idle_kept = 0;
    let mut kept = Vec::new();
    for mut w in workers {
        if idle_kept + w.count <= 10_000 {
            idle_kept += w.count;
            kept.push(w);
        } else {
            w.send("quit").await;
        }
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    // The load phases have no agent to take their chats: the queue must hold them all. (Only now:
    // the admin's sign-in costs an Argon2 hash's memory, which the socket figures above must not
    // include.)
    routing::long_queue(PORT).await;
    let d = delivery(&ws_url, &origin, PORT).await;
    faults.extend(d.faults.iter().cloned());
    for (direction, l) in [("visitor → agent", &d.to_agent), ("agent → visitor", &d.to_visitor)] {
        report.add(
            &format!("delivery {direction} incl. commit ({idle_kept} idle, 1k msg/s, 500 conversations)"),
            format!(
                "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} timed, all delivered once)",
                l.p50, l.p99, l.max, l.count
            ),
            "p99 ≤ 25 ms",
            l.p99,
        );
    }
    let churn = reliable_visitors(&ws_url, &origin, 200, 20, true).await;
    faults.extend(churn.1.iter().cloned());
    report.add(
        "random disconnects during message flow (incl. mid-send)",
        format!("{} disconnects: {} lost, {} duplicated", churn.0, churn.2, churn.3),
        "0 lost, 0 duplicated",
        churn.0 as f64,
    );
    let f = faults::flood(PORT, &ws_url, &origin).await;
    faults.extend(f.faults.iter().cloned());
    report.add(
        &format!("delivery visitor → agent, 100 visitors at 5 msg/s ({idle_kept} idle), no flood"),
        format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", f.quiet.p50, f.quiet.p99, f.quiet.max),
        "p99 ≤ 25 ms",
        f.quiet.p99,
    );
    report.add(
        "the same while one visitor floods messages + typing",
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; flooder sent {} frames, {} refused with an error frame{}",
            f.flooded.p50,
            f.flooded.p99,
            f.flooded.max,
            f.flood_frames,
            f.throttled,
            f.closed.as_deref().map(|r| format!(", then closed: \"{r}\"")).unwrap_or_default()
        ),
        "throttled; p99 ≤ 25 ms",
        f.flooded.p99,
    );
    let slow = faults::slow_agent(PORT, &ws_url, &origin, || server.rss_kb()).await;
    faults.extend(slow.faults.iter().cloned());
    report.add(
        "agent consoles, 100 visitors × 10 msg/s of 2 KB for 5 s: RSS growth with one reading / one never reading",
        format!(
            "+{:.1} MB / +{:.1} MB while {} messages ({:.1} MB) were fanned out to each; the one not reading {}",
            slow.reading_growth_kb as f64 / 1024.0,
            slow.slow_growth_kb as f64 / 1024.0,
            slow.fanned_out,
            slow.bytes as f64 / 1_048_576.0,
            if slow.cut_off {
                format!("was let go after {} of them (outbound queue full)", slow.received)
            } else {
                "was NOT let go".into()
            }
        ),
        "bounded; closed with a reason",
        slow.slow_growth_kb as f64,
    );
    for w in &mut kept {
        w.send("quit").await;
    }
    drop(kept);
    // Let the storm's visitors finish leaving (5 s presence grace, then their last-seen writes), so
    // the throughput figures measure messages, not the departure of 19k visitors.
    tokio::time::sleep(Duration::from_secs(8)).await;

    // Durable messages per second, ack only after commit: capacity, then latency at 5,000 msg/s.
    durable(&ws_url, &origin, "SQLite", &mut report, &mut faults).await;
    server.stop().await;

    // kill -9 under load: 100 visitors sending; the server is killed and restarted on its database.
    let mut server = Server::start(&root, PORT, None).await;
    routing::long_queue(PORT).await;
    let key = server.site_key().await;
    let url = format!("ws://127.0.0.1:{PORT}/api/v1/visitor/ws?v=1&site_key={key}");
    let load = tokio::spawn({
        let (url, origin) = (url.clone(), origin.clone());
        async move { reliable_visitors(&url, &origin, 100, 60, false).await }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restart_ms = server.kill_and_restart().await;
    let (reconnects, kill_faults, lost, duplicated) = load.await.unwrap_or_default();
    faults.extend(kill_faults);
    report.add(
        "kill -9 under load (100 visitors sending), restart on the same database",
        format!("ready again in {restart_ms:.0} ms; {reconnects} reconnects; 6,000 messages: {lost} lost, {duplicated} duplicated"),
        "every acked message there, clients resume",
        (lost + duplicated) as f64,
    );
    server.stop().await;

    // Routing: 1,000 first messages within one second against 20 agents of 50 chats, on a fresh server.
    let server = Server::start(&root, PORT, None).await;
    let key = server.site_key().await;
    let url = format!("ws://127.0.0.1:{PORT}/api/v1/visitor/ws?v=1&site_key={key}");
    let site = routing::long_queue(PORT).await;
    let rush = routing::rush(PORT, &url, &origin, site, 1000).await;
    faults.extend(rush.faults.iter().cloned());
    report.add(
        "routing: 1,000 visitors' first messages within 1 s, 20 agents × 50 chats (SQLite)",
        format!(
            "decision (assigned or queued) p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} assigned, {} queued",
            rush.latency.p50, rush.latency.p99, rush.latency.max, rush.assigned, rush.queued
        ),
        "p99 ≤ 250 ms",
        rush.latency.p99,
    );
    server.stop().await;

    // One address against the default per-address caps, another address meanwhile.
    let defaults = vec![
        ("KEFU_MAX_SOCKETS_PER_IP".to_owned(), "200".to_owned()),
        ("KEFU_NEW_VISITORS_PER_IP_PER_MIN".to_owned(), "60".to_owned()),
    ];
    let server = Server::start_node(&root, PORT, None, defaults).await;
    let key = server.site_key().await;
    let url = format!("ws://127.0.0.1:{PORT}/api/v1/visitor/ws?v=1&site_key={key}");
    let a = faults::address_flood(&url, &origin).await;
    faults.extend(a.faults.iter().cloned());
    report.add(
        "one address floods sockets, then new visitors (default caps 200 / 60 per min)",
        format!(
            "{} sockets held, {} refused (429); {} new visitors, {} refused (429); another address connected meanwhile in {:.1} ms",
            a.sockets_held, a.sockets_refused, a.new_visitors, a.new_refused, a.other_connect_ms
        ),
        "capped with 429; others unaffected",
        a.other_connect_ms,
    );
    server.stop().await;

    // The visitor console on a fresh server: 5,000 visitors moving pages, one console watching.
    let fresh = Server::start(&root, PORT, None).await;
    let key = fresh.site_key().await;
    let url = format!("ws://127.0.0.1:{PORT}/api/v1/visitor/ws?v=1&site_key={key}");
    console::run(PORT, &url, &origin, 5000, &mut report, &mut faults).await;
    fresh.stop().await;

    // Records at 1,000,000 messages, each database on its own fresh server.
    records::run(&root, PORT, None, &mut report, &mut faults).await;
    if let Ok(postgres) = std::env::var("KEFU_BENCH_DATABASE_URL") {
        records::run(&root, PORT, Some(postgres), &mut report, &mut faults).await;
    }

    // Statistics over a year of traffic, each database on its own fresh server.
    stats::run(&root, PORT, None, &mut report, &mut faults).await;
    if let Ok(postgres) = std::env::var("KEFU_BENCH_DATABASE_URL") {
        stats::run(&root, PORT, Some(postgres), &mut report, &mut faults).await;
    }

    if let Ok(url) = std::env::var("KEFU_BENCH_DATABASE_URL") {
        let pg = Server::start(&root, PORT, Some(url)).await;
        routing::long_queue(PORT).await;
        let key = pg.site_key().await;
        let url = format!("ws://127.0.0.1:{PORT}/api/v1/visitor/ws?v=1&site_key={key}");
        durable(&url, &origin, "PostgreSQL", &mut report, &mut faults).await;
        pg.stop().await;
    } else {
        report.add("durable msgs/s, PostgreSQL", "not run: set KEFU_BENCH_DATABASE_URL".into(), "≥ 5,000", 0.0);
    }

    match (std::env::var("KEFU_BENCH_DATABASE_URL"), std::env::var("KEFU_BENCH_REDIS_URL")) {
        (Ok(postgres), Ok(redis)) => {
            cluster::run(&root, &postgres, &redis, max_visitors, &mut report, &mut faults).await;
        }
        _ => report.add(
            "2 nodes (PostgreSQL + Redis)",
            "not run: set KEFU_BENCH_DATABASE_URL and KEFU_BENCH_REDIS_URL".into(),
            "same figures, 2 × 19k sockets",
            0.0,
        ),
    }

    weights(&root, &mut report);
    report.print_and_save(&root, &faults);
    if !faults.is_empty() {
        eprintln!("the server misbehaved:\n- {}", faults.join("\n- "));
        std::process::exit(1);
    }
}

/// The release server, started with a fresh database.
struct Server {
    child: Child,
    ready_ms: f64,
    root: PathBuf,
    port: u16,
    database_url: Option<String>,
    env: Vec<(String, String)>,
    dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the server binary and waits until it answers; returns it with the ms that took.
async fn launch(
    root: &Path,
    port: u16,
    dir: &Path,
    database_url: Option<&str>,
    env: &[(String, String)],
) -> (Child, f64) {
    let mut command = Command::new(root.join("target/release/kefu-server"));
    command
        // The load generator is one address (127.0.0.1) standing in for thousands of visitors; a
        // phase that measures the per-address caps sets them back (its env comes after these).
        .env("KEFU_MAX_SOCKETS_PER_IP", "40000")
        .env("KEFU_NEW_VISITORS_PER_IP_PER_MIN", "1000000")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(root)
        .env("KEFU_ADDR", format!("127.0.0.1:{port}"))
        .env("KEFU_DEMO_ADDR", format!("127.0.0.1:{}", port + 1))
        .env("KEFU_DATA_DIR", dir)
        .env("KEFU_ADMIN_PASSWORD", "bench-password")
        .env("KEFU_MAX_CONNECTIONS", "40000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true);
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let started = Instant::now();
    let child = command.spawn().expect("target/release/kefu-server (run `make build-release`)");
    let client = reqwest::Client::new();
    loop {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (child, started.elapsed().as_secs_f64() * 1000.0)
}

impl Server {
    /// A server on a fresh database: SQLite, or a new database on the PostgreSQL server of the URL.
    async fn start(root: &Path, port: u16, postgres: Option<String>) -> Server {
        let database_url = match postgres {
            Some(url) => Some(fresh_postgres(&url).await),
            None => None,
        };
        Server::start_node(root, port, database_url, Vec::new()).await
    }

    /// A server on the given database (SQLite in its own directory when `None`), with extra settings.
    async fn start_node(root: &Path, port: u16, database_url: Option<String>, env: Vec<(String, String)>) -> Server {
        let dir = std::env::temp_dir().join(format!("kefu-bench-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (child, ready_ms) = launch(root, port, &dir, database_url.as_deref(), &env).await;
        Server { child, ready_ms, root: root.to_owned(), port, database_url, env, dir: TempDir(dir) }
    }

    /// SIGKILL (no shutdown of any kind), then start again on the same database; ms until ready.
    async fn kill_and_restart(&mut self) -> f64 {
        let _ = self.child.kill().await;
        let (child, ms) = launch(&self.root, self.port, &self.dir.0, self.database_url.as_deref(), &self.env).await;
        self.child = child;
        ms
    }

    /// CPU time (user + system) the server has used, in seconds.
    fn cpu_secs(&self) -> f64 {
        let pid = self.child.id().unwrap_or(0);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name (which is in parentheses): utime and stime are 12th and 13th.
        let fields: Vec<&str> =
            stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        let ticks: f64 =
            fields.get(11..13).map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()).unwrap_or(0.0);
        ticks / 100.0
    }

    fn rss_kb(&self) -> u64 {
        let pid = self.child.id().unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// The demo site's key, read from the demo page's snippet.
    async fn site_key(&self) -> String {
        let page = reqwest::get(format!("http://127.0.0.1:{}/", PORT + 1)).await.unwrap().text().await.unwrap();
        let start = page.find("data-site-key=\"").expect("snippet on the demo page") + 15;
        page[start..].split('"').next().unwrap().to_owned()
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A new database on the PostgreSQL server of `url` (which must allow CREATE DATABASE).
async fn fresh_postgres(url: &str) -> String {
    let name = format!("kefu_bench_{}", std::process::id());
    let psql = |sql: String| {
        std::process::Command::new("psql").arg(url).arg("-qc").arg(sql).status().map(|s| s.success()).unwrap_or(false)
    };
    // Earlier runs' databases go (each run leaves its last one, for a look after the run).
    let listed = std::process::Command::new("psql")
        .arg(url)
        .arg("-Atc")
        .arg("SELECT datname FROM pg_database WHERE datname LIKE 'kefu\\_bench\\_%'")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    for old in listed.lines().map(str::trim).filter(|n| !n.is_empty()) {
        psql(format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"));
    }
    assert!(psql(format!("CREATE DATABASE {name}")), "cannot create the benchmark database on {url}");
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    format!("{base}/{name}")
}

/// One client process holding many visitor sockets.
struct Worker {
    count: usize,
    child: Child,
    stdin: ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Worker {
    async fn spawn(url: &str, origin: &str, count: usize) -> Worker {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["worker", url, origin, &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Worker { count, child, stdin, lines }
    }

    async fn send(&mut self, command: &str) {
        let _ = self.stdin.write_all(format!("{command}\n").as_bytes()).await;
    }

    /// Waits for `word ok failed ms`.
    async fn expect(&mut self, word: &str) -> (usize, usize, u64) {
        while let Ok(Some(line)) = self.lines.next_line().await {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if parts.first() == Some(&word) && parts.len() == 4 {
                return (parts[1].parse().unwrap(), parts[2].parse().unwrap(), parts[3].parse().unwrap());
            }
        }
        let _ = self.child.kill().await;
        (0, 0, 0)
    }
}

fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

/// Opens a visitor socket as the widget does and returns it with the visitor's token.
async fn open_visitor(url: &str, origin: &str, token: &str) -> Result<(Ws, String), String> {
    let mut request = format!("{url}&token={token}").into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("origin", origin.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(client_config()), true)
        .await
        .map_err(|e| e.to_string())?;
    let token = loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                if let Ok(ToVisitor::VisitorWelcome { token, .. }) = serde_json::from_str(text.as_str()) {
                    break token;
                }
            }
            Some(Ok(_)) => {}
            _ => return Err("closed before the welcome".into()),
        }
    };
    let page = PageInfo { url: "http://127.0.0.1/bench".into(), title: "Bench".into(), referrer: String::new() };
    ws.send(Message::Text(serde_json::to_string(&FromVisitor::Page { page }).unwrap().into()))
        .await
        .map_err(|e| e.to_string())?;
    Ok((ws, token))
}

/// Once set (the worker's `pages` command), every socket the worker holds moves to another page
/// once a minute, the sockets spread over the minute.
static PAGES: std::sync::LazyLock<tokio::sync::watch::Sender<bool>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(false).0);
static HELD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Keeps a socket alive (answers pings) until it closes or the task is aborted; once [`PAGES`] is
/// set, sends a page view once a minute.
fn hold(mut ws: Ws) -> tokio::task::JoinHandle<()> {
    let mut pages = PAGES.subscribe();
    // Spread over the minute by a stride through it.
    let offset = Duration::from_millis(HELD.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * 7_919 % 60_000);
    tokio::spawn(async move {
        let mut tick: Option<tokio::time::Interval> = None;
        let mut n = 0u64;
        loop {
            tokio::select! {
                frame = ws.next() => if !matches!(frame, Some(Ok(_))) { break },
                changed = pages.changed(), if tick.is_none() => {
                    if changed.is_err() {
                        break;
                    }
                    let start = tokio::time::Instant::now() + offset;
                    tick = Some(tokio::time::interval_at(start, Duration::from_secs(60)));
                }
                _ = async { tick.as_mut().expect("armed").tick().await }, if tick.is_some() => {
                    n += 1;
                    let page = PageInfo {
                        url: format!("http://127.0.0.1/bench/{n}"),
                        title: format!("Bench page {n}"),
                        referrer: "http://127.0.0.1/bench".into(),
                    };
                    if ws.send(text(&FromVisitor::Page { page })).await.is_err() {
                        break;
                    }
                }
            }
        }
    })
}

async fn connect_many(
    url: &str,
    origin: &str,
    tokens: &[String],
    in_flight: usize,
) -> (Vec<String>, Vec<tokio::task::JoinHandle<()>>, usize) {
    let limit = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let tasks: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (url, origin, token, limit) = (url.to_owned(), origin.to_owned(), token.clone(), limit.clone());
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await.unwrap();
                open_visitor(&url, &origin, &token).await
            })
        })
        .collect();
    let (mut kept, mut holders, mut failed) = (Vec::new(), Vec::new(), 0);
    for task in tasks {
        match task.await {
            Ok(Ok((ws, token))) => {
                kept.push(token);
                holders.push(hold(ws));
            }
            _ => failed += 1,
        }
    }
    (kept, holders, failed)
}

async fn worker(url: String, origin: String, count: usize) {
    let started = Instant::now();
    let (mut tokens, mut holders, failed) = connect_many(&url, &origin, &vec![String::new(); count], 256).await;
    println!("ready {} {failed} {}", tokens.len(), started.elapsed().as_millis());
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        match line.trim() {
            "drop" => {
                for h in holders.drain(..) {
                    h.abort();
                }
                let started = Instant::now();
                // All at once, as after a server restart or a network blip.
                let (kept, again, failed) = connect_many(&url, &origin, &tokens, usize::MAX >> 4).await;
                println!("back {} {failed} {}", kept.len(), started.elapsed().as_millis());
                tokens = kept;
                holders = again;
            }
            "pages" => {
                PAGES.send_replace(true);
            }
            _ => break,
        }
    }
}

/// Capacity (500 senders offering 7,500 msg/s) and ack latency at a steady 5,000 msg/s.
async fn durable(url: &str, origin: &str, backend: &str, report: &mut Report, faults: &mut Vec<String>) {
    if backend == "SQLite" {
        let sync = tokio::task::spawn_blocking(disk_sync).await.unwrap();
        report.add(
            "disk: 4 KB append + fdatasync (each SQLite commit waits for one), 500 times",
            format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", sync.p50, sync.p99, sync.max),
            "—",
            sync.p99,
        );
    }
    let capacity = throughput(url, origin, 500, 15.0, Duration::from_secs(10)).await;
    faults.extend(capacity.faults.iter().cloned());
    report.add(
        &format!("durable msgs/s, {backend}, ack after commit (offered 7,500/s)"),
        format!("{:.0} msg/s", capacity.per_sec),
        "≥ 5,000",
        capacity.per_sec,
    );
    // At 5,000 msg/s; on SQLite also at half that, which shows how the latency grows with load.
    let rates: &[f64] = if backend == "SQLite" { &[10.0, 5.0] } else { &[10.0] };
    for &rate in rates {
        let run = throughput(url, origin, 500, rate, Duration::from_secs(10)).await;
        faults.extend(run.faults.iter().cloned());
        report.add(
            &format!("ack latency, {backend}, at {:.0} msg/s offered", rate * 500.0),
            format!(
                "p50 {:.1} ms, p99 {:.1} ms ({:.0} msg/s acked); p99 {:.1} ms counting the first 2 s, in which 500 visitors arrive",
                run.p50, run.p99, run.per_sec, run.p99_all
            ),
            // The issue sets a latency target for SQLite at 5,000 msg/s only.
            if backend == "SQLite" && rate == 10.0 { "p99 ≤ 20 ms" } else { "—" },
            run.p99,
        );
    }
}

/// What one durable commit costs this disk at least: append a page to a file and wait for it to be
/// on disk, as SQLite does to its WAL at every commit (`synchronous=FULL`). Same filesystem as the
/// server's database (the temp directory).
fn disk_sync() -> Latency {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("kefu-bench-fsync-{}", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("a file in the temp directory");
    let page = [0x5au8; 4096];
    let mut samples = Vec::with_capacity(500);
    for _ in 0..500 {
        let started = Instant::now();
        file.write_all(&page).unwrap();
        file.sync_data().unwrap();
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    Latency::of(samples)
}

struct Throughput {
    per_sec: f64,
    /// Acks of messages sent once every sender is connected and has its conversation (from
    /// `WARM_UP` on): latency at the offered rate.
    p50: f64,
    p99: f64,
    /// p99 over the whole run, including the first seconds in which all senders connect and each
    /// opens a conversation.
    p99_all: f64,
    faults: Vec<String>,
}

/// The start of a throughput run in which its senders arrive; see [`Throughput::p50`].
const WARM_UP: Duration = Duration::from_secs(2);

/// `senders` visitors each send up to `rate` messages a second (the server allows 20 frames/s per
/// connection), each waiting for its ack, for `duration`. Every ack must carry the next sequence
/// number of that visitor's conversation. Latencies leave out each sender's first message, which also
/// opens its conversation.
async fn throughput(url: &str, origin: &str, senders: usize, rate: f64, duration: Duration) -> Throughput {
    let mut tasks = Vec::new();
    let began = Instant::now();
    let deadline = began + duration;
    for s in 0..senders {
        let (url, origin) = (url.to_owned(), origin.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut ws, _) = open_visitor(&url, &origin, "").await?;
            let mut latencies = Vec::new();
            let mut seq = 0;
            // Senders are spread evenly over one interval, as independent visitors are: without it
            // the 500 sockets, opened within a few ms, send in lockstep bursts of 500 every interval
            // and the figure measures the burst, not the rate.
            let start = Instant::now() + Duration::from_secs_f64(s as f64 / senders as f64 / rate);
            while Instant::now() < deadline {
                let slot = start + Duration::from_secs_f64(seq as f64 / rate);
                tokio::time::sleep_until(slot.into()).await;
                let id = format!("b{s}-{seq}");
                let frame = FromVisitor::Send {
                    conversation_id: None,
                    client_msg_id: id.clone(),
                    body: format!("load message {seq}"),
                    file: None,
                };
                let sent = Instant::now();
                ws.send(Message::Text(serde_json::to_string(&frame).unwrap().into()))
                    .await
                    .map_err(|e| e.to_string())?;
                loop {
                    let Some(Ok(message)) = ws.next().await else { return Err("socket closed".to_owned()) };
                    let Message::Text(text) = message else { continue };
                    match serde_json::from_str::<ToVisitor>(text.as_str()) {
                        Ok(ToVisitor::Ack { client_msg_id, message }) if client_msg_id == id => {
                            seq += 1;
                            if message.seq != seq {
                                return Err(format!("sender {s}: ack seq {} where {seq} was due", message.seq));
                            }
                            break;
                        }
                        Ok(ToVisitor::Error { error, .. }) => return Err(format!("sender {s}: {error}")),
                        _ => {}
                    }
                }
                if seq > 1 {
                    latencies.push((sent.elapsed().as_secs_f64() * 1000.0, sent >= began + WARM_UP));
                }
            }
            Ok::<_, String>(latencies)
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    let mut faults = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(latencies)) => all.extend(latencies),
            Ok(Err(e)) => faults.push(e),
            Err(e) => faults.push(e.to_string()),
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(duration.as_secs_f64());
    let acked = all.len() + senders;
    let steady = Latency::of(all.iter().filter(|(_, warm)| *warm).map(|(ms, _)| *ms).collect());
    let whole = Latency::of(all.into_iter().map(|(ms, _)| ms).collect());
    Throughput { per_sec: acked as f64 / elapsed, p50: steady.p50, p99: steady.p99, p99_all: whole.p99, faults }
}

fn weights(root: &Path, report: &mut Report) {
    let sizes = |files: &[&str]| -> (usize, usize, usize) {
        let mut total = (0, 0, 0);
        for file in files {
            let bytes = std::fs::read(root.join(file)).unwrap_or_default();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            std::io::Write::write_all(&mut gz, &bytes).unwrap();
            let gz = gz.finish().unwrap().len();
            let mut br = Vec::new();
            brotli::BrotliCompress(
                &mut &bytes[..],
                &mut br,
                &brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() },
            )
            .unwrap();
            total = (total.0 + bytes.len(), total.1 + gz, total.2 + br.len());
        }
        total
    };
    let kb = |n: usize| n as f64 / 1024.0;
    let (raw, gz, br) = sizes(&["target/widget/loader.js"]);
    report.add("widget loader", format!("{raw} B raw / {gz} B gzip / {br} B brotli"), "≤ 3 KB gzip", gz as f64);
    // The widget's own JS snippets (wasm-bindgen writes them beside the module), and the texts of
    // the heaviest language a page may fetch beside it (English is built in).
    let mut files: Vec<String> =
        ["target/widget/loader.js", "target/widget/kefu_widget.js", "target/widget/kefu_widget_bg.wasm"]
            .map(String::from)
            .to_vec();
    let snippets = root.join("target/widget/snippets");
    for dir in std::fs::read_dir(&snippets).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            files.push(file.path().strip_prefix(root).unwrap_or(&file.path()).to_string_lossy().into_owned());
        }
    }
    let texts_dir = std::env::temp_dir().join(format!("kefu-bench-texts-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&texts_dir);
    let mut heaviest = (0, String::new());
    for lang in [Lang::ZhCn, Lang::ZhTw, Lang::Ja, Lang::Ko] {
        let path = texts_dir.join(format!("{}.json", lang.tag()));
        let _ = std::fs::write(&path, kefu_protocol::widget_text::json(lang));
        let (_, gz, _) = sizes(&[path.to_string_lossy().as_ref()]);
        if gz > heaviest.0 {
            heaviest = (gz, path.to_string_lossy().into_owned());
        }
    }
    files.push(heaviest.1);
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let (raw, gz, br) = sizes(&names);
    let _ = std::fs::remove_dir_all(&texts_dir);
    report.add(
        "widget on open (loader + JS + WASM + the heaviest language's texts; CSS is inside)",
        format!("{:.1} KB raw / {:.1} KB gzip / {:.1} KB brotli", kb(raw), kb(gz), kb(br)),
        "≤ 80 KB gzip",
        gz as f64,
    );
    let (raw, gz, br) = sizes(&["target/site/pkg/kefu.js", "target/site/pkg/kefu.wasm", "target/site/pkg/kefu.css"]);
    report.add(
        "workbench first load (JS + WASM + CSS)",
        format!("{:.1} KB raw / {:.1} KB gzip / {:.1} KB brotli", kb(raw), kb(gz), kb(br)),
        "—",
        gz as f64,
    );
    // The admin pages are lazy routes (`cargo leptos build --split`): chunks fetched on first use.
    let mut chunks: Vec<String> = std::fs::read_dir(root.join("target/site/pkg"))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .filter(|name| name.starts_with("split_") || name.starts_with("__wasm_split."))
                .map(|name| format!("target/site/pkg/{name}"))
                .collect()
        })
        .unwrap_or_default();
    chunks.sort();
    let chunk_files: Vec<&str> = chunks.iter().map(String::as_str).collect();
    let (raw, gz, br) = sizes(&chunk_files[..]);
    report.add(
        "workbench admin pages, loaded when first opened (lazy WASM chunks + loader)",
        format!("{} files: {:.1} KB raw / {:.1} KB gzip / {:.1} KB brotli", chunks.len(), kb(raw), kb(gz), kb(br)),
        "—",
        gz as f64,
    );
}

#[derive(Default)]
struct Report {
    rows: Vec<(String, String, String, f64)>,
}

impl Report {
    fn add(&mut self, figure: &str, measured: String, target: &str, value: f64) {
        println!("{figure}: {measured}");
        self.rows.push((figure.to_owned(), measured, target.to_owned(), value));
    }

    fn print_and_save(&self, root: &Path, faults: &[String]) {
        println!("\n| figure | measured | target |\n|---|---|---|");
        for (figure, measured, target, _) in &self.rows {
            println!("| {figure} | {measured} | {target} |");
        }
        let machine = format!(
            "{} cores, {} MB RAM",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|m| m.lines().next()?.split_whitespace().nth(1)?.parse::<u64>().ok())
                .unwrap_or(0)
                / 1024
        );
        let rows: Vec<BTreeMap<&str, serde_json::Value>> = self
            .rows
            .iter()
            .map(|(f, m, t, v)| {
                BTreeMap::from([
                    ("figure", f.as_str().into()),
                    ("measured", m.as_str().into()),
                    ("target", t.as_str().into()),
                    ("value", (*v).into()),
                ])
            })
            .collect();
        let json = serde_json::json!({ "machine": machine, "figures": rows, "faults": faults });
        let dir = root.join("bench-results");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("latest.json"), serde_json::to_string_pretty(&json).unwrap());
        println!("\nmachine: {machine}; written to bench-results/latest.json");
    }
}

#[derive(Default)]
struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
    count: usize,
}

impl Latency {
    fn of(mut samples: Vec<f64>) -> Latency {
        samples.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            samples
                .get(((samples.len() as f64 * p) as usize).min(samples.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        Latency { p50: pct(0.5), p99: pct(0.99), max: samples.last().copied().unwrap_or(0.0), count: samples.len() }
    }
}

struct Delivery {
    to_agent: Latency,
    to_visitor: Latency,
    faults: Vec<String>,
}

/// Times from a sender's send to the receiver's frame, by client message id.
#[derive(Default)]
struct Clock {
    sent: std::collections::HashMap<String, Instant>,
    samples: Vec<f64>,
    seen: std::collections::HashSet<String>,
    duplicates: usize,
}

impl Clock {
    fn received(&mut self, id: &str) {
        if !self.seen.insert(id.to_owned()) {
            self.duplicates += 1;
        } else if let Some(at) = self.sent.get(id) {
            self.samples.push(at.elapsed().as_secs_f64() * 1000.0);
        }
    }
}

/// Signs in as the demo admin on the server at `port`; returns the `Cookie` header value.
async fn agent_cookie(port: u16) -> String {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/login"))
        .form(&[("company", "demo"), ("login", "admin"), ("password", "bench-password")])
        .send()
        .await
        .expect("login");
    let cookie = response.headers().get("set-cookie").expect("session cookie").to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// A frame the benchmark sends, on either socket.
trait Outgoing {
    fn to_json(&self) -> String;
}

impl Outgoing for FromVisitor {
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap()
    }
}

impl Outgoing for FromAgent {
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap()
    }
}

fn text(frame: &impl Outgoing) -> Message {
    Message::Text(frame.to_json().into())
}

/// 500 visitors send 2 msg/s each for 10 s (timed at an agent), then 10 agent sockets send 100 msg/s
/// each across the 500 conversations for 10 s (timed at the visitors). Every message must arrive
/// exactly once.
async fn delivery(url: &str, origin: &str, agent_port: u16) -> Delivery {
    use std::sync::Mutex;
    let to_agent = Arc::new(Mutex::new(Clock::default()));
    let to_visitor = Arc::new(Mutex::new(Clock::default()));
    let conversations = Arc::new(Mutex::new(Vec::new()));
    let mut faults = Vec::new();

    let mut agent_sinks = Vec::new();
    for a in 0..10 {
        let (sink, mut stream) = faults::agent_socket_on(agent_port).await.split();
        agent_sinks.push(sink);
        let (clock, conversations) = (to_agent.clone(), conversations.clone());
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(t) = message else { continue };
                if a != 0 {
                    continue; // the others only drain their copy of the fan-out
                }
                match serde_json::from_str::<ToAgent>(t.as_str()) {
                    Ok(ToAgent::Message { message }) if message.sender == kefu_protocol::SenderKind::Visitor => {
                        clock.lock().unwrap().received(&message.client_msg_id)
                    }
                    Ok(ToAgent::Conversation { conversation }) => conversations.lock().unwrap().push(conversation.id),
                    _ => {}
                }
            }
        });
    }
    let mut visitor_sinks = Vec::new();
    for _ in 0..500 {
        let (ws, _) = match open_visitor(url, origin, "").await {
            Ok(v) => v,
            Err(e) => {
                faults.push(format!("latency visitor failed to connect: {e}"));
                continue;
            }
        };
        let (sink, mut stream) = ws.split();
        visitor_sinks.push(sink);
        let clock = to_visitor.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(t) = message else { continue };
                if let Ok(ToVisitor::Message { message }) = serde_json::from_str::<ToVisitor>(t.as_str()) {
                    clock.lock().unwrap().received(&message.client_msg_id);
                }
            }
        });
    }

    // Visitors → agent: 2 msg/s each, spread over the half second.
    let visitors = visitor_sinks.len();
    let start = Instant::now();
    let senders: Vec<_> = visitor_sinks
        .into_iter()
        .enumerate()
        .map(|(v, mut sink)| {
            let clock = to_agent.clone();
            tokio::spawn(async move {
                for i in 0..20u32 {
                    let at = start + Duration::from_millis(i as u64 * 500 + v as u64);
                    tokio::time::sleep_until(at.into()).await;
                    let id = format!("la{v}-{i}");
                    let frame = FromVisitor::Send {
                        conversation_id: None,
                        client_msg_id: id.clone(),
                        body: "latency".into(),
                        file: None,
                    };
                    // The first message also opens the conversation: counted, not timed.
                    if i > 0 {
                        clock.lock().unwrap().sent.insert(id, Instant::now());
                    }
                    if sink.send(text(&frame)).await.is_err() {
                        break;
                    }
                }
                sink
            })
        })
        .collect();
    let mut visitor_sinks = Vec::new();
    for s in senders {
        visitor_sinks.extend(s.await.ok());
    }
    let expected = visitors * 20;
    wait_for(|| to_agent.lock().unwrap().seen.len() >= expected).await;

    // Agents → visitors: 10 sockets × 100 msg/s over the conversations opened above.
    let targets = conversations.lock().unwrap().clone();
    let start = Instant::now();
    let senders: Vec<_> = agent_sinks
        .into_iter()
        .enumerate()
        .map(|(a, mut sink)| {
            let (clock, targets) = (to_visitor.clone(), targets.clone());
            tokio::spawn(async move {
                for i in 0..1000u64 {
                    let at = start + Duration::from_micros(i * 10_000 + a as u64 * 1000);
                    tokio::time::sleep_until(at.into()).await;
                    let Some(&conversation) = targets.get((i as usize * 10 + a) % targets.len().max(1)) else { break };
                    let id = format!("lb{a}-{i}");
                    let frame = FromAgent::Send {
                        conversation_id: conversation,
                        client_msg_id: id.clone(),
                        body: "reply".into(),
                        file: None,
                    };
                    clock.lock().unwrap().sent.insert(id, Instant::now());
                    if sink.send(text(&frame)).await.is_err() {
                        break;
                    }
                }
                sink
            })
        })
        .collect();
    let mut agent_sinks = Vec::new();
    for s in senders {
        agent_sinks.extend(s.await.ok());
    }
    wait_for(|| to_visitor.lock().unwrap().seen.len() >= 10_000).await;

    let (a, v) = (std::mem::take(&mut *to_agent.lock().unwrap()), std::mem::take(&mut *to_visitor.lock().unwrap()));
    if a.seen.len() != expected || a.duplicates > 0 {
        faults.push(format!("visitor → agent: {} of {expected} delivered, {} duplicated", a.seen.len(), a.duplicates));
    }
    if v.seen.len() != 10_000 || v.duplicates > 0 {
        faults.push(format!("agent → visitor: {} of 10000 delivered, {} duplicated", v.seen.len(), v.duplicates));
    }
    for mut sink in visitor_sinks.into_iter().chain(agent_sinks) {
        let _ = sink.close().await;
    }
    Delivery { to_agent: Latency::of(a.samples), to_visitor: Latency::of(v.samples), faults }
}

/// Polls until `done` or 20 s pass (then the caller reports what is missing).
async fn wait_for(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Connects a returning visitor, retrying while the server is away (up to 30 s).
async fn reconnect(url: &str, origin: &str, token: &str) -> Result<Ws, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match open_visitor(url, origin, token).await {
            Ok((ws, _)) => return Ok(ws),
            Err(e) if Instant::now() > deadline => return Err(format!("could not reconnect: {e}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// One visitor sending `count` messages as the widget does: every message stays pending until its
/// ack; a lost socket is reconnected with the visitor's token and the pending message resent under
/// the same client id. With `random_drops` it also drops its socket itself at random (before a send,
/// or after a send and before its ack). Checks every ack's sequence, and at the end that the
/// conversation is exactly its messages in order. Returns (disconnects, lost, duplicated).
async fn reliable_visitor(
    url: String,
    origin: String,
    v: usize,
    count: usize,
    random_drops: bool,
) -> Result<(usize, usize, usize), String> {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (v as u64 + 1);
    let mut coin = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        random_drops && rng.is_multiple_of(4)
    };
    let (mut ws, token) = open_visitor(&url, &origin, "").await?;
    let mut disconnects = 0;
    let mut conversation = None;
    for i in 0..count {
        // Under the 20 frames/s a visitor may send.
        tokio::time::sleep(Duration::from_millis(60)).await;
        let id = format!("r{v}-{i}");
        let frame = FromVisitor::Send {
            conversation_id: None,
            client_msg_id: id.clone(),
            body: format!("reliable {i}"),
            file: None,
        };
        if coin() {
            ws = reconnect(&url, &origin, &token).await?;
            disconnects += 1;
        }
        let mut sent = ws.send(text(&frame)).await.is_ok();
        if coin() {
            // Gone mid-send: the server may or may not have committed it.
            ws = reconnect(&url, &origin, &token).await?;
            disconnects += 1;
            sent = false;
        }
        loop {
            if !sent {
                sent = ws.send(text(&frame)).await.is_ok();
            }
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    if let Ok(ToVisitor::Ack { client_msg_id, message }) = serde_json::from_str::<ToVisitor>(t.as_str())
                    {
                        if client_msg_id == id {
                            if message.seq != i as i64 + 1 {
                                return Err(format!("visitor {v}: message {i} got seq {}", message.seq));
                            }
                            conversation = Some(message.conversation_id);
                            break;
                        }
                    }
                }
                Some(Ok(_)) => {}
                _ => {
                    ws = reconnect(&url, &origin, &token).await?;
                    disconnects += 1;
                    sent = false;
                }
            }
        }
    }
    let conversation = conversation.ok_or("no conversation")?;
    ws.send(text(&FromVisitor::Sync { conversation_id: conversation, after_seq: 0 }))
        .await
        .map_err(|e| e.to_string())?;
    let bodies = loop {
        let Some(Ok(Message::Text(t))) = ws.next().await else { return Err(format!("visitor {v}: socket lost")) };
        if let Ok(ToVisitor::Messages { messages, .. }) = serde_json::from_str::<ToVisitor>(t.as_str()) {
            break messages.into_iter().map(|m| m.body).collect::<Vec<_>>();
        }
    };
    let expected: Vec<String> = (0..count).map(|i| format!("reliable {i}")).collect();
    let lost = expected.iter().filter(|b| !bodies.contains(b)).count();
    let duplicated = (bodies.len() + lost).saturating_sub(expected.len());
    if bodies != expected && lost + duplicated == 0 {
        return Err(format!("visitor {v}: messages out of order"));
    }
    Ok((disconnects, lost, duplicated))
}

/// Runs reliable visitors to completion; returns (disconnects, faults, lost, duplicated).
async fn reliable_visitors(
    url: &str,
    origin: &str,
    visitors: usize,
    count: usize,
    random_drops: bool,
) -> (usize, Vec<String>, usize, usize) {
    let tasks: Vec<_> = (0..visitors)
        .map(|v| tokio::spawn(reliable_visitor(url.to_owned(), origin.to_owned(), v, count, random_drops)))
        .collect();
    let (mut disconnects, mut faults, mut lost, mut duplicated) = (0, Vec::new(), 0, 0);
    for task in tasks {
        match task.await {
            Ok(Ok((d, l, dup))) => {
                disconnects += d;
                lost += l;
                duplicated += dup;
            }
            Ok(Err(e)) => faults.push(e),
            Err(e) => faults.push(e.to_string()),
        }
    }
    if lost + duplicated > 0 {
        faults.push(format!("{lost} messages lost, {duplicated} duplicated"));
    }
    (disconnects, faults, lost, duplicated)
}
