//! Provinces and regions by ISO 3166-2 code, named in every interface language: mainland China's
//! provinces (grouped into the seven areas Chinese products list them by), Taiwan's cities and
//! counties, Japan's prefectures and Korea's provinces. The GeoIP data names many of them only in
//! English and has no Traditional Chinese or Korean at all; this table fills those in, and is the
//! list agents' regions are picked from (region routing, seed 004 section 13 "区域分流").
//! Countries are named by the browser (`Intl.DisplayNames`, [`super::country_name`]).

use crate::i18n::Lang;

/// One province or region: its code and its names `[en, zh-CN, zh-TW, ja, ko]`.
pub struct Area {
    pub code: &'static str,
    pub names: [&'static str; 5],
}

impl Area {
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.names)
    }
}

/// A group of areas under one heading (a country, or one of mainland China's seven areas).
pub struct Group {
    /// The country the areas are in.
    pub country: &'static str,
    /// The heading's names (`None`: the country's own name).
    pub names: Option<[&'static str; 5]>,
    pub areas: &'static [Area],
}

const fn a(code: &'static str, names: [&'static str; 5]) -> Area {
    Area { code, names }
}

/// The table, in the order pickers list it.
pub const GROUPS: &[Group] = &[
    Group {
        country: "CN",
        names: Some(["North China", "华北地区", "華北地區", "華北", "화베이"]),
        areas: &[
            a("CN-BJ", ["Beijing", "北京", "北京", "北京", "베이징"]),
            a("CN-TJ", ["Tianjin", "天津", "天津", "天津", "톈진"]),
            a("CN-HE", ["Hebei", "河北", "河北", "河北", "허베이"]),
            a("CN-SX", ["Shanxi", "山西", "山西", "山西", "산시(山西)"]),
            a("CN-NM", ["Inner Mongolia", "内蒙古", "內蒙古", "内モンゴル", "네이멍구"]),
        ],
    },
    Group {
        country: "CN",
        names: Some(["Northeast China", "东北地区", "東北地區", "東北", "둥베이"]),
        areas: &[
            a("CN-LN", ["Liaoning", "辽宁", "遼寧", "遼寧", "랴오닝"]),
            a("CN-JL", ["Jilin", "吉林", "吉林", "吉林", "지린"]),
            a("CN-HL", ["Heilongjiang", "黑龙江", "黑龍江", "黒竜江", "헤이룽장"]),
        ],
    },
    Group {
        country: "CN",
        names: Some(["East China", "华东地区", "華東地區", "華東", "화둥"]),
        areas: &[
            a("CN-SH", ["Shanghai", "上海", "上海", "上海", "상하이"]),
            a("CN-JS", ["Jiangsu", "江苏", "江蘇", "江蘇", "장쑤"]),
            a("CN-ZJ", ["Zhejiang", "浙江", "浙江", "浙江", "저장"]),
            a("CN-AH", ["Anhui", "安徽", "安徽", "安徽", "안후이"]),
            a("CN-FJ", ["Fujian", "福建", "福建", "福建", "푸젠"]),
            a("CN-JX", ["Jiangxi", "江西", "江西", "江西", "장시"]),
            a("CN-SD", ["Shandong", "山东", "山東", "山東", "산둥"]),
        ],
    },
    Group {
        country: "CN",
        names: Some(["Central China", "华中地区", "華中地區", "華中", "화중"]),
        areas: &[
            a("CN-HA", ["Henan", "河南", "河南", "河南", "허난"]),
            a("CN-HB", ["Hubei", "湖北", "湖北", "湖北", "후베이"]),
            a("CN-HN", ["Hunan", "湖南", "湖南", "湖南", "후난"]),
        ],
    },
    Group {
        country: "CN",
        names: Some(["South China", "华南地区", "華南地區", "華南", "화난"]),
        areas: &[
            a("CN-GD", ["Guangdong", "广东", "廣東", "広東", "광둥"]),
            a("CN-GX", ["Guangxi", "广西", "廣西", "広西", "광시"]),
            a("CN-HI", ["Hainan", "海南", "海南", "海南", "하이난"]),
        ],
    },
    Group {
        country: "CN",
        names: Some(["Southwest China", "西南地区", "西南地區", "西南", "시난"]),
        areas: &[
            a("CN-CQ", ["Chongqing", "重庆", "重慶", "重慶", "충칭"]),
            a("CN-SC", ["Sichuan", "四川", "四川", "四川", "쓰촨"]),
            a("CN-GZ", ["Guizhou", "贵州", "貴州", "貴州", "구이저우"]),
            a("CN-YN", ["Yunnan", "云南", "雲南", "雲南", "윈난"]),
            a("CN-XZ", ["Tibet", "西藏", "西藏", "チベット", "시짱"]),
        ],
    },
    Group {
        country: "CN",
        names: Some(["Northwest China", "西北地区", "西北地區", "西北", "시베이"]),
        areas: &[
            a("CN-SN", ["Shaanxi", "陕西", "陝西", "陝西", "산시(陝西)"]),
            a("CN-GS", ["Gansu", "甘肃", "甘肅", "甘粛", "간쑤"]),
            a("CN-QH", ["Qinghai", "青海", "青海", "青海", "칭하이"]),
            a("CN-NX", ["Ningxia", "宁夏", "寧夏", "寧夏", "닝샤"]),
            a("CN-XJ", ["Xinjiang", "新疆", "新疆", "新疆", "신장"]),
        ],
    },
    Group {
        country: "TW",
        names: None,
        areas: &[
            a("TW-TPE", ["Taipei City", "台北市", "臺北市", "台北市", "타이베이시"]),
            a("TW-NWT", ["New Taipei City", "新北市", "新北市", "新北市", "신베이시"]),
            a("TW-TAO", ["Taoyuan City", "桃园市", "桃園市", "桃園市", "타오위안시"]),
            a("TW-TXG", ["Taichung City", "台中市", "臺中市", "台中市", "타이중시"]),
            a("TW-TNN", ["Tainan City", "台南市", "臺南市", "台南市", "타이난시"]),
            a("TW-KHH", ["Kaohsiung City", "高雄市", "高雄市", "高雄市", "가오슝시"]),
            a("TW-KEE", ["Keelung City", "基隆市", "基隆市", "基隆市", "지룽시"]),
            a("TW-HSZ", ["Hsinchu City", "新竹市", "新竹市", "新竹市", "신주시"]),
            a("TW-HSQ", ["Hsinchu County", "新竹县", "新竹縣", "新竹県", "신주현"]),
            a("TW-CYI", ["Chiayi City", "嘉义市", "嘉義市", "嘉義市", "자이시"]),
            a("TW-CYQ", ["Chiayi County", "嘉义县", "嘉義縣", "嘉義県", "자이현"]),
            a("TW-MIA", ["Miaoli County", "苗栗县", "苗栗縣", "苗栗県", "먀오리현"]),
            a("TW-CHA", ["Changhua County", "彰化县", "彰化縣", "彰化県", "장화현"]),
            a("TW-NAN", ["Nantou County", "南投县", "南投縣", "南投県", "난터우현"]),
            a("TW-YUN", ["Yunlin County", "云林县", "雲林縣", "雲林県", "윈린현"]),
            a("TW-PIF", ["Pingtung County", "屏东县", "屏東縣", "屏東県", "핑둥현"]),
            a("TW-ILA", ["Yilan County", "宜兰县", "宜蘭縣", "宜蘭県", "이란현"]),
            a("TW-HUA", ["Hualien County", "花莲县", "花蓮縣", "花蓮県", "화롄현"]),
            a("TW-TTT", ["Taitung County", "台东县", "臺東縣", "台東県", "타이둥현"]),
            a("TW-PEN", ["Penghu County", "澎湖县", "澎湖縣", "澎湖県", "펑후현"]),
            a("TW-KIN", ["Kinmen County", "金门县", "金門縣", "金門県", "진먼현"]),
            a("TW-LIE", ["Lienchiang County", "连江县", "連江縣", "連江県", "롄장현"]),
        ],
    },
    Group {
        country: "JP",
        names: None,
        areas: &[
            a("JP-01", ["Hokkaido", "北海道", "北海道", "北海道", "홋카이도"]),
            a("JP-02", ["Aomori", "青森县", "青森縣", "青森県", "아오모리현"]),
            a("JP-03", ["Iwate", "岩手县", "岩手縣", "岩手県", "이와테현"]),
            a("JP-04", ["Miyagi", "宫城县", "宮城縣", "宮城県", "미야기현"]),
            a("JP-05", ["Akita", "秋田县", "秋田縣", "秋田県", "아키타현"]),
            a("JP-06", ["Yamagata", "山形县", "山形縣", "山形県", "야마가타현"]),
            a("JP-07", ["Fukushima", "福岛县", "福島縣", "福島県", "후쿠시마현"]),
            a("JP-08", ["Ibaraki", "茨城县", "茨城縣", "茨城県", "이바라키현"]),
            a("JP-09", ["Tochigi", "栃木县", "栃木縣", "栃木県", "도치기현"]),
            a("JP-10", ["Gunma", "群马县", "群馬縣", "群馬県", "군마현"]),
            a("JP-11", ["Saitama", "埼玉县", "埼玉縣", "埼玉県", "사이타마현"]),
            a("JP-12", ["Chiba", "千叶县", "千葉縣", "千葉県", "지바현"]),
            a("JP-13", ["Tokyo", "东京都", "東京都", "東京都", "도쿄도"]),
            a("JP-14", ["Kanagawa", "神奈川县", "神奈川縣", "神奈川県", "가나가와현"]),
            a("JP-15", ["Niigata", "新潟县", "新潟縣", "新潟県", "니가타현"]),
            a("JP-16", ["Toyama", "富山县", "富山縣", "富山県", "도야마현"]),
            a("JP-17", ["Ishikawa", "石川县", "石川縣", "石川県", "이시카와현"]),
            a("JP-18", ["Fukui", "福井县", "福井縣", "福井県", "후쿠이현"]),
            a("JP-19", ["Yamanashi", "山梨县", "山梨縣", "山梨県", "야마나시현"]),
            a("JP-20", ["Nagano", "长野县", "長野縣", "長野県", "나가노현"]),
            a("JP-21", ["Gifu", "岐阜县", "岐阜縣", "岐阜県", "기후현"]),
            a("JP-22", ["Shizuoka", "静冈县", "靜岡縣", "静岡県", "시즈오카현"]),
            a("JP-23", ["Aichi", "爱知县", "愛知縣", "愛知県", "아이치현"]),
            a("JP-24", ["Mie", "三重县", "三重縣", "三重県", "미에현"]),
            a("JP-25", ["Shiga", "滋贺县", "滋賀縣", "滋賀県", "시가현"]),
            a("JP-26", ["Kyoto", "京都府", "京都府", "京都府", "교토부"]),
            a("JP-27", ["Osaka", "大阪府", "大阪府", "大阪府", "오사카부"]),
            a("JP-28", ["Hyogo", "兵库县", "兵庫縣", "兵庫県", "효고현"]),
            a("JP-29", ["Nara", "奈良县", "奈良縣", "奈良県", "나라현"]),
            a("JP-30", ["Wakayama", "和歌山县", "和歌山縣", "和歌山県", "와카야마현"]),
            a("JP-31", ["Tottori", "鸟取县", "鳥取縣", "鳥取県", "돗토리현"]),
            a("JP-32", ["Shimane", "岛根县", "島根縣", "島根県", "시마네현"]),
            a("JP-33", ["Okayama", "冈山县", "岡山縣", "岡山県", "오카야마현"]),
            a("JP-34", ["Hiroshima", "广岛县", "廣島縣", "広島県", "히로시마현"]),
            a("JP-35", ["Yamaguchi", "山口县", "山口縣", "山口県", "야마구치현"]),
            a("JP-36", ["Tokushima", "德岛县", "德島縣", "徳島県", "도쿠시마현"]),
            a("JP-37", ["Kagawa", "香川县", "香川縣", "香川県", "가가와현"]),
            a("JP-38", ["Ehime", "爱媛县", "愛媛縣", "愛媛県", "에히메현"]),
            a("JP-39", ["Kochi", "高知县", "高知縣", "高知県", "고치현"]),
            a("JP-40", ["Fukuoka", "福冈县", "福岡縣", "福岡県", "후쿠오카현"]),
            a("JP-41", ["Saga", "佐贺县", "佐賀縣", "佐賀県", "사가현"]),
            a("JP-42", ["Nagasaki", "长崎县", "長崎縣", "長崎県", "나가사키현"]),
            a("JP-43", ["Kumamoto", "熊本县", "熊本縣", "熊本県", "구마모토현"]),
            a("JP-44", ["Oita", "大分县", "大分縣", "大分県", "오이타현"]),
            a("JP-45", ["Miyazaki", "宫崎县", "宮崎縣", "宮崎県", "미야자키현"]),
            a("JP-46", ["Kagoshima", "鹿儿岛县", "鹿兒島縣", "鹿児島県", "가고시마현"]),
            a("JP-47", ["Okinawa", "冲绳县", "沖繩縣", "沖縄県", "오키나와현"]),
        ],
    },
    Group {
        country: "KR",
        names: None,
        areas: &[
            a("KR-11", ["Seoul", "首尔", "首爾", "ソウル", "서울"]),
            a("KR-26", ["Busan", "釜山", "釜山", "釜山", "부산"]),
            a("KR-27", ["Daegu", "大邱", "大邱", "大邱", "대구"]),
            a("KR-28", ["Incheon", "仁川", "仁川", "仁川", "인천"]),
            a("KR-29", ["Gwangju", "光州", "光州", "光州", "광주"]),
            a("KR-30", ["Daejeon", "大田", "大田", "大田", "대전"]),
            a("KR-31", ["Ulsan", "蔚山", "蔚山", "蔚山", "울산"]),
            a("KR-50", ["Sejong", "世宗", "世宗", "世宗", "세종"]),
            a("KR-41", ["Gyeonggi", "京畿道", "京畿道", "京畿道", "경기도"]),
            a("KR-42", ["Gangwon", "江原道", "江原道", "江原道", "강원도"]),
            a("KR-43", ["North Chungcheong", "忠清北道", "忠清北道", "忠清北道", "충청북도"]),
            a("KR-44", ["South Chungcheong", "忠清南道", "忠清南道", "忠清南道", "충청남도"]),
            a("KR-45", ["North Jeolla", "全罗北道", "全羅北道", "全羅北道", "전라북도"]),
            a("KR-46", ["South Jeolla", "全罗南道", "全羅南道", "全羅南道", "전라남도"]),
            a("KR-47", ["North Gyeongsang", "庆尚北道", "慶尚北道", "慶尚北道", "경상북도"]),
            a("KR-48", ["South Gyeongsang", "庆尚南道", "慶尚南道", "慶尚南道", "경상남도"]),
            a("KR-49", ["Jeju", "济州", "濟州", "済州", "제주"]),
        ],
    },
];

/// The countries pickers offer as a whole besides those of [`GROUPS`].
pub const COUNTRIES: &[&str] = &["CN", "HK", "MO", "TW", "JP", "KR", "SG", "MY", "US"];

/// The area with this code.
pub fn area(code: &str) -> Option<&'static Area> {
    GROUPS.iter().flat_map(|g| g.areas).find(|a| a.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_a_unique_code_of_its_country_and_a_name_in_every_language() {
        let mut seen = std::collections::HashSet::new();
        for group in GROUPS {
            for area in group.areas {
                assert!(seen.insert(area.code), "{} twice", area.code);
                assert!(area.code.starts_with(&format!("{}-", group.country)), "{}", area.code);
                assert!(area.names.iter().all(|n| !n.trim().is_empty()), "{}", area.code);
            }
        }
        // Mainland China's 31 provinces, Taiwan's 22 cities and counties, Japan's 47 prefectures,
        // Korea's 17 provinces.
        for (country, count) in [("CN", 31), ("TW", 22), ("JP", 47), ("KR", 17)] {
            assert_eq!(seen.iter().filter(|c| c.starts_with(country)).count(), count, "{country}");
        }
        assert_eq!(area("CN-GD").map(|a| a.name(Lang::ZhTw)), Some("廣東"));
        assert_eq!(area("JP-13").map(|a| a.name(Lang::Ko)), Some("도쿄도"));
        assert_eq!(area("KR-11").map(|a| a.name(Lang::Ja)), Some("ソウル"));
    }
}
