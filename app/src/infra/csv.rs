//! CSV as spreadsheets write and read it (RFC 4180): exports start with a UTF-8 byte order mark
//! (Excel then reads Chinese correctly) and defuse formulas; imports take UTF-8 (with or without the
//! mark) or, failing that, GBK (what Excel saves as "CSV" on a Chinese Windows).

/// One field: quoted when it holds a separator, quote or line break; a field a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`.
pub fn field(text: &str) -> String {
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One row of fields, ended with CRLF.
pub fn row(fields: &[&str]) -> String {
    let mut line = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A file's text: UTF-8 (a leading byte order mark dropped), else GBK.
#[cfg(feature = "ssr")]
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GBK.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// The rows of a CSV text, each with the line it starts on (1-based): quoted fields may hold
/// commas, doubled quotes and line breaks; CRLF and LF both end a row; blank lines are skipped.
pub fn parse(text: &str) -> Vec<(u32, Vec<String>)> {
    let mut rows = Vec::new();
    let (mut fields, mut current) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut start) = (false, 1u32, 1u32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                current.push(c);
            }
            (false, '"') if current.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut current)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                fields.push(std::mem::take(&mut current));
                if fields.iter().any(|f| !f.is_empty()) {
                    rows.push((start, std::mem::take(&mut fields)));
                }
                fields.clear();
                line += 1;
                start = line;
            }
            (false, c) => current.push(c),
        }
    }
    fields.push(current);
    if fields.iter().any(|f| !f.is_empty()) {
        rows.push((start, fields));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_hold_quotes_commas_and_line_breaks_and_know_their_line() {
        let text = "title,text\r\n问候,\"您好，\"\"欢迎\"\"\n光临\"\r\n\r\n退款,请提供订单号\n";
        let rows = parse(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], (2, vec!["问候".to_string(), "您好，\"欢迎\"\n光临".to_string()]));
        assert_eq!(rows[2], (5, vec!["退款".to_string(), "请提供订单号".to_string()]));
    }

    #[test]
    fn utf8_with_or_without_a_mark_and_gbk_all_read_as_chinese() {
        assert_eq!(decode("\u{FEFF}退款".as_bytes()), "退款");
        assert_eq!(decode("退款".as_bytes()), "退款");
        let (gbk, _, _) = encoding_rs::GBK.encode("标题,内容\r\n退款,请提供订单号");
        assert_eq!(parse(&decode(&gbk))[1].1, ["退款", "请提供订单号"]);
    }

    #[test]
    fn written_fields_read_back_and_formulas_are_defused() {
        let line = row(&["a,b", "say \"hi\"", "=1+1", "第一行\n第二行"]);
        assert_eq!(parse(&line)[0].1, ["a,b", "say \"hi\"", "'=1+1", "第一行\n第二行"]);
    }
}
