//! Markdown → a tree of headings, items and paragraphs with line numbers.
//!
//! pulldown-cmark reads the Markdown; this module shapes its events into the
//! tree that docs/extraction.md speaks of: a heading holds its section, an item its
//! nested content, and each node keeps its **head** (first paragraph) as
//! plain text mapped back to the source, so that the extractor can cut it at
//! a separator and still render the rest as Markdown.
//!
//! In order: `builder` reads the events into flat nodes with their `head`s
//! (their texts in one buffer, `text`), `skip` marks what the author said
//! to skip, `shape` nests sections and makes a reader's repairs; `markdown`
//! gives the backs their source.

use std::ops::Range;

use pulldown_cmark::{Options, Parser};

use crate::japanese::{furigana, phrase};

mod builder;
mod head;
mod markdown;
mod shape;
mod skip;
#[cfg(test)]
mod tests;
mod text;

use builder::Builder;
pub use head::Head;
pub use markdown::{cut_at_line, Replacements};
use shape::{nest_sections, shape_siblings};
use skip::mark_skipped;
pub use skip::{is_skip_marker, SKIP_MARKER};
pub use text::HeadText;

/// Items nested deeper than this are kept as text of their ancestors' backs,
/// not as nodes: no note needs more, and it bounds every walk of the tree.
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A heading; its children are its section.
    Heading(u8),
    /// A list item; its children are what is nested under it.
    Item,
    /// A paragraph outside any list.
    Paragraph,
    /// A table, `Outline::tables[i]`: its rows may be cards, its source
    /// stays whole in backs.
    Table(usize),
    /// Anything else (code, HTML, quotes, a paragraph inside an item): part
    /// of the backs, never a card itself. Only a block quote outside lists
    /// has children: what it quotes.
    Other,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub head: Head,
    /// 1-based line of the head (of the node when it has no head).
    pub line: usize,
    /// The node's source: an item from its marker, a heading with its section.
    pub range: Range<usize>,
    /// Column of `range.start`: the indentation its continuation lines carry.
    pub column: usize,
    pub children: Vec<Node>,
    /// Under `<!-- notedeck: skip -->`: the author says it, and all under
    /// it, makes no card (`mark_skipped`).
    pub skipped: bool,
}

impl Node {
    /// Bookmarks: references, or a name over nothing but bookmarks
    /// (`- awsのドキュメント` over `- https://docs.aws.amazon.com/…`). They
    /// say nothing to recall; images, code and sentences are not bookmarks.
    pub fn is_bookmark(&self) -> bool {
        // The children first: most fail at once, and `is_term` costs more.
        let is_text = matches!(self.kind, NodeKind::Item | NodeKind::Paragraph);
        let names_them = || !self.children.is_empty() && phrase::is_term(&self.head.text);
        is_text
            && self.children.iter().all(Node::is_bookmark)
            && (self.head.is_only_references() || names_them())
    }
}

/// A table as pulldown-cmark reads it (GFM): its header and its rows.
#[derive(Debug, Default)]
pub struct Table {
    pub header: Row,
    pub rows: Vec<Row>,
}

#[derive(Debug, Default)]
pub struct Row {
    /// 1-based line of the row.
    pub line: usize,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Default)]
pub struct Cell {
    /// The cell's text, read like a head (link text kept, `<br>` a line
    /// break).
    pub head: Head,
    /// The cell's Markdown between its pipes.
    pub source: Range<usize>,
}

/// The tree of one note.
#[derive(Debug)]
pub struct Outline {
    /// The Markdown as parsed (`-　` bullets made plain `- `, same length).
    pub source: String,
    /// Index into `nodes` of the document title, the first `#` heading.
    pub title: Option<usize>,
    pub nodes: Vec<Node>,
    /// The tables of the note, in order (`NodeKind::Table` indexes them).
    pub tables: Vec<Table>,
    lines: Lines,
}

impl Outline {
    /// The 1-based line of a source offset.
    pub fn line(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    pub fn title_text(&self) -> Option<&str> {
        self.title.map(|i| self.nodes[i].head.text.trim())
    }
}

/// Parses a note into its outline.
pub fn parse(text: &str) -> Outline {
    let source = normalize_bullets(text);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Furigana's bars end no table cell (the cells' text gets them back).
    let parsed = furigana::hide_bars_in_tables(&source);
    let mut builder = Builder::new(&source, matches!(parsed, std::borrow::Cow::Owned(_)));
    for (event, range) in Parser::new_ext(&parsed, options).into_offset_iter() {
        builder.event(event, range);
    }
    let (mut flat, tables, lines) = builder.finish();
    mark_skipped(&mut flat, &source);
    let mut nodes = nest_sections(flat, source.len());
    shape_siblings(&mut nodes, &source);
    let title = nodes.iter().position(|n| n.kind == NodeKind::Heading(1));
    Outline {
        source,
        title,
        nodes,
        tables,
        lines,
    }
}

/// `-　` and `##　見出し` (a hyphen or hashes and an ideographic space, a
/// slip of Japanese input methods) start a bullet or a heading like `- `
/// and `## `. The replacement has the same length, so source offsets stay
/// those of the file.
fn normalize_bullets(text: &str) -> String {
    // A slip's ideographic space follows a hyphen or a hash: the pairs are
    // searched for, not the space, whose bytes stand in most characters of
    // Japanese text (a search for it stops at them, and guesses wrong at
    // each). Each space is one byte after its pair's start.
    let mut spaces: Vec<usize> = ["-\u{3000}", "#\u{3000}"]
        .iter()
        .flat_map(|pair| memchr::memmem::find_iter(text.as_bytes(), pair))
        .map(|pair_start| pair_start + 1)
        .collect();
    spaces.sort_unstable();
    let mut out = String::with_capacity(text.len());
    // Up to where `text` is in `out`: slips are few, the rest is copied whole.
    let mut copied = 0;
    for at in spaces {
        let line_start = text[..at].rfind('\n').map_or(0, |nl| nl + 1);
        if is_slip_marker(&text[line_start..at]) {
            out.push_str(&text[copied..at]);
            out.push_str(" \u{a0}");
            copied = at + IDEOGRAPHIC_SPACE.len();
        }
    }
    out.push_str(&text[copied..]);
    out
}

const IDEOGRAPHIC_SPACE: &str = "\u{3000}";

/// Whether `before`, the start of a line up to an ideographic space, is a
/// bullet's `-` or a heading's hashes (indented or not) that the space
/// slipped after.
fn is_slip_marker(before: &str) -> bool {
    match before.trim_start_matches([' ', '\t']) {
        "-" => true,
        hashes => (1..=6).contains(&hashes.len()) && hashes.bytes().all(|b| b == b'#'),
    }
}

/// The lines of `text` with their line ends, as `str::split_inclusive`
/// cuts them, the line ends found by SIMD (whole notes, every back).
fn lines_with_ends(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        if start == text.len() {
            return None;
        }
        let end = ends.next().map_or(text.len(), |nl| nl + 1);
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// Byte offset → 1-based line and column.
#[derive(Debug, Default)]
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Lines { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// The 1-based line of `offset` and its column, a tab counting four;
    /// `near` is a line at or before it, where the search starts (see
    /// `line_from`).
    fn position(&self, text: &str, near: usize, offset: usize) -> (usize, usize) {
        let line = self.line_from(near, offset);
        let before = &text.as_bytes()[self.starts[line - 1]..offset];
        (line, column_width(before))
    }

    /// `line(offset)`, counted on from `near`, a line at or before it: the
    /// builder asks for the lines of its nodes in the order of the source,
    /// a few lines apart, which a step or two tells where a binary search
    /// of all the lines guesses at each of its branches. An offset before
    /// `near` is searched for.
    fn line_from(&self, near: usize, offset: usize) -> usize {
        if near == 0
            || self
                .starts
                .get(near - 1)
                .is_none_or(|&start| start > offset)
        {
            return self.line(offset);
        }
        let mut line = near;
        while self.starts.get(line).is_some_and(|&start| start <= offset) {
            line += 1;
        }
        line
    }
}

/// The columns `before` takes, a tab counting four: its characters counted
/// by their first bytes (every byte but UTF-8's continuation bytes).
fn column_width(before: &[u8]) -> usize {
    before
        .iter()
        .map(|&b| match b {
            b'\t' => 4,
            0x80..=0xbf => 0,
            _ => 1,
        })
        .sum()
}
