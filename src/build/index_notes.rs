//! The notes read into the index: the scan, the changed notes extracted
//! on a second thread while this one stores their cards, the files gone,
//! and the identities settled.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc;

use indicatif::ProgressBar;

use super::report::NOTES_NAMED;
use super::{progress, Run, META_RULES};
use crate::extract;
use crate::freshness;
use crate::index::{CardEvent, Outcome, PreparedCard, Stored};
use crate::notes::scan::{self, Change, NoteError};

/// Files the reading thread may have extracted ahead of the writing one.
const FILES_AHEAD: usize = 8;

/// A note file as the reading thread found it.
enum Visit {
    Unchanged,
    /// Touched, its content the same.
    Touched(scan::FileState),
    /// Read and extracted.
    Changed(scan::FileState, Vec<PreparedCard>),
}

impl Run<'_, '_> {
    /// Reads the notes into the index: extracts the ones that changed and
    /// stores their cards, forgets the ones gone, and settles identities.
    pub(super) fn index_notes(&mut self) -> anyhow::Result<()> {
        let force = self.must_extract_all()?;
        let (notes, walk_errors) = self.config.scan_notes(self.notes);
        let unreadable = unreadable_folders(self.notes, &walk_errors);
        for err in walk_errors {
            self.report.note_problem(err);
        }
        let mut known = self.writer.known_files()?;
        // Files whose cards this build may take away: the ones it may extract
        // again (by size and time; a touched file may turn out the same) and
        // the ones that are gone.
        let found: HashMap<&str, &scan::NoteFile> =
            notes.iter().map(|n| (n.name.as_str(), n)).collect();
        let revisited: HashSet<String> = known
            .iter()
            .filter(|&(name, state)| {
                force
                    || found
                        .get(name.as_str())
                        .is_none_or(|n| n.size != state.size || n.mtime != state.mtime)
            })
            .map(|(name, _)| name.clone())
            .collect();
        // Each file's known state is taken out of `known` now: what is left
        // is what was not found. Files unchanged by size and time are done
        // with here: passing each to the other thread would wake it once a
        // file, most of what a build with nothing to do costs.
        let (visits, unchanged): (Vec<_>, Vec<_>) = notes
            .iter()
            .map(|note| (note, known.remove(&note.name)))
            .partition(|(note, known)| !scan::is_unchanged(note, known.as_ref(), force));
        let progress = progress(
            self.options.progress,
            notes.len() as u64,
            "{bar:30} {pos}/{len} {wide_msg}",
        );
        progress.inc(unchanged.len() as u64);
        let (extracted, failed) = self.read_changed(visits, &revisited, force, &progress)?;
        progress.finish_and_clear();
        self.writer
            .set_meta(freshness::META_FAILED, &freshness::record_failed(&failed))?;
        let gone = self.forget_gone(known, &unreadable)?;
        self.report.files_changed = extracted.len() + gone.len();
        for name in extracted.iter().chain(&gone) {
            self.writer.sweep_file(name)?;
        }
        self.read_files.extend(extracted.into_iter().chain(gone));
        for event in self.writer.settle()? {
            self.note(event);
        }
        if self.writer.card_count()? == 0 {
            self.report
                .warnings
                .extend(self.why_no_card(notes.is_empty())?);
        }
        Ok(())
    }

    /// Brings the search tokens up to date and records the rules and the
    /// notes' stamp; returns whether every note must be extracted again
    /// (`--force`, a migrated index, or other rules than the last build's).
    fn must_extract_all(&self) -> anyhow::Result<bool> {
        self.writer.reindex_if_tokens_changed()?;
        let rules = format!("{} {}", extract::RULES_VERSION, self.config.fingerprint());
        let rules = rules.trim_end();
        let force = self.options.force
            || self.writer.migrated()
            || self.writer.meta(META_RULES)?.as_deref() != Some(rules);
        self.writer.set_meta(META_RULES, rules)?;
        // Before the scan: a change made while it runs must not match.
        self.writer.set_meta(
            freshness::META_STAMP,
            &freshness::stamp(self.notes, &self.config),
        )?;
        Ok(force)
    }

    /// Reads, extracts and stores the notes that may have changed: returns
    /// the ones extracted and the ones that could not be read.
    fn read_changed(
        &mut self,
        visits: Vec<(&scan::NoteFile, Option<scan::FileState>)>,
        revisited: &HashSet<String>,
        force: bool,
        progress: &ProgressBar,
    ) -> anyhow::Result<(Vec<String>, Vec<freshness::FailedNote>)> {
        let mut extracted = Vec::new();
        let mut failed = Vec::new();
        // Files are read, extracted and their cards prepared (hashes,
        // tokens) on a second thread, while this one writes the index: each
        // takes about half of a first build.
        // The extracting thread's own copy: this one keeps `self` to write.
        let config = &self.config.clone();
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let (send, receive) = mpsc::sync_channel(FILES_AHEAD);
            scope.spawn(move || {
                for (note, known) in visits {
                    let visit =
                        scan::detect_change(note, known.as_ref(), force).map(
                            |change| match change {
                                Change::Unchanged => Visit::Unchanged,
                                Change::Touched(state) => Visit::Touched(state),
                                Change::Changed(state, text) => Visit::Changed(
                                    state,
                                    extract::note_cards(config, &note.name, &text, None)
                                        .into_iter()
                                        .map(PreparedCard::new)
                                        .collect(),
                                ),
                            },
                        );
                    // Closed: the writing side failed and stopped.
                    if send.send((note, visit)).is_err() {
                        break;
                    }
                }
            });
            for (note, visit) in receive {
                progress.set_message(note.name.clone());
                match visit {
                    Ok(Visit::Unchanged) => {}
                    Ok(Visit::Touched(state)) => self.writer.set_file(&note.name, &state)?,
                    Ok(Visit::Changed(state, cards)) => {
                        self.index_file(cards, revisited)?;
                        self.writer.set_file(&note.name, &state)?;
                        extracted.push(note.name.clone());
                    }
                    Err(err) => {
                        failed.push(freshness::FailedNote {
                            name: note.name.clone(),
                            size: note.size,
                            mtime: note.mtime,
                            error: err.to_string(),
                        });
                        self.report.note_problem(err);
                    }
                }
                progress.inc(1);
            }
            Ok(())
        })?;
        Ok((extracted, failed))
    }

    /// Forgets the known files not found this time, but for those under a
    /// folder that could not be read; returns them.
    fn forget_gone(
        &self,
        known: HashMap<String, scan::FileState>,
        unreadable: &[String],
    ) -> anyhow::Result<Vec<String>> {
        let gone: Vec<String> = known
            .into_keys()
            .filter(|name| {
                !unreadable
                    .iter()
                    .any(|dir| name.starts_with(&format!("{dir}/")) || name == dir)
            })
            .collect();
        for name in &gone {
            self.writer.forget_file(name)?;
        }
        Ok(gone)
    }

    /// Counts what became of a card, marks its decks (and the one it left)
    /// for their outputs, and keeps it for `build -v`.
    fn note(&mut self, event: CardEvent) {
        self.report.count(event.outcome);
        self.dirty.insert(event.deck.clone());
        self.dirty.extend(event.left_deck.clone());
        if self.options.list_cards {
            self.report.events.push(event);
        }
    }

    /// Why the notes made no card: there were none, or these made none
    /// (the notes that failed are named already).
    fn why_no_card(&self, no_note_found: bool) -> anyhow::Result<Option<String>> {
        if no_note_found {
            return Ok(Some(format!(
                "no .md files under {}: no card to build",
                self.notes.join("").display()
            )));
        }
        let mut read: Vec<String> = self.writer.known_files()?.into_keys().collect();
        read.sort();
        let Some(first) = read.first() else {
            return Ok(None);
        };
        let mut named = read
            .iter()
            .take(NOTES_NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if read.len() > NOTES_NAMED {
            named.push_str(&format!(" and {} more", read.len() - NOTES_NAMED));
        }
        Ok(Some(format!(
            "no card in the notes of {}: {named} made none; `notedeck explain {}` shows what became of each line",
            self.notes.display(),
            self.notes.join(first).display()
        )))
    }

    /// Stores the cards of one note in the index.
    fn index_file(
        &mut self,
        cards: Vec<PreparedCard>,
        revisited: &HashSet<String>,
    ) -> anyhow::Result<()> {
        for prepared in cards {
            let stored = self
                .writer
                .store_card(&prepared, |file| revisited.contains(file))?;
            let card = prepared.card;
            match stored {
                Stored::Unchanged | Stored::Appeared => {}
                Stored::Duplicate { file, line } => self.report.warnings.push(format!(
                    "{}:{}: a card of deck {} with the same front and context is already in {file}:{line}; this one is left out",
                    card.file, card.line, card.deck
                )),
                Stored::Changed | Stored::Moved => self.note(CardEvent {
                    outcome: if stored == Stored::Moved {
                        Outcome::Moved
                    } else {
                        Outcome::Changed
                    },
                    left_deck: None,
                    deck: card.deck.to_string(),
                    front: card.front,
                    file: card.file.to_string(),
                    line: card.line,
                }),
            }
        }
        Ok(())
    }
}

/// The folders the scan could not read: the known files under them are
/// not gone.
fn unreadable_folders(notes: &Path, walk_errors: &[NoteError]) -> Vec<String> {
    walk_errors
        .iter()
        .filter_map(|err| match err {
            NoteError::Unreadable { path, .. } => Some(scan::relative_name(notes, path)),
            NoteError::NotUtf8 { .. }
            | NoteError::NotUtf16 { .. }
            | NoteError::Outside { .. }
            | NoteError::FrontMatter { .. }
            | NoteError::TooLarge { .. }
            | NoteError::NotAFile { .. }
            | NoteError::LinkLoop { .. }
            | NoteError::SameName { .. } => None,
        })
        .collect()
}
