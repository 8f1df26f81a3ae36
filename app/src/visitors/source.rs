//! How a visitor came to the site, from a page's referrer and address: direct, a search engine (with
//! the keyword when the referrer carries one), another site, or a campaign (`utm_*`).
//!
//! Chinese search engines still send keywords percent-encoded in GBK (Baidu with `ie=gbk`, old
//! links without any marker): a keyword whose bytes are not UTF-8 is read as GB 18030, the superset
//! of GBK.

use kefu_protocol::text::Line;
use kefu_protocol::{Campaign, Source, SourceKind};
use url::Url;

/// Search engines by the host's registrable name, and the query parameters that hold the keyword
/// (first present wins).
const ENGINES: &[(&str, &[&str])] = &[
    ("baidu", &["wd", "word", "kw"]),
    ("sogou", &["query", "keyword"]),
    ("so.com", &["q"]),
    ("sm.cn", &["q"]),
    ("google", &["q"]),
    ("bing", &["q"]),
    ("yandex", &["text"]),
    ("yahoo", &["p"]),
    ("duckduckgo", &["q"]),
    ("naver", &["query"]),
    ("daum", &["q"]),
    ("toutiao", &["keyword"]),
];

/// The engine's keyword parameters when `host` is a search engine's.
fn engine(host: &str) -> Option<&'static [&'static str]> {
    let labels: Vec<&str> = host.split('.').collect();
    ENGINES.iter().find_map(|(name, params)| {
        let hit = if name.contains('.') {
            host.strip_suffix(name).is_some_and(|sub| sub.is_empty() || sub.ends_with('.'))
        } else {
            // `google.com`, `www.google.co.jp`, `m.baidu.com`: the engine's name is a label before
            // the public suffix (never the last label).
            labels.len() >= 2 && labels[..labels.len() - 1].contains(name)
        };
        hit.then_some(*params)
    })
}

/// The source of a page view. `own` says whether a host is one of the site's bound domains: a
/// referrer from there (or from the page's own host, with or without `www.`) is navigation within
/// the site, which says nothing about how the visitor came, so the answer is `None`.
pub fn classify(url: &str, referrer: &str, own: impl Fn(&str) -> bool) -> Option<Source> {
    let page = Url::parse(url).ok();
    let campaign = page.as_ref().and_then(campaign);
    let from = Url::parse(referrer).ok().filter(|r| matches!(r.scheme(), "http" | "https"));
    let bare = |h: &str| h.trim_start_matches("www.").to_ascii_lowercase();
    let raw_host = from.as_ref().and_then(|r| r.host_str());
    let page_host = page.as_ref().and_then(|p| p.host_str()).map(bare);
    let internal = raw_host.is_some_and(|h| own(h) || page_host == Some(bare(h)));
    if campaign.is_none() && internal {
        return None;
    }
    let host = raw_host.map(bare);
    let searched = from.as_ref().zip(host.as_deref()).and_then(|(r, h)| engine(h).map(|params| keyword(r, params)));
    let kind = match (&campaign, &searched, &host) {
        (Some(_), _, _) => SourceKind::Campaign,
        (None, Some(_), _) => SourceKind::Search,
        (None, None, Some(_)) => SourceKind::Referral,
        (None, None, None) => SourceKind::Direct,
    };
    let keyword = searched.flatten().or_else(|| campaign.as_ref().map(|c| c.term.clone()).filter(|t| !t.is_empty()));
    Some(Source { kind, domain: host, keyword, campaign })
}

/// A landing page's `utm_*` parameters, when it has any of source, medium and campaign.
fn campaign(url: &Url) -> Option<Campaign> {
    let mut c = Campaign::default();
    for (key, value) in url.query_pairs() {
        let value = Line::cut(&value, Campaign::MAX_VALUE).into_string();
        match &*key {
            "utm_source" => c.source = value,
            "utm_medium" => c.medium = value,
            "utm_campaign" => c.name = value,
            "utm_term" => c.term = value,
            _ => {}
        }
    }
    (!c.source.is_empty() || !c.medium.is_empty() || !c.name.is_empty()).then_some(c)
}

/// The keyword in a search engine's referrer, decoded as UTF-8 or, failing that (or when the
/// engine says its input was GBK with `ie`), GB 18030. The query is split by hand: `query_pairs`
/// decodes as UTF-8 and would turn GBK bytes into replacement characters.
fn keyword(referrer: &Url, params: &[&str]) -> Option<String> {
    let query = referrer.query()?;
    let pairs: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    let gbk = pairs.iter().any(|(k, v)| {
        matches!(*k, "ie" | "inputencoding") && matches!(v.to_ascii_lowercase().as_str(), "gbk" | "gb2312" | "gb18030")
    });
    let raw = params.iter().find_map(|p| pairs.iter().find(|(k, v)| k == p && !v.is_empty()).map(|(_, v)| *v))?;
    let bytes: Vec<u8> = percent_encoding::percent_decode(raw.replace('+', " ").as_bytes()).collect();
    let text = match (gbk, String::from_utf8(bytes)) {
        (false, Ok(text)) => text,
        (_, Err(e)) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
        (true, Ok(text)) => encoding_rs::GB18030.decode(text.as_bytes()).0.into_owned(),
    };
    let text =
        Line::cut(text.split_whitespace().collect::<Vec<_>>().join(" ").as_str(), Source::MAX_KEYWORD).into_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(url: &str, referrer: &str) -> Option<Source> {
        classify(url, referrer, |host| host == "shop.example.cn" || host == "m.example.cn")
    }

    fn search(referrer: &str) -> (SourceKind, Option<String>, Option<String>) {
        let s = source("https://shop.example.cn/", referrer).expect("an outside referrer");
        (s.kind, s.domain, s.keyword)
    }

    #[test]
    fn search_engines_give_their_keyword_in_utf8() {
        let cases = [
            ("https://www.baidu.com/s?ie=utf-8&wd=%E9%80%80%E6%AC%BE%E6%94%BF%E7%AD%96", "baidu.com", "退款政策"),
            ("https://m.baidu.com/s?word=%E5%9C%A8%E7%BA%BF%E5%AE%A2%E6%9C%8D&from=1", "m.baidu.com", "在线客服"),
            ("https://www.sogou.com/web?query=%E5%AE%A2%E6%9C%8D%E7%B3%BB%E7%BB%9F", "sogou.com", "客服系统"),
            ("https://wap.sogou.com/web/searchList.jsp?keyword=%E5%94%AE%E5%90%8E", "wap.sogou.com", "售后"),
            ("https://www.so.com/s?q=%E5%8F%91%E7%A5%A8&src=srp", "so.com", "发票"),
            ("https://m.so.com/s?q=%E5%8F%91%E7%A5%A8", "m.so.com", "发票"),
            // Output in GBK says nothing about the keyword's own encoding.
            ("https://www.baidu.com/s?ie=utf-8&oe=gbk&wd=%E5%94%AE%E5%90%8E", "baidu.com", "售后"),
            ("https://m.sm.cn/s?q=%E5%BF%AB%E9%80%92&from=smor", "m.sm.cn", "快递"),
            ("https://yz.m.sm.cn/s?q=%E9%80%80%E8%B4%A7", "yz.m.sm.cn", "退货"),
            ("https://www.google.com/search?q=live+chat+software", "google.com", "live chat software"),
            ("https://www.google.co.jp/search?q=%E8%BF%94%E5%93%81", "google.co.jp", "返品"),
            ("https://cn.bing.com/search?q=%E5%AE%A2%E6%9C%8D&form=QBLH", "cn.bing.com", "客服"),
            ("https://yandex.ru/search/?text=%D1%87%D0%B0%D1%82", "yandex.ru", "чат"),
            ("https://search.naver.com/search.naver?query=%ED%99%98%EB%B6%88", "search.naver.com", "환불"),
            ("https://search.yahoo.co.jp/search?p=%E9%85%8D%E9%80%81", "search.yahoo.co.jp", "配送"),
        ];
        for (referrer, domain, keyword) in cases {
            assert_eq!(search(referrer), (SourceKind::Search, Some(domain.into()), Some(keyword.into())), "{referrer}");
        }
    }

    #[test]
    fn gbk_encoded_baidu_keywords_are_read_whether_marked_or_not() {
        // 退款 in GBK is CD CB BF EE.
        for referrer in [
            "https://www.baidu.com/s?ie=gbk&wd=%CD%CB%BF%EE",
            "https://www.baidu.com/s?wd=%CD%CB%BF%EE&rsv_spt=1",
            "http://www.baidu.com/baidu?word=%CD%CB%BF%EE&ie=gb2312",
        ] {
            assert_eq!(search(referrer).2.as_deref(), Some("退款"), "{referrer}");
        }
    }

    #[test]
    fn search_engines_without_a_keyword_and_other_sites_name_the_domain() {
        // Google and Bing mostly strip the query now: a search visit without a keyword.
        assert_eq!(search("https://www.google.com/"), (SourceKind::Search, Some("google.com".into()), None));
        assert_eq!(
            search("https://news.qq.com/a/20261201/article.htm?wd=ignored"),
            (SourceKind::Referral, Some("news.qq.com".into()), None)
        );
        // A site whose name merely contains an engine's is not one.
        assert_eq!(search("https://googleblog.example.com/?q=x").0, SourceKind::Referral);
        assert_eq!(search("https://notso.com/s?q=x").0, SourceKind::Referral);
    }

    #[test]
    fn no_referrer_is_direct_and_the_site_s_own_pages_say_nothing() {
        let direct = source("https://shop.example.cn/", "").unwrap();
        assert_eq!((direct.kind, direct.domain, direct.keyword), (SourceKind::Direct, None, None));
        assert_eq!(source("https://shop.example.cn/b", "https://shop.example.cn/a"), None);
        assert_eq!(source("https://shop.example.cn/b", "https://www.shop.example.cn/a"), None);
        // Another of the site's bound domains, and the page's own host when it is not bound.
        assert_eq!(source("https://shop.example.cn/b", "https://m.example.cn/a"), None);
        assert_eq!(source("http://127.0.0.1:3000/b", "http://127.0.0.1:3000/a"), None);
        // Not a web page (an app's intent, a file).
        assert_eq!(
            source("https://shop.example.cn/", "android-app://com.tencent.mm/").unwrap().kind,
            SourceKind::Direct
        );
    }

    #[test]
    fn campaign_parameters_win_and_utm_term_is_the_keyword() {
        let url = "https://shop.example.cn/sale?utm_source=wechat&utm_medium=social&utm_campaign=%E5%8F%8C%E5%8D%81%E4%B8%80&utm_term=%E7%BE%BD%E7%BB%92%E6%9C%8D";
        let s = source(url, "").unwrap();
        assert_eq!(s.kind, SourceKind::Campaign);
        assert_eq!(s.keyword.as_deref(), Some("羽绒服"));
        let c = s.campaign.unwrap();
        assert_eq!((c.source.as_str(), c.medium.as_str(), c.name.as_str()), ("wechat", "social", "双十一"));
        // From a search engine, the engine's keyword is kept along with the campaign.
        let s = source(url, "https://www.baidu.com/s?wd=%E5%A4%96%E5%A5%97").unwrap();
        assert_eq!(
            (s.kind, s.keyword.as_deref(), s.domain.as_deref()),
            (SourceKind::Campaign, Some("外套"), Some("baidu.com"))
        );
        // Even navigating within the site, a tagged link is a campaign.
        assert_eq!(source(url, "https://shop.example.cn/").unwrap().kind, SourceKind::Campaign);
    }

    #[test]
    fn keywords_are_cut_and_control_characters_dropped() {
        let long = "%E5%AE%A2".repeat(300);
        let k = search(&format!("https://www.baidu.com/s?wd={long}%0A")).2.unwrap();
        assert_eq!(k.chars().count(), Source::MAX_KEYWORD);
        assert!(k.chars().all(|c| c == '客'));
    }
}
