//! The canned replies page: the agent's own library, their department's and the company's (tabs);
//! folders with their order, a search, replies with their order and use counts, a form that
//! creates and edits them, CSV import with a preview and export.

mod picker;

pub use picker::{CannedList, CannedPicker};

use leptos::prelude::*;

use super::api::{
    canned_library, export_canned, import_canned, preview_canned_import, DeleteCanned, MoveCanned, PlaceCanned,
    SaveCannedFolder, SaveCannedReply,
};
use super::{
    matches, ImportRow, Library, Reply, ReplyForm, Scope, BODY_CHARS, FOLDER_CHARS, IMPORT_BYTES, TITLE_CHARS,
};
use crate::i18n::{error_text, tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, AreaField, Field, FilePicker, SelectField};
use crate::kit::{download, EmptyState};
use crate::sites::api::my_sites;

fn scope_name(lang: Lang, scope: Scope) -> &'static str {
    tr(
        lang,
        match scope {
            Scope::Personal => Key::CannedMine,
            Scope::Department => Key::CannedDepartment,
            Scope::Company => Key::CannedCompany,
        },
    )
}

#[component]
pub fn CannedPage() -> impl IntoView {
    let lang = use_lang();
    let scope = RwSignal::new(Scope::Personal);
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let library = LocalResource::new(move || {
        reload.track();
        canned_library(scope.get())
    });
    let refresh = Callback::new(move |text: Option<String>| {
        notice.set(text);
        reload.update(|n| *n += 1);
    });
    view! {
        <section class="canned admin" aria-labelledby="canned-title">
            <h2 id="canned-title">{tr(lang, Key::NavCanned)}</h2>
            <div role="tablist" aria-label=tr(lang, Key::CannedLibraries) class="tabs">
                {Scope::ALL.into_iter().map(|s| view! {
                    <button type="button" role="tab" aria-selected=move || (scope.get() == s).to_string()
                        on:click=move |_| { notice.set(None); scope.set(s); }>
                        {scope_name(lang, s)}
                    </button>
                }).collect_view()}
            </div>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match library.await {
                        Ok(l) if l.scope == Scope::Department && l.department.is_none() => {
                            view! { <EmptyState text=tr(lang, Key::NoDepartment)/> }.into_any()
                        }
                        Ok(l) => view! { <LibraryView library=l refresh/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="error">{error_text(lang, &e.0)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn LibraryView(library: Library, refresh: Callback<Option<String>>) -> impl IntoView {
    let lang = use_lang();
    let Library { scope, folders, replies, can_edit, department } = library;
    let query = RwSignal::new(String::new());
    let folder = RwSignal::new(None::<i64>);
    let editing = RwSignal::new(None::<ReplyForm>);
    let delete = ServerAction::<DeleteCanned>::new();
    let moved = ServerAction::<MoveCanned>::new();
    let placed = ServerAction::<PlaceCanned>::new();
    // Drag and drop: the row being dragged (folder?, id); dropped on another, it takes its place.
    let dragged = RwSignal::new(None::<(bool, i64)>);
    let drop_on = move |folder: bool, at: i64| {
        if let Some((f, id)) = dragged.get_untracked().filter(|(f, id)| *f == folder && *id != at) {
            placed.dispatch(PlaceCanned { folder: f, id, at });
        }
        dragged.set(None);
    };
    let save_folder = ServerAction::<SaveCannedFolder>::new();
    let row_error = Signal::derive(move || {
        [
            delete.value().get(),
            moved.value().get(),
            placed.value().get(),
            save_folder.value().get().map(|r| r.map(|_| ())),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
        .map(|e| error_text(lang, &e.0))
    });
    on_success(delete, move |_| refresh.run(Some(tr(lang, Key::Deleted).to_owned())));
    on_success(moved, move |_| refresh.run(None));
    on_success(placed, move |_| refresh.run(None));
    on_success(save_folder, move |_| refresh.run(Some(tr(lang, Key::Saved).to_owned())));
    let new_folder = RwSignal::new(String::new());
    let folder_names = folders.clone();
    let folder_name = move |id: Option<i64>| {
        id.and_then(|id| folder_names.iter().find(|f| f.id == id)).map(|f| f.name.clone()).unwrap_or_default()
    };
    let shown = {
        let replies = replies.clone();
        move || {
            let (q, f) = (query.get(), folder.get());
            replies
                .iter()
                .filter(|r| f.is_none() || r.folder_id == f)
                .filter(|r| matches(&r.title, &r.body, &q))
                .cloned()
                .collect::<Vec<Reply>>()
        }
    };
    let title = match (&department, scope) {
        (Some(name), Scope::Department) => format!("{} · {name}", scope_name(lang, scope)),
        _ => scope_name(lang, scope).to_owned(),
    };
    let folder_options = {
        let folders = folders.clone();
        Signal::derive(move || {
            let mut options = vec![(String::new(), tr(lang, Key::NoFolder).to_owned())];
            options.extend(folders.iter().map(|f| (f.id.to_string(), f.name.clone())));
            options
        })
    };
    let exporting = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(csv) = export_canned(scope).await {
                download("canned-replies.csv", "text/csv;charset=utf-8", &csv);
            }
        });
    };
    view! {
        <h3>{title}</h3>
        <div class="toolbar">
            <input type="search" class="search" aria-label=tr(lang, Key::SearchCanned) placeholder=tr(lang, Key::SearchCanned)
                maxlength="100" prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            {can_edit.then(|| view! {
                <button type="button" on:click=move |_| editing.set(Some(ReplyForm { scope, folder_id: folder.get_untracked(), ..ReplyForm::default() }))>
                    {tr(lang, Key::NewCanned)}
                </button>
            })}
            <button type="button" on:click=exporting>{tr(lang, Key::ExportCsv)}</button>
        </div>
        <p role="alert" class="error">{row_error}</p>
        {move || editing.get().map(|form| view! {
            <ReplyEditor form folders=folder_options on_done=Callback::new(move |saved: bool| {
                editing.set(None);
                if saved { refresh.run(Some(tr(lang, Key::Saved).to_owned())); }
            })/>
        })}
        <div class="canned-layout">
            <nav class="folders" aria-label=tr(lang, Key::CannedFolders)>
                <ul>
                    <li>
                        <button type="button" aria-pressed=move || folder.get().is_none().to_string()
                            on:click=move |_| folder.set(None)>{tr(lang, Key::AllFolders)}</button>
                    </li>
                    {folders.into_iter().map(|f| {
                        let (id, name) = (f.id, f.name.clone());
                        let renamed = RwSignal::new(None::<String>);
                        view! {
                            <li
                                draggable=can_edit.then_some("true")
                                on:dragstart=move |_| if can_edit { dragged.set(Some((true, id))) }
                                on:dragover=move |ev| if dragged.with(|d| d.is_some_and(|(f, _)| f)) { ev.prevent_default() }
                                on:drop=move |ev| { ev.prevent_default(); drop_on(true, id); }
                            >
                                <button type="button" aria-pressed=move || (folder.get() == Some(id)).to_string()
                                    on:click=move |_| folder.set(Some(id))>{name.clone()}</button>
                                {can_edit.then(|| {
                                    let name = name.clone();
                                    view! {
                                        <button type="button" aria-label=format!("{} {name}", tr(lang, Key::MoveUp))
                                            on:click=move |_| { moved.dispatch(MoveCanned { folder: true, id, up: true }); }>"↑"</button>
                                        <button type="button" aria-label=format!("{} {name}", tr(lang, Key::MoveDown))
                                            on:click=move |_| { moved.dispatch(MoveCanned { folder: true, id, up: false }); }>"↓"</button>
                                        <button type="button" aria-label=format!("{} {name}", tr(lang, Key::Rename))
                                            on:click={let name = name.clone(); move |_| renamed.set(Some(name.clone()))}>"✎"</button>
                                        <button type="button" class="danger" aria-label=format!("{} {name}", tr(lang, Key::Delete))
                                            on:click=move |_| { delete.dispatch(DeleteCanned { folder: true, id }); }>"×"</button>
                                        {move || renamed.get().map(|current| {
                                            let text = RwSignal::new(current);
                                            view! {
                                                <form class="rename" on:submit=move |ev| {
                                                    ev.prevent_default();
                                                    save_folder.dispatch(SaveCannedFolder { scope, id: Some(id), name: text.get_untracked() });
                                                    renamed.set(None);
                                                }>
                                                    <input type="text" aria-label=tr(lang, Key::FolderName) maxlength=FOLDER_CHARS.to_string()
                                                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                                                    <button type="submit">{tr(lang, Key::Save)}</button>
                                                </form>
                                            }
                                        })}
                                    }
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {can_edit.then(|| view! {
                    <form class="new-folder" on:submit=move |ev| {
                        ev.prevent_default();
                        save_folder.dispatch(SaveCannedFolder { scope, id: None, name: new_folder.get_untracked() });
                        new_folder.set(String::new());
                    }>
                        <input type="text" aria-label=tr(lang, Key::FolderName) placeholder=tr(lang, Key::FolderName)
                            maxlength=FOLDER_CHARS.to_string() prop:value=move || new_folder.get()
                            on:input=move |ev| new_folder.set(event_target_value(&ev))/>
                        <button type="submit">{tr(lang, Key::AddFolder)}</button>
                    </form>
                })}
            </nav>
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::CannedTitle)}</th>
                            <th scope="col">{tr(lang, Key::CannedText)}</th>
                            <th scope="col">{tr(lang, Key::CannedFolder)}</th>
                            <th scope="col">{tr(lang, Key::CannedUses)}</th>
                            {can_edit.then(|| view! { <th scope="col">{tr(lang, Key::Actions)}</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {move || shown().into_iter().map(|r| {
                            let (id, title) = (r.id, r.title.clone());
                            let edit = ReplyForm {
                                id: Some(r.id), version: r.version, scope, folder_id: r.folder_id, site_id: r.site_id,
                                title: r.title.clone(), body: r.body.clone(),
                            };
                            view! {
                                <tr
                                    draggable=can_edit.then_some("true")
                                    class:draggable=can_edit
                                    on:dragstart=move |_| if can_edit { dragged.set(Some((false, id))) }
                                    on:dragover=move |ev| if dragged.with(|d| d.is_some_and(|(f, _)| !f)) { ev.prevent_default() }
                                    on:drop=move |ev| { ev.prevent_default(); drop_on(false, id); }
                                >
                                    <th scope="row">{r.title.clone()}</th>
                                    <td class="canned-text">{r.body.clone()}</td>
                                    <td>{folder_name(r.folder_id)}</td>
                                    <td>{r.uses}</td>
                                    {can_edit.then(|| view! {
                                        <td class="buttons">
                                            <button type="button" aria-label=format!("{} {title}", tr(lang, Key::Edit))
                                                on:click={let edit = edit.clone(); move |_| editing.set(Some(edit.clone()))}>{tr(lang, Key::Edit)}</button>
                                            <button type="button" aria-label=format!("{} {title}", tr(lang, Key::MoveUp))
                                                on:click=move |_| { moved.dispatch(MoveCanned { folder: false, id, up: true }); }>"↑"</button>
                                            <button type="button" aria-label=format!("{} {title}", tr(lang, Key::MoveDown))
                                                on:click=move |_| { moved.dispatch(MoveCanned { folder: false, id, up: false }); }>"↓"</button>
                                            <button type="button" class="danger" aria-label=format!("{} {title}", tr(lang, Key::Delete))
                                                on:click=move |_| { delete.dispatch(DeleteCanned { folder: false, id }); }>{tr(lang, Key::Delete)}</button>
                                        </td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
        {can_edit.then(|| view! { <Importer scope refresh/> })}
    }
}

/// A reply being created or edited: title, text (with its variables), folder, and for the
/// company's library the site it is for.
#[component]
fn ReplyEditor(form: ReplyForm, folders: Signal<Vec<(String, String)>>, on_done: Callback<bool>) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveCannedReply>::new();
    let error = action_error(save);
    on_success(save, move |_| on_done.run(true));
    let title = RwSignal::new(form.title.clone());
    let body = RwSignal::new(form.body.clone());
    let folder = RwSignal::new(form.folder_id.map(|f| f.to_string()).unwrap_or_default());
    let site = RwSignal::new(form.site_id.map(|s| s.to_string()).unwrap_or_default());
    let company = form.scope == Scope::Company;
    let sites = LocalResource::new(my_sites);
    let site_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::ScopeAll).to_owned())];
        options.extend(
            sites.get().and_then(|s| s.ok()).unwrap_or_default().into_iter().map(|s| (s.id.to_string(), s.name)),
        );
        options
    });
    let heading = if form.id.is_some() { tr(lang, Key::EditCanned) } else { tr(lang, Key::NewCanned) };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ReplyForm {
            title: title.get_untracked(),
            body: body.get_untracked(),
            folder_id: folder.get_untracked().parse().ok(),
            site_id: site.get_untracked().parse().ok(),
            ..form.clone()
        };
        save.dispatch(SaveCannedReply { form });
    };
    view! {
        <form class="editor" aria-label=heading on:submit=submit>
            <h3>{heading}</h3>
            <Field label=tr(lang, Key::CannedTitle) name="title" bind=title maxlength=TITLE_CHARS required=true error/>
            <AreaField label=tr(lang, Key::CannedText) name="body" bind=body rows=4 maxlength=BODY_CHARS hint=tr(lang, Key::CannedVariables) error/>
            <SelectField label=tr(lang, Key::CannedFolder) name="folder_id" bind=folder options=folders error/>
            {company.then(|| view! { <SelectField label=tr(lang, Key::SiteFilter) name="site_id" bind=site options=site_options error/> })}
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_done.run(false)>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["title", "body", "folder_id", "site_id"])}</p>
        </form>
    }
}

/// CSV import: the file is read and shown row by row with what is wrong; the good rows go in on
/// confirmation.
#[component]
fn Importer(scope: Scope, refresh: Callback<Option<String>>) -> impl IntoView {
    let lang = use_lang();
    let file = RwSignal::new(None::<String>);
    let rows = RwSignal::new(Vec::<ImportRow>::new());
    let error = RwSignal::new(None::<kefu_protocol::ApiError>);
    let picked = Callback::new(move |picked: Result<String, kefu_protocol::ApiError>| match picked {
        Ok(base64) => {
            error.set(None);
            file.set(Some(base64.clone()));
            leptos::task::spawn_local(async move {
                match preview_canned_import(base64).await {
                    Ok(found) => rows.set(found),
                    Err(e) => {
                        rows.set(Vec::new());
                        error.set(Some(e.0));
                    }
                }
            });
        }
        Err(e) => error.set(Some(e)),
    });
    let good = move || rows.with(|r| r.iter().filter(|r| r.error.is_none()).count());
    let commit = move |_| {
        let Some(base64) = file.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            match import_canned(scope, base64).await {
                Ok(n) => {
                    rows.set(Vec::new());
                    file.set(None);
                    refresh.run(Some(tr(lang, Key::Imported).replace("{n}", &n.to_string())));
                }
                Err(e) => error.set(Some(e.0)),
            }
        });
    };
    view! {
        <section class="import" aria-labelledby="canned-import">
            <h3 id="canned-import">{tr(lang, Key::ImportCsv)}</h3>
            <p class="hint">{tr(lang, Key::ImportCsvHint)}</p>
            <FilePicker label=tr(lang, Key::CsvFile) name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" max_bytes=IMPORT_BYTES on_pick=picked error=error.into()/>
            <Show when=move || rows.with(|r| !r.is_empty())>
                <table aria-label=tr(lang, Key::ImportPreview)>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::Line)}</th>
                            <th scope="col">{tr(lang, Key::CannedTitle)}</th>
                            <th scope="col">{tr(lang, Key::CannedFolder)}</th>
                            <th scope="col">{tr(lang, Key::Problem)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || rows.get().into_iter().map(|r| view! {
                            <tr class=if r.error.is_some() { "bad" } else { "" }>
                                <td>{r.line}</td>
                                <td>{r.title.clone()}</td>
                                <td>{r.folder.clone()}</td>
                                <td>{r.error.as_ref().map(|e| crate::i18n::error_text(lang, e))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <button type="button" disabled=move || good() == 0 on:click=commit>
                    {move || tr(lang, Key::ImportRows).replace("{n}", &good().to_string())}
                </button>
            </Show>
        </section>
    }
}
