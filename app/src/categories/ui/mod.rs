//! The categories page: the list in the order visitors see it (move up / down by button, which
//! works with the keyboard), and the form with members, switchboard agent and sites.

use leptos::prelude::*;

use super::api::{list_categories, DeleteCategory, MoveCategory, SaveCategory};
use super::{CategoryForm, CategoryView};
use crate::agents::api::list_agents;
use crate::i18n::{error_text, tr, use_lang, Key};
use crate::kit::form::{
    action_error, error_for, error_outside, on_success, CheckField, ConfirmDelete, Field, SelectField,
};
use crate::sites::api::my_sites;

#[component]
pub fn CategoriesPage() -> impl IntoView {
    let lang = use_lang();
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.track();
        list_categories()
    });
    let agents = LocalResource::new(|| list_agents(String::new(), 0));
    let sites = LocalResource::new(my_sites);
    let editing = RwSignal::new(None::<CategoryForm>);
    let deleting = RwSignal::new(None::<CategoryView>);
    let notice = RwSignal::new(None::<&'static str>);
    let save = ServerAction::<SaveCategory>::new();
    let delete = ServerAction::<DeleteCategory>::new();
    let moving = ServerAction::<MoveCategory>::new();
    let row_error = Signal::derive(move || {
        [delete.value().get(), moving.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
            .map(|e| error_text(lang, &e.0))
    });
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
    on_success(moving, move |_| {
        reload.update(|n| *n += 1);
    });
    let agent_list = Signal::derive(move || {
        agents
            .get()
            .and_then(|p| p.ok())
            .map(|p| p.rows)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.id, a.display_name))
            .collect::<Vec<_>>()
    });
    let site_list = Signal::derive(move || {
        sites.get().and_then(|s| s.ok()).unwrap_or_default().into_iter().map(|s| (s.id, s.name)).collect::<Vec<_>>()
    });
    let names = move |ids: &[i64], all: &[(i64, String)]| {
        ids.iter()
            .filter_map(|id| all.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="categories admin" aria-labelledby="categories-title">
            <h2 id="categories-title">{tr(lang, Key::NavCategories)}</h2>
            <p>{tr(lang, Key::CategoriesHint)}</p>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <button type="button" on:click=move |_| { notice.set(None); editing.set(Some(CategoryForm::default())); }>
                {tr(lang, Key::NewCategory)}
            </button>
            {move || editing.get().map(|form| view! {
                <CategoryEditor form save agents=agent_list sites=site_list on_cancel=Callback::new(move |_| editing.set(None))/>
            })}
            {move || deleting.get().map(|c| view! {
                <ConfirmDelete name=c.name.clone()
                    on_confirm=Callback::new(move |_| { delete.dispatch(DeleteCategory { id: c.id }); })
                    on_cancel=Callback::new(move |_| deleting.set(None))/>
            })}
            <p role="alert" class="error">{row_error}</p>
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::Name)}</th>
                            <th scope="col">{tr(lang, Key::Members)}</th>
                            <th scope="col">{tr(lang, Key::Switchboard)}</th>
                            <th scope="col">{tr(lang, Key::ShownOnSites)}</th>
                            <th scope="col">{tr(lang, Key::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let all = list.get().and_then(|l| l.ok()).unwrap_or_default();
                            let count = all.len();
                            all.into_iter().enumerate().map(|(i, c)| {
                                let form = CategoryForm {
                                    id: Some(c.id), version: c.version, name: c.name.clone(), switchboard_id: c.switchboard_id,
                                    agent_ids: c.agent_ids.clone(), site_ids: c.site_ids.clone(),
                                };
                                let row = c.clone();
                                let id = c.id;
                                let name = c.name.clone();
                                view! {
                                    <tr>
                                        <td>{c.name.clone()}</td>
                                        <td>{move || names(&c.agent_ids, &agent_list.get())}</td>
                                        <td>{c.switchboard_name.clone().unwrap_or_default()}</td>
                                        <td>{move || names(&c.site_ids, &site_list.get())}</td>
                                        <td class="buttons">
                                            <button type="button" aria-label=format!("{} {name}", tr(lang, Key::MoveUp)) disabled=i == 0
                                                on:click=move |_| { moving.dispatch(MoveCategory { id, up: true }); }>"↑"</button>
                                            <button type="button" aria-label=format!("{} {name}", tr(lang, Key::MoveDown)) disabled={i + 1 == count}
                                                on:click=move |_| { moving.dispatch(MoveCategory { id, up: false }); }>"↓"</button>
                                            <button type="button" aria-label=format!("{} {name}", tr(lang, Key::Edit))
                                                on:click=move |_| { notice.set(None); editing.set(Some(form.clone())) }>{tr(lang, Key::Edit)}</button>
                                            <button type="button" class="danger" aria-label=format!("{} {name}", tr(lang, Key::Delete))
                                                on:click=move |_| { notice.set(None); deleting.set(Some(row.clone())) }>{tr(lang, Key::Delete)}</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn CategoryEditor(
    form: CategoryForm,
    save: ServerAction<SaveCategory>,
    agents: Signal<Vec<(i64, String)>>,
    sites: Signal<Vec<(i64, String)>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let error = action_error(save);
    let name = RwSignal::new(form.name.clone());
    let switchboard = RwSignal::new(form.switchboard_id.map(|a| a.to_string()).unwrap_or_default());
    let members = RwSignal::new(form.agent_ids.clone());
    let shown_on = RwSignal::new(form.site_ids.clone());
    let switchboard_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::NoneOption).to_owned())];
        let chosen = members.get();
        options
            .extend(agents.get().into_iter().filter(|(id, _)| chosen.contains(id)).map(|(id, n)| (id.to_string(), n)));
        options
    });
    let title = if form.id.is_some() { tr(lang, Key::Edit) } else { tr(lang, Key::NewCategory) };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = CategoryForm {
            name: name.get_untracked(),
            switchboard_id: switchboard.get_untracked().parse().ok(),
            agent_ids: members.get_untracked(),
            site_ids: shown_on.get_untracked(),
            ..form.clone()
        };
        save.dispatch(SaveCategory { form });
    };
    // One checkbox per id, kept in step with `chosen`.
    let boxes = move |all: Signal<Vec<(i64, String)>>, chosen: RwSignal<Vec<i64>>| {
        move || {
            all.get()
                .into_iter()
                .map(|(id, label)| {
                    let on = RwSignal::new(chosen.get_untracked().contains(&id));
                    Effect::new(move |_| {
                        let checked = on.get();
                        chosen.update(|c| {
                            c.retain(|x| *x != id);
                            if checked {
                                c.push(id);
                            }
                        });
                    });
                    view! { <CheckField label bind=on/> }
                })
                .collect_view()
        }
    };
    view! {
        <form class="editor" aria-label=title on:submit=submit>
            <h3>{title}</h3>
            <Field label=tr(lang, Key::Name) name="name" bind=name maxlength=30 required=true error/>
            <fieldset>
                <legend>{tr(lang, Key::Members)}</legend>
                {boxes(agents, members)}
                <span class="field-error" role="alert">{move || error_for(lang, error.get(), "agent_ids")}</span>
            </fieldset>
            <SelectField label=tr(lang, Key::Switchboard) name="switchboard_id" bind=switchboard options=switchboard_options error/>
            <fieldset>
                <legend>{tr(lang, Key::ShownOnSites)}</legend>
                {boxes(sites, shown_on)}
                <span class="field-error" role="alert">{move || error_for(lang, error.get(), "site_ids")}</span>
            </fieldset>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["name", "agent_ids", "switchboard_id", "site_ids"])}</p>
        </form>
    }
}
