//! Every string the workbench shows, in each language of [`Lang`] (en, zh-CN, zh-TW, ja, ko).

use kefu_protocol::{ApiError, ErrorCode};
use leptos::prelude::*;

pub use kefu_protocol::Lang;

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
    SearchVisitors,
    SearchConversations,
    ShowMore,
    ShownOfTotal,
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
    ErrRequired,
    ErrEmpty,
    ErrTooLong,
    ErrTooShort,
    ErrIncorrect,
    NewPassword,
    KeepSignedIn,
    NoMatches,
    ErrControlChars,
    ErrFormat,
    MainNav,
    NavChats,
    NavVisitors,
    NavSites,
    EndChat,
    ErrConflict,
    ErrTooMany,
    ErrBadFrame,
    ErrNetwork,
    ErrInternal,
    Company,
    ErrTaken,
    ErrStale,
    ErrProtected,
    PasswordRules,
    SetupTitle,
    SetupHint,
    SetupLink,
    SetupDone,
    CompanyName,
    CompanyAccountHint,
    SiteName,
    CreateCompany,
    DisplayName,
    NavAgents,
    NavDepartments,
    NavRoles,
    NavLog,
    NavBlocks,
    VisitorMember,
    MemberId,
    ClaimedId,
    IdentitySecret,
    IdentitySecretHint,
    VisitorDetails,
    ShowDetails,
    VisitorCardTitle,
    CardName,
    CardPhone,
    CardCompany,
    CardTags,
    CardNotes,
    ThisVisit,
    EarlierVisits,
    NoEarlierVisits,
    StillHere,
    PagesCount,
    PastChats,
    NoPastChats,
    MessagesCount,
    OpenChat,
    VisitorChatting,
    VisitorWaiting,
    VisitorChatted,
    ColAgent,
    FullIps,
    VisitorDraft,
    SneakPeek,
    SneakPeekOn,
    SiteInvitations,
    InviteAuto,
    InviteAfter,
    InvitePages,
    InvitePagesHint,
    InviteText,
    InviteToChat,
    InviteSent,
    InviteAccepted,
    InviteDeclined,
    ErrAlreadyChatting,
    ErrInvitePending,
    BlockVisitor,
    BlockReason,
    BlockDuration,
    ForHour,
    ForDay,
    ForWeek,
    ForGood,
    BanAddress,
    Address,
    AddressHint,
    BlockedWho,
    BlockedBy,
    BlockedAt,
    BlockedUntil,
    Unblock,
    NoBlocks,
    BlockDone,
    UnblockDone,
    BlockConfirm,
    ErrRangeTooWide,
    ErrUnavailable,
    VisitorBlocked,
    PushUrl,
    PushUrlField,
    UrlPushed,
    New,
    Edit,
    Delete,
    Save,
    Cancel,
    Saved,
    Deleted,
    Actions,
    Previous,
    Next,
    RangeOfTotal,
    ConfirmDeleteNamed,
    ConfirmDelete,
    TypeName,
    Enable,
    Disable,
    StatusEnabled,
    StatusDisabled,
    ExportCsv,
    AnyOption,
    NoneOption,
    Domains,
    DomainsHint,
    DefaultSite,
    NewSite,
    EditSite,
    NewAgent,
    EditAgent,
    SearchAgents,
    Nickname,
    JobNumber,
    Email,
    Mobile,
    Role,
    Department,
    SitesServed,
    SeatEnabled,
    MaxChats,
    SortOrder,
    Seats,
    SeatsUnlimited,
    SetPassword,
    FirstAdmin,
    Status,
    NewDepartment,
    DepartmentAdmin,
    Members,
    NewRole,
    CopyFrom,
    Permissions,
    Scope,
    ScopeAll,
    ScopeOwn,
    BuiltIn,
    RoleAdmin,
    RoleAppAdmin,
    RoleAgent,
    Time,
    OpType,
    OpObject,
    OpSummary,
    IpAddress,
    DateFrom,
    DateTo,
    Agent,
    NoEntries,
    ErrInUse,
    ErrLimitReached,
    MyStatus,
    StatusOnline,
    StatusBusy,
    StatusAway,
    StatusInvisible,
    StatusOffline,
    MyChats,
    NoMyChats,
    Queue,
    QueueEmpty,
    ColleagueChats,
    TakeChat,
    WaitingFor,
    ServedBy,
    ChatsOfMax,
    ErrChatTaken,
    ErrQueueFull,
    Invitations,
    InvitationText,
    Join,
    InviteColleague,
    SendInvite,
    LeaveChat,
    WithGuests,
    Close,
    Shortcuts,
    ShortcutNext,
    ShortcutPrevious,
    ShortcutReply,
    ShortcutAccept,
    ShortcutHelp,
    IdleClose,
    VisitorIdle,
    IdleWarning,
    AgentIdle,
    SiteWelcome,
    ReadByVisitor,
    RatingsClearedN,
    AverageScore,
    FromDay,
    ToDay,
    ClearRatings,
    ClearRatingsConfirm,
    NoRatings,
    Comment,
    Invalid,
    MarkInvalid,
    MarkValid,
    InvalidReason,
    NavRouting,
    DistributionMode,
    ModeLeastBusy,
    ModeRoundRobin,
    ModeRandom,
    QueueLimit,
    PreferPrevious,
    ShortcutEnd,
    ShortcutCanned,
    BackToChats,
    NotifyTurnOn,
    NotifyWhy,
    AlertNewChat,
    AlertNewChatBody,
    AlertNewMessage,
    NavCanned,
    CannedLibraries,
    CannedMine,
    CannedDepartment,
    CannedCompany,
    NoDepartment,
    SearchCanned,
    NewCanned,
    EditCanned,
    CannedFolders,
    AllFolders,
    Rename,
    FolderName,
    AddFolder,
    CannedTitle,
    CannedText,
    CannedFolder,
    CannedUses,
    NoFolder,
    CannedVariables,
    ImportCsv,
    ImportCsvHint,
    CsvFile,
    ImportPreview,
    Line,
    Problem,
    ImportRows,
    Imported,
    NoCannedMatch,
    PushSameTab,
    NavRegistration,
    AskDetails,
    AskWhen,
    AskBefore,
    AskAnyTime,
    DetailFields,
    DetailField,
    Asked,
    RequiredField,
    OwnFieldLabel,
    RemoveField,
    AddOwnField,
    RegisteredAt,
    VisitorGave,
    RegionRouting,
    RegionRoutingHint,
    RegionsServed,
    RegionsServedHint,
    WholeCountries,
    OtherCountries,
    OtherCountriesHint,
    SameAsSite,
    Ratings,
    AskRating,
    Score,
    CommentRequired,
    LevelLabel,
    DefaultLabel,
    Colleagues,
    TransferAccepted,
    TransferDeclined,
    RatedNotice,
    Transfer,
    TransferTo,
    TransferNote,
    SendTransfer,
    TransferOffer,
    Accept,
    Decline,
    Dismiss,
    News,
    TransferRequests,
    Region,
    RegionUnknown,
    ChatRequests,
    ChatRequestFrom,
    OfferOnPage,
    OfferSecondsLeft,
    ErrOfferEnded,
    Approval,
    ApprovalSecs,
    SiteSwitchboard,
    NoColleagueFree,
    TransferSent,
    ErrNobodyFree,
    NavRatings,
    Name,
    MySettings,
    Language,
    FollowBrowser,
    SendWith,
    SendEnter,
    SendCtrlEnter,
    Welcome,
    MyMaxChats,
    Notifications,
    NotifyNewVisitor,
    NotifyNewChat,
    NotifyNewMessage,
    NotifyTransfer,
    NotifyColleague,
    Card,
    CardLabel,
    CardValue,
    AddLine,
    RemoveLine,
    ChangePassword,
    CurrentPassword,
    PasswordChanged,
    NavCategories,
    CategoriesHint,
    NewCategory,
    Switchboard,
    ShownOnSites,
    MoveUp,
    MoveDown,
    SiteFilter,
    Avatar,
    ScopeOf,
    Presence,
    Online,
    Offline,
    ErrNoSuch,
    NicknameShort,
    ColType,
    ColChannel,
    ColSource,
    ColKeyword,
    ColPage,
    ColPages,
    ColFirstVisit,
    ColLastActive,
    ColIp,
    Columns,
    AnyValue,
    VisitorNew,
    VisitorReturning,
    DeviceDesktop,
    DevicePhone,
    DeviceTablet,
    DeviceOther,
    SourceDirect,
    SourceSearch,
    SourceReferral,
    SourceCampaign,
    AppWeChat,
    AppWeCom,
    AppQq,
    AppAlipay,
    AppWeibo,
    AppBaidu,
    AppDouyin,
    AppDingTalk,
    FilterCountry,
}

/// The text for `key` in `lang`.
/// The interface languages a site may give its own texts in (welcome, invitation, rating labels).
pub const LANG_TAGS: [&str; 5] = ["en", "zh-CN", "zh-TW", "ja", "ko"];

/// A language's own name, for inputs given per language.
pub fn lang_name(tag: &str) -> &'static str {
    match tag {
        "en" => "English",
        "zh-CN" => "简体中文",
        "zh-TW" => "繁體中文",
        "ja" => "日本語",
        _ => "한국어",
    }
}

pub fn tr(lang: Lang, key: Key) -> &'static str {
    lang.pick(texts(key))
}

/// One row per key: `[en, zh-CN, zh-TW, ja, ko]`.
fn texts(key: Key) -> [&'static str; 5] {
    use Key::*;
    match key {
        AppTitle => {
            ["kefu workbench", "kefu 客服工作台", "kefu 客服工作台", "kefu オペレーター画面", "kefu 상담원 화면"]
        }
        SignInTitle => ["Sign in to kefu", "登录 kefu", "登入 kefu", "kefu にログイン", "kefu 로그인"],
        Login => ["Account", "账号", "帳號", "ログインID", "아이디"],
        Company => ["Company account", "企业账号", "企業帳號", "企業ID", "기업 아이디"],
        ErrTaken => {
            ["is already taken.", "已被占用。", "已被使用。", "は既に使われています。", "은(는) 이미 사용 중입니다."]
        }
        ErrStale => [
            "Someone else changed this meanwhile. Reload and try again.",
            "已被其他人修改，请刷新后重试。",
            "已被其他人修改，請重新整理後再試。",
            "その間に他の人が変更しました。再読み込みしてからやり直してください。",
            "그사이 다른 사람이 변경했습니다. 새로 고친 후 다시 시도하세요.",
        ],
        ErrProtected => [
            "This cannot be done to the company's first admin, the default site, or yourself.",
            "不能对企业的第一个管理员、默认站点或你自己执行此操作。",
            "不能對企業的第一位管理員、預設網站或你自己執行此操作。",
            "企業の最初の管理者、既定のサイト、自分自身にはこの操作はできません。",
            "기업의 첫 관리자, 기본 사이트 또는 자기 자신에게는 이 작업을 할 수 없습니다.",
        ],
        PasswordRules => [
            "6–20 characters, no spaces, case-sensitive.",
            "6–20 个字符，不能有空格，区分大小写。",
            "6–20 個字元，不能有空格，區分大小寫。",
            "6〜20文字、空白なし、大文字と小文字を区別します。",
            "6~20자, 공백 없음, 대소문자 구분.",
        ],
        SetupTitle => ["Set up kefu", "初始化 kefu", "初始化 kefu", "kefu の初期設定", "kefu 초기 설정"],
        SetupHint => [
            "This server has no company yet. Create the first one and its admin account.",
            "此服务器还没有企业。请创建第一个企业及其管理员账号。",
            "此伺服器還沒有企業。請建立第一個企業及其管理員帳號。",
            "このサーバーにはまだ企業がありません。最初の企業と管理者アカウントを作成してください。",
            "이 서버에는 아직 기업이 없습니다. 첫 기업과 관리자 계정을 만드세요.",
        ],
        SetupLink => [
            "This server has no company yet: set it up",
            "此服务器还没有企业：去初始化",
            "此伺服器還沒有企業：前往初始化",
            "このサーバーにはまだ企業がありません：初期設定へ",
            "이 서버에는 아직 기업이 없습니다: 초기 설정하기",
        ],
        SetupDone => [
            "This server is already set up. Sign in instead.",
            "此服务器已经初始化，请直接登录。",
            "此伺服器已經初始化，請直接登入。",
            "このサーバーは設定済みです。ログインしてください。",
            "이 서버는 이미 설정되었습니다. 로그인하세요.",
        ],
        CompanyName => ["Company name", "企业名称", "企業名稱", "企業名", "기업 이름"],
        CompanyAccountHint => [
            "2–32 of a–z, 0–9, _ and -. Everyone in the company types it to sign in.",
            "2–32 个 a–z、0–9、_ 或 - 字符。企业所有人登录时都要输入。",
            "2–32 個 a–z、0–9、_ 或 - 字元。企業所有人登入時都要輸入。",
            "a–z、0–9、_、- の2〜32文字。企業の全員がログイン時に入力します。",
            "a–z, 0–9, _, - 중 2~32자. 기업의 모든 사람이 로그인할 때 입력합니다.",
        ],
        SiteName => ["Website name", "网站名称", "網站名稱", "サイト名", "사이트 이름"],
        CreateCompany => ["Create company", "创建企业", "建立企業", "企業を作成", "기업 만들기"],
        DisplayName => ["Name", "姓名", "姓名", "氏名", "이름"],
        NavAgents => ["Agents", "客服", "客服", "オペレーター", "상담원"],
        NavDepartments => ["Departments", "部门", "部門", "部署", "부서"],
        NavRoles => ["Roles", "角色", "角色", "ロール", "역할"],
        NavLog => ["Operation log", "操作日志", "操作日誌", "操作ログ", "작업 로그"],
        New => ["New", "新建", "新增", "新規作成", "새로 만들기"],
        Edit => ["Edit", "编辑", "編輯", "編集", "편집"],
        Delete => ["Delete", "删除", "刪除", "削除", "삭제"],
        Save => ["Save", "保存", "儲存", "保存", "저장"],
        Cancel => ["Cancel", "取消", "取消", "キャンセル", "취소"],
        Saved => ["Saved.", "已保存。", "已儲存。", "保存しました。", "저장했습니다."],
        Deleted => ["Deleted.", "已删除。", "已刪除。", "削除しました。", "삭제했습니다."],
        Actions => ["Actions", "操作", "操作", "操作", "작업"],
        Previous => ["Previous page", "上一页", "上一頁", "前のページ", "이전 페이지"],
        Next => ["Next page", "下一页", "下一頁", "次のページ", "다음 페이지"],
        RangeOfTotal => [
            "{from}–{to} of {total}",
            "第 {from}–{to} 条，共 {total} 条",
            "第 {from}–{to} 筆，共 {total} 筆",
            "{total} 件中 {from}–{to} 件",
            "{total}개 중 {from}–{to}",
        ],
        ConfirmDeleteNamed => [
            "Delete “{name}”? Type its name to confirm.",
            "删除“{name}”？请输入名称确认。",
            "刪除「{name}」？請輸入名稱確認。",
            "「{name}」を削除しますか？確認のため名前を入力してください。",
            "“{name}”을(를) 삭제할까요? 확인하려면 이름을 입력하세요.",
        ],
        ConfirmDelete => [
            "Delete “{name}”?",
            "确定删除“{name}”？",
            "確定刪除「{name}」？",
            "「{name}」を削除しますか？",
            "“{name}”을(를) 삭제할까요?",
        ],
        TypeName => ["Name to confirm", "输入名称确认", "輸入名稱確認", "確認用の名前", "확인용 이름"],
        Enable => ["Enable", "启用", "啟用", "有効にする", "사용"],
        Disable => ["Disable", "停用", "停用", "無効にする", "사용 중지"],
        StatusEnabled => ["Active", "正常", "正常", "有効", "사용 중"],
        StatusDisabled => ["Disabled", "已停用", "已停用", "無効", "사용 중지됨"],
        ExportCsv => ["Export CSV", "导出 CSV", "匯出 CSV", "CSV を書き出す", "CSV 내보내기"],
        AnyOption => ["All", "全部", "全部", "すべて", "전체"],
        NoneOption => ["None", "无", "無", "なし", "없음"],
        Domains => ["Bound domains", "绑定域名", "綁定網域", "紐付けドメイン", "연결 도메인"],
        DomainsHint => [
            "One per line: example.com, *.example.com (its subdomains), example.com:8443.",
            "每行一个：example.com、*.example.com（其子域名）、example.com:8443。",
            "每行一個：example.com、*.example.com（其子網域）、example.com:8443。",
            "1行に1つ：example.com、*.example.com（サブドメイン）、example.com:8443。",
            "한 줄에 하나씩: example.com, *.example.com(하위 도메인), example.com:8443.",
        ],
        DefaultSite => ["Default site", "默认站点", "預設網站", "既定のサイト", "기본 사이트"],
        NewSite => ["New site", "新建站点", "新增網站", "新しいサイト", "새 사이트"],
        EditSite => ["Edit site", "编辑站点", "編輯網站", "サイトを編集", "사이트 편집"],
        NewAgent => ["New agent", "新建客服", "新增客服", "オペレーターを追加", "상담원 추가"],
        EditAgent => ["Edit agent", "编辑客服", "編輯客服", "オペレーターを編集", "상담원 편집"],
        SearchAgents => ["Search agents", "搜索客服", "搜尋客服", "オペレーターを検索", "상담원 검색"],
        Nickname => [
            "Nickname shown to visitors",
            "昵称（访客可见）",
            "暱稱（訪客可見）",
            "ニックネーム（訪問者に表示）",
            "닉네임(방문자에게 표시)",
        ],
        JobNumber => ["Job number", "工号", "工號", "社員番号", "사번"],
        Email => ["E-mail", "邮箱", "電子郵件", "メール", "이메일"],
        Mobile => ["Mobile", "手机号", "手機號碼", "携帯電話", "휴대폰"],
        Role => ["Role", "角色", "角色", "ロール", "역할"],
        Department => ["Department", "部门", "部門", "部署", "부서"],
        SitesServed => ["Sites served", "负责的站点", "負責的網站", "担当サイト", "담당 사이트"],
        SeatEnabled => ["Seat enabled", "启用坐席", "啟用座席", "席を有効にする", "좌석 사용"],
        MaxChats => {
            ["Max concurrent chats", "最大同时对话数", "最大同時對話數", "最大同時チャット数", "최대 동시 채팅 수"]
        }
        SortOrder => ["Order", "排序", "排序", "表示順", "순서"],
        Seats => [
            "Seats in use: {used} / {limit}",
            "已用坐席：{used} / {limit}",
            "已用座席：{used} / {limit}",
            "使用中の席：{used} / {limit}",
            "사용 중인 좌석: {used} / {limit}",
        ],
        SeatsUnlimited => [
            "Seats in use: {used}",
            "已用坐席：{used}",
            "已用座席：{used}",
            "使用中の席：{used}",
            "사용 중인 좌석: {used}",
        ],
        SetPassword => ["Set password", "设置密码", "設定密碼", "パスワードを設定", "비밀번호 설정"],
        FirstAdmin => ["First admin", "首个管理员", "首位管理員", "最初の管理者", "첫 관리자"],
        Status => ["Status", "状态", "狀態", "状態", "상태"],
        NewDepartment => ["New department", "新建部门", "新增部門", "部署を追加", "부서 추가"],
        DepartmentAdmin => ["Department admin", "部门管理员", "部門管理員", "部署管理者", "부서 관리자"],
        Members => ["Members", "成员", "成員", "メンバー", "구성원"],
        NewRole => ["New role", "新建角色", "新增角色", "ロールを追加", "역할 추가"],
        CopyFrom => {
            ["Copy permissions from", "从此角色复制权限", "從此角色複製權限", "権限のコピー元", "권한 복사 원본"]
        }
        Permissions => ["Permissions", "权限", "權限", "権限", "권한"],
        Scope => ["Sites", "站点范围", "網站範圍", "対象サイト", "사이트 범위"],
        ScopeAll => ["All sites", "所有站点", "所有網站", "すべてのサイト", "모든 사이트"],
        ScopeOwn => [
            "Only the sites the agent serves",
            "仅客服负责的站点",
            "僅客服負責的網站",
            "担当サイトのみ",
            "담당 사이트만",
        ],
        BuiltIn => ["Built-in", "内置", "內建", "組み込み", "기본 제공"],
        RoleAdmin => ["Super admin", "超级管理员", "超級管理員", "スーパー管理者", "최고 관리자"],
        RoleAppAdmin => ["App admin", "应用管理员", "應用管理員", "アプリ管理者", "앱 관리자"],
        RoleAgent => ["Agent", "客服", "客服", "オペレーター", "상담원"],
        Time => ["Time", "时间", "時間", "日時", "시간"],
        OpType => ["Type", "类型", "類型", "種類", "유형"],
        OpObject => ["Object", "对象", "對象", "対象", "대상"],
        OpSummary => ["Change", "变更内容", "變更內容", "変更内容", "변경 내용"],
        IpAddress => ["IP address", "IP 地址", "IP 位址", "IP アドレス", "IP 주소"],
        DateFrom => ["From", "开始日期", "開始日期", "開始日", "시작일"],
        DateTo => ["To", "结束日期", "結束日期", "終了日", "종료일"],
        Agent => ["Agent", "客服", "客服", "オペレーター", "상담원"],
        NoEntries => ["Nothing here yet.", "暂无记录。", "暫無記錄。", "まだ何もありません。", "아직 항목이 없습니다."],
        ErrInUse => {
            ["It is still in use.", "仍在使用中。", "仍在使用中。", "まだ使われています。", "아직 사용 중입니다."]
        }
        ErrLimitReached => [
            "The company's limit is reached.",
            "已达到企业上限。",
            "已達到企業上限。",
            "企業の上限に達しています。",
            "기업 한도에 도달했습니다.",
        ],
        MyStatus => ["My status", "我的状态", "我的狀態", "自分の状態", "내 상태"],
        StatusOnline => ["Online", "在线", "上線", "オンライン", "온라인"],
        StatusBusy => ["Busy", "忙碌", "忙碌", "取り込み中", "바쁨"],
        StatusAway => ["Away", "离开", "離開", "離席中", "자리 비움"],
        StatusInvisible => ["Invisible", "隐身", "隱身", "非表示", "숨김"],
        StatusOffline => ["Offline", "离线", "離線", "オフライン", "오프라인"],
        MyChats => ["My chats", "我的对话", "我的對話", "自分のチャット", "내 채팅"],
        NoMyChats => [
            "No chats of yours right now.",
            "暂时没有分配给您的对话。",
            "暫時沒有分配給您的對話。",
            "担当中のチャットはありません。",
            "담당 중인 채팅이 없습니다.",
        ],
        Queue => ["Queue", "排队", "排隊", "待ち行列", "대기열"],
        QueueEmpty => [
            "Nobody is waiting.",
            "没有访客在排队。",
            "沒有訪客在排隊。",
            "待っている人はいません。",
            "기다리는 방문자가 없습니다.",
        ],
        ColleagueChats => ["Colleagues' chats", "同事的对话", "同事的對話", "同僚のチャット", "동료의 채팅"],
        TakeChat => ["Take", "接入", "接入", "受け付ける", "받기"],
        WaitingFor => ["waiting {n}", "已等待 {n}", "已等待 {n}", "待ち時間 {n}", "대기 {n}"],
        ServedBy => ["with {name}", "由 {name} 接待", "由 {name} 接待", "{name} が対応中", "{name} 응대 중"],
        ChatsOfMax => {
            ["{n} of {max} chats", "{n}/{max} 个对话", "{n}/{max} 個對話", "チャット {n}/{max}", "채팅 {n}/{max}"]
        }
        ErrChatTaken => [
            "A colleague has taken this chat.",
            "该对话已被同事接入。",
            "該對話已被同事接入。",
            "このチャットは同僚が受け付けました。",
            "동료가 이미 이 채팅을 받았습니다.",
        ],
        ErrQueueFull => [
            "Everyone is busy and the queue is full. Please try again later.",
            "客服全忙，排队人数已满，请稍后再试。",
            "客服全忙，排隊人數已滿，請稍後再試。",
            "全員対応中で、待ち行列がいっぱいです。しばらくしてからお試しください。",
            "모든 상담원이 바쁘고 대기열이 가득 찼습니다. 잠시 후 다시 시도해 주세요.",
        ],
        TransferAccepted => [
            "{name} accepted {visitor}.",
            "{name} 已接受 {visitor}。",
            "{name} 已接受 {visitor}。",
            "{name} さんが {visitor} を引き受けました。",
            "{name} 님이 {visitor} 채팅을 받았습니다.",
        ],
        TransferDeclined => [
            "{name} declined {visitor}; the chat is still yours.",
            "{name} 拒绝了 {visitor}，对话仍由您接待。",
            "{name} 拒絕了 {visitor}，對話仍由您接待。",
            "{name} さんが {visitor} を断りました。引き続き対応してください。",
            "{name} 님이 {visitor} 채팅을 거절했습니다. 계속 응대해 주세요.",
        ],
        RatedNotice => [
            "{visitor} rated the chat {score}/{max}",
            "{visitor} 评价了对话：{score}/{max}",
            "{visitor} 評價了對話：{score}/{max}",
            "{visitor} の評価：{score}/{max}",
            "{visitor} 님의 평가: {score}/{max}",
        ],
        Transfer => ["Transfer", "转接", "轉接", "転送", "전달"],
        TransferTo => ["Transfer to", "转接给", "轉接給", "転送先", "전달 대상"],
        TransferNote => ["Note for your colleague", "给同事的备注", "給同事的備註", "同僚へのメモ", "동료에게 메모"],
        SendTransfer => ["Send transfer", "发起转接", "發起轉接", "転送する", "전달하기"],
        TransferOffer => [
            "{name} offers you {visitor}",
            "{name} 请您接待 {visitor}",
            "{name} 請您接待 {visitor}",
            "{name} さんから {visitor} の転送",
            "{name} 님이 {visitor} 채팅을 전달했습니다",
        ],
        Accept => ["Accept", "接受", "接受", "受ける", "수락"],
        Decline => ["Decline", "拒绝", "拒絕", "断る", "거절"],
        Dismiss => ["Dismiss", "关闭", "關閉", "閉じる", "닫기"],
        News => ["Notifications", "通知", "通知", "通知", "알림"],
        ChatRequests => ["New chat requests", "新对话请求", "新對話請求", "新しいチャットの依頼", "새 채팅 요청"],
        ChatRequestFrom => {
            ["{visitor} asks:", "{visitor} 问：", "{visitor} 問：", "{visitor} さんの質問：", "{visitor} 님의 질문:"]
        }
        OfferOnPage => ["On: {page}", "所在页面：{page}", "所在頁面：{page}", "閲覧中：{page}", "보는 페이지: {page}"],
        OfferSecondsLeft => ["{n} s left to answer", "剩余 {n} 秒", "剩餘 {n} 秒", "残り {n} 秒", "{n}초 남음"],
        ErrOfferEnded => [
            "This chat request has ended: it went to someone else or the time ran out.",
            "该对话请求已结束：已转给他人或已超时。",
            "該對話請求已結束：已轉給他人或已逾時。",
            "このチャットの依頼は終了しました（他の担当者へ回ったか、時間切れです）。",
            "이 채팅 요청은 종료되었습니다. 다른 상담원에게 넘어갔거나 시간이 초과되었습니다.",
        ],
        Approval => [
            "Approval mode: the chosen agent accepts or declines each new chat",
            "审批模式：新对话需被选中的客服接受或拒绝",
            "審批模式：新對話需被選中的客服接受或拒絕",
            "承認モード：新しいチャットは選ばれた担当者が受けるか断る",
            "승인 모드: 선택된 상담원이 새 채팅을 수락하거나 거절",
        ],
        ApprovalSecs => [
            "Seconds to answer (then the next agent)",
            "接受时限（秒，超时转给下一位客服）",
            "接受時限（秒，逾時轉給下一位客服）",
            "応答までの秒数（過ぎると次の担当者へ）",
            "응답 제한 시간(초, 초과 시 다음 상담원)",
        ],
        SiteSwitchboard => [
            "Site switchboard agent (gets new chats first)",
            "网站总机客服（新对话优先分给他）",
            "網站總機客服（新對話優先分給他）",
            "サイトの取次ぎオペレーター（新しいチャットを最初に受ける）",
            "사이트 교환 상담원(새 채팅을 먼저 받음)",
        ],
        Region => ["Region", "地区", "地區", "地域", "지역"],
        RegionUnknown => ["unknown", "未知", "未知", "不明", "알 수 없음"],
        TransferRequests => {
            ["Transfers for you", "转接给您的对话", "轉接給您的對話", "あなたへの転送", "나에게 전달된 채팅"]
        }
        NoColleagueFree => [
            "No colleague is online to take it.",
            "没有在线的同事可以接待。",
            "沒有線上的同事可以接待。",
            "引き受けられる同僚がオンラインにいません。",
            "받을 수 있는 동료가 온라인에 없습니다.",
        ],
        TransferSent => [
            "Waiting for your colleague to accept…",
            "等待同事接受…",
            "等待同事接受…",
            "同僚の承諾を待っています…",
            "동료의 수락을 기다리는 중…",
        ],
        ErrNobodyFree => [
            "Nobody in that category can take it now.",
            "该分类暂时没有可接待的客服。",
            "該分類暫時沒有可接待的客服。",
            "そのカテゴリには今対応できる人がいません。",
            "해당 분류에 지금 받을 수 있는 상담원이 없습니다.",
        ],
        NavRatings => ["Ratings", "评价管理", "評價管理", "評価", "평가"],
        Colleagues => ["Colleagues", "同事", "同事", "同僚", "동료"],
        NavRouting => ["Routing", "分配规则", "分配規則", "振り分け", "배정 규칙"],
        DistributionMode => ["Distribution", "分配方式", "分配方式", "振り分け方法", "배정 방식"],
        ModeLeastBusy => ["Least busy", "最空闲优先", "最空閒優先", "空いている順", "한가한 순"],
        ModeRoundRobin => ["Round robin", "轮流分配", "輪流分配", "順番に", "순서대로"],
        ModeRandom => ["Random", "随机", "隨機", "ランダム", "무작위"],
        QueueLimit => ["Queue limit", "排队上限", "排隊上限", "待ち行列の上限", "대기열 한도"],
        NavRegistration => ["Visitor registration", "访客注册设置", "訪客註冊設定", "訪問者登録", "방문자 등록"],
        AskDetails => ["Ask visitors for their details", "请访客填写资料", "請訪客填寫資料", "訪問者に情報の入力を求める", "방문자에게 정보 입력 요청"],
        AskWhen => ["When", "填写时机", "填寫時機", "タイミング", "시점"],
        AskBefore => ["Before their first message", "发送第一条消息前", "傳送第一則訊息前", "最初のメッセージの前", "첫 메시지 전"],
        AskAnyTime => ["Any time, from the chat window", "对话中随时（对话窗口内）", "對話中隨時（對話視窗內）", "いつでも（チャット画面から）", "언제든지 (채팅 창에서)"],
        DetailFields => ["Fields", "字段", "欄位", "項目", "항목"],
        DetailField => ["Field", "字段", "欄位", "項目", "항목"],
        Asked => ["Ask", "询问", "詢問", "尋ねる", "요청"],
        RequiredField => ["Required", "必填", "必填", "必須", "필수"],
        OwnFieldLabel => ["Own field", "自定义字段", "自訂欄位", "独自項目", "사용자 항목"],
        RemoveField => ["Remove field", "删除字段", "刪除欄位", "項目を削除", "항목 삭제"],
        AddOwnField => ["Add a field", "添加字段", "新增欄位", "項目を追加", "항목 추가"],
        RegisteredAt => ["Registered", "注册时间", "註冊時間", "登録日時", "등록 시각"],
        VisitorGave => ["Details the visitor gave", "访客填写的资料", "訪客填寫的資料", "訪問者が入力した情報", "방문자가 입력한 정보"],
        PushSameTab => [
            "Links agents send to this site's own pages open in the visitor's tab",
            "客服推送本站网页链接时在访客当前窗口打开",
            "客服推送本站網頁連結時在訪客目前視窗開啟",
            "オペレーターが送った自サイトのリンクは訪問者の同じタブで開く",
            "상담원이 보낸 이 사이트의 링크는 방문자의 현재 탭에서 열기",
        ],
        NavCanned => ["Canned replies", "常用语", "常用語", "定型文", "상용구"],
        CannedLibraries => ["Libraries", "常用语库", "常用語庫", "定型文の種類", "상용구 목록"],
        CannedMine => ["Mine", "个人", "個人", "個人", "개인"],
        CannedDepartment => ["Department", "部门", "部門", "部署", "부서"],
        CannedCompany => ["Company", "公司", "公司", "会社", "회사"],
        NoDepartment => ["You are not in a department.", "您不属于任何部门。", "您不屬於任何部門。", "部署に所属していません。", "소속된 부서가 없습니다."],
        SearchCanned => ["Search canned replies", "搜索常用语", "搜尋常用語", "定型文を検索", "상용구 검색"],
        NewCanned => ["New canned reply", "新建常用语", "新增常用語", "定型文を追加", "상용구 추가"],
        EditCanned => ["Edit canned reply", "编辑常用语", "編輯常用語", "定型文を編集", "상용구 편집"],
        CannedFolders => ["Folders", "目录", "目錄", "フォルダ", "폴더"],
        AllFolders => ["All", "全部", "全部", "すべて", "전체"],
        Rename => ["Rename", "重命名", "重新命名", "名前を変更", "이름 변경"],
        FolderName => ["Folder name", "目录名称", "目錄名稱", "フォルダ名", "폴더 이름"],
        AddFolder => ["Add folder", "新建目录", "新增目錄", "フォルダを追加", "폴더 추가"],
        CannedTitle => ["Title", "标题", "標題", "タイトル", "제목"],
        CannedText => ["Text", "内容", "內容", "本文", "내용"],
        CannedFolder => ["Folder", "目录", "目錄", "フォルダ", "폴더"],
        CannedUses => ["Used", "使用次数", "使用次數", "使用回数", "사용 횟수"],
        NoFolder => ["No folder", "无目录", "無目錄", "フォルダなし", "폴더 없음"],
        CannedVariables => ["{visitor_name}, {agent_name} and {site_name} are filled in when inserted.", "插入时会填入 {visitor_name}、{agent_name} 和 {site_name}。", "插入時會填入 {visitor_name}、{agent_name} 和 {site_name}。", "挿入時に {visitor_name}・{agent_name}・{site_name} が置き換わります。", "삽입할 때 {visitor_name}, {agent_name}, {site_name}이(가) 채워집니다."],
        ImportCsv => ["Import from CSV", "从 CSV 导入", "從 CSV 匯入", "CSV から取り込む", "CSV에서 가져오기"],
        ImportCsvHint => ["Columns: title, text, folder (a first row naming them may be in any order). UTF-8 or GBK.", "列：标题、内容、目录（首行可为列名，顺序不限）。支持 UTF-8 或 GBK 编码。", "欄：標題、內容、目錄（首列可為欄名，順序不限）。支援 UTF-8 或 GBK 編碼。", "列：タイトル、本文、フォルダ（1 行目に列名があれば順不同）。UTF-8 または GBK。", "열: 제목, 내용, 폴더 (첫 행에 열 이름이 있으면 순서 무관). UTF-8 또는 GBK."],
        CsvFile => ["CSV file", "CSV 文件", "CSV 檔案", "CSV ファイル", "CSV 파일"],
        ImportPreview => ["Rows in the file", "文件中的行", "檔案中的列", "ファイルの行", "파일의 행"],
        Line => ["Line", "行", "列", "行", "행"],
        Problem => ["Problem", "问题", "問題", "問題", "문제"],
        ImportRows => ["Import {n} replies", "导入 {n} 条常用语", "匯入 {n} 則常用語", "{n} 件を取り込む", "{n}개 가져오기"],
        Imported => ["{n} replies imported.", "已导入 {n} 条常用语。", "已匯入 {n} 則常用語。", "{n} 件を取り込みました。", "{n}개를 가져왔습니다."],
        NoCannedMatch => ["No canned reply matches.", "没有匹配的常用语。", "沒有符合的常用語。", "一致する定型文はありません。", "일치하는 상용구가 없습니다."],
        NotifyTurnOn => ["Turn on desktop notifications", "开启桌面通知", "開啟桌面通知", "デスクトップ通知をオンにする", "데스크톱 알림 켜기"],
        NotifyWhy => ["So you see new chats and messages while this tab is in the background.", "这样在此标签页处于后台时，您也能看到新对话和新消息。", "這樣在此分頁位於背景時，您也能看到新對話和新訊息。", "このタブが裏にあるときも新しいチャットやメッセージに気づけます。", "이 탭이 백그라운드에 있어도 새 채팅과 메시지를 볼 수 있습니다."],
        AlertNewChat => ["A visitor is waiting", "有访客在等待", "有訪客在等待", "訪問者が待っています", "방문자가 기다리고 있습니다"],
        AlertNewChatBody => ["A new chat needs an agent.", "有新对话需要客服接待。", "有新對話需要客服接待。", "新しいチャットに対応が必要です。", "새 채팅에 상담원이 필요합니다."],
        AlertNewMessage => ["New message", "新消息", "新訊息", "新しいメッセージ", "새 메시지"],
        BackToChats => ["Back to the chat list", "返回对话列表", "返回對話列表", "チャット一覧に戻る", "채팅 목록으로 돌아가기"],
        ShortcutEnd => ["End the open chat", "结束当前对话", "結束目前對話", "開いているチャットを終了", "열린 채팅 종료"],
        ShortcutCanned => ["In the reply box: canned replies", "在回复框中：常用语", "在回覆框中：常用語", "返信欄で：定型文", "답장 입력란에서: 상용구"],
        RegionRouting => ["Route by region", "区域分流", "區域分流", "地域別に振り分け", "지역별 배정"],
        RegionRoutingHint => [
            "A visitor goes first to the agents who serve their region (set on each agent), when one has room.",
            "访客优先分配给负责其所在区域的客服（在客服设置中指定），该客服有空位时。",
            "訪客優先分配給負責其所在區域的客服（在客服設定中指定），該客服有空位時。",
            "訪問者は、その地域を担当するオペレーター（オペレーターごとに設定）に空きがあれば優先して割り当てられます。",
            "방문자는 해당 지역 담당 상담원(상담원별 설정)에게 여유가 있으면 우선 배정됩니다.",
        ],
        RegionsServed => ["Regions served first", "分流区域", "分流區域", "優先担当地域", "우선 담당 지역"],
        RegionsServedHint => [
            "On sites that route by region, visitors from these regions come to this agent first.",
            "在启用区域分流的网站上，来自这些区域的访客优先由该客服接待。",
            "在啟用區域分流的網站上，來自這些區域的訪客優先由該客服接待。",
            "地域別振り分けを使うサイトでは、これらの地域の訪問者が優先してこのオペレーターに割り当てられます。",
            "지역별 배정을 사용하는 사이트에서는 이 지역의 방문자가 이 상담원에게 우선 배정됩니다.",
        ],
        WholeCountries => ["Whole countries", "整个国家或地区", "整個國家或地區", "国・地域全体", "국가·지역 전체"],
        OtherCountries => ["Other countries", "其他国家或地区", "其他國家或地區", "その他の国・地域", "기타 국가·지역"],
        OtherCountriesHint => [
            "Two-letter codes separated by commas, e.g. US, SG.",
            "两位字母代码，用逗号分隔，例如 US, SG。",
            "兩位字母代碼，以逗號分隔，例如 US, SG。",
            "2文字のコードをカンマ区切りで（例：US, SG）。",
            "두 글자 코드를 쉼표로 구분 (예: US, SG).",
        ],
        PreferPrevious => [
            "Send returning visitors to the agent who served them last",
            "回访访客优先分配给上次接待的客服",
            "回訪訪客優先分配給上次接待的客服",
            "再訪問者は前回の担当者へ",
            "재방문자는 지난번 상담원에게",
        ],
        SameAsSite => ["Same as the site", "与站点相同", "與網站相同", "サイトと同じ", "사이트와 동일"],
        Ratings => ["Ratings", "评价", "評價", "評価", "평가"],
        AskRating => {
            ["Ask visitors to rate chats", "邀请访客评价", "邀請訪客評價", "訪問者に評価を依頼", "방문자에게 평가 요청"]
        }
        Score => ["Score", "分值", "分值", "点数", "점수"],
        CommentRequired => ["Comment required", "必须填写评语", "必須填寫評語", "コメント必須", "의견 필수"],
        LevelLabel => ["Label", "名称", "名稱", "表示名", "표시 이름"],
        DefaultLabel => ["(default)", "（默认）", "（預設）", "（既定）", "(기본값)"],
        RatingsClearedN => [
            "{n} ratings cleared.",
            "已清除 {n} 条评价。",
            "已清除 {n} 則評價。",
            "{n} 件の評価を消去しました。",
            "평가 {n}건을 삭제했습니다.",
        ],
        AverageScore => [
            "Average of the valid ratings: {n}",
            "有效评价平均分：{n}",
            "有效評價平均分：{n}",
            "有効な評価の平均：{n}",
            "유효 평가 평균: {n}",
        ],
        FromDay => ["From", "开始日期", "開始日期", "開始日", "시작일"],
        ToDay => ["To", "结束日期", "結束日期", "終了日", "종료일"],
        ClearRatings => [
            "Clear the ratings of this period",
            "清除该时间段的评价",
            "清除該時間段的評價",
            "この期間の評価を消去",
            "이 기간의 평가 삭제",
        ],
        ClearRatingsConfirm => [
            "Delete these {n} ratings? This cannot be undone.",
            "确定删除这 {n} 条评价吗？删除后无法恢复。",
            "確定刪除這 {n} 則評價嗎？刪除後無法復原。",
            "この {n} 件の評価を削除しますか？元に戻せません。",
            "이 평가 {n}건을 삭제할까요? 되돌릴 수 없습니다.",
        ],
        NoRatings => [
            "No ratings in this period.",
            "该时间段没有评价。",
            "該時間段沒有評價。",
            "この期間の評価はありません。",
            "이 기간에 평가가 없습니다.",
        ],
        Comment => ["Comment", "评语", "評語", "コメント", "의견"],
        Invalid => ["Invalid", "无效", "無效", "無効", "무효"],
        MarkInvalid => ["Mark invalid", "标记无效", "標記無效", "無効にする", "무효로 표시"],
        MarkValid => ["Mark valid", "恢复有效", "恢復有效", "有効に戻す", "유효로 되돌리기"],
        InvalidReason => ["Reason", "原因", "原因", "理由", "사유"],
        SiteWelcome => [
            "Welcome message (shown when an agent takes the chat, unless the agent has their own)",
            "欢迎语（客服接入时显示，客服设置了个人欢迎语时以个人的为准）",
            "歡迎語（客服接入時顯示，客服設定了個人歡迎語時以個人的為準）",
            "ようこそメッセージ（担当者が受け付けたときに表示。担当者個人の設定が優先）",
            "환영 메시지 (상담원이 받을 때 표시, 상담원 개인 메시지가 우선)",
        ],
        ReadByVisitor => ["Read", "已读", "已讀", "既読", "읽음"],
        IdleClose => {
            ["Closing quiet chats", "自动结束对话", "自動結束對話", "無応答のチャットを閉じる", "응답 없는 채팅 종료"]
        }
        VisitorIdle => [
            "Close when the visitor has been silent for (minutes, 0: never)",
            "访客多久未回复后结束（分钟，0 为不结束）",
            "訪客多久未回覆後結束（分鐘，0 為不結束）",
            "訪問者の無応答で閉じるまで（分、0 は閉じない）",
            "방문자 무응답 시 종료까지 (분, 0: 종료 안 함)",
        ],
        IdleWarning => [
            "Warn the visitor this many minutes before",
            "提前几分钟提醒访客",
            "提前幾分鐘提醒訪客",
            "何分前に訪問者へ知らせるか",
            "몇 분 전에 방문자에게 알릴지",
        ],
        AgentIdle => [
            "Close when the agent has been silent for (minutes, 0: never)",
            "客服多久未回复后结束（分钟，0 为不结束）",
            "客服多久未回覆後結束（分鐘，0 為不結束）",
            "担当者の無応答で閉じるまで（分、0 は閉じない）",
            "상담원 무응답 시 종료까지 (분, 0: 종료 안 함)",
        ],
        Shortcuts => ["Keyboard shortcuts", "快捷键", "快捷鍵", "キーボードショートカット", "단축키"],
        ShortcutNext => ["Next of my chats", "下一个我的对话", "下一個我的對話", "次の担当チャット", "다음 내 채팅"],
        ShortcutPrevious => {
            ["Previous of my chats", "上一个我的对话", "上一個我的對話", "前の担当チャット", "이전 내 채팅"]
        }
        ShortcutReply => {
            ["Go to the reply box", "定位到回复框", "定位到回覆框", "返信欄へ移動", "답장 입력란으로 이동"]
        }
        ShortcutAccept => [
            "Accept the oldest transfer, or take the longest-waiting visitor",
            "接受最早的转接，或接入等待最久的访客",
            "接受最早的轉接，或接入等待最久的訪客",
            "最も古い転送を受ける、または最も長く待つ訪問者を受け付ける",
            "가장 오래된 전달을 수락하거나 가장 오래 기다린 방문자 받기",
        ],
        ShortcutHelp => ["Show this list", "显示本列表", "顯示本列表", "この一覧を表示", "이 목록 보기"],
        Close => ["Close", "关闭", "關閉", "閉じる", "닫기"],
        Invitations => ["Invitations", "邀请您加入的对话", "邀請您加入的對話", "招待", "초대"],
        InvitationText => [
            "{name} invites you into the chat with {visitor}",
            "{name} 邀请您加入与 {visitor} 的对话",
            "{name} 邀請您加入與 {visitor} 的對話",
            "{name} さんが {visitor} とのチャットに招待しています",
            "{name} 님이 {visitor} 채팅에 초대했습니다",
        ],
        Join => ["Join", "加入", "加入", "参加", "참여"],
        InviteColleague => ["Invite a colleague", "邀请同事", "邀請同事", "同僚を招待", "동료 초대"],
        SendInvite => ["Send invitation", "发送邀请", "發送邀請", "招待する", "초대하기"],
        LeaveChat => ["Leave chat", "退出对话", "退出對話", "チャットから退出", "채팅 나가기"],
        WithGuests => ["with {names}", "同事：{names}", "同事：{names}", "参加中：{names}", "참여: {names}"],
        Name => ["Name", "名称", "名稱", "名前", "이름"],
        NicknameShort => ["Nickname", "昵称", "暱稱", "ニックネーム", "닉네임"],
        ErrNoSuch => ["does not exist.", "不存在。", "不存在。", "が存在しません。", "이(가) 존재하지 않습니다."],
        Presence => ["Online status", "在线状态", "線上狀態", "オンライン状態", "접속 상태"],
        Online => ["Online", "在线", "線上", "オンライン", "온라인"],
        Offline => ["Offline", "离线", "離線", "オフライン", "오프라인"],
        ScopeOf => [
            "Sites for {module}",
            "{module}的站点范围",
            "{module}的網站範圍",
            "{module}の対象サイト",
            "{module} 사이트 범위",
        ],
        Avatar => ["Avatar", "头像", "頭像", "アイコン画像", "프로필 사진"],
        SiteFilter => ["Site", "站点", "網站", "サイト", "사이트"],
        VisitorMember => ["Member", "会员", "會員", "会員", "회원"],
        MemberId => [
            "Member ID (signed by the site)",
            "会员 ID（网站已签名）",
            "會員 ID（網站已簽章）",
            "会員 ID（サイト署名済み）",
            "회원 ID(사이트 서명)",
        ],
        ClaimedId => ["User ID (unsigned)", "用户 ID（未签名）", "使用者 ID（未簽章）", "ユーザー ID（署名なし）", "사용자 ID(서명 없음)"],
        IdentitySecret => ["Identity secret", "身份签名密钥", "身分簽章金鑰", "本人確認シークレット", "신원 서명 키"],
        IdentitySecretHint => [
            "Put your user's id in data-user-id and its HMAC-SHA256 with this secret (hex) in data-user-hash: the visitor is then a verified member, one visitor on every device. Keep it on your server.",
            "将用户 ID 放入 data-user-id，并将其用此密钥计算的 HMAC-SHA256（十六进制）放入 data-user-hash：访客即为已验证会员，在所有设备上是同一访客。请只在服务器端保存此密钥。",
            "將使用者 ID 放入 data-user-id，並將其以此金鑰計算的 HMAC-SHA256（十六進位）放入 data-user-hash：訪客即為已驗證會員，在所有裝置上是同一訪客。請只在伺服器端保存此金鑰。",
            "data-user-id にユーザー ID を、data-user-hash にこのシークレットによる HMAC-SHA256（16 進数）を入れると、訪問者は確認済み会員となり、どの端末でも同じ訪問者になります。シークレットはサーバー側だけに保管してください。",
            "data-user-id에 사용자 ID를, data-user-hash에 이 키로 계산한 HMAC-SHA256(16진수)을 넣으면 방문자는 확인된 회원이 되어 모든 기기에서 같은 방문자가 됩니다. 키는 서버에만 보관하세요.",
        ],
        VisitorDetails => ["Visitor details", "访客详情", "訪客詳情", "訪問者の詳細", "방문자 상세"],
        ShowDetails => ["Details", "详情", "詳情", "詳細", "상세"],
        VisitorCardTitle => ["Card", "访客名片", "訪客名片", "名刺", "명함"],
        CardName => ["Name", "姓名", "姓名", "氏名", "이름"],
        CardPhone => ["Phone", "电话", "電話", "電話", "전화"],
        CardCompany => ["Company", "公司", "公司", "会社", "회사"],
        CardTags => {
            ["Tags (one per line)", "标签（每行一个）", "標籤（每行一個）", "タグ（1行に1つ）", "태그(한 줄에 하나)"]
        }
        CardNotes => ["Notes", "备注", "備註", "メモ", "메모"],
        ThisVisit => ["This visit", "本次访问", "本次造訪", "今回の訪問", "이번 방문"],
        EarlierVisits => ["Earlier visits", "以往访问", "以往造訪", "過去の訪問", "이전 방문"],
        NoEarlierVisits => [
            "No earlier visits.",
            "没有以往访问。",
            "沒有以往造訪。",
            "過去の訪問はありません。",
            "이전 방문이 없습니다.",
        ],
        StillHere => ["still here", "仍在浏览", "仍在瀏覽", "閲覧中", "보는 중"],
        PagesCount => ["{n} pages", "{n} 个页面", "{n} 個頁面", "{n} ページ", "{n}페이지"],
        PastChats => ["Past conversations", "以往对话", "以往對話", "過去の会話", "이전 대화"],
        NoPastChats => {
            ["No conversations yet.", "还没有对话。", "還沒有對話。", "会話はまだありません。", "아직 대화가 없습니다."]
        }
        MessagesCount => ["{n} messages", "{n} 条消息", "{n} 則訊息", "{n} 件のメッセージ", "메시지 {n}개"],
        OpenChat => ["open", "进行中", "進行中", "対応中", "진행 중"],
        VisitorChatting => ["In chat", "对话中", "對話中", "チャット中", "채팅 중"],
        VisitorWaiting => ["Waiting", "等待中", "等待中", "待機中", "대기 중"],
        VisitorChatted => ["Chatted before", "曾对话", "曾對話", "過去にチャット", "이전 채팅"],
        ColAgent => ["Agent", "接待客服", "接待客服", "担当者", "담당 상담원"],
        FullIps => [
            "Store visitors' full IP addresses (otherwise only their network: IPv4 /24, IPv6 /48)",
            "保存访客完整 IP 地址（否则只保存网段：IPv4 /24，IPv6 /48）",
            "保存訪客完整 IP 位址（否則只保存網段：IPv4 /24，IPv6 /48）",
            "訪問者の IP アドレスを完全に保存する（しない場合はネットワーク部のみ：IPv4 /24、IPv6 /48）",
            "방문자 IP 주소 전체 저장(아니면 네트워크만: IPv4 /24, IPv6 /48)",
        ],
        VisitorDraft => ["Typing now", "访客正在输入", "訪客正在輸入", "入力中の内容", "입력 중인 내용"],
        SneakPeek => ["Sneak peek", "访客输入预知", "訪客輸入預知", "入力プレビュー", "입력 미리보기"],
        SneakPeekOn => [
            "Show agents what visitors type before they send it (visitors are told)",
            "客服可在访客发送前看到其输入内容（会告知访客）",
            "客服可在訪客送出前看到其輸入內容（會告知訪客）",
            "送信前の入力内容を担当者に表示する（訪問者に表示されます）",
            "보내기 전 입력 내용을 상담원에게 표시(방문자에게 안내됨)",
        ],
        SiteInvitations => ["Invitations", "主动邀请", "主動邀請", "チャットへの招待", "채팅 초대"],
        InviteAuto => {
            ["Invite visitors automatically", "自动邀请访客", "自動邀請訪客", "訪問者を自動で招待", "방문자 자동 초대"]
        }
        InviteAfter => [
            "After (seconds on the site)",
            "访客停留多少秒后邀请",
            "訪客停留多少秒後邀請",
            "サイト滞在後（秒）",
            "사이트 체류 후(초)",
        ],
        InvitePages => ["Only on these pages", "仅在这些页面", "僅在這些頁面", "対象ページ", "대상 페이지"],
        InvitePagesHint => [
            "One address per line; * matches anything (*/pricing*). Empty: every page.",
            "每行一个网址，* 匹配任意字符（*/pricing*）。留空：所有页面。",
            "每行一個網址，* 比對任意字元（*/pricing*）。留空：所有頁面。",
            "1行に1つのアドレス。* は任意の文字列（*/pricing*）。空欄ですべてのページ。",
            "한 줄에 주소 하나, *는 모든 문자(*/pricing*). 비우면 모든 페이지.",
        ],
        InviteText => ["Invitation text", "邀请语", "邀請語", "招待メッセージ", "초대 문구"],
        InviteToChat => ["Invite", "邀请", "邀請", "招待", "초대"],
        InviteSent => [
            "Invitation sent to {visitor}.",
            "已邀请 {visitor}。",
            "已邀請 {visitor}。",
            "{visitor} を招待しました。",
            "{visitor} 님을 초대했습니다.",
        ],
        InviteAccepted => [
            "{visitor} accepted your invitation.",
            "{visitor} 接受了邀请。",
            "{visitor} 接受了邀請。",
            "{visitor} が招待を受けました。",
            "{visitor} 님이 초대를 수락했습니다.",
        ],
        InviteDeclined => [
            "{visitor} declined your invitation.",
            "{visitor} 拒绝了邀请。",
            "{visitor} 拒絕了邀請。",
            "{visitor} が招待を断りました。",
            "{visitor} 님이 초대를 거절했습니다.",
        ],
        ErrAlreadyChatting => [
            "The visitor is already chatting.",
            "该访客正在对话中。",
            "該訪客正在對話中。",
            "この訪問者はすでにチャット中です。",
            "이 방문자는 이미 채팅 중입니다.",
        ],
        ErrInvitePending => [
            "The visitor has not answered the last invitation yet.",
            "访客尚未回应上一次邀请。",
            "訪客尚未回應上一次邀請。",
            "訪問者は前回の招待にまだ答えていません。",
            "방문자가 이전 초대에 아직 답하지 않았습니다.",
        ],
        NavBlocks => ["Blocks", "封锁管理", "封鎖管理", "ブロック管理", "차단 관리"],
        BlockVisitor => ["Block visitor", "封锁访客", "封鎖訪客", "訪問者をブロック", "방문자 차단"],
        BlockReason => ["Reason", "封锁理由", "封鎖理由", "理由", "사유"],
        BlockDuration => ["Block for", "封锁时长", "封鎖時長", "ブロック期間", "차단 기간"],
        ForHour => ["1 hour", "1 小时", "1 小時", "1 時間", "1시간"],
        ForDay => ["1 day", "1 天", "1 天", "1 日", "1일"],
        ForWeek => ["7 days", "7 天", "7 天", "7 日", "7일"],
        ForGood => ["For good", "永久", "永久", "無期限", "영구"],
        BanAddress => ["Ban an address", "封锁 IP", "封鎖 IP", "IP アドレスをブロック", "IP 차단"],
        Address => {
            ["IP address or range", "IP 地址或网段", "IP 位址或網段", "IP アドレスまたは範囲", "IP 주소 또는 대역"]
        }
        AddressHint => [
            "One address (203.0.113.7) or a range (203.0.113.0/24), at most a /16.",
            "单个地址（203.0.113.7）或网段（203.0.113.0/24），最大 /16。",
            "單一位址（203.0.113.7）或網段（203.0.113.0/24），最大 /16。",
            "単一のアドレス（203.0.113.7）または範囲（203.0.113.0/24）。最大 /16。",
            "단일 주소(203.0.113.7) 또는 대역(203.0.113.0/24), 최대 /16.",
        ],
        BlockedWho => ["Blocked", "封锁对象", "封鎖對象", "対象", "대상"],
        BlockedBy => ["Blocked by", "操作人", "操作人", "ブロックした人", "차단한 사람"],
        BlockedAt => ["Since", "封锁时间", "封鎖時間", "開始", "차단 시각"],
        BlockedUntil => ["Until", "截止时间", "截止時間", "終了", "종료 시각"],
        Unblock => ["Unblock", "解除封锁", "解除封鎖", "ブロック解除", "차단 해제"],
        NoBlocks => [
            "Nobody is blocked.",
            "没有被封锁的访客。",
            "沒有被封鎖的訪客。",
            "ブロック中の訪問者はいません。",
            "차단된 방문자가 없습니다.",
        ],
        BlockDone => ["Blocked.", "已封锁。", "已封鎖。", "ブロックしました。", "차단했습니다."],
        UnblockDone => {
            ["Block lifted.", "已解除封锁。", "已解除封鎖。", "ブロックを解除しました。", "차단을 해제했습니다."]
        }
        BlockConfirm => ["Block", "确定封锁", "確定封鎖", "ブロックする", "차단"],
        ErrRangeTooWide => [
            "The range is too wide: at most a /16 (IPv4) or /32 (IPv6).",
            "网段过大：IPv4 最大 /16，IPv6 最大 /32。",
            "網段過大：IPv4 最大 /16，IPv6 最大 /32。",
            "範囲が広すぎます。IPv4 は /16、IPv6 は /32 まで。",
            "대역이 너무 넓습니다: IPv4는 /16, IPv6는 /32까지.",
        ],
        ErrUnavailable => [
            "Chat is not available right now.",
            "暂时无法发起对话。",
            "暫時無法發起對話。",
            "現在チャットはご利用いただけません。",
            "지금은 채팅을 이용할 수 없습니다.",
        ],
        VisitorBlocked => ["Blocked", "已封锁", "已封鎖", "ブロック中", "차단됨"],
        PushUrl => ["Send a link", "推送网址", "推送網址", "リンクを送る", "링크 보내기"],
        PushUrlField => [
            "Link (http or https)",
            "网址（http 或 https）",
            "網址（http 或 https）",
            "リンク（http または https）",
            "링크(http 또는 https)",
        ],
        UrlPushed => [
            "Link sent: {url}",
            "已推送网址：{url}",
            "已推送網址：{url}",
            "リンクを送りました：{url}",
            "링크를 보냈습니다: {url}",
        ],
        NavCategories => ["Categories", "分类", "分類", "カテゴリ", "분류"],
        CategoriesHint => [
            "What visitors choose from before they chat (“Sales”, “Support”), in this order.",
            "访客咨询前可选择的分类（如“售前”“售后”），按此顺序显示。",
            "訪客諮詢前可選擇的分類（如「售前」「售後」），依此順序顯示。",
            "訪問者がチャット前に選ぶカテゴリ（「営業」「サポート」など）。この順に表示されます。",
            "방문자가 채팅 전에 고르는 분류(예: “영업”, “지원”)이며 이 순서로 표시됩니다.",
        ],
        NewCategory => ["New category", "新建分类", "新增分類", "カテゴリを追加", "분류 추가"],
        Switchboard => ["Switchboard agent", "总机客服", "總機客服", "取次ぎオペレーター", "교환 상담원"],
        ShownOnSites => ["Shown on sites", "显示的站点", "顯示的網站", "表示するサイト", "표시할 사이트"],
        MoveUp => ["Move up", "上移", "上移", "上へ移動", "위로 이동"],
        MoveDown => ["Move down", "下移", "下移", "下へ移動", "아래로 이동"],
        MySettings => ["My settings", "个人设置", "個人設定", "個人設定", "개인 설정"],
        Language => ["Language", "语言", "語言", "言語", "언어"],
        FollowBrowser => {
            ["Follow the browser", "跟随浏览器", "跟隨瀏覽器", "ブラウザーに合わせる", "브라우저 설정 따르기"]
        }
        SendWith => ["Send with", "发送方式", "傳送方式", "送信キー", "보내기 키"],
        SendEnter => [
            "Enter (Ctrl+Enter or Shift+Enter for a new line)",
            "Enter 发送（Ctrl+Enter 或 Shift+Enter 换行）",
            "Enter 傳送（Ctrl+Enter 或 Shift+Enter 換行）",
            "Enter で送信（Ctrl+Enter か Shift+Enter で改行）",
            "Enter로 보내기 (Ctrl+Enter 또는 Shift+Enter로 줄 바꿈)",
        ],
        SendCtrlEnter => [
            "Ctrl+Enter (Enter for a new line)",
            "Ctrl+Enter 发送（Enter 换行）",
            "Ctrl+Enter 傳送（Enter 換行）",
            "Ctrl+Enter で送信（Enter で改行）",
            "Ctrl+Enter로 보내기 (Enter로 줄 바꿈)",
        ],
        Welcome => ["Personal welcome message", "个人欢迎语", "個人歡迎詞", "個人のあいさつ文", "개인 환영 메시지"],
        MyMaxChats => [
            "My max concurrent chats (at most {n}; empty: {n})",
            "我的最大同时对话数（最多 {n}；留空为 {n}）",
            "我的最大同時對話數（最多 {n}；留空為 {n}）",
            "自分の最大同時チャット数（最大 {n}、空欄で {n}）",
            "내 최대 동시 채팅 수(최대 {n}, 비우면 {n})",
        ],
        Notifications => ["Notify me when", "提醒我", "提醒我", "通知するタイミング", "알림 받기"],
        NotifyNewVisitor => [
            "A new visitor arrives on the site",
            "有新访客进入网站",
            "有新訪客進入網站",
            "新しい訪問者がサイトに来たとき",
            "새 방문자가 사이트에 왔을 때",
        ],
        NotifyNewChat => [
            "A visitor asks to chat",
            "访客请求对话",
            "訪客請求對話",
            "訪問者がチャットを求めたとき",
            "방문자가 채팅을 요청했을 때",
        ],
        NotifyNewMessage => {
            ["A new message arrives", "收到新消息", "收到新訊息", "新しいメッセージが届いたとき", "새 메시지가 왔을 때"]
        }
        NotifyTransfer => [
            "A chat is transferred to me or I am invited",
            "有对话转给我或邀请我",
            "有對話轉給我或邀請我",
            "チャットが転送・招待されたとき",
            "채팅이 나에게 전환되거나 초대될 때",
        ],
        NotifyColleague => [
            "A colleague writes to me",
            "同事给我发消息",
            "同事傳訊息給我",
            "同僚からメッセージが来たとき",
            "동료가 메시지를 보냈을 때",
        ],
        Card => [
            "Card shown to visitors",
            "访客可见的名片",
            "訪客可見的名片",
            "訪問者に見せる名刺",
            "방문자에게 보이는 명함",
        ],
        CardLabel => ["Label", "名称", "名稱", "項目名", "항목"],
        CardValue => ["Value", "内容", "內容", "内容", "내용"],
        AddLine => ["Add a line", "添加一行", "新增一行", "行を追加", "줄 추가"],
        RemoveLine => ["Remove line", "删除此行", "刪除此行", "行を削除", "줄 삭제"],
        ChangePassword => ["Change password", "修改密码", "修改密碼", "パスワードを変更", "비밀번호 변경"],
        CurrentPassword => ["Current password", "当前密码", "目前密碼", "現在のパスワード", "현재 비밀번호"],
        PasswordChanged => [
            "Password changed. Your other sessions were signed out.",
            "密码已修改，其他登录已退出。",
            "密碼已修改，其他登入已登出。",
            "パスワードを変更しました。ほかのセッションはログアウトしました。",
            "비밀번호를 변경했습니다. 다른 세션은 로그아웃되었습니다.",
        ],
        Password => ["Password", "密码", "密碼", "パスワード", "비밀번호"],
        SignIn => ["Sign in", "登录", "登入", "ログイン", "로그인"],
        SignOut => ["Sign out", "退出登录", "登出", "ログアウト", "로그아웃"],
        VisitorsOnline => ["Visitors online", "在线访客", "線上訪客", "オンラインの訪問者", "접속 중인 방문자"],
        SearchVisitors => ["Search visitors", "搜索访客", "搜尋訪客", "訪問者を検索", "방문자 검색"],
        SearchConversations => ["Search conversations", "搜索会话", "搜尋對話", "会話を検索", "대화 검색"],
        ShowMore => ["Show more", "显示更多", "顯示更多", "さらに表示", "더 보기"],
        ShownOfTotal => [
            "{shown} of {total}",
            "{shown} / {total}",
            "{shown} / {total}",
            "{total} 件中 {shown} 件",
            "{total}개 중 {shown}개",
        ],
        NoVisitors => [
            "Nobody is on your site right now.",
            "当前没有访客在网站上。",
            "目前沒有訪客在網站上。",
            "現在サイトに訪問者はいません。",
            "현재 사이트에 방문자가 없습니다.",
        ],
        Conversations => ["Conversations", "会话", "對話", "会話", "대화"],
        NoConversations => [
            "No open conversations.",
            "没有进行中的会话。",
            "沒有進行中的對話。",
            "進行中の会話はありません。",
            "진행 중인 대화가 없습니다.",
        ],
        PickConversation => [
            "Pick a conversation on the left.",
            "请在左侧选择一个会话。",
            "請在左側選擇一個對話。",
            "左の一覧から会話を選んでください。",
            "왼쪽에서 대화를 선택하세요.",
        ],
        Message => ["Message", "消息", "訊息", "メッセージ", "메시지"],
        Send => ["Send", "发送", "傳送", "送信", "보내기"],
        Sending => ["Sending…", "发送中…", "傳送中…", "送信中…", "보내는 중…"],
        NotSent => ["Not sent", "未发送", "未傳送", "未送信", "전송 안 됨"],
        VisitorTyping => {
            ["Visitor is typing…", "访客正在输入…", "訪客正在輸入…", "訪問者が入力中…", "방문자가 입력 중…"]
        }
        Connecting => ["Connecting…", "正在连接…", "正在連線…", "接続中…", "연결 중…"],
        Connected => ["Connected", "已连接", "已連線", "接続済み", "연결됨"],
        Reconnecting => [
            "Connection lost, reconnecting…",
            "连接已断开，正在重连…",
            "連線已中斷，正在重新連線…",
            "接続が切れました。再接続しています…",
            "연결이 끊겼습니다. 다시 연결하는 중…",
        ],
        Unread => ["unread", "条未读", "則未讀", "件の未読", "개 읽지 않음"],
        OnSite => ["On site", "停留", "停留", "滞在", "체류"],
        Visits => ["Visits", "访问次数", "造訪次數", "訪問回数", "방문 횟수"],
        Visitor => ["Visitor", "访客", "訪客", "訪問者", "방문자"],
        You => ["You", "我", "我", "自分", "나"],
        Messages => ["Messages", "消息记录", "訊息紀錄", "メッセージ履歴", "메시지 기록"],
        YourSites => ["Your sites", "我的网站", "我的網站", "サイト一覧", "내 사이트"],
        EmbedHint => [
            "Paste this before </body> on every page of the site:",
            "将以下代码粘贴到网站每个页面的 </body> 之前：",
            "將以下程式碼貼到網站每個頁面的 </body> 之前：",
            "サイトの全ページの </body> の直前に次のコードを貼り付けてください：",
            "사이트의 모든 페이지에서 </body> 바로 앞에 다음 코드를 붙여 넣으세요:",
        ],
        ErrNotFound => ["Not found.", "未找到。", "找不到。", "見つかりません。", "찾을 수 없습니다."],
        ErrUnauthorized => [
            "Wrong company account, account or password.",
            "企业账号、账号或密码错误。",
            "企業帳號、帳號或密碼錯誤。",
            "企業ID、ログインIDまたはパスワードが違います。",
            "기업 아이디, 아이디 또는 비밀번호가 올바르지 않습니다.",
        ],
        ErrForbidden => [
            "You are not allowed to do that.",
            "没有权限执行此操作。",
            "沒有權限執行此操作。",
            "この操作を行う権限がありません。",
            "이 작업을 할 권한이 없습니다.",
        ],
        ErrRequired => ["is required.", "为必填项。", "為必填欄位。", "は必須です。", "은(는) 필수입니다."],
        ErrEmpty => {
            ["cannot be empty.", "不能为空。", "不能為空。", "は空にできません。", "은(는) 비워 둘 수 없습니다."]
        }
        ErrTooLong => ["is too long.", "太长了。", "太長了。", "が長すぎます。", "이(가) 너무 깁니다."],
        ErrTooShort => ["is too short.", "太短了。", "太短了。", "が短すぎます。", "이(가) 너무 짧습니다."],
        ErrIncorrect => ["is incorrect.", "不正确。", "不正確。", "が正しくありません。", "이(가) 올바르지 않습니다."],
        NewPassword => ["New password", "新密码", "新密碼", "新しいパスワード", "새 비밀번호"],
        KeepSignedIn => ["Keep me signed in", "保持登录", "保持登入", "ログインしたままにする", "로그인 상태 유지"],
        NoMatches => [
            "Nothing matches your search.",
            "没有符合搜索条件的结果。",
            "沒有符合搜尋條件的結果。",
            "検索に一致するものはありません。",
            "검색과 일치하는 항목이 없습니다.",
        ],
        ErrControlChars => [
            "contains characters that are not allowed.",
            "包含不允许的字符。",
            "包含不允許的字元。",
            "に使用できない文字が含まれています。",
            "에 허용되지 않는 문자가 있습니다.",
        ],
        ErrFormat => [
            "is not in the expected form.",
            "格式不正确。",
            "格式不正確。",
            "の形式が正しくありません。",
            "의 형식이 올바르지 않습니다.",
        ],
        MainNav => ["Main", "主导航", "主導覽", "メインメニュー", "주 메뉴"],
        NavChats => ["Chats", "对话", "對話", "チャット", "채팅"],
        NavVisitors => ["Visitors", "访客", "訪客", "訪問者", "방문자"],
        NavSites => ["Sites", "网站", "網站", "サイト", "사이트"],
        EndChat => ["End chat", "结束对话", "結束對話", "チャットを終了", "채팅 종료"],
        ErrValidation => [
            "Please check this field:",
            "请检查此项：",
            "請檢查此欄位：",
            "この項目を確認してください：",
            "이 항목을 확인하세요:",
        ],
        ErrConflict => [
            "That conflicts with a change made meanwhile.",
            "与其他修改冲突。",
            "與其他修改衝突。",
            "その間に行われた変更と競合しています。",
            "그동안 이루어진 변경과 충돌합니다.",
        ],
        ErrTooMany => [
            "Too many attempts. Try again in {n} s.",
            "尝试次数过多，请 {n} 秒后再试。",
            "嘗試次數過多，請 {n} 秒後再試。",
            "試行回数が多すぎます。{n} 秒後にもう一度お試しください。",
            "시도 횟수가 너무 많습니다. {n}초 후에 다시 시도하세요.",
        ],
        ErrBadFrame => [
            "The server did not understand the request.",
            "服务器无法理解该请求。",
            "伺服器無法理解該請求。",
            "サーバーがリクエストを理解できませんでした。",
            "서버가 요청을 이해하지 못했습니다.",
        ],
        ErrNetwork => [
            "Cannot reach the server.",
            "无法连接服务器。",
            "無法連線到伺服器。",
            "サーバーに接続できません。",
            "서버에 연결할 수 없습니다.",
        ],
        ErrInternal => [
            "Something went wrong on the server. Please try again.",
            "服务器出错，请重试。",
            "伺服器發生錯誤，請重試。",
            "サーバーでエラーが発生しました。もう一度お試しください。",
            "서버에 오류가 발생했습니다. 다시 시도하세요.",
        ],
        ColType => ["Type", "类型", "類型", "種別", "유형"],
        ColChannel => ["Device", "终端", "裝置", "端末", "기기"],
        ColSource => ["Source", "来源", "來源", "流入元", "유입 경로"],
        ColKeyword => ["Keyword", "搜索词", "搜尋字詞", "検索キーワード", "검색어"],
        ColPage => ["Current page", "当前页面", "目前頁面", "表示中のページ", "현재 페이지"],
        ColPages => ["Pages", "访问页数", "瀏覽頁數", "閲覧ページ数", "페이지 수"],
        ColFirstVisit => ["First visit", "首次访问", "首次造訪", "初回訪問", "첫 방문"],
        ColLastActive => ["Last active", "最后活动", "最後活動", "最終アクティブ", "마지막 활동"],
        ColIp => ["IP address", "IP 地址", "IP 位址", "IP アドレス", "IP 주소"],
        Columns => ["Columns", "显示列", "顯示欄位", "表示する列", "표시할 열"],
        AnyValue => ["All", "全部", "全部", "すべて", "전체"],
        VisitorNew => ["New", "新访客", "新訪客", "新規", "신규"],
        VisitorReturning => ["Returning", "回访", "回訪", "リピーター", "재방문"],
        DeviceDesktop => ["Computer", "电脑", "電腦", "パソコン", "컴퓨터"],
        DevicePhone => ["Phone", "手机", "手機", "スマートフォン", "휴대폰"],
        DeviceTablet => ["Tablet", "平板", "平板", "タブレット", "태블릿"],
        DeviceOther => ["Other", "其他", "其他", "その他", "기타"],
        SourceDirect => ["Direct", "直接访问", "直接造訪", "直接アクセス", "직접 방문"],
        SourceSearch => ["Search engine", "搜索引擎", "搜尋引擎", "検索エンジン", "검색 엔진"],
        SourceReferral => ["Other site", "其他网站", "其他網站", "ほかのサイト", "다른 사이트"],
        SourceCampaign => ["Campaign", "推广活动", "推廣活動", "キャンペーン", "캠페인"],
        AppWeChat => ["WeChat", "微信", "微信", "WeChat", "위챗"],
        AppWeCom => ["WeCom", "企业微信", "企業微信", "WeCom", "위컴"],
        AppQq => ["QQ", "QQ", "QQ", "QQ", "QQ"],
        AppAlipay => ["Alipay", "支付宝", "支付寶", "Alipay", "알리페이"],
        AppWeibo => ["Weibo", "微博", "微博", "Weibo", "웨이보"],
        AppBaidu => ["Baidu app", "百度App", "百度App", "Baidu アプリ", "바이두 앱"],
        AppDouyin => ["Douyin", "抖音", "抖音", "Douyin", "더우인"],
        AppDingTalk => ["DingTalk", "钉钉", "釘釘", "DingTalk", "딩톡"],
        FilterCountry => ["Country or region", "国家或地区", "國家或地區", "国・地域", "국가 또는 지역"],
    }
}

/// A field named in a validation error, in words.
fn field_name(lang: Lang, field: &str) -> String {
    match field {
        "login" => tr(lang, Key::Login).into(),
        "queue_limit" => tr(lang, Key::QueueLimit).into(),
        "visitor_idle_minutes" => tr(lang, Key::VisitorIdle).into(),
        "agent_idle_minutes" => tr(lang, Key::AgentIdle).into(),
        "idle_warning_minutes" => tr(lang, Key::IdleWarning).into(),
        "company" => tr(lang, Key::Company).into(),
        "name" => tr(lang, Key::CompanyName).into(),
        "site_name" => tr(lang, Key::SiteName).into(),
        "display_name" => tr(lang, Key::DisplayName).into(),
        "nickname" => tr(lang, Key::Nickname).into(),
        "job_number" => tr(lang, Key::JobNumber).into(),
        "email" => tr(lang, Key::Email).into(),
        "mobile" => tr(lang, Key::Mobile).into(),
        "role_id" => tr(lang, Key::Role).into(),
        "department_id" => tr(lang, Key::Department).into(),
        "site_ids" => tr(lang, Key::SitesServed).into(),
        "seat_enabled" => tr(lang, Key::SeatEnabled).into(),
        "max_chats" => tr(lang, Key::MaxChats).into(),
        "sort_order" => tr(lang, Key::SortOrder).into(),
        "domains" => tr(lang, Key::Domains).into(),
        "confirm" => tr(lang, Key::TypeName).into(),
        "admin_id" => tr(lang, Key::DepartmentAdmin).into(),
        "agent_id" => tr(lang, Key::Agent).into(),
        "card" => tr(lang, Key::Card).into(),
        "avatar" => tr(lang, Key::Avatar).into(),
        "agent_ids" => tr(lang, Key::Members).into(),
        "switchboard_id" => tr(lang, Key::Switchboard).into(),
        "approval_secs" => tr(lang, Key::ApprovalSecs).into(),
        "lang" => tr(lang, Key::Language).into(),
        "welcome" => tr(lang, Key::Welcome).into(),
        "my_max_chats" => tr(lang, Key::MaxChats).into(),
        "current" => tr(lang, Key::CurrentPassword).into(),
        "password" => tr(lang, Key::Password).into(),
        "new_password" | "new" => tr(lang, Key::NewPassword).into(),
        "body" => tr(lang, Key::Message).into(),
        "reason" => tr(lang, Key::BlockReason).into(),
        "net" => tr(lang, Key::Address).into(),
        "site_id" => tr(lang, Key::SiteFilter).into(),
        "visitor_id" => tr(lang, Key::Visitor).into(),
        "url" => tr(lang, Key::PushUrlField).into(),
        "phone" => tr(lang, Key::CardPhone).into(),
        "card_name" => tr(lang, Key::CardName).into(),
        "user_id" => tr(lang, Key::ClaimedId).into(),
        "hash" => tr(lang, Key::IdentitySecret).into(),
        "card_company" => tr(lang, Key::CardCompany).into(),
        "tags" => tr(lang, Key::CardTags).into(),
        "notes" => tr(lang, Key::CardNotes).into(),
        "after_secs" => tr(lang, Key::InviteAfter).into(),
        "pages" => tr(lang, Key::InvitePages).into(),
        "texts" => tr(lang, Key::InviteText).into(),
        "title" => tr(lang, Key::CannedTitle).into(),
        "folder" | "folder_id" => tr(lang, Key::CannedFolder).into(),
        "file" => tr(lang, Key::CsvFile).into(),
        "regions" => tr(lang, Key::RegionsServed).into(),
        "fields" | "values" => tr(lang, Key::DetailFields).into(),
        other => format!("{} {other}", tr(lang, Key::ErrValidation)),
    }
}

/// An error in words, for the user: chosen by its code (and field), never by its English text.
pub fn error_text(lang: Lang, error: &ApiError) -> String {
    match error {
        ApiError::NotFound => tr(lang, Key::ErrNotFound).into(),
        ApiError::Unauthorized => tr(lang, Key::ErrUnauthorized).into(),
        ApiError::Forbidden => tr(lang, Key::ErrForbidden).into(),
        ApiError::Validation { field, code, .. } => {
            let reason = match code {
                ErrorCode::Required => Key::ErrRequired,
                ErrorCode::Empty => Key::ErrEmpty,
                ErrorCode::TooLong => Key::ErrTooLong,
                ErrorCode::TooShort => Key::ErrTooShort,
                ErrorCode::Incorrect => Key::ErrIncorrect,
                ErrorCode::ControlChars => Key::ErrControlChars,
                ErrorCode::NotFound => Key::ErrNoSuch,
                _ => Key::ErrFormat,
            };
            // English puts a space between the field and the reason; Chinese, Japanese and Korean
            // write them together.
            let space = if lang == Lang::En { " " } else { "" };
            format!("{}{space}{}", field_name(lang, field), tr(lang, reason))
        }
        ApiError::Conflict { field, code, .. } => match (code, field) {
            (ErrorCode::Taken, Some(f)) if f == "agent" => tr(lang, Key::ErrChatTaken).into(),
            (ErrorCode::LimitReached, Some(f)) if f == "queue" => tr(lang, Key::ErrQueueFull).into(),
            (ErrorCode::LimitReached, Some(f)) if f == "to" => tr(lang, Key::ErrNobodyFree).into(),
            (ErrorCode::LimitReached, Some(f)) if f == "net" => tr(lang, Key::ErrRangeTooWide).into(),
            (ErrorCode::Unavailable, _) => tr(lang, Key::ErrUnavailable).into(),
            (ErrorCode::InUse, Some(f)) if f == "visitor" => tr(lang, Key::ErrAlreadyChatting).into(),
            (ErrorCode::Taken, Some(f)) if f == "invitation" => tr(lang, Key::ErrInvitePending).into(),
            (ErrorCode::Taken, Some(field)) => {
                let space = if lang == Lang::En { " " } else { "" };
                format!("{}{space}{}", field_name(lang, field), tr(lang, Key::ErrTaken))
            }
            (ErrorCode::Stale, Some(f)) if f == "offer" => tr(lang, Key::ErrOfferEnded).into(),
            (ErrorCode::Stale, _) => tr(lang, Key::ErrStale).into(),
            (ErrorCode::Protected, _) => tr(lang, Key::ErrProtected).into(),
            (ErrorCode::InUse, _) => tr(lang, Key::ErrInUse).into(),
            (ErrorCode::LimitReached, _) => tr(lang, Key::ErrLimitReached).into(),
            _ => tr(lang, Key::ErrConflict).into(),
        },
        ApiError::TooMany { retry_after_secs } => {
            tr(lang, Key::ErrTooMany).replace("{n}", &retry_after_secs.to_string())
        }
        ApiError::BadFrame { .. } => tr(lang, Key::ErrBadFrame).into(),
        ApiError::Network { .. } => tr(lang, Key::ErrNetwork).into(),
        ApiError::Internal => tr(lang, Key::ErrInternal).into(),
    }
}

/// An agent status's name.
pub fn status_text(lang: Lang, status: kefu_protocol::AgentStatus) -> &'static str {
    use kefu_protocol::AgentStatus::*;
    tr(
        lang,
        match status {
            Online => Key::StatusOnline,
            Busy => Key::StatusBusy,
            Away => Key::StatusAway,
            Invisible => Key::StatusInvisible,
            Offline => Key::StatusOffline,
        },
    )
}

/// A permission's name on the roles page.
pub fn perm_text(lang: Lang, perm: kefu_protocol::Perm) -> &'static str {
    use kefu_protocol::Perm::*;
    lang.pick(match perm {
        ChatServe => ["Answer chats", "接待对话", "接待對話", "チャットに応対", "채팅 응대"],
        VisitorsView => {
            ["See visitors on the site", "查看在线访客", "查看線上訪客", "サイトの訪問者を見る", "사이트 방문자 보기"]
        }
        SitesView => [
            "See sites and embed code",
            "查看站点和代码",
            "查看網站和程式碼",
            "サイトと埋め込みコードを見る",
            "사이트와 삽입 코드 보기",
        ],
        SitesManage => ["Manage sites", "管理站点", "管理網站", "サイトを管理", "사이트 관리"],
        SettingsManage => ["Company settings", "企业设置", "企業設定", "企業設定", "기업 설정"],
        AgentsManage => [
            "Manage agents and departments",
            "管理客服和部门",
            "管理客服和部門",
            "オペレーターと部署を管理",
            "상담원과 부서 관리",
        ],
        RolesManage => ["Manage roles", "管理角色", "管理角色", "ロールを管理", "역할 관리"],
        RecordsViewAll => {
            ["All chat records", "全部对话记录", "全部對話記錄", "すべてのチャット記録", "모든 채팅 기록"]
        }
        RecordsViewOwn => {
            ["Own chat records", "自己的对话记录", "自己的對話記錄", "自分のチャット記録", "본인 채팅 기록"]
        }
        StatsView => ["Statistics", "统计报表", "統計報表", "統計", "통계"],
        MonitorChats => [
            "Watch and join colleagues' chats",
            "监控并介入同事对话",
            "監控並介入同事對話",
            "同僚のチャットを見守り参加",
            "동료 채팅 모니터링 및 참여",
        ],
        CannedManageShared => {
            ["Manage shared canned replies", "管理公共常用语", "管理公用常用語", "共有定型文を管理", "공용 상용구 관리"]
        }
        MessagesManage => ["Leave-a-message records", "留言记录", "留言記錄", "伝言の記録", "남긴 메시지 기록"],
        BlockManage => ["Block visitors", "屏蔽访客", "封鎖訪客", "訪問者をブロック", "방문자 차단"],
        OplogView => ["Operation log", "操作日志", "操作日誌", "操作ログ", "작업 로그"],
    })
}

/// An operation-log entry's type in words.
pub fn op_text(lang: Lang, kind: crate::infra::audit::OpKind) -> &'static str {
    use crate::infra::audit::OpKind::*;
    lang.pick(match kind {
        SignIn => ["Signed in", "登录", "登入", "ログイン", "로그인"],
        SignInFailed => ["Sign-in failed", "登录失败", "登入失敗", "ログイン失敗", "로그인 실패"],
        SignOut => ["Signed out", "退出登录", "登出", "ログアウト", "로그아웃"],
        OwnPasswordChanged => {
            ["Changed own password", "修改自己的密码", "修改自己的密碼", "自分のパスワードを変更", "본인 비밀번호 변경"]
        }
        ProfileChanged => {
            ["Changed personal settings", "修改个人设置", "修改個人設定", "個人設定を変更", "개인 설정 변경"]
        }
        CompanyCreated => ["Company created", "创建企业", "建立企業", "企業を作成", "기업 생성"],
        AgentCreated => ["Agent created", "新建客服", "新增客服", "オペレーターを追加", "상담원 추가"],
        AgentChanged => ["Agent changed", "修改客服", "修改客服", "オペレーターを変更", "상담원 변경"],
        AgentEnabled => ["Agent enabled", "启用客服", "啟用客服", "オペレーターを有効化", "상담원 사용"],
        AgentDisabled => ["Agent disabled", "停用客服", "停用客服", "オペレーターを無効化", "상담원 사용 중지"],
        AgentDeleted => ["Agent deleted", "删除客服", "刪除客服", "オペレーターを削除", "상담원 삭제"],
        AgentPasswordSet => [
            "Agent's password set",
            "设置客服密码",
            "設定客服密碼",
            "オペレーターのパスワードを設定",
            "상담원 비밀번호 설정",
        ],
        SiteCreated => ["Site created", "新建站点", "新增網站", "サイトを追加", "사이트 추가"],
        SiteChanged => ["Site changed", "修改站点", "修改網站", "サイトを変更", "사이트 변경"],
        SiteDeleted => ["Site deleted", "删除站点", "刪除網站", "サイトを削除", "사이트 삭제"],
        DepartmentCreated => ["Department created", "新建部门", "新增部門", "部署を追加", "부서 추가"],
        DepartmentChanged => ["Department changed", "修改部门", "修改部門", "部署を変更", "부서 변경"],
        DepartmentDeleted => ["Department deleted", "删除部门", "刪除部門", "部署を削除", "부서 삭제"],
        CategoryCreated => ["Category created", "新建分类", "新增分類", "カテゴリを追加", "분류 추가"],
        CategoryChanged => ["Category changed", "修改分类", "修改分類", "カテゴリを変更", "분류 변경"],
        CategoryDeleted => ["Category deleted", "删除分类", "刪除分類", "カテゴリを削除", "분류 삭제"],
        RoleCreated => ["Role created", "新建角色", "新增角色", "ロールを追加", "역할 추가"],
        RoleChanged => ["Role changed", "修改角色", "修改角色", "ロールを変更", "역할 변경"],
        RoleDeleted => ["Role deleted", "删除角色", "刪除角色", "ロールを削除", "역할 삭제"],
        RatingInvalidated => {
            ["Rating marked invalid", "标记评价无效", "標記評價無效", "評価を無効にした", "평가를 무효로 표시"]
        }
        RatingsCleared => ["Ratings cleared", "清除评价", "清除評價", "評価を消去", "평가 삭제"],
        RoutingChanged => ["Routing changed", "修改分配规则", "修改分配規則", "振り分けを変更", "배정 규칙 변경"],
        VisitorBlocked => ["Visitor blocked", "封锁访客", "封鎖訪客", "訪問者をブロック", "방문자 차단"],
        VisitorUnblocked => ["Block lifted", "解除封锁", "解除封鎖", "ブロックを解除", "차단 해제"],
        InvitationsChanged => {
            ["Invitations changed", "修改邀请设置", "修改邀請設定", "招待設定を変更", "초대 설정 변경"]
        }
        CannedChanged => ["Canned replies changed", "修改常用语", "修改常用語", "定型文を変更", "상용구 변경"],
        FileSettingsChanged => {
            ["File rules changed", "修改文件设置", "修改檔案設定", "ファイル設定を変更", "파일 설정 변경"]
        }
        RegistrationChanged => [
            "Registration form changed",
            "修改访客注册设置",
            "修改訪客註冊設定",
            "訪問者登録フォームを変更",
            "방문자 등록 양식 변경",
        ],
    })
}

/// A role's name: a built-in role's in the agent's language, a custom role's as its admin named it.
pub fn role_text(lang: Lang, builtin: Option<&str>, name: &str) -> String {
    match builtin {
        Some("admin") => tr(lang, Key::RoleAdmin).into(),
        Some("app_admin") => tr(lang, Key::RoleAppAdmin).into(),
        Some("agent") => tr(lang, Key::RoleAgent).into(),
        _ => name.into(),
    }
}

/// The cookie that holds the language an agent chose in their settings.
pub const LANG_COOKIE: &str = "kefu_lang";

/// `Set-Cookie` for the chosen language (`None`: follow the browser, which removes the cookie).
pub fn lang_cookie(lang: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match lang {
        Some(lang) => {
            format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", Lang::from_tag(lang).tag())
        }
        None => format!("{LANG_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax{secure}"),
    }
}

/// The language of this page: on the server, the agent's chosen language (its cookie), else the
/// request's `Accept-Language`; in the browser the `<html lang>` the server rendered, so hydration
/// sees the same strings.
pub fn page_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                let chosen = parts
                    .headers
                    .get_all(http::header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(';'))
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, value)| *name == LANG_COOKIE && !value.is_empty())
                    .map(|(_, value)| Lang::from_tag(value));
                chosen.or_else(|| {
                    parts.headers.get(http::header::ACCEPT_LANGUAGE)?.to_str().ok().map(Lang::from_accept_language)
                })
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
    fn every_language_has_its_own_words_for_the_sign_in_page() {
        let keys = [Key::SignInTitle, Key::Login, Key::Password, Key::SignIn, Key::ErrUnauthorized];
        let langs = [Lang::En, Lang::ZhCn, Lang::ZhTw, Lang::Ja, Lang::Ko];
        for key in keys {
            let texts: Vec<_> = langs.iter().map(|&l| tr(l, key)).collect();
            for (i, text) in texts.iter().enumerate() {
                assert!(!text.is_empty());
                // Simplified and Traditional Chinese may share a word; every other pair differs.
                let same = texts.iter().filter(|t| *t == text).count();
                assert!(same == 1 || (same == 2 && (1..=2).contains(&i)), "{key:?}: {texts:?}");
            }
        }
        assert_eq!(tr(Lang::from_accept_language("ja-JP,ja;q=0.9"), Key::SignIn), "ログイン");
    }

    #[test]
    fn validation_errors_are_worded_by_code_and_field_never_by_the_english_text() {
        let too_long = ApiError::invalid("body", ErrorCode::TooLong);
        assert_eq!(error_text(Lang::En, &too_long), "Message is too long.");
        assert_eq!(error_text(Lang::ZhCn, &too_long), "消息太长了。");
        assert_eq!(error_text(Lang::Ja, &too_long), "メッセージが長すぎます。");
        // The English `message` plays no part: the same code reads the same whatever it says.
        let odd = ApiError::Validation { field: "login".into(), code: ErrorCode::Required, message: "zzz".into() };
        assert_eq!(error_text(Lang::ZhTw, &odd), "帳號為必填欄位。");
        // A reference to something that is not there names the field.
        assert_eq!(error_text(Lang::En, &ApiError::invalid("role_id", ErrorCode::NotFound)), "Role does not exist.");
        assert_eq!(error_text(Lang::ZhCn, &ApiError::invalid("role_id", ErrorCode::NotFound)), "角色不存在。");
        let taken = ApiError::conflict(Some("login"), ErrorCode::Taken);
        assert_eq!(error_text(Lang::Ja, &taken), "ログインIDは既に使われています。");
        assert_eq!(
            error_text(Lang::Ko, &ApiError::invalid("password", ErrorCode::Empty)),
            "비밀번호은(는) 비워 둘 수 없습니다."
        );
    }

    #[test]
    fn rate_limit_errors_say_when_to_retry() {
        let text = error_text(Lang::En, &ApiError::TooMany { retry_after_secs: 42 });
        assert_eq!(text, "Too many attempts. Try again in 42 s.");
        let text = error_text(Lang::Ko, &ApiError::TooMany { retry_after_secs: 7 });
        assert_eq!(text, "시도 횟수가 너무 많습니다. 7초 후에 다시 시도하세요.");
    }
}
