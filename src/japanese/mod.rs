//! Japanese text handling that every stage shares: folding, script classes,
//! separators, labels, term-likeness, search tokens and display width.
//! It knows nothing of Markdown, SQLite or Anki.

pub mod phrase;
pub mod script;
pub mod separator;
pub mod tokens;
pub mod width;
mod words;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The form used for matching and identity: NFKC, lower case.
/// (`ＤＬＱ` and `dlq`, `ｼｽﾃﾑ` and `システム` fold alike.)
pub fn fold(text: &str) -> String {
    // Most text is NFKC already; normalizing it anyway is the costly part.
    // One pass for the usual case; a character NFKC might change sends the
    // whole text the careful way.
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if !is_nfkc_stable(c) {
            folded.clear();
            if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
                text.chars().for_each(|c| push_lower(&mut folded, c));
            } else {
                text.nfkc().for_each(|c| push_lower(&mut folded, c));
            }
            return folded;
        }
        push_lower(&mut folded, c);
    }
    folded
}

/// Characters that NFKC leaves as they are and that compose with nothing:
/// ASCII, kana, common kanji and Japanese punctuation, most of any note.
/// (Full-width forms, half-width kana and the ideographic space are not.)
fn is_nfkc_stable(c: char) -> bool {
    matches!(c,
        '\0'..='\u{7f}' | '\u{3001}'..='\u{3002}' | '\u{3005}'..='\u{3007}' | '\u{300c}'..='\u{3011}'
        | '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{30fc}' | '\u{4e00}'..='\u{9fff}')
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if script::is_japanese(c) {
        // Kana and kanji have no case: skip the case tables.
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_joins_widths_and_cases() {
        assert_eq!(fold("ＤＬＱ"), "dlq");
        assert_eq!(fold("ｼｽﾃﾑ"), "システム");
        assert_eq!(fold("（SSM）"), "(ssm)");
        assert_eq!(fold("AWS の設定、「監視」"), "aws の設定、「監視」");
        assert_eq!(
            fold("\u{30ab}\u{3099}"),
            "\u{30ac}",
            "a decomposed voiced kana composes"
        );
        assert_eq!(fold("　"), " ");
    }
}
