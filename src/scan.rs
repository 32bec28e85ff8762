//! Which note files exist, and reading them.

use std::path::{Path, PathBuf};

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
/// sorted, skipping hidden files and folders.
pub fn find_notes(root: &Path) -> Result<Vec<PathBuf>, NoteError> {
    if root.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut notes = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            // A broken link or a loop below the root: reading it names the
            // problem, and the other notes are still found.
            Err(err) if err.depth() > 0 && err.path().is_some() => {
                notes.extend(err.path().map(Path::to_path_buf));
                continue;
            }
            Err(err) => {
                return Err(NoteError::Unreadable {
                    path: err.path().unwrap_or(root).to_path_buf(),
                    source: err.into(),
                })
            }
        };
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|ext| ext == "md") {
            notes.push(entry.into_path());
        }
    }
    Ok(notes)
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
