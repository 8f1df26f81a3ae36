//! The ratings page (admins; the rating review of seed 000 16.6 and seed 004 section 14): each
//! agent's ratings of a period by score, the ratings themselves (all, or one agent's) with their
//! average and comments, each conversation's record one click away (`/records?open=ID`), marking
//! one invalid with a reason (or valid again), and clearing the period's ratings.

use leptos::prelude::*;

use super::api::{list_ratings, ClearRatings, SetRatingInvalid};
use super::{AgentRatings, RatingRow};
use crate::i18n::{tr, use_lang, Key};
use crate::kit::form::{action_error, error_outside, on_success, Pager};
use crate::kit::{date_time_text, day_start_ms, visitor_label, EmptyState};

#[component]
pub fn RatingsPage() -> impl IntoView {
    let lang = use_lang();
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let offset = RwSignal::new(0i64);
    let reload = RwSignal::new(0u32);
    // The agent whose ratings are listed (`None`: everyone's).
    let agent = RwSignal::new(None::<i64>);
    let range =
        move || (day_start_ms(&from.get(), false).unwrap_or(0), day_start_ms(&to.get(), true).unwrap_or(i64::MAX));
    let page = LocalResource::new(move || {
        reload.track();
        let ((from, to), offset, agent) = (range(), offset.get(), agent.get());
        async move { list_ratings(from, to, offset, agent).await.unwrap_or_default() }
    });
    let mark = ServerAction::<SetRatingInvalid>::new();
    let clear = ServerAction::<ClearRatings>::new();
    let (mark_error, clear_error) = (action_error(mark), action_error(clear));
    let marking = RwSignal::new(None::<i64>);
    let reason = RwSignal::new(String::new());
    let confirming_clear = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    on_success(mark, move |_| {
        marking.set(None);
        reason.set(String::new());
        notice.set(Some(tr(lang, Key::Saved).to_owned()));
        reload.update(|n| *n += 1);
    });
    on_success(clear, move |n: u64| {
        confirming_clear.set(false);
        notice.set(Some(tr(lang, Key::RatingsClearedN).replace("{n}", &n.to_string())));
        reload.update(|n| *n += 1);
    });
    let total = Signal::derive(move || page.get().map_or(0, |p| p.total));
    let average = move || {
        page.get().and_then(|p| p.average).map(|a| tr(lang, Key::AverageScore).replace("{n}", &format!("{a:.2}")))
    };
    view! {
        <section class="ratings admin" aria-labelledby="ratings-title">
            <h2 id="ratings-title">{tr(lang, Key::NavRatings)}</h2>
            <div class="filters">
                <label>
                    <span>{tr(lang, Key::FromDay)}</span>
                    <input type="date" prop:value=move || from.get() on:change=move |ev| { offset.set(0); from.set(event_target_value(&ev)); }/>
                </label>
                <label>
                    <span>{tr(lang, Key::ToDay)}</span>
                    <input type="date" prop:value=move || to.get() on:change=move |ev| { offset.set(0); to.set(event_target_value(&ev)); }/>
                </label>
                <button type="button" on:click=move |_| { notice.set(None); confirming_clear.set(true); }>{tr(lang, Key::ClearRatings)}</button>
            </div>
            <Show when=move || confirming_clear.get()>
                <div role="group" class="confirm" aria-label=tr(lang, Key::ClearRatings)>
                    <p>{move || tr(lang, Key::ClearRatingsConfirm).replace("{n}", &total.get().to_string())}</p>
                    <button type="button" class="danger" on:click=move |_| {
                        let (from, to) = range();
                        clear.dispatch(ClearRatings { from, to });
                    }>{tr(lang, Key::ClearRatings)}</button>
                    <button type="button" on:click=move |_| confirming_clear.set(false)>{tr(lang, Key::Cancel)}</button>
                    <p role="alert" class="error">{move || error_outside(lang, clear_error.get(), &[])}</p>
                </div>
            </Show>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <Show when=move || page.get().is_some_and(|p| !p.per_agent.is_empty())>
                <div class="table-wrap">
                    <table class="per-agent">
                        <caption>{tr(lang, Key::RatingsPerAgent)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{tr(lang, Key::Agent)}</th>
                                <th scope="col">{tr(lang, Key::ValidRatings)}</th>
                                <th scope="col">{tr(lang, Key::AverageShort)}</th>
                                <th scope="col">{tr(lang, Key::ByScore)}</th>
                                <th scope="col">{tr(lang, Key::Invalid)}</th>
                                <th scope="col">{tr(lang, Key::Actions)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || page.get().map(|p| p.per_agent).unwrap_or_default().into_iter()
                                .map(|a| view! { <AgentLine a agent offset/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </Show>
            <Show when=move || agent.get().is_some()>
                <button type="button" on:click=move |_| { offset.set(0); agent.set(None); }>{tr(lang, Key::ShowAllRatings)}</button>
            </Show>
            <p class="average">{average}</p>
            <Show when=move || page.get().is_some_and(|p| p.rows.is_empty())>
                <EmptyState text=tr(lang, Key::NoRatings)/>
            </Show>
            <div class="table-wrap">
                <table aria-label=tr(lang, Key::RatingsListed)>
                    <thead>
                        <tr>
                            <th scope="col">{tr(lang, Key::Time)}</th>
                            <th scope="col">{tr(lang, Key::SiteFilter)}</th>
                            <th scope="col">{tr(lang, Key::Agent)}</th>
                            <th scope="col">{tr(lang, Key::Visitor)}</th>
                            <th scope="col">{tr(lang, Key::Score)}</th>
                            <th scope="col">{tr(lang, Key::Comment)}</th>
                            <th scope="col">{tr(lang, Key::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || page.get().map(|p| p.rows).unwrap_or_default() key=|r| (r.conversation_id, r.invalid, r.score) let:r>
                            <RatingLine r marking reason mark/>
                        </For>
                    </tbody>
                </table>
            </div>

            <p role="alert" class="error">{move || error_outside(lang, mark_error.get(), &[])}</p>
            <Pager offset page=super::PAGE_SIZE total/>
        </section>
    }
}

#[component]
fn RatingLine(
    r: RatingRow,
    marking: RwSignal<Option<i64>>,
    reason: RwSignal<String>,
    mark: ServerAction<SetRatingInvalid>,
) -> impl IntoView {
    let lang = use_lang();
    let id = r.conversation_id.0;
    let visitor = visitor_label(lang, r.visitor_name.as_deref(), kefu_protocol::VisitorId(r.visitor_id));
    let status = r.invalid.then(|| format!("{}: {}", tr(lang, Key::Invalid), r.invalid_reason));
    let invalid = r.invalid;
    view! {
        <tr class:invalid=invalid>
            <td>{date_time_text(r.rated_at)}</td>
            <td>{r.site_name.clone()}</td>
            <td>{r.agent_name.clone().unwrap_or_default()}</td>
            <td>{visitor.clone()}</td>
            <td>{format!("{} {}", "★".repeat(r.score as usize), r.score)}</td>
            <td>{r.comment.clone()}{status.map(|s| view! { <p class="invalid-reason">{s}</p> })}</td>
            <td class="buttons">
                // Its record, whole (whispers and events included).
                <a class="button" href=format!("/records?open={id}") aria-label=format!("{} {visitor}", tr(lang, Key::OpenConversation))>
                    {tr(lang, Key::OpenConversation)}
                </a>
                {if invalid {
                    view! {
                        <button type="button" on:click=move |_| { mark.dispatch(SetRatingInvalid { conversation_id: id, invalid: false, reason: String::new() }); }>
                            {tr(lang, Key::MarkValid)}
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <Show when=move || marking.get() != Some(id) fallback=move || view! {
                            <form class="reason" on:submit=move |ev| {
                                ev.prevent_default();
                                mark.dispatch(SetRatingInvalid { conversation_id: id, invalid: true, reason: reason.get_untracked() });
                            }>
                                <label>
                                    <span>{tr(lang, Key::InvalidReason)}</span>
                                    <input type="text" required maxlength=super::MAX_INVALID_REASON.to_string()
                                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                                </label>
                                <button type="submit">{tr(lang, Key::MarkInvalid)}</button>
                                <button type="button" on:click=move |_| marking.set(None)>{tr(lang, Key::Cancel)}</button>
                            </form>
                        }>
                            <button type="button" aria-label=format!("{} {visitor}", tr(lang, Key::MarkInvalid))
                                on:click=move |_| { reason.set(String::new()); marking.set(Some(id)); }>
                                {tr(lang, Key::MarkInvalid)}
                            </button>
                        </Show>
                    }.into_any()
                }}
            </td>
        </tr>
    }
}

/// One agent's line of the per-agent table: valid ratings, average, how many of each score, how
/// many were marked invalid, and a button that lists only theirs.
#[component]
fn AgentLine(a: AgentRatings, agent: RwSignal<Option<i64>>, offset: RwSignal<i64>) -> impl IntoView {
    let lang = use_lang();
    let name = a.agent_name.clone().unwrap_or_else(|| tr(lang, Key::NoAgent).to_owned());
    let average = a.average.map_or_else(|| "–".to_owned(), |x| format!("{x:.2}"));
    let scores = a.by_score.iter().map(|(s, n)| format!("{s}★ {n}")).collect::<Vec<_>>().join(" · ");
    let id = a.agent_id;
    view! {
        <tr>
            <th scope="row">{name.clone()}</th>
            <td>{a.valid()}</td>
            <td>{average}</td>
            <td>{scores}</td>
            <td>{a.invalid}</td>
            <td class="buttons">
                {id.map(|id| view! {
                    <button type="button" aria-pressed=move || (agent.get() == Some(id)).to_string()
                        on:click=move |_| { offset.set(0); agent.set(Some(id)); }>
                        {tr(lang, Key::ShowAgentRatings).replace("{name}", &name)}
                    </button>
                })}
            </td>
        </tr>
    }
}
