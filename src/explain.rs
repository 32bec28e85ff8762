//! `notedeck explain FILE`: each line of a note with what became of it, the
//! rule that made its card or why it made none, so that an author can see
//! what the extractor read and fix their notes (or its rules). The
//! outcomes are the extractor's own decisions (`trace`), recorded as it
//! makes the cards; nothing here decides anything again.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use crate::card::Card;
use crate::config::{self, Config};
use crate::outline;
use crate::scan;
use crate::trace::{Block, Outcome, Trace};

/// How `explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Each line, then what became of it, for people.
    Text,
    /// One JSON object a line, for tools.
    Jsonl,
}

/// What became of one line of a note.
#[derive(Debug, Serialize)]
struct Line<'a> {
    line: usize,
    text: &'a str,
    /// `card`, `head`, `no_card`, `skipped`, `excluded`, `front_matter`,
    /// `blank` or `none`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cards: Vec<CardMade<'a>>,
    /// For `head`: the line of the card whose head goes on here.
    #[serde(skip_serializing_if = "Option::is_none")]
    card_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
}

#[derive(Debug, Serialize)]
struct CardMade<'a> {
    front: &'a str,
    kind: &'static str,
    rule: &'static str,
}

/// `notedeck explain`: prints what became of each line of `file`, read as
/// a note of `notes` (else of the nearest folder above it with a
/// `notedeck.toml`, else of its own folder), so that its deck, settings
/// and `exclude` are those of a build.
pub fn command(file: &Path, notes: Option<&Path>, format: Format) -> anyhow::Result<ExitCode> {
    let root = notes.map_or_else(|| notes_root(file), Path::to_path_buf);
    let config = Config::load(&root)?;
    let name = scan::relative_name(&root, file);
    let source = scan::read_note(file)?;
    let note = scan::note_text(file, source.clone())?;
    let mut trace = Trace::default();
    let excluded = config.excluded_by(&name);
    let cards = if excluded.is_some() || note.skip {
        Vec::new()
    } else {
        config.explain(&name, &note, &mut trace)
    };
    let blanked: Vec<&str> = note.text.lines().collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (at, text) in source.lines().enumerate() {
        let number = at + 1;
        let line = if text.trim().is_empty() {
            plain(number, text, "blank", None)
        } else if let Some(pattern) = excluded {
            let why = format!("excluded by exclude = {pattern:?} of {}", config::FILE_NAME);
            plain(number, text, "excluded", Some(why))
        } else if blanked.get(at).is_some_and(|b| b.trim().is_empty()) {
            plain(number, text, "front_matter", None)
        } else if note.skip {
            let why = "the note's front matter says notedeck: {skip: true}".to_string();
            plain(number, text, "skipped", Some(why))
        } else {
            fate(number, text, &cards, &trace)
        };
        match format {
            Format::Jsonl => {
                serde_json::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
            Format::Text => write_text(&mut out, &line)?,
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The nearest folder above `file` with a `notedeck.toml`, else its own.
fn notes_root(file: &Path) -> PathBuf {
    let folder = file
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    folder
        .ancestors()
        .find(|dir| dir.join(config::FILE_NAME).is_file())
        .unwrap_or(folder)
        .to_path_buf()
}

fn plain<'a>(line: usize, text: &'a str, outcome: &'static str, why: Option<String>) -> Line<'a> {
    Line {
        line,
        text,
        outcome,
        cards: Vec::new(),
        card_line: None,
        why,
    }
}

/// What the extraction did with line `number`: the cards whose front is
/// there, else the innermost part of the note around it.
fn fate<'a>(number: usize, text: &'a str, cards: &'a [Card], trace: &Trace) -> Line<'a> {
    let made: Vec<CardMade> = cards
        .iter()
        .zip(&trace.rules)
        .filter(|(card, _)| card.line == number)
        .map(|(card, rule)| CardMade {
            front: &card.front,
            kind: card.kind.as_str(),
            rule: rule.name(),
        })
        .collect();
    if !made.is_empty() {
        return Line {
            cards: made,
            ..plain(number, text, "card", None)
        };
    }
    let innermost = trace
        .steps
        .iter()
        .filter(|step| step.lines.contains(&number))
        .min_by_key(|step| step.lines.end() - step.lines.start());
    let Some(step) = innermost else {
        return plain(number, text, "none", None);
    };
    match step.outcome {
        Outcome::Card(index) => Line {
            card_line: cards.get(index).map(|card| card.line),
            ..plain(number, text, "head", None)
        },
        Outcome::NoCard(why) => plain(number, text, "no_card", Some(why.why().to_string())),
        Outcome::Skipped => {
            let why = format!("under {}", outline::SKIP_MARKER);
            plain(number, text, "skipped", Some(why))
        }
        Outcome::Block(Block::Html) if outline::is_skip_marker(text) => {
            let why = "skips what follows it".to_string();
            plain(number, text, "no_card", Some(why))
        }
        Outcome::Block(block) => plain(number, text, "no_card", Some(block.why().to_string())),
    }
}

fn write_text(out: &mut impl Write, line: &Line) -> std::io::Result<()> {
    // A note is untrusted: its control characters (an escape sequence)
    // must not drive the terminal.
    let shown: String = line
        .text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    writeln!(out, "{}", format!("{:>5}  {shown}", line.line).trim_end())?;
    let said = match line.outcome {
        "blank" | "none" => return Ok(()),
        "front_matter" => "front matter".to_string(),
        "card" => line
            .cards
            .iter()
            .map(|card| format!("card «{}» ({}), {}", card.front, card.kind, card.rule))
            .collect::<Vec<_>>()
            .join("; "),
        "head" => match line.card_line {
            Some(at) => format!("the head of the card on line {at} goes on"),
            None => "the head of a card goes on".to_string(),
        },
        outcome => {
            let outcome = outcome.replace('_', " ");
            match &line.why {
                Some(why) => format!("{outcome}: {why}"),
                None => outcome,
            }
        }
    };
    writeln!(out, "       → {said}")
}
