//! Writes the decks of a notes folder without the index: `cargo run --example
//! export_notes -- NOTES OUT`. Every card gets the same changed time (now).
//! A stop-gap for trying the exporters until `notedeck build` exists.

use std::collections::BTreeMap;
use std::path::PathBuf;

use notedeck::export::{write_deck, IndexedCard, OutputFormat};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let notes = args.next().unwrap_or_else(|| "notes".into());
    let out = args.next().unwrap_or_else(|| "out".into());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let mut decks: BTreeMap<String, Vec<IndexedCard>> = BTreeMap::new();
    for path in notedeck::scan::find_notes(&notes)? {
        let text = notedeck::scan::read_note(&path)?;
        let name = notedeck::scan::relative_name(&notes, &path);
        for card in notedeck::extract::extract_note(&name, &text) {
            decks
                .entry(card.deck.clone())
                .or_default()
                .push(IndexedCard { card, changed: now });
        }
    }
    for (deck, cards) in decks {
        let report = write_deck(
            &out,
            &notes,
            &deck,
            &cards,
            &[OutputFormat::Apkg, OutputFormat::Csv],
        )?;
        for warning in &report.warnings {
            eprintln!("warning: {warning}");
        }
        let files: Vec<String> = report
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        println!(
            "{deck}: {} cards, {} images · {}",
            report.cards,
            report.media,
            files.join(", ")
        );
    }
    Ok(())
}
