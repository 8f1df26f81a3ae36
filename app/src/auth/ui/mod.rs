use leptos::prelude::*;

use super::api::{setup_needed, Login, Setup};
use crate::i18n::{tr, use_lang, Key};
use crate::kit::form::{action_error, error_outside, Field};

/// Sign-in form: company account, account (or e-mail or mobile) and password. Works without
/// JavaScript too: the form posts to the server function, which sends the browser back here, and
/// the server sends a signed-in agent on to the workbench.
#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<Login>::new();
    let error = action_error(action);
    let fields = ["company", "login", "password"];
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            // A full load so the workbench renders with the new session cookie.
            let _ = window().location().set_href("/");
        }
    });
    // Offered only on an empty server (loaded in the browser: the server render has no link).
    let needed = LocalResource::new(setup_needed);
    view! {
        <main class="login">
            <h1>{tr(lang, Key::SignInTitle)}</h1>
            <ActionForm action=action>
                <Field label=tr(lang, Key::Company) name="company" autocomplete="organization" maxlength=32 required=true error/>
                <Field label=tr(lang, Key::Login) name="login" autocomplete="username" maxlength=254 required=true error/>
                <Field label=tr(lang, Key::Password) name="password" kind="password" autocomplete="current-password"
                    maxlength=1024 required=true error/>
                <label class="check">
                    <input type="checkbox" name="remember" value="on"/>
                    {tr(lang, Key::KeepSignedIn)}
                </label>
                <button type="submit" disabled=move || action.pending().get()>
                    {tr(lang, Key::SignIn)}
                </button>
                <p role="alert" class="error">{move || error_outside(lang, error.get(), &fields)}</p>
            </ActionForm>
            <Suspense>
                {move || Suspend::new(async move {
                    matches!(needed.await, Ok(true))
                        .then(|| view! { <p><a href="/setup">{tr(lang, Key::SetupLink)}</a></p> })
                })}
            </Suspense>
        </main>
    }
}

/// First run: the first company, its admin account and its first website. Closed (the server says
/// so) once any company exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<Setup>::new();
    let error = action_error(action);
    let fields = ["name", "company", "login", "password", "site_name"];
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            let _ = window().location().set_href("/");
        }
    });
    view! {
        <main class="login setup">
            <h1>{tr(lang, Key::SetupTitle)}</h1>
            <p>{tr(lang, Key::SetupHint)}</p>
            <ActionForm action=action>
                <Field label=tr(lang, Key::CompanyName) name="name" autocomplete="organization" maxlength=100 required=true error/>
                <Field label=tr(lang, Key::Company) name="company" maxlength=32 required=true
                    hint=tr(lang, Key::CompanyAccountHint) error/>
                <Field label=tr(lang, Key::Login) name="login" autocomplete="username" maxlength=50 required=true error/>
                <Field label=tr(lang, Key::Password) name="password" kind="password" autocomplete="new-password"
                    maxlength=20 required=true hint=tr(lang, Key::PasswordRules) error/>
                <Field label=tr(lang, Key::SiteName) name="site_name" maxlength=100 required=true error/>
                <button type="submit" disabled=move || action.pending().get()>
                    {tr(lang, Key::CreateCompany)}
                </button>
                <p role="alert" class="error">
                    {move || match error.get() {
                        Some(kefu_protocol::ApiError::Conflict { code: kefu_protocol::ErrorCode::Protected, .. }) => {
                            Some(tr(lang, Key::SetupDone).to_owned())
                        }
                        other => error_outside(lang, other, &fields),
                    }}
                </p>
            </ActionForm>
        </main>
    }
}
