//! Notifications that are hard to miss (issue 13; seed 004 section 3 "提醒", seed 000 "闪动提醒"):
//! the tab's title counts what waits for the agent ("(3) …"), a short tone per kind of event, a
//! desktop notification while the tab is in the background (clicking it brings the chat forward),
//! vibration on phones; and a new chat keeps ringing every few seconds until someone takes it
//! (on every agent's screen: the queue empties for all when one does). Each kind follows the
//! agent's settings (`AgentPrefs::notify`). Everything here runs in the browser only.

use leptos::prelude::*;

use super::live::Live;
use crate::i18n::{tr, use_lang, Key};

/// What happened, each with its own tone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alert {
    Visitor,
    Chat,
    Message,
    Transfer,
    Colleague,
}

/// Seconds between two rings of a chat nobody has taken.
pub const RING_SECS: u32 = 4;

/// What waits for the agent: unread messages of their chats, chats in the queue, offers and
/// transfers to them.
#[cfg(feature = "hydrate")]
fn waiting(live: &Live) -> (u32, u32) {
    let me = live.agent.with(|a| a.as_ref().map(|a| a.id));
    let (unread, queued) = live.conversations.with(|list| {
        let unread: i64 = list
            .iter()
            .filter(|c| c.agent_id.is_some() && c.agent_id == me)
            .map(|c| (c.last_seq - c.agent_read_seq).max(0))
            .sum();
        // A chat offered to this agent counts once, as the offer.
        let offered = |id| live.offers.with(|o| o.iter().any(|o| o.conversation_id == id));
        let queued = list.iter().filter(|c| c.agent_id.is_none() && !offered(c.id)).count();
        (unread, queued)
    });
    // The queue counts for an agent who takes chats now.
    let takes = live.agent.with(|a| a.as_ref().is_some_and(|a| a.status.takes_chats()));
    let queued = if takes { queued } else { 0 };
    let requests = live.offers.with(Vec::len) + live.transfers.with(Vec::len) + queued;
    (u32::try_from(unread).unwrap_or(u32::MAX), u32::try_from(requests).unwrap_or(u32::MAX))
}

/// Whether the workbench tab is in front (always, on the server).
pub fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    return !document().hidden();
    #[cfg(not(feature = "hydrate"))]
    true
}

/// Plays the new-chat tone at `volume` (the settings page's sample).
pub fn sample(volume: u8) {
    #[cfg(feature = "hydrate")]
    browser::tone(Alert::Chat, volume);
    #[cfg(not(feature = "hydrate"))]
    let _ = volume;
}

/// Starts watching (once, from the workbench shell).
pub fn watch(live: Live) {
    #[cfg(feature = "hydrate")]
    browser::watch(live);
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
}

/// "Turn on desktop notifications", with why, while the browser has not been asked yet.
#[component]
pub fn NotifyPermission() -> impl IntoView {
    let lang = use_lang();
    let asked = RwSignal::new(true);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| asked.set(browser::permission() != "default"));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        browser::ask(asked);
    };
    view! {
        <Show when=move || !asked.get()>
            <button type="button" class="notify-permission" title=tr(lang, Key::NotifyWhy) on:click=ask>
                {tr(lang, Key::NotifyTurnOn)}
            </button>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    use super::{waiting, Alert, RING_SECS};
    use crate::i18n::{tr, Key};
    use crate::kit::live::Live;

    pub fn permission() -> String {
        match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted".into(),
            web_sys::NotificationPermission::Denied => "denied".into(),
            _ => "default".into(),
        }
    }

    pub fn ask(asked: RwSignal<bool>) {
        if let Ok(promise) = web_sys::Notification::request_permission() {
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                asked.set(permission() != "default");
            });
        }
    }

    /// A short tone at `volume` (0–100; 0 plays nothing): higher and doubled for what needs an
    /// answer.
    pub fn tone(kind: Alert, volume: u8) {
        if volume == 0 {
            return;
        }
        let peak = 0.3 * f32::from(volume.min(100)) / 100.0;
        let (hz, count) = match kind {
            Alert::Chat => (880.0, 2),
            Alert::Transfer => (660.0, 2),
            Alert::Message => (740.0, 1),
            Alert::Visitor => (520.0, 1),
            Alert::Colleague => (600.0, 1),
        };
        let Ok(ctx) = web_sys::AudioContext::new() else { return };
        for n in 0..count {
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
            osc.frequency().set_value(hz);
            let start = ctx.current_time() + f64::from(n) * 0.22;
            let _ = gain.gain().set_value_at_time(peak, start);
            let _ = gain.gain().exponential_ramp_to_value_at_time(0.001, start + 0.18);
            let _ = osc.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&ctx.destination());
            let _ = osc.start_with_when(start);
            let _ = osc.stop_with_when(start + 0.2);
        }
    }

    fn hidden() -> bool {
        document().hidden()
    }

    /// A desktop notification (while the tab is in the background and the agent allowed them);
    /// clicking it brings the workbench forward and opens `open` if given.
    fn desktop(live: Live, title: &str, body: &str, open: Option<kefu_protocol::ConversationId>) {
        if !hidden() || permission() != "granted" {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        options.set_tag("kefu");
        let Ok(note) = web_sys::Notification::new_with_options(title, &options) else { return };
        let click = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            let _ = window().focus();
            if let Some(id) = open {
                live.selected.set(Some(id));
            }
        });
        note.set_onclick(Some(click.as_ref().unchecked_ref()));
        click.forget();
    }

    /// The tab's icon: kefu's blue square, with the count in a red badge while something waits
    /// (seen on a pinned tab, where the title is not).
    fn favicon(n: u32) {
        use wasm_bindgen::JsCast;
        let doc = document();
        let (Some(link), Ok(canvas)) =
            (doc.query_selector("link[rel=icon]").ok().flatten(), doc.create_element("canvas"))
        else {
            return;
        };
        let Ok(canvas) = canvas.dyn_into::<web_sys::HtmlCanvasElement>() else { return };
        canvas.set_width(32);
        canvas.set_height(32);
        let Some(g) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        g.set_fill_style_str("#0969da");
        g.fill_rect(2.0, 4.0, 24.0, 20.0);
        if n > 0 {
            g.set_fill_style_str("#cf222e");
            g.begin_path();
            let _ = g.arc(21.0, 11.0, 11.0, 0.0, std::f64::consts::TAU);
            g.fill();
            g.set_fill_style_str("#fff");
            g.set_font("bold 15px sans-serif");
            g.set_text_align("center");
            g.set_text_baseline("middle");
            let _ = g.fill_text(&if n > 99 { "99+".to_owned() } else { n.to_string() }, 21.0, 12.0);
        }
        if let Ok(url) = canvas.to_data_url() {
            let _ = link.set_attribute("href", &url);
        }
    }

    fn vibrate() {
        let _ = window().navigator().vibrate_with_duration(200);
    }

    pub fn watch(live: Live) {
        let lang = live.lang;
        let base = tr(lang, Key::AppTitle);
        // Counted once per change, for the title, the alerts and the ring.
        let counts = Memo::new(move |_| waiting(&live));
        let prefs = move || live.agent.with_untracked(|a| a.as_ref().map(|a| a.prefs.notify)).unwrap_or_default();
        // A rise in unread messages or requests, a new visitor: a tone, and in the background a
        // desktop notification.
        let last = StoredValue::new((0u32, 0u32, 0u32));
        Effect::new(move |_| {
            let (unread, requests) = counts.get();
            let visitors = live.visitors_total.get();
            let (was_unread, was_requests, was_visitors) = last.get_value();
            last.set_value((unread, requests, visitors));
            if live.agent.with_untracked(Option::is_none) {
                return;
            }
            let p = prefs();
            if requests > was_requests {
                let transfer = live.transfers.with_untracked(|t| !t.is_empty());
                if (transfer && p.transfer) || (!transfer && p.new_chat) {
                    let kind = if transfer { Alert::Transfer } else { Alert::Chat };
                    tone(kind, p.volume);
                    vibrate();
                    desktop(live, tr(lang, Key::AlertNewChat), tr(lang, Key::AlertNewChatBody), None);
                }
            } else if unread > was_unread && p.new_message {
                tone(Alert::Message, p.volume);
                let newest = live.conversations.with_untracked(|l| {
                    l.iter().max_by_key(|c| c.last_message_at).map(|c| (c.id, c.last_message.clone()))
                });
                if let Some((id, text)) = newest {
                    desktop(live, tr(lang, Key::AlertNewMessage), &text, Some(id));
                }
            } else if visitors > was_visitors && was_visitors > 0 && p.new_visitor {
                tone(Alert::Visitor, p.volume);
            }
        });
        // Colleagues' messages and broadcasts: counted in the title, a tone (and in the
        // background a desktop notification) when one more arrives.
        let internal = Memo::new(move |_| (live.colleague_unread(), live.internal.broadcasts.with(Vec::len)));
        Effect::new(move |_| {
            let (unread, broadcasts) = internal.get();
            let (waiting, requests) = counts.get();
            let n = unread + u32::try_from(broadcasts).unwrap_or(0) + waiting + requests;
            document().set_title(&if n > 0 { format!("({n}) {base}") } else { base.to_owned() });
            favicon(n);
        });
        let was = StoredValue::new((0u32, 0usize));
        Effect::new(move |_| {
            let (unread, broadcasts) = internal.get();
            let (was_unread, was_broadcasts) = was.get_value();
            was.set_value((unread, broadcasts));
            let p = prefs();
            if (unread > was_unread || broadcasts > was_broadcasts) && p.colleague {
                tone(Alert::Colleague, p.volume);
                vibrate();
                desktop(live, tr(lang, Key::AlertColleague), "", None);
            }
        });
        // Back in front: the open chat's (or colleague thread's) messages are read now.
        let back = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if !hidden() {
                if let Some(id) = live.selected.get_untracked() {
                    live.mark_read(id);
                }
                if let Some(peer) = live.internal.open.get_untracked() {
                    live.read_colleague(peer);
                }
            }
        });
        let _ = document().add_event_listener_with_callback("visibilitychange", back.as_ref().unchecked_ref());
        back.forget();
        // A chat nobody took keeps ringing (the queue, an offer to this agent, a transfer).
        gloo_timers::callback::Interval::new(RING_SECS * 1000, move || {
            let (_, requests) = counts.get_untracked();
            let p = prefs();
            if requests > 0 && (p.new_chat || p.transfer) {
                tone(Alert::Chat, p.volume);
                vibrate();
            }
        })
        .forget();
    }
}
