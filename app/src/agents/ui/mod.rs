//! The agents page: search, a paged table, and the form that creates and edits an agent; per row,
//! enable/disable, set password and delete (the account actions of `auth`).

use leptos::prelude::*;

use super::api::{list_agents, SaveAgent, SetAgentAvatar};
use super::{AgentForm, AgentRow, CardLine, Upload, CARD_LINES, PAGE};
use crate::auth::api::{DeleteAgent, SetAgentEnabled, SetAgentPassword};
use crate::departments::api::list_departments;
use crate::i18n::{error_text, role_text, tr, use_lang, Key};
use crate::kit::country_name;
use crate::kit::form::{
    action_error, error_for, error_outside, CheckField, ConfirmDelete, Field, ImagePicker, Pager, SelectField,
};
use crate::kit::regions::{self, COUNTRIES, GROUPS};
use crate::roles::api::list_roles;
use crate::sites::api::my_sites;

#[component]
pub fn AgentsPage() -> impl IntoView {
    let lang = use_lang();
    let query = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    let reload = RwSignal::new(0u32);
    let page = LocalResource::new(move || {
        reload.track();
        list_agents(query.get(), offset.get())
    });
    let roles = LocalResource::new(list_roles);
    let departments = LocalResource::new(list_departments);
    let sites = LocalResource::new(my_sites);
    let editing = RwSignal::new(None::<(AgentForm, Option<String>)>);
    let deleting = RwSignal::new(None::<AgentRow>);
    let password_for = RwSignal::new(None::<AgentRow>);
    let notice = RwSignal::new(None::<&'static str>);

    let save = ServerAction::<SaveAgent>::new();
    let enable = ServerAction::<SetAgentEnabled>::new();
    let delete = ServerAction::<DeleteAgent>::new();
    let set_password = ServerAction::<SetAgentPassword>::new();
    let row_error = Signal::derive(move || {
        [enable.value().get(), delete.value().get(), set_password.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
            .map(|e| error_text(lang, &e.0))
    });
    let done = move |text: Key| {
        notice.set(Some(tr(lang, text)));
        reload.update(|n| *n += 1);
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
            done(Key::Saved);
        }
    });
    let avatar = ServerAction::<SetAgentAvatar>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = avatar.value().get() {
            done(Key::Saved);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = enable.value().get() {
            done(Key::Saved);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            deleting.set(None);
            done(Key::Deleted);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = set_password.value().get() {
            password_for.set(None);
            done(Key::Saved);
        }
    });

    let seats = move || {
        page.get().and_then(|p| p.ok()).map(|p| match p.seat_limit {
            Some(limit) => {
                tr(lang, Key::Seats).replace("{used}", &p.seats_used.to_string()).replace("{limit}", &limit.to_string())
            }
            None => tr(lang, Key::SeatsUnlimited).replace("{used}", &p.seats_used.to_string()),
        })
    };
    let total = Signal::derive(move || page.get().and_then(|p| p.ok()).map_or(0, |p| p.total));
    let site_name = move |id: i64| {
        sites
            .get()
            .and_then(|s| s.ok())
            .and_then(|s| s.into_iter().find(|s| s.id == id))
            .map(|s| s.name)
            .unwrap_or_default()
    };
    let new_form = move || {
        let role_id = roles
            .get()
            .and_then(|r| r.ok())
            .and_then(|r| r.into_iter().find(|r| r.builtin.as_deref() == Some("agent")))
            .map_or(0, |r| r.id);
        AgentForm { role_id, seat_enabled: true, max_chats: 5, ..AgentForm::default() }
    };

    view! {
        <section class="agents admin" aria-labelledby="agents-title">
            <h2 id="agents-title">{tr(lang, Key::NavAgents)}</h2>
            <p class="seats">{seats}</p>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <div class="toolbar">
                <input type="search" class="search" aria-label=tr(lang, Key::SearchAgents) placeholder=tr(lang, Key::SearchAgents)
                    maxlength="100" prop:value=move || query.get()
                    on:input=move |ev| { query.set(event_target_value(&ev)); offset.set(0); }/>
                <button type="button" on:click=move |_| { notice.set(None); editing.set(Some((new_form(), None))); }>
                    {tr(lang, Key::NewAgent)}
                </button>
            </div>
            {move || editing.get().map(|(form, current)| view! {
                <AgentEditor form save avatar current
                    roles=Signal::derive(move || roles.get().and_then(|r| r.ok()).unwrap_or_default()
                        .into_iter().map(|r| (r.id.to_string(), role_text(lang, r.builtin.as_deref(), &r.name))).collect())
                    departments=Signal::derive(move || departments.get().and_then(|r| r.ok()).unwrap_or_default()
                        .into_iter().map(|d| (d.id.to_string(), d.name)).collect())
                    sites=Signal::derive(move || sites.get().and_then(|r| r.ok()).unwrap_or_default()
                        .into_iter().map(|s| (s.id, s.name)).collect())
                    on_cancel=Callback::new(move |_| editing.set(None))/>
            })}
            {move || deleting.get().map(|agent| view! {
                <ConfirmDelete name=agent.display_name.clone()
                    on_confirm=Callback::new(move |_| { delete.dispatch(DeleteAgent { agent_id: agent.id }); })
                    on_cancel=Callback::new(move |_| deleting.set(None))/>
            })}
            {move || password_for.get().map(|agent| view! { <PasswordForm agent action=set_password on_cancel=Callback::new(move |_| password_for.set(None))/> })}
            <p role="alert" class="error">{row_error}</p>
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::Login)}</th>
                            <th scope="col">{tr(lang, Key::DisplayName)}</th>
                            <th scope="col">{tr(lang, Key::NicknameShort)}</th>
                            <th scope="col">{tr(lang, Key::Role)}</th>
                            <th scope="col">{tr(lang, Key::Department)}</th>
                            <th scope="col">{tr(lang, Key::SitesServed)}</th>
                            <th scope="col">{tr(lang, Key::SeatEnabled)}</th>
                            <th scope="col">{tr(lang, Key::MaxChats)}</th>
                            <th scope="col">{tr(lang, Key::Status)}</th>
                            <th scope="col">{tr(lang, Key::Presence)}</th>
                            <th scope="col">{tr(lang, Key::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <Suspense>
                            {move || Suspend::new(async move {
                                let rows = page.await.map(|p| p.rows).unwrap_or_default();
                                rows.into_iter().map(|a| {
                                    let sites_text = a.site_ids.iter().map(|id| site_name(*id)).collect::<Vec<_>>().join(", ");
                                    let name = a.display_name.clone();
                                    let edit = AgentForm {
                                        id: Some(a.id), version: a.version, login: a.login.clone(), password: String::new(),
                                        display_name: a.display_name.clone(), nickname: a.nickname.clone(), job_number: a.job_number.clone(),
                                        email: a.email.clone(), mobile: a.mobile.clone(), role_id: a.role_id, department_id: a.department_id,
                                        site_ids: a.site_ids.clone(), seat_enabled: a.seat_enabled, max_chats: a.max_chats, sort_order: a.sort_order,
                                        card: a.card.clone(), regions: a.regions.clone(),
                                    };
                                    let (row, row2, row3) = (a.clone(), a.clone(), a.clone());
                                    let who = a.display_name.clone();
                                    let avatar_url = a.avatar.clone();
                                    view! {
                                        <tr>
                                            <td>{a.login.clone()} {a.owner.then(|| view! { <span class="tag">{tr(lang, Key::FirstAdmin)}</span> })}</td>
                                            <td class="who">
                                                {a.avatar.clone().map(|src| view! { <img class="avatar" src=src alt="" width="24" height="24"/> })}
                                                {name}
                                            </td>
                                            <td>{a.nickname.clone()}</td>
                                            <td>{role_text(lang, a.role_builtin.as_deref(), &a.role_name)}</td>
                                            <td>{a.department_name.clone().unwrap_or_default()}</td>
                                            <td>{sites_text}</td>
                                            <td>{if a.seat_enabled { "✓" } else { "—" }}</td>
                                            <td>{a.max_chats}</td>
                                            <td>{if a.enabled { tr(lang, Key::StatusEnabled) } else { tr(lang, Key::StatusDisabled) }}</td>
                                            <td class="presence" data-online=a.online.to_string()>
                                                {if a.online { tr(lang, Key::Online) } else { tr(lang, Key::Offline) }}
                                            </td>
                                            <td class="buttons">
                                                <button type="button" aria-label=format!("{} {who}", tr(lang, Key::Edit))
                                                    on:click=move |_| { notice.set(None); editing.set(Some((edit.clone(), avatar_url.clone()))) }>{tr(lang, Key::Edit)}</button>
                                                <button type="button" aria-label=format!("{} {who}", tr(lang, Key::SetPassword))
                                                    on:click=move |_| { notice.set(None); password_for.set(Some(row.clone())) }>{tr(lang, Key::SetPassword)}</button>
                                                {(!a.owner).then(|| {
                                                    let (label, enabled) = if a.enabled { (Key::Disable, false) } else { (Key::Enable, true) };
                                                    view! {
                                                        <button type="button" aria-label=format!("{} {who}", tr(lang, label))
                                                            on:click=move |_| { notice.set(None); enable.dispatch(SetAgentEnabled { agent_id: row2.id, enabled }); }>
                                                            {tr(lang, label)}
                                                        </button>
                                                        <button type="button" class="danger" aria-label=format!("{} {who}", tr(lang, Key::Delete))
                                                            on:click=move |_| { notice.set(None); deleting.set(Some(row3.clone())) }>{tr(lang, Key::Delete)}</button>
                                                    }
                                                })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()
                            })}
                        </Suspense>
                    </tbody>
                </table>
            </div>
            <Pager offset page=PAGE total/>
        </section>
    }
}

/// The form of a new or edited agent. The account is typed once (fixed afterwards) and a new agent
/// gets a password; the rest can always change.
#[component]
fn AgentEditor(
    form: AgentForm,
    save: ServerAction<SaveAgent>,
    /// Sets the avatar of an agent that exists (not shown while creating one).
    avatar: ServerAction<SetAgentAvatar>,
    current: Option<String>,
    roles: Signal<Vec<(String, String)>>,
    departments: Signal<Vec<(String, String)>>,
    sites: Signal<Vec<(i64, String)>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let error = action_error(save);
    let creating = form.id.is_none();
    let login = RwSignal::new(form.login.clone());
    let password = RwSignal::new(String::new());
    let display_name = RwSignal::new(form.display_name.clone());
    let nickname = RwSignal::new(form.nickname.clone());
    let job_number = RwSignal::new(form.job_number.clone());
    let email = RwSignal::new(form.email.clone());
    let mobile = RwSignal::new(form.mobile.clone());
    let role = RwSignal::new(form.role_id.to_string());
    let department = RwSignal::new(form.department_id.map(|d| d.to_string()).unwrap_or_default());
    let chosen_sites = RwSignal::new(form.site_ids.clone());
    let seat = RwSignal::new(form.seat_enabled);
    let card = card_lines(&form.card);
    let max_chats = RwSignal::new(form.max_chats.to_string());
    let order = RwSignal::new(form.sort_order.to_string());
    let (listed, other): (Vec<String>, Vec<String>) = form.regions.iter().cloned().partition(|c| listed_region(c));
    let regions = RwSignal::new(listed);
    let other_regions = RwSignal::new(other.join(", "));
    let department_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::NoneOption).to_owned())];
        options.extend(departments.get());
        options
    });
    let title = if creating { tr(lang, Key::NewAgent) } else { tr(lang, Key::EditAgent) };
    let avatar_error = RwSignal::new(None::<kefu_protocol::ApiError>);
    let shown_avatar = RwSignal::new(current);
    Effect::new(move |_| match avatar.value().get() {
        Some(Ok(url)) => {
            avatar_error.set(None);
            shown_avatar.set(Some(url));
        }
        Some(Err(e)) => avatar_error.set(Some(e.0)),
        None => {}
    });
    let agent_id = form.id;
    let fields = [
        "login",
        "password",
        "display_name",
        "nickname",
        "job_number",
        "email",
        "mobile",
        "role_id",
        "department_id",
        "site_ids",
        "seat_enabled",
        "max_chats",
        "sort_order",
        "regions",
    ];
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = AgentForm {
            login: login.get_untracked(),
            password: password.get_untracked(),
            display_name: display_name.get_untracked(),
            nickname: nickname.get_untracked(),
            job_number: job_number.get_untracked(),
            email: email.get_untracked(),
            mobile: mobile.get_untracked(),
            role_id: role.get_untracked().parse().unwrap_or(0),
            department_id: department.get_untracked().parse().ok(),
            site_ids: chosen_sites.get_untracked(),
            seat_enabled: seat.get_untracked(),
            // Not a number: sent as 0 and refused by the server with the field named.
            max_chats: max_chats.get_untracked().trim().parse().unwrap_or(0),
            sort_order: order.get_untracked().trim().parse().unwrap_or(-1),
            card: card_values(card),
            regions: regions
                .get_untracked()
                .into_iter()
                .chain(
                    other_regions
                        .get_untracked()
                        .split([',', '，', ' ', '、'])
                        .filter(|c| !c.is_empty())
                        .map(String::from),
                )
                .collect(),
            ..form.clone()
        };
        save.dispatch(SaveAgent { form });
    };
    view! {
        <form class="editor" aria-label=title on:submit=submit>
            <h3>{title}</h3>
            <div class="grid">
                {creating.then(|| view! {
                    <Field label=tr(lang, Key::Login) name="login" bind=login maxlength=50 required=true autocomplete="off" error/>
                    <Field label=tr(lang, Key::Password) name="password" kind="password" bind=password maxlength=20 required=true
                        autocomplete="new-password" hint=tr(lang, Key::PasswordRules) error/>
                })}
                <Field label=tr(lang, Key::DisplayName) name="display_name" bind=display_name maxlength=50 required=true error/>
                <Field label=tr(lang, Key::Nickname) name="nickname" bind=nickname maxlength=50 error/>
                <Field label=tr(lang, Key::JobNumber) name="job_number" bind=job_number maxlength=30 error/>
                <Field label=tr(lang, Key::Email) name="email" kind="email" bind=email maxlength=254 error/>
                <Field label=tr(lang, Key::Mobile) name="mobile" kind="tel" bind=mobile maxlength=30 error/>
                <SelectField label=tr(lang, Key::Role) name="role_id" bind=role options=roles error/>
                <SelectField label=tr(lang, Key::Department) name="department_id" bind=department options=department_options error/>
                <Field label=tr(lang, Key::MaxChats) name="max_chats" kind="number" bind=max_chats error/>
                <Field label=tr(lang, Key::SortOrder) name="sort_order" kind="number" bind=order error/>
            </div>
            {agent_id.map(|agent_id| view! {
                <ImagePicker label=tr(lang, Key::Avatar) name="avatar" current=shown_avatar
                    on_pick=Callback::new(move |picked: Result<String, kefu_protocol::ApiError>| match picked {
                        Ok(base64) => { avatar.dispatch(SetAgentAvatar { agent_id, upload: Upload { base64 } }); }
                        Err(e) => avatar_error.set(Some(e)),
                    })
                    error=avatar_error.into()/>
            })}
            <fieldset>
                <legend>{tr(lang, Key::SitesServed)}</legend>
                {move || sites.get().into_iter().map(|(id, name)| {
                    let checked = RwSignal::new(chosen_sites.get_untracked().contains(&id));
                    Effect::new(move |_| {
                        let on = checked.get();
                        chosen_sites.update(|s| {
                            s.retain(|x| *x != id);
                            if on { s.push(id); }
                        });
                    });
                    view! { <CheckField label=name bind=checked/> }
                }).collect_view()}
            </fieldset>
            <CardEditor card error/>
            <RegionPicker chosen=regions other=other_regions error/>
            <CheckField label=tr(lang, Key::SeatEnabled).to_owned() bind=seat/>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &fields)}</p>
        </form>
    }
}

/// Whether the picker lists `code` (a country it offers whole, or a province of the table).
fn listed_region(code: &str) -> bool {
    COUNTRIES.contains(&code) || regions::area(code).is_some()
}

/// The regions an agent serves first (region routing, seed 004 section 13): whole countries,
/// provinces by area or country, and any other country by its ISO code.
#[component]
fn RegionPicker(
    chosen: RwSignal<Vec<String>>,
    other: RwSignal<String>,
    error: Signal<Option<kefu_protocol::ApiError>>,
) -> impl IntoView {
    let lang = use_lang();
    let check = move |code: &'static str, label: String| {
        view! {
            <label class="check">
                <input type="checkbox" prop:checked=move || chosen.with(|c| c.iter().any(|x| x == code))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|x| x != code);
                            if on { c.push(code.to_owned()); }
                        });
                    }/>
                {label}
            </label>
        }
    };
    view! {
        <fieldset class="regions">
            <legend>{tr(lang, Key::RegionsServed)}</legend>
            <p class="hint">{tr(lang, Key::RegionsServedHint)}</p>
            <div class="countries" role="group" aria-label=tr(lang, Key::WholeCountries)>
                {COUNTRIES.iter().map(|code| check(code, country_name(lang, code))).collect_view()}
            </div>
            {GROUPS.iter().map(|group| {
                let heading = group.names.map_or_else(|| country_name(lang, group.country), |n| lang.pick(n).to_owned());
                let count = move || {
                    let n = chosen.with(|c| group.areas.iter().filter(|a| c.iter().any(|x| x == a.code)).count());
                    (n > 0).then(|| format!(" ({n})"))
                };
                view! {
                    <details>
                        <summary>{heading.clone()}{count}</summary>
                        <div role="group" aria-label=heading>
                            {group.areas.iter().map(|area| check(area.code, area.name(lang).to_owned())).collect_view()}
                        </div>
                    </details>
                }
            }).collect_view()}
            <Field label=tr(lang, Key::OtherCountries) name="regions" bind=other maxlength=300 hint=tr(lang, Key::OtherCountriesHint) error/>
        </fieldset>
    }
}

/// An admin sets another agent's password (which signs that agent out everywhere).
#[component]
fn PasswordForm(agent: AgentRow, action: ServerAction<SetAgentPassword>, on_cancel: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let error = action_error(action);
    let password = RwSignal::new(String::new());
    let title = format!("{} {}", tr(lang, Key::SetPassword), agent.display_name);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetAgentPassword { agent_id: agent.id, password: password.get_untracked() });
    };
    view! {
        <form class="editor" aria-label=title.clone() on:submit=submit>
            <h3>{title.clone()}</h3>
            <Field label=tr(lang, Key::NewPassword) name="password" kind="password" bind=password maxlength=20 required=true
                autocomplete="new-password" hint=tr(lang, Key::PasswordRules) error/>
            <div class="buttons">
                <button type="submit" disabled=move || action.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
        </form>
    }
}

/// The lines of a card being edited, one signal per label and value.
pub type CardSignals = RwSignal<Vec<(RwSignal<String>, RwSignal<String>)>>;

pub fn card_lines(card: &[CardLine]) -> CardSignals {
    RwSignal::new(card.iter().map(|l| (RwSignal::new(l.label.clone()), RwSignal::new(l.value.clone()))).collect())
}

pub fn card_values(card: CardSignals) -> Vec<CardLine> {
    card.get_untracked()
        .into_iter()
        .map(|(label, value)| CardLine { label: label.get_untracked(), value: value.get_untracked() })
        .collect()
}

/// The card visitors may see: label and value per line, add and remove lines (at most
/// [`CARD_LINES`]).
#[component]
pub fn CardEditor(card: CardSignals, error: Signal<Option<kefu_protocol::ApiError>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <fieldset>
            <legend>{tr(lang, Key::Card)}</legend>
            <div class="card-lines">
                {move || card.get().into_iter().enumerate().map(|(i, (label, value))| view! {
                    <div class="card-line">
                        <input type="text" aria-label=format!("{} {}", tr(lang, Key::CardLabel), i + 1) maxlength="20"
                            prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
                        <input type="text" aria-label=format!("{} {}", tr(lang, Key::CardValue), i + 1) maxlength="100"
                            prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                        <button type="button" aria-label=format!("{} {}", tr(lang, Key::RemoveLine), i + 1)
                            on:click=move |_| card.update(|c| { c.remove(i); })>"×"</button>
                    </div>
                }).collect_view()}
            </div>
            <button type="button" disabled=move || card.with(|c| c.len() >= CARD_LINES)
                on:click=move |_| card.update(|c| c.push((RwSignal::new(String::new()), RwSignal::new(String::new()))))>
                {tr(lang, Key::AddLine)}
            </button>
            <span class="field-error" role="alert">{move || error_for(lang, error.get(), "card")}</span>
        </fieldset>
    }
}
