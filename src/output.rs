//! How `extract` prints cards: JSON lines, TSV, or text for people.

use std::io::{self, Write};

use crate::card::Card;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Tsv,
    Text,
}

/// Writes cards in `format`; `header` is printed once, before the first card.
pub fn write_cards(out: &mut impl Write, cards: &[Card], format: Format) -> io::Result<()> {
    for card in cards {
        match format {
            Format::Jsonl => {
                serde_json::to_writer(&mut *out, card)?;
                writeln!(out)?;
            }
            Format::Tsv | Format::Text => writeln!(out, "{}\t{}", card.front, card.back)?,
        }
    }
    Ok(())
}
