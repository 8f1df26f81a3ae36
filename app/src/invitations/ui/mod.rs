//! The invitations page (per site): the automatic invitation (on or off, after how long, on which
//! pages, its text per language) and sneak peek.

use leptos::prelude::*;

use super::api::{site_invitations, SaveSiteInvitations};
use super::{InviteSettings, MAX_TEXT};
use crate::i18n::{lang_name, tr, use_lang, Key, LANG_TAGS as LABEL_LANGS};
use crate::kit::form::{action_error, error_outside, on_success, AreaField, CheckField, Field};

/// The invitations page (admins): per site, the automatic invitation and sneak peek.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    let lang = use_lang();
    crate::sites::ui::site_settings_page(
        "invitations",
        tr(lang, Key::SiteInvitations),
        None,
        site_invitations,
        |settings, notice, on_saved| {
            view! { <InviteForm settings notice on_saved/> }
        },
    )
}

#[component]
fn InviteForm(
    settings: InviteSettings,
    notice: RwSignal<Option<&'static str>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveSiteInvitations>::new();
    let error = action_error(save);
    on_success(save, move |_| {
        notice.set(Some(tr(lang, Key::Saved)));
        on_saved.run(());
    });
    let auto = RwSignal::new(settings.auto);
    let sneak_peek = RwSignal::new(settings.sneak_peek);
    let after = RwSignal::new(settings.after_secs.to_string());
    let pages = RwSignal::new(settings.pages.join("\n"));
    let texts = LABEL_LANGS.map(|tag| {
        RwSignal::new(settings.texts.iter().find(|(l, _)| l == tag).map(|(_, t)| t.clone()).unwrap_or_default())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let settings = InviteSettings {
            auto: auto.get_untracked(),
            sneak_peek: sneak_peek.get_untracked(),
            // Not a number: the server says which field is wrong.
            after_secs: after.get_untracked().trim().parse().unwrap_or(-1),
            pages: pages.get_untracked().lines().map(str::to_owned).collect(),
            texts: LABEL_LANGS.iter().zip(texts).map(|(tag, s)| (tag.to_string(), s.get_untracked())).collect(),
            ..settings.clone()
        };
        save.dispatch(SaveSiteInvitations { settings });
    };
    view! {
        <form class="editor invitations" aria-label=tr(lang, Key::SiteInvitations) on:submit=submit>
            <h3>{tr(lang, Key::SiteInvitations)}</h3>
            <CheckField label=tr(lang, Key::InviteAuto).to_owned() bind=auto/>
            <Field label=tr(lang, Key::InviteAfter) name="after_secs" kind="number" bind=after error/>
            <AreaField label=tr(lang, Key::InvitePages) name="pages" bind=pages hint=tr(lang, Key::InvitePagesHint) rows=3 error/>
            <fieldset class="welcome">
                <legend>{tr(lang, Key::InviteText)}</legend>
                {LABEL_LANGS.iter().zip(texts).map(|(tag, bind)| view! {
                    <label class="field">
                        <span>{lang_name(tag)}</span>
                        <input type="text" lang=*tag maxlength=MAX_TEXT.to_string() placeholder=tr(lang, Key::DefaultLabel)
                            prop:value=move || bind.get() on:input=move |ev| bind.set(event_target_value(&ev))/>
                    </label>
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>{tr(lang, Key::SneakPeek)}</legend>
                <CheckField label=tr(lang, Key::SneakPeekOn).to_owned() bind=sneak_peek/>
            </fieldset>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["after_secs", "pages"])}</p>
        </form>
    }
}
