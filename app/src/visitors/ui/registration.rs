//! The registration page (per site, seed 004 "访客注册设置"): whether visitors are asked for their
//! details, before their first message or whenever they like, which card fields and which of the
//! site's own fields, and which are required.

use kefu_protocol::{DetailField, CARD_DETAILS, CUSTOM_DETAILS, MAX_DETAIL_LABEL};
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, CheckField, SelectField};
use crate::visitors::api::{site_registration, SaveSiteRegistration};
use crate::visitors::RegistrationSettings;

/// A card field's name in the interface language.
pub fn card_field_name(lang: Lang, id: &str) -> &'static str {
    match id {
        "name" => tr(lang, Key::CardName),
        "email" => tr(lang, Key::Email),
        "phone" => tr(lang, Key::CardPhone),
        _ => tr(lang, Key::CardCompany),
    }
}

#[component]
pub fn RegistrationPage() -> impl IntoView {
    let lang = use_lang();
    crate::sites::ui::site_settings_page(
        "registration",
        tr(lang, Key::NavRegistration),
        None,
        site_registration,
        |settings, notice, on_saved| {
            view! { <RegistrationForm settings notice on_saved/> }
        },
    )
}

/// One of the site's own fields being edited.
type CustomRow = (RwSignal<String>, RwSignal<bool>);

#[component]
fn RegistrationForm(
    settings: RegistrationSettings,
    notice: RwSignal<Option<&'static str>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveSiteRegistration>::new();
    let error = action_error(save);
    on_success(save, move |_| {
        notice.set(Some(tr(lang, Key::Saved)));
        on_saved.run(());
    });
    let on = RwSignal::new(settings.on);
    let when = RwSignal::new(if settings.before { "before" } else { "any" }.to_owned());
    let field = |id: &str| settings.fields.iter().find(|f| f.id == id);
    // Per card field: asked, required.
    let card = CARD_DETAILS
        .map(|id| (id, RwSignal::new(field(id).is_some()), RwSignal::new(field(id).is_some_and(|f| f.required))));
    let custom: RwSignal<Vec<CustomRow>> = RwSignal::new(
        settings
            .fields
            .iter()
            .filter(|f| CUSTOM_DETAILS.contains(&f.id.as_str()))
            .map(|f| (RwSignal::new(f.label.clone()), RwSignal::new(f.required)))
            .collect(),
    );
    let whens = Signal::derive(move || {
        vec![
            ("before".to_owned(), tr(lang, Key::AskBefore).to_owned()),
            ("any".to_owned(), tr(lang, Key::AskAnyTime).to_owned()),
        ]
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let mut fields: Vec<DetailField> = card
            .iter()
            .filter(|(_, asked, _)| asked.get_untracked())
            .map(|(id, _, required)| DetailField {
                id: (*id).to_owned(),
                label: String::new(),
                required: required.get_untracked(),
            })
            .collect();
        for (id, (label, required)) in CUSTOM_DETAILS.iter().zip(custom.get_untracked()) {
            fields.push(DetailField {
                id: (*id).to_owned(),
                label: label.get_untracked(),
                required: required.get_untracked(),
            });
        }
        let settings = RegistrationSettings {
            on: on.get_untracked(),
            before: when.get_untracked() == "before",
            fields,
            ..settings.clone()
        };
        save.dispatch(SaveSiteRegistration { settings });
    };
    view! {
        <form class="editor registration" aria-label=tr(lang, Key::NavRegistration) on:submit=submit>
            <h3>{tr(lang, Key::NavRegistration)}</h3>
            <CheckField label=tr(lang, Key::AskDetails).to_owned() bind=on/>
            <SelectField label=tr(lang, Key::AskWhen) name="before" bind=when options=whens error/>
            <fieldset class="detail-fields">
                <legend>{tr(lang, Key::DetailFields)}</legend>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::DetailField)}</th>
                            <th scope="col">{tr(lang, Key::Asked)}</th>
                            <th scope="col">{tr(lang, Key::RequiredField)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {card.into_iter().map(|(id, asked, required)| {
                            let name = card_field_name(lang, id);
                            view! {
                                <tr>
                                    <th scope="row">{name}</th>
                                    <td>
                                        <input type="checkbox" aria-label=format!("{}: {name}", tr(lang, Key::Asked))
                                            prop:checked=move || asked.get() on:change=move |ev| asked.set(event_target_checked(&ev))/>
                                    </td>
                                    <td>
                                        <input type="checkbox" aria-label=format!("{}: {name}", tr(lang, Key::RequiredField))
                                            prop:disabled=move || !asked.get()
                                            prop:checked=move || required.get() on:change=move |ev| required.set(event_target_checked(&ev))/>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                        {move || custom.get().into_iter().enumerate().map(|(i, (label, required))| {
                            let n = i + 1;
                            view! {
                                <tr>
                                    <th scope="row">
                                        <input type="text" aria-label=format!("{} {n}", tr(lang, Key::OwnFieldLabel))
                                            maxlength=MAX_DETAIL_LABEL.to_string()
                                            prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
                                        <button type="button" aria-label=format!("{} {n}", tr(lang, Key::RemoveField))
                                            on:click=move |_| custom.update(|c| { c.remove(i); })>"×"</button>
                                    </th>
                                    <td>"✓"</td>
                                    <td>
                                        <input type="checkbox" aria-label=format!("{}: {} {n}", tr(lang, Key::RequiredField), tr(lang, Key::OwnFieldLabel))
                                            prop:checked=move || required.get() on:change=move |ev| required.set(event_target_checked(&ev))/>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <button type="button" disabled=move || custom.with(|c| c.len() >= CUSTOM_DETAILS.len())
                    on:click=move |_| custom.update(|c| c.push((RwSignal::new(String::new()), RwSignal::new(false))))>
                    {tr(lang, Key::AddOwnField)}
                </button>
            </fieldset>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["before"])}</p>
        </form>
    }
}
