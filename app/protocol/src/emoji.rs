//! The emoji the pickers offer (issue 13 "Emoji"): Unicode text, no pictures, each with a name in
//! the five interface languages to search by. The workbench has the table built in; the widget
//! fetches one language's list (`/api/v1/visitor/emoji?lang=…`) when the visitor first opens its
//! picker, so pages that never open it never pay for it.

use crate::Lang;

/// `(emoji, [en, zh-CN, zh-TW, ja, ko])`, the everyday ones of a customer-service chat first.
pub const EMOJI: &[(&str, [&str; 5])] = &[
    ("😀", ["grinning", "笑脸", "笑臉", "にっこり", "웃는 얼굴"]),
    ("😊", ["smile", "微笑", "微笑", "ほほえみ", "미소"]),
    ("😂", ["tears of joy", "笑哭", "笑哭", "うれし泣き", "기쁨의 눈물"]),
    ("🙂", ["slight smile", "浅笑", "淺笑", "少しほほえむ", "살짝 미소"]),
    ("😉", ["wink", "眨眼", "眨眼", "ウインク", "윙크"]),
    ("😍", ["heart eyes", "喜欢", "喜歡", "目がハート", "하트 눈"]),
    ("🥰", ["love", "爱你", "愛你", "大好き", "사랑해"]),
    ("😘", ["kiss", "飞吻", "飛吻", "投げキス", "키스"]),
    ("🤗", ["hug", "拥抱", "擁抱", "ハグ", "포옹"]),
    ("🤔", ["thinking", "思考", "思考", "考え中", "생각 중"]),
    ("😅", ["sweat smile", "尴尬", "尷尬", "冷や汗", "식은땀"]),
    ("😢", ["sad", "难过", "難過", "悲しい", "슬픔"]),
    ("😭", ["crying", "大哭", "大哭", "号泣", "엉엉"]),
    ("😮", ["surprised", "惊讶", "驚訝", "びっくり", "놀람"]),
    ("😡", ["angry", "生气", "生氣", "怒り", "화남"]),
    ("😴", ["sleepy", "困", "睏", "眠い", "졸림"]),
    ("😎", ["cool", "酷", "酷", "クール", "멋짐"]),
    ("🙏", ["thank you, please", "谢谢 拜托", "謝謝 拜託", "お願い ありがとう", "감사 부탁"]),
    ("👍", ["thumbs up, good", "赞 好", "讚 好", "いいね", "좋아요"]),
    ("👎", ["thumbs down", "差评", "差評", "よくない", "싫어요"]),
    ("👌", ["ok", "好的", "好的", "オーケー", "오케이"]),
    ("👏", ["clap", "鼓掌", "鼓掌", "拍手", "박수"]),
    ("🙌", ["hooray", "太好了", "太好了", "ばんざい", "만세"]),
    ("🤝", ["handshake, deal", "握手 合作", "握手 合作", "握手", "악수"]),
    ("💪", ["strong", "加油", "加油", "がんばれ", "힘내"]),
    ("👋", ["wave, hello, bye", "你好 再见", "你好 再見", "こんにちは バイバイ", "안녕"]),
    ("❤️", ["heart", "爱心", "愛心", "ハート", "하트"]),
    ("🎉", ["party, congratulations", "庆祝 恭喜", "慶祝 恭喜", "お祝い おめでとう", "축하"]),
    ("🎁", ["gift", "礼物", "禮物", "プレゼント", "선물"]),
    ("🌹", ["rose", "玫瑰", "玫瑰", "バラ", "장미"]),
    ("🍵", ["tea", "茶", "茶", "お茶", "차"]),
    ("☕", ["coffee", "咖啡", "咖啡", "コーヒー", "커피"]),
    ("🔥", ["fire, hot", "火 热门", "火 熱門", "炎 人気", "불 인기"]),
    ("⭐", ["star", "星星", "星星", "星", "별"]),
    ("✅", ["done, yes", "完成 是", "完成 是", "完了 はい", "완료 예"]),
    ("❌", ["no, wrong", "不 错误", "不 錯誤", "いいえ 違う", "아니요 틀림"]),
    ("⚠️", ["warning", "注意", "注意", "注意", "주의"]),
    ("❓", ["question", "疑问", "疑問", "質問", "질문"]),
    ("📦", ["package, order", "包裹 订单", "包裹 訂單", "荷物 注文", "택배 주문"]),
    ("🚚", ["delivery", "快递 发货", "快遞 出貨", "配達 発送", "배송"]),
    ("💰", ["money, price", "钱 价格", "錢 價格", "お金 価格", "돈 가격"]),
    ("💳", ["card, payment", "银行卡 付款", "信用卡 付款", "カード 支払い", "카드 결제"]),
    ("📞", ["phone, call", "电话", "電話", "電話", "전화"]),
    ("📧", ["email", "邮件", "郵件", "メール", "이메일"]),
    ("📅", ["date, calendar", "日期 日历", "日期 日曆", "日付 カレンダー", "날짜 달력"]),
    ("🕐", ["time, clock", "时间", "時間", "時間", "시간"]),
    ("💡", ["idea, tip", "想法 提示", "想法 提示", "アイデア ヒント", "아이디어 팁"]),
    ("🔍", ["search", "搜索 查找", "搜尋 查找", "検索", "검색"]),
    ("🛒", ["cart, shopping", "购物车", "購物車", "カート 買い物", "장바구니"]),
    ("🏠", ["home, address", "家 地址", "家 地址", "家 住所", "집 주소"]),
];

/// One language's list for the widget: `[["😀","grinning"],…]`.
pub fn json(lang: Lang) -> String {
    let mut out = String::from("[");
    for (i, (emoji, names)) in EMOJI.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        crate::json::write_str(&mut out, emoji);
        out.push(',');
        crate::json::write_str(&mut out, lang.pick(*names));
        out.push(']');
    }
    out.push(']');
    out
}

/// Reads what [`json`] wrote (`None` for anything else).
pub fn parse(text: &str) -> Option<Vec<(String, String)>> {
    let crate::json::Json::Arr(items) = crate::json::Json::parse(text)? else { return None };
    items
        .iter()
        .map(|item| match item.arr()? {
            [e, n] => Some((e.str()?.to_owned(), n.str()?.to_owned())),
            _ => None,
        })
        .collect()
}

/// Whether an emoji's name (in the picker's language, or English) matches what was typed.
pub fn matches(names: &[&'static str; 5], lang: Lang, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty() || lang.pick(*names).to_lowercase().contains(&query) || names[0].contains(&query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emoji_has_every_name_and_the_list_survives_the_trip() {
        for (emoji, names) in EMOJI {
            assert!(names.iter().all(|n| !n.is_empty()), "{emoji}");
        }
        let list = parse(&json(Lang::ZhCn)).unwrap();
        assert_eq!(list.len(), EMOJI.len());
        assert_eq!(list[0], ("😀".to_owned(), "笑脸".to_owned()));
        let thanks = EMOJI.iter().find(|(e, _)| *e == "🙏").unwrap();
        assert!(matches(&thanks.1, Lang::ZhCn, "谢谢"));
        assert!(matches(&thanks.1, Lang::Ja, "thank"), "English names always match");
        assert!(!matches(&thanks.1, Lang::En, "coffee"));
    }
}
