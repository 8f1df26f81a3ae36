//! The visitor chat widget. `loader.js` creates a Shadow DOM host on the customer's page and calls
//! [`start`]; everything here renders inside that shadow root, so the page's CSS cannot reach in and
//! the widget's CSS cannot leak out. Message text is only ever set with `textContent`.
//!
//! The socket connects at once (so agents see the visitor and their page); the panel opens on demand.
//! Delivery: messages stay in the [`ConversationLog`] outbox until acknowledged and are resent after
//! every reconnect; after a reconnect the widget syncs everything after its last sequence.

mod emoji;
mod files;
mod i18n;
mod js;

use std::cell::RefCell;
use std::rc::Rc;

use i18n::{tr, Key, Lang};
use kefu_protocol::log::ConversationLog;
use kefu_protocol::{
    is_token, ApiError, ConversationId, DetailsForm, ErrorCode, FromVisitor, MessageBody, PageInfo, RatingForm,
    SenderKind, ToVisitor, PROTOCOL_VERSION, TOKEN_SUBPROTOCOL_PREFIX, VISITOR_SUBPROTOCOL,
};
use kefu_webclient::{Endpoint, SocketEvent};

/// The visitor socket: receives [`ToVisitor`], sends [`FromVisitor`].
type Socket = kefu_webclient::Socket<ToVisitor, FromVisitor>;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlTextAreaElement, ShadowRoot};

const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));
const SVG_NS: &str = "http://www.w3.org/2000/svg";

struct Elements {
    launcher: Element,
    badge: Element,
    panel: Element,
    title: Element,
    presence: Element,
    status: Element,
    notice: Element,
    rate_button: Element,
    end_button: Element,
    confirm: Element,
    rating: Element,
    ended: Element,
    composer: Element,
    topic: Element,
    topic_select: web_sys::HtmlSelectElement,
    list: Element,
    typing: Element,
    input: HtmlTextAreaElement,
    error: Element,
    /// "The agent can see what you type", under the box where the site turned sneak peek on.
    peek_note: Element,
    /// The invitation card, beside the launcher.
    invite: Element,
    invite_text: Element,
    /// The site's registration form, and the header button that opens it.
    details: Element,
    details_button: Element,
    /// The attach button (a label around the file input), shown where the site takes files.
    attach: Element,
    attach_input: web_sys::HtmlInputElement,
}

struct PushedLink {
    url: String,
    host: String,
    agent: String,
    at: f64,
    /// A page of the site's own: opened in this tab (the site allows it).
    same_tab: bool,
}

struct Widget {
    lang: Lang,
    doc: Document,
    storage_key: String,
    conversation: Option<ConversationId>,
    log: ConversationLog,
    open: bool,
    unread: u32,
    connected: bool,
    /// Whether anyone is there to answer (`None` until the server said).
    online: Option<bool>,
    /// The site takes no chat from this visitor now: no message box.
    closed: bool,
    /// Links agents sent: the link, its host, who sent it, and when it came (ms).
    links: Vec<PushedLink>,
    /// An invitation to chat not answered yet: its id, what it says, and the inviting agent's
    /// picture (a URL on the kefu server).
    invitation: Option<(i64, String, Option<String>)>,
    /// The kefu server's address (`https://kefu.example`), for pictures it serves.
    base: String,
    /// The site's agents see what the visitor types (the widget says so under the box).
    sneak_peek: bool,
    /// The site's registration form, whether the visitor sent it, and whether it is open (from the
    /// header; a `before` form opens by itself until sent).
    details: Option<DetailsForm>,
    registered: bool,
    details_open: bool,
    /// The form was just sent (said in the notice line until the next message).
    details_sent: bool,
    /// When the last draft went (ms), and a later one waiting for its turn.
    draft_at: f64,
    draft_armed: bool,
    draft_timer: Option<gloo_timer::Timeout>,
    /// The place in the queue and the estimated wait in seconds, while waiting.
    queued: Option<(u32, Option<u32>)>,
    /// Who took the conversation.
    agent_name: Option<String>,
    /// The site's rating scale (`None`: it does not ask) and this conversation's score.
    rating: Option<RatingForm>,
    /// The rating form is open during the chat (from the header).
    rating_open: bool,
    /// The visitor is asked to confirm ending the chat.
    confirming: bool,
    /// The conversation ended: the end screen shows.
    ended: bool,
    /// The categories the site shows (the visitor picks one before the first message), and the pick.
    categories: Vec<(i64, String)>,
    category: Option<i64>,
    /// The site's welcome by language, and the agent's own once they took the chat.
    greetings: Vec<(String, String)>,
    welcome: Option<String>,
    /// Up to which message agents have read; up to which the visitor said they have.
    agent_read: i64,
    told_read: i64,
    /// The agent the snippet asks for (`data-agent`).
    designated: Option<String>,
    /// That agent could not take the chat.
    unavailable: Option<String>,
    /// The chat closes this many seconds after the warning came (`at`, ms) unless someone writes.
    idle_warning: Option<(u32, f64)>,
    /// A colleague of the agent joined or left.
    guest_news: Option<String>,
    last_typing_at: f64,
    els: Elements,
    typing_timer: Option<gloo_timer::Timeout>,
    resync_timer: Option<gloo_timer::Timeout>,
    site_key: String,
    /// The largest file the site takes from visitors (`None`: no files).
    upload_limit: Option<u64>,
    uploads: Vec<files::Upload>,
    next_upload: u32,
    /// Images fetched: file id and blob URL (empty while it comes).
    blobs: Vec<(String, String)>,
}

/// Timeouts without pulling in another crate: a `setTimeout` that is cancelled on drop.
mod gloo_timer {
    use wasm_bindgen::prelude::*;

    pub struct Timeout {
        id: i32,
        _cb: Closure<dyn FnMut()>,
    }

    impl Timeout {
        pub fn new(ms: i32, f: impl FnMut() + 'static) -> Option<Timeout> {
            let cb = Closure::<dyn FnMut()>::new(f);
            let id = web_sys::window()?
                .set_timeout_with_callback_and_timeout_and_arguments_0(cb.as_ref().unchecked_ref(), ms)
                .ok()?;
            Some(Timeout { id, _cb: cb })
        }
    }

    impl Drop for Timeout {
        fn drop(&mut self) {
            if let Some(w) = web_sys::window() {
                w.clear_timeout_with_handle(self.id);
            }
        }
    }
}

type Shared = Rc<RefCell<Widget>>;

/// Builds the widget in `root` and connects it. Called by `loader.js`; `page` (`data-page`) fills
/// the window with the open chat (kefu's direct chat page); `texts` are the page language's texts
/// when it is not English (`/api/v1/visitor/texts`).
#[wasm_bindgen]
pub fn start(
    root: ShadowRoot,
    site_key: String,
    base: String,
    agent: Option<String>,
    page: Option<String>,
    user: Option<String>,
    texts: Option<String>,
) -> Result<(), JsValue> {
    if let Some(texts) = texts {
        i18n::load(&texts);
    }
    if let Some(frame) = user.as_deref().and_then(identity_frame) {
        IDENTITY.with(|i| *i.borrow_mut() = Some(frame));
    }
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let lang = doc
        .document_element()
        .and_then(|e| e.get_attribute("lang"))
        .filter(|l| !l.is_empty())
        .or_else(|| window.navigator().language())
        .map(|t| Lang::from_tag(&t))
        .unwrap_or(Lang::En);
    let els = build(&doc, &root, lang)?;
    let widget: Shared = Rc::new(RefCell::new(Widget {
        lang,
        storage_key: format!("kefu:{site_key}:token"),
        doc,
        conversation: None,
        log: ConversationLog::new(),
        open: false,
        unread: 0,
        connected: false,
        online: None,
        closed: false,
        links: Vec::new(),
        invitation: None,
        base: base.trim_end_matches('/').to_owned(),
        sneak_peek: false,
        details: None,
        registered: false,
        details_open: false,
        details_sent: false,
        draft_at: 0.0,
        draft_armed: false,
        draft_timer: None,
        queued: None,
        agent_name: None,
        rating: None,
        rating_open: false,
        confirming: false,
        ended: false,
        categories: Vec::new(),
        category: None,
        designated: agent.filter(|a| !a.trim().is_empty()),
        greetings: Vec::new(),
        welcome: None,
        agent_read: 0,
        told_read: 0,
        unavailable: None,
        idle_warning: None,
        guest_news: None,
        last_typing_at: 0.0,
        els,
        typing_timer: None,
        resync_timer: None,
        site_key: site_key.clone(),
        upload_limit: None,
        uploads: Vec::new(),
        next_upload: 0,
        blobs: Vec::new(),
    }));
    render(&widget.borrow());

    let socket = Socket::connect(
        {
            let widget = widget.clone();
            move || {
                let ws_base = base.replacen("http", "ws", 1);
                let url = format!(
                    "{ws_base}/api/v1/visitor/ws?v={PROTOCOL_VERSION}&site_key={}",
                    js_sys::encode_uri_component(&site_key),
                );
                // The visitor token rides in the subprotocol list, not the URL. Only a well-formed
                // one: anything else would make the browser refuse to open the socket at all.
                let mut protocols = vec![VISITOR_SUBPROTOCOL.to_owned()];
                if let Some(token) = widget.borrow().stored_token().filter(|t| is_token(t)) {
                    protocols.push(format!("{TOKEN_SUBPROTOCOL_PREFIX}{token}"));
                }
                Endpoint { url, protocols }
            }
        },
        {
            let widget = widget.clone();
            move |event| on_event(&widget, event)
        },
    );
    if page.is_some() {
        // The whole window is the chat: no launcher, no way to close it.
        let w = widget.borrow();
        w.els.launcher.set_attribute("data-page", "")?;
        w.els.panel.set_attribute("data-page", "")?;
        drop(w);
        set_open(&widget, &socket, true);
    }
    wire_events(&widget, socket, &window)?;
    Ok(())
}

fn el(doc: &Document, tag: &str, class: &str) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    Ok(e)
}

/// The widget's styles, as a constructed stylesheet adopted by the shadow root: that is CSSOM, not an
/// inline `<style>`, so a host page whose Content-Security-Policy forbids inline styles still shows
/// the widget styled. Browsers without constructed stylesheets get a `<style>` element.
fn attach_style(doc: &Document, root: &ShadowRoot) -> Result<(), JsValue> {
    use js_sys::Reflect;
    let adopted = (|| -> Result<(), JsValue> {
        let constructor: js_sys::Function = Reflect::get(&js_sys::global(), &"CSSStyleSheet".into())?.dyn_into()?;
        let sheet = Reflect::construct(&constructor, &js_sys::Array::new())?;
        let replace: js_sys::Function = Reflect::get(&sheet, &"replaceSync".into())?.dyn_into()?;
        replace.call1(&sheet, &STYLE.into())?;
        Reflect::set(root, &"adoptedStyleSheets".into(), &js_sys::Array::of1(&sheet))?;
        Ok(())
    })();
    if adopted.is_err() {
        let style = el(doc, "style", "")?;
        style.set_text_content(Some(STYLE));
        root.append_child(&style)?;
    }
    Ok(())
}

/// The widget's elements, written as markup and built by [`build`] (far fewer bytes than a call
/// per element from WASM, and no `innerHTML`, which pages enforcing Trusted Types refuse). `{n}`
/// is the n-th of [`TEMPLATE_KEYS`] in the page's language, `{M}` the longest message. Every text
/// of a visitor or agent is set later, as text.
const TEMPLATE: &str = concat!(
    r#"<button type="button" class="launcher" aria-label="{0}" aria-expanded="false" aria-controls="kefu-panel">"#,
    r#"<svg viewBox="0 0 24 24" aria-hidden="true" class="icon"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>"#,
    r#"<span class="badge"></span></button>"#,
    r#"<section class="panel" id="kefu-panel" role="dialog" aria-label="{1}" hidden>"#,
    r#"<header><div class="heading"><h2>{1}</h2><p class="presence"></p></div><div class="actions">"#,
    r#"<button type="button" class="details-button" aria-expanded="false" hidden>{2}</button>"#,
    r#"<button type="button" class="rate">{3}</button><button type="button" class="end">{4}</button>"#,
    r#"<button type="button" class="close" aria-label="{5}">×</button></div></header>"#,
    r#"<p class="status" role="status"></p><p class="notice" role="status"></p>"#,
    r#"<div class="confirm" role="group" aria-label="{4}"><p>{6}</p>"#,
    r#"<button type="button" class="confirm-end">{4}</button><button type="button" class="confirm-cancel">{7}</button></div>"#,
    r#"<div class="messages" role="log" aria-label="{8}" aria-live="polite"><ol class="message-list"></ol></div>"#,
    r#"<p class="typing" aria-live="polite"></p><form class="rating" aria-label="{3}"></form>"#,
    r#"<div class="ended"><p class="thanks">{9}</p><p class="rated" role="status"></p>"#,
    r#"<button type="button" class="download">{10}</button><button type="button" class="print">{11}</button>"#,
    r#"<button type="button" class="restart">{12}</button></div>"#,
    r#"<form class="details" aria-label="{2}" novalidate hidden></form>"#,
    r#"<label class="topic"><span>{13}</span><select></select></label>"#,
    r#"<form class="composer"><textarea aria-label="{14}" rows="2" maxlength="{M}" placeholder="{15}"></textarea>"#,
    r#"<label class="attach" title="{16}" hidden><input type="file" multiple aria-label="{16}">"#,
    r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16 6v10a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10a1 1 0 0 1-2 0V6"/></svg></label>"#,
    r#"<button type="button" class="emoji-button" aria-label="{25}" aria-expanded="false">☺</button>"#,
    r#"<button class="send" type="submit">{17}</button></form>"#,
    r#"<div class="emoji-panel" role="dialog" aria-label="{25}" hidden><input type="search" aria-label="{26}">"#,
    r#"<div class="emoji-grid" role="group" aria-label="{25}"></div></div>"#,
    r#"<p class="peek-note" hidden>{18}</p><p class="error" role="alert"></p></section>"#,
    r#"<section class="invite" role="dialog" aria-label="{19}" hidden>"#,
    r#"<img class="invite-avatar" alt="" width="40" height="40" hidden><p class="invite-text"></p>"#,
    r#"<div class="buttons"><button type="button" class="invite-accept">{20}</button>"#,
    r#"<button type="button" class="invite-later">{21}</button></div></section>"#,
);

/// The rating form around its levels (which [`build_rating`] puts into the fieldset).
const RATING_TEMPLATE: &str = concat!(
    r#"<fieldset><legend>{22}</legend></fieldset><label class="comment"><span>{23}</span>"#,
    r#"<textarea rows="2" maxlength="{R}"></textarea></label><button class="send-rating" type="submit">{24}</button>"#,
    r#"<p class="rating-error" role="alert"></p>"#,
);

/// The texts of the templates, by number.
const TEMPLATE_KEYS: [Key; 27] = [
    Key::OpenChat,
    Key::Chat,
    Key::YourDetails,
    Key::RateChat,
    Key::EndChat,
    Key::CloseChat,
    Key::EndConfirm,
    Key::Cancel,
    Key::Messages,
    Key::Thanks,
    Key::Download,
    Key::Print,
    Key::NewChat,
    Key::Topic,
    Key::Message,
    Key::Placeholder,
    Key::AttachFile,
    Key::Send,
    Key::SneakPeekNote,
    Key::Invitation,
    Key::ChatNow,
    Key::Later,
    Key::HowWasIt,
    Key::Comment,
    Key::SendRating,
    Key::Emoji,
    Key::SearchEmoji,
];

/// A text of [`TEMPLATE`] with its `{n}` and `{M}` filled in.
fn fill(text: &str, lang: Lang) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let (name, after) = after.split_once('}').unwrap_or((after, ""));
        if name == "M" {
            out.push_str(&kefu_protocol::MAX_BODY_CHARS.to_string());
        } else if name == "R" {
            out.push_str(&kefu_protocol::MAX_RATING_COMMENT.to_string());
        } else if let Some(key) = name.parse::<usize>().ok().and_then(|n| TEMPLATE_KEYS.get(n)) {
            out.push_str(tr(lang, *key));
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Builds a template ([`TEMPLATE`], [`RATING_TEMPLATE`]; never anything a visitor, agent or site
/// wrote) into `root`: tags with double-quoted (or bare) attributes, `/>` or a void tag
/// for elements without children, text between tags. SVG elements get the SVG namespace.
fn build_markup(doc: &Document, root: &web_sys::Node, template: &str, lang: Lang) -> Result<(), JsValue> {
    let mut open: Vec<Element> = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let parent: &web_sys::Node = open.last().map_or(root, |e| e.as_ref());
        let Some(tag) = rest.strip_prefix('<') else {
            // Text is always inside an element here.
            let end = rest.find('<').unwrap_or(rest.len());
            if let Some(element) = open.last() {
                element.append_with_str_1(&fill(&rest[..end], lang))?;
            }
            rest = &rest[end..];
            continue;
        };
        let (tag, after) = tag.split_once('>').unwrap_or((tag, ""));
        rest = after;
        if tag.starts_with('/') {
            open.pop();
            continue;
        }
        let (tag, leaf) = match tag.strip_suffix('/') {
            Some(tag) => (tag, true),
            None => (tag, false),
        };
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        let element = if matches!(name, "svg" | "path") {
            doc.create_element_ns(Some(SVG_NS), name)?
        } else {
            doc.create_element(name)?
        };
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                break;
            }
            let end = attrs.find([' ', '=']).unwrap_or(attrs.len());
            let key = &attrs[..end];
            attrs = &attrs[end..];
            let value = match attrs.strip_prefix("=\"").and_then(|v| v.split_once('"')) {
                Some((value, after)) => {
                    attrs = after;
                    fill(value, lang)
                }
                None => String::new(),
            };
            element.set_attribute(key, &value)?;
        }
        parent.append_child(&element)?;
        if !leaf && !matches!(name, "input" | "img") {
            open.push(element);
        }
    }
    Ok(())
}

fn build(doc: &Document, root: &ShadowRoot, lang: Lang) -> Result<Elements, JsValue> {
    attach_style(doc, root)?;
    build_markup(doc, root, TEMPLATE, lang)?;
    let q = |selector: &str| root.query_selector(selector)?.ok_or_else(|| JsValue::from_str(selector));
    Ok(Elements {
        launcher: q(".launcher")?,
        badge: q(".badge")?,
        panel: q(".panel")?,
        title: q("header h2")?,
        presence: q(".presence")?,
        status: q(".status")?,
        notice: q(".notice")?,
        rate_button: q(".rate")?,
        end_button: q(".end")?,
        confirm: q(".confirm")?,
        rating: q(".rating")?,
        ended: q(".ended")?,
        composer: q(".composer")?,
        topic: q(".topic")?,
        topic_select: q(".topic select")?.dyn_into()?,
        list: q(".message-list")?,
        typing: q(".typing")?,
        input: q(".composer textarea")?.dyn_into()?,
        error: q(".error")?,
        peek_note: q(".peek-note")?,
        invite: q(".invite")?,
        invite_text: q(".invite-text")?,
        details: q(".details")?,
        details_button: q(".details-button")?,
        attach: q(".attach")?,
        attach_input: q(".attach input")?.dyn_into()?,
    })
}

/// A registration field's label: the site's for its own fields, ours for the card's.
fn detail_label(lang: Lang, field: &kefu_protocol::DetailField) -> String {
    match field.id.as_str() {
        "name" => tr(lang, Key::FieldName).to_owned(),
        "email" => tr(lang, Key::FieldEmail).to_owned(),
        "phone" => tr(lang, Key::FieldPhone).to_owned(),
        "company" => tr(lang, Key::FieldCompany).to_owned(),
        _ => field.label.clone(),
    }
}

/// Fills the registration form with the site's fields (labelled inputs, required ones marked),
/// a send button and an error line.
fn build_details(doc: &Document, form: &Element, lang: Lang, details: &DetailsForm) -> Result<(), JsValue> {
    form.set_text_content(None);
    let intro = el(doc, "p", "intro")?;
    intro.set_text_content(Some(tr(lang, Key::DetailsIntro)));
    form.append_child(&intro)?;
    for field in &details.fields {
        let label = el(doc, "label", "detail")?;
        let caption = el(doc, "span", "")?;
        let text = detail_label(lang, field);
        caption.set_text_content(Some(&if field.required { format!("{text} *") } else { text }));
        let input = el(doc, "input", "")?;
        let (kind, autocomplete, max) = match field.id.as_str() {
            "name" => ("text", "name", 50),
            "email" => ("email", "email", 100),
            "phone" => ("tel", "tel", 30),
            "company" => ("text", "organization", 100),
            _ => ("text", "off", kefu_protocol::MAX_DETAIL_VALUE),
        };
        input.set_attribute("type", kind)?;
        input.set_attribute("autocomplete", autocomplete)?;
        input.set_attribute("maxlength", &max.to_string())?;
        input.set_attribute("data-id", &field.id)?;
        if field.required {
            input.set_attribute("aria-required", "true")?;
        }
        label.append_child(&caption)?;
        label.append_child(&input)?;
        form.append_child(&label)?;
    }
    let submit = el(doc, "button", "send-details")?;
    submit.set_attribute("type", "submit")?;
    submit.set_text_content(Some(tr(lang, Key::SendDetails)));
    form.append_child(&submit)?;
    let error = el(doc, "p", "details-error")?;
    error.set_attribute("role", "alert")?;
    form.append_child(&error)?;
    Ok(())
}

/// A message's text into `target`: text nodes, and its web links as links that open a new tab
/// without opener or referrer (nothing else ever becomes markup).
fn append_text(doc: &Document, target: &Element, body: &str) -> Result<(), JsValue> {
    use kefu_protocol::text::Piece;
    for piece in kefu_protocol::text::pieces(body) {
        match piece {
            Piece::Text(text) => {
                // A string appended is a text node: never parsed as markup.
                target.append_with_str_1(text)?;
            }
            Piece::Link(url) => {
                let link = el(doc, "a", "")?;
                link.set_attribute("href", url)?;
                link.set_attribute("target", "_blank")?;
                link.set_attribute("rel", "noopener noreferrer")?;
                link.set_text_content(Some(url));
                target.append_child(&link)?;
            }
        }
    }
    Ok(())
}

fn button(doc: &Document, class: &str, text: &str) -> Result<Element, JsValue> {
    let b = el(doc, "button", class)?;
    b.set_attribute("type", "button")?;
    b.set_text_content(Some(text));
    Ok(b)
}

/// Fills the rating form with the site's levels (radio buttons, best first), a comment box and a
/// send button.
fn build_rating(doc: &Document, form: &Element, lang: Lang, rating: &RatingForm) -> Result<(), JsValue> {
    form.set_text_content(None);
    build_markup(doc, form, RATING_TEMPLATE, lang)?;
    let fieldset = form.query_selector("fieldset")?.ok_or("fieldset")?;
    for level in &rating.levels {
        let label = el(doc, "label", "level")?;
        let radio = el(doc, "input", "")?;
        radio.set_attribute("type", "radio")?;
        radio.set_attribute("name", "score")?;
        radio.set_attribute("value", &level.score.to_string())?;
        if level.comment_required {
            radio.set_attribute("data-comment", "required")?;
        }
        if rating.rated == Some(level.score) {
            radio.set_attribute("checked", "")?;
        }
        let text = el(doc, "span", "")?;
        let name = level.label(lang.tag()).unwrap_or_else(|| i18n::level_text(lang, level.score));
        text.set_text_content(Some(&format!("{} {name}", "★".repeat(level.score as usize))));
        label.append_child(&radio)?;
        label.append_child(&text)?;
        fieldset.append_child(&label)?;
    }
    Ok(())
}

/// The conversation as a self-contained HTML page: the site's name, who said what and when, all
/// as escaped text; no scripts (its own policy forbids them).
fn transcript(w: &Widget) -> String {
    fn escape(text: &str) -> String {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    let site = escape(&w.els.title.text_content().unwrap_or_default());
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{site} — {}</title><style>body{{font-family:system-ui,sans-serif;max-width:42em;margin:2em auto;padding:0 1em}}\
         li{{margin:.6em 0;list-style:none}}.who{{font-weight:600}}time{{color:#57606a;font-size:.85em;margin-left:.5em}}\
         p{{margin:.2em 0;white-space:pre-wrap}}</style></head><body><h1>{site}</h1><h2>{}</h2><ol>",
        w.lang.tag(),
        tr(w.lang, Key::Transcript),
        tr(w.lang, Key::Transcript),
    );
    for m in w.log.messages() {
        let who = match m.sender {
            SenderKind::Visitor => tr(w.lang, Key::You).to_owned(),
            SenderKind::Agent => m.sender_name.clone().unwrap_or_else(|| tr(w.lang, Key::Agent).to_owned()),
        };
        let when: String = js_sys::Date::new(&JsValue::from_f64(m.sent_at as f64))
            .to_locale_string(w.lang.tag(), &JsValue::UNDEFINED)
            .into();
        html.push_str(&format!(
            "<li><span class=\"who\">{}</span><time>{}</time><p>{}</p></li>",
            escape(&who),
            escape(&when),
            escape(&m.body)
        ));
    }
    html.push_str("</ol></body></html>");
    html
}

/// Offers the transcript as a file download.
fn download_transcript(w: &Widget) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(&transcript(w)));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/html;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    save(&w.doc, &w.els.ended, &url, &format!("transcript-{}.html", w.conversation.map_or(0, |c| c.0)))
}

/// Saves a blob URL as a file named `name` (the URL is let go of a little later).
fn save(doc: &Document, parent: &Element, url: &str, name: &str) -> Result<(), JsValue> {
    let link: web_sys::HtmlAnchorElement = el(doc, "a", "")?.dyn_into()?;
    link.set_href(url);
    link.set_download(name);
    parent.append_child(&link)?;
    link.click();
    link.remove();
    let later = url.to_owned();
    if let Some(timer) = gloo_timer::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&later);
    }) {
        std::mem::forget(timer);
    }
    Ok(())
}

/// Prints the transcript from a hidden frame (the host page is not printed).
fn print_transcript(w: &Widget) -> Result<(), JsValue> {
    let frame: web_sys::HtmlIFrameElement = el(&w.doc, "iframe", "printer")?.dyn_into()?;
    frame.set_srcdoc(&transcript(w));
    frame.set_attribute("aria-hidden", "true")?;
    let target = frame.clone();
    let cb = Closure::<dyn FnMut()>::new(move || {
        if let Some(window) = target.content_window() {
            let _ = window.print();
        }
    });
    frame.set_onload(Some(cb.as_ref().unchecked_ref()));
    cb.forget();
    w.els.ended.append_child(&frame)?;
    Ok(())
}

fn listen(target: &Element, event: &str, f: impl FnMut(web_sys::Event) + 'static) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref())?;
    // The widget lives as long as the page.
    cb.forget();
    Ok(())
}

fn wire_events(widget: &Shared, socket: Socket, window: &web_sys::Window) -> Result<(), JsValue> {
    let (launcher, panel, input) = {
        let w = widget.borrow();
        (w.els.launcher.clone(), w.els.panel.clone(), w.els.input.clone())
    };
    let socket = Rc::new(socket);
    {
        let (widget, socket) = (widget.clone(), socket.clone());
        listen(&launcher, "click", move |_| {
            let open = !widget.borrow().open;
            set_open(&widget, &socket, open);
        })?;
    }
    if let Some(close) = panel.query_selector("button.close")? {
        let (widget, socket) = (widget.clone(), socket.clone());
        listen(&close, "click", move |_| set_open(&widget, &socket, false))?;
    }
    if let Some(form) = panel.query_selector("form.composer")? {
        let (widget, socket) = (widget.clone(), socket.clone());
        listen(&form, "submit", move |ev| {
            ev.prevent_default();
            send(&widget, &socket);
        })?;
    }
    {
        let (widget, socket) = (widget.clone(), socket.clone());
        listen(&input, "keydown", move |ev| {
            if let Some(key) = ev.dyn_ref::<web_sys::KeyboardEvent>() {
                if key.key() == "Enter" && !key.shift_key() && !key.is_composing() {
                    ev.prevent_default();
                    send(&widget, &socket);
                }
            }
        })?;
    }
    {
        let (widget, socket) = (widget.clone(), socket.clone());
        listen(&input, "input", move |_| {
            let now = js_sys::Date::now();
            let due = now - widget.borrow().last_typing_at > 2000.0;
            if due {
                widget.borrow_mut().last_typing_at = now;
                socket.send(&FromVisitor::Typing { conversation_id: None, active: true });
            }
            send_draft(&widget, &socket);
        })?;
    }
    wire_files(widget, &panel, &input)?;
    {
        let w = widget.borrow();
        emoji::wire(&panel, &input, &format!("{}/api/v1/visitor/emoji?lang={}", w.base, w.lang.tag()))?;
    }
    wire_end_of_chat(widget, &panel, &socket)?;
    wire_details(widget, &socket)?;
    wire_invitation(widget, &socket)?;
    {
        let (widget, socket) = (widget.clone(), socket.clone());
        let select = widget.borrow().els.topic_select.clone();
        listen(&select.clone().into(), "change", move |_| {
            let mut w = widget.borrow_mut();
            w.category = select.value().parse().ok();
            w.els.error.set_text_content(None);
            socket.send(&FromVisitor::Choose { category: w.category, agent: w.designated.clone() });
        })?;
    }
    // Single-page sites change pages without reloading: report those too.
    for event in ["popstate", "hashchange"] {
        let socket = socket.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            socket.send(&FromVisitor::Page { page: current_page() });
        });
        window.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref())?;
        cb.forget();
    }
    // The socket's event handler needs to send too (sync, resend): keep one handle in a global slot.
    SOCKET.with(|s| *s.borrow_mut() = Some(socket));
    Ok(())
}

/// Files: the attach button, files dropped on the panel, a screenshot pasted into the box, and the
/// buttons of uploads and downloads in the list (one listener for all of them).
fn wire_files(widget: &Shared, panel: &Element, input: &HtmlTextAreaElement) -> Result<(), JsValue> {
    let (picker, list) = {
        let w = widget.borrow();
        (w.els.attach_input.clone(), w.els.list.clone())
    };
    {
        let (widget, target) = (widget.clone(), picker.clone());
        listen(&picker.into(), "change", move |_| {
            files::add(&widget, target.files());
            target.set_value("");
        })?;
    }
    listen(panel, "dragover", |ev| ev.prevent_default())?;
    {
        let widget = widget.clone();
        listen(panel, "drop", move |ev| {
            ev.prevent_default();
            let dropped = ev.dyn_ref::<web_sys::DragEvent>().and_then(|d| d.data_transfer()).and_then(|d| d.files());
            files::add(&widget, dropped);
        })?;
    }
    {
        let widget = widget.clone();
        listen(input, "paste", move |ev| {
            let pasted =
                ev.dyn_ref::<web_sys::ClipboardEvent>().and_then(|c| c.clipboard_data()).and_then(|d| d.files());
            if let Some(files) = pasted.filter(|f| f.length() > 0) {
                ev.prevent_default();
                files::add(&widget, Some(files));
            }
        })?;
    }
    let widget = widget.clone();
    listen(&list, "click", move |ev| {
        let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        if let Some(button) = target.and_then(|t| t.closest("button").ok().flatten()) {
            files::on_click(&widget, &button);
        }
    })
}

/// Sneak peek: what is in the box goes to the agents at most every 250 ms, the last text winning
/// (a change within the wait goes when it ends), card-like digit runs masked.
fn send_draft(widget: &Shared, socket: &Rc<Socket>) {
    const GAP: f64 = 250.0;
    let mut w = widget.borrow_mut();
    if !w.sneak_peek || w.draft_armed {
        return;
    }
    let wait = GAP - (js_sys::Date::now() - w.draft_at);
    if wait <= 0.0 {
        w.draft_at = js_sys::Date::now();
        socket.send(&FromVisitor::Draft { text: kefu_protocol::text::mask_card_numbers(&w.els.input.value()) });
        return;
    }
    w.draft_armed = true;
    let (later, socket) = (widget.clone(), socket.clone());
    w.draft_timer = gloo_timer::Timeout::new(wait.ceil() as i32, move || {
        let mut w = later.borrow_mut();
        w.draft_armed = false;
        w.draft_at = js_sys::Date::now();
        socket.send(&FromVisitor::Draft { text: kefu_protocol::text::mask_card_numbers(&w.els.input.value()) });
    });
}

/// The invitation card's buttons: accepting opens the chat (the server opens the conversation),
/// "Later" declines.
fn wire_invitation(widget: &Shared, socket: &Rc<Socket>) -> Result<(), JsValue> {
    let card = widget.borrow().els.invite.clone();
    for (selector, accept) in [("button.invite-accept", true), ("button.invite-later", false)] {
        let Some(target) = card.query_selector(selector)? else { continue };
        let (widget, socket) = (widget.clone(), socket.clone());
        listen(&target, "click", move |_| {
            let answered = widget.borrow_mut().invitation.take();
            if let Some((invitation_id, ..)) = answered {
                socket.send(&FromVisitor::AnswerInvitation { invitation_id, accept });
            }
            if accept {
                let mut w = widget.borrow_mut();
                if w.ended {
                    w.restart();
                }
                drop(w);
                set_open(&widget, &socket, true);
            } else {
                render(&widget.borrow());
            }
        })?;
    }
    Ok(())
}

/// The registration form: sent as one frame (the server checks it and says which field is wrong);
/// the header button opens and closes it.
fn wire_details(widget: &Shared, socket: &Rc<Socket>) -> Result<(), JsValue> {
    let (form, toggle) = {
        let w = widget.borrow();
        (w.els.details.clone(), w.els.details_button.clone())
    };
    {
        let widget = widget.clone();
        listen(&toggle, "click", move |_| {
            let mut w = widget.borrow_mut();
            w.details_open = !w.details_open;
            render(&w);
        })?;
    }
    let (socket, target) = (socket.clone(), form.clone());
    listen(&form, "submit", move |ev| {
        ev.prevent_default();
        let mut values = Vec::new();
        if let Ok(inputs) = target.query_selector_all("input[data-id]") {
            for i in 0..inputs.length() {
                let Some(input) = inputs.get(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
                let _ = input.remove_attribute("aria-invalid");
                // (`value` read through JS: the widget does without `HtmlInputElement`'s bindings.)
                let value = js_sys::Reflect::get(&input, &"value".into()).ok().and_then(|v| v.as_string());
                values.push((input.get_attribute("data-id").unwrap_or_default(), value.unwrap_or_default()));
            }
        }
        if let Ok(Some(error)) = target.query_selector(".details-error") {
            error.set_text_content(None);
        }
        socket.send(&FromVisitor::Register { values });
    })?;
    Ok(())
}

/// Shows why the registration form was refused, next to the field it names.
fn details_error(w: &Widget, error: &ApiError) {
    let form = &w.els.details;
    let field = match error {
        ApiError::Validation { field, .. } => Some(field.as_str()),
        _ => None,
    };
    let named = field.and_then(|id| w.details.as_ref()?.fields.iter().find(|f| f.id == id));
    let text = match named {
        Some(f) => {
            if let Ok(Some(input)) = form.query_selector(&format!("input[data-id=\"{}\"]", f.id)) {
                let _ = input.set_attribute("aria-invalid", "true");
            }
            let key = if error.code() == ErrorCode::Required { Key::DetailRequired } else { Key::DetailCheck };
            tr(w.lang, key).replace("{field}", &detail_label(w.lang, f))
        }
        None => i18n::error_text(w.lang, error),
    };
    if let Ok(Some(line)) = form.query_selector(".details-error") {
        line.set_text_content(Some(&text));
    }
}

/// What a button of the end of a chat does.
type Action = dyn Fn(&mut Widget, &Socket);

/// The header's Rate and End buttons, the end confirmation, the rating form and the end screen.
fn wire_end_of_chat(widget: &Shared, panel: &Element, socket: &Rc<Socket>) -> Result<(), JsValue> {
    let on = |selector: &str, f: Box<Action>| -> Result<(), JsValue> {
        if let Some(target) = panel.query_selector(selector)? {
            let (widget, socket) = (widget.clone(), socket.clone());
            listen(&target, "click", move |_| {
                let mut w = widget.borrow_mut();
                f(&mut w, &socket);
                render(&w);
            })?;
        }
        Ok(())
    };
    on("button.end", Box::new(|w, _| w.confirming = true))?;
    on("button.confirm-cancel", Box::new(|w, _| w.confirming = false))?;
    on(
        "button.confirm-end",
        Box::new(|w, socket| {
            w.confirming = false;
            socket.send(&FromVisitor::End);
        }),
    )?;
    on("button.rate", Box::new(|w, _| w.rating_open = true))?;
    on(
        "button.download",
        Box::new(|w, _| {
            let _ = download_transcript(w);
        }),
    )?;
    on(
        "button.print",
        Box::new(|w, _| {
            let _ = print_transcript(w);
        }),
    )?;
    on("button.restart", Box::new(|w, _| w.restart()))?;
    let (rating, widget, socket) = (panel.query_selector("form.rating")?, widget.clone(), socket.clone());
    if let Some(form) = rating {
        let target = form.clone();
        listen(&form, "submit", move |ev| {
            ev.prevent_default();
            let w = widget.borrow();
            let checked = target.query_selector("input[name=score]:checked").ok().flatten();
            let comment = target
                .query_selector("textarea")
                .ok()
                .flatten()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
                .map(|t| t.value())
                .unwrap_or_default();
            let error = target.query_selector(".rating-error").ok().flatten();
            let say = |key: Key| {
                if let Some(e) = &error {
                    e.set_text_content(Some(tr(w.lang, key)));
                }
            };
            let Some(choice) = checked else { return say(Key::PickScore) };
            if choice.has_attribute("data-comment") && comment.trim().is_empty() {
                return say(Key::CommentRequired);
            }
            let score = choice.get_attribute("value").and_then(|v| v.parse::<u8>().ok()).unwrap_or(0);
            if let (Some(e), Some(conversation_id)) = (&error, w.conversation) {
                e.set_text_content(None);
                socket.send(&FromVisitor::Rate { conversation_id, score, comment });
            }
        })?;
    }
    Ok(())
}

thread_local! {
    static SOCKET: RefCell<Option<Rc<Socket>>> = const { RefCell::new(None) };
    /// Who the site says the visitor is, told to the server after every (re)connect.
    static IDENTITY: RefCell<Option<FromVisitor>> = const { RefCell::new(None) };
}

/// `{"id": …, "name": …, "email": …, "hash": …}` (the snippet's `data-user-*`, or what the page
/// passes to `kefu('identify', …)`) as the frame that tells the server; `None` without an id.
fn identity_frame(json: &str) -> Option<FromVisitor> {
    let value = kefu_protocol::json::Json::parse(json)?;
    let field = |key: &str| match value.get(key) {
        Some(v) => v.str().map(str::to_owned).or_else(|| v.int().map(|n| n.to_string())).unwrap_or_default(),
        None => String::new(),
    };
    let user_id = field("id");
    (!user_id.trim().is_empty()).then(|| FromVisitor::Identify {
        user_id,
        name: field("name"),
        email: field("email"),
        hash: field("hash"),
    })
}

/// Called by the loader for `kefu('identify', {id, name, email, hash})`: remembered for reconnects
/// and told to the server now if connected.
#[wasm_bindgen]
pub fn identify(json: String) {
    let Some(frame) = identity_frame(&json) else { return };
    send_frame(&frame);
    IDENTITY.with(|i| *i.borrow_mut() = Some(frame));
}

fn send_frame(frame: &FromVisitor) -> bool {
    SOCKET.with(|s| s.borrow().as_ref().is_some_and(|s| s.send(frame)))
}

fn current_page() -> PageInfo {
    let Some(window) = web_sys::window() else { return PageInfo::default() };
    let doc = window.document();
    PageInfo {
        url: window.location().href().unwrap_or_default(),
        title: doc.as_ref().map(|d| d.title()).unwrap_or_default(),
        referrer: doc.as_ref().map(|d| d.referrer()).unwrap_or_default(),
    }
}

fn set_open(widget: &Shared, socket: &Socket, open: bool) {
    let sync = {
        let mut w = widget.borrow_mut();
        w.open = open;
        if open {
            w.unread = 0;
        }
        render(&w);
        if open {
            let _ = w.els.input.focus();
        } else {
            let _ = w.els.launcher.dyn_ref::<web_sys::HtmlElement>().map(|b| b.focus());
        }
        let mut reads = Vec::new();
        tell_read(&mut w, &mut reads);
        for frame in &reads {
            socket.send(frame);
        }
        w.conversation.map(|c| (c, w.log.last_seq()))
    };
    if let (true, Some((conversation_id, after_seq))) = (open, sync) {
        socket.send(&FromVisitor::Sync { conversation_id, after_seq });
    }
}

fn send(widget: &Shared, socket: &Socket) {
    let frame = {
        let mut w = widget.borrow_mut();
        let text = w.els.input.value();
        if w.needs_topic() && w.category.is_none() {
            w.els.error.set_text_content(Some(tr(w.lang, Key::PickTopic)));
            return;
        }
        match MessageBody::parse(&text) {
            Ok(body) => {
                let id = new_client_msg_id();
                w.log.queue(id.clone(), body.as_str().to_owned());
                w.els.input.set_value("");
                w.els.error.set_text_content(None);
                w.details_sent = false;
                w.last_typing_at = 0.0;
                render(&w);
                Some(FromVisitor::Send {
                    conversation_id: None,
                    client_msg_id: id,
                    body: body.as_str().to_owned(),
                    file: None,
                })
            }
            Err(e) if e.code() == ErrorCode::Empty => None,
            Err(e) => {
                w.els.error.set_text_content(Some(&i18n::error_text(w.lang, &e)));
                None
            }
        }
    };
    if let Some(frame) = frame {
        // Not connected? It stays in the outbox and goes out after the next welcome.
        socket.send(&frame);
        socket.send(&FromVisitor::Typing { conversation_id: None, active: false });
    }
}

fn new_client_msg_id() -> String {
    let a = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    let b = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    format!("v{:x}-{a:x}{b:x}", js_sys::Date::now() as u64)
}

impl Widget {
    fn storage(&self) -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    fn stored_token(&self) -> Option<String> {
        self.storage()?.get_item(&self.storage_key).ok().flatten()
    }

    fn store_token(&self, token: &str) {
        if let Some(storage) = self.storage() {
            let _ = storage.set_item(&self.storage_key, token);
        }
    }

    /// Keeps the site's rating scale, rebuilding the form when it changed.
    fn set_rating(&mut self, rating: Option<RatingForm>) {
        let levels_changed = self.rating.as_ref().map(|r| &r.levels) != rating.as_ref().map(|r| &r.levels);
        let rated_changed = self.rating.as_ref().and_then(|r| r.rated) != rating.as_ref().and_then(|r| r.rated);
        if let (Some(form), true) = (&rating, levels_changed || rated_changed) {
            let _ = build_rating(&self.doc, &self.els.rating, self.lang, form);
        }
        self.rating = rating;
    }

    /// Fills the topic list (a first, empty choice, then the site's categories).
    fn set_categories(&mut self, categories: Vec<(i64, String)>) {
        if categories == self.categories {
            return;
        }
        let select = &self.els.topic_select;
        select.set_text_content(None);
        let mut options = vec![(String::new(), tr(self.lang, Key::ChooseTopic).to_owned())];
        options.extend(categories.iter().map(|(id, name)| (id.to_string(), name.clone())));
        for (value, text) in options {
            if let Ok(option) = el(&self.doc, "option", "") {
                let _ = option.set_attribute("value", &value);
                option.set_text_content(Some(&text));
                let _ = select.append_child(&option);
            }
        }
        if !self.category.is_some_and(|c| categories.iter().any(|(id, _)| *id == c)) {
            self.category = None;
        }
        select.set_value(&self.category.map(|c| c.to_string()).unwrap_or_default());
        self.categories = categories;
    }

    /// Whether the visitor must pick a topic before their first message.
    fn needs_topic(&self) -> bool {
        !self.categories.is_empty() && (self.conversation.is_none() || self.ended)
    }

    /// Keeps the site's registration form, rebuilding it when it changed.
    fn set_details(&mut self, details: Option<DetailsForm>) {
        if details != self.details {
            if let Some(form) = &details {
                let _ = build_details(&self.doc, &self.els.details, self.lang, form);
            }
            self.details = details;
        }
    }

    /// Whether the registration form shows: required first, or opened from the header.
    fn details_shown(&self) -> bool {
        self.details.is_some() && !self.closed && (self.must_register() || self.details_open)
    }

    /// Whether the registration form must be sent before the visitor's first message.
    fn must_register(&self) -> bool {
        self.details.as_ref().is_some_and(|d| d.before)
            && !self.registered
            && (self.conversation.is_none() || self.ended)
            && !self.closed
    }

    /// Whether the rating form shows: asked for at the end, or opened during the chat.
    fn rating_shown(&self) -> bool {
        let unrated = self.rating.as_ref().is_some_and(|r| r.rated.is_none());
        self.rating.is_some() && (self.rating_open || (self.ended && unrated))
    }

    /// Back to an empty chat after the end screen: the next message opens a new conversation.
    fn restart(&mut self) {
        self.unavailable = None;
        self.welcome = None;
        self.agent_read = 0;
        self.told_read = 0;
        self.log = ConversationLog::new();
        self.conversation = None;
        self.ended = false;
        self.queued = None;
        self.agent_name = None;
        if let Some(r) = self.rating.as_mut() {
            r.rated = None;
        }
        if let Some(r) = self.rating.clone() {
            let _ = build_rating(&self.doc, &self.els.rating, self.lang, &r);
        }
    }

    /// Switches to another conversation (a new one after the old was closed), keeping the outbox.
    fn switch_to(&mut self, id: ConversationId) {
        if self.conversation != Some(id) {
            if self.conversation.is_some() {
                let mut log = ConversationLog::new();
                for p in self.log.unsent() {
                    log.queue(p.client_msg_id.clone(), p.body.clone());
                }
                self.log = log;
            }
            self.conversation = Some(id);
            self.queued = None;
            self.agent_name = None;
            self.welcome = None;
            self.agent_read = 0;
            self.told_read = 0;
            self.ended = false;
            self.idle_warning = None;
            self.guest_news = None;
            if let Some(r) = self.rating.as_mut() {
                r.rated = None;
            }
        }
    }
}

fn on_event(widget: &Shared, event: SocketEvent<ToVisitor>) {
    let mut out = Vec::new();
    {
        let mut w = widget.borrow_mut();
        match event {
            SocketEvent::Open => {}
            SocketEvent::Closed { .. } => w.connected = false,
            SocketEvent::Frame(ToVisitor::Resync) => {
                // Every visitor of every node may be told at once (a node died): spread the syncs
                // over three seconds rather than answering together.
                let later = widget.clone();
                let delay = (js_sys::Math::random() * 3000.0) as i32;
                w.resync_timer = gloo_timer::Timeout::new(delay, move || {
                    let w = later.borrow();
                    if let Some(conversation_id) = w.conversation {
                        send_frame(&FromVisitor::Sync { conversation_id, after_seq: w.log.last_seq() });
                    }
                });
            }
            SocketEvent::Frame(frame) => apply(&mut w, frame, &mut out),
        }
        tell_read(&mut w, &mut out);
        render(&w);
    }
    for frame in out {
        send_frame(&frame);
    }
    files::fetch_images(widget);
}

/// Tells agents how far the visitor has seen the conversation, while the panel is open.
fn tell_read(w: &mut Widget, out: &mut Vec<FromVisitor>) {
    let (Some(conversation_id), true) = (w.conversation, w.open) else { return };
    let seq = w.log.last_seq();
    if seq > w.told_read {
        w.told_read = seq;
        out.push(FromVisitor::Read { conversation_id, seq });
    }
}

fn apply(w: &mut Widget, frame: ToVisitor, out: &mut Vec<FromVisitor>) {
    match frame {
        ToVisitor::VisitorWelcome {
            token,
            site_name,
            conversation,
            online,
            rating,
            categories,
            greetings,
            agent_read_seq,
            closed,
            sneak_peek,
            details,
            registered,
            uploads,
            ..
        } => {
            w.connected = true;
            w.upload_limit = uploads;
            w.sneak_peek = sneak_peek;
            w.set_details(details);
            w.registered = registered;
            w.greetings = greetings;
            w.online = Some(online);
            w.closed = closed;
            w.set_rating(rating);
            w.set_categories(categories);
            // The server forgets the choice with the connection: tell it again.
            if w.category.is_some() || w.designated.is_some() {
                out.push(FromVisitor::Choose { category: w.category, agent: w.designated.clone() });
            }
            w.store_token(&token);
            w.els.title.set_text_content(Some(&site_name));
            out.push(FromVisitor::Page { page: current_page() });
            if let Some(identity) = IDENTITY.with(|i| i.borrow().clone()) {
                out.push(identity);
            }
            if let Some((id, last_seq)) = conversation {
                w.switch_to(id);
                w.agent_read = w.agent_read.max(agent_read_seq);
                if w.log.last_seq() < last_seq {
                    out.push(FromVisitor::Sync { conversation_id: id, after_seq: w.log.last_seq() });
                }
            }
            for p in w.log.unsent() {
                out.push(FromVisitor::Send {
                    conversation_id: None,
                    client_msg_id: p.client_msg_id.clone(),
                    body: p.body.clone(),
                    file: p.file.as_ref().map(|f| f.id.clone()),
                });
            }
        }
        ToVisitor::FileState { file, state, .. } => {
            w.log.set_file_state(&file, state);
        }
        ToVisitor::Retracted { seq, .. } => {
            w.log.retract(seq, true);
        }
        ToVisitor::Ack { message, .. } => {
            w.idle_warning = None;
            let id = message.conversation_id;
            w.switch_to(id);
            if let (_, Some(after_seq)) = w.log.apply_live(message) {
                out.push(FromVisitor::Sync { conversation_id: id, after_seq });
            }
        }
        ToVisitor::Message { message } => {
            w.idle_warning = None;
            w.switch_to(message.conversation_id);
            let from_agent = message.sender == SenderKind::Agent;
            let (id, (new, missed)) = (message.conversation_id, w.log.apply_live(message));
            if let Some(after_seq) = missed {
                out.push(FromVisitor::Sync { conversation_id: id, after_seq });
            }
            if new && from_agent {
                w.typing_timer = None;
                w.els.typing.set_text_content(None);
                if !w.open {
                    w.unread += 1;
                }
            }
        }
        ToVisitor::Messages { conversation_id, messages, more } if w.conversation == Some(conversation_id) => {
            for m in messages {
                w.log.apply(m);
            }
            if more {
                out.push(FromVisitor::Sync { conversation_id, after_seq: w.log.last_seq() });
            }
        }
        ToVisitor::Typing { sender: SenderKind::Agent, active, .. } => {
            if active {
                w.els.typing.set_text_content(Some(tr(w.lang, Key::AgentTyping)));
                let typing = w.els.typing.clone();
                w.typing_timer = gloo_timer::Timeout::new(6000, move || typing.set_text_content(None));
            } else {
                w.typing_timer = None;
                w.els.typing.set_text_content(None);
            }
        }
        ToVisitor::Registered => {
            w.registered = true;
            w.details_open = false;
            w.details_sent = true;
            w.els.error.set_text_content(None);
        }
        ToVisitor::Availability { online, closed } => {
            w.online = Some(online);
            w.closed = closed;
        }
        ToVisitor::Invitation { invitation_id, agent_name, texts, agent_avatar } => {
            // The site's text in this language, else ours (naming the agent when one invites).
            let text = match texts.iter().find(|(l, t)| l == w.lang.tag() && !t.is_empty()) {
                Some((_, text)) => text.clone(),
                None => match &agent_name {
                    Some(name) => tr(w.lang, Key::InvitedBy).replace("{name}", name),
                    None => tr(w.lang, Key::InviteDefault).to_owned(),
                },
            };
            // Nothing to accept while chatting, or while the site takes no chat.
            if !w.closed && (w.conversation.is_none() || w.ended) {
                // Only a picture the kefu server serves (a path of its own).
                let avatar =
                    agent_avatar.filter(|a| a.starts_with("/api/v1/avatars/")).map(|a| format!("{}{a}", w.base));
                w.invitation = Some((invitation_id, text, avatar));
            }
        }
        ToVisitor::PushUrl { url, agent_name, same_tab } => {
            // Checked again here: only http and https links are ever offered.
            if let Ok(link) = kefu_protocol::text::WebUrl::parse(&url, "url") {
                let host = link.host().to_owned();
                let at = js_sys::Date::now();
                w.links.push(PushedLink { url: link.into_string(), host, agent: agent_name, at, same_tab });
                if w.links.len() > 20 {
                    w.links.remove(0);
                }
                if !w.open {
                    w.unread += 1;
                }
            }
        }
        ToVisitor::Guest { conversation_id, agent_name, joined } if w.conversation == Some(conversation_id) => {
            let key = if joined { Key::GuestJoined } else { Key::GuestLeft };
            w.guest_news = Some(tr(w.lang, key).replace("{name}", &agent_name));
        }
        ToVisitor::IdleWarning { conversation_id, closes_in_secs } if w.conversation == Some(conversation_id) => {
            w.idle_warning = Some((closes_in_secs, js_sys::Date::now()));
        }
        ToVisitor::Unavailable { agent } => w.unavailable = Some(agent),
        ToVisitor::Ended { conversation_id, rating } if w.conversation == Some(conversation_id) => {
            w.ended = true;
            w.confirming = false;
            w.rating_open = false;
            w.queued = None;
            w.set_rating(rating);
        }
        ToVisitor::Rated { conversation_id, score } if w.conversation == Some(conversation_id) => {
            if let Some(r) = w.rating.as_mut() {
                r.rated = Some(score);
            }
            w.rating_open = false;
        }
        ToVisitor::Queued { conversation_id, position, estimate_secs } => {
            w.switch_to(conversation_id);
            w.queued = Some((position, estimate_secs));
        }
        ToVisitor::Assigned { conversation_id, agent_name, welcome } => {
            w.switch_to(conversation_id);
            w.queued = None;
            w.agent_name = Some(agent_name);
            w.welcome = welcome;
        }
        ToVisitor::Read { conversation_id, seq } if w.conversation == Some(conversation_id) => {
            w.agent_read = w.agent_read.max(seq);
        }
        ToVisitor::Error { error: ApiError::TooMany { .. }, client_msg_id: Some(_) } => {
            // Stays in the outbox; resent after the next (re)connect.
        }
        ToVisitor::Error { error, client_msg_id: Some(id) } => {
            let reason = match &error {
                ApiError::Validation { field, .. } if field == "registration" => {
                    tr(w.lang, Key::RegisterFirst).to_owned()
                }
                _ => i18n::error_text(w.lang, &error),
            };
            w.log.fail(&id, reason);
        }
        ToVisitor::Error { error, client_msg_id: None } => {
            let text = i18n::error_text(w.lang, &error);
            match w.els.rating.query_selector(".rating-error").ok().flatten() {
                Some(target) if w.rating_shown() => target.set_text_content(Some(&text)),
                _ if w.details_shown() => details_error(w, &error),
                _ => w.els.error.set_text_content(Some(&text)),
            }
        }
        _ => {}
    }
}

fn render(w: &Widget) {
    let els = &w.els;
    let _ = els.launcher.set_attribute("aria-expanded", if w.open { "true" } else { "false" });
    if w.open {
        let _ = els.panel.remove_attribute("hidden");
    } else {
        let _ = els.panel.set_attribute("hidden", "");
    }
    if w.unread > 0 && !w.open {
        els.badge.set_text_content(Some(&w.unread.to_string()));
        let _ = els.launcher.set_attribute(
            "aria-label",
            &format!("{} ({} {})", tr(w.lang, Key::OpenChat), w.unread, tr(w.lang, Key::Unread)),
        );
    } else {
        els.badge.set_text_content(None);
        let _ = els.launcher.set_attribute("aria-label", tr(w.lang, Key::OpenChat));
    }
    els.status.set_text_content(if w.connected { None } else { Some(tr(w.lang, Key::Connecting)) });
    match &w.invitation {
        Some((_, text, avatar)) if !w.open && !w.closed => {
            els.invite_text.set_text_content(Some(text));
            if let Ok(Some(img)) = els.invite.query_selector("img.invite-avatar") {
                match avatar {
                    Some(src) => {
                        let _ = img.set_attribute("src", src);
                        let _ = img.remove_attribute("hidden");
                    }
                    None => {
                        let _ = img.set_attribute("hidden", "");
                    }
                }
            }
            let _ = els.invite.remove_attribute("hidden");
        }
        _ => {
            let _ = els.invite.set_attribute("hidden", "");
        }
    }
    let online = w.online.unwrap_or(false) && !w.closed;
    let _ = els.launcher.set_attribute("data-online", if online { "true" } else { "false" });
    els.presence.set_text_content(w.online.map(|_| tr(w.lang, if online { Key::Online } else { Key::Offline })));
    let notice = match (&w.queued, &w.agent_name) {
        (Some((place, wait)), _) => {
            let mut text = tr(w.lang, Key::QueuePlace).replace("{n}", &place.to_string());
            if let Some(secs) = wait {
                text.push(' ');
                text.push_str(&tr(w.lang, Key::QueueWait).replace("{m}", &secs.div_ceil(60).max(1).to_string()));
            }
            Some(text)
        }
        (None, Some(name)) => Some(tr(w.lang, Key::NowTalkingTo).replace("{name}", name)),
        (None, None) => w.unavailable.as_ref().map(|a| tr(w.lang, Key::Unavailable).replace("{name}", a)),
    };
    let notice = match (w.idle_warning, w.ended) {
        (Some((secs, _)), false) => {
            Some(tr(w.lang, Key::IdleSoon).replace("{m}", &secs.div_ceil(60).max(1).to_string()))
        }
        _ => notice,
    };
    let notice = match (&w.guest_news, notice) {
        (Some(news), Some(n)) => Some(format!("{n} {news}")),
        (news, n) => n.or_else(|| news.clone()),
    };
    let notice = notice.or_else(|| w.details_sent.then(|| tr(w.lang, Key::DetailsSent).to_owned()));
    // Shut out: that is all the visitor learns.
    let notice = if w.closed { Some(tr(w.lang, Key::ChatUnavailable).to_owned()) } else { notice };
    els.notice.set_text_content(notice.as_deref());
    let show = |e: &Element, shown: bool| {
        let _ = if shown { e.remove_attribute("hidden") } else { e.set_attribute("hidden", "") };
    };
    let chatting = w.conversation.is_some() && !w.ended;
    show(&els.end_button, chatting && !w.confirming);
    show(&els.rate_button, chatting && w.rating.is_some() && !w.rating_open);
    show(&els.confirm, w.confirming && chatting);
    show(&els.rating, w.rating_shown());
    show(&els.ended, w.ended);
    let forced = w.must_register();
    show(&els.composer, !w.ended && !w.closed && !forced);
    show(&els.details, w.details_shown());
    show(&els.details_button, w.details.is_some() && !forced && !w.closed);
    let _ = els.details_button.set_attribute("aria-expanded", if w.details_shown() { "true" } else { "false" });
    show(&els.peek_note, w.sneak_peek && !w.ended && !w.closed);
    show(&els.attach, w.upload_limit.is_some());
    show(&els.topic, w.needs_topic() && !w.ended && !w.closed);
    show(&els.typing, !w.ended);
    // No new chat while the site takes none from this visitor.
    if let Some(restart) = els.ended.query_selector(".restart").ok().flatten() {
        show(&restart, !w.closed);
    }
    if let Some(rated) = els.ended.query_selector(".rated").ok().flatten() {
        let score = w.rating.as_ref().and_then(|r| r.rated);
        rated.set_text_content(score.map(|_| tr(w.lang, Key::RatingThanks)));
    }

    els.list.set_text_content(None);
    let append_file = |class: &str,
                       who: &str,
                       body: &str,
                       file: Option<&kefu_protocol::Attachment>,
                       note: Option<&str>|
     -> Result<(), JsValue> {
        let li = el(&w.doc, "li", class)?;
        let who_el = el(&w.doc, "span", "who")?;
        who_el.set_text_content(Some(who));
        let body_el = match file {
            Some(file) => files::body(w, file)?,
            None => {
                let p = el(&w.doc, "p", "body")?;
                append_text(&w.doc, &p, body)?;
                p
            }
        };
        li.append_child(&who_el)?;
        li.append_child(&body_el)?;
        if let Some(note) = note {
            let note_el = el(&w.doc, "span", "state")?;
            note_el.set_text_content(Some(note));
            li.append_child(&note_el)?;
        }
        els.list.append_child(&li)?;
        Ok(())
    };
    let append = |class: &str, who: &str, body: &str, note: Option<&str>| -> Result<(), JsValue> {
        append_file(class, who, body, None, note)
    };
    // The agent's own welcome once they took the chat, else the site's in this language, else ours.
    let greeting = w
        .welcome
        .as_deref()
        .or_else(|| w.greetings.iter().find(|(l, t)| l == w.lang.tag() && !t.is_empty()).map(|(_, t)| t.as_str()))
        .unwrap_or(tr(w.lang, Key::Greeting));
    let greeter = w.agent_name.as_deref().filter(|_| w.welcome.is_some()).unwrap_or(tr(w.lang, Key::Agent));
    let _ = append("msg theirs greeting", greeter, greeting, None);
    // "Read" under the visitor's last message agents have read (a reply reads what came before).
    let read_upto =
        w.log.messages().filter(|m| m.sender == SenderKind::Agent).map(|m| m.seq - 1).fold(w.agent_read, i64::max);
    let last_read =
        w.log.messages().filter(|m| m.sender == SenderKind::Visitor && m.seq <= read_upto).map(|m| m.seq).max();
    // A link an agent sent, as text with its host and an "Open" link (a new tab, without opener).
    let link_card = |link: &PushedLink| -> Result<(), JsValue> {
        let li = el(&w.doc, "li", "msg theirs link")?;
        let who = el(&w.doc, "span", "who")?;
        who.set_text_content(Some(&tr(w.lang, Key::LinkFrom).replace("{name}", &link.agent)));
        let host = el(&w.doc, "strong", "host")?;
        host.set_text_content(Some(&link.host));
        let url = el(&w.doc, "p", "body url")?;
        url.set_text_content(Some(&link.url));
        let open = el(&w.doc, "a", "open-link")?;
        open.set_attribute("href", &link.url)?;
        if !link.same_tab {
            open.set_attribute("target", "_blank")?;
        }
        open.set_attribute("rel", "noopener noreferrer")?;
        open.set_attribute("aria-label", &format!("{} {}", tr(w.lang, Key::OpenLink), link.host))?;
        open.set_text_content(Some(tr(w.lang, Key::OpenLink)));
        for child in [&who, &host, &url, &open] {
            li.append_child(child)?;
        }
        els.list.append_child(&li)?;
        Ok(())
    };
    let mut links = w.links.iter().peekable();
    for m in w.log.messages() {
        while let Some(link) = links.next_if(|l| l.at < m.sent_at as f64) {
            let _ = link_card(link);
        }
        let read = (Some(m.seq) == last_read).then(|| tr(w.lang, Key::Read));
        let file = m.file.as_ref();
        let withdrawn = tr(w.lang, Key::MessageWithdrawn);
        let body = if m.retracted { withdrawn } else { m.body.as_str() };
        let _ = match m.sender {
            SenderKind::Visitor => append_file("msg mine", tr(w.lang, Key::You), body, file, read),
            SenderKind::Agent => {
                let who = m.sender_name.as_deref().unwrap_or(tr(w.lang, Key::Agent));
                let class = if m.retracted { "msg theirs withdrawn" } else { "msg theirs" };
                append_file(class, who, body, file, None)
            }
        };
    }
    for link in links {
        let _ = link_card(link);
    }
    for p in w.log.pending() {
        let note = match &p.failed {
            Some(reason) => format!("{}: {reason}", tr(w.lang, Key::NotSent)),
            None => tr(w.lang, Key::Sending).to_owned(),
        };
        let _ = append("msg mine pending", tr(w.lang, Key::You), &p.body, Some(&note));
    }
    let _ = files::render_uploads(w);
    if let Some(log) = els.list.parent_element() {
        log.set_scroll_top(log.scroll_height());
    }
}

/// A small free-list allocator instead of the standard library's dlmalloc: 3.3 KB gzip less on
/// every customer page (measured with `make widget-release`). The widget allocates little and
/// briefly (frames, re-rendered lists), where a first-fit free list does as well.
// SAFETY: a browser page runs the widget's WASM on one thread only (no threads, no shared memory).
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
