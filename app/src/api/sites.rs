use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A site of the caller's company with the snippet to embed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteView {
    pub id: i64,
    pub name: String,
    pub key: String,
    pub allowed_domains: Vec<String>,
    pub snippet: String,
}

/// The embed snippet for a site: one script tag, the same forever (settings are fetched at run time).
pub fn embed_snippet(public_url: &str, site_key: &str) -> String {
    format!("<script src=\"{public_url}/widget/loader.js\" data-site-key=\"{site_key}\" async></script>")
}

/// Sites of the signed-in agent's company.
#[server(endpoint = "sites")]
pub async fn my_sites() -> Result<Vec<SiteView>, AppError> {
    use crate::ssr::{state::AppState, store};

    let agent = crate::ssr::current_agent().await?;
    let state = AppState::from_context()?;
    let sites = store::sites_of_tenant(&state.db, agent.tenant_id).await?;
    Ok(sites
        .into_iter()
        .map(|s| SiteView {
            snippet: embed_snippet(&state.settings.public_url, &s.key),
            id: s.id.0,
            name: s.name,
            key: s.key,
            allowed_domains: s.allowed_domains,
        })
        .collect())
}
