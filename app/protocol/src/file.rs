//! Files in chats: what a message carries about its file ([`Attachment`]), the state a visitor's
//! file goes through until an agent accepts it ([`FileState`]), and the classes of file a site may
//! take ([`FileClass`]). The bytes never travel on the socket: they are uploaded and downloaded over
//! HTTP (`/api/v1/visitor/files`, `/api/v1/agent/files`, `/api/v1/files/{id}`).

use serde::{Deserialize, Serialize};

/// Longest file name kept, in characters (longer ones keep their extension).
pub const MAX_FILE_NAME: usize = 120;
/// A file id: 32 lowercase hex digits (128 random bits).
pub const FILE_ID_LEN: usize = 32;
/// The largest file size a site may allow, in bytes.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// The size a site allows unless it says otherwise (10 MB).
pub const DEFAULT_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Whether a file can be downloaded.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// Anyone in the conversation may download it.
    #[default]
    Ready,
    /// A visitor's file waiting for an agent to accept it: nobody can download it yet.
    Pending,
    /// An agent refused it; its bytes are gone.
    Refused,
}

impl FileState {
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Ready => "ready",
            FileState::Pending => "pending",
            FileState::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<FileState> {
        [FileState::Ready, FileState::Pending, FileState::Refused].into_iter().find(|f| f.as_str() == s)
    }
}

/// The file of a message. Its body is the file's name, so previews, notifications and transcripts
/// that know nothing of files still say what was sent.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The file's id ([`FILE_ID_LEN`] hex digits); downloaded from `/api/v1/files/{id}`.
    pub id: String,
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// The type found in the content (`image/png`, `application/pdf`, `text/plain`, …).
    pub mime: String,
    #[serde(default)]
    pub state: FileState,
}

impl Attachment {
    /// An image the browser shows inline (a thumbnail that opens full size).
    pub fn is_image(&self) -> bool {
        FileClass::of_mime(&self.mime) == Some(FileClass::Image)
    }
}

/// What a site may take, by the type found in a file's content.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FileClass {
    /// PNG, JPEG, GIF, WebP: shown inline.
    Image,
    /// PDF, Word, Excel, PowerPoint (old and new), OpenDocument, RTF, plain text (CSV included).
    Document,
    /// ZIP, RAR, 7-Zip, gzip, tar.
    Archive,
    /// Audio and video.
    Media,
}

impl FileClass {
    pub const ALL: [FileClass; 4] = [FileClass::Image, FileClass::Document, FileClass::Archive, FileClass::Media];

    pub fn as_str(self) -> &'static str {
        match self {
            FileClass::Image => "image",
            FileClass::Document => "document",
            FileClass::Archive => "archive",
            FileClass::Media => "media",
        }
    }

    pub fn parse(s: &str) -> Option<FileClass> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The class of a type found in the content (`None`: a type kefu never takes).
    pub fn of_mime(mime: &str) -> Option<FileClass> {
        Some(match mime {
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" => FileClass::Image,
            "application/pdf"
            | "application/msword"
            | "application/vnd.ms-excel"
            | "application/vnd.ms-powerpoint"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/vnd.oasis.opendocument.text"
            | "application/vnd.oasis.opendocument.spreadsheet"
            | "application/vnd.oasis.opendocument.presentation"
            | "application/rtf"
            | "text/plain" => FileClass::Document,
            "application/zip"
            | "application/vnd.rar"
            | "application/x-7z-compressed"
            | "application/gzip"
            | "application/x-tar" => FileClass::Archive,
            m if m.starts_with("audio/") || m.starts_with("video/") => FileClass::Media,
            _ => return None,
        })
    }
}

/// A size for people: `512 B`, `12 KB`, `3.4 MB` (1,024 bytes to the KB).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// Whether `s` has the shape of a file id (so a route can refuse others without a lookup).
pub fn is_file_id(s: &str) -> bool {
    s.len() == FILE_ID_LEN && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1 KB");
        assert_eq!(human_size(1500), "2 KB");
        assert_eq!(human_size(10 * 1024 * 1024), "10.0 MB");
        assert_eq!(human_size(3_565_158), "3.4 MB");
    }

    #[test]
    fn only_raster_images_count_as_images() {
        assert_eq!(FileClass::of_mime("image/png"), Some(FileClass::Image));
        assert_eq!(FileClass::of_mime("image/svg+xml"), None, "SVG can carry script: never an image here");
        assert_eq!(FileClass::of_mime("text/html"), None);
        assert_eq!(FileClass::of_mime("video/mp4"), Some(FileClass::Media));
        assert!(is_file_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_file_id("../../etc/passwd"));
        assert!(!is_file_id("0123456789ABCDEF0123456789ABCDEF"));
    }
}
