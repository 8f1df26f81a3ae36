//! Every string the workbench shows, per language. zh-CN and en are complete; zh-TW, ja and ko fall
//! back to English until their translations land.

use kefu_protocol::ApiError;
use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
    ZhTw,
    Ja,
    Ko,
}

impl Lang {
    /// The language of a BCP 47 tag (`zh-CN`, `en-US`, …); unknown tags give English.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh-tw") || tag.starts_with("zh-hk") || tag.starts_with("zh-hant") {
            Lang::ZhTw
        } else if tag.starts_with("zh") {
            Lang::ZhCn
        } else if tag.starts_with("ja") {
            Lang::Ja
        } else if tag.starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// First language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Lang {
        header.split(',').next().map(|first| Lang::from_tag(first.split(';').next().unwrap_or(""))).unwrap_or(Lang::En)
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    AppTitle,
    SignInTitle,
    Login,
    Password,
    SignIn,
    SignOut,
    VisitorsOnline,
    NoVisitors,
    Conversations,
    NoConversations,
    PickConversation,
    Message,
    Send,
    Sending,
    NotSent,
    VisitorTyping,
    Connecting,
    Connected,
    Reconnecting,
    Unread,
    From,
    Direct,
    OnSite,
    Visits,
    Visitor,
    You,
    Messages,
    YourSites,
    EmbedHint,
    ErrNotFound,
    ErrUnauthorized,
    ErrForbidden,
    ErrValidation,
    ErrConflict,
    ErrTooMany,
    ErrBadFrame,
    ErrNetwork,
    ErrInternal,
}

/// The text for `key` in `lang`, English where a translation is missing.
pub fn tr(lang: Lang, key: Key) -> &'static str {
    let (en, zh_cn) = texts(key);
    match lang {
        Lang::ZhCn => zh_cn,
        _ => en,
    }
}

fn texts(key: Key) -> (&'static str, &'static str) {
    use Key::*;
    match key {
        AppTitle => ("kefu workbench", "kefu 客服工作台"),
        SignInTitle => ("Sign in to kefu", "登录 kefu"),
        Login => ("Login", "账号"),
        Password => ("Password", "密码"),
        SignIn => ("Sign in", "登录"),
        SignOut => ("Sign out", "退出登录"),
        VisitorsOnline => ("Visitors online", "在线访客"),
        NoVisitors => ("Nobody is on your site right now.", "当前没有访客在网站上。"),
        Conversations => ("Conversations", "会话"),
        NoConversations => ("No open conversations.", "没有进行中的会话。"),
        PickConversation => ("Pick a conversation on the left.", "请在左侧选择一个会话。"),
        Message => ("Message", "消息"),
        Send => ("Send", "发送"),
        Sending => ("Sending…", "发送中…"),
        NotSent => ("Not sent", "未发送"),
        VisitorTyping => ("Visitor is typing…", "访客正在输入…"),
        Connecting => ("Connecting…", "正在连接…"),
        Connected => ("Connected", "已连接"),
        Reconnecting => ("Connection lost, reconnecting…", "连接已断开，正在重连…"),
        Unread => ("unread", "条未读"),
        From => ("From", "来源"),
        Direct => ("direct", "直接访问"),
        OnSite => ("On site", "停留"),
        Visits => ("Visits", "访问次数"),
        Visitor => ("Visitor", "访客"),
        You => ("You", "我"),
        Messages => ("Messages", "消息记录"),
        YourSites => ("Your sites", "我的网站"),
        EmbedHint => {
            ("Paste this before </body> on every page of the site:", "将以下代码粘贴到网站每个页面的 </body> 之前：")
        }
        ErrNotFound => ("Not found.", "未找到。"),
        ErrUnauthorized => ("Wrong login or password.", "账号或密码错误。"),
        ErrForbidden => ("You are not allowed to do that.", "没有权限执行此操作。"),
        ErrValidation => ("Please check this field:", "请检查此项："),
        ErrConflict => ("That conflicts with a change made meanwhile.", "与其他修改冲突。"),
        ErrTooMany => ("Too many attempts. Try again in {n} s.", "尝试次数过多，请 {n} 秒后再试。"),
        ErrBadFrame => ("The server did not understand the request.", "服务器无法理解该请求。"),
        ErrNetwork => ("Cannot reach the server.", "无法连接服务器。"),
        ErrInternal => ("Something went wrong on the server. Please try again.", "服务器出错，请重试。"),
    }
}

/// An error in words, for the user.
pub fn error_text(lang: Lang, error: &ApiError) -> String {
    match error {
        ApiError::NotFound => tr(lang, Key::ErrNotFound).into(),
        ApiError::Unauthorized => tr(lang, Key::ErrUnauthorized).into(),
        ApiError::Forbidden => tr(lang, Key::ErrForbidden).into(),
        ApiError::Validation { field, message } => format!("{} {field} ({message})", tr(lang, Key::ErrValidation)),
        ApiError::Conflict { .. } => tr(lang, Key::ErrConflict).into(),
        ApiError::TooMany { retry_after_secs } => {
            tr(lang, Key::ErrTooMany).replace("{n}", &retry_after_secs.to_string())
        }
        ApiError::BadFrame { .. } => tr(lang, Key::ErrBadFrame).into(),
        ApiError::Network { .. } => tr(lang, Key::ErrNetwork).into(),
        ApiError::Internal => tr(lang, Key::ErrInternal).into(),
    }
}

/// The language of this page: the request's `Accept-Language` on the server, the `<html lang>` the
/// server rendered in the browser, so hydration sees the same strings.
pub fn page_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts.headers.get(http::header::ACCEPT_LANGUAGE)?.to_str().ok().map(Lang::from_accept_language)
            })
            .unwrap_or(Lang::En)
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .map(|t| Lang::from_tag(&t))
            .unwrap_or(Lang::En)
    }
}

/// Puts the page language in context for [`use_lang`].
pub fn provide_lang() -> Lang {
    let lang = page_lang();
    provide_context(lang);
    lang
}

pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_picked_from_headers_and_fall_back_to_english() {
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::En);
        assert_eq!(tr(Lang::ZhCn, Key::Send), "发送");
        assert_eq!(tr(Lang::Ja, Key::Send), "Send", "missing translations fall back to English");
    }

    #[test]
    fn rate_limit_errors_say_when_to_retry() {
        let text = error_text(Lang::En, &ApiError::TooMany { retry_after_secs: 42 });
        assert_eq!(text, "Too many attempts. Try again in 42 s.");
    }
}
