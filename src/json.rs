//! What `--json` prints for `build`, `sync` and `removed`: one JSON object
//! on stdout, for editors, scripts and agents. Its shape is documented in
//! `docs/json.md`; a key once there keeps its name and meaning.

use serde::Serialize;

use crate::build::BuildReport;
use crate::index::RemovedCard;
use crate::notes::scan::NoteError;
use crate::sync::SyncReport;

/// `build --json`.
#[derive(Serialize)]
pub struct Build<'a> {
    dry_run: bool,
    notes_folder: String,
    files_changed: usize,
    /// The cards of notedeck, each an Anki note.
    notes: u64,
    /// The cards Anki makes of them.
    cards: u64,
    new: usize,
    changed: usize,
    moved: usize,
    renamed: usize,
    removed: usize,
    /// Written (or, dry, to be written).
    outputs: Vec<String>,
    /// Outputs of earlier builds removed (or, dry, to be removed).
    deleted_outputs: Vec<String>,
    warnings: &'a [String],
    failed: Vec<Failed>,
    /// With `-v`: every card that changed.
    changes: Vec<Change<'a>>,
}

/// A note that could not be used.
#[derive(Serialize)]
struct Failed {
    file: String,
    /// The line, when the problem has one.
    line: Option<usize>,
    /// The whole message, as on stderr.
    error: String,
}

#[derive(Serialize)]
struct Change<'a> {
    outcome: &'static str,
    deck: &'a str,
    front: &'a str,
    file: &'a str,
    line: usize,
}

impl<'a> Build<'a> {
    pub fn new(report: &'a BuildReport) -> Self {
        let shown =
            |paths: &[std::path::PathBuf]| paths.iter().map(|p| p.display().to_string()).collect();
        Build {
            dry_run: report.dry_run,
            notes_folder: report.notes.display().to_string(),
            files_changed: report.files_changed,
            notes: report.cards,
            cards: report.anki_cards,
            new: report.new,
            changed: report.changed,
            moved: report.moved,
            renamed: report.renamed,
            removed: report.removed,
            outputs: shown(&report.written),
            deleted_outputs: shown(&report.deleted),
            warnings: &report.warnings,
            failed: report.failed.iter().map(failed).collect(),
            changes: report
                .events
                .iter()
                .map(|e| Change {
                    outcome: e.outcome.as_str(),
                    deck: &e.deck,
                    front: &e.front,
                    file: &e.file,
                    line: e.line,
                })
                .collect(),
        }
    }
}

fn failed(err: &NoteError) -> Failed {
    Failed {
        file: err.path().display().to_string(),
        line: err.line(),
        error: err.to_string(),
    }
}

/// `sync --json`: the build, then what was done in Anki.
#[derive(Serialize)]
pub struct Sync<'a> {
    build: Build<'a>,
    anki: Anki<'a>,
}

#[derive(Serialize)]
struct Anki<'a> {
    url: &'a str,
    dry_run: bool,
    added: usize,
    updated: usize,
    moved: usize,
    deleted: usize,
    suspended: usize,
    media_sent: usize,
    unchanged: usize,
    /// Notes edited both in Anki and in the notes since the last sync.
    conflicts: &'a [String],
    /// Where Anki's text of them was kept.
    edits_file: Option<String>,
    /// Whether the notes' version was written over Anki's.
    overwritten: bool,
    /// In a dry run: why the sync would stop.
    would_stop: Option<&'a str>,
    /// With `-v` or in a dry run: each note written.
    notes_written: &'a [String],
}

impl<'a> Sync<'a> {
    pub fn new(build: &'a BuildReport, sync: &'a SyncReport, listed: bool) -> Self {
        Sync {
            build: Build::new(build),
            anki: Anki {
                url: &sync.url,
                dry_run: sync.dry_run,
                added: sync.added,
                updated: sync.updated,
                moved: sync.moved,
                deleted: sync.deleted,
                suspended: sync.suspended,
                media_sent: sync.media,
                unchanged: sync.unchanged,
                conflicts: &sync.conflicts,
                edits_file: sync.edits_file.as_ref().map(|p| p.display().to_string()),
                overwritten: sync.overwritten,
                would_stop: sync.would_stop.as_deref(),
                notes_written: if listed { &sync.lines } else { &[] },
            },
        }
    }
}

/// `removed --json`.
#[derive(Serialize)]
pub struct Removed<'a> {
    removed: Vec<RemovedOne<'a>>,
    /// The Anki search that selects their notes (empty when none).
    anki_search: String,
    /// With `--forget`: how many were forgotten.
    forgotten: usize,
}

#[derive(Serialize)]
struct RemovedOne<'a> {
    guid: &'a str,
    deck: &'a str,
    front: &'a str,
    file: &'a str,
    line: usize,
}

impl<'a> Removed<'a> {
    pub fn new(cards: &'a [RemovedCard], anki_search: String, forgotten: usize) -> Self {
        Removed {
            removed: cards
                .iter()
                .map(|c| RemovedOne {
                    guid: &c.guid,
                    deck: &c.deck,
                    front: &c.front,
                    file: &c.file,
                    line: c.line,
                })
                .collect(),
            anki_search,
            forgotten,
        }
    }
}

/// What `--json` prints when the command fails: `{"error": "…"}`.
pub fn error(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}
