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
    /// A link that leads out of the notes folder, as images are refused:
    /// what the folder links to might be anything (`/etc/passwd`), and a
    /// package may be shared.
    #[error("{path}: refused, it links to {} outside the notes folder", target.display())]
    Outside { path: PathBuf, target: PathBuf },
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
            // NUL is no text: Anki, SQLite's C API and terminals cut or
            // choke on it.
            if text.contains('\0') {
                text.retain(|c| c != '\0');
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
/// that cannot be read or link that leads out of `root`.
pub fn find_notes(root: &Path) -> Result<Vec<PathBuf>, NoteError> {
    walk(root)
        .into_iter()
        .map(|entry| entry.map(walkdir::DirEntry::into_path))
        .collect()
}

/// The Markdown files under `root`, as `find_notes` walks them, with what
/// change detection needs. Folders that cannot be read and links that lead
/// out of `root` are reported in the second list and the walk goes on.
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

/// Links are followed, but only while they stay inside `root` (as for
/// images): a link out of it, to a note or a folder, is an error and the
/// walk does not enter it. Only links need the check, since everything else
/// the walk meets is inside the folder that holds it. `root` itself may be
/// a link, and a file named as `root` is the user's own choice.
fn walk(root: &Path) -> Vec<Result<walkdir::DirEntry, NoteError>> {
    let real_root = std::fs::canonicalize(root).ok();
    let mut found = Vec::new();
    let mut entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                found.push(Err(walk_error(root, err)));
                continue;
            }
        };
        let is_dir = entry.file_type().is_dir();
        let markdown = entry.file_type().is_file()
            && (entry.depth() == 0 || entry.path().extension().is_some_and(|ext| ext == "md"));
        if entry.depth() > 0 && entry.path_is_symlink() && (is_dir || markdown) {
            let target = std::fs::canonicalize(entry.path());
            if let (Some(real_root), Ok(target)) = (&real_root, target) {
                if !target.starts_with(real_root) {
                    if is_dir {
                        entries.skip_current_dir();
                    }
                    let path = entry.into_path();
                    found.push(Err(NoteError::Outside { path, target }));
                    continue;
                }
            }
        }
        if markdown {
            found.push(Ok(entry));
        }
    }
    found
}

/// walkdir's own message names the path again (`IO error for operation on
/// PATH: …`): keep the system's error alone, since ours names the path.
fn walk_error(root: &Path, err: walkdir::Error) -> NoteError {
    let path = err.path().unwrap_or(root).to_path_buf();
    let source = match err.loop_ancestor() {
        Some(ancestor) => {
            std::io::Error::other(format!("a link loop back to {}", ancestor.display()))
        }
        None => err
            .into_io_error()
            .unwrap_or_else(|| std::io::Error::other("unknown walk error")),
    };
    NoteError::Unreadable { path, source }
}

/// A time in nanoseconds since the Unix epoch (negative before it), as the
/// index records the modification times of notes.
pub fn unix_nanos(time: std::time::SystemTime) -> i64 {
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

/// Whether a walk of the notes skips an entry: hidden files and folders.
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| name.starts_with('.'))
}

/// `path` relative to `root`, with `/` separators: how cards name their file.
/// Names that are not UTF-8 show each invalid byte as `\xFF`, so that two
/// files never share a name (which would make each look changed at every
/// build).
pub fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let relative = if relative.as_os_str().is_empty() {
        Path::new(path.file_name().unwrap_or(path.as_os_str()))
    } else {
        relative
    };
    relative
        .components()
        .map(|c| component_name(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(unix)]
fn component_name(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    use std::os::unix::ffi::OsStrExt;
    if let Some(name) = name.to_str() {
        return name.into();
    }
    let mut shown = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        shown.push_str(chunk.valid());
        for byte in chunk.invalid() {
            shown.push_str(&format!("\\x{byte:02X}"));
        }
    }
    shown.into()
}

/// Elsewhere names are Unicode but for unpaired surrogates (Windows), which
/// no note name has in practice.
#[cfg(not(unix))]
fn component_name(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    name.to_string_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_apart() {
        use std::os::unix::ffi::OsStrExt;
        let name = |bytes: &[u8]| {
            relative_name(
                Path::new("notes"),
                &Path::new("notes").join(std::ffi::OsStr::from_bytes(bytes)),
            )
        };
        assert_eq!(name(b"sub/a\xff.md"), "sub/a\\xFF.md");
        assert_ne!(name(b"a\xff.md"), name(b"a\xfe.md"));
        assert_eq!(name("見出し.md".as_bytes()), "見出し.md");
    }

    #[test]
    fn nul_bytes_are_dropped() {
        let text = decode_note(Path::new("n.md"), b"a\0b\n- c\0: d".to_vec()).unwrap();
        assert_eq!(text, "ab\n- c: d");
    }
}
