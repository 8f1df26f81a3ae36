//! A WebSocket that stays connected: it reconnects with backoff, sends an application-level ping and
//! treats a silent connection as dead. The widget and the workbench both use it; what to do after a
//! (re)connect (sync after the last sequence, resend the outbox) is theirs, driven by [`SocketEvent::Open`].

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use kefu_protocol::FrameText;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// How often a ping is sent while connected.
const PING_EVERY_MS: u32 = 15_000;
/// A connection with no frame for this long is closed and reopened.
const DEAD_AFTER_MS: f64 = 40_000.0;
const FIRST_RETRY_MS: u32 = 500;
const MAX_RETRY_MS: u32 = 10_000;

pub enum SocketEvent<In> {
    /// Connected (again): sync and resend now.
    Open,
    Frame(In),
    /// Lost; a reconnect is scheduled.
    Closed {
        code: u16,
        reason: String,
    },
}

type Handler<In> = Rc<dyn Fn(SocketEvent<In>)>;

/// Where a socket connects: the URL and the subprotocols it offers (`Sec-WebSocket-Protocol`,
/// which carries what must not travel in the URL, where proxies and logs keep it).
pub struct Endpoint {
    pub url: String,
    pub protocols: Vec<String>,
}

impl From<String> for Endpoint {
    fn from(url: String) -> Self {
        Endpoint { url, protocols: Vec::new() }
    }
}

struct Inner<In> {
    url: Rc<dyn Fn() -> Endpoint>,
    on_event: Handler<In>,
    ws: Option<WebSocket>,
    retry_ms: u32,
    last_frame_at: f64,
    _callbacks: Vec<Box<dyn std::any::Any>>,
    _heartbeat: Option<Interval>,
    _retry: Option<Timeout>,
}

/// Handle to a self-reconnecting socket that receives `In` frames and sends `Out` frames (the
/// visitor pair for the widget, the agent pair for the workbench); clones share the connection.
pub struct Socket<In, Out> {
    inner: Rc<RefCell<Inner<In>>>,
    _out: std::marker::PhantomData<fn(&Out)>,
}

impl<In, Out> Clone for Socket<In, Out> {
    fn clone(&self) -> Self {
        Socket { inner: self.inner.clone(), _out: std::marker::PhantomData }
    }
}

/// The ping frame of both sockets, as JSON.
const PING: &str = "\"ping\"";

impl<In: FrameText + 'static, Out: FrameText + 'static> Socket<In, Out> {
    fn from_inner(inner: Rc<RefCell<Inner<In>>>) -> Self {
        Socket { inner, _out: std::marker::PhantomData }
    }

    /// Connects to the endpoint (or URL) that `url` returns (called again before every reconnect).
    pub fn connect<E: Into<Endpoint>>(
        url: impl Fn() -> E + 'static,
        on_event: impl Fn(SocketEvent<In>) + 'static,
    ) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            url: Rc::new(move || url().into()),
            on_event: Rc::new(on_event),
            ws: None,
            retry_ms: FIRST_RETRY_MS,
            last_frame_at: js_sys::Date::now(),
            _callbacks: Vec::new(),
            _heartbeat: None,
            _retry: None,
        }));
        let socket = Self::from_inner(inner);
        socket.start_heartbeat();
        socket.open();
        socket
    }

    /// Sends a frame if connected; returns false when it could not be sent (it will be retried by
    /// the caller's resend-on-open logic).
    pub fn send(&self, frame: &Out) -> bool {
        self.send_text(&frame.to_text())
    }

    fn send_text(&self, text: &str) -> bool {
        let inner = self.inner.borrow();
        match &inner.ws {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(text).is_ok(),
            _ => false,
        }
    }

    pub fn is_open(&self) -> bool {
        self.inner.borrow().ws.as_ref().is_some_and(|ws| ws.ready_state() == WebSocket::OPEN)
    }

    fn open(&self) {
        let endpoint = (self.inner.borrow().url)();
        let opened = if endpoint.protocols.is_empty() {
            WebSocket::new(&endpoint.url)
        } else {
            let protocols: js_sys::Array = endpoint.protocols.iter().map(|p| JsValue::from_str(p)).collect();
            WebSocket::new_with_str_sequence(&endpoint.url, &protocols)
        };
        let ws = match opened {
            Ok(ws) => ws,
            Err(_) => return self.schedule_retry(),
        };
        let weak = Rc::downgrade(&self.inner);

        let on_open = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || {
                let Some(inner) = weak.upgrade() else { return };
                let handler = {
                    let mut inner = inner.borrow_mut();
                    inner.retry_ms = FIRST_RETRY_MS;
                    inner.last_frame_at = js_sys::Date::now();
                    inner.on_event.clone()
                };
                handler(SocketEvent::Open);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |event: MessageEvent| {
                let Some(inner) = weak.upgrade() else { return };
                let handler = {
                    let mut inner = inner.borrow_mut();
                    inner.last_frame_at = js_sys::Date::now();
                    inner.on_event.clone()
                };
                if let Some(text) = event.data().as_string() {
                    if let Some(frame) = In::from_text(&text) {
                        handler(SocketEvent::Frame(frame));
                    }
                }
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new({
            let weak = weak.clone();
            let this_ws = ws.clone();
            move |event: CloseEvent| {
                let Some(inner) = weak.upgrade() else { return };
                let handler = {
                    let mut guard = inner.borrow_mut();
                    // Only the current socket's close matters; an old one was replaced already.
                    if guard.ws.as_ref() != Some(&this_ws) {
                        return;
                    }
                    guard.ws = None;
                    guard.on_event.clone()
                };
                handler(SocketEvent::Closed { code: event.code(), reason: event.reason() });
                Self::from_inner(inner).schedule_retry();
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));

        let mut inner = self.inner.borrow_mut();
        if let Some(old) = inner.ws.take() {
            let _ = old.close();
        }
        inner.ws = Some(ws);
        inner._callbacks = vec![Box::new(on_open), Box::new(on_message), Box::new(on_close)];
    }

    fn schedule_retry(&self) {
        let weak: Weak<RefCell<Inner<In>>> = Rc::downgrade(&self.inner);
        let mut inner = self.inner.borrow_mut();
        // Jitter spreads a crowd of clients reconnecting after a server restart.
        let jitter = (js_sys::Math::random() * inner.retry_ms as f64 * 0.5) as u32;
        let delay = inner.retry_ms + jitter;
        inner.retry_ms = (inner.retry_ms * 2).min(MAX_RETRY_MS);
        inner._retry = Some(Timeout::new(delay, move || {
            if let Some(inner) = weak.upgrade() {
                Self::from_inner(inner).open();
            }
        }));
    }

    fn start_heartbeat(&self) {
        let weak = Rc::downgrade(&self.inner);
        let interval = Interval::new(PING_EVERY_MS, move || {
            let Some(inner) = weak.upgrade() else { return };
            let socket = Self::from_inner(inner);
            if !socket.is_open() {
                return;
            }
            let silent_for = js_sys::Date::now() - socket.inner.borrow().last_frame_at;
            if silent_for > DEAD_AFTER_MS {
                // A dead link may take long to report its close: drop it now and reconnect.
                let (dead, handler) = {
                    let mut inner = socket.inner.borrow_mut();
                    (inner.ws.take(), inner.on_event.clone())
                };
                if let Some(ws) = dead {
                    ws.set_onclose(None);
                    let _ = ws.close();
                }
                handler(SocketEvent::Closed { code: 4000, reason: "no heartbeat".into() });
                socket.schedule_retry();
            } else {
                socket.send_text(PING);
            }
        });
        self.inner.borrow_mut()._heartbeat = Some(interval);
    }
}
