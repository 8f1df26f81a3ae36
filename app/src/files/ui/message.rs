//! A message's file in the workbench: a thumbnail that opens full size, a download link, or the
//! visitor's file waiting for an agent (with Accept and Refuse where the agent may decide).

use kefu_protocol::file::human_size;
use kefu_protocol::{Attachment, FileState};
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};

/// Where a file is downloaded from (the session cookie goes along).
pub fn file_url(file: &Attachment) -> String {
    format!("/api/v1/files/{}", file.id)
}

#[component]
pub fn FileCard(
    file: Attachment,
    /// Set where the agent may accept or refuse the file (`true`: accept).
    #[prop(default = None)]
    on_decide: Option<Callback<bool>>,
) -> impl IntoView {
    let lang = use_lang();
    let url = file_url(&file);
    let size = human_size(file.size);
    let name = file.name.clone();
    let named = |key: Key| tr(lang, key).replace("{name}", &name);
    match file.state {
        FileState::Ready if file.is_image() => view! {
            <div class="file image">
                <a class="thumb" href=url target="_blank" rel="noopener noreferrer" aria-label=named(Key::OpenImageNamed)>
                    <img src=file_url(&file) alt=name.clone() loading="lazy"/>
                </a>
                <span class="meta">{name.clone()} " · " {size}</span>
            </div>
        }
        .into_any(),
        FileState::Ready => view! {
            <div class="file">
                <a class="download" href=url download=name.clone() aria-label=named(Key::DownloadNamed)>
                    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M6 2h8l5 5v15H6zM14 2v5h5"/>
                    </svg>
                    {name.clone()}
                </a>
                <span class="meta">{size}</span>
            </div>
        }
        .into_any(),
        FileState::Pending => view! {
            <div class="file pending">
                <span class="name">{name.clone()}</span>
                <span class="meta">{size} " · " {tr(lang, Key::FileAwaiting)}</span>
                {on_decide.map(|decide| view! {
                    <span class="decide">
                        <button type="button" class="accept" aria-label=named(Key::AcceptFileNamed)
                            on:click=move |_| decide.run(true)>{tr(lang, Key::AcceptFile)}</button>
                        <button type="button" class="refuse" aria-label=named(Key::RefuseFileNamed)
                            on:click=move |_| decide.run(false)>{tr(lang, Key::RefuseFile)}</button>
                    </span>
                })}
            </div>
        }
        .into_any(),
        FileState::Refused => view! {
            <div class="file refused">
                <span class="name">{name.clone()}</span>
                <span class="meta">{tr(lang, Key::FileRefused)}</span>
            </div>
        }
        .into_any(),
    }
}
