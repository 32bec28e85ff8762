//! Anki's text import: tab-separated rows after header lines that tell Anki
//! the separator, the note type, which columns hold the deck, tags and GUID,
//! and the column names (mapped to fields by name), so that File › Import
//! needs no choices and a re-import updates notes by GUID.
//!
//! The rows come in note order, which makes them runs of the cards of one
//! deck and note file. A CSV's `Layout` (recorded in the index) gives the
//! length of each run: the next build copies the runs of the files it did
//! not read from the CSV in place, and writes only those of the files it
//! did (`splice`). The CSV in place is read as untrusted: unless its
//! SHA-256 is the recorded one, the splice fails and the CSV is written
//! whole.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use anyhow::bail;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::notetype::{FIELDS, NOTETYPE_NAME};
use super::Note;
use crate::files;

/// Columns after the fields: deck, tags, GUID (1-based in the header).
const DECK_COLUMN: usize = FIELDS.len() + 1;
const TAGS_COLUMN: usize = FIELDS.len() + 2;
const GUID_COLUMN: usize = FIELDS.len() + 3;

/// How a CSV is laid out: what the next build needs to splice it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The SHA-256 of the whole file, in hex.
    pub sha256: String,
    /// Whether rows name their note type (`#notetype column:1`).
    pub typed: bool,
    /// Bytes of the header lines.
    pub header: u64,
    /// The runs of rows, in the file's order.
    pub runs: Vec<Run>,
}

/// The rows of the cards of one deck from one note file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub deck: String,
    pub file: String,
    pub bytes: u64,
}

impl Layout {
    pub fn parse(text: &str) -> Option<Layout> {
        serde_json::from_str(text).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a layout is JSON")
    }
}

/// Notes of other note types than the basic one (reversed, type-in, cloze)
/// name theirs in a first column, `#notetype column:1`: Anki then maps
/// each row's columns to its note type's fields in order (all have five,
/// the Key last). A file of basic notes alone keeps the one `#notetype:`
/// line, with which Anki falls back to Basic when the collection has no
/// `notedeck` note type; a row of a note type the collection lacks is not
/// imported (import the package once).
pub(super) fn write(out: &mut File, notes: &[Note]) -> anyhow::Result<Layout> {
    let typed = notes.iter().any(|n| !n.note_type.is_basic());
    let mut out = Counted::new(BufWriter::with_capacity(1 << 20, out));
    let header = write_header(&mut out, typed)?;
    let mut runs = Vec::new();
    let notes: Vec<&Note> = notes.iter().collect();
    write_runs(&mut out, &notes, typed, &mut runs)?;
    Ok(out.finish(typed, header, runs)?)
}

/// Writes the CSV the one of `layout` at `old` becomes when the cards of
/// the note files `read` are now `notes` (in note order): the other files'
/// runs are copied. Fails, writing something unusable, when the file at
/// `old` is not the one of `layout`, or when the notes need a column the
/// old rows lack.
pub(super) fn splice(
    out: &mut File,
    old: &Path,
    layout: &Layout,
    read: &HashSet<String>,
    notes: &[&Note],
) -> anyhow::Result<Layout> {
    if !layout.typed && notes.iter().any(|n| !n.note_type.is_basic()) {
        bail!("the rows of the CSV in place name no note type");
    }
    let mut source = Verified::open(old, layout.header)?;
    let mut out = Counted::new(BufWriter::with_capacity(1 << 20, out));
    let header = write_header(&mut out, layout.typed)?;
    let mut runs = Vec::new();
    let mut new = notes;
    let mut last: Option<(&str, &str)> = None;
    for run in &layout.runs {
        let key = (run.deck.as_str(), run.file.as_str());
        if last.is_some_and(|last| last >= key) {
            bail!("the CSV's runs are not in note order");
        }
        last = Some(key);
        let before = new.partition_point(|n| (n.deck, n.file) < key);
        write_runs(&mut out, &new[..before], layout.typed, &mut runs)?;
        new = &new[before..];
        if read.contains(&run.file) {
            source.skip(run.bytes)?;
        } else {
            source.copy(run.bytes, &mut out)?;
            runs.push(run.clone());
        }
    }
    write_runs(&mut out, new, layout.typed, &mut runs)?;
    source.check(&layout.sha256)?;
    Ok(out.finish(layout.typed, header, runs)?)
}

/// Writes the header lines; returns their bytes.
fn write_header(out: &mut Counted<impl Write>, typed: bool) -> io::Result<u64> {
    // `#separator` must come before `#columns`, which Anki splits with it.
    // Without the notedeck type in the collection, Anki ignores `#notetype`
    // and uses its current type (Basic), still mapping Front and Back by name.
    writeln!(out, "#separator:tab")?;
    writeln!(out, "#html:true")?;
    let first = if typed {
        writeln!(out, "#notetype column:1")?;
        1
    } else {
        writeln!(out, "#notetype:{NOTETYPE_NAME}")?;
        0
    };
    writeln!(out, "#deck column:{}", DECK_COLUMN + first)?;
    writeln!(out, "#tags column:{}", TAGS_COLUMN + first)?;
    writeln!(out, "#guid column:{}", GUID_COLUMN + first)?;
    let notetype_label = if typed { "Note type\t" } else { "" };
    writeln!(
        out,
        "#columns:{notetype_label}{}\tDeck\tTags\tGUID",
        FIELDS.join("\t")
    )?;
    Ok(out.bytes)
}

/// Writes the rows of `notes`, adding a run to `runs` for each deck and
/// note file.
fn write_runs(
    out: &mut Counted<impl Write>,
    notes: &[&Note],
    typed: bool,
    runs: &mut Vec<Run>,
) -> anyhow::Result<()> {
    let mut start = out.bytes;
    let mut rows = ::csv::WriterBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(&mut *out);
    let mut tags = String::new();
    for (i, note) in notes.iter().enumerate() {
        tags.clear();
        for (i, tag) in note.tags.iter().enumerate() {
            if i > 0 {
                tags.push(' ');
            }
            tags.push_str(tag);
        }
        let front = protect_first_column(&note.fields[0]);
        let notetype = typed.then(|| note.definition().name);
        rows.write_record(notetype.into_iter().chain([
            front.as_ref(),
            &note.fields[1],
            &note.fields[2],
            &note.fields[3],
            &note.fields[4],
            note.deck,
            tags.as_str(),
            note.guid,
        ]))?;
        let run_ends = notes
            .get(i + 1)
            .is_none_or(|next| (next.deck, next.file) != (note.deck, note.file));
        if run_ends {
            rows.flush()?;
            let end = rows.get_ref().bytes;
            runs.push(Run {
                deck: note.deck.to_string(),
                file: note.file.to_string(),
                bytes: end - start,
            });
            start = end;
        }
    }
    rows.flush()?;
    Ok(())
}

/// A row whose first character is `#` would be read as a header or comment
/// line; the HTML entity shows the same character.
fn protect_first_column(field: &str) -> std::borrow::Cow<'_, str> {
    match field.strip_prefix('#') {
        Some(rest) => format!("&#35;{rest}").into(),
        None => field.into(),
    }
}

/// A writer that counts and hashes what goes through it.
struct Counted<W> {
    inner: W,
    bytes: u64,
    hash: Sha256,
}

impl<W: Write> Counted<W> {
    fn new(inner: W) -> Self {
        Counted {
            inner,
            bytes: 0,
            hash: Sha256::new(),
        }
    }

    fn finish(mut self, typed: bool, header: u64, runs: Vec<Run>) -> io::Result<Layout> {
        self.inner.flush()?;
        Ok(Layout {
            sha256: hex(self.hash),
            typed,
            header,
            runs,
        })
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        self.hash.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(hash: Sha256) -> String {
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The CSV in place, read in order and hashed as it is read: only once it
/// is all read is it known to be the one recorded (`check`).
struct Verified {
    file: File,
    hash: Sha256,
    block: Vec<u8>,
}

impl Verified {
    /// Opens the plain file at `path` (no link) and reads its header.
    fn open(path: &Path, header: u64) -> anyhow::Result<Self> {
        let mut source = Verified {
            file: files::open_regular_no_link(path)?,
            hash: Sha256::new(),
            block: vec![0; 256 << 10],
        };
        source.skip(header)?;
        Ok(source)
    }

    fn skip(&mut self, bytes: u64) -> io::Result<()> {
        self.copy(bytes, &mut io::sink())
    }

    fn copy(&mut self, mut bytes: u64, out: &mut impl Write) -> io::Result<()> {
        while bytes > 0 {
            let want = bytes.min(self.block.len() as u64) as usize;
            let read = self.file.read(&mut self.block[..want])?;
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the CSV in place is shorter than recorded",
                ));
            }
            self.hash.update(&self.block[..read]);
            out.write_all(&self.block[..read])?;
            bytes -= read as u64;
        }
        Ok(())
    }

    /// Checks that the file ends here and had the SHA-256 `sha256`.
    fn check(mut self, sha256: &str) -> anyhow::Result<()> {
        if self.file.read(&mut self.block[..1])? != 0 {
            bail!("the CSV in place is longer than recorded");
        }
        if hex(self.hash) != sha256 {
            bail!("the CSV in place is not the one recorded");
        }
        Ok(())
    }
}
