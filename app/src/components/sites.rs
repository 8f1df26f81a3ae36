use leptos::prelude::*;

use crate::api::sites::SiteView;
use crate::error::AppError;
use crate::i18n::{tr, use_lang, Key};

/// The company's sites with the snippet to paste.
#[component]
pub fn SiteList(sites: Resource<Result<Vec<SiteView>, AppError>>) -> impl IntoView {
    let lang = use_lang();
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
