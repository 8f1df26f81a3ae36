//! The widget's strings, in each language of [`Lang`] (en, zh-CN, zh-TW, ja, ko).

use kefu_protocol::{ApiError, ErrorCode};

pub use kefu_protocol::Lang;

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
    ErrInvalid,
    ErrNetwork,
    ErrGeneric,
    ErrQueueFull,
    Online,
    Offline,
    QueuePlace,
    QueueWait,
    NowTalkingTo,
    GuestJoined,
    GuestLeft,
    IdleSoon,
    Read,
    Topic,
    ChooseTopic,
    PickTopic,
    Unavailable,
    ChatUnavailable,
    LinkFrom,
    OpenLink,
    RateChat,
    EndChat,
    EndConfirm,
    Cancel,
    Thanks,
    RatingThanks,
    Download,
    Print,
    NewChat,
    HowWasIt,
    Comment,
    SendRating,
    PickScore,
    CommentRequired,
    Transcript,
    Level5,
    Level4,
    Level3,
    Level2,
    Level1,
}

/// The text for `key` in `lang`.
pub fn tr(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    // One row per key: [en, zh-CN, zh-TW, ja, ko].
    lang.pick(match key {
        OpenChat => ["Chat with us", "在线咨询", "線上諮詢", "チャットで相談", "채팅 상담"],
        CloseChat => ["Close chat", "关闭对话", "關閉對話", "チャットを閉じる", "채팅 닫기"],
        Chat => ["Chat", "在线客服", "線上客服", "チャット", "채팅"],
        Messages => ["Messages", "消息记录", "訊息紀錄", "メッセージ履歴", "대화 내용"],
        Message => ["Message", "消息", "訊息", "メッセージ", "메시지"],
        Placeholder => {
            ["Type your message…", "请输入消息…", "請輸入訊息…", "メッセージを入力…", "메시지를 입력하세요…"]
        }
        Send => ["Send", "发送", "傳送", "送信", "보내기"],
        Greeting => [
            "Hi! How can we help you today?",
            "您好！请问有什么可以帮您？",
            "您好！請問有什麼可以幫您？",
            "こんにちは！どのようなご用件でしょうか？",
            "안녕하세요! 무엇을 도와드릴까요?",
        ],
        AgentTyping => ["Agent is typing…", "客服正在输入…", "客服正在輸入…", "担当者が入力中…", "상담원이 입력 중…"],
        Connecting => ["Connecting…", "正在连接…", "正在連線…", "接続中…", "연결 중…"],
        Sending => ["Sending…", "发送中…", "傳送中…", "送信中…", "보내는 중…"],
        NotSent => ["Not sent", "未发送", "未傳送", "未送信", "전송 안 됨"],
        You => ["You", "我", "我", "あなた", "나"],
        Agent => ["Support", "客服", "客服", "サポート", "상담원"],
        Unread => ["unread", "条未读", "則未讀", "件の未読", "개 읽지 않음"],
        ErrTooLong => [
            "That message is too long.",
            "消息太长了。",
            "訊息太長了。",
            "メッセージが長すぎます。",
            "메시지가 너무 깁니다.",
        ],
        ErrTooMany => [
            "You are sending too fast; please wait a moment.",
            "发送太快了，请稍候。",
            "傳送太快了，請稍候。",
            "送信が速すぎます。少しお待ちください。",
            "너무 빠르게 보내고 있습니다. 잠시 기다려 주세요.",
        ],
        ErrInvalid => [
            "This message contains characters that cannot be sent.",
            "消息包含无法发送的字符。",
            "訊息包含無法傳送的字元。",
            "送信できない文字が含まれています。",
            "보낼 수 없는 문자가 포함되어 있습니다.",
        ],
        ErrNetwork => [
            "Cannot reach the chat server. Retrying…",
            "无法连接客服服务器，正在重试…",
            "無法連線客服伺服器，正在重試…",
            "チャットサーバーに接続できません。再試行しています…",
            "채팅 서버에 연결할 수 없습니다. 다시 시도하는 중…",
        ],
        ErrQueueFull => [
            "Everyone is busy and the queue is full. Please try again later.",
            "客服全忙，排队人数已满，请稍后再试。",
            "客服全忙，排隊人數已滿，請稍後再試。",
            "全員対応中で、待ち行列がいっぱいです。しばらくしてからお試しください。",
            "모든 상담원이 바쁘고 대기열이 가득 찼습니다. 잠시 후 다시 시도해 주세요.",
        ],
        Online => ["We are online", "客服在线", "客服在線", "対応中です", "상담 가능"],
        Offline => [
            "Nobody is online right now",
            "客服暂时不在线",
            "客服暫時不在線",
            "ただいま対応できる担当者がいません",
            "지금은 상담원이 없습니다",
        ],
        QueuePlace => [
            "You are number {n} in the queue.",
            "您目前排在第 {n} 位。",
            "您目前排在第 {n} 位。",
            "順番待ち {n} 番目です。",
            "대기 순서 {n}번째입니다.",
        ],
        QueueWait => [
            "About {m} min.",
            "预计等待约 {m} 分钟。",
            "預計等待約 {m} 分鐘。",
            "待ち時間は約 {m} 分です。",
            "약 {m}분 기다리셔야 합니다.",
        ],
        NowTalkingTo => [
            "You are now talking to {name}.",
            "{name} 正在为您服务。",
            "{name} 正在為您服務。",
            "{name} が対応します。",
            "{name} 상담원이 응대합니다.",
        ],
        RateChat => ["Rate this chat", "评价本次对话", "評價本次對話", "このチャットを評価", "이 채팅 평가하기"],
        EndChat => ["End chat", "结束对话", "結束對話", "チャットを終了", "채팅 종료"],
        EndConfirm => [
            "End this chat?",
            "确定结束本次对话吗？",
            "確定結束本次對話嗎？",
            "このチャットを終了しますか？",
            "이 채팅을 종료할까요?",
        ],
        Cancel => ["Cancel", "取消", "取消", "キャンセル", "취소"],
        Thanks => [
            "Thank you for chatting with us.",
            "感谢您的咨询。",
            "感謝您的諮詢。",
            "ご利用ありがとうございました。",
            "상담해 주셔서 감사합니다.",
        ],
        RatingThanks => [
            "Thank you for your rating.",
            "感谢您的评价。",
            "感謝您的評價。",
            "評価ありがとうございました。",
            "평가해 주셔서 감사합니다.",
        ],
        Download => {
            ["Download transcript", "下载聊天记录", "下載聊天紀錄", "会話の記録をダウンロード", "대화 기록 다운로드"]
        }
        Print => ["Print", "打印", "列印", "印刷", "인쇄"],
        NewChat => ["Start a new chat", "开始新对话", "開始新對話", "新しいチャットを開始", "새 채팅 시작"],
        HowWasIt => [
            "How was this chat?",
            "您对本次服务满意吗？",
            "您對本次服務滿意嗎？",
            "今回の対応はいかがでしたか？",
            "이번 상담은 어떠셨나요?",
        ],
        Comment => ["Comment", "评价内容", "評價內容", "コメント", "의견"],
        SendRating => ["Send rating", "提交评价", "提交評價", "評価を送信", "평가 보내기"],
        PickScore => [
            "Please choose a rating.",
            "请选择评价等级。",
            "請選擇評價等級。",
            "評価を選んでください。",
            "평가를 선택해 주세요.",
        ],
        CommentRequired => [
            "Please tell us what went wrong.",
            "请告诉我们哪里做得不好。",
            "請告訴我們哪裡做得不好。",
            "どこが良くなかったか教えてください。",
            "무엇이 부족했는지 알려 주세요.",
        ],
        Transcript => ["Chat transcript", "聊天记录", "聊天紀錄", "会話の記録", "대화 기록"],
        Level5 => ["Very satisfied", "非常满意", "非常滿意", "大変満足", "매우 만족"],
        Level4 => ["Satisfied", "满意", "滿意", "満足", "만족"],
        Level3 => ["Neutral", "一般", "普通", "普通", "보통"],
        Level2 => ["Dissatisfied", "不满意", "不滿意", "不満", "불만족"],
        Level1 => ["Very dissatisfied", "非常不满意", "非常不滿意", "大変不満", "매우 불만족"],
        Topic => ["Topic", "咨询类型", "諮詢類型", "お問い合わせ内容", "문의 유형"],
        ChooseTopic => ["Choose…", "请选择…", "請選擇…", "選択してください…", "선택하세요…"],
        PickTopic => [
            "Please choose a topic first.",
            "请先选择咨询类型。",
            "請先選擇諮詢類型。",
            "先にお問い合わせ内容を選んでください。",
            "먼저 문의 유형을 선택해 주세요.",
        ],
        ChatUnavailable => [
            "Chat is not available right now.",
            "暂时无法发起对话。",
            "暫時無法發起對話。",
            "現在チャットはご利用いただけません。",
            "지금은 채팅을 이용할 수 없습니다.",
        ],
        LinkFrom => [
            "{name} sent you a link:",
            "{name} 向您推送了网址：",
            "{name} 向您推送了網址：",
            "{name} からリンクが届きました：",
            "{name} 님이 링크를 보냈습니다:",
        ],
        OpenLink => ["Open", "打开", "開啟", "開く", "열기"],
        Unavailable => [
            "{name} is not available right now; another agent will help you.",
            "{name} 暂时无法接待，将由其他客服为您服务。",
            "{name} 暫時無法接待，將由其他客服為您服務。",
            "{name} は現在対応できません。別の担当者が対応します。",
            "{name} 상담원은 지금 응대할 수 없어 다른 상담원이 도와드립니다.",
        ],
        Read => ["Read", "已读", "已讀", "既読", "읽음"],
        IdleSoon => [
            "This chat will end in about {m} min unless someone writes.",
            "若无新消息，本次对话将在约 {m} 分钟后结束。",
            "若無新訊息，本次對話將在約 {m} 分鐘後結束。",
            "メッセージがなければ、約 {m} 分後にチャットを終了します。",
            "새 메시지가 없으면 약 {m}분 후 채팅이 종료됩니다.",
        ],
        GuestJoined => [
            "{name} joined the chat.",
            "{name} 加入了对话。",
            "{name} 加入了對話。",
            "{name} が参加しました。",
            "{name} 님이 참여했습니다.",
        ],
        GuestLeft => [
            "{name} left the chat.",
            "{name} 离开了对话。",
            "{name} 離開了對話。",
            "{name} が退出しました。",
            "{name} 님이 나갔습니다.",
        ],
        ErrGeneric => [
            "Something went wrong. Please try again.",
            "出错了，请重试。",
            "出錯了，請重試。",
            "エラーが発生しました。もう一度お試しください。",
            "오류가 발생했습니다. 다시 시도하세요.",
        ],
    })
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
