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
        format!(
            "snapshot of 100 rows: {:.1} KB, {snapshot_ms:.0} ms from connecting (server side)",
            snapshot_bytes as f64 / 1024.0
        ),
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
    // The same page in a real browser, while the pages keep changing.
    match browser_render(port).await {
        Ok((first_ms, long_ms, rows)) => report.add(
            &format!("the console in Chromium with {held} visitors online"),
            format!(
                "first render of {rows} rows {first_ms:.0} ms from navigation, assets cached by sign-in (load, hydrate, socket, snapshot, \
                 rows); main thread in long tasks {long_ms:.0} ms per 10 s of updates"
            ),
            "—",
            first_ms,
        ),
        Err(fault) => faults.push(format!("the console's browser render: {fault}")),
    }
    for mut w in workers {
        w.send("quit").await;
    }
}

/// Runs `end2end/bench/console-render.mjs` (Playwright with the system's Chromium) against the
/// server: (first render ms, long-task ms per 10 s, rows shown).
async fn browser_render(port: u16) -> Result<(f64, f64, u64), String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../end2end/bench/console-render.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("bench-password")
        .arg("100")
        .output()
        .await
        .map_err(|e| format!("node did not start: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).ok_or_else(|| {
        format!("no result (exit {:?}): {}", output.status.code(), String::from_utf8_lossy(&output.stderr))
    })?;
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))?;
    let number = |key: &str| value[key].as_f64().ok_or_else(|| format!("no {key} in {line}"));
    Ok((number("first_render_ms")?, number("long_task_ms_per_10s")?, number("rows")? as u64))
}
