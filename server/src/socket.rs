//! The per-connection loop, the same for visitors and agents. It is generic over the socket
//! (`Sink` + `Stream` of messages), so the real WebSocket is just one adapter.
//!
//! Reading and writing run as separate tasks; the writer drains a bounded [`Outbox`] and sends a
//! ping every heartbeat. A connection that sends nothing (not even a pong) for three heartbeats is
//! closed. Frames are decoded here into the handler's inbound type (`FromVisitor` or `FromAgent`);
//! bad ones get an error frame (of its outbound type) and the connection goes on.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use kefu_protocol::{decode, ApiError, Inbound, Outbound};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::hub::{Outbox, OutboxReader, Outgoing, OverflowSignal};

/// Small per-socket buffers: an idle socket then costs a few KB instead of 256 KiB.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(1024).write_buffer_size(0).max_message_size(64 * 1024).max_frame_size(64 * 1024)
}

/// What a connection does with the frames it receives. An `Err` goes back to the client as an error
/// frame; pings are answered by the loop itself.
pub trait Handler: Send {
    /// The frames this socket's clients send.
    type In: Inbound + Send;
    /// The frames this socket's clients receive.
    type Out: Outbound;

    fn on_frame(
        &mut self,
        frame: Self::In,
        out: &Outbox,
    ) -> impl std::future::Future<Output = Result<(), ApiError>> + Send;
    fn on_close(&mut self) -> impl std::future::Future<Output = ()> + Send;
}

/// A token bucket: `rate` frames per second, bursts up to `burst`.
struct Bucket {
    tokens: f64,
    burst: f64,
    rate: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64) -> Self {
        Bucket { tokens: burst, burst, rate, at: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What the loop does with a frame over the rate.
#[derive(Debug, PartialEq)]
enum Refusal {
    /// Answer with a "too many" error frame (always for a message, so its sender knows).
    Notify,
    /// Drop it silently: the client was told within the last second.
    Quiet,
    /// Close the connection: it keeps flooding far beyond its allowance.
    Close,
}

/// The rate limit of one connection, and how it answers a client over it: every refused message
/// gets its error frame, other refused frames one per second, and a client sending ten times its
/// burst within one second of refusals is disconnected.
struct Throttle {
    bucket: Bucket,
    window: Instant,
    refused: u32,
    noticed: Option<Instant>,
}

impl Throttle {
    fn new(rate: f64, burst: f64) -> Self {
        Throttle { bucket: Bucket::new(rate, burst), window: Instant::now(), refused: 0, noticed: None }
    }

    /// `None` when the frame may go on.
    fn check(&mut self, is_message: bool) -> Option<Refusal> {
        if self.bucket.take() {
            return None;
        }
        let now = Instant::now();
        if now.duration_since(self.window) >= Duration::from_secs(1) {
            (self.window, self.refused) = (now, 0);
        }
        self.refused += 1;
        if f64::from(self.refused) > self.bucket.burst * 10.0 {
            return Some(Refusal::Close);
        }
        if is_message || self.noticed.is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1)) {
            self.noticed = Some(now);
            return Some(Refusal::Notify);
        }
        Some(Refusal::Quiet)
    }
}

pub struct LoopSettings {
    pub heartbeat: Duration,
    pub shutdown: watch::Receiver<bool>,
    /// Frames per second this connection may send, and the burst it may save up.
    pub rate: (f64, f64),
}

/// How long a resync waits for the previous answer to be taken before its client counts as not
/// reading (and is closed).
pub const RESYNC_WAIT: Duration = Duration::from_secs(5);

/// A visitor types and sends like a person.
pub const VISITOR_RATE: (f64, f64) = (20.0, 40.0);
/// An agent console runs many chats at once (and may be automated).
pub const AGENT_RATE: (f64, f64) = (200.0, 400.0);

/// Runs a connection until either side closes it, then calls `on_close`.
pub async fn run<S, H>(socket: S, mut handler: H, out: Outbox, queue: OutboxReader, settings: LoopSettings)
where
    S: Sink<Message> + Stream<Item = Result<Message, axum::Error>> + Send + 'static,
    H: Handler,
{
    let (sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(write_loop(sink, queue, out.overflow_signal(), settings.heartbeat));
    let mut writer_done = false;
    // Set when the server ends the connection: the peer then gets a moment to answer the close.
    let mut closing = false;
    let dead_after = settings.heartbeat * 3;
    let mut shutdown = settings.shutdown;
    let mut throttle = Throttle::new(settings.rate.0, settings.rate.1);
    loop {
        let next = tokio::select! {
            // The writer gave up (the peer stopped reading and the queue overflowed, or it is gone).
            _ = &mut writer => {
                writer_done = true;
                break;
            }
            _ = shutdown.changed() => {
                out.close(1012, "server restarting");
                closing = true;
                break;
            }
            next = tokio::time::timeout(dead_after, stream.next()) => next,
        };
        let message = match next {
            Err(_) => {
                out.close(1011, "heartbeat timeout");
                closing = true;
                break;
            }
            Ok(None) | Ok(Some(Err(_))) => break,
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => Some(text),
            // Counted like any frame, then refused with a code.
            Message::Binary(_) => None,
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Close(_) => break,
        };
        let frame = match &text {
            Some(text) => decode::<H::In>(text.as_str()),
            None => Err(ApiError::BadFrame { message: "binary frames are not supported".into() }),
        };
        let sent_id = frame.as_ref().ok().and_then(|f| f.sent_message_id());
        match throttle.check(sent_id.is_some()) {
            None => {}
            Some(Refusal::Notify) => {
                let error = ApiError::TooMany { retry_after_secs: 1 };
                out.push(&H::Out::error(error, sent_id.map(str::to_owned)));
                continue;
            }
            Some(Refusal::Quiet) => continue,
            Some(Refusal::Close) => {
                out.close(1008, "flooding: far too many frames");
                closing = true;
                break;
            }
        }
        let result = match frame {
            Ok(frame) if frame.is_ping() => {
                out.push(&H::Out::pong());
                Ok(())
            }
            // Boxed: an idle connection's future then does not reserve room for the
            // handler's (large) database futures; only a connection handling a frame does.
            Ok(frame) => Box::pin(handler.on_frame(frame, &out)).await,
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            out.push(&H::Out::error(error, None));
        }
    }
    if closing {
        // Read (and drop) what the peer still sends until it answers the close: closing a socket with
        // unread data resets it, and the peer would lose the close frame and its reason.
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(message)) = stream.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    Box::pin(handler.on_close()).await;
    // The writer ends once it has sent the close frame, or when the queue closes.
    drop(out);
    if !writer_done {
        let abort = writer.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), writer).await.is_err() {
            abort.abort();
        }
    }
}

/// How long a close frame may take to leave: a peer that stopped reading never takes it.
const CLOSE_WAIT: Duration = Duration::from_secs(1);
/// How long the close frame of a client closed as too slow may take to leave.
const SLOW_CLOSE_WAIT: Duration = Duration::from_secs(5);

async fn write_loop<K>(mut sink: K, mut queue: OutboxReader, overflow: OverflowSignal, heartbeat: Duration)
where
    K: Sink<Message> + Unpin,
{
    let mut ping = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    let close = |code: u16, reason: &'static str| Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    let too_slow = || close(1008, "too slow: outbound queue full");
    // A send blocks while the peer's receive window is full, so every send also watches the overflow.
    let last = loop {
        let mut resync = false;
        let message = tokio::select! {
            next = queue.recv() => match next {
                Some(Outgoing::Text(text)) => Message::Text(text),
                Some(Outgoing::Resync(text)) => {
                    resync = true;
                    Message::Text(text)
                }
                Some(Outgoing::Close(code, reason)) => break Some(close(code, reason)),
                None => break None,
            },
            _ = overflow.wait() => break Some(too_slow()),
            _ = ping.tick() => Message::Ping(Default::default()),
        };
        tokio::select! {
            sent = sink.send(message) => if sent.is_err() {
                break None;
            },
            _ = overflow.wait() => break Some(too_slow()),
        }
        if resync {
            queue.resync_sent();
        }
    };
    if let Some(last) = last {
        // A slow reader gets longer: its close frame waits behind the rest of a large frame, and the
        // reason is all it learns.
        let wait = if overflow.overflowed() { SLOW_CLOSE_WAIT } else { CLOSE_WAIT };
        let _ = tokio::time::timeout(wait, sink.send(last)).await;
    }
    let _ = tokio::time::timeout(CLOSE_WAIT, sink.close()).await;
}
