use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};
use crate::kit::live::Live;
use crate::kit::{duration_text, region_text, visitor_label, EmptyState, MoreButton, SearchField};

/// Who is on the site right now: page, where they came from, time on site, visits.
#[component]
pub fn VisitorList() -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<Live>();
    let heading = move || format!("{} ({})", tr(lang, Key::VisitorsOnline), live.visitors_total.get());
    view! {
        <section class="visitors" aria-label=tr(lang, Key::VisitorsOnline)>
            <h2>{heading}</h2>
            <SearchField
                label=tr(lang, Key::SearchVisitors)
                query=live.visitor_query
                on_search=Callback::new(move |q| live.search_visitors(q))
            />
            <Show when=move || live.visitors.with(|v| v.is_empty())>
                <Show
                    when=move || live.visitor_query.with(String::is_empty)
                    fallback=move || view! { <EmptyState text=tr(lang, Key::NoMatches)/> }
                >
                    <EmptyState text=tr(lang, Key::NoVisitors)/>
                </Show>
            </Show>
            <ul>
                <For each=move || live.visitors.get() key=|v| (v.visitor_id, v.page.url.clone(), v.page.title.clone()) let:v>
                    {
                        let label = visitor_label(lang, v.name.as_deref(), v.visitor_id);
                        let title = if v.page.title.is_empty() { v.page.url.clone() } else { v.page.title.clone() };
                        let referrer = if v.page.referrer.is_empty() { tr(lang, Key::Direct).to_owned() } else { v.page.referrer.clone() };
                        let since = v.online_since;
                        let region = region_text(lang, v.region.as_ref());
                        let on_site = move || {
                            let now = live.now.get();
                            if now == 0 { String::new() } else { duration_text(now - since) }
                        };
                        view! {
                            <li class="visitor" aria-label=label.clone()>
                                <strong>{label.clone()}</strong>
                                <span class="page" title=v.page.url.clone()>{title}</span>
                                <dl>
                                    <dt>{tr(lang, Key::From)}</dt><dd class="referrer">{referrer}</dd>
                                    <dt>{tr(lang, Key::Region)}</dt><dd class="region">{region}</dd>
                                    <dt>{tr(lang, Key::OnSite)}</dt><dd>{on_site}</dd>
                                    <dt>{tr(lang, Key::Visits)}</dt><dd>{v.visits}</dd>
                                </dl>
                            </li>
                        }
                    }
                </For>
            </ul>
            <MoreButton
                lang=lang
                shown=Signal::derive(move || live.visitors.with(Vec::len))
                total=live.visitors_total.into()
                on_more=Callback::new(move |_| live.more_visitors())
            />
        </section>
    }
}
