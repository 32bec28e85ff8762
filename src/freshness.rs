//! Whether the notes changed since the last build, told without walking
//! them: what `search` checks before every answer.
//!
//! A build records, before it scans the notes, the modification time of
//! every folder it will walk and how many notes are in them (`stamp`); the
//! index already holds each note's size and modification time as the scan
//! saw it. A search compares those with one `stat` a folder and a note, and
//! walks the notes (`changed_since`) only when something
//! differs, to count the changed notes exactly.
//!
//! What each edit changes, and so how it is noticed:
//!
//! - a note edited in place: its modification time (and mostly its size);
//! - a note added, deleted or renamed, or a folder made, removed or renamed:
//!   the modification time of the folder that holds it (a deleted or renamed
//!   note's `stat` also fails);
//! - an editor's save by writing a new file and renaming it over the note:
//!   both.
//!
//! Taken before the scan, the folder times cannot hide a note the build did
//! not see: a change made while the build runs makes them differ.
//!
//! A note the build could not use (not UTF-8, a bad front matter) is not
//! among the files the index holds: the build records it apart
//! (`META_FAILED`), with the size and time it had, so that it counts as
//! failed, not changed, until it changes again.
//!
//! Not noticed, as a build does not notice it either: a note rewritten with
//! its size and modification time as they were (a tool that restores
//! times, or two writes within one tick of the file system's clock with the
//! build's scan between them). And a folder whose modification time is set
//! back to the very value recorded (`touch -r`, `rsync --times` from a copy
//! taken at that build) hides the notes added to or removed from it.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::index::Index;
use crate::notes::config::Config;
use crate::notes::scan;

/// The `meta` entry a build records its `stamp` in.
pub const META_STAMP: &str = "notes_stamp";

/// ... and the notes it could not use (`FailedNote`s, JSON).
pub const META_FAILED: &str = "failed_notes";

/// A note the last build could not use, as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedNote {
    /// Relative to the notes folder, as the index names files.
    pub name: String,
    pub size: u64,
    pub mtime: i64,
    /// Why, naming the file and line.
    pub error: String,
}

/// How the notes differ from what the last build saw.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Freshness {
    /// Notes that appeared, changed or went since.
    pub changed: usize,
    /// Notes that build could not use, unchanged since: why, for each.
    pub failed: Vec<String>,
}

/// The `META_FAILED` entry of `failed`.
pub fn record_failed(failed: &[FailedNote]) -> String {
    serde_json::to_string(failed).expect("failed notes are JSON")
}

fn failed_notes(index: &Index) -> anyhow::Result<Vec<FailedNote>> {
    Ok(index
        .meta(META_FAILED)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Each note the last build saw, with the size and modification time it
/// had: those it indexed, and those it could not use.
fn last_seen(index: &Index, failed: &[FailedNote]) -> anyhow::Result<HashMap<String, (u64, i64)>> {
    let mut seen: HashMap<String, (u64, i64)> = index
        .known_files()?
        .into_iter()
        .map(|(name, state)| (name, (state.size, state.mtime)))
        .collect();
    for note in failed {
        seen.insert(note.name.clone(), (note.size, note.mtime));
    }
    Ok(seen)
}

/// The notes folder as a build is about to scan it.
#[derive(Debug, Serialize, Deserialize)]
struct Stamp {
    /// Markdown files under the folder, the notes the index should hold.
    notes: usize,
    /// Each folder walked, relative to the notes folder (`""` for itself),
    /// with its modification time in nanoseconds.
    folders: Vec<(String, i64)>,
}

/// The `stamp` a build records of `notes` before scanning them (JSON),
/// counting the notes `config` does not exclude, as the index holds them.
/// `null` when the folders cannot all be walked: searches then walk them.
pub fn stamp(notes: &Path, config: &Config) -> String {
    let stamp = take_stamp(notes, config);
    serde_json::to_string(&stamp).expect("a stamp is JSON")
}

fn take_stamp(notes: &Path, config: &Config) -> Option<Stamp> {
    let mut stamp = Stamp {
        notes: 0,
        folders: Vec::new(),
    };
    // As `scan::scan_notes` walks: links followed, hidden entries skipped.
    let walk = walkdir::WalkDir::new(notes)
        .follow_links(true)
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !scan::is_hidden(entry.file_name()));
    for entry in walk {
        let entry = entry.ok()?;
        if entry.file_type().is_dir() {
            let name = entry.path().strip_prefix(notes).ok()?.to_str()?;
            let mtime = scan::unix_nanos(entry.metadata().ok()?.modified().ok()?);
            stamp.folders.push((name.to_string(), mtime));
        } else if entry.file_type().is_file()
            && entry.path().extension().is_some_and(|e| e == "md")
            && config
                .excluded_by(&scan::relative_name(notes, entry.path()))
                .is_none()
        {
            stamp.notes += 1;
        }
    }
    Some(stamp)
}

/// How the notes differ from what the build that made `index` from
/// `notes` saw: one `stat` a folder and a note when nothing changed, a walk
/// of the notes otherwise.
pub fn freshness(index: &Index, notes: &Path) -> anyhow::Result<Freshness> {
    let failed = failed_notes(index)?;
    let mut seen = last_seen(index, &failed)?;
    let changed = if unchanged_since_stamp(index, notes, &seen)? {
        0
    } else {
        changed_since(&mut seen, notes)?
    };
    // Those still as they were: a note changed since is counted changed.
    let failed = failed
        .into_iter()
        .filter(|note| is_as_seen(&notes.join(&note.name), (note.size, note.mtime)))
        .map(|note| note.error)
        .collect();
    Ok(Freshness { changed, failed })
}

/// How many notes differ from what the last build saw (`seen`, emptied of
/// the notes found): added, changed (by size and modification time, none
/// read) or gone.
fn changed_since(seen: &mut HashMap<String, (u64, i64)>, notes: &Path) -> anyhow::Result<usize> {
    let (found, _) = Config::load(notes)?.scan_notes(notes);
    let changed = found
        .iter()
        .filter(|note| seen.remove(&note.name) != Some((note.size, note.mtime)))
        .count();
    Ok(changed + seen.len())
}

/// Whether every folder and note is as the last build recorded it: `false`
/// when anything differs, or the index has no stamp (made by an earlier
/// version, or of folders that could not all be walked).
fn unchanged_since_stamp(
    index: &Index,
    notes: &Path,
    seen: &HashMap<String, (u64, i64)>,
) -> anyhow::Result<bool> {
    let Some(stamp) = index
        .meta(META_STAMP)?
        .and_then(|json| serde_json::from_str::<Option<Stamp>>(&json).ok().flatten())
    else {
        return Ok(false);
    };
    let modified = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map(scan::unix_nanos)
    };
    let folders_same = stamp
        .folders
        .iter()
        .all(|(name, mtime)| modified(&notes.join(name)).ok() == Some(*mtime));
    Ok(folders_same
        && seen.len() == stamp.notes
        && seen
            .iter()
            .all(|(name, &state)| is_as_seen(&notes.join(name), state)))
}

/// Whether the file at `path` has the size and modification time `seen`.
fn is_as_seen(path: &Path, (size, mtime): (u64, i64)) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|m| m.len() == size && m.modified().map(scan::unix_nanos).ok() == Some(mtime))
}

/// Whether a search now would find the notes as the last build saw them
/// without walking them (`build`'s tests ask, as it takes a build to tell).
#[cfg(test)]
pub(crate) fn needs_no_walk(index: &Index, notes: &Path) -> anyhow::Result<bool> {
    let seen = last_seen(index, &failed_notes(index)?)?;
    unchanged_since_stamp(index, notes, &seen)
}
