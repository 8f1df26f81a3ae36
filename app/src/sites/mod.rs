//! A company's websites: their public keys, allowed domains and the embed snippet.
//!
//! Owns the `sites` table. Visitors find their company through a site key (never through anything
//! else they send); the site's allowed domains decide which pages may open a chat.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

/// A site of the caller's company with the snippet to embed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteView {
    pub id: i64,
    pub name: String,
    pub key: String,
    pub allowed_domains: Vec<String>,
    pub snippet: String,
    /// The company's first site, which cannot be deleted.
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub version: i64,
    /// Visitors' full IP addresses are stored (otherwise only their network).
    #[serde(default = "yes")]
    pub full_ips: bool,
    /// Links agents push to the site's own pages open in the visitor's tab.
    #[serde(default)]
    pub push_same_tab: bool,
    /// What the site signs member ids with (only for those who manage the site).
    #[serde(default)]
    pub identity_secret: Option<String>,
    /// The IANA time zone its days are cut in (statistics).
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn yes() -> bool {
    true
}

fn utc() -> String {
    "UTC".into()
}

impl Default for SiteForm {
    fn default() -> Self {
        SiteForm {
            id: None,
            version: 0,
            name: String::new(),
            domains: String::new(),
            full_ips: true,
            push_same_tab: false,
            time_zone: utc(),
        }
    }
}

/// A new site (`id` `None`) or a change to one (with the `version` it was read at). `domains`:
/// one bound domain per line (or separated by commas or spaces).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteForm {
    pub id: Option<i64>,
    pub version: i64,
    pub name: String,
    pub domains: String,
    /// Store visitors' full IP addresses (otherwise only their network: IPv4 /24, IPv6 /48).
    #[serde(default = "yes")]
    pub full_ips: bool,
    /// Links agents push to pages of the bound domains open in the visitor's tab (others: a new tab).
    #[serde(default)]
    pub push_same_tab: bool,
    /// The IANA time zone its days are cut in (`Asia/Shanghai`).
    #[serde(default = "utc")]
    pub time_zone: String,
}

/// Longest time zone name.
pub const ZONE_CHARS: usize = 64;

/// Most bound domains per site.
pub const MAX_DOMAINS: usize = 50;

/// The embed snippet for a site: one script tag, the same forever (settings are fetched at run time).
pub fn embed_snippet(public_url: &str, site_key: &str) -> String {
    format!("<script src=\"{public_url}/widget/loader.js\" data-site-key=\"{site_key}\" async></script>")
}
