//! The languages kefu speaks, picked the same way by the workbench and the widget.

/// A user-interface language. Every string table gives one text per language, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
    ZhTw,
    Ja,
    Ko,
}

impl Lang {
    /// The language of a BCP 47 tag (`zh-CN`, `zh-Hant-HK`, `ja-JP`, …); unknown tags give English.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" if ["zh-tw", "zh-hk", "zh-mo", "zh-hant"].iter().any(|t| tag.starts_with(t)) => Lang::ZhTw,
            "zh" => Lang::ZhCn,
            "ja" => Lang::Ja,
            "ko" => Lang::Ko,
            _ => Lang::En,
        }
    }

    /// The first language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Lang {
        Lang::from_tag(header.split(',').next().and_then(|first| first.split(';').next()).unwrap_or(""))
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::Ja => "ja",
            Lang::Ko => "ko",
        }
    }

    /// This language's entry of a string table row `[en, zh-CN, zh-TW, ja, ko]`.
    pub fn pick(self, texts: [&'static str; 5]) -> &'static str {
        texts[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_tags_and_headers_and_fall_back_to_english() {
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language("zh-TW,zh;q=0.9"), Lang::ZhTw);
        assert_eq!(Lang::from_tag("zh-Hant-HK"), Lang::ZhTw);
        assert_eq!(Lang::from_tag("zh-Hans"), Lang::ZhCn);
        assert_eq!(Lang::from_tag("ja-JP"), Lang::Ja);
        assert_eq!(Lang::from_tag("ko"), Lang::Ko);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::En);
        // "jam" (Jamaican Creole) is not Japanese.
        assert_eq!(Lang::from_tag("jam"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn a_row_gives_each_language_its_own_text() {
        let row = ["Send", "发送", "傳送", "送信", "보내기"];
        let all = [Lang::En, Lang::ZhCn, Lang::ZhTw, Lang::Ja, Lang::Ko];
        let picked: Vec<_> = all.iter().map(|l| l.pick(row)).collect();
        assert_eq!(picked, row);
        for l in all {
            assert_eq!(Lang::from_tag(l.tag()), l);
        }
    }
}
