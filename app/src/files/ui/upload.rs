//! Files the agent is sending: picked with the attach button, dropped on the chat, or pasted into
//! the reply box (a screenshot). Each uploads with `XMLHttpRequest` (fetch reports no upload
//! progress) and shows its progress with a cancel button; a failed one says why and can be retried;
//! an uploaded one is sent as a message ([`crate::kit::live::Live::send_file`]).

use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};

/// A query-string value: everything but letters, digits and `-_.~` percent-encoded as UTF-8
/// (what `encodeURIComponent` does, so a Chinese file name arrives intact).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One upload under the reply box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadItem {
    pub key: u64,
    pub name: String,
    pub percent: u32,
    /// Why it failed (translated); it can be retried.
    pub error: Option<String>,
}

/// What the browser holds for an upload: the file (for a retry) and the request in flight.
#[cfg(feature = "hydrate")]
struct Held {
    file: web_sys::File,
    xhr: Option<web_sys::XmlHttpRequest>,
    progress: Option<wasm_bindgen::closure::Closure<dyn FnMut(web_sys::ProgressEvent)>>,
}

#[cfg(not(feature = "hydrate"))]
struct Held;

/// The uploads of one chat. (On the server nothing uploads: only the view is rendered.)
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct Uploads {
    items: RwSignal<Vec<UploadItem>>,
    held: StoredValue<std::collections::HashMap<u64, Held>, LocalStorage>,
    next: StoredValue<u64>,
    /// The upload URL for a file name.
    target: Callback<String, String>,
    /// Gets the server's answer to a stored upload (its JSON).
    on_done: Callback<String>,
    /// Errors are told in it.
    lang: crate::i18n::Lang,
}

impl Uploads {
    pub fn new(lang: crate::i18n::Lang, target: Callback<String, String>, on_done: Callback<String>) -> Uploads {
        Uploads {
            lang,
            items: RwSignal::new(Vec::new()),
            held: StoredValue::new_local(Default::default()),
            next: StoredValue::new(1),
            target,
            on_done,
        }
    }

    pub fn items(&self) -> Vec<UploadItem> {
        self.items.get()
    }

    /// How much of an upload has gone, in percent.
    pub fn percent(&self, key: u64) -> u32 {
        self.items.with(|l| l.iter().find(|i| i.key == key).map_or(0, |i| i.percent))
    }

    fn set(&self, key: u64, change: impl FnOnce(&mut UploadItem)) {
        self.items.update(|list| {
            if let Some(item) = list.iter_mut().find(|i| i.key == key) {
                change(item);
            }
        });
    }

    /// Stops an upload (or drops a failed one).
    pub fn cancel(&self, key: u64) {
        self.items.update(|list| list.retain(|i| i.key != key));
        #[cfg(feature = "hydrate")]
        if let Some(Held { xhr: Some(xhr), .. }) = self.held.try_update_value(|h| h.remove(&key)).flatten() {
            let _ = xhr.abort();
        }
        #[cfg(not(feature = "hydrate"))]
        self.held.update_value(|h| {
            h.remove(&key);
        });
    }

    pub fn retry(&self, key: u64) {
        self.set(key, |i| {
            i.error = None;
            i.percent = 0;
        });
        #[cfg(feature = "hydrate")]
        self.start(key);
    }
}

#[cfg(feature = "hydrate")]
impl Uploads {
    /// Starts uploading each file.
    pub fn add_all(&self, files: Option<web_sys::FileList>) {
        let Some(files) = files else { return };
        for i in 0..files.length() {
            if let Some(file) = files.get(i) {
                self.add(file);
            }
        }
    }

    pub fn add(&self, file: web_sys::File) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        self.items.update(|l| l.push(UploadItem { key, name: file.name(), percent: 0, error: None }));
        self.held.update_value(|h| {
            h.insert(key, Held { file, xhr: None, progress: None });
        });
        self.start(key);
    }

    fn start(&self, key: u64) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let Some(file) = self.held.with_value(|h| h.get(&key).map(|held| held.file.clone())) else { return };
        let url = self.target.run(file.name());
        let Ok(xhr) = web_sys::XmlHttpRequest::new() else { return };
        if xhr.open("POST", &url).is_err() {
            return;
        }
        let this = *self;
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                let percent = (e.loaded() / e.total() * 100.0).clamp(0.0, 100.0) as u32;
                this.set(key, |i| i.percent = percent);
            }
        });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        let request = xhr.clone();
        // Called once, then freed by wasm-bindgen.
        let done = Closure::once_into_js(move || this.finished(key, &request));
        xhr.set_onloadend(Some(done.unchecked_ref()));
        let sent = xhr.send_with_opt_blob(Some(&file));
        self.held.update_value(|h| {
            if let Some(held) = h.get_mut(&key) {
                held.xhr = Some(xhr);
                held.progress = Some(progress);
            }
        });
        if sent.is_err() {
            this.fail(key, &kefu_protocol::ApiError::Network { message: "upload".into() });
        }
    }

    fn finished(&self, key: u64, xhr: &web_sys::XmlHttpRequest) {
        use kefu_protocol::ApiError;
        // Cancelled: nothing left to tell.
        if !self.items.with_untracked(|l| l.iter().any(|i| i.key == key)) {
            return;
        }
        // The progress closure is not running now: it can go.
        self.held.update_value(|h| {
            if let Some(held) = h.get_mut(&key) {
                held.xhr = None;
                held.progress = None;
            }
        });
        let status = xhr.status().unwrap_or(0);
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        if status == 201 {
            self.items.update(|l| l.retain(|i| i.key != key));
            self.held.update_value(|h| {
                h.remove(&key);
            });
            self.on_done.run(text);
            return;
        }
        let error = match (status, serde_json::from_str::<ApiError>(&text)) {
            (0, _) => ApiError::Network { message: "upload".into() },
            (_, Ok(error)) => error,
            _ => ApiError::Internal,
        };
        self.fail(key, &error);
    }

    fn fail(&self, key: u64, error: &kefu_protocol::ApiError) {
        let text = crate::i18n::error_text(self.lang, error);
        self.set(key, |i| i.error = Some(text));
    }
}

/// The attach button (a file input whose label is the button).
#[component]
pub fn AttachButton(
    uploads: Uploads,
    /// What it is called (default: "Attach a file").
    #[prop(optional)]
    label: Option<&'static str>,
) -> impl IntoView {
    let lang = use_lang();
    // A named button shows its name; the reply box's is its icon alone (named for screen readers).
    let shown = label;
    let label = label.unwrap_or(tr(lang, Key::AttachFile));
    view! {
        <label class="attach" title=label>
            <input
                type="file"
                multiple
                class="visually-hidden"
                aria-label=label
                on:change=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            uploads.add_all(input.files());
                            // The same file can be picked again.
                            input.set_value("");
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = (ev, uploads);
                }
            />
            // A paper clip, drawn: emoji fonts are not everywhere.
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M16 6v10a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10a1 1 0 0 1-2 0V6"/>
            </svg>
            {shown.map(|text| view! { <span class="attach-label" aria-hidden="true">{text}</span> })}
        </label>
    }
}

/// The uploads in progress or failed, each with its progress, cancel and retry.
#[component]
pub fn UploadList(uploads: Uploads) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul class="uploads" aria-live="polite">
            <For each=move || uploads.items() key=|i| (i.key, i.error.clone()) let:item>
                {
                    let key = item.key;
                    let named = |k: Key| tr(lang, k).replace("{name}", &item.name);
                    let failed = item.error.is_some();
                    view! {
                        <li class=if failed { "upload failed" } else { "upload" }>
                            <span class="name">{item.name.clone()}</span>
                            {match item.error.clone() {
                                None => view! {
                                    <progress max="100" value=move || uploads.percent(key).to_string() aria-label=named(Key::UploadProgress)></progress>
                                    <span class="percent">{move || format!("{}%", uploads.percent(key))}</span>
                                    <button type="button" aria-label=named(Key::CancelUpload) on:click=move |_| uploads.cancel(key)>
                                        {tr(lang, Key::Cancel)}
                                    </button>
                                }.into_any(),
                                Some(error) => view! {
                                    <span class="error" role="alert">{tr(lang, Key::UploadFailed)} ": " {error}</span>
                                    <button type="button" aria-label=named(Key::RetryUpload) on:click=move |_| uploads.retry(key)>
                                        {tr(lang, Key::Retry)}
                                    </button>
                                    <button type="button" aria-label=named(Key::CancelUpload) on:click=move |_| uploads.cancel(key)>
                                        "×"
                                    </button>
                                }.into_any(),
                            }}
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
