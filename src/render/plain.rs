//! The parser's events as plain text, for search and the terminal.

use pulldown_cmark::{Event, Tag, TagEnd};

use super::MAX_INDENT;
use crate::limits;

/// Plain text: one line a paragraph or list item, items marked with `- `
/// (or their number) and indented by their depth, up to `MAX_INDENT` levels
/// so that deep nesting costs no more than its Markdown.
pub(super) struct Plain {
    out: String,
    limit: usize,
    /// For each open list: the next number, or None for bullets.
    lists: Vec<Option<u64>>,
    /// For each open item: where its line and its text start in `out`.
    items: Vec<(usize, usize)>,
    image_depth: usize,
    /// Inside `<rp>`: the parentheses a ruby shows where ruby is not
    /// supported; the plain text has brackets of its own.
    in_rp: bool,
}

impl Plain {
    pub(super) fn new(limit: usize) -> Plain {
        Plain {
            out: String::new(),
            limit,
            lists: Vec::new(),
            items: Vec::new(),
            image_depth: 0,
            in_rp: false,
        }
    }

    fn new_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    pub(super) fn push(&mut self, event: &Event<'_>) {
        // Past the limit nothing more is kept: `finish` cuts there.
        if self.out.len() > self.limit {
            return;
        }
        match event {
            Event::Start(Tag::List(start)) => {
                self.new_line();
                self.lists.push(*start);
            }
            // What follows a list starts on a line of its own.
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
                self.new_line();
            }
            Event::Start(Tag::Item) => {
                self.new_line();
                let line = self.out.len();
                let depth = self.lists.len().saturating_sub(1).min(MAX_INDENT);
                self.out.push_str(&"  ".repeat(depth));
                match self.lists.last_mut() {
                    Some(Some(n)) => {
                        self.out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => self.out.push_str("- "),
                }
                self.items.push((line, self.out.len()));
            }
            // An item of nothing but a picture says nothing in plain text
            // (the HTML shows it): no empty bullet.
            Event::End(TagEnd::Item) => {
                if let Some((line, text)) = self.items.pop() {
                    if self.out[text..].trim().is_empty() {
                        self.out.truncate(line);
                    }
                }
            }
            Event::Start(Tag::Image { .. }) => self.image_depth += 1,
            Event::End(TagEnd::Image) => self.image_depth = self.image_depth.saturating_sub(1),
            Event::Text(text) if self.image_depth == 0 && !self.in_rp => self.out.push_str(text),
            Event::Code(code) => self.out.push_str(code),
            Event::InlineMath(tex) => {
                self.out.push('$');
                self.out.push_str(tex);
                self.out.push('$');
            }
            Event::DisplayMath(tex) => {
                self.out.push_str("$$");
                self.out.push_str(tex);
                self.out.push_str("$$");
            }
            // A reading in `<ruby>` markup reads as Anki's `漢字[かんじ]`.
            Event::InlineHtml(tag) if tag.eq_ignore_ascii_case("<rt>") => self.out.push('['),
            Event::InlineHtml(tag) if tag.eq_ignore_ascii_case("</rt>") => self.out.push(']'),
            Event::InlineHtml(tag) if tag.eq_ignore_ascii_case("<rp>") => self.in_rp = true,
            Event::InlineHtml(tag) if tag.eq_ignore_ascii_case("</rp>") => self.in_rp = false,
            Event::SoftBreak => self.out.push(' '),
            Event::HardBreak => self.out.push('\n'),
            Event::InlineHtml(tag) if tag.trim().to_ascii_lowercase().starts_with("<br") => {
                self.out.push('\n')
            }
            Event::End(TagEnd::TableCell) => self.out.push_str(" | "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => self.new_line(),
            _ => {}
        }
    }

    pub(super) fn finish(self) -> String {
        let mut out = limits::cut(self.out, self.limit);
        out.truncate(out.trim_end().len());
        out
    }
}
