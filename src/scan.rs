//! Which note files exist, and reading them.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

/// A note file that could not be used, naming it.
#[derive(Debug, Error)]
pub enum NoteError {
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not UTF-8 text (invalid byte at column {column})")]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },
}

/// Reads a note as UTF-8 text, without a byte-order mark.
pub fn read_note(path: &Path) -> Result<String, NoteError> {
    let bytes = std::fs::read(path).map_err(|source| NoteError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    decode_note(path, bytes)
}

/// Decodes the bytes of a note, naming the line of the first invalid byte.
pub fn decode_note(path: &Path, bytes: Vec<u8>) -> Result<String, NoteError> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            Err(NoteError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column: valid.len() - line_start + 1,
            })
        }
    }
}

/// The Markdown files under `root` (or `root` itself when it is a file),
/// sorted, skipping hidden files and folders. Stops at the first folder
/// that cannot be read.
pub fn find_notes(root: &Path) -> Result<Vec<PathBuf>, NoteError> {
    walk(root)
        .map(|entry| entry.map(walkdir::DirEntry::into_path))
        .collect()
}

/// The Markdown files under `root`, as `find_notes` walks them, with what
/// change detection needs. Folders that cannot be read are reported in the
/// second list and the walk goes on.
pub fn scan_notes(root: &Path) -> (Vec<NoteFile>, Vec<NoteError>) {
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for entry in walk(root) {
        let stat = entry.and_then(|entry| {
            let metadata = entry.metadata().map_err(|err| walk_error(root, err))?;
            Ok(NoteFile {
                name: relative_name(root, entry.path()),
                size: metadata.len(),
                mtime: metadata.modified().map_or(0, unix_nanos),
                path: entry.into_path(),
            })
        });
        match stat {
            Ok(note) => notes.push(note),
            Err(err) => errors.push(err),
        }
    }
    (notes, errors)
}

fn walk(root: &Path) -> impl Iterator<Item = Result<walkdir::DirEntry, NoteError>> + '_ {
    walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()))
        .filter_map(move |entry| match entry {
            Ok(entry) => {
                let markdown = entry.file_type().is_file()
                    && (entry.depth() == 0
                        || entry.path().extension().is_some_and(|ext| ext == "md"));
                markdown.then_some(Ok(entry))
            }
            Err(err) => Some(Err(walk_error(root, err))),
        })
}

fn walk_error(root: &Path, err: walkdir::Error) -> NoteError {
    NoteError::Unreadable {
        path: err.path().unwrap_or(root).to_path_buf(),
        source: err.into(),
    }
}

fn unix_nanos(time: std::time::SystemTime) -> i64 {
    match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// A note file found by `scan_notes`.
#[derive(Debug, Clone)]
pub struct NoteFile {
    pub path: PathBuf,
    /// Relative to the notes folder, with `/` separators (`relative_name`).
    pub name: String,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: i64,
}

/// What the index remembers of a note file, to tell whether it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    pub size: u64,
    pub mtime: i64,
    /// SHA-256 of the file's bytes.
    pub hash: Vec<u8>,
}

/// How a note file differs from what the index remembers of it.
#[derive(Debug)]
pub enum Change {
    /// Same size and modification time: not even read.
    Unchanged,
    /// Size or time differ but the bytes are the same (a `touch`, a checkout).
    Touched(FileState),
    /// New or different bytes: the note's text, to extract again.
    Changed(FileState, String),
}

/// Compares a note with what the index remembers of it: size and
/// modification time first, which costs no read, then the content hash.
/// `force` treats every file as changed.
pub fn detect_change(
    note: &NoteFile,
    known: Option<&FileState>,
    force: bool,
) -> Result<Change, NoteError> {
    let known = known.filter(|_| !force);
    if known.is_some_and(|k| k.size == note.size && k.mtime == note.mtime) {
        return Ok(Change::Unchanged);
    }
    let bytes = std::fs::read(&note.path).map_err(|source| NoteError::Unreadable {
        path: note.path.clone(),
        source,
    })?;
    let state = FileState {
        size: bytes.len() as u64,
        mtime: note.mtime,
        hash: Sha256::digest(&bytes).to_vec(),
    };
    if known.is_some_and(|k| k.hash == state.hash) {
        return Ok(Change::Touched(state));
    }
    let text = decode_note(&note.path, bytes)?;
    Ok(Change::Changed(state, text))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| name.starts_with('.'))
}

/// `path` relative to `root`, with `/` separators: how cards name their file.
pub fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let relative = if relative.as_os_str().is_empty() {
        Path::new(path.file_name().unwrap_or(path.as_os_str()))
    } else {
        relative
    };
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
