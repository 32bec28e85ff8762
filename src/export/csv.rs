//! Anki's text import: tab-separated rows after header lines that tell Anki
//! the separator, the note type, which columns hold the deck, tags and GUID,
//! and the column names (mapped to fields by name), so that File › Import
//! needs no choices and a re-import updates notes by GUID.
//!
//! The rows come in note order, which makes them runs of the cards of one
//! deck and note file. A CSV's `Layout` (recorded in the index) gives the
//! length and checksum of the header and of each run: the next build copies
//! the runs of the files it did not read from the CSV in place, and writes
//! only those of the files it did (`splice`). The CSV in place is read as
//! untrusted: unless each part of it has the recorded hash, the splice
//! fails and the CSV is written whole. A run copied keeps its hash: only
//! the runs written are hashed.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use super::checksum;
use super::notetype::{FIELDS, NOTETYPE_NAME};
use super::Note;
use crate::files;
use anyhow::bail;
use serde::{Deserialize, Serialize};

/// Columns after the fields: deck, tags, GUID (1-based in the header).
const DECK_COLUMN: usize = FIELDS.len() + 1;
const TAGS_COLUMN: usize = FIELDS.len() + 2;
const GUID_COLUMN: usize = FIELDS.len() + 3;

/// How a CSV is laid out: what the next build needs to splice it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Whether rows name their note type (`#notetype column:1`).
    pub typed: bool,
    /// The header lines.
    pub header: Part,
    /// The runs of rows, in the file's order.
    pub runs: Vec<Run>,
}

/// The rows of the cards of one deck from one note file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub deck: String,
    pub file: String,
    pub part: Part,
}

/// A part of the file: its length and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub bytes: u64,
    pub checksum: String,
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
    out.flush()?;
    Ok(Layout {
        typed,
        header,
        runs,
    })
}

/// Writes the CSV the one of `layout` at `old` becomes when the cards of
/// the note files `read` are now `notes` (in note order): the other files'
/// runs are copied. Fails, having written something unusable, when the
/// file at `old` is not the one of `layout`, or when the notes need a
/// column the old rows lack.
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
    let mut source = Verified::open(old, &layout.header)?;
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
            source.read(&run.part, &mut io::sink())?;
        } else {
            source.read(&run.part, &mut out.unhashed())?;
            runs.push(run.clone());
        }
    }
    write_runs(&mut out, new, layout.typed, &mut runs)?;
    source.check_end()?;
    out.flush()?;
    Ok(Layout {
        typed: layout.typed,
        header,
        runs,
    })
}

/// Writes the header lines.
fn write_header(out: &mut Counted<impl Write>, typed: bool) -> io::Result<Part> {
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
    Ok(out.take_part())
}

/// Writes the rows of `notes`, adding a run to `runs` for each deck and
/// note file.
fn write_runs(
    out: &mut Counted<impl Write>,
    notes: &[&Note],
    typed: bool,
    runs: &mut Vec<Run>,
) -> anyhow::Result<()> {
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
            runs.push(Run {
                deck: note.deck.to_string(),
                file: note.file.to_string(),
                part: rows.get_ref().take_part(),
            });
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

/// A writer that counts and hashes what goes through it, a part at a time.
/// (The part is taken through a shared reference: the CSV writer that
/// writes into this one lends it only so.)
struct Counted<W> {
    inner: W,
    /// Of the part being written.
    bytes: Cell<u64>,
    hash: RefCell<checksum::Running>,
}

impl<W: Write> Counted<W> {
    fn new(inner: W) -> Self {
        Counted {
            inner,
            bytes: Cell::new(0),
            hash: RefCell::default(),
        }
    }

    /// The part written since the last one.
    fn take_part(&self) -> Part {
        Part {
            bytes: self.bytes.take(),
            checksum: self.hash.take().finish(),
        }
    }

    /// Where a part whose hash is known already is written.
    fn unhashed(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes.set(self.bytes.get() + written as u64);
        self.hash.get_mut().update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The CSV in place, read in order, a part at a time, each part checked
/// against its recorded hash.
struct Verified {
    file: File,
    block: Vec<u8>,
}

impl Verified {
    /// Opens the plain file at `path` (no link) and reads its header.
    fn open(path: &Path, header: &Part) -> anyhow::Result<Self> {
        let mut source = Verified {
            file: files::open_regular_no_link(path)?,
            block: vec![0; 256 << 10],
        };
        source.read(header, &mut io::sink())?;
        Ok(source)
    }

    /// Reads the next part into `out`, which must then be discarded if
    /// this fails: the bytes are known to be the part's only once all read.
    fn read(&mut self, part: &Part, out: &mut impl Write) -> anyhow::Result<()> {
        let mut hash = checksum::Running::default();
        let mut left = part.bytes;
        while left > 0 {
            let want = left.min(self.block.len() as u64) as usize;
            let read = self.file.read(&mut self.block[..want])?;
            if read == 0 {
                bail!("the CSV in place is shorter than recorded");
            }
            hash.update(&self.block[..read]);
            out.write_all(&self.block[..read])?;
            left -= read as u64;
        }
        if hash.finish() != part.checksum {
            bail!("the CSV in place is not the one recorded");
        }
        Ok(())
    }

    /// Checks that the file ends here.
    fn check_end(mut self) -> anyhow::Result<()> {
        if self.file.read(&mut self.block[..1])? != 0 {
            bail!("the CSV in place is longer than recorded");
        }
        Ok(())
    }
}
