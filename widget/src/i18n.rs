//! The widget's strings: English built in, the page's other language (zh-CN, zh-TW, ja, ko) loaded
//! once from the server's copy of the table ([`kefu_protocol::widget_text`]).

use kefu_protocol::{ApiError, ErrorCode};

pub use kefu_protocol::Lang;

pub use kefu_protocol::widget_text::Key;
use kefu_protocol::widget_text::{english, parse};

thread_local! {
    /// The texts of the page's language, when it is not English (fetched by the loader).
    static LOADED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Takes the texts the loader fetched for the page's language (kept for the page's life).
pub fn load(json: &str) {
    if let Some(texts) = parse(json) {
        let texts = texts.into_iter().map(|t| &*Box::leak(t.into_boxed_str())).collect();
        LOADED.with(|l| *l.borrow_mut() = texts);
    }
}

/// The text for `key` in `lang`: English is built in; another language's comes from [`load`]
/// (English while it has not come, or could not).
pub fn tr(lang: Lang, key: Key) -> &'static str {
    if lang != Lang::En {
        if let Some(text) = LOADED.with(|l| l.borrow().get(key as usize).copied()) {
            return text;
        }
    }
    english(key)
}

/// What the visitor reads for an error: chosen by its code, never by its English text.
pub fn error_text(lang: Lang, error: &ApiError) -> String {
    let key = match error.code() {
        ErrorCode::TooLong => Key::ErrTooLong,
        ErrorCode::ControlChars | ErrorCode::Format => Key::ErrInvalid,
        ErrorCode::TooMany => Key::ErrTooMany,
        ErrorCode::Network => Key::ErrNetwork,
        ErrorCode::LimitReached => Key::ErrQueueFull,
        ErrorCode::Unavailable => Key::ChatUnavailable,
        ErrorCode::Required => Key::CommentRequired,
        ErrorCode::TooLarge => Key::ErrTooLarge,
        ErrorCode::FileType => Key::ErrFileType,
        _ => Key::ErrGeneric,
    };
    tr(lang, key).into()
}

/// The name of a default rating level (5 is the best).
pub fn level_text(lang: Lang, score: u8) -> &'static str {
    let key = match score {
        5 => Key::Level5,
        4 => Key::Level4,
        3 => Key::Level3,
        2 => Key::Level2,
        _ => Key::Level1,
    };
    tr(lang, key)
}
