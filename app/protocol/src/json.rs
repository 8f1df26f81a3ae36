//! A small JSON reader and writer for the visitor frames.
//!
//! The widget reads [`crate::ToVisitor`] and writes [`crate::FromVisitor`] with these instead of
//! serde_json: serde's derived deserializers (one per struct), serde_json's parser and the float
//! formatting its error messages carry were a third of the widget's WASM. The server keeps serde;
//! the tests in `visitor.rs` check that both sides agree on every frame.
//!
//! Numbers: the frames carry integers only; a number with a fraction or an exponent, or one beyond
//! `i64`, reads as [`Json::Float`] (which no frame field accepts).

/// Deepest nesting the reader accepts (the frames need four levels).
const MAX_DEPTH: usize = 32;

/// A parsed JSON value. Object keys keep their order; a repeated key is found first-wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float,
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// Parses a whole text: `None` if it is not one JSON value (with optional whitespace around).
    pub fn parse(text: &str) -> Option<Json> {
        let mut reader = Reader { bytes: text.as_bytes(), at: 0 };
        let value = reader.value(0)?;
        reader.space();
        (reader.at == reader.bytes.len()).then_some(value)
    }

    /// An object's member.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Json::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn arr(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn word(&mut self, word: &[u8], value: Json) -> Option<Json> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end) == Some(word)).then(|| {
            self.at = end;
            value
        })
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.space();
        match self.peek()? {
            b'n' => self.word(b"null", Json::Null),
            b't' => self.word(b"true", Json::Bool(true)),
            b'f' => self.word(b"false", Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Json::Arr(items))
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        if self.peek() != Some(b'"') {
                            return None;
                        }
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        members.push((key, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Json::Obj(members))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let digits = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        if self.at == digits || (self.bytes[digits] == b'0' && self.at - digits > 1) {
            return None;
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            float = true;
            let fraction = self.at;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.at += 1;
            }
            if self.at == fraction {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            let exponent = self.at;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.at += 1;
            }
            if self.at == exponent {
                return None;
            }
        }
        if float {
            return Some(Json::Float);
        }
        // The slice is ASCII digits with an optional sign.
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some(text.parse().map(Json::Int).unwrap_or(Json::Float))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        self.at += 4;
        digits.iter().try_fold(0, |code, &b| Some(code * 16 + (b as char).to_digit(16)?))
    }

    /// A string, the reader at its opening quote.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.at += 1;
            }
            // The input is a `str` and the run stops only at ASCII bytes: it is whole characters.
            out.push_str(std::str::from_utf8(&self.bytes[run..self.at]).ok()?);
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = self.peek()?;
                    self.at += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let first = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&first) {
                                // A high surrogate must be followed by `\u` and a low one.
                                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                                    return None;
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                first
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    out.push(c);
                }
                // A raw control character.
                _ => return None,
            }
        }
    }
}

/// Appends `text` as a JSON string literal.
pub fn write_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a JSON integer.
pub fn write_int(out: &mut String, n: i64) {
    // `i64`'s Display writes digits only; it does not bring in float formatting.
    out.push_str(&n.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde(text: &str) {
        let ours = Json::parse(text).unwrap_or_else(|| panic!("{text} did not parse"));
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        fn convert(v: &serde_json::Value) -> Json {
            match v {
                serde_json::Value::Null => Json::Null,
                serde_json::Value::Bool(b) => Json::Bool(*b),
                serde_json::Value::Number(n) => n.as_i64().map(Json::Int).unwrap_or(Json::Float),
                serde_json::Value::String(s) => Json::Str(s.clone()),
                serde_json::Value::Array(a) => Json::Arr(a.iter().map(convert).collect()),
                serde_json::Value::Object(o) => Json::Obj(o.iter().map(|(k, v)| (k.clone(), convert(v))).collect()),
            }
        }
        let mut expected = convert(&theirs);
        let mut ours = ours;
        fn sort(v: &mut Json) {
            match v {
                Json::Obj(members) => {
                    members.sort_by(|a, b| a.0.cmp(&b.0));
                    members.iter_mut().for_each(|(_, v)| sort(v));
                }
                Json::Arr(items) => items.iter_mut().for_each(sort),
                _ => {}
            }
        }
        sort(&mut expected);
        sort(&mut ours);
        assert_eq!(ours, expected, "{text}");
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"ack":{"client_msg_id":"c1","message":{"seq":3,"body":"我想申请退款 😀","sender_name":null}}}"#,
            r#"  [1, -2, 0, 9223372036854775807, -9223372036854775808, 1.5, 2e3, 99999999999999999999] "#,
            r#"{"a":"tab\there \"quoted\" back\\slash \/ \u00e9 \u4e2d \ud83d\ude00 \b\f\n\r","b":[],"c":{},"d":[[true,false],null]}"#,
            r#""pong""#,
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn refuses_what_is_not_json() {
        for text in [
            "",
            "{",
            r#"{"a":1,}"#,
            "[1 2]",
            "01",
            "-",
            "1.",
            "1e",
            r#""raw	tab""#,
            r#""\ud83d alone""#,
            r#""\x""#,
            "nul",
            r#"{"a":1} trailing"#,
            "{1:2}",
        ] {
            assert_eq!(Json::parse(text), None, "{text:?}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "serde_json reads {text:?}");
        }
        // Nesting deeper than the frames need is refused rather than recursed into.
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(Json::parse(&deep), None);
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Json::parse(&fine).is_some());
    }

    #[test]
    fn writes_strings_serde_json_reads_back() {
        for text in
            ["", "plain", "引号\"和\\反斜杠", "line\nbreak\ttab\r\u{1}\u{8}\u{c}\u{1f}", "😀 emoji", "</script>"]
        {
            let mut out = String::new();
            write_str(&mut out, text);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "the same bytes as serde_json");
        }
        for n in [0, -1, i64::MAX, i64::MIN] {
            let mut out = String::new();
            write_int(&mut out, n);
            assert_eq!(serde_json::from_str::<i64>(&out).unwrap(), n);
        }
    }
}
