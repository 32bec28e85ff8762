//! A first build's index: made in a temporary file of its own with no
//! journal and no syncs, then renamed into place whole.
//!
//! Nothing needs a journal there: until the rename, no reader sees the
//! file and there is no previous state to go back to. A build killed before
//! the rename leaves a temporary file, which the next build sweeps, and no
//! index, as before it started; once renamed, the file is complete and
//! synced. This saves writing every page twice (to the WAL, then to the
//! file) and the WAL's syncs: about a third of a first build's time in
//! SQLite.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::Connection;

use super::Index;

impl Index {
    /// Creates the index of a first build in `temp`, a new file.
    pub fn create_fresh(temp: &Path) -> anyhow::Result<Index> {
        let conn = Connection::open(temp)
            .and_then(|conn| {
                // 16 KiB pages: fewer pages to split and write for the same
                // rows (the page size must be set before the first table).
                conn.execute_batch(
                    "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF;
                     PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;",
                )?;
                Ok(conn)
            })
            .with_context(|| format!("{}: cannot create the index", temp.display()))?;
        Ok(Index {
            conn,
            path: temp.to_path_buf(),
            rescue: None,
        })
    }

    /// Renames the committed index of a first build to `path`, once it is
    /// on disk, and opens it there as every later build does (`open`).
    pub fn put_fresh_in_place(self, path: &Path) -> anyhow::Result<Index> {
        let temp = self.path.clone();
        self.conn
            .close()
            .map_err(|(_, err)| err)
            .with_context(|| format!("{}: cannot close the index", temp.display()))?;
        File::open(&temp)
            .and_then(|file| file.sync_all())
            .with_context(|| format!("{}: cannot write the index", temp.display()))?;
        // WAL files without their index are left from an index someone
        // removed: SQLite must not take them for this one's.
        for suffix in ["-wal", "-shm"] {
            let stale = PathBuf::from(format!("{}{suffix}", path.display()));
            match std::fs::remove_file(&stale) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(err).with_context(|| format!("{}: cannot remove", stale.display()))
                }
                _ => {}
            }
        }
        std::fs::rename(&temp, path).with_context(|| {
            format!("{}: cannot rename the new index into place", path.display())
        })?;
        // The rename itself must reach the disk before the outputs that the
        // index records are put in place. (A folder cannot be opened as a
        // file to sync it on Windows.)
        #[cfg(unix)]
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)
                .and_then(|dir| dir.sync_all())
                .with_context(|| format!("{}: cannot sync", dir.display()))?;
        }
        Index::open(path)
    }
}
