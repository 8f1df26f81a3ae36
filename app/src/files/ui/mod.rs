//! The files area's UI: a site's rules page, and the pieces the chat panel uses (the attach button
//! with its uploads, and a message's file).

mod library;
mod message;
mod settings;
mod upload;

pub use library::{CommonFiles, LibraryPage};
pub use message::{file_url, FileCard};
pub use settings::{class_name, FilesPage};
pub use upload::{encode_component, AttachButton, UploadItem, UploadList, Uploads};
