//! The company's library of common files (seed 004 section 9 "常用文件"): the page that keeps it
//! (upload into folders, delete with a confirmation), and the chat's list that sends one in two
//! clicks (open the list, pick the file).

use kefu_protocol::file::human_size;
use leptos::prelude::*;

use super::upload::{encode_component, UploadList, Uploads};
use crate::files::api::{common_files, DeleteCommonFile};
use crate::files::LibraryFile;
use crate::i18n::{error_text, tr, use_lang, Key};
use crate::kit::form::{action_error, on_success, ConfirmDelete};

/// The library by folder (files without one first, under "—").
fn by_folder(files: Vec<LibraryFile>) -> Vec<(String, Vec<LibraryFile>)> {
    let mut folders: Vec<(String, Vec<LibraryFile>)> = Vec::new();
    for file in files {
        match folders.iter_mut().find(|(name, _)| *name == file.folder) {
            Some((_, list)) => list.push(file),
            None => folders.push((file.folder.clone(), vec![file])),
        }
    }
    folders
}

#[component]
pub fn LibraryPage() -> impl IntoView {
    let lang = use_lang();
    let reload = RwSignal::new(0u32);
    let files = LocalResource::new(move || {
        reload.track();
        common_files()
    });
    let folder = RwSignal::new(String::new());
    let uploads = Uploads::new(
        lang,
        Callback::new(move |name: String| {
            format!(
                "/api/v1/library?folder={}&name={}",
                encode_component(&folder.get_untracked()),
                encode_component(&name)
            )
        }),
        Callback::new(move |_| reload.update(|n| *n += 1)),
    );
    let delete = ServerAction::<DeleteCommonFile>::new();
    let error = action_error(delete);
    on_success(delete, move |_| reload.update(|n| *n += 1));
    let confirming = RwSignal::new(None::<LibraryFile>);
    view! {
        <section class="library admin" aria-labelledby="library-title">
            <h2 id="library-title">{tr(lang, Key::NavLibrary)}</h2>
            <p class="hint">{tr(lang, Key::LibraryHelp)}</p>
            <div class="editor library-add">
                <label>
                    <span>{tr(lang, Key::Folder)}</span>
                    <input type="text" maxlength=crate::files::MAX_FOLDER.to_string()
                        prop:value=move || folder.get() on:input=move |ev| folder.set(event_target_value(&ev))/>
                </label>
                <super::AttachButton uploads label=tr(lang, Key::AddToLibrary)/>
                <UploadList uploads/>
            </div>
            <p role="alert" class="error">{move || error.get().map(|e| error_text(lang, &e))}</p>
            {move || confirming.get().map(|file| {
                let id = file.id;
                view! {
                    <ConfirmDelete name=file.name.clone()
                        on_confirm=Callback::new(move |_| { delete.dispatch(DeleteCommonFile { id }); confirming.set(None); })
                        on_cancel=Callback::new(move |_| confirming.set(None))/>
                }
            })}
            <Suspense fallback=|| ()>
                {move || files.get().map(|list| match list {
                    Err(e) => view! { <p role="alert">{error_text(lang, &e.0)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">{tr(lang, Key::NoCommonFiles)}</p> }.into_any(),
                    Ok(list) => by_folder(list).into_iter().map(|(name, files)| view! {
                        <table class="library-folder">
                            <caption>{if name.is_empty() { "—".to_owned() } else { name }}</caption>
                            <tbody>
                                {files.into_iter().map(|file| {
                                    let gone = file.clone();
                                    view! {
                                        <tr>
                                            <th scope="row"><a href=format!("/api/v1/library/{}", file.id) download=file.name.clone()>{file.name.clone()}</a></th>
                                            <td>{human_size(file.size)}</td>
                                            <td>
                                                <button type="button" aria-label=tr(lang, Key::DeleteNamed).replace("{name}", &file.name)
                                                    on:click=move |_| confirming.set(Some(gone.clone()))>
                                                    {tr(lang, Key::Delete)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }).collect_view().into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// The chat's "Common files" list: `on_send` gets the library file picked.
#[component]
pub fn CommonFiles(on_send: Callback<i64>) -> impl IntoView {
    let lang = use_lang();
    let open = RwSignal::new(false);
    let files = LocalResource::new(move || {
        // Read again each time the list opens (the library may have changed).
        open.track();
        common_files()
    });
    view! {
        <div class="common-files" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false); }>
            <button type="button" class="common-files-button" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {tr(lang, Key::NavLibrary)}
            </button>
            <Show when=move || open.get()>
                <div class="common-files-panel" role="dialog" aria-label=tr(lang, Key::NavLibrary)>
                    <Suspense fallback=|| ()>
                        {move || files.get().map(|list| match list {
                            Ok(list) if !list.is_empty() => by_folder(list).into_iter().map(|(name, files)| view! {
                                <fieldset>
                                    <legend>{if name.is_empty() { "—".to_owned() } else { name }}</legend>
                                    {files.into_iter().map(|file| {
                                        let id = file.id;
                                        view! {
                                            <button type="button" aria-label=tr(lang, Key::SendNamed).replace("{name}", &file.name)
                                                on:click=move |_| { open.set(false); on_send.run(id); }>
                                                {file.name.clone()} " · " {human_size(file.size)}
                                            </button>
                                        }
                                    }).collect_view()}
                                </fieldset>
                            }).collect_view().into_any(),
                            Ok(_) => view! { <p class="empty">{tr(lang, Key::NoCommonFiles)}</p> }.into_any(),
                            Err(e) => view! { <p role="alert">{error_text(lang, &e.0)}</p> }.into_any(),
                        })}
                    </Suspense>
                </div>
            </Show>
        </div>
    }
}
