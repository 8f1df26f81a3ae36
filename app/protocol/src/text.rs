//! Text that enters the database, parsed once at the edge. PostgreSQL refuses a NUL in text, and a
//! NUL in one page view used to fail the whole batch it was written with; control characters and
//! bidirectional overrides in names also let one visitor garble what agents see.
//!
//! - [`Line`]: one line (a page title, a URL, a user agent): control characters are dropped.
//! - [`Name`]: a name people see (a company, site, agent or visitor name): also without the
//!   bidirectional override and isolate characters that reorder the text around them.
//! - Message bodies keep newline and tab and refuse other control characters ([`crate::MessageBody`]).

use crate::{ApiError, ErrorCode};

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line of text without control characters, trimmed, at most `max` characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    /// Drops control characters and trims; `TooLong` (for `field`) over `max` characters.
    pub fn parse(raw: &str, field: &str, max: usize) -> Result<Line, ApiError> {
        let line: String = raw.chars().filter(|c| !c.is_control()).collect();
        let line = line.trim();
        if line.chars().count() > max {
            return Err(ApiError::invalid(field, ErrorCode::TooLong));
        }
        Ok(Line(line.to_owned()))
    }

    /// Like [`Line::parse`], but cuts at `max` characters instead of refusing (text a browser
    /// reports, such as a page title, which the visitor did not type).
    pub fn cut(raw: &str, max: usize) -> Line {
        let line: String = raw.chars().filter(|c| !c.is_control()).collect();
        Line(line.trim().chars().take(max).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A name people see: a [`Line`] without bidirectional controls, not empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str, field: &str, max: usize) -> Result<Name, ApiError> {
        let cleaned: String = raw.chars().filter(|c| !is_bidi_control(*c)).collect();
        let line = Line::parse(&cleaned, field, max)?;
        if line.0.is_empty() {
            return Err(ApiError::invalid(field, ErrorCode::Required));
        }
        Ok(Name(line.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_control_characters() {
        assert_eq!(Line::parse("a\0b\u{7}c\n", "t", 10).unwrap().as_str(), "abc");
        assert_eq!(Line::parse("退款\u{0}申请", "t", 10).unwrap().as_str(), "退款申请");
        assert_eq!(Line::parse("abcdef", "t", 5), Err(ApiError::invalid("t", ErrorCode::TooLong)));
        assert_eq!(Line::cut("ab\0cdef", 3).as_str(), "abc");
    }

    #[test]
    fn names_lose_bidi_overrides_and_are_required() {
        assert_eq!(Name::parse("\u{202E}txt.exe\u{202C}", "name", 50).unwrap().as_str(), "txt.exe");
        assert_eq!(Name::parse("王\u{2066}小明\u{2069}", "name", 50).unwrap().as_str(), "王小明");
        assert_eq!(Name::parse(" \0 ", "name", 50), Err(ApiError::invalid("name", ErrorCode::Required)));
    }
}
