//! Abuse the server the way the internet does, and measure that others do not pay for it:
//! a visitor flooding messages and typing events, and an agent console that stops reading.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_protocol::{ApiError, FromVisitor, SenderKind, ToAgent, ToVisitor};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{agent_cookie, open_visitor, text, wait_for, Clock, Latency};

pub struct Flood {
    pub quiet: Latency,
    pub flooded: Latency,
    /// Frames the flooder sent, and how many were refused with a "too many" error frame.
    pub flood_frames: usize,
    pub throttled: usize,
    /// Why the server closed the flooder's connection, if it did.
    pub closed: Option<String>,
    pub faults: Vec<String>,
}

const VISITORS: usize = 100;
const PER_VISITOR: usize = 20;

/// 100 visitors send 5 msg/s each for 4 s, timed at an agent; once alone, once while another visitor
/// sends messages and typing events as fast as its socket takes them.
pub async fn flood(port: u16, url: &str, origin: &str) -> Flood {
    let mut faults = Vec::new();
    let clock = Arc::new(Mutex::new(Clock::default()));
    let (_agent_sink, mut agent_stream) = agent_socket_on(port).await.split();
    let reader = tokio::spawn({
        let clock = clock.clone();
        async move {
            while let Some(Ok(Message::Text(t))) = agent_stream.next().await {
                if let Ok(ToAgent::Message { message }) = serde_json::from_str::<ToAgent>(t.as_str()) {
                    if message.sender == SenderKind::Visitor && !message.client_msg_id.starts_with("fl") {
                        clock.lock().unwrap().received(&message.client_msg_id);
                    }
                }
            }
        }
    });
    let mut sinks = Vec::new();
    for _ in 0..VISITORS {
        match open_visitor(url, origin, "").await {
            Ok((ws, _)) => {
                let (sink, mut stream) = ws.split();
                tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
                sinks.push(sink);
            }
            Err(e) => faults.push(format!("flood: a visitor failed to connect: {e}")),
        }
    }

    let mut rounds = Vec::new();
    let (mut flood_frames, mut throttled, mut closed) = (0, 0, None);
    for (tag, with_flood) in [("q", false), ("f", true)] {
        let stop = Arc::new(AtomicBool::new(false));
        let flooder = with_flood.then(|| tokio::spawn(flooder(url.to_owned(), origin.to_owned(), stop.clone())));
        let start = Instant::now() + Duration::from_millis(200);
        let senders: Vec<_> = sinks
            .drain(..)
            .enumerate()
            .map(|(v, mut sink)| {
                let clock = clock.clone();
                tokio::spawn(async move {
                    for i in 0..PER_VISITOR {
                        let at = start + Duration::from_millis(i as u64 * 200 + v as u64 * 2);
                        tokio::time::sleep_until(at.into()).await;
                        let id = format!("{tag}{v}-{i}");
                        let frame = FromVisitor::Send {
                            conversation_id: None,
                            client_msg_id: id.clone(),
                            body: "hi".into(),
                            file: None,
                        };
                        // The first message of the quiet round opens the conversation: not timed.
                        if tag != "q" || i > 0 {
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
        for s in senders {
            sinks.extend(s.await.ok());
        }
        let expected = sinks.len() * PER_VISITOR;
        wait_for(|| clock.lock().unwrap().seen.len() >= expected).await;
        stop.store(true, Ordering::Relaxed);
        if let Some(flooder) = flooder {
            match flooder.await {
                Ok(Ok((sent, refused, reason))) => (flood_frames, throttled, closed) = (sent, refused, reason),
                Ok(Err(e)) => faults.push(format!("flooder: {e}")),
                Err(e) => faults.push(format!("flooder: {e}")),
            }
        }
        let round = std::mem::take(&mut *clock.lock().unwrap());
        if round.seen.len() != expected || round.duplicates > 0 {
            faults.push(format!(
                "flood round {tag}: {} of {expected} delivered, {} duplicated",
                round.seen.len(),
                round.duplicates
            ));
        }
        rounds.push(Latency::of(round.samples));
    }
    reader.abort();
    let flooded = rounds.pop().unwrap_or_default();
    let quiet = rounds.pop().unwrap_or_default();
    Flood { quiet, flooded, flood_frames, throttled, closed, faults }
}

/// Sends a message and a typing event, again and again, until told to stop or cut off; returns the
/// frames sent, the "too many" error frames received and the close reason, if the server closed.
async fn flooder(url: String, origin: String, stop: Arc<AtomicBool>) -> Result<(usize, usize, Option<String>), String> {
    let (ws, _) = open_visitor(&url, &origin, "").await?;
    let (mut sink, mut stream) = ws.split();
    let refused = Arc::new(AtomicUsize::new(0));
    let counter = tokio::spawn({
        let refused = refused.clone();
        async move {
            while let Some(Ok(message)) = stream.next().await {
                match message {
                    Message::Text(t) => {
                        if let Ok(ToVisitor::Error { error: ApiError::TooMany { .. }, .. }) =
                            serde_json::from_str(t.as_str())
                        {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Message::Close(frame) => return frame.map(|f| f.reason.to_string()),
                    _ => {}
                }
            }
            None
        }
    });
    let mut sent = 0;
    while !stop.load(Ordering::Relaxed) {
        let frame = if sent % 2 == 0 {
            FromVisitor::Send {
                conversation_id: None,
                client_msg_id: format!("fl-{sent}"),
                body: "spam".into(),
                file: None,
            }
        } else {
            FromVisitor::Typing { conversation_id: None, active: true }
        };
        if sink.send(text(&frame)).await.is_err() {
            // Cut off by the server (its error frames outran its reading): that is throttling too.
            break;
        }
        sent += 1;
        if sent % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    // Let the last error frames arrive before counting.
    let closed = tokio::time::timeout(Duration::from_millis(500), counter).await.ok().and_then(|r| r.ok()).flatten();
    Ok((sent, refused.load(Ordering::Relaxed), closed))
}

pub struct SlowAgent {
    pub reading_growth_kb: u64,
    pub slow_growth_kb: u64,
    pub fanned_out: usize,
    pub bytes: usize,
    pub received: usize,
    pub cut_off: bool,
    pub faults: Vec<String>,
}

const BODY: usize = 2000;

/// The same visitor load twice: once fanned out to an agent console that reads, once to one that
/// never reads (4 KB receive window). Server RSS is sampled throughout; the second must be let go.
pub async fn slow_agent(port: u16, url: &str, origin: &str, rss_kb: impl Fn() -> u64) -> SlowAgent {
    let mut faults = Vec::new();
    let (_sink, mut stream) = agent_socket_on(port).await.split();
    let reader = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    let (reading_growth_kb, _) = visitor_load(url, origin, "r", &rss_kb, &mut faults).await;
    reader.abort();

    let mut request = format!("ws://127.0.0.1:{port}/api/v1/agent/ws?v=1").into_client_request().unwrap();
    request.headers_mut().insert("origin", format!("http://127.0.0.1:{port}").parse().unwrap());
    request.headers_mut().insert("cookie", agent_cookie(port).await.parse().unwrap());
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(format!("127.0.0.1:{port}").parse().unwrap()).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(request, stream).await.expect("slow agent connects");
    let (slow_growth_kb, fanned_out) = visitor_load(url, origin, "s", &rss_kb, &mut faults).await;

    // Now read what the slow console was sent before it was let go.
    let (mut received, mut cut_off) = (0, false);
    let until = Instant::now() + Duration::from_secs(10);
    while let Ok(next) = tokio::time::timeout_at(until.into(), slow.next()).await {
        match next {
            Some(Ok(Message::Text(t))) => received += usize::from(t.as_str().starts_with("{\"message\"")),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                cut_off = true;
                break;
            }
            Some(Ok(_)) => {}
        }
    }
    if !cut_off {
        faults.push("an agent that never reads was not let go".into());
    }
    SlowAgent { reading_growth_kb, slow_growth_kb, fanned_out, bytes: fanned_out * BODY, received, cut_off, faults }
}

/// 100 visitors send 2 KB messages at 10 msg/s each for 5 s; returns the peak RSS growth (KB) and
/// the messages acknowledged.
async fn visitor_load(
    url: &str,
    origin: &str,
    tag: &str,
    rss_kb: &impl Fn() -> u64,
    faults: &mut Vec<String>,
) -> (u64, usize) {
    let baseline = rss_kb();
    let body = "x".repeat(BODY);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut senders = Vec::new();
    for v in 0..100 {
        let (url, origin, body, tag) = (url.to_owned(), origin.to_owned(), body.clone(), tag.to_owned());
        senders.push(tokio::spawn(async move {
            let (ws, _) = open_visitor(&url, &origin, "").await?;
            let (mut sink, mut stream) = ws.split();
            let acks = tokio::spawn(async move {
                let mut acked = 0;
                while let Some(Ok(Message::Text(t))) = stream.next().await {
                    if let Ok(ToVisitor::Ack { .. }) = serde_json::from_str::<ToVisitor>(t.as_str()) {
                        acked += 1;
                    }
                }
                acked
            });
            let mut i = 0u64;
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let id = format!("{tag}{v}-{i}");
                let frame =
                    FromVisitor::Send { conversation_id: None, client_msg_id: id, body: body.clone(), file: None };
                sink.send(text(&frame)).await.map_err(|e| e.to_string())?;
                i += 1;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let _ = sink.close().await;
            Ok::<usize, String>(acks.await.unwrap_or(0))
        }));
    }
    let mut peak = baseline;
    while senders.iter().any(|s| !s.is_finished()) {
        peak = peak.max(rss_kb());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut acked = 0;
    for s in senders {
        match s.await {
            Ok(Ok(n)) => acked += n,
            Ok(Err(e)) => faults.push(format!("slow agent load: {e}")),
            Err(e) => faults.push(e.to_string()),
        }
    }
    (peak.saturating_sub(baseline), acked)
}

/// An agent socket on the server at `port` (signed in as the demo admin).
pub async fn agent_socket_on(port: u16) -> super::Ws {
    let mut request = format!("ws://127.0.0.1:{port}/api/v1/agent/ws?v=1").into_client_request().unwrap();
    request.headers_mut().insert("origin", format!("http://127.0.0.1:{port}").parse().unwrap());
    request.headers_mut().insert("cookie", agent_cookie(port).await.parse().unwrap());
    tokio_tungstenite::connect_async_with_config(request, None, true).await.expect("agent socket").0
}

/// One client address taking what it can: sockets and new visitors until the per-address caps
/// refuse it, while a visitor from another address connects as usual.
pub struct AddressFlood {
    pub sockets_held: usize,
    pub sockets_refused: usize,
    pub new_visitors: usize,
    pub new_refused: usize,
    /// How long a visitor from another address took to connect meanwhile.
    pub other_connect_ms: f64,
    pub faults: Vec<String>,
}

/// The HTTP status a refused handshake got, or `None` when it connected (then kept open).
async fn try_open(url: &str, origin: &str, token: &str, held: &mut Vec<super::Ws>) -> Option<u16> {
    match open_visitor(url, origin, token).await {
        Ok((ws, _)) => {
            held.push(ws);
            None
        }
        Err(e) => Some(e.split_whitespace().find_map(|w| w.parse::<u16>().ok()).unwrap_or(0)),
    }
}

/// Against a server with the default per-address caps (200 sockets, 60 new visitors a minute): one
/// address opens 250 sockets of one visitor, then creates 100 new visitors; another address
/// (127.0.0.2) connects during it.
pub async fn address_flood(url: &str, origin: &str) -> AddressFlood {
    let mut faults = Vec::new();
    let mut held = Vec::new();
    let token = match open_visitor(url, origin, "").await {
        Ok((ws, token)) => {
            held.push(ws);
            token
        }
        Err(e) => {
            faults.push(format!("address flood: the first visitor failed: {e}"));
            String::new()
        }
    };
    let (mut sockets_refused, mut new_refused) = (0, 0);
    for _ in 0..249 {
        match try_open(url, origin, &token, &mut held).await {
            None => {}
            Some(429) => sockets_refused += 1,
            Some(other) => faults.push(format!("address flood: a socket was refused with {other}, not 429")),
        }
    }
    let sockets_held = held.len();
    // Room for new visitors' sockets: the cap on sockets is not what this part measures.
    held.truncate(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut new_held = Vec::new();
    for _ in 0..100 {
        match try_open(url, origin, "", &mut new_held).await {
            None => {}
            Some(429) => new_refused += 1,
            Some(other) => faults.push(format!("address flood: a new visitor was refused with {other}, not 429")),
        }
    }
    let new_visitors = new_held.len() + 1;
    let started = Instant::now();
    let other = connect_from("127.0.0.2", url, origin).await;
    let other_connect_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = other {
        faults.push(format!("address flood: a visitor from another address was refused: {e}"));
    }
    AddressFlood { sockets_held, sockets_refused, new_visitors, new_refused, other_connect_ms, faults }
}

/// A visitor socket opened from a given local address, up to its welcome.
async fn connect_from(local: &str, url: &str, origin: &str) -> Result<(), String> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket.bind(format!("{local}:0").parse().unwrap()).map_err(|e| e.to_string())?;
    let host = url.trim_start_matches("ws://").split('/').next().unwrap_or_default();
    let stream = socket.connect(host.parse().map_err(|e| format!("{e}"))?).await.map_err(|e| e.to_string())?;
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("origin", origin.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await.map_err(|e| e.to_string())?;
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.as_str().contains("visitor_welcome") => Ok(()),
        other => Err(format!("no welcome: {other:?}")),
    }
}
