//! The Markdown of nodes as they stand on their own, for backs: dedented,
//! bounded, and with the nodes that made cards of their own shown by
//! their fronts.

use std::ops::Range;

use super::{lines_with_ends, Node, NodeKind, Outline};

impl Outline {
    /// Markdown of `nodes` as they would stand on their own: each dedented by
    /// its column, list items kept together as one list. Past `limit` bytes
    /// it is cut at a line end and marked with `…`, so that no input makes
    /// every ancestor of a huge subtree carry all of it.
    pub fn markdown(&self, nodes: &[Node], limit: usize) -> String {
        self.markdown_with(nodes, limit, &Replacements::default())
    }

    /// `markdown`, each part of the source that `replaced` names (sorted by
    /// start) standing as its text: a node that made a card of its own is
    /// shown by its front, not repeated. A replacement inside another one is
    /// part of it. A topic lists each front once: two cards of one name
    /// under it (`DevOps` defined by three sources) are one item to recall.
    pub fn markdown_with(&self, nodes: &[Node], limit: usize, replaced: &Replacements) -> String {
        // Room for the nodes' source and the blank lines between them.
        let whole: usize = nodes.iter().map(|n| n.range.len() + 2).sum();
        let mut md = String::with_capacity(whole.min(limit.saturating_add(1)));
        let mut previous_is_item: Option<bool> = None;
        let mut listed = Vec::new();
        // Where a node's source is spliced: one string for all of them.
        let mut spliced = String::new();
        for node in nodes {
            let room = limit.saturating_sub(md.len()).saturating_add(1);
            let (source, wholly) = self.spliced(
                node.range.clone(),
                replaced,
                room,
                &mut listed,
                &mut spliced,
            );
            if wholly && source.is_empty() {
                continue; // left out of backs
            }
            // A node shown by its front is an item of the list of fronts.
            let is_item = node.kind == NodeKind::Item || wholly;
            if let Some(previous) = previous_is_item {
                md.push_str(if previous && is_item { "\n" } else { "\n\n" });
            }
            let start = md.len();
            push_dedented(&mut md, source, node.column);
            escape_numbers_after_bullets(&mut md, start);
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
    /// replacement took all of it. A replacement whose text is in `listed`
    /// (the fronts the back shows already) is left out with its line.
    fn spliced<'s, 'r: 's>(
        &'s self,
        range: Range<usize>,
        replaced: &'r Replacements,
        room: usize,
        listed: &mut Vec<&'r str>,
        out: &'s mut String,
    ) -> (&'s str, bool) {
        let mut inside = replaced
            .starting_at(range.start)
            .take_while(|(part, _)| part.start < range.end)
            .peekable();
        let bounded = |text: &'_ str, room: usize| floor_char_boundary(text, room);
        if inside.peek().is_none() {
            let source = &self.source[range];
            return (&source[..bounded(source, room)], false);
        }
        let trimmed_end = range.start + self.source[range.clone()].trim_end().len();
        out.clear();
        let mut at = range.start;
        let mut wholly = false;
        for (part, text) in inside {
            if part.start < at {
                continue;
            }
            wholly |= part.start == range.start && part.end >= trimmed_end;
            out.push_str(&self.source[at..part.start]);
            let repeated = listed.contains(&text);
            if text.is_empty() || repeated {
                // A node left out: its line goes with it, so that the
                // list around it stays one.
                out.truncate(out.trim_end_matches([' ', '\t']).len());
                if out.ends_with('\n') {
                    out.pop();
                }
            }
            if !text.is_empty() && !repeated {
                out.push_str(text);
                listed.push(text);
            }
            at = part.end.min(range.end);
            if out.len() > room {
                return (out, wholly);
            }
        }
        let rest = &self.source[at..range.end];
        out.push_str(&rest[..bounded(rest, room.saturating_sub(out.len()))]);
        (out, wholly)
    }
}

/// The parts of the source that backs show otherwise, in the order of the
/// source: a node that made a card of its own, by that card's front
/// (`Outline::markdown_with`), or, with no text, a node the backs leave
/// out with its line. The texts are kept in one string: a note makes one
/// for nearly every card.
#[derive(Debug, Default)]
pub struct Replacements {
    /// Each part's source range, and the range of its text in `texts`.
    parts: Vec<(Range<usize>, Range<usize>)>,
    texts: String,
}

impl Replacements {
    /// Has the source `range` shown as what `write` appends to the string
    /// it is given; nothing is replaced if it appends nothing.
    pub fn show(&mut self, range: Range<usize>, write: impl FnOnce(&mut String)) {
        let start = self.texts.len();
        write(&mut self.texts);
        if self.texts.len() > start {
            self.parts.push((range, start..self.texts.len()));
        }
    }

    /// Has the backs leave out the source `range` with its line.
    pub fn leave_out(&mut self, range: Range<usize>) {
        let at = self.texts.len();
        self.parts.push((range, at..at));
    }

    /// The parts from the first that starts at or after `offset`, with
    /// their texts.
    fn starting_at(&self, offset: usize) -> impl Iterator<Item = (&Range<usize>, &str)> {
        let first = self
            .parts
            .partition_point(|(range, _)| range.start < offset);
        self.parts[first..]
            .iter()
            .map(|(range, text)| (range, &self.texts[text.clone()]))
    }
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

/// `- 1. AWS Control Tower のセットアップ` is a bullet numbering its step,
/// as its author reads it, not a bullet holding an ordered list (which
/// Markdown makes of it: an empty bullet over `1.`). In `md` from `from`,
/// the number's mark after a bullet is escaped (`- 1\. …`), code fences
/// left as they are.
fn escape_numbers_after_bullets(md: &mut String, from: usize) {
    // Most backs have no digit before a `.` or `)` (Japanese ends with `。`).
    let bytes = &md.as_bytes()[from..];
    let numbered =
        memchr::memchr2_iter(b'.', b')', bytes).any(|at| at > 0 && bytes[at - 1].is_ascii_digit());
    if !numbered {
        return;
    }
    let mut marks = Vec::new();
    let mut in_fence = false;
    let mut at = from;
    for line in lines_with_ends(&md[from..]) {
        let text = line.trim_start_matches([' ', '\t']);
        // A fence may open an item (`- ````).
        let block = text
            .strip_prefix(['-', '*', '+'])
            .map_or(text, |rest| rest.trim_start_matches(' '));
        if block.starts_with("```") || block.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence {
            if let Some(mark) = number_after_bullet(text) {
                marks.push(at + (line.len() - text.len()) + mark);
            }
        }
        at += line.len();
    }
    for mark in marks.into_iter().rev() {
        md.insert(mark, '\\');
    }
}

/// Where the `.` or `)` of `- 1. …` stands in `line` (indentation gone).
fn number_after_bullet(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    if !matches!(bytes, [b'-' | b'*' | b'+', b' ', ..]) {
        return None;
    }
    let digits_from = 1 + line[1..].len() - line[1..].trim_start_matches(' ').len();
    let digits = bytes[digits_from..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let mark = digits_from + digits;
    let ends_marker = matches!(
        bytes.get(mark + 1),
        None | Some(b' ' | b'\t' | b'\n' | b'\r')
    );
    ((1..=9).contains(&digits) && matches!(bytes.get(mark), Some(b'.' | b')')) && ends_marker)
        .then_some(mark)
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
