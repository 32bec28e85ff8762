//! Whether the notes changed since the last build, told without walking
//! them: what `search` checks before every answer.
//!
//! A build records, before it scans the notes, the modification time of
//! every folder it will walk and how many notes are in them (`stamp`); the
//! index already holds each note's size and modification time as the scan
//! saw it. A search compares those with one `stat` a folder and a note, and
//! walks the notes (`notes_changed_since_build`) only when something
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
//! Not noticed, as a build does not notice it either: a note rewritten with
//! its size and modification time as they were (a tool that restores
//! times, or two writes within one tick of the file system's clock with the
//! build's scan between them). And a folder whose modification time is set
//! back to the very value recorded (`touch -r`, `rsync --times` from a copy
//! taken at that build) hides the notes added to or removed from it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::index::Index;
use crate::notes::config::Config;
use crate::notes::scan;

/// The `meta` entry a build records its `stamp` in.
pub const META_STAMP: &str = "notes_stamp";

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

/// How many notes changed (appeared, changed or went) since the build that
/// made `index` from `notes`.
pub fn changed_notes(index: &Index, notes: &Path) -> anyhow::Result<usize> {
    if unchanged_since_stamp(index, notes)? {
        return Ok(0);
    }
    notes_changed_since_build(index, notes)
}

/// Whether every folder and note is as the last build recorded it: `false`
/// when anything differs, or the index has no stamp (made by an earlier
/// version, or of folders that could not all be walked).
pub(crate) fn unchanged_since_stamp(index: &Index, notes: &Path) -> anyhow::Result<bool> {
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
    if !folders_same {
        return Ok(false);
    }
    let known = index.known_files()?;
    Ok(known.len() == stamp.notes
        && known.iter().all(|(name, state)| {
            std::fs::metadata(notes.join(name)).is_ok_and(|m| {
                m.len() == state.size
                    && m.modified().map(scan::unix_nanos).ok() == Some(state.mtime)
            })
        }))
}

/// How many notes differ from what the index's last build saw: added,
/// changed (by size and modification time, none read) or gone.
fn notes_changed_since_build(index: &Index, notes: &Path) -> anyhow::Result<usize> {
    let mut known = index.known_files()?;
    let (found, _) = Config::load(notes)?.scan_notes(notes);
    let changed = found
        .iter()
        .filter(|note| {
            known
                .remove(&note.name)
                .is_none_or(|state| state.size != note.size || state.mtime != note.mtime)
        })
        .count();
    Ok(changed + known.len())
}
