//! A build: scan the notes, extract the files that changed, bring the index
//! up to date (settling the identity of every card that appeared or
//! vanished), stage the outputs that must change, commit, and only then
//! put the outputs in place. Reported in one line. This file holds the
//! build's course; the notes read into the index (`index_notes`), the
//! outputs staged (`stage`), the output folder's files (`outputs`) and the
//! report (`report`) are its submodules.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::export::{self, OutputFormat};
use crate::index::{self, Index, Rescue, Writer};
use crate::notes::config::{self, Config};

#[cfg(test)]
mod freshness_tests;
mod index_notes;
mod outputs;
mod report;
mod stage;

use outputs::{lock_out_folder, put_outputs_in_place, remove_stale_temporaries};

pub use report::BuildReport;

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
        put_outputs_in_place(&index, &options.out, staged, &report.deleted)?;
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
) -> anyhow::Result<(BuildReport, stage::StagedOutputs, T)> {
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
        read_files: HashSet::new(),
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

struct Run<'a, 'i> {
    options: &'a BuildOptions,
    notes: &'a Path,
    writer: Writer<'i>,
    report: BuildReport,
    /// Decks with a card that changed, came or left: with `--split`, their
    /// outputs are rewritten.
    dirty: BTreeSet<String>,
    /// The note files extracted again or gone: only their cards can have
    /// changed.
    read_files: HashSet<String>,
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
