use leptos::prelude::*;

use super::api::my_sites;
use crate::i18n::{tr, use_lang, Key};

/// The company's sites with the snippet to paste.
#[component]
pub fn SiteList() -> impl IntoView {
    let lang = use_lang();
    // Loaded in the browser only: pending on both sides during hydration, so they always agree.
    let sites = LocalResource::new(my_sites);
    view! {
        <section class="sites" aria-label=tr(lang, Key::YourSites)>
            <h2>{tr(lang, Key::YourSites)}</h2>
            <p>{tr(lang, Key::EmbedHint)}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    sites.await.unwrap_or_default().into_iter().map(|s| view! {
                        <figure>
                            <figcaption>{s.name}</figcaption>
                            <code class="snippet">{s.snippet}</code>
                        </figure>
                    }).collect_view()
                })}
            </Suspense>
        </section>
    }
}
