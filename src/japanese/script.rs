//! Which script a character belongs to.

/// Hiragana, without the prolonged sound mark (shared with katakana).
pub fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}')
}

/// Katakana, full or half width, with `ー`.
pub fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9F}')
}

/// Kanji (CJK unified ideographs and their extensions), with `々`.
pub fn is_kanji(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3007}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// Kana or kanji: the characters Japanese words are written in.
pub fn is_japanese(c: char) -> bool {
    is_hiragana(c) || is_katakana(c) || is_kanji(c)
}

/// A Latin letter or a digit, full width included.
pub fn is_latin_or_digit(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}')
        || (c.is_alphabetic() && !is_japanese(c) && (c as u32) < 0x2E80)
}

/// A digit as notes write numbers: ASCII, full-width, or a kanji numeral
/// (`第三章`, `十日目`).
pub fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || "〇一二三四五六七八九十百".contains(c)
}

/// ASCII or ideographic white space (what Japanese notes put around separators).
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

pub fn is_open_bracket(c: char) -> bool {
    matches!(
        c,
        '(' | '（' | '「' | '『' | '[' | '［' | '{' | '｛' | '【' | '〈' | '《' | '〔'
    )
}

pub fn is_close_bracket(c: char) -> bool {
    matches!(
        c,
        ')' | '）' | '」' | '』' | ']' | '］' | '}' | '｝' | '】' | '〉' | '》' | '〕'
    )
}

/// Emoji and the symbols and dingbats they grew from (`🎯`, `✅`, `⭐`),
/// with the selector that asks for their colour form.
pub fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{27bf}' | '\u{2b00}'..='\u{2bff}' | '\u{1f000}'..='\u{1faff}' | '\u{fe0f}')
}

/// The box-drawing marks that draw a tree (`└─`, `├─`, `│`).
pub fn is_tree_mark(c: char) -> bool {
    matches!(c, '\u{2500}'..='\u{257f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_japanese_text() {
        assert!("ひらがな".chars().all(is_hiragana));
        assert!("カタカナー".chars().all(is_katakana));
        assert!("ｼｽﾃﾑ".chars().all(is_katakana));
        assert!("監視々".chars().all(is_kanji));
        assert!("AWSｘ３".chars().all(is_latin_or_digit));
        assert!(!is_latin_or_digit('監'));
        assert!(is_space('\u{3000}'));
    }
}
