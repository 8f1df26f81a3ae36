//! Files and images in chats (issue 13; seed 000 7.9 "发送文件", 7.12 "截图"): both sides upload a
//! file over HTTP (`server/src/files.rs`), then send a message naming it; a visitor's file waits for
//! an agent to accept it unless the site trusts visitors' files; downloads need the conversation's
//! visitor token or an agent session that may see the conversation.
//!
//! The company's library of common files (seed 004 section 9) lives here too: admins upload into
//! folders; an agent sends one into a chat in two clicks, which copies it into the chat's files.
//!
//! The area owns the `files`, `file_settings` and `library_files` tables and the bytes in the file store
//! ([`crate::infra::storage`]). It decides a file's type from its content, never from its name, and
//! it never serves anything inline but the raster images it checked. It must not write messages:
//! sending goes through the chat area's one send path, which asks [`service::attach`] first.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::file::{DEFAULT_FILE_BYTES, MAX_FILE_BYTES};
use kefu_protocol::{ApiError, ErrorCode, FileClass};
use serde::{Deserialize, Serialize};

/// A site's rules for files, as its settings page edits them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSettings {
    pub site_id: i64,
    /// The version read (0: never saved, the defaults); a save of an older one is `Stale`.
    pub version: i64,
    /// Largest file, in bytes (at most [`MAX_FILE_BYTES`]).
    pub max_bytes: u64,
    /// The classes of file taken (by content).
    pub classes: Vec<FileClass>,
    /// Visitors may send files at all.
    pub visitor_uploads: bool,
    /// Visitors' files are downloadable at once, without an agent accepting them.
    pub trust_visitors: bool,
}

impl FileSettings {
    /// What a site has until an admin saves its own: 10 MB, images, documents and archives, from
    /// visitors too, each accepted by an agent first.
    pub fn defaults(site_id: i64) -> FileSettings {
        FileSettings {
            site_id,
            version: 0,
            max_bytes: DEFAULT_FILE_BYTES,
            classes: vec![FileClass::Image, FileClass::Document, FileClass::Archive],
            visitor_uploads: true,
            trust_visitors: false,
        }
    }

    /// Checks what an admin sent: a size from 1 KB to [`MAX_FILE_BYTES`]; classes sorted, each once.
    pub fn parse(mut self) -> Result<FileSettings, ApiError> {
        if self.max_bytes < 1024 {
            return Err(ApiError::invalid("max_bytes", ErrorCode::TooShort));
        }
        if self.max_bytes > MAX_FILE_BYTES {
            return Err(ApiError::invalid("max_bytes", ErrorCode::TooLong));
        }
        self.classes.sort();
        self.classes.dedup();
        Ok(self)
    }

    /// The classes as stored (`image,document`).
    pub fn classes_text(&self) -> String {
        self.classes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn classes_from(text: &str) -> Vec<FileClass> {
        text.split(',').filter_map(FileClass::parse).collect()
    }
}

/// A file of the company's library (seed 004 section 9 "常用文件").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFile {
    pub id: i64,
    pub folder: String,
    pub name: String,
    pub size: u64,
    pub mime: String,
}

/// Longest folder name of the library, in characters.
pub const MAX_FOLDER: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_sizes_out_of_range_and_keep_each_class_once() {
        let base = FileSettings::defaults(1);
        assert!(FileSettings { max_bytes: 10, ..base.clone() }.parse().is_err());
        assert!(FileSettings { max_bytes: MAX_FILE_BYTES + 1, ..base.clone() }.parse().is_err());
        let parsed = FileSettings { classes: vec![FileClass::Media, FileClass::Image, FileClass::Media], ..base }
            .parse()
            .unwrap();
        assert_eq!(parsed.classes, [FileClass::Image, FileClass::Media]);
        assert_eq!(FileSettings::classes_from(&parsed.classes_text()), parsed.classes);
    }
}
