//! The collection a build keeps in OUT beside the package it made, so that
//! the next build updates it row by row instead of making every row again.
//!
//! OUT is not trusted: the kept file is used only when it is a plain file
//! (no link) whose pieces have the checksums the index recorded for them
//! (`Record`, committed with the cards the file holds). A build that changes
//! it in place and is then stopped before its index commits leaves a file
//! whose hash is no longer recorded: the next build makes the collection
//! anew, as it does whenever anything does not match.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::pieces;

/// The kept collection's name in OUT: hidden, in notedeck's own names.
const NAME: &str = ".notedeck-collection.anki2";

/// Where a build keeps its package's collection in `out`.
pub fn path(out: &Path) -> PathBuf {
    out.join(NAME)
}

/// What the index records of the kept collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The file's pieces, and where the package in place has them
    /// deflated.
    pub pieces: Vec<pieces::Recorded>,
    /// The GUIDs of the notes whose fields name media: the package's
    /// media are those of these notes and of the ones that changed.
    pub media: Vec<String>,
}

impl Record {
    pub fn parse(text: &str) -> Option<Record> {
        serde_json::from_str(text).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a record is JSON")
    }
}

/// A kept collection whose bytes are the ones the index recorded.
#[derive(Debug)]
pub struct Verified {
    pub(super) path: PathBuf,
    pub record: Record,
}

impl Verified {
    /// The kept collection of `out`, if the file there is a plain file
    /// whose pieces are `record`'s; `None` otherwise (the package is then
    /// made anew).
    pub fn check(out: &Path, record: Record) -> Option<Verified> {
        let path = path(out);
        pieces::matches(&path, &record.pieces).then_some(Verified { path, record })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_collection_is_used_only_with_the_recorded_pieces_and_never_through_a_link() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(path(out.path()), b"collection").unwrap();
        let record = || Record {
            pieces: vec![pieces::Recorded {
                // Not the file's.
                checksum: "0".repeat(64),
                bytes: 10,
                crc32: 0,
                at: 0,
                deflated: 0,
                deflated_checksum: String::new(),
            }],
            media: vec![],
        };
        let mut right = record();
        right.pieces[0].checksum = super::super::checksum::of(b"collection");
        assert!(Verified::check(out.path(), right.clone()).is_some());
        assert!(Verified::check(out.path(), record()).is_none());
        std::fs::write(path(out.path()), b"collectioN").unwrap();
        assert!(Verified::check(out.path(), right.clone()).is_none());
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().unwrap();
            let target = elsewhere.path().join("c");
            std::fs::write(&target, b"collection").unwrap();
            std::fs::remove_file(path(out.path())).unwrap();
            std::os::unix::fs::symlink(&target, path(out.path())).unwrap();
            assert!(Verified::check(out.path(), right).is_none());
        }
    }
}
