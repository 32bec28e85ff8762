//! Japanese text handling that every stage shares: folding, script classes,
//! separators, labels, term-likeness, search tokens and display width.
//! It knows nothing of Markdown, SQLite or Anki.

pub mod tokens;
pub mod width;

use unicode_normalization::UnicodeNormalization;

/// The form used for matching and identity: NFKC, lower case.
/// (`ＤＬＱ` and `dlq`, `ｼｽﾃﾑ` and `システム` fold alike.)
pub fn fold(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}
