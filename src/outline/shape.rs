//! The flat nodes shaped into a tree: sections nest under their
//! headings, and the repairs a reader makes without noticing (an item
//! the author forgot to indent, a picture after its term).

use std::ops::Range;
use std::rc::Rc;

use super::head::Span;
use super::{Head, Node, NodeKind};
use crate::japanese::phrase;

/// Headings take the nodes up to the next heading of the same or a higher
/// level as their children; a heading's range becomes its whole section.
pub(super) fn nest_sections(flat: Vec<Node>, end: usize) -> Vec<Node> {
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
pub(super) fn shape_siblings(nodes: &mut Vec<Node>, source: &str) {
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
    // The joined head's text is its own, not a piece of the note's heads.
    let mut text = String::with_capacity(marker.len() + 1 + inner.head.text.len());
    let mut head = Head::default();
    head.push(
        &mut text,
        marker,
        inner.range.start..inner.range.start + marker.len(),
        false,
    );
    head.push(
        &mut text,
        " ",
        inner.head.source.start..inner.head.source.start,
        false,
    );
    let shift = head.text.len();
    for span in inner.head.spans.iter() {
        head.spans.push(Span {
            text: span.text.start + shift..span.text.end + shift,
            ..span.clone()
        });
    }
    head.text.push_str(&mut text, &inner.head.text);
    head.seal(&Rc::new(text));
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

/// Makes `nodes[adopted]`, the siblings right after `nodes[parent]`, its
/// children: its source now runs to their end, so that its ancestors'
/// backs keep them.
fn adopt_into(nodes: &mut Vec<Node>, parent: usize, adopted: Range<usize>) {
    if let Some(last) = nodes[adopted.clone()].last() {
        let end = last.range.end;
        nodes[parent].range.end = nodes[parent].range.end.max(end);
    }
    // The parent's children are taken out for the while, so that the
    // siblings move straight into them, not through a Vec of their own.
    let mut children = std::mem::take(&mut nodes[parent].children);
    children.extend(nodes.drain(adopted));
    nodes[parent].children = children;
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
            adopt_into(nodes, i - 1, i..i + 1);
        }
        i += 1;
    }
}

/// A paragraph or item that ends with a separator but has nothing nested
/// takes what follows at its own level, up to the next one that ends with a
/// separator, a paragraph that is only a link (a source cited, as
/// `[DevOps とは? (AWS)](…)` over the quote from it) or the next heading:
/// the author forgot to indent it.
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
                        || (nodes[j].kind == NodeKind::Paragraph
                            && nodes[j].head.is_only_references())
                })
                .unwrap_or(nodes.len());
            adopt_into(nodes, i, i + 1..end);
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
            adopt_into(nodes, i, i + 1..end);
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
