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

/// A web link someone may open: `http://` or `https://`, a host, no spaces or control characters,
/// at most [`WebUrl::MAX`] bytes. `javascript:`, `data:` and the like are refused (`Format`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub const MAX: usize = 2048;

    pub fn parse(raw: &str, field: &str) -> Result<WebUrl, ApiError> {
        let url = raw.trim();
        if url.is_empty() {
            return Err(ApiError::invalid(field, ErrorCode::Required));
        }
        if url.len() > Self::MAX {
            return Err(ApiError::invalid(field, ErrorCode::TooLong));
        }
        let scheme_len = ["https://", "http://"]
            .into_iter()
            .find(|s| url.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
            .map(str::len)
            .ok_or_else(|| ApiError::invalid(field, ErrorCode::Format))?;
        let host = url[scheme_len..].split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit('@').next().unwrap_or_default();
        let bad =
            |c: char| c.is_control() || c.is_whitespace() || is_bidi_control(c) || matches!(c, '<' | '>' | '"' | '\\');
        if host.is_empty() || host.starts_with(':') || url.chars().any(bad) {
            return Err(ApiError::invalid(field, ErrorCode::Format));
        }
        Ok(WebUrl(url.to_owned()))
    }

    /// The host (and port) the link goes to, for people to see before they open it.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority.rsplit('@').next().unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// `text` with every run of 13 or more digits (spaces and dashes between them allowed: how card
/// numbers are written) masked but its last four digits: `4111 1111 1111 1111` becomes
/// `•••• •••• •••• 1111`. Shorter numbers (prices, order numbers, phone numbers) stay.
pub fn mask_card_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single spaces or dashes between them.
        let mut end = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if matches!(chars[j], ' ' | '-') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                j += 1;
            } else {
                break;
            }
        }
        let run = &chars[i..end];
        if digits >= 13 {
            let mut seen = 0;
            for c in run {
                if c.is_ascii_digit() {
                    seen += 1;
                    out.push(if seen > digits - 4 { *c } else { '•' });
                } else {
                    out.push(*c);
                }
            }
        } else {
            out.extend(run);
        }
        i = end;
    }
    out
}

/// A sign-in account (an agent's account within their company): no spaces or control characters,
/// at most [`Account::MAX`] characters, ASCII letters lowercased (so `Bob` and `bob` are one
/// account; other scripts are kept as typed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account(String);

impl Account {
    pub const MAX: usize = 50;

    pub fn parse(raw: &str, field: &str) -> Result<Account, ApiError> {
        let account = raw.trim();
        if account.is_empty() {
            return Err(ApiError::invalid(field, ErrorCode::Required));
        }
        if account.chars().count() > Self::MAX {
            return Err(ApiError::invalid(field, ErrorCode::TooLong));
        }
        if account.chars().any(|c| c.is_whitespace() || c.is_control() || is_bidi_control(c)) {
            return Err(ApiError::invalid(field, ErrorCode::Format));
        }
        Ok(Account(account.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's account (what its agents type first when they sign in): 2 to 32 of `a-z 0-9 _ -`,
/// lowercased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyAccount(String);

impl CompanyAccount {
    pub const MAX: usize = 32;

    pub fn parse(raw: &str, field: &str) -> Result<CompanyAccount, ApiError> {
        let account = raw.trim().to_ascii_lowercase();
        match account.chars().count() {
            0 => return Err(ApiError::invalid(field, ErrorCode::Required)),
            1 => return Err(ApiError::invalid(field, ErrorCode::TooShort)),
            n if n > Self::MAX => return Err(ApiError::invalid(field, ErrorCode::TooLong)),
            _ => {}
        }
        if !account.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') {
            return Err(ApiError::invalid(field, ErrorCode::Format));
        }
        Ok(CompanyAccount(account))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 6 to 20 characters, no spaces or control characters, case-sensitive (the rule
/// of the second reference product, shown next to every password field).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const CHARS: std::ops::RangeInclusive<usize> = 6..=20;
    /// The longest password sign-in checks (passwords set before the 20-character rule may be
    /// longer); anything longer is wrong without being hashed.
    pub const SIGN_IN_MAX: usize = 1024;

    pub fn parse(raw: &str, field: &str) -> Result<Password, ApiError> {
        let chars = raw.chars().count();
        if chars == 0 {
            return Err(ApiError::invalid(field, ErrorCode::Required));
        }
        if chars < *Self::CHARS.start() {
            return Err(ApiError::invalid(field, ErrorCode::TooShort));
        }
        if chars > *Self::CHARS.end() {
            return Err(ApiError::invalid(field, ErrorCode::TooLong));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ApiError::invalid(field, ErrorCode::Format));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// An optional e-mail address: empty, or `local@domain` without spaces, at most 254 characters,
/// lowercased.
pub fn optional_email(raw: &str, field: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Ok(email);
    }
    if email.chars().count() > 254 {
        return Err(ApiError::invalid(field, ErrorCode::TooLong));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control() || is_bidi_control(c))
        }
        None => false,
    };
    if !valid {
        return Err(ApiError::invalid(field, ErrorCode::Format));
    }
    Ok(email)
}

/// An optional phone number: empty, or digits with an optional leading `+` (spaces, dashes and
/// parentheses people type are dropped), 5 to 20 digits.
pub fn optional_phone(raw: &str, field: &str) -> Result<String, ApiError> {
    let kept: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    if kept.is_empty() {
        return Ok(kept);
    }
    let digits = kept.strip_prefix('+').unwrap_or(&kept);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid(field, ErrorCode::Format));
    }
    match digits.len() {
        0..=4 => Err(ApiError::invalid(field, ErrorCode::TooShort)),
        5..=20 => Ok(kept),
        _ => Err(ApiError::invalid(field, ErrorCode::TooLong)),
    }
}

/// A piece of a message as people see it: text, or a web link to show as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits a message into text and the `http(s)://` links in it, for showing links as links (and
/// only those: everything else stays text). A link ends at whitespace, at `<>"` or a CJK
/// punctuation mark, and does not keep a trailing `.,;:!?` or an unbalanced closing bracket.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = find_scheme(rest) {
        let candidate = &rest[at..];
        let end = candidate
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'') || is_cjk_punctuation(*c))
            .map_or(candidate.len(), |(i, _)| i);
        let mut link = &candidate[..end];
        loop {
            let trimmed = link.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
            let unbalanced = trimmed.ends_with(')') && trimmed.matches('(').count() < trimmed.matches(')').count();
            let trimmed = if unbalanced { &trimmed[..trimmed.len() - 1] } else { trimmed };
            if trimmed.len() == link.len() {
                break;
            }
            link = trimmed;
        }
        if WebUrl::parse(link, "url").is_ok() {
            if at > 0 {
                out.push(Piece::Text(&rest[..at]));
            }
            out.push(Piece::Link(link));
            rest = &rest[at + link.len()..];
        } else {
            let skip = at + candidate.chars().next().map_or(1, char::len_utf8);
            out.push(Piece::Text(&rest[..skip]));
            rest = &rest[skip..];
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    // Neighbouring texts (a refused candidate) read as one.
    let mut merged: Vec<Piece<'_>> = Vec::with_capacity(out.len());
    for piece in out {
        match (merged.last_mut(), piece) {
            (Some(Piece::Text(last)), Piece::Text(next)) => {
                let start = last.as_ptr() as usize - text.as_ptr() as usize;
                *last = &text[start..start + last.len() + next.len()];
            }
            (_, piece) => merged.push(piece),
        }
    }
    merged
}

/// Where the next `http://` or `https://` (any case) starts.
fn find_scheme(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")].into_iter().flatten().min()
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_like_digit_runs_are_masked_but_their_last_four() {
        assert_eq!(mask_card_numbers("卡号 4111 1111 1111 1111 谢谢"), "卡号 •••• •••• •••• 1111 谢谢");
        assert_eq!(mask_card_numbers("6222021234567890123"), "•••••••••••••••0123");
        assert_eq!(mask_card_numbers("5500-0000-0000-0004."), "••••-••••-••••-0004.");
        assert_eq!(
            mask_card_numbers("订单 2024120712 金额 399.00 电话 138 0013 8000"),
            "订单 2024120712 金额 399.00 电话 138 0013 8000"
        );
        assert_eq!(mask_card_numbers("a 1  2"), "a 1  2");
        assert_eq!(mask_card_numbers(""), "");
    }

    #[test]
    fn only_web_links_with_a_host_may_be_pushed() {
        let ok = WebUrl::parse(" https://shop.example.cn/优惠?券=1#a ", "url").unwrap();
        assert_eq!(ok.as_str(), "https://shop.example.cn/优惠?券=1#a");
        assert_eq!(ok.host(), "shop.example.cn");
        assert_eq!(WebUrl::parse("HTTP://user@例子.cn:8080", "url").unwrap().host(), "例子.cn:8080");
        let code = |raw: &str| WebUrl::parse(raw, "url").unwrap_err().code();
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<b>x</b>",
            "vbscript:x",
            "//evil.example",
            "https://",
            "https:///path",
            "http://a b.example",
            "https://a.example/\u{202e}txt",
            "ftp://files.example",
        ] {
            assert_eq!(code(bad), ErrorCode::Format, "{bad}");
        }
        assert_eq!(code(""), ErrorCode::Required);
        assert_eq!(code(&format!("https://a.example/{}", "x".repeat(WebUrl::MAX))), ErrorCode::TooLong);
    }

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

    #[test]
    fn accounts_fold_ascii_case_and_refuse_spaces() {
        assert_eq!(Account::parse(" Bob ", "login").unwrap().as_str(), "bob");
        assert_eq!(Account::parse("王小明", "login").unwrap().as_str(), "王小明");
        assert_eq!(Account::parse("bob smith", "login"), Err(ApiError::invalid("login", ErrorCode::Format)));
        assert_eq!(Account::parse("", "login"), Err(ApiError::invalid("login", ErrorCode::Required)));
        assert_eq!(CompanyAccount::parse("Shop-1", "company").unwrap().as_str(), "shop-1");
        assert_eq!(CompanyAccount::parse("商店", "company"), Err(ApiError::invalid("company", ErrorCode::Format)));
        assert_eq!(CompanyAccount::parse("a", "company"), Err(ApiError::invalid("company", ErrorCode::TooShort)));
    }

    #[test]
    fn passwords_are_6_to_20_characters_without_spaces() {
        assert!(Password::parse("abc123", "p").is_ok());
        assert!(Password::parse("密码密码密码", "p").is_ok(), "six Chinese characters");
        assert_eq!(Password::parse("abc12", "p"), Err(ApiError::invalid("p", ErrorCode::TooShort)));
        assert_eq!(Password::parse(&"a".repeat(21), "p"), Err(ApiError::invalid("p", ErrorCode::TooLong)));
        assert_eq!(Password::parse("abc 123", "p"), Err(ApiError::invalid("p", ErrorCode::Format)));
        assert_ne!(Password::parse("Abc123", "p"), Password::parse("abc123", "p"), "case-sensitive");
    }

    #[test]
    fn emails_and_phones_are_optional_but_well_formed() {
        assert_eq!(optional_email(" Li@Example.CN ", "email").unwrap(), "li@example.cn");
        assert_eq!(optional_email("", "email").unwrap(), "");
        assert!(optional_email("li@", "email").is_err());
        assert!(optional_email("li example.cn", "email").is_err());
        assert_eq!(optional_phone("+86 138-0013-8000", "mobile").unwrap(), "+8613800138000");
        assert!(optional_phone("12ab5", "mobile").is_err());
    }

    #[test]
    fn links_in_messages_are_found_and_everything_else_stays_text() {
        use Piece::{Link, Text};
        assert_eq!(
            pieces("看这里：https://shop.example/优惠?a=1。谢谢"),
            [Text("看这里："), Link("https://shop.example/优惠?a=1"), Text("。谢谢")]
        );
        assert_eq!(
            pieces("see (https://a.example/x_(y)), ok."),
            [Text("see ("), Link("https://a.example/x_(y)"), Text("), ok.")]
        );
        assert_eq!(
            pieces("HTTP://A.example/ and http://b.example."),
            [Link("HTTP://A.example/"), Text(" and "), Link("http://b.example"), Text(".")]
        );
        assert_eq!(pieces("javascript:alert(1) http:// nothing"), [Text("javascript:alert(1) http:// nothing")]);
        assert_eq!(
            pieces("<a href=\"https://x.example\">"),
            [Text("<a href=\""), Link("https://x.example"), Text("\">")]
        );
        assert_eq!(pieces(""), []);
    }
}
