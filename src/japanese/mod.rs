//! Japanese text handling that every stage shares: folding, script classes,
//! separators, labels, term-likeness, search tokens and display width.
//! It knows nothing of Markdown, SQLite or Anki.

pub mod phrase;
pub mod script;
pub mod separator;
pub mod width;
mod words;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The form used for matching and identity: NFKC, lower case.
/// (`ＤＬＱ` and `dlq`, `ｼｽﾃﾑ` and `システム` fold alike.)
pub fn fold(text: &str) -> String {
    // Most text is NFKC already; normalizing it anyway is the costly part.
    let mut folded = String::with_capacity(text.len());
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().for_each(|c| push_lower(&mut folded, c));
    } else {
        text.nfkc().for_each(|c| push_lower(&mut folded, c));
    }
    folded
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
    }
}
