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
use crate::notes::config::{self, Config};
use crate::notes::scan;
use crate::trace::{Block, Outcome, Rule, Trace};
use crate::{extract, outline};

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
        extract::note_cards(&config, &name, &note, Some(&mut trace))
    };
    let blanked: Vec<&str> = note.text.lines().collect();
    let fates = Fates::new(source.lines().count(), &cards, &trace);
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
            fates.of(number, text)
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

/// What the extraction did with each line, worked out once for the note:
/// a line may lie inside many parts (an item inside a quote), and a note
/// may have hundreds of thousands of lines.
struct Fates<'a> {
    /// By line (0-based): the cards whose front is there.
    cards: Vec<Vec<(usize, &'a Card)>>,
    /// By line: the outcome of the innermost part around it, with its
    /// number of lines.
    innermost: Vec<Option<(usize, Outcome)>>,
    all_cards: &'a [Card],
    rules: &'a [Rule],
}

impl<'a> Fates<'a> {
    fn new(lines: usize, cards: &'a [Card], trace: &'a Trace) -> Fates<'a> {
        let mut by_line = vec![Vec::new(); lines];
        for (index, card) in cards.iter().enumerate() {
            if let Some(at) = by_line.get_mut(card.line.wrapping_sub(1)) {
                at.push((index, card));
            }
        }
        let mut innermost: Vec<Option<(usize, Outcome)>> = vec![None; lines];
        // Later steps win ties: a part recorded after another of its size
        // is inside it.
        for step in &trace.steps {
            let span = step.lines.end() - step.lines.start();
            let first = step.lines.start().saturating_sub(1);
            let last = (*step.lines.end()).min(lines);
            for slot in innermost.iter_mut().take(last).skip(first) {
                if slot.is_none_or(|(other, _)| span <= other) {
                    *slot = Some((span, step.outcome));
                }
            }
        }
        Fates {
            cards: by_line,
            innermost,
            all_cards: cards,
            rules: &trace.rules,
        }
    }

    /// What became of line `number`, whose text is `text`: the cards whose
    /// front is there, else the innermost part of the note around it.
    fn of(&self, number: usize, text: &'a str) -> Line<'a> {
        let made: Vec<CardMade> = self.cards[number - 1]
            .iter()
            .map(|&(index, card)| CardMade {
                front: &card.front,
                kind: card.kind.as_str(),
                rule: self.rules[index].name(),
            })
            .collect();
        if !made.is_empty() {
            return Line {
                cards: made,
                ..plain(number, text, "card", None)
            };
        }
        let Some((_, outcome)) = self.innermost[number - 1] else {
            return plain(number, text, "none", None);
        };
        match outcome {
            Outcome::Card(index) => Line {
                card_line: self.all_cards.get(index).map(|card| card.line),
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
            // A slip in the marker (`<!-- notedeck: skp -->`) skips nothing.
            Outcome::Block(Block::Html) if text.trim_start().starts_with("<!-- notedeck") => {
                let why = format!(
                    "HTML, skipping nothing: the mark is {}",
                    outline::SKIP_MARKER
                );
                plain(number, text, "no_card", Some(why))
            }
            Outcome::Block(block) => plain(number, text, "no_card", Some(block.why().to_string())),
        }
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
