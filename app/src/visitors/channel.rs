//! A visitor's device, browser and system from their User-Agent: the browser and system from the
//! maintained `woothee` parser, tablets and the in-app browsers common in China (WeChat, QQ,
//! Alipay, Weibo, the Baidu app, …) from a small table of their User-Agent markers.

use std::sync::LazyLock;

use kefu_protocol::{Channel, Device, InApp};

static PARSER: LazyLock<woothee::parser::Parser> = LazyLock::new(woothee::parser::Parser::new);

/// Markers of in-app browsers, checked in order (WeCom's also carries WeChat's marker). QQ's app
/// says ` QQ/` (QQ Browser says `MQQBrowser`, which is a browser, not an app).
const IN_APP: &[(&str, InApp)] = &[
    ("wxwork/", InApp::WeCom),
    ("MicroMessenger/", InApp::WeChat),
    ("AlipayClient/", InApp::Alipay),
    ("DingTalk/", InApp::DingTalk),
    ("__weibo__", InApp::Weibo),
    ("Weibo (", InApp::Weibo),
    ("baiduboxapp/", InApp::BaiduApp),
    ("aweme", InApp::Douyin),
    (" QQ/", InApp::Qq),
];

/// The channel of a User-Agent; an empty or unknown one is [`Device::Other`] with empty names.
pub fn parse(user_agent: &str) -> Channel {
    let app = IN_APP.iter().find(|(marker, _)| user_agent.contains(marker)).map(|(_, app)| *app);
    let Some(found) = PARSER.parse(user_agent) else {
        return Channel { app, ..Channel::default() };
    };
    let known = |s: &str| s != woothee::woothee::VALUE_UNKNOWN && !s.is_empty();
    let tablet = found.os == "iPad"
        || (found.os == "Android" && !user_agent.contains("Mobile"))
        || user_agent.contains("Tablet");
    let device = match found.category {
        "pc" => Device::Desktop,
        "smartphone" | "mobilephone" if tablet => Device::Tablet,
        "smartphone" | "mobilephone" => Device::Phone,
        _ => Device::Other,
    };
    // An embedded web view is no browser of the visitor's choosing: the app names it, if known.
    let browser = if found.name == "Webview" {
        if app.is_some() {
            String::new()
        } else {
            "WebView".to_owned()
        }
    } else if known(found.name) {
        match found.version.split('.').next().filter(|v| known(v)) {
            Some(major) => format!("{} {major}", found.name),
            None => found.name.to_owned(),
        }
    } else {
        String::new()
    };
    // woothee names iPhones and iPads by device; both run iOS.
    let os_name = match found.os {
        "iPhone" | "iPad" | "iPod" => "iOS",
        "Mac OSX" => "macOS",
        other => other,
    };
    let os = if !known(os_name) {
        String::new()
    } else if known(&found.os_version) && !os_name.starts_with("Windows") {
        format!("{os_name} {}", found.os_version.replace('_', "."))
    } else {
        os_name.to_owned()
    };
    Channel { device, browser, os, app }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desktops_phones_tablets_and_in_app_browsers_are_told_apart() {
        let cases: &[(&str, Device, &str, &str, Option<InApp>)] = &[
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                Device::Desktop, "Chrome 120", "Windows 10", None,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
                Device::Desktop, "Safari 17", "macOS 10.15.7", None,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
                Device::Desktop, "Firefox 121", "Windows 10", None,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
                Device::Phone, "Safari 17", "iOS 17.2", None,
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
                Device::Phone, "Chrome 120", "Android 14", None,
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
                Device::Tablet, "Safari 16", "iOS 16.6", None,
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
                Device::Tablet, "Chrome 119", "Android 13", None,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
                Device::Phone, "", "iOS 16.3", Some(InApp::WeChat),
            ),
            (
                "Mozilla/5.0 (Linux; Android 12; V2055A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5049 MMWEBSDK/20230303 MMWEBID/9279 MicroMessenger/8.0.34.2340(0x2800225D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
                Device::Phone, "", "Android 12", Some(InApp::WeChat),
            ),
            (
                "Mozilla/5.0 (Linux; Android 11; M2012K11AC) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/89.0.4389.72 MQQBrowser/6.2 TBS/046011 Mobile Safari/537.36 V1_AND_SQ_8.9.0_3060_YYB_D QQ/8.9.0.9000 NetType/WIFI",
                Device::Phone, "Chrome 89", "Android 11", Some(InApp::Qq),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClient/10.2.60.6000 Language/zh-Hans",
                Device::Phone, "", "iOS 15.0", Some(InApp::Alipay),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo (iPhone13,2__weibo__12.5.0__iphone__os15.4)",
                Device::Phone, "", "iOS 15.4", Some(InApp::Weibo),
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; ELE-AL00 Build/HUAWEIELE-AL00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/76.0.3809.89 Mobile Safari/537.36 T7/12.5 SP-engine/2.26.0 baiduboxapp/12.5.0.11 (Baidu; P1 10) NABar/1.0",
                Device::Phone, "", "Android 10", Some(InApp::BaiduApp),
            ),
        ];
        for (ua, device, browser, os, app) in cases {
            let channel = parse(ua);
            assert_eq!(
                (channel.device, channel.browser.as_str(), channel.os.as_str(), channel.app),
                (*device, *browser, *os, *app),
                "{ua}"
            );
        }
    }

    #[test]
    fn crawlers_and_empty_user_agents_are_other_devices() {
        let bot = parse("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)");
        assert_eq!(bot.device, Device::Other);
        assert_eq!(parse(""), Channel::default());
        assert_eq!(parse("curl/8.4.0").device, Device::Other);
    }
}
