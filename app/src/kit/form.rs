//! Form pieces every back-office page uses: a labelled input that shows its own error next to it
//! (a server function's `Validation` or `Conflict` about that field, in the agent's language), and
//! the form-wide alert for the rest.

use kefu_protocol::ApiError;
use leptos::prelude::*;

use crate::i18n::{error_text, Lang};
use crate::infra::error::AppError;

/// The error of the last submission of a server action, if it failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<ApiError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<I>: Copy,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()).map(|e| e.0))
}

/// Runs `then` with the result each time the action succeeds (close the form, say "Saved.",
/// reload the list).
pub fn on_success<I, O>(action: ServerAction<I>, then: impl Fn(O) + 'static)
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<I>: Copy,
{
    Effect::new(move |_| {
        if let Some(Ok(value)) = action.value().get() {
            then(value);
        }
    });
}

/// The error text for `field`, when the error is about it.
pub fn error_for(lang: Lang, error: Option<ApiError>, field: &str) -> Option<String> {
    error.filter(|e| e.field() == Some(field)).map(|e| error_text(lang, &e))
}

/// The error text when it is about no field of the form (shown in the form's alert).
pub fn error_outside(lang: Lang, error: Option<ApiError>, fields: &[&str]) -> Option<String> {
    error.filter(|e| e.field().is_none_or(|f| !fields.contains(&f))).map(|e| error_text(lang, &e))
}

/// A labelled input named `name` (its label is only `label`, so its accessible name stays short); its error (if the last submission failed on it) is shown under
/// it, announced, and tied to it with `aria-describedby`; `hint` is shown under the label.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    /// The signal the input reads and writes (a form sent by the page, not posted by the browser).
    #[prop(optional)]
    bind: Option<RwSignal<String>>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let text = move || error_for(lang, error.get(), name);
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if text().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let input_id = format!("field-{name}");
    // A posted form's input is the browser's alone: a reactive value would empty what was typed
    // before hydration finished.
    let input = match bind {
        Some(bind) => view! {
            <input
                id=input_id.clone()
                type=kind
                name=name
                autocomplete=autocomplete
                maxlength=maxlength.map(|m| m.to_string())
                required=required
                prop:value=move || bind.get()
                on:input=move |ev| bind.set(event_target_value(&ev))
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=described.clone()
            />
        }
        .into_any(),
        None => view! {
            <input
                id=input_id.clone()
                type=kind
                name=name
                autocomplete=autocomplete
                maxlength=maxlength.map(|m| m.to_string())
                required=required
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=described
            />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=input_id>{label}</label>
            {input}
            {hint.map(|h| view! { <span class="hint" id=hint_id.clone()>{h}</span> })}
            <span class="field-error" id=error_id role="alert">{text}</span>
        </div>
    }
}

/// The ids of a field's hint and error, for `aria-describedby`.
fn described_by(name: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{name}-hint"));
    }
    if error {
        ids.push(format!("{name}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled multi-line input bound to `bind`, with its hint and error like [`Field`].
#[component]
pub fn AreaField(
    label: &'static str,
    name: &'static str,
    bind: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let text = move || error_for(lang, error.get(), name);
    let input_id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <textarea
                id=input_id
                name=name
                rows=rows
                maxlength=maxlength.map(|m| m.to_string())
                prop:value=move || bind.get()
                on:input=move |ev| bind.set(event_target_value(&ev))
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=move || described_by(name, hint.is_some(), text().is_some())
            ></textarea>
            {hint.map(|h| view! { <span class="hint" id=format!("{name}-hint")>{h}</span> })}
            <span class="field-error" id=format!("{name}-error") role="alert">{text}</span>
        </div>
    }
}

/// A labelled choice bound to `bind` (the chosen option's value); `options` are (value, text).
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    bind: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let text = move || error_for(lang, error.get(), name);
    let input_id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <select
                id=input_id
                name=name
                on:change=move |ev| bind.set(event_target_value(&ev))
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=move || described_by(name, false, text().is_some())
            >
                {move || options.get().into_iter().map(|(value, text)| {
                    let selected = bind.get() == value;
                    view! { <option value=value selected=selected>{text}</option> }
                }).collect_view()}
            </select>
            <span class="field-error" id=format!("{name}-error") role="alert">{text}</span>
        </div>
    }
}

/// A labelled checkbox bound to `bind`.
#[component]
pub fn CheckField(label: String, bind: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=move || bind.get() on:change=move |ev| bind.set(event_target_checked(&ev))/>
            {label}
        </label>
    }
}

/// Previous / next page buttons under a paged table, with "from–to of total".
#[component]
pub fn Pager(offset: RwSignal<i64>, page: i64, #[prop(into)] total: Signal<i64>) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let range = move || {
        let total = total.get();
        let from = if total == 0 { 0 } else { offset.get() + 1 };
        let to = (offset.get() + page).min(total);
        crate::i18n::tr(lang, crate::i18n::Key::RangeOfTotal)
            .replace("{from}", &from.to_string())
            .replace("{to}", &to.to_string())
            .replace("{total}", &total.to_string())
    };
    view! {
        <div class="pager">
            <button type="button" disabled=move || offset.get() == 0
                on:click=move |_| offset.update(|o| *o = (*o - page).max(0))>
                {crate::i18n::tr(lang, crate::i18n::Key::Previous)}
            </button>
            <span>{range}</span>
            <button type="button" disabled=move || { offset.get() + page >= total.get() }
                on:click=move |_| offset.update(|o| *o += page)>
                {crate::i18n::tr(lang, crate::i18n::Key::Next)}
            </button>
        </div>
    }
}

/// Asks before deleting `name`: a dialog with the question and Delete / Cancel; with `typed`, the
/// name must be typed again before Delete is enabled.
#[component]
pub fn ConfirmDelete(
    name: String,
    #[prop(optional)] typed: Option<RwSignal<String>>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    use crate::i18n::{tr, Key};
    let lang = crate::i18n::use_lang();
    let question = match typed {
        Some(_) => tr(lang, Key::ConfirmDeleteNamed),
        None => tr(lang, Key::ConfirmDelete),
    }
    .replace("{name}", &name);
    let expected = name.clone();
    let ready = move || typed.is_none_or(|t| t.get().trim() == expected);
    view! {
        <section class="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-question">
            <p id="confirm-question">{question}</p>
            {typed.map(|t| view! {
                <label class="field">
                    <span>{tr(lang, Key::TypeName)}</span>
                    <input type="text" prop:value=move || t.get() on:input=move |ev| t.set(event_target_value(&ev))/>
                </label>
            })}
            <div class="buttons">
                <button type="button" class="danger" disabled=move || !ready() on:click=move |_| on_confirm.run(())>
                    {tr(lang, Key::Delete)}
                </button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
        </section>
    }
}

/// The largest image the browser sends (the server's limit too).
pub const MAX_IMAGE_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

/// Reads the file chosen in a file input (at most `max` bytes, else `TooLong` for `name`) and gives
/// it to `on_pick` as base64.
fn read_picked(ev: leptos::ev::Event, name: &'static str, max: usize, on_pick: Callback<Result<String, ApiError>>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        if file.size() > max as f64 {
            on_pick.run(Err(ApiError::invalid(name, kefu_protocol::ErrorCode::TooLong)));
            return;
        }
        leptos::task::spawn_local(async move {
            let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else { return };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            use base64::Engine as _;
            on_pick.run(Ok(base64::engine::general_purpose::STANDARD.encode(bytes)));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, name, max, on_pick);
}

/// A file input (of the types `accept` names) whose file, read in the browser, goes to `on_pick` as
/// base64; a file over `max_bytes` is refused there with `TooLong`.
#[component]
pub fn FilePicker(
    label: &'static str,
    name: &'static str,
    accept: &'static str,
    max_bytes: usize,
    on_pick: Callback<Result<String, ApiError>>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let text = move || error_for(lang, error.get(), name);
    let input_id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <input id=input_id type="file" accept=accept
                on:change=move |ev| read_picked(ev, name, max_bytes, on_pick)
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=move || described_by(name, false, text().is_some())/>
            <span class="field-error" id=format!("{name}-error") role="alert">{text}</span>
        </div>
    }
}

/// An image chooser: the current image (if any), and a file input whose chosen file is read and
/// handed to `on_pick` base64-encoded, or refused here when it is too large to send.
#[component]
pub fn ImagePicker(
    label: &'static str,
    name: &'static str,
    #[prop(into)] current: Signal<Option<String>>,
    on_pick: Callback<Result<String, ApiError>>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let text = move || error_for(lang, error.get(), name);
    let input_id = format!("field-{name}");
    let picked = move |ev: leptos::ev::Event| read_picked(ev, name, MAX_IMAGE_BYTES as usize, on_pick);
    view! {
        <div class="field image-picker">
            <label for=input_id.clone()>{label}</label>
            {move || current.get().map(|src| view! { <img src=src alt=label width="64" height="64"/> })}
            <input
                id=input_id
                type="file"
                accept="image/png,image/jpeg,image/gif,image/webp"
                on:change=picked
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=move || described_by(name, false, text().is_some())
            />
            <span class="field-error" id=format!("{name}-error") role="alert">{text}</span>
        </div>
    }
}
