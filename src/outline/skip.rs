//! `<!-- notedeck: skip -->`: the author's word that a node, and all under
//! it, makes no card.

use super::{Node, NodeKind};

/// The author's own word, on the line above an item, paragraph, heading
/// or table: no card of it or of anything under it (for a heading, its
/// section). Marked on the nodes before headings take their sections, so
/// that a heading carries its mark into the tree.
pub const SKIP_MARKER: &str = "<!-- notedeck: skip -->";

/// Marks as skipped each node that starts on the first line that is not
/// blank after a `SKIP_MARKER` (spaces inside it aside). By line, not by
/// sibling: a marker indented under the item above still skips the item
/// below it.
pub(super) fn mark_skipped(nodes: &mut [Node], source: &str) {
    let mut targets = Vec::new();
    collect_skip_targets(nodes, source, &mut targets);
    if !targets.is_empty() {
        mark_lines(nodes, &targets);
    }
}

fn collect_skip_targets(nodes: &[Node], source: &str, targets: &mut Vec<usize>) {
    for node in nodes {
        let is_marker = || {
            let text = &source[node.range.clone()];
            text.starts_with("<!--") && is_skip_marker(text)
        };
        if node.kind == NodeKind::Other && is_marker() {
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
