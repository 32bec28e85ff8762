//! The tree of a note → cards, by the rules of EXTRACTION.md.
//! (Placeholder: a naive colon split until the real extractor lands.)

use crate::card::{Card, Kind};

/// The cards of one note. `file` is its name relative to the notes folder,
/// with `/` separators; the deck comes from its folders and `#` title.
pub fn extract_note(file: &str, text: &str) -> Vec<Card> {
    let deck = file.trim_end_matches(".md").replace('/', "::");
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let item = line.trim_start().strip_prefix("- ")?;
            let (front, back) = item.split_once(':')?;
            Some(Card {
                guid: format!("{deck}:{i}"),
                deck: deck.clone(),
                front: front.trim().to_string(),
                back: back.trim().to_string(),
                back_html: back.trim().to_string(),
                context: Vec::new(),
                tags: Vec::new(),
                kind: Kind::Term,
                file: file.to_string(),
                line: i + 1,
            })
        })
        .collect()
}
