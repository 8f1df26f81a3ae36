//! The visitor details panel (seed 004 sections 4 and 10, seed 000 7.7 and 14): the card agents
//! edit, this visit's pages with the time on each, the visits before with how each began, and past
//! conversations, each openable in place.

use kefu_protocol::{ConversationId, SenderKind, VisitorId};
use leptos::prelude::*;

use super::{page_link, source_text};
use crate::i18n::{tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, AreaField, Field};
use crate::kit::{date_time_text, duration_text, visitor_label};
use crate::visitors::api::{load_visitor_details, past_messages, SaveVisitorCard};
use crate::visitors::{
    PastConversation, VisitorCard, VisitorDetails, CARD_COMPANY, CARD_EMAIL, CARD_NAME, CARD_NOTES, CARD_PHONE,
};

/// The panel beside the console for one visitor; `on_close` hides it.
#[component]
pub fn VisitorPanel(visitor: VisitorId, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let reload = RwSignal::new(0u32);
    let details = LocalResource::new(move || {
        reload.track();
        load_visitor_details(visitor.0)
    });
    let title = move || {
        let name = details.get().and_then(|d| d.ok()).map(|d| d.card.name).filter(|n| !n.is_empty());
        visitor_label(lang, name.as_deref(), visitor)
    };
    view! {
        <aside class="visitor-panel" aria-label=tr(lang, Key::VisitorDetails)>
            <header>
                <h2>{title}</h2>
                <button type="button" class="close" aria-label=tr(lang, Key::Close) on:click=move |_| on_close.run(())>"×"</button>
            </header>
            {move || match details.get() {
                None => None,
                Some(Err(e)) => Some(view! { <p role="alert" class="error">{crate::i18n::error_text(lang, &e.0)}</p> }.into_any()),
                Some(Ok(d)) => Some(view! { <Sections details=d reload/> }.into_any()),
            }}
        </aside>
    }
}

#[component]
fn Sections(details: VisitorDetails, reload: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let VisitorDetails { card, site_name, first_seen, visits, current, earlier, conversations } = details;
    let live = expect_context::<crate::kit::live::Live>();
    view! {
        <p class="meta">
            {site_name} " · " {tr(lang, Key::ColFirstVisit)} " " {date_time_text(first_seen)} " · "
            {tr(lang, Key::Visits)} " " {visits}
        </p>
        <CardForm card reload/>
        <section aria-labelledby="trajectory-now">
            <h3 id="trajectory-now">{tr(lang, Key::ThisVisit)}</h3>
            <ol class="trajectory">
                {current.into_iter().map(|p| {
                    // The page they are on ticks with the clock.
                    let stay = move || match p.stay_ms {
                        Some(ms) => duration_text(ms),
                        None => format!("{} ({})", duration_text((live.now.get() - p.at).max(0)), tr(lang, Key::StillHere)),
                    };
                    let (link, at) = (page_link(&p.url, &p.title), p.at);
                    view! {
                        <li>
                            {link}
                            <span class="when">{date_time_text(at)}</span>
                            <span class="stay">{stay}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        <section aria-labelledby="trajectory-before">
            <h3 id="trajectory-before">{tr(lang, Key::EarlierVisits)}</h3>
            {earlier.is_empty().then(|| view! { <p class="empty">{tr(lang, Key::NoEarlierVisits)}</p> })}
            <ul class="visits">
                {earlier.into_iter().map(|v| {
                    let source = v.source.as_ref().map(|s| source_text(lang, s)).unwrap_or_else(|| tr(lang, Key::SourceDirect).to_owned());
                    view! {
                        <li>
                            <span class="when">{date_time_text(v.started)}</span>
                            " · " {tr(lang, Key::PagesCount).replace("{n}", &v.pages.to_string())}
                            " · " {duration_text(v.ended - v.started)}
                            " · " <span class="source">{source}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="past-chats">
            <h3 id="past-chats">{tr(lang, Key::PastChats)}</h3>
            {conversations.is_empty().then(|| view! { <p class="empty">{tr(lang, Key::NoPastChats)}</p> })}
            <ul class="past-chats">
                {conversations.into_iter().map(|c| view! { <PastChat lang c/> }).collect_view()}
            </ul>
        </section>
    }
}

/// The card an agent edits; saved, every console shows the new name.
#[component]
fn CardForm(card: VisitorCard, reload: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveVisitorCard>::new();
    let error = action_error(save);
    let notice = RwSignal::new(None::<&'static str>);
    on_success(save, move |_| {
        notice.set(Some(tr(lang, Key::Saved)));
        reload.update(|n| *n += 1);
    });
    let name = RwSignal::new(card.name.clone());
    let email = RwSignal::new(card.email.clone());
    let phone = RwSignal::new(card.phone.clone());
    let company = RwSignal::new(card.company.clone());
    let tags = RwSignal::new(card.tags.join("\n"));
    let notes = RwSignal::new(card.notes.clone());
    let (member, claimed) = (card.member.clone(), card.claimed.clone().filter(|_| card.member.is_none()));
    let (details, registered_at) = (card.details.clone(), card.registered_at);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let card = VisitorCard {
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            company: company.get_untracked(),
            tags: tags.get_untracked().lines().map(str::to_owned).collect(),
            notes: notes.get_untracked(),
            ..card.clone()
        };
        save.dispatch(SaveVisitorCard { card });
    };
    view! {
        <form class="card-form" aria-label=tr(lang, Key::VisitorCardTitle) on:submit=submit>
            <h3>{tr(lang, Key::VisitorCardTitle)}</h3>
            {member.map(|id| view! { <p class="member">{tr(lang, Key::MemberId)} ": " <strong>{id}</strong></p> })}
            {claimed.map(|id| view! {
                <p class="member">{tr(lang, Key::ClaimedId)} ": " {id}</p>
            })}
            {registered_at.map(|at| view! {
                <p class="member">{tr(lang, Key::RegisteredAt)} ": " {date_time_text(at)}</p>
            })}
            {(!details.is_empty()).then(|| view! {
                <dl class="visitor-details" aria-label=tr(lang, Key::VisitorGave)>
                    {details.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                </dl>
            })}
            <Field label=tr(lang, Key::CardName) name="card_name" bind=name maxlength=CARD_NAME error/>
            <Field label=tr(lang, Key::Email) name="email" kind="email" bind=email maxlength=CARD_EMAIL error/>
            <Field label=tr(lang, Key::CardPhone) name="phone" kind="tel" bind=phone maxlength=CARD_PHONE error/>
            <Field label=tr(lang, Key::CardCompany) name="card_company" bind=company maxlength=CARD_COMPANY error/>
            <AreaField label=tr(lang, Key::CardTags) name="tags" bind=tags rows=2 error/>
            <AreaField label=tr(lang, Key::CardNotes) name="notes" bind=notes rows=3 maxlength=CARD_NOTES error/>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{tr(lang, Key::Save)}</button>
                <span class="notice" aria-live="polite">{move || notice.get()}</span>
            </div>
            <p role="alert" class="error">
                {move || error_outside(lang, error.get(), &["card_name", "email", "phone", "card_company", "tags", "notes"])}
            </p>
        </form>
    }
}

/// One past conversation; opened, its messages show in place.
#[component]
fn PastChat(lang: Lang, c: PastConversation) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = ConversationId(c.id);
    let messages = LocalResource::new(move || async move {
        if open.get() {
            past_messages(id.0).await.ok()
        } else {
            None
        }
    });
    let state = match c.closed_at {
        Some(closed) => duration_text(closed - c.started_at),
        None => tr(lang, Key::OpenChat).to_owned(),
    };
    let label = format!(
        "{} · {} · {} · {}",
        date_time_text(c.started_at),
        c.agent_name.clone().unwrap_or_default(),
        tr(lang, Key::MessagesCount).replace("{n}", &c.messages.to_string()),
        state
    );
    view! {
        <li>
            <button type="button" class="past-chat" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>{label}</button>
            {move || open.get().then(|| view! {
                <ol class="transcript" aria-label=tr(lang, Key::Messages)>
                    {move || messages.get().flatten().unwrap_or_default().into_iter().map(|m| {
                        let who = match m.sender {
                            SenderKind::Visitor => tr(lang, Key::Visitor).to_owned(),
                            SenderKind::Agent => m.sender_name.clone().unwrap_or_default(),
                        };
                        view! { <li><span class="who">{who}</span> <span class="body">{m.body.clone()}</span></li> }
                    }).collect_view()}
                </ol>
            })}
        </li>
    }
}
