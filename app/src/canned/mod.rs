//! Canned replies (seed 000 chapter 17 "快捷语预存", seed 004 section 8 "常用语"): texts agents
//! insert into the reply box instead of typing them again, in three libraries: the company's (kept
//! by those whose role has "Company and department canned replies"; each reply for one site or
//! all), a department's (kept by its admin or those roles; seen by its members) and each agent's
//! own. Folders, an order, search, usage counts, CSV import (UTF-8 or GBK, previewed with per-row
//! errors) and export; in the reply box `/` opens a picker.
//!
//! Owns the `canned_folders` and `canned_replies` tables.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

/// Which library a folder or reply is in.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The agent's own (only they see it).
    #[default]
    Personal,
    /// The agent's department's (its members see it).
    Department,
    /// The company's (every agent sees it; a reply may be for one site).
    Company,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Personal, Scope::Department, Scope::Company];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Personal => "personal",
            Scope::Department => "department",
            Scope::Company => "company",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub id: i64,
    pub version: i64,
    pub folder_id: Option<i64>,
    /// A company reply for one site only (`None`: every site).
    pub site_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// How often agents inserted it.
    pub uses: i64,
}

/// One library as its page shows it: folders and replies in their order, and whether the agent
/// may change it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Library {
    pub scope: Scope,
    pub folders: Vec<Folder>,
    pub replies: Vec<Reply>,
    pub can_edit: bool,
    /// For the department library: the agent's department (`None`: they have none).
    pub department: Option<String>,
}

/// A new reply (`id` `None`) or a change to one read at `version`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplyForm {
    pub id: Option<i64>,
    pub version: i64,
    pub scope: Scope,
    pub folder_id: Option<i64>,
    pub site_id: Option<i64>,
    pub title: String,
    pub body: String,
}

/// A reply as the reply box's picker lists it (every library the agent sees, most used first).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PickerReply {
    pub id: i64,
    pub scope: Scope,
    pub folder: Option<String>,
    pub site_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// The title's pinyin initials (`退款说明` → `tksm`; Latin letters as they are, lower case), so
    /// `/tk` finds it.
    #[serde(default)]
    pub initials: String,
}

/// A title's pinyin initials: each Chinese character's first letter, Latin letters and digits
/// kept (lower case), everything else dropped.
#[cfg(feature = "ssr")]
pub fn initials(title: &str) -> String {
    use pinyin::ToPinyin as _;
    title
        .chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None => c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase()),
        })
        .collect()
}

/// What the reply box's picker needs: the replies, and the company's site names (for
/// `{site_name}`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatCanned {
    pub replies: Vec<PickerReply>,
    pub sites: Vec<(i64, String)>,
}

/// A line of a CSV file being imported: what it holds, and why it cannot be imported (if so).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// The line number in the file (the header is line 1).
    pub line: u32,
    pub title: String,
    pub body: String,
    pub folder: String,
    pub error: Option<ApiError>,
}

pub const TITLE_CHARS: usize = 50;
pub const BODY_CHARS: usize = 2000;
pub const FOLDER_CHARS: usize = 30;
/// Most replies and folders in one library.
pub const MAX_REPLIES: i64 = 2000;
pub const MAX_FOLDERS: i64 = 100;
/// Largest CSV file imported, and most rows in it.
pub const IMPORT_BYTES: usize = 1024 * 1024;
pub const IMPORT_ROWS: usize = 1000;

impl ReplyForm {
    /// Checks lengths: a title of one line (required), a text (required, lines kept).
    pub fn parse(mut self) -> Result<ReplyForm, ApiError> {
        self.title = Line::parse(&self.title, "title", TITLE_CHARS)?.into_string();
        if self.title.is_empty() {
            return Err(ApiError::invalid("title", ErrorCode::Required));
        }
        self.body = parse_body(&self.body)?;
        Ok(self)
    }
}

/// A reply's text: required, at most [`BODY_CHARS`], lines kept, no control characters.
pub fn parse_body(body: &str) -> Result<String, ApiError> {
    let body = kefu_protocol::MessageBody::parse(body).map_err(|e| ApiError::invalid("body", e.code()))?;
    if body.as_str().chars().count() > BODY_CHARS {
        return Err(ApiError::invalid("body", ErrorCode::TooLong));
    }
    Ok(body.as_str().to_owned())
}

/// A folder's name: one line, required.
pub fn parse_folder(name: &str) -> Result<String, ApiError> {
    let name = Line::parse(name, "name", FOLDER_CHARS)?.into_string();
    if name.is_empty() {
        return Err(ApiError::invalid("name", ErrorCode::Required));
    }
    Ok(name)
}

/// Fills the variables of a reply: `{visitor_name}`, `{agent_name}`, `{site_name}`.
pub fn fill(body: &str, visitor_name: &str, agent_name: &str, site_name: &str) -> String {
    body.replace("{visitor_name}", visitor_name).replace("{agent_name}", agent_name).replace("{site_name}", site_name)
}

/// Whether a reply matches what the agent typed after `/` (title or text, case-insensitive; every
/// word of the query somewhere).
pub fn matches(title: &str, body: &str, query: &str) -> bool {
    let (title, body) = (title.to_lowercase(), body.to_lowercase());
    query.to_lowercase().split_whitespace().all(|word| title.contains(word) || body.contains(word))
}

/// The reply box's picker: [`matches`], or the query (Latin letters) begins the title's pinyin
/// initials.
pub fn picker_matches(reply: &PickerReply, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    matches(&reply.title, &reply.body, &query)
        || (!query.is_empty() && query.bytes().all(|b| b.is_ascii_alphanumeric()) && reply.initials.starts_with(&query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn pinyin_initials_find_chinese_titles_in_either_script() {
        assert_eq!(initials("退款说明"), "tksm");
        assert_eq!(initials("問候 VIP 2"), "whvip2", "traditional characters, Latin and digits");
        let reply =
            |title: &str| PickerReply { title: title.into(), initials: initials(title), ..PickerReply::default() };
        assert!(picker_matches(&reply("退款说明"), "tk"));
        assert!(picker_matches(&reply("退款说明"), "TKS"), "any case");
        assert!(!picker_matches(&reply("退款说明"), "sm"), "initials match from the start");
        assert!(picker_matches(&reply("退款说明"), "说明"), "the text itself still matches");
        assert!(!picker_matches(&reply("问候"), "tk"));
    }

    #[test]
    fn variables_are_filled_and_the_picker_matches_titles_and_texts_in_any_case() {
        let text = fill("{visitor_name}您好，我是{agent_name}，欢迎光临{site_name}。", "王先生", "小李", "茶叶店");
        assert_eq!(text, "王先生您好，我是小李，欢迎光临茶叶店。");
        assert_eq!(fill("{unknown} stays", "a", "b", "c"), "{unknown} stays");
        assert!(matches("退款流程", "请提供订单号", "退款"));
        assert!(matches("Refunds", "Send us the ORDER number", "order refunds"));
        assert!(!matches("Refunds", "Send us the order number", "shipping"));
        assert!(matches("任意", "文本", ""));
    }

    #[test]
    fn forms_need_a_title_and_a_text_within_their_limits() {
        let form = |title: &str, body: &str| ReplyForm { title: title.into(), body: body.into(), ..Default::default() };
        assert_eq!(form(" ", "x").parse().unwrap_err(), ApiError::invalid("title", ErrorCode::Required));
        assert_eq!(form("t", " ").parse().unwrap_err().field(), Some("body"));
        assert_eq!(form(&"长".repeat(51), "x").parse().unwrap_err(), ApiError::invalid("title", ErrorCode::TooLong));
        assert_eq!(form("t", &"长".repeat(2001)).parse().unwrap_err(), ApiError::invalid("body", ErrorCode::TooLong));
        assert_eq!(form(" 问候 ", "第一行\n第二行").parse().unwrap().body, "第一行\n第二行");
        assert_eq!(parse_folder("  ").unwrap_err(), ApiError::invalid("name", ErrorCode::Required));
    }
}
