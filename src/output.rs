//! How `extract` prints cards: JSON lines for tools, TSV for spreadsheets,
//! text for people.

use std::io::{self, Write};

use crate::card::Card;
use crate::japanese::width::fit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object a card (the keys other tools and tests read).
    Jsonl,
    /// Tab-separated, with a header row.
    Tsv,
    /// Front, context and the start of the back, fitted to the terminal.
    Text,
}

/// The columns of the TSV output, in order.
pub const TSV_COLUMNS: [&str; 9] = [
    "guid", "deck", "kind", "file", "line", "front", "context", "tags", "back",
];

/// Writes cards one format at a time; the TSV header comes once, first.
pub struct CardWriter<W: Write> {
    format: Format,
    /// Terminal columns for the text format.
    columns: usize,
    tsv: Option<csv::Writer<W>>,
    out: Option<W>,
}

impl<W: Write> CardWriter<W> {
    pub fn new(out: W, format: Format, columns: usize) -> io::Result<Self> {
        if format != Format::Tsv {
            return Ok(CardWriter {
                format,
                columns,
                tsv: None,
                out: Some(out),
            });
        }
        let mut tsv = csv::WriterBuilder::new().delimiter(b'\t').from_writer(out);
        tsv.write_record(TSV_COLUMNS).map_err(into_io)?;
        Ok(CardWriter {
            format,
            columns,
            tsv: Some(tsv),
            out: None,
        })
    }

    pub fn write(&mut self, card: &Card) -> io::Result<()> {
        if let Some(tsv) = self.tsv.as_mut() {
            let line = card.line.to_string();
            let context = card.context.join(" › ");
            let tags = card.tags.join(" ");
            let kind = card.kind.as_str();
            return tsv
                .write_record([
                    &card.guid,
                    &*card.deck,
                    kind,
                    &*card.file,
                    &line,
                    &card.front,
                    &context,
                    &tags,
                    &card.back,
                ])
                .map_err(into_io);
        }
        let out = self.out.as_mut().expect("a plain writer");
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut *out, card)?;
                writeln!(out)
            }
            _ => write_text(out, card, self.columns),
        }
    }

    pub fn finish(self) -> io::Result<()> {
        match (self.tsv, self.out) {
            (Some(mut tsv), _) => tsv.flush(),
            (_, Some(mut out)) => out.flush(),
            _ => Ok(()),
        }
    }
}

/// The I/O error inside a CSV error, so that a closed pipe stays one.
fn into_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Two lines a card: front, then context and `file:line`; the back indented.
fn write_text(out: &mut impl Write, card: &Card, columns: usize) -> io::Result<()> {
    let mut first = card.front.clone();
    if !card.context.is_empty() {
        first.push_str("  ‹ ");
        first.push_str(&card.context.join(" › "));
    }
    let place = format!("  {}:{}", card.file, card.line);
    let room = columns.saturating_sub(crate::japanese::width::columns(&place));
    writeln!(out, "{}{place}", fit(&first, room))?;
    writeln!(out, "    {}", fit(&card.back, columns.saturating_sub(4)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Kind;

    fn card() -> Card {
        Card {
            guid: "g".into(),
            deck: "D".into(),
            front: "監視".into(),
            back: "一行目\t値\n二行目 \"引用\"".into(),
            back_html: String::new(),
            context: vec!["41.".into(), "親".into()].into(),
            tags: vec!["41".into()].into(),
            kind: Kind::Term,
            file: "a.md".into(),
            line: 3,
            note_type: Default::default(),
        }
    }

    #[test]
    fn tsv_has_a_header_and_keeps_tabs_newlines_and_quotes() {
        let mut buf = Vec::new();
        let mut writer = CardWriter::new(&mut buf, Format::Tsv, 80).unwrap();
        writer.write(&card()).unwrap();
        writer.finish().unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .from_reader(buf.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            TSV_COLUMNS
        );
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[8], "一行目\t値\n二行目 \"引用\"");
        assert_eq!(&row[6], "41. › 親");
    }

    #[test]
    fn text_lines_fit_the_terminal_counting_wide_characters_twice() {
        let mut buf = Vec::new();
        write_text(
            &mut buf,
            &Card {
                back: "長い".repeat(50),
                ..card()
            },
            30,
        )
        .unwrap();
        let text = String::from_utf8(buf).unwrap();
        for line in text.lines() {
            assert!(crate::japanese::width::columns(line) <= 30, "{line:?}");
        }
        assert!(text.starts_with("監視  ‹ 41. › 親  a.md:3\n"));
    }
}
