use leptos::prelude::*;

use super::api::{my_sites, DeleteSite, SaveSite};
use super::{SiteForm, SiteView};
use crate::i18n::{tr, use_lang, Key};
use crate::kit::form::{action_error, error_outside, AreaField, CheckField, ConfirmDelete, Field};
use crate::kit::live::Live;

/// The company's sites: the snippet to paste, and (with `SitesManage`) creating, editing and
/// deleting them.
#[component]
pub fn SiteList() -> impl IntoView {
    let lang = use_lang();
    let live = use_context::<Live>();
    let can_manage = move || live.and_then(|l| l.agent.get()).is_some_and(|a| a.can(kefu_protocol::Perm::SitesManage));
    let reload = RwSignal::new(0u32);
    // Loaded in the browser only: pending on both sides during hydration, so they always agree.
    let sites = LocalResource::new(move || {
        reload.track();
        my_sites()
    });
    let editing = RwSignal::new(None::<SiteForm>);
    let deleting = RwSignal::new(None::<SiteView>);
    let typed = RwSignal::new(String::new());
    let save = ServerAction::<SaveSite>::new();
    let delete = ServerAction::<DeleteSite>::new();
    let save_error = action_error(save);
    let delete_error = action_error(delete);
    let notice = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
            notice.set(Some(tr(lang, Key::Saved)));
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            deleting.set(None);
            notice.set(Some(tr(lang, Key::Deleted)));
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <section class="sites admin" aria-labelledby="sites-title">
            <h2 id="sites-title">{tr(lang, Key::YourSites)}</h2>
            <p>{tr(lang, Key::EmbedHint)}</p>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <Show when=can_manage>
                <button type="button" on:click=move |_| {
                    notice.set(None);
                    editing.set(Some(SiteForm::default()));
                }>{tr(lang, Key::NewSite)}</button>
            </Show>
            {move || editing.get().map(|form| view! { <SiteEditor form save error=save_error on_cancel=Callback::new(move |_| editing.set(None))/> })}
            {move || deleting.get().map(|site| view! {
                <ConfirmDelete
                    name=site.name.clone()
                    typed=typed
                    on_confirm=Callback::new(move |_| {
                        delete.dispatch(DeleteSite { id: site.id, confirm: typed.get_untracked() });
                    })
                    on_cancel=Callback::new(move |_| deleting.set(None))
                />
                <p role="alert" class="error">{move || error_outside(lang, delete_error.get(), &[])}</p>
            })}
            <Suspense>
                {move || Suspend::new(async move {
                    sites.await.unwrap_or_default().into_iter().map(|s| {
                        let edit_form = SiteForm {
                            id: Some(s.id),
                            version: s.version,
                            name: s.name.clone(),
                            domains: s.allowed_domains.join("\n"),
                            full_ips: s.full_ips,
                            push_same_tab: s.push_same_tab,
                            time_zone: s.time_zone.clone(),
                        };
                        let site = s.clone();
                        let edit_label = format!("{} {}", tr(lang, Key::Edit), s.name);
                        view! {
                            <article class="site" aria-label=s.name.clone()>
                                <h3>{s.name.clone()} {s.is_default.then(|| view! { <span class="tag">{tr(lang, Key::DefaultSite)}</span> })}</h3>
                                <p class="domains">{s.allowed_domains.join(", ")}</p>
                                <code class="snippet">{s.snippet.clone()}</code>
                                {s.identity_secret.clone().map(|secret| view! {
                                    <details class="identity">
                                        <summary>{tr(lang, Key::IdentitySecret)}</summary>
                                        <samp class="secret">{secret}</samp>
                                        <p class="hint">{tr(lang, Key::IdentitySecretHint)}</p>
                                    </details>
                                })}
                                <Show when=can_manage>
                                    <div class="buttons">
                                        <button type="button" aria-label=edit_label.clone()
                                            on:click={let f = edit_form.clone(); move |_| { notice.set(None); editing.set(Some(f.clone())) }}>
                                            {tr(lang, Key::Edit)}
                                        </button>
                                        {(!site.is_default).then(|| {
                                            let site = site.clone();
                                            view! {
                                                <button type="button" class="danger" aria-label=format!("{} {}", tr(lang, Key::Delete), site.name)
                                                    on:click=move |_| { typed.set(String::new()); notice.set(None); deleting.set(Some(site.clone())) }>
                                                    {tr(lang, Key::Delete)}
                                                </button>
                                            }
                                        })}
                                    </div>
                                </Show>
                            </article>
                        }
                    }).collect_view()
                })}
            </Suspense>
        </section>
    }
}

/// The form of a new or edited site.
#[component]
fn SiteEditor(
    form: SiteForm,
    save: ServerAction<SaveSite>,
    error: Signal<Option<kefu_protocol::ApiError>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let name = RwSignal::new(form.name.clone());
    let domains = RwSignal::new(form.domains.clone());
    let full_ips = RwSignal::new(form.full_ips);
    let push_same_tab = RwSignal::new(form.push_same_tab);
    let time_zone = RwSignal::new(form.time_zone.clone());
    let title = if form.id.is_some() { tr(lang, Key::EditSite) } else { tr(lang, Key::NewSite) };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = SiteForm {
            name: name.get_untracked(),
            domains: domains.get_untracked(),
            full_ips: full_ips.get_untracked(),
            push_same_tab: push_same_tab.get_untracked(),
            time_zone: time_zone.get_untracked(),
            ..form.clone()
        };
        save.dispatch(SaveSite { form });
    };
    view! {
        <form class="editor" aria-label=title on:submit=submit>
            <h3>{title}</h3>
            <Field label=tr(lang, Key::Name) name="name" bind=name maxlength=100 required=true error/>
            <AreaField label=tr(lang, Key::Domains) name="domains" bind=domains hint=tr(lang, Key::DomainsHint) error/>
            <CheckField label=tr(lang, Key::FullIps).to_owned() bind=full_ips/>
            <CheckField label=tr(lang, Key::PushSameTab).to_owned() bind=push_same_tab/>
            <Field label=tr(lang, Key::TimeZone) name="time_zone" bind=time_zone maxlength=super::ZONE_CHARS
                hint=tr(lang, Key::TimeZoneHint) error/>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["name", "domains", "time_zone"])}</p>
        </form>
    }
}

/// Chooses which of the agent's sites a per-site settings page shows (the first, until changed);
/// `on_change` runs when the admin picks another.
#[component]
pub fn SiteChoice(site: RwSignal<Option<i64>>, #[prop(optional)] on_change: Option<Callback<()>>) -> impl IntoView {
    let lang = use_lang();
    let sites = LocalResource::new(super::api::my_sites);
    Effect::new(move |_| {
        if let (None, Some(Ok(list))) = (site.get_untracked(), sites.get()) {
            site.set(list.first().map(|s| s.id));
        }
    });
    view! {
        <label class="site-picker">
            <span>{tr(lang, Key::SiteFilter)}</span>
            <select on:change=move |ev| {
                if let Some(f) = on_change {
                    f.run(());
                }
                site.set(event_target_value(&ev).parse().ok());
            }>
                {move || sites.get().and_then(|r| r.ok()).unwrap_or_default().into_iter().map(|s| {
                    let selected = site.get() == Some(s.id);
                    view! { <option value=s.id.to_string() selected=selected>{s.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// What a per-site settings page shows: the site choice, the form of the chosen site's settings,
/// and the notice a save leaves (kept on the page: a save reloads the form with the new version).
/// `load` reads a site's settings; `form` draws them with the notice and a callback to run after a
/// save. Routing, invitations, registration and files pages are this shell around their form.
pub fn site_settings_page<T, E, Fut, V>(
    class: &'static str,
    title: &'static str,
    hint: Option<&'static str>,
    load: impl Fn(i64) -> Fut + Copy + Send + Sync + 'static,
    form: impl Fn(T, RwSignal<Option<&'static str>>, Callback<()>) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    E: 'static,
    Fut: std::future::Future<Output = Result<T, E>> + 'static,
    V: IntoView + 'static,
{
    let site = RwSignal::new(None::<i64>);
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<&'static str>);
    let settings = LocalResource::new(move || {
        reload.track();
        let site = site.get();
        async move {
            match site {
                Some(id) => load(id).await.ok(),
                None => None,
            }
        }
    });
    view! {
        <section class=format!("{class} admin") aria-labelledby=format!("{class}-title")>
            <h2 id=format!("{class}-title")>{title}</h2>
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            <SiteChoice site on_change=Callback::new(move |_| notice.set(None))/>
            {move || settings.get().flatten().map(|s| form(s, notice, Callback::new(move |_| reload.update(|n| *n += 1))))}
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
        </section>
    }
}
