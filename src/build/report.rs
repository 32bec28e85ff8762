//! What a build did, as it reports it: the counts, the files and outputs,
//! the warnings, and the one summary line.

use std::fmt;
use std::path::PathBuf;

use crate::index::{CardEvent, Outcome};
use crate::notes::scan::NoteError;

/// What a build did (or, dry, would do).
#[derive(Debug, Default)]
pub struct BuildReport {
    pub dry_run: bool,
    /// The notes folder the build read.
    pub notes: PathBuf,
    pub files_changed: usize,
    /// The cards of the index, each an Anki note.
    pub cards: u64,
    /// The cards Anki makes of them: more than `cards` when some are
    /// reversed (two cards) or cloze (one a gap).
    pub anki_cards: u64,
    pub new: usize,
    pub changed: usize,
    pub moved: usize,
    pub renamed: usize,
    pub removed: usize,
    /// Output files written, in order.
    pub written: Vec<PathBuf>,
    /// Outputs of earlier builds that this one removed (a deck without
    /// cards, per-deck files after `--split` is dropped).
    pub deleted: Vec<PathBuf>,
    /// Files that could not be used, each naming the file. They keep their
    /// previous cards; the build still succeeds for the others.
    pub failed: Vec<NoteError>,
    /// Problems that did not stop anything (duplicate cards, exporter warnings).
    pub warnings: Vec<String>,
    /// With `list_cards`: every card that changed, in note order.
    pub events: Vec<CardEvent>,
}

impl BuildReport {
    /// One line a card that changed: `moved    deck · front · file:line`.
    pub fn card_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.events.iter().map(|e| {
            format!(
                "{:<8} {} · {} · {}:{}",
                e.outcome.as_str(),
                e.deck,
                e.front,
                e.file,
                e.line
            )
        })
    }

    /// A note that could not be used fails; an entry that holds no note
    /// (`NoteError::is_warning`) is only warned about.
    pub(super) fn note_problem(&mut self, err: NoteError) {
        if err.is_warning() {
            self.warnings.push(err.to_string());
        } else {
            self.failed.push(err);
        }
    }

    pub(super) fn count(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::New => &mut self.new,
            Outcome::Changed => &mut self.changed,
            Outcome::Moved => &mut self.moved,
            Outcome::Renamed => &mut self.renamed,
            Outcome::Removed => &mut self.removed,
        } += 1;
    }
}

/// Notes named in the warning that no note made a card; more are counted.
pub(super) const NOTES_NAMED: usize = 5;

/// Outputs named in the summary line; more are counted.
const OUTPUTS_NAMED: usize = 3;

/// The summary line: `1 file changed · 143 cards (3 new, 2 changed, 0 moved,
/// 0 renamed, 1 removed) · out/notes.apkg, out/notes.csv`; `143 notes, 150
/// cards (…)` when Anki makes more cards of them than there are notes.
impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.dry_run {
            write!(f, "dry run, nothing written: ")?;
        }
        let cards = plural(self.anki_cards as usize, "card", "cards");
        let notes_and_cards = if self.anki_cards == self.cards {
            cards
        } else {
            format!("{}, {cards}", plural(self.cards as usize, "note", "notes"))
        };
        write!(
            f,
            "{} · {notes_and_cards} ({} new, {} changed, {} moved, {} renamed, {} removed)",
            plural(self.files_changed, "file changed", "files changed"),
            self.new,
            self.changed,
            self.moved,
            self.renamed,
            self.removed
        )?;
        if !self.failed.is_empty() {
            write!(
                f,
                " · {}",
                plural(self.failed.len(), "file failed", "files failed")
            )?;
        }
        let verb = if self.dry_run { "would write " } else { "" };
        if self.written.is_empty() {
            write!(f, " · no output rewritten")?;
        } else {
            let names: Vec<String> = self
                .written
                .iter()
                .take(OUTPUTS_NAMED)
                .map(|p| p.display().to_string())
                .collect();
            write!(f, " · {verb}{}", names.join(", "))?;
            if self.written.len() > OUTPUTS_NAMED {
                write!(f, " and {} more", self.written.len() - OUTPUTS_NAMED)?;
            }
        }
        if !self.deleted.is_empty() {
            let verb = if self.dry_run {
                "would remove"
            } else {
                "removed"
            };
            write!(
                f,
                " · {verb} {}",
                plural(self.deleted.len(), "old output", "old outputs")
            )?;
        }
        Ok(())
    }
}
