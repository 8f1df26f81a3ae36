//! The departments page: the list with members and admin, and the form that names a department and
//! picks its admin.

use leptos::prelude::*;

use super::api::{list_departments, DeleteDepartment, SaveDepartment};
use super::{DepartmentForm, DepartmentView};
use crate::i18n::{tr, use_lang, Key};
use crate::kit::form::{action_error, error_outside, on_success, ConfirmDelete, Field, SelectField};

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let lang = use_lang();
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.track();
        list_departments()
    });
    let editing = RwSignal::new(None::<(DepartmentForm, Vec<(i64, String)>)>);
    let deleting = RwSignal::new(None::<DepartmentView>);
    let notice = RwSignal::new(None::<&'static str>);
    let save = ServerAction::<SaveDepartment>::new();
    let delete = ServerAction::<DeleteDepartment>::new();
    let delete_error = action_error(delete);
    on_success(save, move |_| {
        editing.set(None);
        notice.set(Some(tr(lang, Key::Saved)));
        reload.update(|n| *n += 1);
    });
    on_success(delete, move |_| {
        deleting.set(None);
        notice.set(Some(tr(lang, Key::Deleted)));
        reload.update(|n| *n += 1);
    });
    view! {
        <section class="departments admin" aria-labelledby="departments-title">
            <h2 id="departments-title">{tr(lang, Key::NavDepartments)}</h2>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <button type="button" on:click=move |_| { notice.set(None); editing.set(Some((DepartmentForm::default(), Vec::new()))); }>
                {tr(lang, Key::NewDepartment)}
            </button>
            {move || editing.get().map(|(form, members)| {
                // The admin is one of the members.
                let mut options = vec![(String::new(), tr(lang, Key::NoneOption).to_owned())];
                options.extend(members.into_iter().map(|(id, name)| (id.to_string(), name)));
                view! {
                    <DepartmentEditor form save agents=Signal::stored(options) on_cancel=Callback::new(move |_| editing.set(None))/>
                }
            })}
            {move || deleting.get().map(|d| view! {
                <ConfirmDelete name=d.name.clone()
                    on_confirm=Callback::new(move |_| { delete.dispatch(DeleteDepartment { id: d.id }); })
                    on_cancel=Callback::new(move |_| deleting.set(None))/>
                <p role="alert" class="error">{move || error_outside(lang, delete_error.get(), &[])}</p>
            })}
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::Name)}</th>
                            <th scope="col">{tr(lang, Key::DepartmentAdmin)}</th>
                            <th scope="col">{tr(lang, Key::Members)}</th>
                            <th scope="col">{tr(lang, Key::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <Suspense>
                            {move || Suspend::new(async move {
                                list.await.unwrap_or_default().into_iter().map(|d| {
                                    let form = (
                                        DepartmentForm { id: Some(d.id), version: d.version, name: d.name.clone(), admin_id: d.admin_id },
                                        d.member_list.clone(),
                                    );
                                    let row = d.clone();
                                    view! {
                                        <tr>
                                            <td>{d.name.clone()}</td>
                                            <td>{d.admin_name.clone().unwrap_or_default()}</td>
                                            <td>{d.members}</td>
                                            <td class="buttons">
                                                <button type="button" aria-label=format!("{} {}", tr(lang, Key::Edit), d.name)
                                                    on:click=move |_| { notice.set(None); editing.set(Some(form.clone())) }>{tr(lang, Key::Edit)}</button>
                                                <button type="button" class="danger" aria-label=format!("{} {}", tr(lang, Key::Delete), d.name)
                                                    on:click=move |_| { notice.set(None); deleting.set(Some(row.clone())) }>{tr(lang, Key::Delete)}</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()
                            })}
                        </Suspense>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn DepartmentEditor(
    form: DepartmentForm,
    save: ServerAction<SaveDepartment>,
    agents: Signal<Vec<(String, String)>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let error = action_error(save);
    let name = RwSignal::new(form.name.clone());
    let admin = RwSignal::new(form.admin_id.map(|a| a.to_string()).unwrap_or_default());
    let title = if form.id.is_some() { tr(lang, Key::Edit) } else { tr(lang, Key::NewDepartment) };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form =
            DepartmentForm { name: name.get_untracked(), admin_id: admin.get_untracked().parse().ok(), ..form.clone() };
        save.dispatch(SaveDepartment { form });
    };
    view! {
        <form class="editor" aria-label=title on:submit=submit>
            <h3>{title}</h3>
            <Field label=tr(lang, Key::Name) name="name" bind=name maxlength=50 required=true error/>
            <SelectField label=tr(lang, Key::DepartmentAdmin) name="admin_id" bind=admin options=agents error/>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["name", "admin_id"])}</p>
        </form>
    }
}
