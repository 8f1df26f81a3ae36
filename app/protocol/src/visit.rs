//! What the visitor console shows of a visit beyond the page: the device and browser it comes from
//! ([`Channel`], read from the User-Agent by the server) and how the visitor came to the site
//! ([`Source`], from the referrer and the landing page's `utm_*` parameters).

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Desktop,
    Phone,
    Tablet,
    /// Crawlers, TVs, consoles and what the parser does not know.
    #[default]
    Other,
}

/// Apps whose built-in browser many visitors in China use: their names are translated in the
/// console, and they matter more than the browser engine underneath.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum InApp {
    WeChat,
    WeCom,
    Qq,
    Alipay,
    Weibo,
    BaiduApp,
    Douyin,
    DingTalk,
}

/// The device, browser and system of a visitor's connection.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Channel {
    pub device: Device,
    /// Browser name and major version ("Chrome 120"); empty when unknown.
    #[serde(default)]
    pub browser: String,
    /// System name and version ("Windows 10", "iOS 17.2"); empty when unknown.
    #[serde(default)]
    pub os: String,
    /// The app whose built-in browser this is, if any.
    #[serde(default)]
    pub app: Option<InApp>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// No referrer: typed in, a bookmark, an app.
    #[default]
    Direct,
    /// A search engine's results page.
    Search,
    /// A link on another site.
    Referral,
    /// A landing page tagged with `utm_*` parameters (whatever the referrer).
    Campaign,
}

/// A landing page's `utm_*` parameters (empty strings when absent).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Campaign {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub medium: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub term: String,
}

impl Campaign {
    /// Longest value kept, in characters.
    pub const MAX_VALUE: usize = 100;
}

/// How the visitor came to the site on this visit.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    /// The referring host (a search engine's or another site's), without `www.`.
    #[serde(default)]
    pub domain: Option<String>,
    /// What the visitor searched for, when the referrer (or `utm_term`) carries it.
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default)]
    pub campaign: Option<Campaign>,
}

impl Source {
    /// Longest keyword kept, in characters.
    pub const MAX_KEYWORD: usize = 100;
}
