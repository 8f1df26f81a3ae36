//! The widget's strings. zh-CN and en are complete; zh-TW, ja and ko fall back to English for now.

use kefu_protocol::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.to_ascii_lowercase();
        if tag.starts_with("zh")
            && !(tag.starts_with("zh-tw") || tag.starts_with("zh-hk") || tag.starts_with("zh-hant"))
        {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }
}

#[derive(Clone, Copy)]
pub enum Key {
    OpenChat,
    CloseChat,
    Chat,
    Messages,
    Message,
    Placeholder,
    Send,
    Greeting,
    AgentTyping,
    Connecting,
    Sending,
    NotSent,
    You,
    Agent,
    Unread,
    ErrTooLong,
    ErrTooMany,
    ErrGeneric,
}

pub fn tr(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    let (en, zh) = match key {
        OpenChat => ("Chat with us", "在线咨询"),
        CloseChat => ("Close chat", "关闭对话"),
        Chat => ("Chat", "在线客服"),
        Messages => ("Messages", "消息"),
        Message => ("Message", "消息"),
        Placeholder => ("Type your message…", "请输入消息…"),
        Send => ("Send", "发送"),
        Greeting => ("Hi! How can we help you today?", "您好！请问有什么可以帮您？"),
        AgentTyping => ("Agent is typing…", "客服正在输入…"),
        Connecting => ("Connecting…", "正在连接…"),
        Sending => ("Sending…", "发送中…"),
        NotSent => ("Not sent", "未发送"),
        You => ("You", "我"),
        Agent => ("Support", "客服"),
        Unread => ("unread", "条未读"),
        ErrTooLong => ("That message is too long.", "消息太长了。"),
        ErrTooMany => ("You are sending too fast; please wait a moment.", "发送太快了，请稍候。"),
        ErrGeneric => ("Something went wrong. Please try again.", "出错了，请重试。"),
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

pub fn error_text(lang: Lang, error: &ApiError) -> String {
    match error {
        ApiError::Validation { message, .. } if message == "too long" => tr(lang, Key::ErrTooLong).into(),
        ApiError::TooMany { .. } => tr(lang, Key::ErrTooMany).into(),
        _ => tr(lang, Key::ErrGeneric).into(),
    }
}
