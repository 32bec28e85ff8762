//! Index → one `.apkg` and one `.csv` per deck, each written atomically.
//! (Interface only until the exporters land.)

use std::path::{Path, PathBuf};

use crate::card::Card;

/// A card as the index holds it: with the time its content last changed.
#[derive(Debug, Clone)]
pub struct IndexedCard {
    pub card: Card,
    /// Unix seconds when the card's content last changed: the note's `mod`.
    pub changed: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum OutputFormat {
    Apkg,
    Csv,
}

/// What writing one deck produced.
#[derive(Debug, Default)]
pub struct DeckReport {
    pub files: Vec<PathBuf>,
    /// Problems that did not stop the export, such as `file:line: image not found`.
    pub warnings: Vec<String>,
}

/// Writes the files of one deck into `out_dir`. `notes_root` is where local
/// images are looked up (and never left).
pub fn write_deck(
    out_dir: &Path,
    notes_root: &Path,
    deck: &str,
    cards: &[IndexedCard],
    formats: &[OutputFormat],
) -> anyhow::Result<DeckReport> {
    let _ = (out_dir, notes_root, deck, cards, formats);
    Ok(DeckReport::default())
}

/// The file stem of a deck's outputs: safe on every OS.
pub fn file_stem(deck: &str) -> String {
    deck.replace("::", "__")
}
