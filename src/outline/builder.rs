//! pulldown-cmark's events → the flat nodes of a note (headings,
//! items with their nested content, paragraphs, tables), each with its head.

use std::borrow::Cow;
use std::ops::Range;
use std::rc::Rc;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::{Cell, Head, Lines, Node, NodeKind, Row, Table, MAX_DEPTH};
use crate::japanese::furigana;

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

pub(super) struct Builder<'s> {
    source: &'s str,
    lines: Lines,
    /// The line of the last node made: the next one is at or after it,
    /// most often (`Lines::line_from`).
    last_line: std::cell::Cell<usize>,
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
    /// The texts of all the heads, one after another (`HeadText`).
    texts: String,
    /// Whether the parsed text has furigana bars hidden in its tables
    /// (`furigana::hide_bars_in_tables`), which its texts get back: most
    /// notes have none, and their texts are taken as they are.
    bars_hidden: bool,
    /// Nesting depth inside a block kept whole as `Other`.
    skip: usize,
    link_depth: usize,
    image_depth: usize,
}

impl<'s> Builder<'s> {
    pub(super) fn new(source: &'s str, bars_hidden: bool) -> Self {
        Builder {
            source,
            lines: Lines::new(source),
            last_line: std::cell::Cell::new(1),
            items: Vec::new(),
            block: None,
            quote: None,
            top: Vec::new(),
            table: None,
            tables: Vec::new(),
            // Heads hold most of a note's text, and no more than its
            // source (markup and entities are shorter as text): room for
            // all at once.
            texts: String::with_capacity(source.len()),
            bars_hidden,
            skip: 0,
            link_depth: 0,
            image_depth: 0,
        }
    }

    fn node(&self, kind: NodeKind, range: Range<usize>) -> Node {
        let (line, column) = self
            .lines
            .position(self.source, self.last_line.get(), range.start);
        self.last_line.set(line);
        Node {
            kind,
            head: Head::default(),
            line,
            column,
            range,
            children: Vec::new(),
            skipped: false,
        }
    }

    pub(super) fn event(&mut self, event: Event<'_>, range: Range<usize>) {
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
        Open {
            node: self.node(kind, range),
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

    /// The head being read, if any (a table cell's too), and the buffer
    /// its text is written in.
    fn head(&mut self) -> Option<(&mut Head, &mut String)> {
        let head = if let Some(open) = self.table.as_mut() {
            open.cell.as_mut().map(|cell| &mut cell.head)
        } else if let Some(open) = self.block.as_mut() {
            Some(&mut open.node.head)
        } else {
            self.items
                .last_mut()
                .filter(|item| !item.head_done)
                .map(|item| &mut item.node.head)
        };
        Some((head?, &mut self.texts))
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
        let bars_hidden = self.bars_hidden;
        let Some((head, texts)) = self.head() else {
            return;
        };
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
                head.push(texts, "", range, true)
            }
            Event::SoftBreak | Event::HardBreak
                if head.text.is_empty()
                    && head
                        .spans
                        .last()
                        .is_some_and(|s| is_attribute_list(&source[s.source.clone()])) => {}
            Event::Text(text) if !in_image => {
                head.push(texts, &unhidden(bars_hidden, &text), range, in_link)
            }
            Event::Code(code) => head.push(texts, &unhidden(bars_hidden, &code), range, true),
            Event::SoftBreak | Event::HardBreak => head.push(texts, "\n", range, false),
            Event::InlineHtml(html) | Event::Html(html) => {
                let tag = html.trim().to_ascii_lowercase();
                if tag.starts_with("<br") {
                    head.push(texts, "\n", range, false);
                } else if is_ruby_tag(&tag) {
                    // Kept, so that the front's furigana reach the card as
                    // the author marked them (`furigana` reads them).
                    head.push(texts, html.trim(), range, true);
                } else if tag.starts_with("<img") {
                    head.media += 1;
                    head.images += 1;
                    head.push(texts, "", range, true);
                }
            }
            _ => {}
        }
    }

    /// The nodes outside any section, the tables, and where the lines start.
    pub(super) fn finish(mut self) -> (Vec<Node>, Vec<Table>, Lines) {
        self.close_block();
        if let Some(quote) = self.quote.take() {
            self.top.push(quote);
        }
        while let Some(open) = self.items.pop() {
            self.attach(open.node);
        }
        let texts = Rc::new(self.texts);
        seal_heads(&mut self.top, &texts);
        let cells = self.tables.iter_mut().flat_map(|table| {
            let rows = std::iter::once(&mut table.header).chain(&mut table.rows);
            rows.flat_map(|row| &mut row.cells)
        });
        for cell in cells {
            cell.head.seal(&texts);
        }
        (self.top, self.tables, self.lines)
    }
}

/// Gives `nodes` and all under them the texts of their heads, now read.
fn seal_heads(nodes: &mut [Node], texts: &Rc<String>) {
    for node in nodes {
        node.head.seal(texts);
        seal_heads(&mut node.children, texts);
    }
}

/// `text` with the furigana bars hidden in the note's tables back
/// (`furigana::restore_bars`), when any were hidden.
fn unhidden(bars_hidden: bool, text: &str) -> Cow<'_, str> {
    if bars_hidden {
        furigana::restore_bars(text)
    } else {
        Cow::Borrowed(text)
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

/// A tag of HTML's ruby markup (`<ruby>漢字<rt>かんじ</rt></ruby>`), given
/// in lower case.
fn is_ruby_tag(tag: &str) -> bool {
    let name = tag.trim_start_matches('<').trim_start_matches('/');
    let name = name.trim_end_matches('>').trim_end();
    matches!(name, "ruby" | "rt" | "rp" | "rb")
}
