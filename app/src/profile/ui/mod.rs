//! The personal settings page: profile and card, language, send key, welcome, own chat limit,
//! notifications; and changing one's password.

use kefu_protocol::{NotifyPrefs, SendKey};
use leptos::prelude::*;

use super::api::{my_settings, SaveMySettings, SetMyAvatar};
use super::PersonalSettings;
use crate::agents::ui::{card_lines, card_values, CardEditor};
use crate::auth::api::ChangePassword;
use crate::i18n::{tr, use_lang, Key};
use crate::kit::form::{action_error, error_outside, AreaField, CheckField, Field, ImagePicker, SelectField};
use crate::kit::live::Live;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let lang = use_lang();
    let settings = LocalResource::new(my_settings);
    view! {
        <section class="profile admin" aria-labelledby="profile-title">
            <h2 id="profile-title">{tr(lang, Key::MySettings)}</h2>
            <Suspense>
                {move || Suspend::new(async move {
                    settings.await.ok().map(|s| view! { <SettingsForm settings=s/> })
                })}
            </Suspense>
            <PasswordChange/>
        </section>
    }
}

#[component]
fn SettingsForm(settings: PersonalSettings) -> impl IntoView {
    let lang = use_lang();
    let live = use_context::<Live>();
    let save = ServerAction::<SaveMySettings>::new();
    let error = action_error(save);
    let version = RwSignal::new(settings.version);
    let display_name = RwSignal::new(settings.display_name.clone());
    let nickname = RwSignal::new(settings.nickname.clone());
    let card = card_lines(&settings.card);
    let chosen_lang = RwSignal::new(settings.prefs.lang.clone().unwrap_or_default());
    let send_key =
        RwSignal::new(if settings.prefs.send_key == SendKey::CtrlEnter { "ctrl_enter" } else { "enter" }.to_owned());
    let welcome = RwSignal::new(settings.prefs.welcome.clone());
    let my_max = RwSignal::new(settings.prefs.max_chats.map(|m| m.to_string()).unwrap_or_default());
    let notify = settings.prefs.notify;
    let (new_visitor, new_chat, new_message, transfer, colleague) = (
        RwSignal::new(notify.new_visitor),
        RwSignal::new(notify.new_chat),
        RwSignal::new(notify.new_message),
        RwSignal::new(notify.transfer),
        RwSignal::new(notify.colleague),
    );
    let volume = RwSignal::new(notify.volume);
    let notice = RwSignal::new(None::<&'static str>);
    let avatar = ServerAction::<SetMyAvatar>::new();
    let avatar_error = RwSignal::new(None::<kefu_protocol::ApiError>);
    let shown_avatar = RwSignal::new(settings.avatar.clone());
    Effect::new(move |_| match avatar.value().get() {
        Some(Ok(url)) => {
            avatar_error.set(None);
            shown_avatar.set(Some(url));
            notice.set(Some(tr(lang, Key::Saved)));
        }
        Some(Err(e)) => avatar_error.set(Some(e.0)),
        None => {}
    });
    let first_lang = settings.prefs.lang.clone();
    Effect::new(move |_| {
        if let Some(Ok(prefs)) = save.value().get() {
            version.update(|v| *v += 1);
            notice.set(Some(tr(lang, Key::Saved)));
            if let Some(live) = live {
                live.agent.update(|a| {
                    if let Some(a) = a {
                        a.prefs = prefs.clone();
                        a.display_name = display_name.get_untracked();
                    }
                });
            }
            // Another language: the workbench renders again in it.
            if prefs.lang != first_lang {
                let _ = window().location().reload();
            }
        }
    });
    let lang_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::FollowBrowser).to_owned())];
        for (tag, name) in
            [("en", "English"), ("zh-CN", "简体中文"), ("zh-TW", "繁體中文"), ("ja", "日本語"), ("ko", "한국어")]
        {
            options.push((tag.to_owned(), name.to_owned()));
        }
        options
    });
    let send_options = Signal::derive(move || {
        vec![
            ("enter".to_owned(), tr(lang, Key::SendEnter).to_owned()),
            ("ctrl_enter".to_owned(), tr(lang, Key::SendCtrlEnter).to_owned()),
        ]
    });
    let max_label: &'static str =
        Box::leak(tr(lang, Key::MyMaxChats).replace("{n}", &settings.admin_max_chats.to_string()).into_boxed_str());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let mut prefs = settings.prefs.clone();
        prefs.lang = Some(chosen_lang.get_untracked()).filter(|l| !l.is_empty());
        prefs.send_key = if send_key.get_untracked() == "ctrl_enter" { SendKey::CtrlEnter } else { SendKey::Enter };
        prefs.welcome = welcome.get_untracked();
        let max = my_max.get_untracked();
        // Not a number: sent as 0, which the server refuses naming the field.
        prefs.max_chats = (!max.trim().is_empty()).then(|| max.trim().parse().unwrap_or(0));
        prefs.notify = NotifyPrefs {
            new_visitor: new_visitor.get_untracked(),
            new_chat: new_chat.get_untracked(),
            new_message: new_message.get_untracked(),
            transfer: transfer.get_untracked(),
            colleague: colleague.get_untracked(),
            volume: volume.get_untracked(),
        };
        let card = card_values(card);
        let settings = PersonalSettings {
            version: version.get_untracked(),
            display_name: display_name.get_untracked(),
            nickname: nickname.get_untracked(),
            card,
            prefs,
            admin_max_chats: settings.admin_max_chats,
            avatar: None,
        };
        save.dispatch(SaveMySettings { settings });
    };
    let fields = ["display_name", "nickname", "card", "lang", "welcome", "my_max_chats", "volume"];
    view! {
        <form class="editor" aria-label=tr(lang, Key::MySettings) on:submit=submit>
            <div class="grid">
                <Field label=tr(lang, Key::DisplayName) name="display_name" bind=display_name maxlength=50 required=true error/>
                <Field label=tr(lang, Key::Nickname) name="nickname" bind=nickname maxlength=50 error/>
                <SelectField label=tr(lang, Key::Language) name="lang" bind=chosen_lang options=lang_options error/>
                <SelectField label=tr(lang, Key::SendWith) name="send_key" bind=send_key options=send_options error/>
                <Field label=max_label name="my_max_chats" kind="number" bind=my_max error/>
            </div>
            <ImagePicker label=tr(lang, Key::Avatar) name="avatar" current=shown_avatar
                on_pick=Callback::new(move |picked: Result<String, kefu_protocol::ApiError>| match picked {
                    Ok(base64) => { avatar.dispatch(SetMyAvatar { upload: crate::agents::Upload { base64 } }); }
                    Err(e) => avatar_error.set(Some(e)),
                })
                error=avatar_error.into()/>
            <AreaField label=tr(lang, Key::Welcome) name="welcome" bind=welcome rows=3 maxlength=500 error/>
            <CardEditor card error/>
            <fieldset>
                <legend>{tr(lang, Key::Notifications)}</legend>
                <CheckField label=tr(lang, Key::NotifyNewVisitor).to_owned() bind=new_visitor/>
                <CheckField label=tr(lang, Key::NotifyNewChat).to_owned() bind=new_chat/>
                <CheckField label=tr(lang, Key::NotifyNewMessage).to_owned() bind=new_message/>
                <CheckField label=tr(lang, Key::NotifyTransfer).to_owned() bind=transfer/>
                <CheckField label=tr(lang, Key::NotifyColleague).to_owned() bind=colleague/>
                <div class="volume">
                    <label for="volume">{tr(lang, Key::SoundVolume)}</label>
                    <input id="volume" type="range" min="0" max=NotifyPrefs::MAX_VOLUME.to_string() step="10"
                        aria-valuetext=move || format!("{}%", volume.get())
                        prop:value=move || volume.get().to_string()
                        on:input=move |ev| volume.set(event_target_value(&ev).parse().unwrap_or(0))/>
                    <output for="volume">{move || format!("{}%", volume.get())}</output>
                    <button type="button" on:click=move |_| crate::kit::alerts::sample(volume.get_untracked())>
                        {tr(lang, Key::PlaySample)}
                    </button>
                </div>
            </fieldset>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
            </div>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &fields)}</p>
        </form>
    }
}

/// Changing one's own password: the current one, then the new one (its rules shown).
#[component]
fn PasswordChange() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let done = move || matches!(action.value().get(), Some(Ok(()))).then(|| tr(lang, Key::PasswordChanged));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangePassword { current: current.get_untracked(), new: new.get_untracked() });
    };
    view! {
        <form class="editor" aria-label=tr(lang, Key::ChangePassword) on:submit=submit>
            <h3>{tr(lang, Key::ChangePassword)}</h3>
            <Field label=tr(lang, Key::CurrentPassword) name="current" kind="password" bind=current autocomplete="current-password"
                maxlength=1024 required=true error/>
            <Field label=tr(lang, Key::NewPassword) name="new" kind="password" bind=new autocomplete="new-password" maxlength=20
                required=true hint=tr(lang, Key::PasswordRules) error/>
            <div class="buttons">
                <button type="submit" disabled=move || action.pending().get()>{tr(lang, Key::ChangePassword)}</button>
            </div>
            <p class="notice" aria-live="polite">{done}</p>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["current", "new"])}</p>
        </form>
    }
}
