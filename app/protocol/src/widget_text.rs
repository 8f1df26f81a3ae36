//! The widget's texts in the five interface languages, kept once here. The widget carries only the
//! English ones ([`english`]); the server (feature `widget-texts`) answers the others from
//! `/api/v1/visitor/texts?lang=…`, which the loader fetches beside the widget, so a page downloads
//! one language, not five.

macro_rules! texts {
    ($($key:ident => [$en:expr, $zh:expr, $tw:expr, $ja:expr, $ko:expr]),* $(,)?) => {
        /// A text of the widget.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Key { $($key),* }

        impl Key {
            /// Every key, in the order of the texts the server sends.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];
        }

        /// The English text, which the widget carries.
        pub fn english(key: Key) -> &'static str {
            match key { $(Key::$key => $en),* }
        }

        /// The text in each language: `[en, zh-CN, zh-TW, ja, ko]`.
        #[cfg(any(test, feature = "widget-texts"))]
        pub fn row(key: Key) -> [&'static str; 5] {
            match key { $(Key::$key => [$en, $zh, $tw, $ja, $ko]),* }
        }
    };
}

/// The texts of `lang`, in the order of [`Key::ALL`], as the JSON array the server sends.
#[cfg(any(test, feature = "widget-texts"))]
pub fn json(lang: crate::Lang) -> String {
    let mut out = String::from("[");
    for (i, key) in Key::ALL.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::json::write_str(&mut out, lang.pick(row(*key)));
    }
    out.push(']');
    out
}

/// Reads what [`json`] wrote (`None` unless it is an array of exactly one text per key).
pub fn parse(text: &str) -> Option<Vec<String>> {
    let crate::json::Json::Arr(items) = crate::json::Json::parse(text)? else { return None };
    let texts: Option<Vec<String>> = items.iter().map(|t| t.str().map(str::to_owned)).collect();
    texts.filter(|t| t.len() == Key::ALL.len())
}

texts! {
    OpenChat => ["Chat with us", "在线咨询", "線上諮詢", "チャットで相談", "채팅 상담"],
    CloseChat => ["Close chat", "关闭对话", "關閉對話", "チャットを閉じる", "채팅 닫기"],
    Chat => ["Chat", "在线客服", "線上客服", "チャット", "채팅"],
    Messages => ["Messages", "消息记录", "訊息紀錄", "メッセージ履歴", "대화 내용"],
    Message => ["Message", "消息", "訊息", "メッセージ", "메시지"],
    Placeholder => ["Type your message…", "请输入消息…", "請輸入訊息…", "メッセージを入力…", "메시지를 입력하세요…"],
    Send => ["Send", "发送", "傳送", "送信", "보내기"],
    Greeting => ["Hi! How can we help you today?", "您好！请问有什么可以帮您？", "您好！請問有什麼可以幫您？", "こんにちは！どのようなご用件でしょうか？", "안녕하세요! 무엇을 도와드릴까요?"],
    AgentTyping => ["Agent is typing…", "客服正在输入…", "客服正在輸入…", "担当者が入力中…", "상담원이 입력 중…"],
    Connecting => ["Connecting…", "正在连接…", "正在連線…", "接続中…", "연결 중…"],
    Sending => ["Sending…", "发送中…", "傳送中…", "送信中…", "보내는 중…"],
    NotSent => ["Not sent", "未发送", "未傳送", "未送信", "전송 안 됨"],
    You => ["You", "我", "我", "あなた", "나"],
    Agent => ["Support", "客服", "客服", "サポート", "상담원"],
    Unread => ["unread", "条未读", "則未讀", "件の未読", "개 읽지 않음"],
    ErrTooLong => ["That message is too long.", "消息太长了。", "訊息太長了。", "メッセージが長すぎます。", "메시지가 너무 깁니다."],
    ErrTooMany => ["You are sending too fast; please wait a moment.", "发送太快了，请稍候。", "傳送太快了，請稍候。", "送信が速すぎます。少しお待ちください。", "너무 빠르게 보내고 있습니다. 잠시 기다려 주세요."],
    ErrInvalid => ["This message contains characters that cannot be sent.", "消息包含无法发送的字符。", "訊息包含無法傳送的字元。", "送信できない文字が含まれています。", "보낼 수 없는 문자가 포함되어 있습니다."],
    ErrNetwork => ["Cannot reach the chat server. Retrying…", "无法连接客服服务器，正在重试…", "無法連線客服伺服器，正在重試…", "チャットサーバーに接続できません。再試行しています…", "채팅 서버에 연결할 수 없습니다. 다시 시도하는 중…"],
    ErrGeneric => ["Something went wrong. Please try again.", "出错了，请重试。", "出錯了，請重試。", "エラーが発生しました。もう一度お試しください。", "오류가 발생했습니다. 다시 시도하세요."],
    ErrQueueFull => ["Everyone is busy and the queue is full. Please try again later.", "客服全忙，排队人数已满，请稍后再试。", "客服全忙，排隊人數已滿，請稍後再試。", "全員対応中で、待ち行列がいっぱいです。しばらくしてからお試しください。", "모든 상담원이 바쁘고 대기열이 가득 찼습니다. 잠시 후 다시 시도해 주세요."],
    Online => ["We are online", "客服在线", "客服在線", "対応中です", "상담 가능"],
    Offline => ["Nobody is online right now", "客服暂时不在线", "客服暫時不在線", "ただいま対応できる担当者がいません", "지금은 상담원이 없습니다"],
    QueuePlace => ["You are number {n} in the queue.", "您目前排在第 {n} 位。", "您目前排在第 {n} 位。", "順番待ち {n} 番目です。", "대기 순서 {n}번째입니다."],
    QueueWait => ["About {m} min.", "预计等待约 {m} 分钟。", "預計等待約 {m} 分鐘。", "待ち時間は約 {m} 分です。", "약 {m}분 기다리셔야 합니다."],
    NowTalkingTo => ["You are now talking to {name}.", "{name} 正在为您服务。", "{name} 正在為您服務。", "{name} が対応します。", "{name} 상담원이 응대합니다."],
    GuestJoined => ["{name} joined the chat.", "{name} 加入了对话。", "{name} 加入了對話。", "{name} が参加しました。", "{name} 님이 참여했습니다."],
    GuestLeft => ["{name} left the chat.", "{name} 离开了对话。", "{name} 離開了對話。", "{name} が退出しました。", "{name} 님이 나갔습니다."],
    IdleSoon => ["This chat will end in about {m} min unless someone writes.", "若无新消息，本次对话将在约 {m} 分钟后结束。", "若無新訊息，本次對話將在約 {m} 分鐘後結束。", "メッセージがなければ、約 {m} 分後にチャットを終了します。", "새 메시지가 없으면 약 {m}분 후 채팅이 종료됩니다."],
    Read => ["Read", "已读", "已讀", "既読", "읽음"],
    Topic => ["Topic", "咨询类型", "諮詢類型", "お問い合わせ内容", "문의 유형"],
    ChooseTopic => ["Choose…", "请选择…", "請選擇…", "選択してください…", "선택하세요…"],
    PickTopic => ["Please choose a topic first.", "请先选择咨询类型。", "請先選擇諮詢類型。", "先にお問い合わせ内容を選んでください。", "먼저 문의 유형을 선택해 주세요."],
    Unavailable => ["{name} is not available right now; another agent will help you.", "{name} 暂时无法接待，将由其他客服为您服务。", "{name} 暫時無法接待，將由其他客服為您服務。", "{name} は現在対応できません。別の担当者が対応します。", "{name} 상담원은 지금 응대할 수 없어 다른 상담원이 도와드립니다."],
    ChatUnavailable => ["Chat is not available right now.", "暂时无法发起对话。", "暫時無法發起對話。", "現在チャットはご利用いただけません。", "지금은 채팅을 이용할 수 없습니다."],
    SneakPeekNote => ["The agent can see what you type before you send it.", "客服可以在您发送前看到您正在输入的内容。", "客服可以在您送出前看到您正在輸入的內容。", "送信前でも、入力中の内容は担当者に表示されます。", "보내기 전에도 입력 중인 내용이 상담원에게 보입니다."],
    Invitation => ["Invitation to chat", "对话邀请", "對話邀請", "チャットのご案内", "채팅 초대"],
    InviteDefault => ["Hello! Can we help you with anything?", "您好！有什么可以帮您的吗？", "您好！有什麼可以幫您的嗎？", "こんにちは！何かお手伝いできることはありますか？", "안녕하세요! 도와드릴 일이 있을까요?"],
    InvitedBy => ["{name} would like to chat with you.", "{name} 邀请您进行对话。", "{name} 邀請您進行對話。", "{name} がチャットでご案内したいそうです。", "{name} 님이 채팅을 요청했습니다."],
    ChatNow => ["Chat now", "立即对话", "立即對話", "今すぐチャット", "지금 채팅"],
    Later => ["Later", "稍后再说", "稍後再說", "あとで", "나중에"],
    LinkFrom => ["{name} sent you a link:", "{name} 向您推送了网址：", "{name} 向您推送了網址：", "{name} からリンクが届きました：", "{name} 님이 링크를 보냈습니다:"],
    OpenLink => ["Open", "打开", "開啟", "開く", "열기"],
    RateChat => ["Rate this chat", "评价本次对话", "評價本次對話", "このチャットを評価", "이 채팅 평가하기"],
    EndChat => ["End chat", "结束对话", "結束對話", "チャットを終了", "채팅 종료"],
    EndConfirm => ["End this chat?", "确定结束本次对话吗？", "確定結束本次對話嗎？", "このチャットを終了しますか？", "이 채팅을 종료할까요?"],
    Cancel => ["Cancel", "取消", "取消", "キャンセル", "취소"],
    Thanks => ["Thank you for chatting with us.", "感谢您的咨询。", "感謝您的諮詢。", "ご利用ありがとうございました。", "상담해 주셔서 감사합니다."],
    RatingThanks => ["Thank you for your rating.", "感谢您的评价。", "感謝您的評價。", "評価ありがとうございました。", "평가해 주셔서 감사합니다."],
    Download => ["Download transcript", "下载聊天记录", "下載聊天紀錄", "会話の記録をダウンロード", "대화 기록 다운로드"],
    Print => ["Print", "打印", "列印", "印刷", "인쇄"],
    NewChat => ["Start a new chat", "开始新对话", "開始新對話", "新しいチャットを開始", "새 채팅 시작"],
    HowWasIt => ["How was this chat?", "您对本次服务满意吗？", "您對本次服務滿意嗎？", "今回の対応はいかがでしたか？", "이번 상담은 어떠셨나요?"],
    Comment => ["Comment", "评价内容", "評價內容", "コメント", "의견"],
    SendRating => ["Send rating", "提交评价", "提交評價", "評価を送信", "평가 보내기"],
    PickScore => ["Please choose a rating.", "请选择评价等级。", "請選擇評價等級。", "評価を選んでください。", "평가를 선택해 주세요."],
    CommentRequired => ["Please tell us what went wrong.", "请告诉我们哪里做得不好。", "請告訴我們哪裡做得不好。", "どこが良くなかったか教えてください。", "무엇이 부족했는지 알려 주세요."],
    Transcript => ["Chat transcript", "聊天记录", "聊天紀錄", "会話の記録", "대화 기록"],
    Level5 => ["Very satisfied", "非常满意", "非常滿意", "大変満足", "매우 만족"],
    Level4 => ["Satisfied", "满意", "滿意", "満足", "만족"],
    Level3 => ["Neutral", "一般", "普通", "普通", "보통"],
    Level2 => ["Dissatisfied", "不满意", "不滿意", "不満", "불만족"],
    Level1 => ["Very dissatisfied", "非常不满意", "非常不滿意", "大変不満", "매우 불만족"],
    YourDetails => ["Your details", "我的资料", "我的資料", "お客様情報", "내 정보"],
    DetailsIntro => ["Please tell us a little about yourself.", "请先留下您的资料。", "請先留下您的資料。", "お客様の情報をご入力ください。", "먼저 고객님의 정보를 입력해 주세요."],
    SendDetails => ["Send details", "提交资料", "送出資料", "情報を送信", "정보 보내기"],
    DetailsSent => ["Thank you, your details were sent.", "资料已提交，谢谢。", "資料已送出，謝謝。", "情報を送信しました。ありがとうございます。", "정보가 전송되었습니다. 감사합니다."],
    FieldName => ["Name", "姓名", "姓名", "お名前", "이름"],
    FieldEmail => ["E-mail", "邮箱", "電子郵件", "メールアドレス", "이메일"],
    FieldPhone => ["Phone", "电话", "電話", "電話番号", "전화번호"],
    FieldCompany => ["Company", "公司", "公司", "会社名", "회사"],
    DetailRequired => ["Please fill in “{field}”.", "请填写“{field}”。", "請填寫「{field}」。", "「{field}」を入力してください。", "‘{field}’을(를) 입력해 주세요."],
    DetailCheck => ["Please check “{field}”.", "请检查“{field}”。", "請檢查「{field}」。", "「{field}」をご確認ください。", "‘{field}’을(를) 확인해 주세요."],
    RegisterFirst => ["Please send your details first.", "请先提交您的资料。", "請先送出您的資料。", "先に情報を送信してください。", "먼저 정보를 보내 주세요."],
    AttachFile => ["Attach a file", "上传文件", "上傳檔案", "ファイルを添付", "파일 첨부"],
    Retry => ["Retry", "重试", "重試", "再試行", "다시 시도"],
    Uploading => ["Uploading", "上传中", "上傳中", "アップロード中", "업로드 중"],
    FileAwaiting => ["Waiting for the agent to accept", "等待客服接收", "等待客服接收", "担当者の受け取り待ち", "상담원 수락 대기 중"],
    FileRefused => ["Not accepted", "客服未接收", "客服未接收", "受け取られませんでした", "수락되지 않음"],
    ErrTooLarge => ["That file is larger than this site allows.", "文件超过了允许的大小。", "檔案超過了允許的大小。", "ファイルが大きすぎます。", "파일이 허용 크기를 넘습니다."],
    Emoji => ["Emoji", "表情", "表情", "絵文字", "이모지"],
    SearchEmoji => ["Search emoji", "搜索表情", "搜尋表情", "絵文字を検索", "이모지 검색"],
    MessageWithdrawn => ["Message withdrawn", "消息已撤回", "訊息已收回", "メッセージは取り消されました", "메시지가 회수되었습니다"],
    ErrFileType => ["This site does not take that type of file.", "不支持发送此类型的文件。", "不支援傳送此類型的檔案。", "この種類のファイルは送れません。", "이 형식의 파일은 보낼 수 없습니다."],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn every_text_is_there_in_every_language_and_survives_the_trip() {
        for key in Key::ALL {
            assert!(row(*key).iter().all(|t| !t.is_empty()), "{key:?}");
            assert_eq!(row(*key)[0], english(*key));
        }
        for lang in [Lang::En, Lang::ZhCn, Lang::ZhTw, Lang::Ja, Lang::Ko] {
            let texts = parse(&json(lang)).expect("parses");
            let want: Vec<String> = Key::ALL.iter().map(|k| lang.pick(row(*k)).to_owned()).collect();
            assert_eq!(texts, want);
        }
        assert_eq!(parse("[\"short\"]"), None, "a list of another length is not used");
    }
}
