//! A build: scan the notes, extract the files that changed, bring the index
//! up to date and rewrite the outputs of the decks whose cards changed, all in
//! the index's one transaction, then report it in one line.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::export::{self, OutputFormat};
use crate::extract;
use crate::index::{CardChange, Index, Writer};
use crate::scan::{self, Change, NoteError};

/// What a build reads, writes and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub notes: PathBuf,
    pub out: PathBuf,
    pub formats: Vec<OutputFormat>,
    /// Extract every file and rewrite every deck, changed or not.
    pub force: bool,
    /// Keep the list of new, changed and removed cards for the report.
    pub list_cards: bool,
}

/// The index file of an output folder.
pub fn index_path(out: &Path) -> PathBuf {
    out.join("index.sqlite")
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub files_changed: usize,
    pub cards: u64,
    pub new: usize,
    pub changed: usize,
    pub removed: usize,
    /// Output files written, in deck order.
    pub written: Vec<PathBuf>,
    /// Files that could not be used, each naming the file. They keep their
    /// previous cards; the build still succeeds for the others.
    pub failed: Vec<NoteError>,
    /// Problems that did not stop anything (duplicate cards, exporter warnings).
    pub warnings: Vec<String>,
    /// With `list_cards`: one line a new, changed or removed card.
    pub card_lines: Vec<String>,
}

impl BuildReport {
    /// Whether the build changed the index or any output.
    pub fn did_anything(&self) -> bool {
        self.files_changed > 0
            || self.new + self.changed + self.removed > 0
            || !self.written.is_empty()
    }
}

/// The summary line: `1 file changed · 143 cards (3 new, 2 changed, 1 removed) · out/X.apkg`.
impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{} · {} ({} new, {} changed, {} removed)",
            plural(self.files_changed, "file changed", "files changed"),
            plural(self.cards as usize, "card", "cards"),
            self.new,
            self.changed,
            self.removed
        )?;
        if !self.failed.is_empty() {
            write!(
                f,
                " · {}",
                plural(self.failed.len(), "file failed", "files failed")
            )?;
        }
        if self.written.is_empty() {
            write!(f, " · no output rewritten")
        } else {
            let names: Vec<String> = self
                .written
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            write!(f, " · {}", names.join(", "))
        }
    }
}

/// Runs a build. A folder of notes that does not exist is an error and
/// changes nothing; a note that cannot be used is reported in
/// `BuildReport::failed` and the others are indexed.
pub fn build(options: &BuildOptions) -> anyhow::Result<BuildReport> {
    // Checked before anything changes: an unreadable folder must not look
    // like a folder whose notes were all deleted.
    if !options.notes.is_dir() {
        anyhow::bail!("{}: notes folder not found", options.notes.display());
    }
    std::fs::read_dir(&options.notes)
        .with_context(|| format!("{}: cannot read the notes folder", options.notes.display()))?;
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("{}: cannot create the output folder", options.out.display()))?;
    let mut index = Index::open(&index_path(&options.out))?;
    let writer = index.begin(unix_now())?;
    // Holding the index's write lock, nothing else writes here: what is
    // left is a killed build's.
    remove_stale_temporaries(&options.out)?;
    let mut run = Run {
        options,
        writer,
        report: BuildReport::default(),
        dirty: BTreeSet::new(),
    };
    run.index_notes()?;
    run.write_outputs()?;
    run.report.cards = run.writer.card_count()?;
    run.writer.commit()?;
    Ok(run.report)
}

struct Run<'a, 'i> {
    options: &'a BuildOptions,
    writer: Writer<'i>,
    report: BuildReport,
    /// Decks with a new, changed or removed card: their outputs are rewritten.
    dirty: BTreeSet<String>,
}

impl Run<'_, '_> {
    fn index_notes(&mut self) -> anyhow::Result<()> {
        let force = self.options.force || self.writer.migrated();
        let (notes, walk_errors) = scan::scan_notes(&self.options.notes);
        // Files under a folder that could not be read are not gone.
        let unreadable: Vec<String> = walk_errors
            .iter()
            .filter_map(|err| match err {
                NoteError::Unreadable { path, .. } => {
                    Some(scan::relative_name(&self.options.notes, path))
                }
                NoteError::NotUtf8 { .. } | NoteError::Outside { .. } => None,
            })
            .collect();
        self.report.failed.extend(walk_errors);
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
        let mut extracted = Vec::new();
        let progress = progress_bar(notes.len() as u64);
        for note in &notes {
            progress.set_message(note.name.clone());
            match scan::detect_change(note, known.remove(&note.name).as_ref(), force) {
                Ok(Change::Unchanged) => {}
                Ok(Change::Touched(state)) => self.writer.set_file(&note.name, &state)?,
                Ok(Change::Changed(state, text)) => {
                    self.index_file(&note.name, &text, &revisited)?;
                    self.writer.set_file(&note.name, &state)?;
                    extracted.push(note.name.clone());
                }
                Err(err) => self.report.failed.push(err),
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        // What is left of `known` was not found this time.
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
        self.report.files_changed = extracted.len() + gone.len();
        let mut swept = extracted;
        swept.extend(gone);
        swept.sort();
        for name in swept {
            for card in self.writer.sweep_file(&name)? {
                self.report.removed += 1;
                self.note_card("removed", &card.deck, &card.front, &card.file, card.line);
            }
        }
        Ok(())
    }

    /// Extracts one note into the index.
    fn index_file(
        &mut self,
        name: &str,
        text: &str,
        revisited: &HashSet<String>,
    ) -> anyhow::Result<()> {
        for card in extract::extract_note(name, text) {
            let change = self
                .writer
                .store_card(&card, |file| revisited.contains(file))?;
            let label = match change {
                CardChange::Unchanged => continue,
                CardChange::Duplicate => {
                    self.report.warnings.push(format!(
                        "{}:{}: a card of deck {} already has GUID {}; this one is left out",
                        card.file, card.line, card.deck, card.guid
                    ));
                    continue;
                }
                CardChange::New => {
                    self.report.new += 1;
                    "new"
                }
                CardChange::Changed => {
                    self.report.changed += 1;
                    "changed"
                }
            };
            self.note_card(label, &card.deck, &card.front, &card.file, card.line);
        }
        Ok(())
    }

    fn note_card(&mut self, label: &str, deck: &str, front: &str, file: &str, line: usize) {
        if self.options.list_cards {
            self.report
                .card_lines
                .push(format!("{label:<8} {deck} · {front} · {file}:{line}"));
        }
        self.dirty.insert(deck.to_string());
    }

    /// Rewrites the outputs of dirty decks and of decks whose outputs are
    /// missing; removes those of decks left without cards. Done inside the
    /// index transaction: if the build dies here, the index still holds the
    /// old state and the next build writes these decks again.
    fn write_outputs(&mut self) -> anyhow::Result<()> {
        let out = &self.options.out;
        let decks = self.writer.decks()?;
        let rewrite_all = self.options.force || self.writer.migrated();
        for deck in &decks {
            let missing = self
                .options
                .formats
                .iter()
                .any(|&format| !output_file(out, deck, format).exists());
            if rewrite_all || missing || self.dirty.contains(deck) {
                let cards = self.writer.deck_cards(deck)?;
                let written = export::write_deck(
                    out,
                    &self.options.notes,
                    deck,
                    &cards,
                    &self.options.formats,
                )
                .with_context(|| format!("deck {deck}: cannot write its outputs"))?;
                self.report.written.extend(written.files);
                self.report.warnings.extend(written.warnings);
            }
        }
        for deck in self
            .dirty
            .iter()
            .filter(|deck| decks.binary_search(deck).is_err())
        {
            for format in [OutputFormat::Apkg, OutputFormat::Csv] {
                let path = output_file(out, deck, format);
                if path.exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("{}: cannot remove", path.display()))?;
                }
            }
        }
        Ok(())
    }
}

/// Where a deck's output of one format goes.
pub fn output_file(out: &Path, deck: &str, format: OutputFormat) -> PathBuf {
    let extension = match format {
        OutputFormat::Apkg => "apkg",
        OutputFormat::Csv => "csv",
    };
    out.join(format!("{}.{extension}", export::file_stem(deck)))
}

/// Removes the temporary files (tempfile's `.tmp…`) a killed build left in
/// the output folder before renaming them into place.
fn remove_stale_temporaries(out: &Path) -> anyhow::Result<()> {
    for entry in
        std::fs::read_dir(out).with_context(|| format!("{}: cannot read", out.display()))?
    {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(".tmp") && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("{}: cannot remove", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A bar over the notes on a terminal (stderr); indicatif draws nothing when
/// stderr is not one.
fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
