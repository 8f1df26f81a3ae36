//! A site's rules for files (issue 13): the largest file, the types taken, whether visitors may
//! send files, and whether their files open without an agent accepting them first.

use kefu_protocol::FileClass;
use leptos::prelude::*;

use crate::files::api::{site_file_settings, SaveSiteFileSettings};
use crate::files::FileSettings;
use crate::i18n::{tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, CheckField, Field};

/// A class of file's name in the interface language.
pub fn class_name(lang: Lang, class: FileClass) -> &'static str {
    tr(
        lang,
        match class {
            FileClass::Image => Key::ClassImage,
            FileClass::Document => Key::ClassDocument,
            FileClass::Archive => Key::ClassArchive,
            FileClass::Media => Key::ClassMedia,
        },
    )
}

#[component]
pub fn FilesPage() -> impl IntoView {
    let lang = use_lang();
    crate::sites::ui::site_settings_page(
        "files",
        tr(lang, Key::FilesTitle),
        Some(tr(lang, Key::FilesHelp)),
        site_file_settings,
        |settings, notice, on_saved| {
            view! { <FilesForm settings notice on_saved/> }
        },
    )
}

#[component]
fn FilesForm(settings: FileSettings, notice: RwSignal<Option<&'static str>>, on_saved: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveSiteFileSettings>::new();
    let error = action_error(save);
    on_success(save, move |_| {
        notice.set(Some(tr(lang, Key::Saved)));
        on_saved.run(());
    });
    // Whole megabytes on the page; the server keeps bytes.
    let megabytes = RwSignal::new(settings.max_bytes.div_ceil(1 << 20).to_string());
    let classes = FileClass::ALL.map(|c| (c, RwSignal::new(settings.classes.contains(&c))));
    let visitors = RwSignal::new(settings.visitor_uploads);
    let trusted = RwSignal::new(settings.trust_visitors);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        // Not a number: a size the server refuses, so the field shows why.
        let max_bytes = megabytes.get_untracked().trim().parse::<u64>().map_or(0, |mb| mb.saturating_mul(1 << 20));
        let settings = FileSettings {
            max_bytes,
            classes: classes.iter().filter(|(_, on)| on.get_untracked()).map(|(c, _)| *c).collect(),
            visitor_uploads: visitors.get_untracked(),
            trust_visitors: trusted.get_untracked(),
            ..settings.clone()
        };
        save.dispatch(SaveSiteFileSettings { settings });
    };
    view! {
        <form class="editor files-form" aria-label=tr(lang, Key::FilesTitle) on:submit=submit>
            <Field label=tr(lang, Key::FileMaxMb) name="max_bytes" kind="number" bind=megabytes error/>
            <fieldset>
                <legend>{tr(lang, Key::FileTypes)}</legend>
                {classes.into_iter().map(|(class, on)| view! {
                    <CheckField label=class_name(lang, class).to_owned() bind=on/>
                }).collect_view()}
            </fieldset>
            <CheckField label=tr(lang, Key::VisitorUploads).to_owned() bind=visitors/>
            <CheckField label=tr(lang, Key::TrustVisitorFiles).to_owned() bind=trusted/>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["max_bytes"])}</p>
        </form>
    }
}
