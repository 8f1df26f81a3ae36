//! The roles page: built-in roles (read only) and custom roles, each a set of permissions grouped
//! by module and a site scope; a new role starts as a copy of an existing one.

use kefu_protocol::Perm;
use leptos::prelude::*;

use super::api::{list_roles, DeleteRole, SaveRole};
use super::{Module, RoleForm, RoleView};
use crate::i18n::{perm_text, role_text, tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, CheckField, ConfirmDelete, Field, SelectField};

fn module_text(lang: Lang, module: Module) -> &'static str {
    lang.pick(match module {
        Module::Chat => ["Chats", "对话", "對話", "チャット", "채팅"],
        Module::Visitors => ["Visitors", "访客", "訪客", "訪問者", "방문자"],
        Module::Sites => ["Sites and settings", "站点和设置", "網站和設定", "サイトと設定", "사이트와 설정"],
        Module::Team => ["Team", "团队", "團隊", "チーム", "팀"],
        Module::Records => ["Records", "记录", "記錄", "記録", "기록"],
        Module::Stats => ["Statistics", "统计", "統計", "統計", "통계"],
        Module::Messages => ["Messages", "留言", "留言", "伝言", "메시지"],
        Module::Log => ["Log", "日志", "日誌", "ログ", "로그"],
    })
}

/// Where a role applies: every site, or the modules limited to the agent's own sites.
fn scope_text(lang: Lang, own_sites: &[Perm]) -> String {
    let mut modules: Vec<Module> = own_sites.iter().map(|p| Module::of(*p)).collect();
    modules.dedup();
    if modules.is_empty() {
        return tr(lang, Key::ScopeAll).to_owned();
    }
    let names: Vec<&str> = modules.into_iter().map(|m| module_text(lang, m)).collect();
    format!("{}: {}", tr(lang, Key::ScopeOwn), names.join(", "))
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let lang = use_lang();
    let reload = RwSignal::new(0u32);
    let roles = LocalResource::new(move || {
        reload.track();
        list_roles()
    });
    let editing = RwSignal::new(None::<RoleForm>);
    let deleting = RwSignal::new(None::<RoleView>);
    let notice = RwSignal::new(None::<&'static str>);
    let save = ServerAction::<SaveRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
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
    let all = Signal::derive(move || roles.get().and_then(|r| r.ok()).unwrap_or_default());
    view! {
        <section class="roles admin" aria-labelledby="roles-title">
            <h2 id="roles-title">{tr(lang, Key::NavRoles)}</h2>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <button type="button" on:click=move |_| {
                notice.set(None);
                // A new role starts as a copy of the built-in agent role.
                let base = all.get_untracked().into_iter().find(|r| r.builtin.as_deref() == Some("agent"));
                editing.set(Some(RoleForm {
                    perms: base.as_ref().map(|r| r.perms.clone()).unwrap_or_default(),
                    own_sites: base.map(|r| r.own_sites).unwrap_or_default(),
                    ..RoleForm::default()
                }));
            }>{tr(lang, Key::NewRole)}</button>
            {move || editing.get().map(|form| view! { <RoleEditor form save roles=all on_cancel=Callback::new(move |_| editing.set(None))/> })}
            {move || deleting.get().map(|r| view! {
                <ConfirmDelete name=r.name.clone()
                    on_confirm=Callback::new(move |_| { delete.dispatch(DeleteRole { id: r.id }); })
                    on_cancel=Callback::new(move |_| deleting.set(None))/>
                <p role="alert" class="error">{move || error_outside(lang, delete_error.get(), &[])}</p>
            })}
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::Name)}</th>
                            <th scope="col">{tr(lang, Key::Permissions)}</th>
                            <th scope="col">{tr(lang, Key::Scope)}</th>
                            <th scope="col">{tr(lang, Key::NavAgents)}</th>
                            <th scope="col">{tr(lang, Key::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || all.get().into_iter().map(|r| {
                            let name = role_text(lang, r.builtin.as_deref(), &r.name);
                            let perms = r.perms.iter().map(|p| perm_text(lang, *p)).collect::<Vec<_>>().join(", ");
                            let form = RoleForm { id: Some(r.id), version: r.version, name: r.name.clone(), perms: r.perms.clone(), own_sites: r.own_sites.clone() };
                            let row = r.clone();
                            view! {
                                <tr>
                                    <td>{name.clone()} {r.builtin.is_some().then(|| view! { <span class="tag">{tr(lang, Key::BuiltIn)}</span> })}</td>
                                    <td class="perms">{perms}</td>
                                    <td>{scope_text(lang, &r.own_sites)}</td>
                                    <td>{r.agents}</td>
                                    <td class="buttons">
                                        {r.builtin.is_none().then(|| view! {
                                            <button type="button" aria-label=format!("{} {name}", tr(lang, Key::Edit))
                                                on:click=move |_| { notice.set(None); editing.set(Some(form.clone())) }>{tr(lang, Key::Edit)}</button>
                                            <button type="button" class="danger" aria-label=format!("{} {name}", tr(lang, Key::Delete))
                                                on:click=move |_| { notice.set(None); deleting.set(Some(row.clone())) }>{tr(lang, Key::Delete)}</button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn RoleEditor(
    form: RoleForm,
    save: ServerAction<SaveRole>,
    roles: Signal<Vec<RoleView>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let error = action_error(save);
    let name = RwSignal::new(form.name.clone());
    let checked: Vec<(Perm, RwSignal<bool>)> =
        Perm::ALL.iter().map(|p| (*p, RwSignal::new(form.perms.contains(p)))).collect();
    // Per module: "all" sites, or "own" (the agent's sites only).
    let scopes: Vec<(Module, RwSignal<String>)> = Module::ALL
        .into_iter()
        .map(|m| {
            (
                m,
                RwSignal::new(
                    if m.perms().iter().any(|p| form.own_sites.contains(p)) { "own" } else { "all" }.to_owned(),
                ),
            )
        })
        .collect();
    let copy_from = RwSignal::new(String::new());
    {
        let checked = checked.clone();
        let scopes = scopes.clone();
        // Choosing a role to copy sets every box (and the scope) to that role's.
        Effect::new(move |_| {
            let Ok(id) = copy_from.get().parse::<i64>() else { return };
            if let Some(role) = roles.get_untracked().into_iter().find(|r| r.id == id) {
                for (perm, on) in &checked {
                    on.set(role.perms.contains(perm));
                }
                for (module, scope) in &scopes {
                    let own = module.perms().iter().any(|p| role.own_sites.contains(p));
                    scope.set(if own { "own" } else { "all" }.to_owned());
                }
            }
        });
    }
    let copy_options = Signal::derive(move || {
        let mut options = vec![(String::new(), "—".to_owned())];
        options.extend(
            roles.get().into_iter().map(|r| (r.id.to_string(), role_text(lang, r.builtin.as_deref(), &r.name))),
        );
        options
    });
    let scope_options = Signal::derive(move || {
        vec![
            ("all".to_owned(), tr(lang, Key::ScopeAll).to_owned()),
            ("own".to_owned(), tr(lang, Key::ScopeOwn).to_owned()),
        ]
    });
    let title = if form.id.is_some() { tr(lang, Key::Edit) } else { tr(lang, Key::NewRole) };
    let boxes = checked.clone();
    let scopes_for_submit = scopes.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let perms: Vec<Perm> = boxes.iter().filter(|(_, on)| on.get_untracked()).map(|(p, _)| *p).collect();
        let own_sites = scopes_for_submit
            .iter()
            .filter(|(_, scope)| scope.get_untracked() == "own")
            .flat_map(|(module, _)| module.perms().iter().copied())
            .filter(|p| perms.contains(p))
            .collect();
        let form = RoleForm { name: name.get_untracked(), perms, own_sites, ..form.clone() };
        save.dispatch(SaveRole { form });
    };
    view! {
        <form class="editor" aria-label=title on:submit=submit>
            <h3>{title}</h3>
            <Field label=tr(lang, Key::Name) name="name" bind=name maxlength=20 required=true error/>
            <SelectField label=tr(lang, Key::CopyFrom) name="copy_from" bind=copy_from options=copy_options error/>
            {scopes.into_iter().map(|(module, scope)| {
                let boxes: Vec<_> = checked.iter().filter(|(p, _)| module.perms().contains(p)).cloned().collect();
                let scope_label = tr(lang, Key::ScopeOf).replace("{module}", module_text(lang, module));
                view! {
                    <fieldset>
                        <legend>{module_text(lang, module)}</legend>
                        {boxes.into_iter().map(|(perm, on)| view! { <CheckField label=perm_text(lang, perm).to_owned() bind=on/> }).collect_view()}
                        <label class="scope">
                            <select aria-label=scope_label on:change=move |ev| scope.set(event_target_value(&ev))>
                                {move || scope_options.get().into_iter().map(|(value, text)| {
                                    let selected = scope.get() == value;
                                    view! { <option value=value selected=selected>{text}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    </fieldset>
                }
            }).collect_view()}
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["name"])}</p>
        </form>
    }
}
