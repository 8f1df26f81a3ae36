//! Invitations to chat (seed 000 chapter 2 "主动邀请" and 10.3; seed 004 section 2): an agent
//! invites a visitor from the console, or the site invites automatically after a visitor has been
//! on it for a while, on the pages it names, while someone is there to answer. The widget shows an
//! invitation card (Accept / Later); accepting opens the chat with the inviting agent (or by the
//! site's rules). After a decline the site does not invite the visitor automatically again that
//! visit. Every invitation and its answer is stored for statistics.
//!
//! The same settings page turns on sneak peek (seed 000 7.2), the other way a site engages with
//! visitors before they write.
//!
//! Owns the `invitations` table and the `invite_*` and `sneak_peek` columns of `sites`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::i18n::LANG_TAGS as LABEL_LANGS;

/// A site's automatic invitation, as the invitations page edits it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct InviteSettings {
    pub site_id: i64,
    /// The site's version when read (a save of an older one is `Stale`).
    pub version: i64,
    /// Invite automatically.
    pub auto: bool,
    /// After this long on the site (this visit), in seconds.
    pub after_secs: i64,
    /// Only on pages whose address matches one of these (`*` matches anything); empty: any page.
    pub pages: Vec<String>,
    /// The invitation's text by language tag (a language without one gets the widget's own).
    pub texts: Vec<(String, String)>,
    /// Sneak peek (seed 000 7.2): agents see what visitors type before they send it; the widget
    /// tells visitors. Off by default.
    #[serde(default)]
    pub sneak_peek: bool,
}

/// Longest wait before an automatic invitation, in seconds (an hour).
pub const MAX_AFTER_SECS: i64 = 3600;
/// Most page patterns, and the longest.
pub const MAX_PAGES: usize = 20;
pub const MAX_PATTERN: usize = 200;
/// Longest invitation text, in characters.
pub const MAX_TEXT: usize = 200;

impl InviteSettings {
    /// Checks what an admin sent: the wait within bounds, at most 20 patterns of at most 200
    /// characters (blank lines dropped), texts in known languages of at most 200 characters.
    pub fn parse(mut self) -> Result<InviteSettings, ApiError> {
        if !(0..=MAX_AFTER_SECS).contains(&self.after_secs) {
            return Err(ApiError::invalid("after_secs", ErrorCode::Format));
        }
        // A flood of lines is refused before any is read (blank ones are dropped below).
        if self.pages.len() > MAX_PAGES * 10 {
            return Err(ApiError::invalid("pages", ErrorCode::TooLong));
        }
        let mut pages = Vec::new();
        for pattern in &self.pages {
            let pattern = Line::parse(pattern, "pages", MAX_PATTERN)?.into_string();
            if !pattern.is_empty() {
                pages.push(pattern);
            }
        }
        if pages.len() > MAX_PAGES {
            return Err(ApiError::invalid("pages", ErrorCode::TooLong));
        }
        self.pages = pages;
        let mut texts = Vec::new();
        for (lang, text) in &self.texts {
            if !LABEL_LANGS.contains(&lang.as_str()) {
                return Err(ApiError::invalid("texts", ErrorCode::Format));
            }
            let text = Line::parse(text, "texts", MAX_TEXT)?.into_string();
            if !text.is_empty() {
                texts.push((lang.clone(), text));
            }
        }
        self.texts = texts;
        Ok(self)
    }
}

/// Whether a page address matches one of the patterns (`*` matches any run of characters; letters
/// compare without case); no patterns: every page does.
pub fn page_matches(patterns: &[String], url: &str) -> bool {
    fn glob(pattern: &[char], text: &[char]) -> bool {
        // Iterative wildcard match: on a mismatch, let the last `*` swallow one more character.
        let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
        while t < text.len() {
            if p < pattern.len() && pattern[p] != '*' && pattern[p] == text[t] {
                p += 1;
                t += 1;
            } else if p < pattern.len() && pattern[p] == '*' {
                star = Some(p);
                mark = t;
                p += 1;
            } else if let Some(s) = star {
                p = s + 1;
                mark += 1;
                t = mark;
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|c| *c == '*')
    }
    let text: Vec<char> = url.to_lowercase().chars().collect();
    patterns.is_empty() || patterns.iter().any(|p| glob(&p.to_lowercase().chars().collect::<Vec<_>>(), &text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_addresses_with_wildcards_and_without_case() {
        let patterns = vec!["*/pricing*".to_owned(), "https://shop.example/产品/*".to_owned()];
        assert!(page_matches(&patterns, "https://shop.example/pricing"));
        assert!(page_matches(&patterns, "https://shop.example/Pricing?plan=pro"));
        assert!(page_matches(&patterns, "https://shop.example/产品/茶叶"));
        assert!(!page_matches(&patterns, "https://shop.example/"));
        assert!(!page_matches(&patterns, "https://other.example/产品/茶叶"));
        assert!(page_matches(&[], "https://anything.example/"), "no patterns: every page");
        assert!(page_matches(&["*".to_owned()], ""));
        assert!(!page_matches(&["https://a.example/x".to_owned()], "https://a.example/xy"), "whole address");
    }

    #[test]
    fn settings_are_checked_and_cleaned() {
        let form = InviteSettings {
            after_secs: 30,
            pages: vec![" */pricing* ".into(), "".into()],
            texts: vec![("zh-CN".into(), "您好！".into()), ("en".into(), " ".into())],
            ..Default::default()
        };
        let parsed = form.clone().parse().unwrap();
        assert_eq!(parsed.pages, ["*/pricing*"]);
        assert_eq!(parsed.texts, [("zh-CN".to_owned(), "您好！".to_owned())]);
        let code = |f: InviteSettings| f.parse().unwrap_err().code();
        assert_eq!(code(InviteSettings { after_secs: -1, ..form.clone() }), ErrorCode::Format);
        assert_eq!(code(InviteSettings { after_secs: 3601, ..form.clone() }), ErrorCode::Format);
        assert_eq!(code(InviteSettings { pages: vec!["x".into(); 21], ..form.clone() }), ErrorCode::TooLong);
        assert_eq!(code(InviteSettings { pages: vec![String::new(); 100_000], ..form.clone() }), ErrorCode::TooLong);
        assert_eq!(code(InviteSettings { texts: vec![("fr".into(), "x".into())], ..form.clone() }), ErrorCode::Format);
        assert_eq!(code(InviteSettings { texts: vec![("en".into(), "x".repeat(201))], ..form }), ErrorCode::TooLong);
    }
}
