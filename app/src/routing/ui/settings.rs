//! The routing page (admins): per site, how chats are shared out (and per category), the queue's
//! length, returning visitors' previous agent, and the rating scale.

use kefu_protocol::RatingLevel;
use leptos::prelude::*;

use crate::i18n::{lang_name, tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, CheckField, Field, SelectField};
use crate::routing::api::{routing_settings, SaveRoutingSettings};
use crate::routing::{CategoryRoute, RouteMode, RoutingSettings, LABEL_LANGS, MAX_LEVEL_LABEL, MAX_WELCOME};

fn mode_text(lang: Lang, mode: RouteMode) -> &'static str {
    tr(
        lang,
        match mode {
            RouteMode::LeastBusy => Key::ModeLeastBusy,
            RouteMode::RoundRobin => Key::ModeRoundRobin,
            RouteMode::Random => Key::ModeRandom,
        },
    )
}

#[component]
pub fn RoutingPage() -> impl IntoView {
    let lang = use_lang();
    crate::sites::ui::site_settings_page(
        "routing",
        tr(lang, Key::NavRouting),
        None,
        routing_settings,
        |settings, notice, on_saved| {
            view! { <RoutingForm settings notice on_saved/> }
        },
    )
}

/// One rating level's inputs.
#[derive(Clone, Copy)]
struct LevelInputs {
    score: RwSignal<String>,
    comment_required: RwSignal<bool>,
    labels: [RwSignal<String>; 5],
}

#[component]
fn RoutingForm(
    settings: RoutingSettings,
    notice: RwSignal<Option<&'static str>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveRoutingSettings>::new();
    let error = action_error(save);
    on_success(save, move |_| {
        notice.set(Some(tr(lang, Key::Saved)));
        on_saved.run(());
    });
    let mode = RwSignal::new(settings.mode.as_str().to_owned());
    let queue_limit = RwSignal::new(settings.queue_limit.to_string());
    let prefer_previous = RwSignal::new(settings.prefer_previous);
    let region_routing = RwSignal::new(settings.region_routing);
    let visitor_idle = RwSignal::new(settings.visitor_idle_minutes.to_string());
    let agent_idle = RwSignal::new(settings.agent_idle_minutes.to_string());
    let idle_warning = RwSignal::new(settings.idle_warning_minutes.to_string());
    let rating_enabled = RwSignal::new(settings.rating_enabled);
    let switchboard = RwSignal::new(settings.switchboard_id.map(|a| a.to_string()).unwrap_or_default());
    let approval = RwSignal::new(settings.approval);
    let approval_secs = RwSignal::new(settings.approval_secs.to_string());
    let agents = Signal::stored(
        std::iter::once((String::new(), tr(lang, Key::NoneOption).to_owned()))
            .chain(settings.agents.iter().map(|(id, name)| (id.to_string(), name.clone())))
            .collect::<Vec<_>>(),
    );
    let categories: Vec<(CategoryRoute, RwSignal<String>)> = settings
        .categories
        .iter()
        .map(|c| (c.clone(), RwSignal::new(c.mode.map(|m| m.as_str().to_owned()).unwrap_or_default())))
        .collect();
    let levels: Vec<LevelInputs> = settings
        .levels
        .iter()
        .map(|l| LevelInputs {
            score: RwSignal::new(l.score.to_string()),
            comment_required: RwSignal::new(l.comment_required),
            labels: LABEL_LANGS.map(|tag| RwSignal::new(l.label(tag).unwrap_or_default().to_owned())),
        })
        .collect();
    let welcome = LABEL_LANGS.map(|tag| {
        RwSignal::new(settings.welcome.iter().find(|(l, _)| l == tag).map(|(_, t)| t.clone()).unwrap_or_default())
    });
    let modes = Signal::stored(
        RouteMode::ALL.iter().map(|m| (m.as_str().to_owned(), mode_text(lang, *m).to_owned())).collect::<Vec<_>>(),
    );
    let (site_id, version) = (settings.site_id, settings.version);
    let (form_categories, form_levels) = (StoredValue::new(categories.clone()), StoredValue::new(levels.clone()));
    let submit = move || {
        notice.set(None);
        let categories = form_categories.with_value(|list| {
            list.iter()
                .map(|(c, m)| CategoryRoute {
                    id: c.id,
                    name: c.name.clone(),
                    mode: RouteMode::parse(&m.get_untracked()),
                })
                .collect()
        });
        let levels = form_levels.with_value(|list| {
            list.iter()
                .map(|l| RatingLevel {
                    score: l.score.get_untracked().trim().parse().unwrap_or(0),
                    labels: LABEL_LANGS
                        .iter()
                        .zip(l.labels)
                        .map(|(tag, s)| (tag.to_string(), s.get_untracked()))
                        .collect(),
                    comment_required: l.comment_required.get_untracked(),
                })
                .collect()
        });
        let settings = RoutingSettings {
            site_id,
            version,
            mode: RouteMode::parse(&mode.get_untracked()).unwrap_or_default(),
            queue_limit: queue_limit.get_untracked().trim().parse().unwrap_or(-1),
            prefer_previous: prefer_previous.get_untracked(),
            rating_enabled: rating_enabled.get_untracked(),
            levels,
            categories,
            welcome: LABEL_LANGS.iter().zip(welcome).map(|(tag, s)| (tag.to_string(), s.get_untracked())).collect(),
            visitor_idle_minutes: visitor_idle.get_untracked().trim().parse().unwrap_or(-1),
            agent_idle_minutes: agent_idle.get_untracked().trim().parse().unwrap_or(-1),
            idle_warning_minutes: idle_warning.get_untracked().trim().parse().unwrap_or(-1),
            switchboard_id: switchboard.get_untracked().parse().ok(),
            approval: approval.get_untracked(),
            approval_secs: approval_secs.get_untracked().trim().parse().unwrap_or(-1),
            agents: Vec::new(),
            region_routing: region_routing.get_untracked(),
        };
        save.dispatch(SaveRoutingSettings { settings });
    };
    view! {
        <form class="routing-form" aria-label=tr(lang, Key::NavRouting) on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <SelectField label=tr(lang, Key::DistributionMode) name="mode" bind=mode options=modes error/>
            <Field label=tr(lang, Key::QueueLimit) name="queue_limit" kind="number" bind=queue_limit error/>
            <CheckField label=tr(lang, Key::PreferPrevious).to_owned() bind=prefer_previous/>
            <CheckField label=tr(lang, Key::RegionRouting).to_owned() bind=region_routing/>
            <p class="hint">{tr(lang, Key::RegionRoutingHint)}</p>
            <SelectField label=tr(lang, Key::SiteSwitchboard) name="switchboard_id" bind=switchboard options=agents error/>
            <CheckField label=tr(lang, Key::Approval).to_owned() bind=approval/>
            <Field label=tr(lang, Key::ApprovalSecs) name="approval_secs" kind="number" bind=approval_secs error/>
            <fieldset>
                <legend>{tr(lang, Key::IdleClose)}</legend>
                <Field label=tr(lang, Key::VisitorIdle) name="visitor_idle_minutes" kind="number" bind=visitor_idle error/>
                <Field label=tr(lang, Key::IdleWarning) name="idle_warning_minutes" kind="number" bind=idle_warning error/>
                <Field label=tr(lang, Key::AgentIdle) name="agent_idle_minutes" kind="number" bind=agent_idle error/>
            </fieldset>
            {(!categories.is_empty()).then(|| view! {
                <fieldset>
                    <legend>{tr(lang, Key::NavCategories)}</legend>
                    {categories.iter().map(|(c, bind)| {
                        let mut options = vec![(String::new(), tr(lang, Key::SameAsSite).to_owned())];
                        options.extend(RouteMode::ALL.iter().map(|m| (m.as_str().to_owned(), mode_text(lang, *m).to_owned())));
                        let bind = *bind;
                        view! {
                            <label class="field">
                                <span>{c.name.clone()}</span>
                                <select prop:value=move || bind.get() on:change=move |ev| bind.set(event_target_value(&ev))>
                                    {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
                                </select>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            })}
            <fieldset class="welcome">
                <legend>{tr(lang, Key::SiteWelcome)}</legend>
                {LABEL_LANGS.iter().zip(welcome).map(|(tag, bind)| view! {
                    <label class="field">
                        <span>{lang_name(tag)}</span>
                        <input type="text" lang=*tag maxlength=MAX_WELCOME.to_string() placeholder=tr(lang, Key::DefaultLabel)
                            prop:value=move || bind.get() on:input=move |ev| bind.set(event_target_value(&ev))/>
                    </label>
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>{tr(lang, Key::Ratings)}</legend>
                <CheckField label=tr(lang, Key::AskRating).to_owned() bind=rating_enabled/>
                <div class="table-wrap">
                    <table>
                        <thead>
                            <tr>
                                <th scope="col">{tr(lang, Key::Score)}</th>
                                <th scope="col">{tr(lang, Key::CommentRequired)}</th>
                                {LABEL_LANGS.iter().map(|tag| view! { <th scope="col" lang=*tag>{lang_name(tag)}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {levels.into_iter().enumerate().map(|(i, l)| {
                                let n = i + 1;
                                view! {
                                    <tr>
                                        <td>
                                            <input type="number" min="1" max="10" class="score"
                                                aria-label=format!("{} {n}", tr(lang, Key::Score))
                                                prop:value=move || l.score.get()
                                                on:input=move |ev| l.score.set(event_target_value(&ev))/>
                                        </td>
                                        <td>
                                            <input type="checkbox"
                                                aria-label=format!("{} {n}", tr(lang, Key::CommentRequired))
                                                prop:checked=move || l.comment_required.get()
                                                on:change=move |ev| l.comment_required.set(event_target_checked(&ev))/>
                                        </td>
                                        {LABEL_LANGS.iter().zip(l.labels).map(|(tag, bind)| view! {
                                            <td>
                                                <input type="text" maxlength=MAX_LEVEL_LABEL.to_string()
                                                    aria-label=format!("{} {n} ({})", tr(lang, Key::LevelLabel), lang_name(tag))
                                                    placeholder=tr(lang, Key::DefaultLabel)
                                                    prop:value=move || bind.get()
                                                    on:input=move |ev| bind.set(event_target_value(&ev))/>
                                            </td>
                                        }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </fieldset>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["mode", "queue_limit", "switchboard_id", "approval_secs", "visitor_idle_minutes", "idle_warning_minutes", "agent_idle_minutes"])}</p>
            <button type="submit">{tr(lang, Key::Save)}</button>
        </form>
    }
}
