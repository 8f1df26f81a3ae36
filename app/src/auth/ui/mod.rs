use leptos::prelude::*;

use super::api::Login;
use crate::i18n::{error_text, tr, use_lang, Key};

/// Sign-in form. Works without JavaScript too: the form posts to the server function, which sends
/// the browser back here, and the server sends a signed-in agent on to the workbench.
#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<Login>::new();
    let error = move || action.value().get().and_then(|r| r.err()).map(|e| error_text(lang, &e.0));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            // A full load so the workbench renders with the new session cookie.
            let _ = window().location().set_href("/");
        }
    });
    view! {
        <main class="login">
            <h1>{tr(lang, Key::SignInTitle)}</h1>
            <ActionForm action=action>
                <label>
                    {tr(lang, Key::Login)}
                    <input type="text" name="login" autocomplete="username" required maxlength="254"/>
                </label>
                <label>
                    {tr(lang, Key::Password)}
                    <input type="password" name="password" autocomplete="current-password" required maxlength="1024"/>
                </label>
                <label class="check">
                    <input type="checkbox" name="remember" value="on"/>
                    {tr(lang, Key::KeepSignedIn)}
                </label>
                <button type="submit" disabled=move || action.pending().get()>
                    {tr(lang, Key::SignIn)}
                </button>
                <p role="alert" class="error">{error}</p>
            </ActionForm>
        </main>
    }
}
