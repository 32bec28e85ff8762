//! Japanese text handling that every stage shares: folding, script classes,
//! separators, labels, term-likeness, search tokens and display width.
//! It knows nothing of Markdown, SQLite or Anki.

pub mod phrase;
pub mod script;
pub mod separator;
pub mod width;
mod words;

use unicode_normalization::UnicodeNormalization;

/// The form used for matching and identity: NFKC, lower case.
/// (`ＤＬＱ` and `dlq`, `ｼｽﾃﾑ` and `システム` fold alike.)
pub fn fold(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
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
