//! Index → a running Anki over AnkiConnect: adds the new cards, updates the
//! changed ones in place, moves cards whose deck changed (which a package
//! import cannot do), and deletes (or suspends) the notes of removed cards.
//!
//! A sync runs inside a build's transaction, holding the build lock: the
//! index is brought up to date, then Anki. What Anki holds is recorded as it
//! is written (`anki_notes`, `anki_media`), so a second sync sends nothing
//! for cards that did not change. Anki cannot be searched by GUID, and
//! AnkiConnect cannot set one: a card whose note the index does not know
//! (a package import made it, or a stopped sync) is found by its `Key`
//! field before anything is added, so nothing is ever added twice.

mod apply;
mod client;
mod plan;
mod retype;
mod state;

use serde_json::{json, Value};

use crate::build::{self, BuildOptions, BuildReport};
use crate::export::remote::RemoteImages;
pub use client::{AnkiError, Client};
use plan::Plan;

/// What `notedeck sync` is asked to do.
pub struct SyncOptions {
    pub build: BuildOptions,
    /// AnkiConnect's address.
    pub url: String,
    /// Suspend and tag the notes of removed cards instead of deleting them.
    pub keep_removed: bool,
    /// Delete the notes of removed cards even when they are many
    /// (`DeletionGuard`).
    pub allow_deletes: bool,
    /// Update notes edited in Anki and in the notes since the last sync
    /// with the notes' version (Anki's is kept in `EDITS_FILE` first).
    pub overwrite_anki_edits: bool,
    /// Ask Anki to sync with AnkiWeb before (so that reviews made on a
    /// phone come in first) and after.
    pub ankiweb: bool,
}

/// The file in OUT where a sync keeps what Anki had of the notes it found
/// edited there and in the notes (JSON), written anew by every sync that
/// finds such notes.
pub const EDITS_FILE: &str = "anki-edits.json";

/// The default address of AnkiConnect.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8765";

/// The tag a removed card's note gets with `--keep-removed`.
pub const REMOVED_TAG: &str = "notedeck::removed";

/// Notes a request carries at most: large enough that 10,000 cards take a
/// few requests, small enough that one stays well under a second.
pub(crate) const BATCH: usize = 500;

/// What a sync did to Anki (or, dry, would do).
#[derive(Debug, Default)]
pub struct SyncReport {
    pub dry_run: bool,
    pub url: String,
    pub added: usize,
    pub updated: usize,
    pub moved: usize,
    pub deleted: usize,
    pub suspended: usize,
    pub media: usize,
    pub unchanged: usize,
    /// One line a note written: `add      deck · front`.
    pub lines: Vec<String>,
    /// In a dry run: why the sync would stop (`DeletionGuard`).
    pub would_stop: Option<String>,
    /// Notes edited in Anki and in the notes since the last sync, one line
    /// each: `conflict deck · front`.
    pub conflicts: Vec<String>,
    /// Where Anki's text of them was kept.
    pub edits_file: Option<std::path::PathBuf>,
    /// Whether the notes' version was written over Anki's.
    pub overwritten: bool,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let removed = if self.suspended > 0 {
            format!("{} suspended", self.suspended)
        } else {
            format!("{} deleted", self.deleted)
        };
        write!(
            f,
            "{}Anki at {}: {} added, {} updated, {} moved, {removed}, {} media files sent, {} unchanged",
            if self.dry_run { "dry run, nothing sent: " } else { "" },
            self.url,
            self.added,
            self.updated,
            self.moved,
            self.media,
            self.unchanged
        )?;
        if !self.conflicts.is_empty() {
            let what = if self.overwritten {
                "overwritten with the notes' version"
            } else {
                "left as edited in Anki (--overwrite-anki-edits writes the notes' version)"
            };
            write!(
                f,
                " · {} edited in Anki and in the notes, {what}",
                self.conflicts.len()
            )?;
            if let Some(file) = &self.edits_file {
                write!(f, "; Anki's text is in {}", file.display())?;
            }
        }
        if let Some(why) = &self.would_stop {
            write!(f, " · would stop: {why}")?;
        }
        Ok(())
    }
}

/// A sync that would delete many of the notes notedeck keeps in Anki
/// stops before changing anything: a notes file emptied by mistake, a bad
/// merge or a parser bug must not cost a learner their notes and reviews.
/// Over `MIN_NOTES` notes and over a `SHARE`th of them, unless asked.
struct DeletionGuard;

impl DeletionGuard {
    const MIN_NOTES: usize = 10;
    const SHARE: usize = 5;

    /// Why a sync deleting `deleting` of the `managed` notes it keeps in
    /// Anki must stop, if it must.
    fn check(deleting: usize, managed: usize) -> Option<String> {
        (deleting > Self::MIN_NOTES && deleting * Self::SHARE > managed).then(|| {
            format!(
                "it would delete {deleting} of the {managed} notes notedeck keeps in Anki (their cards are gone from the notes: a file emptied or moved away by mistake?); nothing was changed. `sync --dry-run -v` lists them; sync with --allow-deletes to delete them, or --keep-removed to suspend them instead"
            )
        })
    }
}

/// Brings the index up to date (a build), then Anki. Nothing is built or
/// sent when Anki cannot be reached.
pub fn sync(options: &SyncOptions) -> anyhow::Result<(BuildReport, SyncReport)> {
    let client = Client::new(&options.url);
    client.check()?;
    let ankiweb = options.ankiweb && !options.build.dry_run;
    if ankiweb {
        client.call("sync", json!({})).map_err(|err| {
            anyhow::anyhow!("Anki could not sync with AnkiWeb first, so nothing was changed: {err}")
        })?;
    }
    let synced = build::build_and(&options.build, |conn, notes| {
        // A dry run downloads nothing: it only uses what the cache has.
        let fetch = options.build.fetch_remote && !options.build.dry_run;
        let remote = RemoteImages::new(&options.build.out, fetch);
        let mut plan = Plan::make(conn, &client, notes, remote)?;
        let mut report = SyncReport {
            dry_run: options.build.dry_run,
            url: options.url.clone(),
            overwritten: options.overwrite_anki_edits,
            ..SyncReport::default()
        };
        if !plan.conflicts.is_empty() && !options.build.dry_run {
            report.edits_file = Some(plan.keep_anki_edits(&options.build.out)?);
        }
        report.conflicts = plan.conflict_lines();
        if options.overwrite_anki_edits {
            plan.overwrite_conflicts();
        }
        plan.describe(&mut report, options.keep_removed);
        let guarded = (!options.keep_removed && !options.allow_deletes)
            .then(|| DeletionGuard::check(report.deleted, plan.managed()))
            .flatten();
        if let Some(why) = guarded {
            if !options.build.dry_run {
                // Returned inside the build's transaction: the index is
                // left as it was too, and the next sync sees the same.
                anyhow::bail!("sync stopped: {why}");
            }
            report.would_stop = Some(why);
        }
        if !options.build.dry_run {
            plan.apply(conn, &client, options.keep_removed)?;
        }
        Ok(report)
    })?;
    if ankiweb {
        client.call("sync", json!({})).map_err(|err| {
            anyhow::anyhow!(
                "the notes are in Anki, but Anki could not sync with AnkiWeb after: {err}; sync in Anki when it can"
            )
        })?;
    }
    Ok(synced)
}

/// The ids in a list result.
fn ids(value: Value) -> Vec<i64> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}
