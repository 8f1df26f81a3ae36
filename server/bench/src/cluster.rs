//! Two-node mode (run by `make bench` when `KEFU_BENCH_DATABASE_URL` and `KEFU_BENCH_REDIS_URL` are
//! set): two server processes on one PostgreSQL database and one Redis, each holding up to 19k
//! visitor sockets; the same figures as one node, with agents on the other node than their visitors.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{delivery, fresh_postgres, throughput, Report, Server, Worker, PER_WORKER, PORT};

/// Node B listens here (its demo site one above).
const PORT_B: u16 = PORT + 10;

pub async fn run(
    root: &Path,
    postgres: &str,
    redis: &str,
    per_node: usize,
    report: &mut Report,
    faults: &mut Vec<String>,
) {
    let database = fresh_postgres(postgres).await;
    let env = vec![
        ("REDIS_URL".to_owned(), redis.to_owned()),
        ("KEFU_CLUSTER_NAME".to_owned(), format!("kefu-bench-{}", std::process::id())),
    ];
    let a = Server::start_node(root, PORT, Some(database.clone()), env.clone()).await;
    let b = Server::start_node(root, PORT_B, Some(database), env).await;
    let nodes = [(&a, PORT), (&b, PORT_B)];
    report.add(
        "2 nodes: time from start to ready (each)",
        format!("{:.0} ms, {:.0} ms", a.ready_ms, b.ready_ms),
        "—",
        a.ready_ms.max(b.ready_ms),
    );
    let idle = [a.rss_kb(), b.rss_kb()];
    // The load has no agent to take its chats: the shared site's queue must hold them all.
    super::routing::long_queue(PORT).await;
    // The site (and its allowed origin) was created by the first node: its demo origin serves both.
    let site_key = a.site_key().await;
    let origin = format!("http://127.0.0.1:{}", PORT + 1);
    let url = |port: u16| format!("ws://127.0.0.1:{port}/api/v1/visitor/ws?v=1&site_key={site_key}");

    let mut workers: Vec<(usize, Worker)> = Vec::new();
    for (n, (_, port)) in nodes.iter().enumerate() {
        let mut held = 0;
        while held < per_node {
            let count = (per_node - held).min(PER_WORKER);
            let mut w = Worker::spawn(&url(*port), &origin, count).await;
            let (ok, failed, ms) = w.expect("ready").await;
            println!("  worker on node {}: {ok} visitors connected in {ms} ms ({failed} failed)", n + 1);
            if failed > 0 {
                faults.push(format!("2 nodes: {failed} visitor connections failed"));
            }
            held += count;
            workers.push((n, w));
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (n, (server, _)) in nodes.iter().enumerate() {
        let rss = server.rss_kb();
        let per = rss.saturating_sub(idle[n]) as f64 / per_node as f64;
        report.add(
            &format!("2 nodes: node {} RSS with {per_node} idle visitor sockets", n + 1),
            format!("{:.1} MB ({per:.1} KB per socket; {:.1} MB idle)", rss as f64 / 1024.0, idle[n] as f64 / 1024.0),
            "≤ 200 MB, ≤ 8 KB/socket",
            per,
        );
    }

    let cpu_before = a.cpu_secs() + b.cpu_secs();
    let started = Instant::now();
    for (_, w) in &mut workers {
        w.send("drop").await;
    }
    let mut back = 0;
    for (_, w) in &mut workers {
        let (ok, failed, _) = w.expect("back").await;
        back += ok;
        if failed > 0 {
            faults.push(format!("2 nodes: {failed} visitors failed to reconnect in the storm"));
        }
    }
    let storm = started.elapsed().as_secs_f64();
    let cpu = a.cpu_secs() + b.cpu_secs() - cpu_before;
    report.add(
        &format!("2 nodes: reconnect storm, {back} visitors"),
        format!("all back in {storm:.2} s (both servers' CPU {cpu:.2} s)"),
        "≤ 3 s (per 19k)",
        storm,
    );

    // Up to 10k idle visitors stay (on both nodes); visitors on node A, agents on node B.
    let mut idle_kept = 0;
    for (_, mut w) in workers {
        if idle_kept + w.count <= 10_000 {
            idle_kept += w.count;
            tokio::spawn(async move {
                // Held until the benchmark ends.
                let _ = w.child.wait().await;
            });
        } else {
            w.send("quit").await;
        }
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    let d = delivery(&url(PORT), &origin, PORT_B).await;
    faults.extend(d.faults.iter().map(|f| format!("2 nodes: {f}")));
    for (direction, l) in [("visitor on A → agent on B", &d.to_agent), ("agent on B → visitor on A", &d.to_visitor)]
    {
        report.add(
            &format!("2 nodes: delivery {direction} incl. commit ({idle_kept} idle, 1k msg/s)"),
            format!(
                "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} timed, all delivered once)",
                l.p50, l.p99, l.max, l.count
            ),
            "p99 ≤ 25 ms",
            l.p99,
        );
    }

    // Durable messages per second with half of the senders on each node.
    let (url_a, url_b) = (url(PORT), url(PORT_B));
    let (on_a, on_b) = tokio::join!(
        throughput(&url_a, &origin, 250, 15.0, Duration::from_secs(10)),
        throughput(&url_b, &origin, 250, 15.0, Duration::from_secs(10)),
    );
    for t in [&on_a, &on_b] {
        faults.extend(t.faults.iter().map(|f| format!("2 nodes: {f}")));
    }
    report.add(
        "2 nodes: durable msgs/s, PostgreSQL, ack after commit (offered 7,500/s over both)",
        format!(
            "{:.0} msg/s (node 1 {:.0}, p99 {:.1} ms; node 2 {:.0}, p99 {:.1} ms)",
            on_a.per_sec + on_b.per_sec,
            on_a.per_sec,
            on_a.p99,
            on_b.per_sec,
            on_b.p99
        ),
        "≥ 5,000",
        on_a.per_sec + on_b.per_sec,
    );
    a.stop().await;
    b.stop().await;
}
