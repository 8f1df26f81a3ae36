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
    #[prop(optional, into)] value: Option<Signal<String>>,
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
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <input
                id=input_id
                type=kind
                name=name
                autocomplete=autocomplete
                maxlength=maxlength.map(|m| m.to_string())
                required=required
                prop:value=move || value.map(|v| v.get()).unwrap_or_default()
                aria-invalid=move || text().is_some().then_some("true")
                aria-describedby=described
            />
            {hint.map(|h| view! { <span class="hint" id=hint_id.clone()>{h}</span> })}
            <span class="field-error" id=error_id role="alert">{text}</span>
        </div>
    }
}
