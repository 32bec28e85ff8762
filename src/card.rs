//! The card: what the extractor makes and every later stage reads.

use serde::{Deserialize, Serialize};

/// What made an item a card (docs/extraction.md, "Rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A term with its definition: `用語: 定義`, `X は、…`, `**X**は…`.
    Term,
    /// A heading or item with nested content: the content is the back.
    Topic,
    /// A question and its answer.
    Qa,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Term => "term",
            Kind::Topic => "topic",
            Kind::Qa => "qa",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "term" => Ok(Kind::Term),
            "topic" => Ok(Kind::Topic),
            "qa" => Ok(Kind::Qa),
            other => Err(format!("unknown card kind '{other}' (term, topic or qa)")),
        }
    }
}

/// One flashcard, with everything needed to index, search and export it.
///
/// The field names and their order are those of `extract --format jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// Stable identity: survives edits of the back (see `identity`).
    pub guid: String,
    /// Anki deck name, levels joined with `::`.
    pub deck: String,
    pub front: String,
    /// The back as plain text: the definition, then the whole subtree.
    pub back: String,
    /// The back as HTML, rendered from the Markdown.
    pub back_html: String,
    /// Fronts of the card's ancestors and the headings above it, outermost first.
    pub context: Vec<String>,
    /// Anki tags from the headings above the card.
    pub tags: Vec<String>,
    pub kind: Kind,
    /// The note file, relative to the notes folder, with `/` separators.
    pub file: String,
    /// 1-based line of the front in `file`.
    pub line: usize,
}
