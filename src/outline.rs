//! Markdown → a tree of headings, items and paragraphs with line numbers.
//!
//! pulldown-cmark reads the Markdown; this module shapes its events into the
//! tree that docs/extraction.md speaks of: a heading holds its section, an item its
//! nested content, and each node keeps its **head** (first paragraph) as
//! plain text mapped back to the source, so that the extractor can cut it at
//! a separator and still render the rest as Markdown.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::japanese::furigana;
use crate::japanese::{phrase, script::is_space, separator};

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

/// The first paragraph of a node, as plain text mapped to its source.
#[derive(Debug, Clone, Default)]
pub struct Head {
    /// Visible text: link text kept, image alt text and markup left out,
    /// line breaks as `\n`.
    pub text: String,
    spans: Vec<Span>,
    /// Text ranges set in bold.
    pub strong: Vec<Range<usize>>,
    /// Text ranges set in italics (`_end-point authentication_`).
    pub emphasis: Vec<Range<usize>>,
    /// The head's source range.
    pub source: Range<usize>,
    /// Images and links seen in the head.
    pub media: usize,
    /// Images seen in the head (also counted in `media`).
    pub images: usize,
    /// Where inline markup opens (bold, links, images): its text position
    /// and source offset, so that a back cut there keeps the markup whole.
    marks: Vec<(usize, usize)>,
    /// The separator, found once.
    separator: std::cell::OnceCell<Option<Range<usize>>>,
    /// `masked` and `separable`, made once when they differ from `text`:
    /// a head of many lines asks for them for each.
    masked_text: std::cell::OnceCell<Option<String>>,
    separable_text: std::cell::OnceCell<Option<String>>,
    /// Whether `source` has been set.
    covered: bool,
}

#[derive(Debug, Clone)]
struct Span {
    text: Range<usize>,
    source: Range<usize>,
    /// Inline code, link text or HTML: where no separator may be found.
    opaque: bool,
}

impl Head {
    /// Widens the head's source to take in `range`: images and inline HTML
    /// have no text of their own, yet they belong to the head (and to the
    /// definition that ends with them).
    fn cover(&mut self, range: &Range<usize>) {
        if self.covered {
            self.source.start = self.source.start.min(range.start);
            self.source.end = self.source.end.max(range.end);
        } else {
            self.source = range.clone();
            self.covered = true;
        }
    }

    /// The text with opaque spans blanked out, for finding separators.
    pub fn masked(&self) -> std::borrow::Cow<'_, str> {
        let masked = self.masked_text.get_or_init(|| self.mask_opaque());
        masked.as_deref().unwrap_or(&self.text).into()
    }

    fn mask_opaque(&self) -> Option<String> {
        let mut opaque = self
            .spans
            .iter()
            .filter(|s| s.opaque && !s.text.is_empty())
            .peekable();
        opaque.peek()?;
        let mut masked = self.text.clone();
        for span in opaque {
            // Upper case: a code span before a colon is a term
            // (`` `マルチキャストアドレス`:FF00::/8 ``), not a lower-case
            // word the colon is glued inside.
            let blank = "X".repeat(span.text.len());
            masked.replace_range(span.text.clone(), &blank);
        }
        Some(masked)
    }

    /// The separator between term and definition, in text coordinates.
    pub fn separator(&self) -> Option<Range<usize>> {
        self.separator
            .get_or_init(|| self.separator_from(0))
            .clone()
    }

    /// The first separator at or after text position `from`. Bold text is a
    /// unit: a dash or arrow inside it joins words (`**S3標準 - IA**`).
    pub fn separator_from(&self, from: usize) -> Option<Range<usize>> {
        let masked = self.separable();
        separator::find(&masked[from..]).map(|r| r.start + from..r.end + from)
    }

    /// The text where separators are looked for: `masked`, with the dashes
    /// and arrows inside bold text blanked out too.
    pub fn separable(&self) -> std::borrow::Cow<'_, str> {
        let separable = self
            .separable_text
            .get_or_init(|| match self.mask_bold_marks() {
                std::borrow::Cow::Owned(text) => Some(text),
                std::borrow::Cow::Borrowed(_) => None,
            });
        match separable {
            Some(text) => text.as_str().into(),
            None => self.masked(),
        }
    }

    fn mask_bold_marks(&self) -> std::borrow::Cow<'_, str> {
        let mut masked = self.masked();
        for bold in &self.strong {
            if !masked[bold.clone()].contains(separator::is_weak_mark) {
                continue;
            }
            // Same byte length, so every text position stays where it was.
            let mut unit = String::with_capacity(bold.len());
            for c in masked[bold.clone()].chars() {
                if separator::is_weak_mark(c) {
                    unit.push_str(&"xxxx"[..c.len_utf8()]);
                } else {
                    unit.push(c);
                }
            }
            masked.to_mut().replace_range(bold.clone(), &unit);
        }
        masked
    }

    /// Whether the head ends with a separator, or with a separator and only
    /// links after it: `Amazon GuardDuty:`, `…の意味: [DevOps (Atlassian社)](…)`
    /// (a source named, the definition still to come).
    pub fn ends_with_separator(&self) -> bool {
        self.separator().is_some_and(|sep| {
            // After a label, a link is a reference, not a definition to come.
            let sourced = self.media > 0 && !phrase::is_label(&self.text[..sep.start]);
            self.spans.iter().filter(|s| s.text.end > sep.end).all(|s| {
                let rest = &self.text[s.text.start.max(sep.end)..s.text.end];
                rest.trim_matches(is_space).is_empty() || (s.opaque && sourced)
            })
        })
    }

    /// The source offset of a position in the text.
    pub fn source_at(&self, text_pos: usize) -> usize {
        // The spans follow each other: the first that ends past the
        // position is the one that may hold it (a head of many lines asks
        // for each).
        let first_past = self.spans.partition_point(|s| s.text.end <= text_pos);
        let Some(span) = self
            .spans
            .get(first_past)
            .filter(|s| s.text.contains(&text_pos))
        else {
            return self.source.end;
        };
        if span.text.len() == span.source.len() {
            span.source.start + (text_pos - span.text.start)
        } else {
            span.source.start
        }
    }

    /// The source offset where the rest of the head from text position
    /// `text_pos` begins: markup that opens between the text before it and
    /// `text_pos` (`**太字**`, `[AWS](…)`, an image) is kept whole.
    pub fn source_from(&self, text_pos: usize) -> usize {
        let at = self.source_at(text_pos);
        let before = self.text[..text_pos.min(self.text.len())]
            .trim_end_matches(is_space)
            .len();
        // Marks are kept in text order.
        let from = self.marks.partition_point(|&(text, _)| text < before);
        self.marks[from..]
            .iter()
            .take_while(|&&(text, _)| text <= text_pos)
            .filter(|&&(_, source)| source < at)
            .map(|&(_, source)| source)
            .min()
            .unwrap_or(at)
    }

    /// Only links or an address written out (`https://docs.aws.amazon.com/…`,
    /// which CommonMark leaves as text): a reference to read elsewhere.
    pub fn is_only_references(&self) -> bool {
        let text = self.text.trim_matches(is_space);
        let address = ["https://", "http://"]
            .iter()
            .any(|scheme| text.starts_with(scheme))
            && !text.contains(char::is_whitespace);
        address || self.is_only_links()
    }

    /// Only links (one at least), no image: `[Validated Learning](…)`.
    pub fn is_only_links(&self) -> bool {
        self.is_only_media_or_code()
            && self.images == 0
            && self.media > 0
            && !self.text.trim_matches(is_space).is_empty()
    }

    /// Nothing but images, links, code or JSON: not a card.
    pub fn is_only_media_or_code(&self) -> bool {
        // The first and last visible characters of the plain spans, as if
        // they were joined (without joining them: this runs for every node).
        let plain = || {
            self.spans
                .iter()
                .filter(|s| !s.opaque)
                .map(|s| &self.text[s.text.clone()])
        };
        let first = plain().find_map(|t| t.trim_start_matches(is_space).chars().next());
        let last = || {
            plain()
                .rev()
                .find_map(|t| t.trim_end_matches(is_space).chars().next_back())
        };
        let code_only = !self.spans.is_empty() && self.spans.iter().all(|s| s.opaque);
        let json = first == Some('{') && last() == Some('}');
        (first.is_none() && (self.media > 0 || code_only)) || json
    }

    fn push(&mut self, text: &str, source: Range<usize>, opaque: bool) {
        let start = self.text.len();
        self.text.push_str(text);
        self.cover(&source);
        self.spans.push(Span {
            text: start..self.text.len(),
            source,
            opaque,
        });
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

    /// Markdown of `nodes` as they would stand on their own: each dedented by
    /// its column, list items kept together as one list. Past `limit` bytes
    /// it is cut at a line end and marked with `…`, so that no input makes
    /// every ancestor of a huge subtree carry all of it.
    pub fn markdown(&self, nodes: &[Node], limit: usize) -> String {
        self.markdown_with(nodes, limit, &[])
    }

    /// `markdown`, each part of the source that `replaced` names (sorted by
    /// start) standing as its text: a node that made a card of its own is
    /// shown by its front, not repeated. A replacement inside another one is
    /// part of it.
    pub fn markdown_with(&self, nodes: &[Node], limit: usize, replaced: &[Replacement]) -> String {
        let whole: usize = nodes.iter().map(|n| n.range.len()).sum();
        let mut md = String::with_capacity(whole.min(limit.saturating_add(1)));
        let mut previous_is_item: Option<bool> = None;
        for node in nodes {
            let room = limit.saturating_sub(md.len()).saturating_add(1);
            let (source, wholly) = self.spliced(node.range.clone(), replaced, room);
            // A node shown by its front is an item of the list of fronts.
            let is_item = node.kind == NodeKind::Item || wholly;
            if let Some(previous) = previous_is_item {
                md.push_str(if previous && is_item { "\n" } else { "\n\n" });
            }
            let start = md.len();
            push_dedented(&mut md, &source, node.column);
            md.truncate(start + md[start..].trim_end().len());
            if md.len() > limit {
                cut_at_line(&mut md, limit);
                break;
            }
            previous_is_item = Some(is_item);
        }
        md
    }

    /// The source of `range` with the replacements inside it, at most about
    /// `room` bytes (whole lines may be cut later), and whether one
    /// replacement took all of it.
    fn spliced(
        &self,
        range: Range<usize>,
        replaced: &[Replacement],
        room: usize,
    ) -> (std::borrow::Cow<'_, str>, bool) {
        let first = replaced.partition_point(|r| r.range.start < range.start);
        let mut inside = replaced[first..]
            .iter()
            .take_while(|r| r.range.start < range.end)
            .peekable();
        let bounded = |text: &'_ str, room: usize| floor_char_boundary(text, room);
        if inside.peek().is_none() {
            let source = &self.source[range];
            return (source[..bounded(source, room)].into(), false);
        }
        let trimmed_end = range.start + self.source[range.clone()].trim_end().len();
        let mut out = String::new();
        let mut at = range.start;
        let mut wholly = false;
        for replacement in inside {
            if replacement.range.start < at {
                continue;
            }
            wholly |=
                replacement.range.start == range.start && replacement.range.end >= trimmed_end;
            out.push_str(&self.source[at..replacement.range.start]);
            out.push_str(&replacement.text);
            at = replacement.range.end.min(range.end);
            if out.len() > room {
                return (out.into(), wholly);
            }
        }
        let rest = &self.source[at..range.end];
        out.push_str(&rest[..bounded(rest, room.saturating_sub(out.len()))]);
        (out.into(), wholly)
    }
}

/// A part of the source that a back shows otherwise: a node that made a
/// card of its own, by that card's front (`Outline::markdown_with`).
#[derive(Debug, Clone)]
pub struct Replacement {
    pub range: Range<usize>,
    pub text: String,
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Cuts `md` to at most `limit` bytes, at the last line end if there is one,
/// and marks the cut with `…`.
pub fn cut_at_line(md: &mut String, limit: usize) {
    if md.len() <= limit {
        return;
    }
    let at = floor_char_boundary(md, limit);
    let at = md[..at].rfind('\n').filter(|&nl| nl > 0).unwrap_or(at);
    md.truncate(at);
    md.push_str("\n\n…");
}

/// A tag of HTML's ruby markup (`<ruby>漢字<rt>かんじ</rt></ruby>`), given
/// in lower case.
fn is_ruby_tag(tag: &str) -> bool {
    let name = tag.trim_start_matches('<').trim_start_matches('/');
    let name = name.trim_end_matches('>').trim_end();
    matches!(name, "ruby" | "rt" | "rp" | "rb")
}

/// Appends `text` to `out` with up to `columns` columns of indentation
/// removed from every line but the first.
fn push_dedented(out: &mut String, text: &str, columns: usize) {
    if columns == 0 {
        return out.push_str(text);
    }
    for (i, line) in lines_with_ends(text).enumerate() {
        if i == 0 {
            out.push_str(line);
            continue;
        }
        let mut cut = 0;
        let mut col = 0;
        for (at, c) in line.char_indices() {
            let width = match c {
                ' ' => 1,
                '\t' => 4 - col % 4,
                _ => break,
            };
            if col + width > columns {
                break;
            }
            col += width;
            cut = at + 1;
        }
        out.push_str(&line[cut..]);
    }
}

/// Parses a note into its outline.
pub fn parse(text: &str) -> Outline {
    let source = normalize_bullets(text);
    let mut builder = Builder::new(&source);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Furigana's bars end no table cell (the cells' text gets them back).
    let parsed = furigana::hide_bars_in_tables(&source);
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
    let mut out = String::with_capacity(text.len());
    // Up to where `text` is in `out`: slips are few, the rest is copied whole.
    let mut copied = 0;
    let mut line_start = 0;
    for line in lines_with_ends(text) {
        let body = line.trim_start_matches([' ', '\t']);
        let marker = body.len() - body.trim_start_matches(['-', '#']).len();
        let slip = match &body[..marker] {
            "-" => true,
            hashes => (1..=6).contains(&hashes.len()) && !hashes.contains('-'),
        };
        if slip && body[marker..].starts_with('\u{3000}') {
            let at = line_start + line.len() - body.len() + marker;
            out.push_str(&text[copied..at]);
            out.push_str(" \u{a0}");
            copied = at + '\u{3000}'.len_utf8();
        }
        line_start += line.len();
    }
    out.push_str(&text[copied..]);
    out
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

    /// The offset where 1-based line `line` starts, if there is one.
    fn start(&self, line: usize) -> Option<usize> {
        self.starts.get(line - 1).copied()
    }

    fn column(&self, text: &str, offset: usize) -> usize {
        let start = self.starts[self.line(offset) - 1];
        text[start..offset]
            .chars()
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum()
    }
}

/// A table being read: its node, what is read of it, the row and cell open.
struct OpenTable {
    node: Node,
    table: Table,
    row: Option<Row>,
    cell: Option<Cell>,
}

/// An item whose head is still being read, or a heading or paragraph.
struct Open {
    node: Node,
    /// The head is complete once a nested block starts.
    head_done: bool,
    in_head_paragraph: bool,
}

struct Builder<'s> {
    source: &'s str,
    lines: Lines,
    /// Open items, outermost first.
    items: Vec<Open>,
    /// An open heading or top-level paragraph.
    block: Option<Open>,
    /// An open block quote outside any list: its paragraphs and items are
    /// read as nodes (a quoted definition is a definition), its source stays
    /// whole in backs.
    quote: Option<Node>,
    top: Vec<Node>,
    /// A table being read, and the tables read.
    table: Option<OpenTable>,
    tables: Vec<Table>,
    /// Nesting depth inside a block kept whole as `Other`.
    skip: usize,
    link_depth: usize,
    image_depth: usize,
}

impl<'s> Builder<'s> {
    fn new(source: &'s str) -> Self {
        Builder {
            source,
            lines: Lines::new(source),
            items: Vec::new(),
            block: None,
            quote: None,
            top: Vec::new(),
            table: None,
            tables: Vec::new(),
            skip: 0,
            link_depth: 0,
            image_depth: 0,
        }
    }

    fn node(&self, kind: NodeKind, range: Range<usize>) -> Node {
        Node {
            kind,
            head: Head::default(),
            line: self.lines.line(range.start),
            column: self.lines.column(self.source, range.start),
            range,
            children: Vec::new(),
            skipped: false,
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if self.skip > 0 {
            match event {
                Event::Start(_) => self.skip += 1,
                Event::End(_) => self.skip -= 1,
                _ => {}
            }
            return;
        }
        if self.table_event(&event, &range) {
            return;
        }
        match event {
            Event::Start(Tag::BlockQuote(_)) if self.items.is_empty() && self.quote.is_none() => {
                self.quote = Some(self.node(NodeKind::Other, range));
            }
            Event::End(TagEnd::BlockQuote(_)) if self.items.is_empty() => {
                if let Some(quote) = self.quote.take() {
                    self.top.push(quote);
                }
            }
            Event::Start(Tag::Heading { .. }) if self.items.is_empty() && self.quote.is_none() => {
                let level = heading_level(&self.source[range.clone()]);
                self.block = Some(self.open(NodeKind::Heading(level), range));
            }
            Event::Start(Tag::Paragraph) => match self.items.last_mut() {
                Some(item) if !item.head_done && item.node.head.spans.is_empty() => {
                    item.in_head_paragraph = true
                }
                Some(_) => self.other(range),
                None => self.block = Some(self.open(NodeKind::Paragraph, range)),
            },
            Event::End(TagEnd::Paragraph) => match self.items.last_mut() {
                Some(item) if item.in_head_paragraph => {
                    item.in_head_paragraph = false;
                    item.head_done = true;
                }
                _ => self.close_block(),
            },
            Event::End(TagEnd::Heading(_)) => self.close_block(),
            Event::Start(Tag::List(_)) => {
                if self.items.len() >= MAX_DEPTH {
                    self.other(range);
                } else if let Some(item) = self.items.last_mut() {
                    item.head_done = true;
                }
            }
            Event::End(TagEnd::List(_)) => {}
            Event::Start(Tag::Item) => {
                let open = self.open(NodeKind::Item, range);
                self.items.push(open);
            }
            Event::End(TagEnd::Item) => {
                if let Some(open) = self.items.pop() {
                    self.attach(open.node);
                }
            }
            Event::Start(Tag::Table(_)) => self.open_table(range),
            Event::Start(tag) if is_block(&tag) => self.other(range),
            Event::Rule => {
                let node = self.node(NodeKind::Other, range);
                self.attach(node);
            }
            inline => self.inline(inline, range),
        }
    }

    fn open(&self, kind: NodeKind, range: Range<usize>) -> Open {
        let mut node = self.node(kind, range);
        // The head, read in pieces, is mostly the first line: room for it
        // at once spares growing it piece by piece.
        let line_end = self.lines.start(node.line + 1).unwrap_or(self.source.len());
        node.head
            .text
            .reserve(line_end.min(node.range.end) - node.range.start);
        Open {
            node,
            head_done: false,
            in_head_paragraph: false,
        }
    }

    /// A block kept whole: its events are skipped, its source stays in backs.
    fn other(&mut self, range: Range<usize>) {
        if let Some(item) = self.items.last_mut() {
            item.head_done = true;
        }
        let node = self.node(NodeKind::Other, range);
        self.attach(node);
        self.skip = 1;
    }

    /// A table: its cells are read like heads, for its rows to be cards.
    fn open_table(&mut self, range: Range<usize>) {
        if let Some(item) = self.items.last_mut() {
            item.head_done = true;
        }
        let node = self.node(NodeKind::Table(self.tables.len()), range);
        self.table = Some(OpenTable {
            node,
            table: Table::default(),
            row: None,
            cell: None,
        });
    }

    /// The events that shape the open table into rows and cells; `false`
    /// for what is inside a cell, and outside tables.
    fn table_event(&mut self, event: &Event<'_>, range: &Range<usize>) -> bool {
        let Some(open) = self.table.as_mut() else {
            return false;
        };
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                open.row = Some(Row {
                    line: self.lines.line(range.start),
                    cells: Vec::new(),
                });
            }
            Event::Start(Tag::TableCell) => {
                open.cell = Some(Cell {
                    head: Head::default(),
                    source: range.clone(),
                });
            }
            Event::End(TagEnd::TableCell) => {
                if let (Some(row), Some(cell)) = (open.row.as_mut(), open.cell.take()) {
                    row.cells.push(cell);
                }
            }
            Event::End(TagEnd::TableHead) => {
                open.table.header = open.row.take().unwrap_or_default()
            }
            Event::End(TagEnd::TableRow) => open.table.rows.extend(open.row.take()),
            Event::End(TagEnd::Table) => {
                let OpenTable { node, table, .. } = self.table.take().expect("an open table");
                self.tables.push(table);
                self.attach(node);
            }
            _ => return false,
        }
        true
    }

    fn close_block(&mut self) {
        if let Some(open) = self.block.take() {
            self.attach(open.node);
        }
    }

    fn attach(&mut self, node: Node) {
        match (self.items.last_mut(), self.quote.as_mut()) {
            (Some(parent), _) => parent.node.children.push(node),
            (None, Some(quote)) => quote.children.push(node),
            (None, None) => self.top.push(node),
        }
    }

    /// The head being read, if any: a table cell's too.
    fn head(&mut self) -> Option<&mut Head> {
        if let Some(open) = self.table.as_mut() {
            return open.cell.as_mut().map(|cell| &mut cell.head);
        }
        if let Some(open) = self.block.as_mut() {
            return Some(&mut open.node.head);
        }
        self.items
            .last_mut()
            .filter(|item| !item.head_done)
            .map(|item| &mut item.node.head)
    }

    fn inline(&mut self, event: Event<'_>, range: Range<usize>) {
        let in_link = self.link_depth > 0;
        let in_image = self.image_depth > 0;
        match &event {
            Event::Start(Tag::Link { .. }) => self.link_depth += 1,
            Event::End(TagEnd::Link) => self.link_depth = self.link_depth.saturating_sub(1),
            Event::Start(Tag::Image { .. }) => self.image_depth += 1,
            Event::End(TagEnd::Image) => self.image_depth = self.image_depth.saturating_sub(1),
            _ => {}
        }
        let source = self.source;
        let Some(head) = self.head() else { return };
        head.cover(&range);
        let opens = match &event {
            Event::Start(
                Tag::Strong
                | Tag::Emphasis
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Image { .. },
            ) => true,
            // An opening tag (`<b>`), not a closing one or a line break.
            Event::InlineHtml(html) => {
                !html.starts_with("</") && !html.to_ascii_lowercase().starts_with("<br")
            }
            _ => false,
        };
        if opens {
            head.marks.push((head.text.len(), range.start));
        }
        match event {
            Event::Start(Tag::Link { .. }) => head.media += 1,
            Event::Start(Tag::Image { .. }) => {
                head.media += 1;
                head.images += 1;
            }
            Event::Start(Tag::Strong) => head.strong.push(head.text.len()..head.text.len()),
            Event::End(TagEnd::Strong) => {
                if let Some(last) = head.strong.last_mut() {
                    last.end = head.text.len();
                }
            }
            Event::Start(Tag::Emphasis) => head.emphasis.push(head.text.len()..head.text.len()),
            Event::End(TagEnd::Emphasis) => {
                if let Some(last) = head.emphasis.last_mut() {
                    last.end = head.text.len();
                }
            }
            // `{: .note}`, kramdown's attributes for the block: markup, no
            // text, and no line of the head.
            Event::Text(text) if head.text.is_empty() && is_attribute_list(&text) => {
                head.push("", range, true)
            }
            Event::SoftBreak | Event::HardBreak
                if head.text.is_empty()
                    && head
                        .spans
                        .last()
                        .is_some_and(|s| is_attribute_list(&source[s.source.clone()])) => {}
            Event::Text(text) if !in_image => {
                head.push(&furigana::restore_bars(&text), range, in_link)
            }
            Event::Code(code) => head.push(&furigana::restore_bars(&code), range, true),
            Event::SoftBreak | Event::HardBreak => head.push("\n", range, false),
            Event::InlineHtml(html) | Event::Html(html) => {
                let tag = html.trim().to_ascii_lowercase();
                if tag.starts_with("<br") {
                    head.push("\n", range, false);
                } else if is_ruby_tag(&tag) {
                    // Kept, so that the front's furigana reach the card as
                    // the author marked them (`furigana` reads them).
                    head.push(html.trim(), range, true);
                } else if tag.starts_with("<img") {
                    head.media += 1;
                    head.images += 1;
                    head.push("", range, true);
                }
            }
            _ => {}
        }
    }

    /// The nodes outside any section, the tables, and where the lines start.
    fn finish(mut self) -> (Vec<Node>, Vec<Table>, Lines) {
        self.close_block();
        if let Some(quote) = self.quote.take() {
            self.top.push(quote);
        }
        while let Some(open) = self.items.pop() {
            self.attach(open.node);
        }
        (self.top, self.tables, self.lines)
    }
}

/// `{: .note}`, `{:toc}`, `{: .no_toc }`: a kramdown attribute list.
fn is_attribute_list(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("{:") && text.ends_with('}') && !text.contains('\n')
}

fn heading_level(source: &str) -> u8 {
    let hashes = source
        .trim_start()
        .bytes()
        .take_while(|&b| b == b'#')
        .count();
    // A setext heading (underlined) has no hashes: `===` is level 1.
    if hashes == 0 {
        if source.trim_end().ends_with('=') {
            1
        } else {
            2
        }
    } else {
        hashes.min(6) as u8
    }
}

fn is_block(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::CodeBlock(_)
            | Tag::BlockQuote(_)
            | Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::Heading { .. }
            | Tag::DefinitionList
            | Tag::MetadataBlock(_)
    )
}

/// The author's own word, on the line above an item, paragraph, heading
/// or table: no card of it or of anything under it (for a heading, its
/// section). Marked on the nodes before headings take their sections, so
/// that a heading carries its mark into the tree.
pub const SKIP_MARKER: &str = "<!-- notedeck: skip -->";

/// Marks as skipped each node that starts on the first line that is not
/// blank after a `SKIP_MARKER` (spaces inside it aside). By line, not by
/// sibling: a marker indented under the item above still skips the item
/// below it.
fn mark_skipped(nodes: &mut [Node], source: &str) {
    let mut targets = Vec::new();
    collect_skip_targets(nodes, source, &mut targets);
    if !targets.is_empty() {
        mark_lines(nodes, &targets);
    }
}

fn collect_skip_targets(nodes: &[Node], source: &str, targets: &mut Vec<usize>) {
    for node in nodes {
        let text = &source[node.range.clone()];
        if node.kind == NodeKind::Other && text.starts_with("<!--") && is_skip_marker(text) {
            let after = &source[node.range.end..];
            let blank = after.len() - after.trim_start_matches(char::is_whitespace).len();
            // The line where the first text after the marker starts.
            let next = after[..blank]
                .rfind('\n')
                .map_or(node.range.end, |nl| node.range.end + nl + 1);
            targets.push(source[..next].matches('\n').count() + 1);
        }
        collect_skip_targets(&node.children, source, targets);
    }
}

/// Whether `text` is `SKIP_MARKER`, however spaced.
pub fn is_skip_marker(text: &str) -> bool {
    let words = |text: &str| text.split_whitespace().collect::<String>();
    words(text) == words(SKIP_MARKER)
}

fn mark_lines(nodes: &mut [Node], lines: &[usize]) {
    for node in nodes {
        if lines.contains(&node.line) {
            node.skipped = true;
        } else {
            mark_lines(&mut node.children, lines);
        }
    }
}

/// Headings take the nodes up to the next heading of the same or a higher
/// level as their children; a heading's range becomes its whole section.
fn nest_sections(flat: Vec<Node>, end: usize) -> Vec<Node> {
    let mut root: Vec<Node> = Vec::new();
    let mut open: Vec<Node> = Vec::new();
    let close = |open: &mut Vec<Node>, root: &mut Vec<Node>, until: usize| {
        let mut section = open.pop().expect("an open section");
        section.range.end = until;
        match open.last_mut() {
            Some(parent) => parent.children.push(section),
            None => root.push(section),
        }
    };
    for node in flat {
        if let NodeKind::Heading(level) = node.kind {
            while open
                .last()
                .is_some_and(|h| matches!(h.kind, NodeKind::Heading(l) if l >= level))
            {
                close(&mut open, &mut root, node.range.start);
            }
            let mut heading = node;
            heading.range.end = end;
            open.push(heading);
        } else {
            match open.last_mut() {
                Some(section) => section.children.push(node),
                None => root.push(node),
            }
        }
    }
    while !open.is_empty() {
        close(&mut open, &mut root, end);
    }
    root
}

/// The repairs a reader makes without noticing (docs/extraction.md, "Lines
/// and blocks"), applied to every list of siblings.
fn shape_siblings(nodes: &mut Vec<Node>, source: &str) {
    for node in nodes.iter_mut() {
        join_numbered_head(node, source);
    }
    adopt_images_and_blocks(nodes, source);
    adopt_after_separator(nodes);
    adopt_announced_list(nodes, source);
    for node in nodes.iter_mut() {
        shape_siblings(&mut node.children, source);
    }
}

/// `- 1. AWS Control Tower のセットアップ` is one item whose head is
/// `1. AWS Control Tower のセットアップ`, although CommonMark reads a list
/// inside a list.
fn join_numbered_head(node: &mut Node, source: &str) {
    let joinable = node.kind == NodeKind::Item
        && node.head.spans.is_empty()
        && node.children.first().is_some_and(|first| {
            first.kind == NodeKind::Item
                && first.line == node.line
                && first.children.is_empty()
                && !first.head.spans.is_empty()
                && first.head.source.start >= first.range.start
        });
    if !joinable {
        return;
    }
    let inner = node.children.remove(0);
    let marker = source[inner.range.start..inner.head.source.start].trim_end();
    let mut head = Head::default();
    head.push(
        marker,
        inner.range.start..inner.range.start + marker.len(),
        false,
    );
    head.push(" ", inner.head.source.start..inner.head.source.start, false);
    let shift = head.text.len();
    for span in inner.head.spans {
        head.spans.push(Span {
            text: span.text.start + shift..span.text.end + shift,
            ..span
        });
    }
    head.text.push_str(&inner.head.text);
    let shifted = |ranges: &[Range<usize>]| -> Vec<Range<usize>> {
        ranges
            .iter()
            .map(|r| r.start + shift..r.end + shift)
            .collect()
    };
    head.strong = shifted(&inner.head.strong);
    head.emphasis = shifted(&inner.head.emphasis);
    head.source.end = inner.head.source.end;
    head.media = inner.head.media;
    head.images = inner.head.images;
    head.marks = inner
        .head
        .marks
        .iter()
        .map(|&(text, source)| (text + shift, source))
        .collect();
    node.head = head;
}

/// Makes `children`, the siblings right after `parent`, its children: its
/// source now runs to their end, so that its ancestors' backs keep them.
fn adopt_into(parent: &mut Node, children: Vec<Node>) {
    if let Some(last) = children.last() {
        parent.range.end = parent.range.end.max(last.range.end);
    }
    parent.children.extend(children);
}

/// An item that is only an image, or an unindented quote or code block,
/// right after an item with nothing nested, belongs to that item
/// (`デプロイタイプ` followed by its picture, `- 用語` followed by `> 定義`).
/// A link-only item is a reference of its own, not a picture: it stays.
fn adopt_images_and_blocks(nodes: &mut Vec<Node>, source: &str) {
    let mut i = 1;
    while i < nodes.len() {
        let next = &nodes[i];
        let previous = &nodes[i - 1];
        let image = next.kind == NodeKind::Item
            && next.children.is_empty()
            && next.head.is_only_media_or_code()
            && next.head.images > 0;
        let block = next.kind == NodeKind::Other
            && touching(previous, next, source)
            && source[next.range.clone()].starts_with(['>', '`', '~']);
        let adopt = (image || block)
            && previous.kind == NodeKind::Item
            && previous.children.is_empty()
            && !previous.head.is_only_media_or_code();
        if adopt {
            let adopted = nodes.remove(i);
            adopt_into(&mut nodes[i - 1], vec![adopted]);
        }
        i += 1;
    }
}

/// A paragraph or item that ends with a separator but has nothing nested
/// takes what follows at its own level, up to the next one that ends with a
/// separator or the next heading: the author forgot to indent it.
fn adopt_after_separator(nodes: &mut Vec<Node>) {
    let mut i = 0;
    while i < nodes.len() {
        let opens = matches!(nodes[i].kind, NodeKind::Item | NodeKind::Paragraph)
            && nodes[i].children.is_empty()
            && nodes[i].head.ends_with_separator()
            && !phrase::is_sentence_like(nodes[i].head.text.trim_end_matches([':', '：', ' ']));
        if opens {
            let end = (i + 1..nodes.len())
                .find(|&j| {
                    matches!(nodes[j].kind, NodeKind::Heading(_))
                        || nodes[j].head.ends_with_separator()
                })
                .unwrap_or(nodes.len());
            let adopted: Vec<Node> = nodes.drain(i + 1..end).collect();
            adopt_into(&mut nodes[i], adopted);
        }
        i += 1;
    }
}

/// Right after `previous`: no blank line between (a blank line ends a list).
fn touching(previous: &Node, next: &Node, source: &str) -> bool {
    let previous_end = previous.range.start + source[previous.range.clone()].trim_end().len();
    source
        .get(previous_end..next.range.start)
        .is_some_and(|gap| gap.matches('\n').count() <= 1)
}

/// A childless item or paragraph that announces a list
/// (`…資源配分(以下具体例)`, `…の10項目`, `Most fall into three categories`)
/// takes the list that follows it at its own level: for an item, the items
/// right after it of another list (numbered after bullets, or the
/// reverse), which the author did not indent. So does a paragraph that only names a
/// thing (`**Communication links**`) right above a list: its title.
fn adopt_announced_list(nodes: &mut Vec<Node>, source: &str) {
    let mut i = 0;
    while i + 1 < nodes.len() {
        let node = &nodes[i];
        let marker = list_marker(node, source);
        let next = list_marker(&nodes[i + 1], source);
        // A paragraph's list is always another block: blank line or not,
        // what it announces comes next.
        let announces = matches!(node.kind, NodeKind::Item | NodeKind::Paragraph)
            && node.children.is_empty()
            && next.is_some()
            && next != marker
            && phrase::announces_list(&node.head.text);
        let titles = || {
            node.kind == NodeKind::Paragraph
                && next.is_some()
                && touching(node, &nodes[i + 1], source)
                && phrase::is_name_line(&node.head.text)
        };
        if announces || titles() {
            let end = (i + 1..nodes.len())
                .find(|&j| list_marker(&nodes[j], source) != next)
                .unwrap_or(nodes.len());
            let list: Vec<Node> = nodes.drain(i + 1..end).collect();
            adopt_into(&mut nodes[i], list);
        }
        i += 1;
    }
}

/// The kind of list an item belongs to: its bullet (`-`, `*`, `+`) or, for
/// a numbered item, its delimiter (`.`, `)`).
fn list_marker(node: &Node, source: &str) -> Option<char> {
    if node.kind != NodeKind::Item {
        return None;
    }
    let marker = source[node.range.clone()].trim_start();
    let after_digits = marker.trim_start_matches(|c: char| c.is_ascii_digit());
    after_digits.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| n.head.text.trim().to_string())
            .collect()
    }

    #[test]
    fn items_nest_with_heads_lines_and_lazy_continuations() {
        let outline =
            parse("# T\n\n## 41.\n\n- 用語: 定義\n  - 子: 説明\n- 次の項目は、\n続きの行\n");
        assert_eq!(outline.title_text(), Some("T"));
        let section = &outline.nodes[0].children[0];
        assert_eq!(section.kind, NodeKind::Heading(2));
        assert_eq!(
            heads(&section.children),
            ["用語: 定義", "次の項目は、\n続きの行"]
        );
        assert_eq!(section.children[0].line, 5);
        assert_eq!(heads(&section.children[0].children), ["子: 説明"]);
        assert_eq!(section.children[0].children[0].line, 6);
    }

    #[test]
    fn ideographic_space_bullets_are_bullets() {
        let outline = parse("-\u{3000} ALB のデプロイ:\n- 次\n");
        assert_eq!(heads(&outline.nodes), ["ALB のデプロイ:"]);
        assert_eq!(heads(&outline.nodes[0].children), ["次"]);
    }

    #[test]
    fn a_numbered_head_inside_a_bullet_is_one_item() {
        let outline = parse("- 1. AWS Control Tower のセットアップ\n  - 有効化: 説明\n");
        assert_eq!(
            heads(&outline.nodes),
            ["1. AWS Control Tower のセットアップ"]
        );
        assert_eq!(heads(&outline.nodes[0].children), ["有効化: 説明"]);
    }

    #[test]
    fn an_image_after_a_childless_item_belongs_to_it() {
        let outline =
            parse("- デプロイタイプ\n- ![image](https://example.com/a.png)\n- 次: 説明\n");
        assert_eq!(heads(&outline.nodes), ["デプロイタイプ", "次: 説明"]);
        assert_eq!(outline.nodes[0].children.len(), 1);
    }

    #[test]
    fn code_fences_on_the_item_line_close_where_commonmark_says() {
        let outline = parse("- ```yaml\n  a: b\n  ```\n- 用語: 定義\n");
        assert_eq!(heads(&outline.nodes), ["", "用語: 定義"]);
        assert_eq!(outline.nodes[0].children[0].kind, NodeKind::Other);
    }

    #[test]
    fn markdown_of_children_is_dedented() {
        let outline = parse("- 親:\n  - 子 A\n    - 孫\n  - 子 B\n");
        assert_eq!(
            outline.markdown(&outline.nodes[0].children, usize::MAX),
            "- 子 A\n  - 孫\n- 子 B"
        );
    }

    #[test]
    fn tables_are_read_into_rows_of_cells_and_furigana_bars_end_no_cell() {
        let outline =
            parse("- 語彙:\n\n  | 単語 | 意味 |\n  |---|---|\n  | {食|た}べる | **eat** |\n");
        let table = &outline.tables[0];
        let texts =
            |row: &Row| -> Vec<String> { row.cells.iter().map(|c| c.head.text.clone()).collect() };
        assert_eq!(texts(&table.header), ["単語", "意味"]);
        assert_eq!(texts(&table.rows[0]), ["{食|た}べる", "eat"]);
        assert_eq!(table.rows[0].line, 5);
        let cell = &table.rows[0].cells[1];
        assert_eq!(&outline.source[cell.source.clone()].trim(), &"**eat**");
        assert_eq!(outline.nodes[0].children[0].kind, NodeKind::Table(0));
    }

    #[test]
    fn separators_in_code_and_links_are_out_of_reach() {
        let outline = parse("- `a:b` の説明\n- [x: y](https://e.com) です\n");
        assert!(outline.nodes.iter().all(|n| n.head.separator().is_none()));
    }
}
