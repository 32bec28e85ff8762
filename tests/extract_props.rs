//! No input makes the extractor panic, loop or lose its bearings.

use notedeck::extract::extract_note;
use proptest::prelude::*;

fn check(text: &str) {
    let cards = extract_note("dir/note.md", text);
    let lines = text.lines().count().max(1);
    let mut guids = std::collections::HashSet::new();
    for card in &cards {
        assert!(!card.front.is_empty());
        assert!(
            card.line >= 1 && card.line <= lines,
            "line {} of {lines}",
            card.line
        );
        assert!(
            guids.insert(card.guid.clone()),
            "duplicate GUID for {:?}",
            card.front
        );
        assert!(card.deck.starts_with("dir::"));
    }
}

/// Markdown-ish pieces, so that the generator reaches lists, headings,
/// separators, brackets, bold and code rather than plain noise.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("- ".to_string()),
        Just("  ".to_string()),
        Just("\t".to_string()),
        Just("-\u{3000}".to_string()),
        Just("1. ".to_string()),
        Just("## ".to_string()),
        Just("# ".to_string()),
        Just(": ".to_string()),
        Just("：".to_string()),
        Just("は、".to_string()),
        Just("とは".to_string()),
        Just("**".to_string()),
        Just("`".to_string()),
        Just("```".to_string()),
        Just("（".to_string()),
        Just(")".to_string()),
        Just("「".to_string()),
        Just("![i](x.png)".to_string()),
        Just("<br>".to_string()),
        Just("ですか？".to_string()),
        Just("ステップ 1".to_string()),
        Just("原因".to_string()),
        Just("\r\n".to_string()),
        "[a-zA-Zぁ-んァ-ン一-龥 ]{0,6}",
    ];
    prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn markdownish_strings(text in markdownish()) {
        check(&text);
    }
}
