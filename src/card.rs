//! The card: what the extractor makes and every later stage reads.

use std::sync::Arc;

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

/// Which Anki note type a card becomes, and so which cards Anki makes of
/// it. Chosen by the note's front matter or `notedeck.toml` (`Reversed`,
/// `TypeIn`) or by gaps in the back (`Cloze`, which wins).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum NoteType {
    /// One card: front, then back.
    #[default]
    Basic,
    /// Two cards: front → back, and back → front.
    Reversed,
    /// One card whose answer is typed in (Anki's `{{type:Back}}`).
    TypeIn,
    /// One card a gap of the back (`{{c1::…}}`, `==…==`).
    Cloze,
}

impl NoteType {
    pub const ALL: [NoteType; 4] = [
        NoteType::Basic,
        NoteType::Reversed,
        NoteType::TypeIn,
        NoteType::Cloze,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteType::Basic => "basic",
            NoteType::Reversed => "reversed",
            NoteType::TypeIn => "type_in",
            NoteType::Cloze => "cloze",
        }
    }

    pub fn is_basic(&self) -> bool {
        *self == NoteType::Basic
    }
}

impl std::str::FromStr for NoteType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NoteType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown note type '{s}' (basic, reversed, type_in or cloze)"))
    }
}

/// One flashcard, with everything needed to index, search and export it.
///
/// The field names and their order are those of `extract --format jsonl`;
/// `note_type` is there only when it is not `basic`. The cards of a note
/// share its deck and file, and siblings their context and tags: one copy
/// each, however many cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// Stable identity: survives edits of the back (see `identity`).
    pub guid: String,
    /// Anki deck name, levels joined with `::`.
    pub deck: Arc<str>,
    pub front: String,
    /// The back as plain text: the definition, then the subtree, in which
    /// the cards nested under this one stand by their fronts.
    pub back: String,
    /// The back as HTML, rendered from the Markdown.
    pub back_html: String,
    /// Fronts of the card's ancestors and the headings above it, outermost first.
    pub context: Arc<[String]>,
    /// Anki tags from the headings above the card.
    pub tags: Arc<[String]>,
    pub kind: Kind,
    /// The note file, relative to the notes folder, with `/` separators.
    pub file: Arc<str>,
    /// 1-based line of the front in `file`.
    pub line: usize,
    #[serde(default, skip_serializing_if = "NoteType::is_basic")]
    pub note_type: NoteType,
}

/// A card as the index holds it: with the time its content last changed.
#[derive(Debug, Clone)]
pub struct IndexedCard {
    pub card: Card,
    /// Unix seconds when the card's content last changed: the note's `mod`.
    pub changed: i64,
}
