//! A head of many lines cut into the blocks that define something by
//! themselves, each a card of its own (`X: 説明` lines, `Xとは…` lines,
//! parts numbered inline), worked examples aside.

use std::ops::Range;

use crate::japanese::phrase;
use crate::japanese::script::is_space;
use crate::japanese::separator;
use crate::japanese::TrimSpaces;
use crate::outline;

/// The head cut into blocks of lines: a line after the first that defines
/// something by itself (`Xとは…`, `…をXという。`, `X: 説明`, `X => 説明`,
/// `・X:` over its definition) starts a block, so that a paragraph of
/// several definitions makes a card of each. The line after a name line
/// is its definition; a line ending with a separator over lines that
/// define by themselves leads them in, and its block holds them up to the
/// next such line; a worked example (`例:` and the lines after it up to a
/// sentence) defines nothing. Returns where the first block ends, and the
/// blocks after it (for most heads, a line alone, none: nothing is
/// allocated).
pub(super) fn definition_blocks(head: &outline::Head) -> (usize, Vec<Range<usize>>) {
    let text = head.text.as_str();
    if memchr::memchr(b'\n', text.as_bytes()).is_none() && numbered_parts(text).is_empty() {
        return (text.len(), Vec::new());
    }
    let masked = head.masked();
    let separable = head.separable();
    let mut lines = line_ranges(text).peekable();
    let first = lines.next().expect("a first line");
    let first_separator = separator::find(&separable[first.clone()]);
    let first_leads_in = ends_with(first_separator.as_ref(), &text[first.clone()]);
    // (where a block starts, whether its line leads the lines after it in)
    let mut starts = vec![(0, first_leads_in)];
    // A name alone on the first line: the next line is its definition.
    let mut under_name = first_separator.is_none() && phrase::is_name_line(&text[first.clone()]);
    let mut in_example = is_example(&text[first]);
    while let Some(line) = lines.next() {
        let next = lines.peek().map(|next| &text[next.clone()]);
        let line_text = &text[line.clone()];
        in_example = is_example(line_text) || (in_example && !ends_example(line_text));
        let separator = separator::find(&separable[line.clone()]);
        let defines = !in_example
            && (phrase::definition_subject(&masked[line.clone()]).is_some()
                || phrase::term_last(line_text).is_some()
                || separated_line(line_text, separator.clone(), next).is_some());
        let defined_above = std::mem::take(&mut under_name);
        if defines && !defined_above {
            starts.push((line.start, ends_with(separator.as_ref(), line_text)));
        }
    }
    let block_end = |at: usize| {
        let (start, leads_in) = starts[at];
        let after = starts[at + 1..].iter();
        let mut ends = after.filter(|&&(_, next_leads_in)| next_leads_in || !leads_in);
        // A part ends before the spaces and comma that lead to the next.
        let before = |next: usize| text[..next].trim_end_matches([' ', '\n', ',', '、']).len();
        ends.next()
            .map_or(text.len(), |&(next, _)| before(next))
            .max(start)
    };
    let blocks = (1..starts.len())
        .map(|at| starts[at].0..block_end(at))
        .collect();
    (block_end(0), blocks)
}

/// The byte ranges of the lines of `text`, without their `\n`, each cut
/// at the parts it numbers inline (`numbered_parts`).
fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    text.split('\n').flat_map(move |line| {
        let line_start = start;
        start += line.len() + 1;
        // Empty for most lines: nothing is allocated.
        let cuts = numbered_parts(line);
        (0..=cuts.len()).map(move |part| {
            let from = part.checked_sub(1).map_or(0, |before| cuts[before]);
            let to = cuts.get(part).copied().unwrap_or(line.len());
            line_start + from..line_start + to
        })
    })
}

/// `(1) bit - …, (2) physical link - …`: where the parts of a line that
/// numbers them inline begin, after the first; none unless it opens
/// with `(1)`.
fn numbered_parts(line: &str) -> Vec<usize> {
    let mut parts = Vec::new();
    if !line.trim_start_matches(is_space).starts_with("(1)") {
        return parts;
    }
    let mut from = 0;
    for number in 2.. {
        let mark = format!("({number})");
        let Some(at) = line[from..].find(&mark) else {
            break;
        };
        parts.push(from + at);
        from += at + mark.len();
    }
    parts
}

/// The length of the bullet or number typed as text before a term
/// (`・グローバル:`, `(1) bit - …`): they are no part of its front.
pub(super) fn typed_marker_len(term: &str) -> usize {
    let unbulleted = term.trim_start_matches(['・', ' ', '\u{3000}']);
    let unnumbered = unbulleted
        .strip_prefix('(')
        .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        .filter(|rest| rest.len() < unbulleted.len() - 1)
        .and_then(|rest| rest.strip_prefix(") "))
        .unwrap_or(unbulleted);
    term.len() - unnumbered.len()
}

/// `例:` or `Example:` opens a worked example.
fn is_example(line: &str) -> bool {
    matches!(
        phrase::leading_label(line),
        Some("例" | "例えば" | "example")
    )
}

/// A worked example ends at a blank line or a sentence: the prose goes on.
fn ends_example(line: &str) -> bool {
    let line = line.trim_spaces();
    line.is_empty() || line.ends_with(['。', '.'])
}

/// Whether `separator` (found in `line`) ends it: the line leads in.
fn ends_with(separator: Option<&Range<usize>>, line: &str) -> bool {
    separator.is_some_and(|sep| sep.end == line.len())
}

/// A line that reads `TERM separator DEFINITION`, or `TERM separator` with
/// its definition on the `next` line: the text ranges of TERM (without a
/// bullet or number typed before it) and of what follows the separator on
/// the line. `separator` is the line's, as `separator::find` found it where
/// separators may be (`Head::separable`).
pub(super) fn separated_line(
    line: &str,
    separator: Option<Range<usize>>,
    next: Option<&str>,
) -> Option<(Range<usize>, Range<usize>)> {
    let sep = separator?;
    let term = typed_marker_len(&line[..sep.start])..sep.start;
    let defined = phrase::says_something(&line[sep.end..])
        || (sep.end == line.len() && next.is_some_and(phrase::says_something));
    (defined && phrase::is_term(&line[term.clone()])).then_some((term, sep.end..line.len()))
}
