//! A build: scan the notes, extract the files that changed, bring the index
//! up to date (settling the identity of every card that appeared or
//! vanished), stage the outputs that must change, commit, and only then
//! put the outputs in place. Reported in one line.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::export::{self, OutputFormat, StagedFile};
use crate::extract;
use crate::freshness;
use crate::index::{self, CardEvent, Index, Outcome, PreparedCard, Rescue, Stored, Writer};
use crate::notes::config::{self, Config};
use crate::notes::scan::{self, Change, NoteError};

#[cfg(test)]
mod freshness_tests;
mod outputs;

use outputs::{lock_out_folder, output_name, put_outputs_in_place, remove_stale_temporaries};

/// What a build reads, writes and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The notes folder; `None`: the one the index was built from, else `notes`.
    pub notes: Option<PathBuf>,
    pub out: PathBuf,
    pub formats: Vec<OutputFormat>,
    /// Extract every file and rewrite every output, changed or not.
    pub force: bool,
    /// Keep the list of cards that changed for the report.
    pub list_cards: bool,
    /// One package and CSV a deck instead of one for all.
    pub split: bool,
    /// Work out what the build would do, and write nothing.
    pub dry_run: bool,
    /// Download the remote images the cache in `out` lacks (and rewrite the
    /// outputs, so that they hold them).
    pub fetch_remote: bool,
    /// Show progress on stderr when it is a terminal (and say when waiting
    /// for another build).
    pub progress: bool,
    /// Build into an output folder whose index follows another notes
    /// folder (whose cards then leave it), and take over outputs there that
    /// notedeck made but the index does not record.
    pub adopt: bool,
}

/// What the index's `meta` calls the notes folder it was built from.
pub const META_NOTES: &str = "notes";
/// ... and the version of the extraction rules its cards were made with.
const META_RULES: &str = "rules";

/// The index file of an output folder.
pub fn index_path(out: &Path) -> PathBuf {
    out.join("index.sqlite")
}

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
    fn note_problem(&mut self, err: NoteError) {
        if err.is_warning() {
            self.warnings.push(err.to_string());
        } else {
            self.failed.push(err);
        }
    }

    fn count(&mut self, outcome: Outcome) {
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
const NOTES_NAMED: usize = 5;

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

/// Runs a build. A folder of notes that does not exist is an error and
/// changes nothing; a note that cannot be used is reported in
/// `BuildReport::failed` and the others are indexed. A damaged index is
/// moved aside and made again (`Index::open_repairing`), with a warning.
pub fn build(options: &BuildOptions) -> anyhow::Result<BuildReport> {
    build_and(options, |_, _| Ok(())).map(|(report, ())| report)
}

/// Runs a build, and `inspect` on the index as the build leaves it (with the
/// notes folder), inside the build's transaction: a dry run's changes are
/// seen there and rolled back after.
pub fn build_and<T>(
    options: &BuildOptions,
    inspect: impl FnMut(&rusqlite::Connection, &Path) -> anyhow::Result<T>,
) -> anyhow::Result<(BuildReport, T)> {
    let index_file = index_path(&options.out);
    build_in(options, &index_file, inspect).map_err(|err| index::explain(err, &index_file))
}

fn build_in<T>(
    options: &BuildOptions,
    index_file: &Path,
    mut inspect: impl FnMut(&rusqlite::Connection, &Path) -> anyhow::Result<T>,
) -> anyhow::Result<(BuildReport, T)> {
    // A notes folder known without the index is checked before anything
    // is created: an error makes no output folder and no lock.
    if options.notes.is_some() || !index_file.exists() {
        check_notes_folder(&notes_folder(options.notes.as_deref(), None))?;
    }
    // Held until the outputs are in place, not only while the index's
    // transaction is open: the next build sweeps temporaries.
    let _lock = if options.dry_run {
        None
    } else {
        std::fs::create_dir_all(&options.out).with_context(|| {
            format!("{}: cannot create the output folder", options.out.display())
        })?;
        Some(lock_out_folder(&options.out, options.progress)?)
    };
    if !options.dry_run {
        // Holding the folder's lock, nothing else writes here: what is left
        // is a killed build's.
        remove_stale_temporaries(&options.out)?;
    }
    // A first build makes its index in a temporary file
    // (`Index::create_fresh`), removed if the build fails.
    let mut fresh = if !options.dry_run && !index_file.exists() {
        let temp = options
            .out
            .join(format!("{}index.sqlite", export::TEMP_PREFIX));
        Some(tempfile::TempPath::try_from_path(temp)?)
    } else {
        None
    };
    let mut index = if let Some(temp) = &fresh {
        Index::create_fresh(temp)?
    } else if options.dry_run && !index_file.exists() {
        Index::in_memory()?
    } else if options.dry_run {
        Index::open(index_file)?
    } else {
        // A forced build redoes everything: checking every page is its due.
        Index::open_repairing(index_file, unix_now(), options.force)?
    };
    let (mut report, staged, inspected) = match update_index(&mut index, options, &mut inspect) {
        // Damage the checks did not show, met on the way (its transaction
        // rolled back): once more, on a new index.
        Err(err) if index::is_damage(&err) && !options.dry_run && index.rescue().is_none() => {
            drop(index);
            fresh = None;
            index = Index::replace_damaged(index_file, unix_now(), index::damage_text(&err))?;
            update_index(&mut index, options, &mut inspect)?
        }
        result => result?,
    };
    if fresh.is_some() {
        index = index.put_fresh_in_place(index_file)?;
    }
    if !options.dry_run {
        put_outputs_in_place(&index, staged, &report.deleted)?;
    }
    if let Some(rescue) = index.rescue() {
        report.warnings.insert(0, rescued(index_file, rescue));
    }
    Ok((report, inspected))
}

/// The warning that a damaged index was moved aside and made again.
fn rescued(index_file: &Path, rescue: &Rescue) -> String {
    let salvaged = rescue.salvaged.unwrap_or_default();
    let kept = if salvaged.cards > 0 {
        format!(
            "kept the identity and changed time of {} cards and {} removed cards",
            salvaged.cards, salvaged.removed
        )
    } else {
        "nothing of it could be read: cards renamed or moved since they first appeared get a new identity".to_string()
    };
    format!(
        "{}: the index was damaged ({}); moved it aside to {} and rebuilt it from the notes; {kept}",
        index_file.display(),
        rescue.damage,
        rescue.aside.display()
    )
}

/// The build's one transaction: the index brought up to date and the
/// outputs staged, then committed (or, dry, rolled back).
fn update_index<T>(
    index: &mut Index,
    options: &BuildOptions,
    inspect: &mut impl FnMut(&rusqlite::Connection, &Path) -> anyhow::Result<T>,
) -> anyhow::Result<(BuildReport, Vec<StagedFile>, T)> {
    let writer = index.begin(unix_now())?;
    // An index made anew (of an older version, or for a damaged one moved
    // aside) may have lost the record of its outputs: those notedeck made
    // are taken over.
    let adopting = options.adopt || writer.migrated();
    let notes = notes_folder(
        options.notes.as_deref(),
        writer.meta(META_NOTES)?.as_deref(),
    );
    // Checked before anything changes: an unreadable folder must not look
    // like a folder whose notes were all deleted.
    check_notes_folder(&notes)?;
    let notes = notes.path;
    let config = Config::load(&notes)?;
    let mut run = Run {
        options,
        notes: &notes,
        writer,
        report: BuildReport {
            dry_run: options.dry_run,
            notes: notes.clone(),
            ..BuildReport::default()
        },
        dirty: BTreeSet::new(),
        config,
        adopting,
    };
    run.note_notes_folder()?;
    run.index_notes()?;
    run.writer.flush_pending_tokens()?;
    let staged = run.stage_outputs()?;
    run.report.cards = run.writer.card_count()?;
    run.report.anki_cards = run.writer.anki_card_count()?;
    let inspected = inspect(run.writer.connection(), &notes)?;
    // Dropped uncommitted, a dry run's transaction rolls back: the index is
    // as it was.
    if !options.dry_run {
        let saving = progress(options.progress, 0, "{spinner} saving the index");
        run.writer.commit()?;
        saving.finish_and_clear();
    }
    Ok((run.report, staged, inspected))
}

/// The notes folder and where it comes from.
struct NotesFolder {
    path: PathBuf,
    /// Given with `--notes` (or by a `notedeck.toml` in the current folder).
    given: bool,
}

/// The notes folder: the one given, else the one the index was built from,
/// else `notes`.
fn notes_folder(given: Option<&Path>, recorded: Option<&str>) -> NotesFolder {
    match given {
        Some(path) => NotesFolder {
            path: path.to_path_buf(),
            given: true,
        },
        None => NotesFolder {
            path: recorded.map_or_else(|| PathBuf::from(config::DEFAULT_NOTES), PathBuf::from),
            given: false,
        },
    }
}

/// That the notes folder is a folder that can be read. The way to give
/// another is told only when none was given.
fn check_notes_folder(notes: &NotesFolder) -> anyhow::Result<()> {
    let path = notes.path.display();
    if !notes.path.is_dir() {
        if notes.given {
            anyhow::bail!("{path}: notes folder not found");
        }
        anyhow::bail!("{path}: notes folder not found; give the folder of your notes with --notes");
    }
    std::fs::read_dir(&notes.path)
        .with_context(|| format!("{path}: cannot read the notes folder"))?;
    Ok(())
}

/// The absolute form of the notes folder, as the index records it.
pub fn absolute_notes(notes: &Path) -> String {
    std::fs::canonicalize(notes)
        .or_else(|_| std::path::absolute(notes))
        .unwrap_or_else(|_| notes.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

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

struct Run<'a, 'i> {
    options: &'a BuildOptions,
    notes: &'a Path,
    writer: Writer<'i>,
    report: BuildReport,
    /// Decks with a card that changed, came or left: with `--split`, their
    /// outputs are rewritten.
    dirty: BTreeSet<String>,
    config: Config,
    /// Outputs notedeck made that the index does not record may be
    /// replaced (`outputs::check_replaceable`).
    adopting: bool,
}

impl Run<'_, '_> {
    /// Records the notes folder, warning when it is not the one the index
    /// was built from (every card of the other folder is then removed).
    /// An output folder belongs to one notes folder: building another one
    /// into it would remove the first one's cards and outputs (and `sync`
    /// its notes in Anki), so it is refused unless `--adopt` says so.
    fn note_notes_folder(&mut self) -> anyhow::Result<()> {
        let absolute = absolute_notes(self.notes);
        if let Some(before) = self.writer.meta(META_NOTES)? {
            if before != absolute && !self.options.adopt {
                anyhow::bail!(
                    "{}: this output folder holds the index of the notes in {before}, not of {absolute}; building these notes here would remove that folder's cards (and, with sync, their notes in Anki). Give these notes their own output folder with --out, or pass --adopt to make this one follow them",
                    self.options.out.display()
                );
            }
            if before != absolute {
                self.report.warnings.push(format!(
                    "the index in {} was built from {before}; it now follows {absolute}",
                    self.options.out.display()
                ));
            }
        }
        self.writer.set_meta(META_NOTES, &absolute)
    }

    fn index_notes(&mut self) -> anyhow::Result<()> {
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
        let (notes, walk_errors) = self.config.scan_notes(self.notes);
        // Files under a folder that could not be read are not gone.
        let unreadable: Vec<String> = walk_errors
            .iter()
            .filter_map(|err| match err {
                NoteError::Unreadable { path, .. } => Some(scan::relative_name(self.notes, path)),
                NoteError::NotUtf8 { .. }
                | NoteError::NotUtf16 { .. }
                | NoteError::Outside { .. }
                | NoteError::FrontMatter { .. }
                | NoteError::TooLarge { .. }
                | NoteError::NotAFile { .. }
                | NoteError::LinkLoop { .. }
                | NoteError::SameName { .. } => None,
            })
            .collect();
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
        let mut extracted = Vec::new();
        let mut failed = Vec::new();
        let progress = progress(
            self.options.progress,
            notes.len() as u64,
            "{bar:30} {pos}/{len} {wide_msg}",
        );
        progress.inc(unchanged.len() as u64);
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
                        self.index_file(cards, &revisited)?;
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
        progress.finish_and_clear();
        self.writer
            .set_meta(freshness::META_FAILED, &freshness::record_failed(&failed))?;
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
        for name in extracted.iter().chain(&gone) {
            self.writer.sweep_file(name)?;
        }
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

    fn note(&mut self, event: CardEvent) {
        self.report.count(event.outcome);
        self.dirty.insert(event.deck.clone());
        self.dirty.extend(event.left_deck.clone());
        if self.options.list_cards {
            self.report.events.push(event);
        }
    }

    /// Stages the outputs that must change: all of them when a card changed
    /// (or, with `--split`, those of the decks that did), those missing or
    /// left pending by a stopped build, and every one with `--force`; and
    /// lists the outputs of earlier builds that no build makes any more.
    /// A dry run stages nothing and only lists them.
    fn stage_outputs(&mut self) -> anyhow::Result<Vec<StagedFile>> {
        let out = &self.options.out;
        let recorded = outputs::Recorded::new(self.writer.outputs()?);
        let rewrite_all = self.options.force || self.options.fetch_remote || self.writer.migrated();
        // Each output set: its stem and its deck (`None`: every deck).
        let sets: Vec<(String, Option<String>)> = if self.options.split {
            let decks = self.writer.decks()?;
            let stems = export::split_stems(&decks);
            decks
                .iter()
                .map(|deck| (stems[deck].clone(), Some(deck.clone())))
                .collect()
        } else if self.writer.has_cards()? {
            vec![(export::package_stem(self.notes), None)]
        } else {
            Vec::new()
        };
        let mut made = HashSet::new();
        let mut staged = Vec::new();
        let writing = progress(
            self.options.progress && !self.options.dry_run,
            sets.len() as u64,
            "{spinner} writing {pos}/{len} {wide_msg}",
        );
        for (stem, deck) in &sets {
            writing.inc(1);
            writing.set_message(stem.clone());
            let names: Vec<String> = self
                .options
                .formats
                .iter()
                .map(|format| format!("{stem}.{}", format.extension()))
                .collect();
            made.extend(names.iter().cloned());
            let stale = names
                .iter()
                .any(|name| recorded.names.get(name) != Some(&false) || !out.join(name).exists());
            let changed = match deck {
                Some(deck) => self.dirty.contains(deck),
                None => !self.dirty.is_empty(),
            };
            if !(rewrite_all || stale || changed) {
                continue;
            }
            for (name, format) in names.iter().zip(&self.options.formats) {
                outputs::check_replaceable(
                    &out.join(name),
                    *format,
                    recorded.names.contains_key(name),
                    self.adopting,
                )?;
            }
            if self.options.dry_run {
                self.report
                    .written
                    .extend(names.iter().map(|name| out.join(name)));
                continue;
            }
            let cards = self.writer.cards_to_export(deck.as_deref())?;
            let set = export::stage(
                out,
                self.notes,
                stem,
                &cards,
                &self.options.formats,
                self.options.fetch_remote,
            )
            .with_context(|| format!("{}: cannot write the outputs", out.join(stem).display()))?;
            self.report
                .written
                .extend(set.files.iter().map(|f| f.path.clone()));
            self.report.warnings.extend(set.warnings);
            staged.extend(set.files);
        }
        writing.finish_and_clear();
        // Earlier outputs of the kinds this build writes that it no longer
        // makes: only files notedeck recorded as its own, and made, are
        // ever removed. The records of the others are forgotten.
        let mut forgotten = recorded.invalid;
        let mut gone: Vec<(String, OutputFormat)> = recorded
            .names
            .into_keys()
            .filter(|name| !made.contains(name))
            .filter_map(|name| {
                let format = outputs::format_of(&name)?;
                self.options
                    .formats
                    .contains(&format)
                    .then_some((name, format))
            })
            .collect();
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, format) in gone {
            let path = out.join(&name);
            if outputs::is_made_by_notedeck(&path, format) {
                self.report.deleted.push(path);
            } else if std::fs::symlink_metadata(&path).is_ok() {
                self.report.warnings.push(format!(
                    "{}: left as it is: the index recorded it as an old output, but notedeck did not make this file",
                    path.display()
                ));
            }
            forgotten.push(name);
        }
        let written: Vec<String> = self.report.written.iter().map(|p| output_name(p)).collect();
        self.writer.record_outputs(&written, &forgotten)?;
        Ok(staged)
    }
}

/// Progress on stderr in `template` when `shown`; indicatif draws nothing
/// when stderr is not a terminal. It ticks by itself, so that a spinner
/// turns while one long step (a package of every deck) runs.
fn progress(shown: bool, len: u64, template: &str) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    // Drawn now, not at the first tick: a step shorter than a tick (saving
    // a first build's index, which has no journal to write) is still shown.
    // (Once it ticks by itself, `tick` does nothing.)
    bar.tick();
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
