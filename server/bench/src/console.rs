//! The visitor console under load (issue 12): what one agent console receives while 5,000 visitors
//! each move to another page once a minute, and what its first page costs to send.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

use super::{faults, Report, Worker, PER_WORKER};

/// Connects `visitors` (in worker processes), opens one agent console and measures, over a minute
/// in which every visitor changes page once, the bytes and frames the console receives.
pub async fn run(port: u16, url: &str, origin: &str, visitors: usize, report: &mut Report, faults: &mut Vec<String>) {
    let mut workers = Vec::new();
    let mut held = 0;
    while held < visitors {
        let n = (visitors - held).min(PER_WORKER);
        let mut w = Worker::spawn(url, origin, n).await;
        let (ok, failed, _) = w.expect("ready").await;
        if failed > 0 {
            faults.push(format!("{failed} visitor connections failed (console bench)"));
        }
        held += ok;
        workers.push(w);
    }
    // The console's first page: the snapshot after connecting, timed to its arrival.
    let started = Instant::now();
    let mut console = faults::agent_socket_on(port).await;
    let mut first = None;
    while first.is_none() {
        match console.next().await {
            Some(Ok(Message::Text(text))) if text.as_str().starts_with("{\"snapshot\"") => {
                first = Some((started.elapsed().as_secs_f64() * 1000.0, text.len()));
            }
            Some(Ok(_)) => {}
            _ => {
                faults.push("the console closed before its snapshot".into());
                return;
            }
        }
    }
    let (snapshot_ms, snapshot_bytes) = first.unwrap_or_default();
    report.add(
        &format!("console's first page with {held} visitors online"),
        format!("snapshot of 100 rows: {:.1} KB, {snapshot_ms:.0} ms from connecting (server side; the browser's render is not timed here)", snapshot_bytes as f64 / 1024.0),
        "—",
        snapshot_ms,
    );
    // Every visitor changes page once a minute, spread over the minute.
    for w in &mut workers {
        w.send("pages").await;
    }
    let window = Duration::from_secs(60);
    let (mut bytes, mut frames, mut pages) = (0usize, 0usize, 0usize);
    let until = Instant::now() + window;
    while let Ok(next) = tokio::time::timeout_at(until.into(), console.next()).await {
        match next {
            Some(Ok(Message::Text(text))) => {
                bytes += text.len();
                frames += 1;
                pages += usize::from(text.as_str().starts_with("{\"visitor_page\""));
            }
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    let secs = window.as_secs_f64();
    report.add(
        &format!("one console, {held} visitors changing pages once a minute"),
        format!(
            "{:.1} KB/s ({:.0} frames/s, {pages} page changes in {secs:.0} s, {:.0} bytes each)",
            bytes as f64 / 1024.0 / secs,
            frames as f64 / secs,
            bytes as f64 / frames.max(1) as f64
        ),
        "—",
        bytes as f64 / secs,
    );
    for mut w in workers {
        w.send("quit").await;
    }
}
