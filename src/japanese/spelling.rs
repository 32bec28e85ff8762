//! Spellings of one Japanese word folded together for search: `サーバー`
//! and `サーバ`, `ヴァイオリン` and `バイオリン`, `いんすたんす` and
//! `インスタンス`, `申し込み` and `申込`, `行なう` and `行う`, `髙橋` and
//! `高橋`. Applied to text already `fold`ed (NFKC, lower case), the same
//! way to the index and to queries.
//!
//! Every rule looks only at a character and its neighbours, so the folding
//! of a query is found inside the folding of any text that holds the query:
//! what a bigram index needs. Where a query ends, the text it is found in
//! may go on: an `End::Open` text folds its last character as if more may
//! follow.

use std::borrow::Cow;
use std::ops::Range;

use super::script::is_kanji;

/// Whether more text may follow the end of the text folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The whole text: a card's.
    Closed,
    /// A query, which the text it finds may go on after.
    Open,
}

/// `folded` with its spellings folded, borrowed when there is nothing to
/// fold: ASCII, and text without kana or variant kanji, is checked fast.
pub fn unify(folded: &str, end: End) -> Cow<'_, str> {
    if folded.is_ascii() || !folded.chars().any(may_fold) {
        return Cow::Borrowed(folded);
    }
    let mut unified = String::with_capacity(folded.len() + 8);
    unify_with(folded, end, |c, _| unified.push(c));
    Cow::Owned(unified)
}

/// `unify` of a `String`, which is given back when there is nothing to fold.
pub fn unify_string(folded: String, end: End) -> String {
    match unify(&folded, end) {
        Cow::Borrowed(_) => folded,
        Cow::Owned(unified) => unified,
    }
}

/// Whether a character is one a rule may change or drop.
fn may_fold(c: char) -> bool {
    is_kana(c) || c == LONG_MARK || (is_kanji(c) && common_form(c) != c)
}

const LONG_MARK: char = 'ー';

/// Folds `folded`, handing each character of the result to `emit` with the
/// bytes of `folded` it stands for (a long mark added after a word stands
/// for the word's last character), so that matches can be shown in the
/// text as written.
pub fn unify_with(folded: &str, end: End, mut emit: impl FnMut(char, Range<usize>)) {
    // The character at hand and the two after it, and the two before it:
    // every rule looks no further.
    let mut chars = folded.char_indices();
    let mut window = [chars.next(), chars.next(), chars.next()];
    let start_of = |slot: Option<(usize, char)>| slot.map_or(folded.len(), |(at, _)| at);
    let (mut before, mut before_that) = (None, None);
    // Kana letters and long marks just before this character: how long the word is.
    let mut kana_run = 0;
    while let Some((at, c)) = window[0] {
        let after = window[1].map(|(_, c)| c);
        let ends_query = after.is_none() && end == End::Open;
        let mut taken = 1;
        if is_long_mark(c, before) {
            // A long mark doubled is one; a query's last one is dropped
            // from a word of three kana or more (`ユーザー`, not `キー`),
            // where house styles leave it out (JIS Z 8301).
            let doubled = before.is_some_and(|b| is_long_mark(b, before_that));
            if !(doubled || ends_query && kana_run >= 3) {
                emit(LONG_MARK, at..start_of(window[1]));
            }
        } else if is_okurigana(c, before, after, ends_query) {
            // Left out.
        } else if is_kana(c) {
            let letter;
            (letter, taken) = katakana_of(c, after);
            emit(letter, at..start_of(window[taken]));
            // A katakana word ends with a long mark whether written or not
            // (`ユーザ管理` as `ユーザー管理`): one is added where none is.
            let next = window[taken].map(|(_, n)| n);
            let word_ends =
                next.is_none_or(|n| !is_katakana_letter(n) && !is_long_mark(n, Some(c)));
            if is_katakana_letter(c) && word_ends && !(next.is_none() && end == End::Open) {
                let last = start_of(window[taken - 1])..start_of(window[taken]);
                emit(LONG_MARK, last);
            }
        } else if drops_kana_after(c, after, window[2].map(|(_, c)| c), end) {
            taken = 2;
            emit(common_form(c), at..start_of(window[2]));
        } else {
            emit(common_form(c), at..start_of(window[1]));
        }
        let kana = is_kana(c) || is_long_mark(c, before);
        kana_run = if kana { kana_run + taken } else { 0 };
        for _ in 0..taken {
            (before_that, before) = (before, window[0].map(|(_, c)| c));
            window = [window[1], window[2], chars.next()];
        }
    }
}

/// Hiragana and katakana letters (not the long mark or the middle dot).
fn is_kana(c: char) -> bool {
    is_hiragana_letter(c) || is_katakana_letter(c)
}

fn is_hiragana_letter(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ゝ' | 'ゞ')
}

fn is_katakana_letter(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ヽ' | 'ヾ' | '\u{31f0}'..='\u{31ff}')
}

/// `ー`, or a dash after kana: `－` (NFKC `-`) and `−` typed for `ー`.
fn is_long_mark(c: char, before: Option<char>) -> bool {
    c == LONG_MARK
        || (matches!(c, '-' | '−') && before.is_some_and(|b| is_kana(b) || b == LONG_MARK))
}

/// A kana as katakana, and how many characters it takes: `ヴ` with a
/// small vowel is the `バ`-row syllable it is read as (`ヴァ` → `バ`).
fn katakana_of(c: char, after: Option<char>) -> (char, usize) {
    let katakana = |c: char| {
        if is_hiragana_letter(c) {
            char::from_u32(c as u32 + 0x60).unwrap_or(c)
        } else {
            c
        }
    };
    if katakana(c) != 'ヴ' {
        return (katakana(c), 1);
    }
    match after.map(katakana) {
        Some('ァ') => ('バ', 2),
        Some('ィ') => ('ビ', 2),
        Some('ェ') => ('ベ', 2),
        Some('ォ') => ('ボ', 2),
        _ => ('ブ', 1),
    }
}

/// Okurigana of the い and え rows between the kanji of a compound, which
/// the allowed forms leave out (`申し込み` → `申込`, `取り扱い` → `取扱`,
/// `受け付け` → `受付`): one such kana between two kanji, or after a kanji
/// where a query ends. The particles of these rows (`に`, `で`, `へ`) and
/// `て` stay: `東京に住む` is not a compound.
fn is_okurigana(c: char, before: Option<char>, after: Option<char>, ends_query: bool) -> bool {
    const OKURIGANA: &str = "いきぎしじちひびみりえけげせめれ";
    OKURIGANA.contains(c)
        && before.is_some_and(is_kanji)
        && (ends_query || after.is_some_and(is_kanji))
}

/// Whether the allowed form of a word of the kanji `c` leaves out the kana
/// after it (文化庁「送り仮名の付け方」, 通則1 and 2 許容: `行なう` → `行う`,
/// `終わる` → `終る`, `生まれる` → `生れる`), given the two characters after it.
fn drops_kana_after(c: char, after: Option<char>, then: Option<char>, end: End) -> bool {
    // The kanji, the kana its allowed form drops, and the kana that may
    // follow that one: `行な` is `行なう` only before a
    // conjugation, not in `移行など`.
    const FORMS: &[(char, char, &str)] = &[
        ('行', 'な', "うわいっえお"),
        ('表', 'わ', "さしすせそ"),
        ('現', 'わ', "れ"),
        ('断', 'わ', "らりるれろっ"),
        ('浮', 'か', "ばびぶべぼん"),
        ('生', 'ま', "れ"),
        ('押', 'さ', "え"),
        ('捕', 'ら', "え"),
        ('積', 'も', "らりるれろっ"),
        ('聞', 'こ', "え"),
        ('起', 'こ', "らりるれろっさしすせそ"),
        ('落', 'と', "さしすせそ"),
        ('暮', 'ら', "さしすせそ"),
        ('当', 'た', "らりるれろっ"),
        ('終', 'わ', "らりるれろっ"),
        ('変', 'わ', "らりるれろっ"),
    ];
    let Some(&(_, _, next)) = FORMS
        .iter()
        .find(|&&(kanji, kana, _)| kanji == c && after == Some(kana))
    else {
        return false;
    };
    // The kana ending a query: the text found may go on with the conjugation.
    let query_ends = then.is_none() && end == End::Open;
    query_ends || then.is_some_and(|t| next.contains(t))
}

/// The common form of a variant or old kanji (`髙` → `高`, `邊` → `辺`),
/// or the kanji itself.
///
/// Typed here from the 常用漢字表 (2010), whose parentheses give the old
/// forms of its kanji, and the variants common in names: no maintained
/// source maps Japanese variants to the Japanese common form. Unihan's
/// variants point at Chinese forms (`邊` → `边`, `齋` → `斋`) and know no
/// `辺`; the kVariants data (`irg-kvariants`) points the other way (`斎` →
/// `齋`) and knows neither `辺` nor `﨑`. NFKC (`fold`) has already made
/// most compatibility ideographs (`神` U+FA19) their unified twin.
pub fn common_form(c: char) -> char {
    // Sorted by the variant, for a binary search.
    const VARIANTS: &[(char, char)] = &[
        ('亞', '亜'),
        ('來', '来'),
        ('傳', '伝'),
        ('區', '区'),
        ('參', '参'),
        ('單', '単'),
        ('嚴', '厳'),
        ('國', '国'),
        ('圓', '円'),
        ('圖', '図'),
        ('團', '団'),
        ('增', '増'),
        ('壽', '寿'),
        ('學', '学'),
        ('實', '実'),
        ('寫', '写'),
        ('對', '対'),
        ('嵜', '崎'),
        ('嶋', '島'),
        ('嶌', '島'),
        ('廣', '広'),
        ('德', '徳'),
        ('應', '応'),
        ('戰', '戦'),
        ('擧', '挙'),
        ('數', '数'),
        ('斷', '断'),
        ('會', '会'),
        ('條', '条'),
        ('榮', '栄'),
        ('樂', '楽'),
        ('櫻', '桜'),
        ('權', '権'),
        ('歐', '欧'),
        ('歸', '帰'),
        ('氣', '気'),
        ('淺', '浅'),
        ('澤', '沢'),
        ('濱', '浜'),
        ('濵', '浜'),
        ('燈', '灯'),
        ('發', '発'),
        ('眞', '真'),
        ('縣', '県'),
        ('續', '続'),
        ('聲', '声'),
        ('與', '与'),
        ('舊', '旧'),
        ('萬', '万'),
        ('處', '処'),
        ('號', '号'),
        ('觀', '観'),
        ('證', '証'),
        ('讀', '読'),
        ('變', '変'),
        ('賣', '売'),
        ('轉', '転'),
        ('辯', '弁'),
        ('邉', '辺'),
        ('邊', '辺'),
        ('醫', '医'),
        ('鐵', '鉄'),
        ('關', '関'),
        ('隨', '随'),
        ('險', '険'),
        ('靜', '静'),
        ('體', '体'),
        ('髙', '高'),
        ('黑', '黒'),
        ('齊', '斉'),
        ('齋', '斎'),
        ('龜', '亀'),
        ('﨑', '崎'),
    ];
    VARIANTS
        .binary_search_by_key(&c, |&(variant, _)| variant)
        .map_or(c, |at| VARIANTS[at].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(text: &str) -> String {
        unify(text, End::Closed).into_owned()
    }

    fn open(text: &str) -> String {
        unify(text, End::Open).into_owned()
    }

    #[test]
    fn a_katakana_word_ends_with_one_long_mark_written_or_not() {
        assert_eq!(closed("ユーザ管理"), closed("ユーザー管理"));
        assert_eq!(closed("ユーザ管理"), "ユーザー管理");
        assert_eq!(
            closed(&super::super::fold("サーバ－")),
            "サーバー",
            "`－` after kana"
        );
        assert_eq!(closed("サーバ-"), "サーバー");
        assert_eq!(closed("サーバーー"), "サーバー");
        // A mark inside a word stays: `サーバ` is not `サバ`.
        assert_eq!(closed("サーバ"), "サーバー");
        assert_ne!(closed("サーブ"), closed("サーバ"));
        assert_eq!(closed("cfn-signal"), "cfn-signal");
    }

    #[test]
    fn a_query_ends_without_the_mark_house_styles_drop() {
        assert_eq!(open("ユーザー"), "ユーザ");
        assert_eq!(open("コンピューター"), "コンピュータ");
        // Words of one or two kana keep it: `キー` is not `キ`.
        assert_eq!(open("キー"), "キー");
        assert_eq!(open("エラー"), "エラー");
        // A query's last word may go on in the text: nothing is added.
        assert_eq!(open("ユーザ"), "ユーザ");
    }

    #[test]
    fn v_syllables_are_their_b_row() {
        assert_eq!(closed("ヴァイオリン"), closed("バイオリン"));
        assert_eq!(open("ヴィデオ"), "ビデオ");
        assert_eq!(open("ヴェール"), "ベール");
        assert_eq!(open("ヴォーカル"), "ボーカル");
        assert_eq!(open("ヴ"), "ブ");
    }

    #[test]
    fn hiragana_is_katakana() {
        assert_eq!(open("いんすたんす"), "インスタンス");
        assert_eq!(open("きーばりゅー"), "キーバリュ");
        assert_eq!(closed("ゔぁ"), "バ");
    }

    #[test]
    fn okurigana_between_the_kanji_of_a_compound_are_left_out() {
        assert_eq!(closed("申し込み受付"), "申込受付");
        assert_eq!(open("申込み"), "申込");
        assert_eq!(closed("取り扱い"), closed("取扱い"));
        assert_eq!(open("取り扱い"), "取扱");
        assert_eq!(closed("受け付け"), "受付ケ");
        // Particles are no okurigana.
        assert_eq!(closed("東京に住む"), "東京ニ住ム");
        assert_eq!(closed("日本の首都"), "日本ノ首都");
    }

    #[test]
    fn allowed_forms_leave_out_a_kana() {
        assert_eq!(closed("行なう"), closed("行う"));
        assert_eq!(closed("行なわれる"), closed("行われる"));
        assert_eq!(open("行な"), "行");
        assert_eq!(closed("終わる"), closed("終る"));
        assert_eq!(closed("生まれる"), closed("生れる"));
        // Only before a conjugation: `など` after `移行` stays.
        assert_eq!(closed("移行など"), "移行ナド");
    }

    #[test]
    fn variant_kanji_are_their_common_form() {
        assert_eq!(closed("髙橋"), "高橋");
        assert_eq!(closed("渡邊 渡邉"), "渡辺 渡辺");
        assert_eq!(closed("﨑 嵜"), "崎 崎");
        assert_eq!(closed("齋藤"), "斎藤");
        assert_eq!(closed("高橋"), "高橋");
    }

    #[test]
    fn the_variant_table_is_sorted_for_its_binary_search() {
        // Every variant found means the table is sorted and has no twins.
        for c in "亞來傳會區參單嚴國圓圖團增壽嶋嶌嵜廣德應戰擧數斷條榮樂櫻權歐歸氣淺澤濱濵燈發眞實對學寫縣續聲與舊萬處號觀變證讀賣轉辯邉邊醫鐵關險隨靜髙體黑齊齋龜﨑".chars() {
            assert_ne!(common_form(c), c, "{c}");
        }
    }

    #[test]
    fn text_without_kana_or_variants_is_borrowed() {
        assert!(matches!(unify("aws lambda", End::Closed), Cow::Borrowed(_)));
        assert!(matches!(unify("監視設定", End::Closed), Cow::Borrowed(_)));
        assert!(matches!(unify("監視する", End::Closed), Cow::Owned(_)));
    }

    #[test]
    fn a_query_folds_to_a_piece_of_any_text_holding_it() {
        // What a bigram index needs: the folding of a query is inside the
        // folding of every text it is part of.
        let alphabet = [
            "サ", "ー", "バ", "ユ", "ザ", "ヴ", "ァ", "イ", "し", "み", "申", "込", "行", "な",
            "う", "髙", "の", "-", " ", "a", "キ",
        ];
        let mut seed = 7u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let text: String = (0..(seed >> 60) + 4)
                .map(|i| alphabet[(seed >> (3 * i % 58)) as usize % alphabet.len()])
                .collect();
            let chars: Vec<char> = text.chars().collect();
            let from = (seed >> 20) as usize % chars.len();
            let to = from + 1 + (seed >> 30) as usize % (chars.len() - from);
            let query: String = chars[from..to].iter().collect();
            // A query beginning with a mark or kana that hangs on what is
            // before it (a long mark, okurigana) is not a word.
            if query.starts_with(['ー', '-', 'ァ', 'し', 'み', 'な', 'う']) {
                continue;
            }
            let folded = open(&query);
            assert!(
                closed(&text).contains(&folded),
                "{query:?} in {text:?}: {folded:?} not in {:?}",
                closed(&text)
            );
        }
    }
}
