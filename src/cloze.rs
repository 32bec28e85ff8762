//! Cloze notes: a card whose back marks gaps becomes a note of Anki's
//! cloze kind, one card a gap.
//!
//! A gap is written as for Anki, `{{c1::…}}` (with `{{c1::…::hint}}`, and
//! two gaps of one number making one card), or as a Markdown highlight,
//! `==…==` (Obsidian's: no space just inside the marks, on one line). A
//! highlight becomes `{{cN::…}}` with the lowest number the author did not
//! write, in order: `==a== {{c1::b}} ==c==` is c2, c1, c3. Nothing inside
//! code, math or HTML tags is a gap (`a == b` in code stays code).
//!
//! The conversion works on the back's HTML, after extraction, so the
//! extractor knows nothing of gaps and a card keeps its identity: its GUID
//! comes from its place and front, never from its back.

use crate::card::{Card, NoteType};

/// Makes `card` a cloze note when its back has a gap, writing its
/// highlights as Anki's gaps.
pub fn apply(card: &mut Card) {
    // Most backs have neither mark: they cost one scan, no copy.
    if !card.back_html.contains("==") && !card.back_html.contains("{{c") {
        return;
    }
    let gapped = with_gaps(&card.back_html);
    if !gapped.numbers.is_empty() {
        card.back_html = gapped.html;
        card.note_type = NoteType::Cloze;
    }
}

/// A back with its highlights written as Anki's gaps.
#[derive(Debug, PartialEq, Eq)]
pub struct Gapped {
    pub html: String,
    /// The gap numbers, ascending, each once: Anki makes card `N - 1` of
    /// gap `cN`.
    pub numbers: Vec<u32>,
}

/// `html` with each highlight written as a gap numbered as the module says.
pub fn with_gaps(html: &str) -> Gapped {
    let pieces = pieces(html);
    let mut numbers = author_numbers(html, &pieces);
    let marks = highlight_marks(html, &pieces);
    let mut out = String::with_capacity(html.len() + 16);
    let mut at = 0;
    let mut next = 1;
    for (open, close) in marks {
        while numbers.contains(&next) {
            next += 1;
        }
        numbers.push(next);
        out.push_str(&html[at..open]);
        out.push_str(&format!("{{{{c{next}::"));
        // Inside a gap, `::` would start a hint and `}}` end it: entities
        // show the same characters.
        out.push_str(
            &html[open + 2..close]
                .replace("::", ":&#58;")
                .replace("}}", "}&#125;"),
        );
        out.push_str("}}");
        at = close + 2;
    }
    out.push_str(&html[at..]);
    numbers.sort_unstable();
    numbers.dedup();
    Gapped { html: out, numbers }
}

/// The gap numbers of a field that has its gaps written already, ascending,
/// each once.
pub fn numbers(html: &str) -> Vec<u32> {
    let mut numbers = author_numbers(html, &pieces(html));
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// What a stretch of the HTML is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Text a gap may be in.
    Text,
    /// A tag, or what is inside `<code>`, `<pre>` or math: never a gap.
    Kept,
}

/// The HTML cut into stretches of text and of what is kept as it is, as
/// `(start, end, piece)`, in order and covering it all.
fn pieces(html: &str) -> Vec<(usize, usize, Piece)> {
    let mut pieces = Vec::new();
    let mut code_depth = 0usize;
    let mut math_end: Option<&str> = None;
    let mut text_start = 0;
    let mut at = 0;
    let bytes = html.as_bytes();
    while at < html.len() {
        let kept_end = if bytes[at] == b'<' {
            let end = html[at..].find('>').map_or(html.len(), |i| at + i + 1);
            let tag = &html[at..end];
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if name == "code" || name == "pre" {
                if tag.starts_with("</") {
                    code_depth = code_depth.saturating_sub(1);
                } else {
                    code_depth += 1;
                }
            }
            Some(end)
        } else if let Some(close) = math_end {
            // Inside math: up to its closing delimiter.
            let end = html[at..].find(close).map_or(html.len(), |i| at + i + 2);
            math_end = None;
            Some(end)
        } else if html[at..].starts_with("\\(") || html[at..].starts_with("\\[") {
            math_end = Some(if bytes[at + 1] == b'(' { "\\)" } else { "\\]" });
            Some(at + 2)
        } else if code_depth > 0 {
            let end = html[at..].find('<').map_or(html.len(), |i| at + i);
            Some(end)
        } else {
            None
        };
        match kept_end {
            Some(end) => {
                if text_start < at {
                    pieces.push((text_start, at, Piece::Text));
                }
                pieces.push((at, end, Piece::Kept));
                at = end;
                text_start = end;
            }
            None => at += html[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    if text_start < html.len() {
        pieces.push((text_start, html.len(), Piece::Text));
    }
    pieces
}

/// The numbers of the gaps the author wrote (`{{cN::`, N from 1), in order.
fn author_numbers(html: &str, pieces: &[(usize, usize, Piece)]) -> Vec<u32> {
    let mut numbers = Vec::new();
    for &(start, end, piece) in pieces {
        if piece != Piece::Text {
            continue;
        }
        let text = &html[start..end];
        for (at, _) in text.match_indices("{{c") {
            let rest = &text[at + 3..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if rest[digits..].starts_with("::") {
                if let Ok(n @ 1..) = rest[..digits].parse::<u32>() {
                    numbers.push(n);
                }
            }
        }
    }
    numbers
}

/// The byte offsets of the opening and closing `==` of each highlight, in
/// order: marks in text, the opening one followed by neither a space nor
/// `=`, the closing one after no space, both on one line, with no gap of
/// the author's between them.
fn highlight_marks(html: &str, pieces: &[(usize, usize, Piece)]) -> Vec<(usize, usize)> {
    let mut marks: Vec<usize> = Vec::new();
    for &(start, end, piece) in pieces {
        if piece != Piece::Text {
            continue;
        }
        let mut from = start;
        while let Some(i) = html[from..end].find("==") {
            let at = from + i;
            // A run of more than two `=` is no mark (`===`, a rule).
            let run = html[at..end].len() - html[at..end].trim_start_matches('=').len();
            if run == 2 && !html[..at].ends_with('=') {
                marks.push(at);
            }
            from = at + run;
        }
    }
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < marks.len() {
        let open = marks[i];
        let opens = html[open + 2..]
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '=');
        let close = marks.get(i + 1).copied().filter(|&close| {
            let inside = &html[open + 2..close];
            !inside.contains('\n')
                && !inside.contains("{{c")
                && inside
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_whitespace())
        });
        match close {
            Some(close) if opens => {
                pairs.push((open, close));
                i += 2;
            }
            _ => i += 1,
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gapped(html: &str) -> (String, Vec<u32>) {
        let g = with_gaps(html);
        (g.html, g.numbers)
    }

    #[test]
    fn highlights_become_gaps_numbered_in_order() {
        assert_eq!(
            gapped("<p>植物が==光==を使って==二酸化炭素==から</p>"),
            (
                "<p>植物が{{c1::光}}を使って{{c2::二酸化炭素}}から</p>".into(),
                vec![1, 2]
            )
        );
    }

    #[test]
    fn highlights_take_the_numbers_the_author_left_free() {
        assert_eq!(
            gapped("==a== {{c1::b}} ==c== {{c3::d::hint}}"),
            (
                "{{c2::a}} {{c1::b}} {{c4::c}} {{c3::d::hint}}".into(),
                vec![1, 2, 3, 4]
            )
        );
        assert_eq!(numbers("{{c2::x}} {{c2::y}} {{c0::z}}"), vec![2]);
    }

    #[test]
    fn code_math_tags_and_loose_equals_are_no_gaps() {
        for html in [
            "<p><code>a ==b== c</code></p>",
            "<pre><code>x ==y== z\n</code></pre>",
            "<p>\\(a ==b== c\\)</p>",
            "<p>a == b == c</p>",
            "<p>==a\nb==</p>",
            "<p>=== 見出し ===</p>",
            "<p><a title=\"==x==\">y</a></p>",
            "<p>{{c0::x}}</p>",
        ] {
            assert_eq!(gapped(html), (html.to_string(), vec![]), "{html}");
        }
    }

    #[test]
    fn a_gap_may_hold_inline_markup_and_escapes_what_anki_reads_as_syntax() {
        assert_eq!(
            gapped("<p>==<strong>太字</strong>と<code>a==b</code>== です</p>").0,
            "<p>{{c1::<strong>太字</strong>と<code>a==b</code>}} です</p>"
        );
        assert_eq!(gapped("==std::vec=={}}").0, "{{c1::std:&#58;vec}}{}}");
    }
}
