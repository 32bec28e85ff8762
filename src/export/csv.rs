//! Anki's text import: tab-separated rows after header lines that tell Anki
//! the separator, the note type, which columns hold the deck, tags and GUID,
//! and the column names (mapped to fields by name), so that File › Import
//! needs no choices and a re-import updates notes by GUID.

use std::fs::File;
use std::io::{BufWriter, Write};

use super::notetype::{FIELDS, NOTETYPE_NAME};
use super::Note;

/// Columns after the fields: deck, tags, GUID (1-based in the header).
const DECK_COLUMN: usize = FIELDS.len() + 1;
const TAGS_COLUMN: usize = FIELDS.len() + 2;
const GUID_COLUMN: usize = FIELDS.len() + 3;

/// Notes of other note types than the basic one (reversed, type-in, cloze)
/// name theirs in a first column, `#notetype column:1`: Anki then maps
/// each row's columns to its note type's fields in order (all have five,
/// the Key last). A file of basic notes alone keeps the one `#notetype:`
/// line, with which Anki falls back to Basic when the collection has no
/// `notedeck` note type; a row of a note type the collection lacks is not
/// imported (import the package once).
pub(super) fn write(out: &mut File, notes: &[Note]) -> anyhow::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let typed = notes.iter().any(|n| !n.note_type.is_basic());
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
    let mut rows = ::csv::WriterBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(&mut out);
    let mut tags = String::new();
    for note in notes {
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
    }
    rows.flush()?;
    drop(rows);
    out.flush()?;
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
