//! Which note files exist, and reading them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

use super::front_matter;
use super::options::NoteOptions;
use crate::files::{read_regular_file, what_it_is, ReadError};

mod encoding;
use crate::japanese::compose_string;
use crate::limits::{mebibytes, MAX_NOTE_BYTES};

/// A note file that could not be used, naming it.
#[derive(Debug, Error)]
pub enum NoteError {
    // The system's error is in the message, not the error's source: an
    // error chain printed whole (`{:#}`) would say it twice.
    #[error("{path}: cannot read: {error}")]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: larger than the limit of {} for a note", mebibytes(*limit))]
    TooLarge { path: PathBuf, limit: u64 },
    /// A `.md` that is a FIFO, a device or a socket: reading it could wait
    /// for ever or never end, and it holds no note.
    #[error("{path}: skipped, it is {what}, not a file")]
    NotAFile { path: PathBuf, what: &'static str },
    /// A link to a folder above it, which the walk would enter for ever.
    #[error("{path}: skipped, a link loop back to {}", ancestor.display())]
    LinkLoop { path: PathBuf, ancestor: PathBuf },
    /// Two files whose names differ only in their Unicode form (one
    /// written on macOS, decomposed): one name in the index, so one file.
    #[error("{path}: skipped, it has the same name as {} in another Unicode form (macOS writes names decomposed); rename one of them", other.display())]
    SameName { path: PathBuf, other: PathBuf },
    /// With the encoding the bytes look like, and how to convert them.
    #[error("{path}:{line}: not UTF-8 text (invalid byte at column {column}){}", encoding::advice(*.looks_like, path))]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
        looks_like: Option<&'static encoding_rs::Encoding>,
    },
    /// A UTF-16 byte-order mark, then what is no UTF-16.
    #[error("{path}: not UTF-16 text, though it begins with the byte-order mark of {}", .encoding.name())]
    NotUtf16 {
        path: PathBuf,
        encoding: &'static encoding_rs::Encoding,
    },
    /// A link that leads out of the notes folder, as images are refused:
    /// what the folder links to might be anything (`/etc/passwd`), and a
    /// package may be shared.
    #[error("{path}: refused, it links to {} outside the notes folder", target.display())]
    Outside { path: PathBuf, target: PathBuf },
    /// A `notedeck:` front matter that asks for what there is not.
    #[error("{path}:{line}: {message}")]
    FrontMatter {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl NoteError {
    /// The file it is about.
    pub fn path(&self) -> &Path {
        match self {
            NoteError::Unreadable { path, .. }
            | NoteError::TooLarge { path, .. }
            | NoteError::NotAFile { path, .. }
            | NoteError::LinkLoop { path, .. }
            | NoteError::SameName { path, .. }
            | NoteError::NotUtf8 { path, .. }
            | NoteError::NotUtf16 { path, .. }
            | NoteError::Outside { path, .. }
            | NoteError::FrontMatter { path, .. } => path,
        }
    }

    /// The line of the file it is about, when it is about one.
    pub fn line(&self) -> Option<usize> {
        match self {
            NoteError::NotUtf8 { line, .. } | NoteError::FrontMatter { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// Whether this is worth a warning only: an entry of the notes folder
    /// that holds no note (a FIFO or device named `.md`, a link loop), to
    /// skip without failing the command.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            NoteError::NotAFile { .. } | NoteError::LinkLoop { .. }
        )
    }
}

/// A note's text with its front matter blanked (its lines left empty, so
/// that the lines below keep their numbers and it makes no card), and what
/// its `notedeck:` key asks for.
#[derive(Debug, Clone)]
pub struct NoteText {
    pub text: String,
    pub options: NoteOptions,
    /// `notedeck: {skip: true}`: the note makes no card.
    pub skip: bool,
}

/// `text` of the note at `path` as a `NoteText`: its front matter read
/// (`front_matter`) and blanked.
pub fn note_text(path: &Path, mut text: String) -> Result<NoteText, NoteError> {
    let Some(end) = front_matter::end(&text) else {
        return Ok(NoteText {
            text,
            options: NoteOptions::default(),
            skip: false,
        });
    };
    let asks = front_matter::read(&text[..end]).map_err(|problem| NoteError::FrontMatter {
        path: path.to_path_buf(),
        line: problem.line,
        message: problem.message,
    })?;
    let blank: String = text[..end].chars().filter(|&c| c == '\n').collect();
    text.replace_range(..end, &blank);
    Ok(NoteText {
        text,
        options: asks.options,
        skip: asks.skip,
    })
}

/// Reads a note as UTF-8 text, as `decode_note` makes it.
pub fn read_note(path: &Path) -> Result<String, NoteError> {
    decode_note(path, read_note_bytes(path)?)
}

/// The bytes of a note: a regular file of at most `MAX_NOTE_BYTES`.
fn read_note_bytes(path: &Path) -> Result<Vec<u8>, NoteError> {
    let path_buf = || path.to_path_buf();
    read_regular_file(path, MAX_NOTE_BYTES).map_err(|err| match err {
        ReadError::NotAFile(what) => NoteError::NotAFile {
            path: path_buf(),
            what,
        },
        ReadError::TooLarge(limit) => NoteError::TooLarge {
            path: path_buf(),
            limit,
        },
        ReadError::Io(error) => NoteError::Unreadable {
            path: path_buf(),
            error,
        },
    })
}

/// Decodes the bytes of a note (UTF-8, or UTF-16 with its byte-order
/// mark: `encoding`), naming the line of the first invalid byte: without a
/// byte-order mark or NUL, line ends as CommonMark reads them made `\n` or
/// `\r\n`, in NFC (`japanese::compose`).
pub fn decode_note(path: &Path, bytes: Vec<u8>) -> Result<String, NoteError> {
    let decoded = match encoding::utf16(&bytes) {
        Some(utf16) => Ok(utf16.map_err(|encoding| NoteError::NotUtf16 {
            path: path.to_path_buf(),
            encoding,
        })?),
        None => String::from_utf8(bytes),
    };
    match decoded {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            // NUL is no text: Anki, SQLite's C API and terminals cut or
            // choke on it.
            if text.contains('\0') {
                text.retain(|c| c != '\0');
            }
            lone_cr_to_lf(&mut text);
            Ok(compose_string(text))
        }
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let (mut line, mut line_start) = (1, 0);
            for at in (0..valid.len()).filter(|&at| is_line_end(valid, at)) {
                (line, line_start) = (line + 1, at + 1);
            }
            Err(NoteError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column: valid.len() - line_start + 1,
                looks_like: encoding::guess(err.as_bytes()),
            })
        }
    }
}

/// Whether a line ends at byte `at` of `bytes`: an LF, or a CR alone, as old
/// Mac files end lines and CommonMark reads them (a CR before an LF is part
/// of that line end).
fn is_line_end(bytes: &[u8], at: usize) -> bool {
    match bytes[at] {
        b'\n' => true,
        b'\r' => bytes.get(at + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// Makes each CR that ends a line alone an LF, byte for byte: lines are then
/// counted and cut at them as in any other note, which look for LF only.
fn lone_cr_to_lf(text: &mut String) {
    if !text.contains('\r') {
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    for at in 0..bytes.len() {
        if bytes[at] == b'\r' && is_line_end(&bytes, at) {
            bytes[at] = b'\n';
        }
    }
    *text = String::from_utf8(bytes).expect("an ASCII byte replaced by another stays UTF-8");
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
/// change detection needs. Folders that cannot be read, links that lead
/// out of `root` or loop, `.md` entries that are no files, and a second
/// file of one name are reported in the second list and the walk goes on.
pub fn scan_notes(root: &Path) -> (Vec<NoteFile>, Vec<NoteError>) {
    let mut notes: Vec<NoteFile> = Vec::new();
    let mut errors = Vec::new();
    let mut named: HashMap<String, usize> = HashMap::new();
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
            Ok(note) => match named.get(&note.name) {
                Some(&first) => errors.push(NoteError::SameName {
                    path: note.path,
                    other: notes[first].path.clone(),
                }),
                None => {
                    named.insert(note.name.clone(), notes.len());
                    notes.push(note);
                }
            },
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
        let file_type = entry.file_type();
        let is_dir = file_type.is_dir();
        let named_note =
            entry.depth() == 0 || entry.path().extension().is_some_and(|ext| ext == "md");
        if named_note && !is_dir && !file_type.is_file() {
            let what = what_it_is(file_type);
            found.push(Err(NoteError::NotAFile {
                path: entry.into_path(),
                what,
            }));
            continue;
        }
        let markdown = named_note && file_type.is_file();
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
    if let Some(ancestor) = err.loop_ancestor() {
        let ancestor = ancestor.to_path_buf();
        return NoteError::LinkLoop { path, ancestor };
    }
    let error = err
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("unknown walk error"));
    NoteError::Unreadable { path, error }
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
    Changed(FileState, NoteText),
}

/// Compares a note with what the index remembers of it: size and
/// modification time first, which costs no read, then the content hash.
/// `force` treats every file as changed.
pub fn detect_change(
    note: &NoteFile,
    known: Option<&FileState>,
    force: bool,
) -> Result<Change, NoteError> {
    if is_unchanged(note, known, force) {
        return Ok(Change::Unchanged);
    }
    let known = known.filter(|_| !force);
    let bytes = read_note_bytes(&note.path)?;
    let state = FileState {
        size: bytes.len() as u64,
        mtime: note.mtime,
        hash: Sha256::digest(&bytes).to_vec(),
    };
    if known.is_some_and(|k| k.hash == state.hash) {
        return Ok(Change::Touched(state));
    }
    let text = note_text(&note.path, decode_note(&note.path, bytes)?)?;
    Ok(Change::Changed(state, text))
}

/// Whether a note has the size and modification time the index remembers
/// (and `force` is off): it is then taken as unchanged, unread.
pub fn is_unchanged(note: &NoteFile, known: Option<&FileState>, force: bool) -> bool {
    !force && known.is_some_and(|k| k.size == note.size && k.mtime == note.mtime)
}

/// Whether a walk of the notes skips an entry: hidden files and folders.
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| name.starts_with('.'))
}

/// `path` relative to `root`, with `/` separators, in NFC: how cards name
/// their file and decks their folders, the same for a note saved on macOS
/// (which writes names decomposed) as elsewhere. Names that are not UTF-8
/// show each invalid byte as `\xFF`, so that two such files never share a
/// name (which would make each look changed at every build); two whose
/// names differ only in their Unicode form do, and `scan_notes` keeps one.
pub fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let relative = if relative.as_os_str().is_empty() {
        Path::new(path.file_name().unwrap_or(path.as_os_str()))
    } else {
        relative
    };
    let name = relative
        .components()
        .map(|c| component_name(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/");
    compose_string(name)
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
    fn front_matter_is_blanked_and_its_notedeck_key_read() {
        let note = note_text(
            Path::new("n.md"),
            "---\ntags: [a]\nnotedeck: {reverse: true}\n---\n- 用語: 定義\n".into(),
        )
        .unwrap();
        assert_eq!(note.text, "\n\n\n\n- 用語: 定義\n");
        assert_eq!(note.options.reverse, Some(true));
        let err = note_text(
            Path::new("n.md"),
            "---\nnotedeck: {reverse: 1}\n---\n".into(),
        );
        assert!(err.unwrap_err().to_string().starts_with("n.md:2: "));
        // Without a closing line it is a rule and text, not front matter.
        let open = note_text(Path::new("n.md"), "---\nnotedeck: x\n".into()).unwrap();
        assert_eq!(open.text, "---\nnotedeck: x\n");
    }

    #[test]
    fn a_cr_alone_ends_a_line_as_in_commonmark() {
        let text = decode_note(Path::new("n.md"), b"a\rb\r\nc\n\r".to_vec()).unwrap();
        assert_eq!(text, "a\nb\r\nc\n\n");
        let err = decode_note(Path::new("n.md"), b"a\rb\r\nc\xff".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "n.md:3: not UTF-8 text (invalid byte at column 2)"
        );
    }

    #[test]
    fn nul_bytes_are_dropped() {
        let text = decode_note(Path::new("n.md"), b"a\0b\n- c\0: d".to_vec()).unwrap();
        assert_eq!(text, "ab\n- c: d");
    }
}
