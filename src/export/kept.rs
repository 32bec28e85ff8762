//! The collection a build keeps in OUT beside the package it made, so that
//! the next build updates it row by row instead of making every row again.
//!
//! OUT is not trusted: the kept file is used only when its SHA-256 is the
//! one the index recorded for it (`Record`), committed with the cards the
//! file holds, and when it is a plain file (no link). A build that changes
//! it in place and is then stopped before its index commits leaves a file
//! whose hash is no longer recorded: the next build makes the collection
//! anew, as it does whenever anything does not match.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files;

/// The kept collection's name in OUT: hidden, in notedeck's own names.
const NAME: &str = ".notedeck-collection.anki2";

/// Where a build keeps its package's collection in `out`.
pub fn path(out: &Path) -> PathBuf {
    out.join(NAME)
}

/// What the index records of the kept collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The SHA-256 of the file, in hex.
    pub sha256: String,
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
    /// whose SHA-256 is `record`'s; `None` otherwise (the package is then
    /// made anew).
    pub fn check(out: &Path, record: Record) -> Option<Verified> {
        let path = path(out);
        (sha256_of(&path).ok()? == record.sha256).then_some(Verified { path, record })
    }
}

/// The SHA-256 of the plain file at `path` (never a link), in hex.
pub(super) fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = files::open_regular_no_link(path)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0; 1 << 20];
    loop {
        let read = file.read(&mut block)?;
        if read == 0 {
            break;
        }
        hasher.update(&block[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_collection_is_used_only_with_the_recorded_hash_and_never_through_a_link() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(path(out.path()), b"collection").unwrap();
        let record = |sha256: String| Record {
            sha256,
            media: vec![],
        };
        let sha = sha256_of(&path(out.path())).unwrap();
        assert!(Verified::check(out.path(), record(sha.clone())).is_some());
        std::fs::write(path(out.path()), b"collectioN").unwrap();
        assert!(Verified::check(out.path(), record(sha.clone())).is_none());
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().unwrap();
            let target = elsewhere.path().join("c");
            std::fs::write(&target, b"collection").unwrap();
            std::fs::remove_file(path(out.path())).unwrap();
            std::os::unix::fs::symlink(&target, path(out.path())).unwrap();
            assert!(Verified::check(out.path(), record(sha)).is_none());
        }
    }
}
