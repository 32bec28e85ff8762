//! The fast path: a back made only of plain lines and lists, rendered
//! without the parser, to the byte what the parser would make of it.

use std::ops::Range;

use arrayvec::ArrayVec;

use super::MAX_INDENT;
use crate::japanese::furigana;
use crate::limits::MAX_PLAIN;
use crate::link;

/// The plain text and HTML of a back made only of plain lines (as
/// `push_plain_line` reads them): paragraphs, and lists of `- ` items nested
/// two spaces a level (an item may open with a number, `- 1. 手順`), the
/// blocks apart by a blank line. That
/// is most backs (a definition, a term over its nested list), and parsing is
/// most of the cost of rendering them; the output is the parser's to the
/// byte. `None` for anything else.
pub(super) fn plain_blocks(markdown: &str) -> Option<(String, String)> {
    // Tildes may pair into strikethrough (or open a fence) anywhere in the
    // back: with two or more it is the parser's. One alone is text
    // (`~とても+形容詞`, a learner's pattern), which the lines take as it is.
    if memchr::memchr_iter(b'~', markdown.as_bytes())
        .nth(1)
        .is_some()
    {
        return None;
    }
    let mut plain = String::with_capacity(markdown.len());
    let mut html = String::with_capacity(markdown.len() + 64);
    let mut after_list = false;
    // One pass over the lines: a block is a paragraph of one line or the
    // items of a list, and one blank line stands between two blocks.
    let mut lines = split_lines(markdown).peekable();
    while let Some(first) = lines.next() {
        // A line of its own (after a block of only an image, one already).
        if !plain.is_empty() && !plain.ends_with('\n') {
            plain.push('\n');
        }
        let is_list = first.starts_with("- ");
        // Two lists apart by a blank line are one loose list (`<li><p>`).
        if is_list && after_list {
            return None;
        }
        after_list = is_list;
        if is_list {
            push_plain_list(first, &mut lines, &mut plain, &mut html)?;
        } else {
            html.push_str("<p>");
            push_plain_line(first, &mut plain, &mut html)?;
            // A wrapped paragraph: its lines are one text, apart by soft
            // breaks (a space in plain text), their indentation dropped.
            while let Some(line) = lines.next_if(|line| !line.is_empty()) {
                plain.push(' ');
                html.push('\n');
                push_plain_line(line.trim_start_matches(' '), &mut plain, &mut html)?;
            }
            html.push_str("</p>\n");
        }
        match lines.next() {
            None => break,
            // A blank line (a second one, or one at the end, is an empty
            // block, which is no plain line).
            Some("") => {}
            // A list's lazy continuation line.
            Some(_) => return None,
        }
    }
    // An image ends a line with nothing, as the plain renderer trims it.
    plain.truncate(plain.trim_end().len());
    Some((plain, html))
}

/// `text.split('\n')`, the line ends found by SIMD.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match memchr::memchr(b'\n', text.as_bytes()) {
            Some(nl) => {
                rest = Some(&text[nl + 1..]);
                Some(&text[..nl])
            }
            None => rest.take(),
        }
    })
}

/// A list of `- ` items from its `first` line up to a blank line or the
/// end, as `plain_blocks` renders it.
fn push_plain_list<'m>(
    first: &'m str,
    lines: &mut std::iter::Peekable<impl Iterator<Item = &'m str>>,
    plain: &mut String,
    html: &mut String,
) -> Option<()> {
    // The items each `<li>` is open for, outermost first: one a depth at
    // most, kept on the stack (a back with a list is most backs).
    let mut open: ArrayVec<OpenItem, { MAX_INDENT + 1 }> = ArrayVec::new();
    let mut next = Some(first);
    while let Some(line) = next {
        let text = line.trim_start_matches(' ');
        let indent = line.len() - text.len();
        let depth = indent / 2;
        let text = text.strip_prefix("- ")?;
        let deeper = open.last().map_or(0, |item| item.depth + 1);
        if indent % 2 != 0 || depth > deeper || depth > MAX_INDENT {
            return None;
        }
        match open.last() {
            None => html.push_str("<ul>\n"),
            Some(last) if depth > last.depth => {
                if !html.ends_with('\n') {
                    html.push('\n');
                }
                html.push_str("<ul>\n");
            }
            Some(_) => {
                while open.last().is_some_and(|item| item.depth > depth) {
                    open.pop().expect("an open item").close(plain);
                    html.push_str("</li>\n</ul>\n");
                }
                open.pop().expect("an open item").close(plain);
                html.push_str("</li>\n");
            }
        }
        if !plain.is_empty() && !plain.ends_with('\n') {
            plain.push('\n');
        }
        let line_start = plain.len();
        plain.push_str(&line[..indent]);
        plain.push_str("- ");
        open.push(OpenItem {
            depth,
            line: line_start,
            text: plain.len(),
        });
        html.push_str("<li>");
        match numbered(text) {
            // `- 1. 手順`: the item holds an ordered list of that one item,
            // a level deeper in plain text; what is nested under the item
            // comes after that list, not inside it.
            Some((number, text)) if depth < MAX_INDENT => {
                plain.push('\n');
                plain.push_str(&"  ".repeat(depth + 1));
                plain.push_str(&format!("{number}. "));
                html.push_str(&match number {
                    1 => "\n<ol>\n".to_string(),
                    n => format!("\n<ol start=\"{n}\">\n"),
                });
                html.push_str("<li>");
                push_item_text(text, plain, html)?;
                html.push_str("</li>\n</ol>\n");
            }
            Some(_) => return None,
            // `- 1\\. 手順`, a bullet numbering its step: the number is text.
            None => match escaped_number(text) {
                Some((digits, mark, rest)) => {
                    let body = rest.trim_start_matches(' ');
                    // Spaces before the text are kept, after the number none.
                    let spaces = if body.is_empty() {
                        ""
                    } else {
                        &rest[..rest.len() - body.len()]
                    };
                    for out in [&mut *plain, &mut *html] {
                        out.push_str(digits);
                        out.push(mark);
                        out.push_str(spaces);
                    }
                    push_plain_line(body, plain, html)?;
                }
                // Only a picture says nothing in plain text, but what is
                // nested under it may: that is told when the item closes.
                None => push_plain_line(text, plain, html)?,
            },
        }
        next = lines.next_if(|line| !line.is_empty());
    }
    for item in open.into_iter().rev() {
        item.close(plain);
        html.push_str("</li>\n</ul>\n");
    }
    Some(())
}

/// A `- ` item of a list being rendered: its depth, and where its line
/// and its text start in the plain text.
struct OpenItem {
    depth: usize,
    line: usize,
    text: usize,
}

impl OpenItem {
    /// Ends the item as the parser's plain renderer does: one of nothing
    /// but a picture, with nothing said under it either, leaves no empty
    /// bullet (the HTML shows it).
    fn close(self, plain: &mut String) {
        if plain[self.text..].trim().is_empty() {
            plain.truncate(self.line);
        }
    }
}

/// An item's line, as `push_plain_line` renders it; `None` when it says
/// nothing in plain text (only a picture): the parser's renderer leaves
/// such an item out of the plain text.
fn push_item_text(text: &str, plain: &mut String, html: &mut String) -> Option<()> {
    let start = plain.len();
    push_plain_line(text, plain, html)?;
    (!plain[start..].trim().is_empty()).then_some(())
}

/// `1. text` or `2) text`, which opens an ordered list: its number (as
/// the parser reads it, `01.` is 1) and its text.
fn numbered(text: &str) -> Option<(u64, &str)> {
    let (digits, after) = ordered_marker(text)?;
    Some((digits.parse().ok()?, after.strip_prefix(' ')?))
}

/// `1\\. text`, `2\\) text`: a number whose mark is escaped, so that it
/// is no list marker: its digits and mark, which the parser writes without
/// the escape, and the space and text after it.
fn escaped_number(text: &str) -> Option<(&str, char, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let rest = text.get(digits..)?.strip_prefix('\\')?;
    let mark = rest.chars().next().filter(|c| matches!(c, '.' | ')'))?;
    let after = &rest[1..];
    (digits > 0 && (after.is_empty() || after.starts_with(' ')))
        .then(|| (&text[..digits], mark, after))
}

/// The digits of what may be an ordered list's marker (`1.`, `2)`) at the
/// start of `text`, and what follows its dot or parenthesis: a marker
/// when that is nothing or a space (`99.5%` is none).
fn ordered_marker(text: &str) -> Option<(&str, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    // Past nine digits it is no list marker.
    if !(1..=9).contains(&digits) {
        return None;
    }
    Some((&text[..digits], text[digits..].strip_prefix(['.', ')'])?))
}

/// Bytes that start or make Markdown, HTML, entities, math, furigana,
/// tables or wiki links anywhere in a line (all ASCII: a byte table tells
/// them apart faster than a search for each). Images (`![`) are read by
/// `push_plain_line`; `>` and quotes are plain text in a line's body, and
/// so are braces but in furigana (`{漢字|かんじ}`, looked for apart) and
/// underscores inside words (`underscores_are_letters`). A tilde is the
/// back's to tell (`plain_blocks`).
const SYNTAX: [bool; 256] = byte_table(b"\\`*[]<&!#|$\n\r\t");

/// `SYNTAX`, `>`, which HTML escapes, and the braces and underscores that
/// take a closer look: a line with none of them is its own HTML.
const SYNTAX_OR_ESCAPED: [bool; 256] = byte_table(b"\\`*[]<&!#|$\n\r\t>{}_");

/// The table of `bytes`: whether each byte is one of them.
pub(super) const fn byte_table(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// Appends one line of text and images (`![alt](url)`) that Markdown (with
/// the extensions `parser` turns on) and furigana leave as they are: its
/// plain text to `plain`, and to `html` what pulldown-cmark makes of it as
/// a bare paragraph. Parsing is most of the cost of a short definition, and
/// most definitions are such lines. `None` for any other line. The line
/// has one tilde at most, in all of its back (`plain_blocks`).
pub(super) fn push_plain_line(line: &str, plain: &mut String, html: &mut String) -> Option<()> {
    // What starts a block at the start of a line: a list item, a heading,
    // a rule, a quote, an ordered item (`1.`, `2)`).
    // (`**太字**` opens none: a marker or rule has a space or a third `*`.)
    const BLOCK: &[u8] = b"-+=*#>";
    let first = line.chars().next()?;
    let bold_first = line
        .strip_prefix("**")
        .is_some_and(|rest| rest.starts_with(|c: char| c != '*' && !c.is_whitespace()));
    let starts_block = u8::try_from(first).is_ok_and(|b| BLOCK.contains(&b)) && !bold_first;
    let numbered = ordered_marker(line)
        .is_some_and(|(_, after)| after.is_empty() || after.starts_with([' ', '\t']));
    if line.len() > MAX_PLAIN
        || first.is_whitespace()
        || starts_block
        || numbered
        || line.ends_with(char::is_whitespace)
    {
        return None;
    }
    // Most lines are text alone, and one scan tells.
    if !has_any(line.as_bytes(), &SYNTAX_OR_ESCAPED) {
        plain.push_str(line);
        html.push_str(line);
        return Some(());
    }
    if !underscores_are_letters(line) {
        return None;
    }
    let mut strong = strong_delimiters(line)?.into_iter().peekable();
    let mut at = 0;
    loop {
        // A `!` is syntax but for the one that opens an image (`![`).
        let rest = &line[at..];
        let (text_end, image) = match rest.find('!') {
            Some(bang) => (at + bang, Some(rest[bang + 1..].strip_prefix('[')?)),
            None => (line.len(), None),
        };
        // The text up to the image, the `**` in it written as tags.
        while let Some((run, tag)) = strong.next_if(|(run, _)| run.start < text_end) {
            push_plain_text(&line[at..run.start], plain, html)?;
            html.push_str(tag);
            at = run.end;
        }
        push_plain_text(&line[at..text_end], plain, html)?;
        let Some(image) = image else {
            return Some(());
        };
        // An image whose alt text needs no escaping and whose address is
        // a plain path or URL (not a sound, which `for_cards` turns into
        // Anki's `[sound:…]`); its alt text is no plain text.
        let (alt, after) = image.split_once(']')?;
        let after = after.strip_prefix('(')?;
        let (url, after) = after.split_once(')')?;
        let plain_alt = !has_any(alt.as_bytes(), &SYNTAX) && !alt.contains(['"', '\'', '>']);
        let plain_url = !url.is_empty()
            && url
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/:._-".contains(&b))
            && !link::is_sound(url);
        if !plain_alt || !plain_url {
            return None;
        }
        html.push_str("<img src=\"");
        html.push_str(url);
        html.push_str("\" alt=\"");
        html.push_str(alt);
        html.push_str("\" />");
        at = line.len() - after.len();
    }
}

/// Text with no Markdown in it, as a paragraph's text: the same in plain
/// text, `>` escaped in HTML. `None` for text with syntax or furigana.
fn push_plain_text(text: &str, plain: &mut String, html: &mut String) -> Option<()> {
    if has_any(text.as_bytes(), &SYNTAX) || furigana::has_furigana(text) {
        return None;
    }
    plain.push_str(text);
    // `&` and `<` are syntax; `>` is the one character to escape.
    for (i, piece) in text.split('>').enumerate() {
        if i > 0 {
            html.push_str("&gt;");
        }
        html.push_str(piece);
    }
    Some(())
}

/// The `**` of a line as CommonMark pairs them into bold, each with the
/// tag it becomes, in order. `None` for any other `*` (`*斜体*`, `***`),
/// a `**` that stays text, or one beside a character whose class below is
/// not certain.
fn strong_delimiters(line: &str) -> Option<Vec<(Range<usize>, &'static str)>> {
    let bytes = line.as_bytes();
    // Each run: where it is, whether it may open and whether it may close.
    let mut runs = Vec::new();
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'*', &bytes[at..]) {
        let start = at + found;
        let end = start + bytes[start..].iter().take_while(|&&b| b == b'*').count();
        if end - start != 2 {
            return None;
        }
        let before = Flank::of(line[..start].chars().next_back())?;
        let after = Flank::of(line[end..].chars().next())?;
        // Left- and right-flanking, as the spec defines them (for `*`,
        // which may open and close inside a word, that is all it takes).
        let opens = after != Flank::Space && (after != Flank::Punctuation || before != Flank::Word);
        let closes =
            before != Flank::Space && (before != Flank::Punctuation || after != Flank::Word);
        runs.push((start..end, opens, closes));
        at = end;
    }
    // A closer takes the nearest opener; runs of two never meet the rule
    // of three.
    let mut tags = vec![""; runs.len()];
    let mut openers = Vec::new();
    for (i, &(_, opens, closes)) in runs.iter().enumerate() {
        match openers.pop() {
            Some(opener) if closes => {
                tags[opener] = "<strong>";
                tags[i] = "</strong>";
            }
            last => {
                openers.extend(last);
                if !opens {
                    return None;
                }
                openers.push(i);
            }
        }
    }
    if !openers.is_empty() {
        return None;
    }
    Some(
        runs.into_iter()
            .zip(tags)
            .map(|((run, ..), tag)| (run, tag))
            .collect(),
    )
}

/// What stands beside a delimiter run, for emphasis.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Flank {
    /// A space, or the line's start or end.
    Space,
    Punctuation,
    /// A letter or digit of any script (kana and kanji included).
    Word,
}

impl Flank {
    /// `None` for a character whose class the parser's own table might
    /// tell otherwise (symbols, marks): such a line takes the parser.
    fn of(c: Option<char>) -> Option<Flank> {
        /// Japanese punctuation, all in Unicode's punctuation categories.
        const JAPANESE_PUNCTUATION: &str =
            "、。，．・：；！？「」『』（）［］｛｝【】〈〉《》〔〕〜";
        match c {
            None => Some(Flank::Space),
            Some(c) if c.is_whitespace() => Some(Flank::Space),
            Some(c) if c.is_ascii_punctuation() || JAPANESE_PUNCTUATION.contains(c) => {
                Some(Flank::Punctuation)
            }
            Some(c) if c.is_alphanumeric() => Some(Flank::Word),
            Some(_) => None,
        }
    }
}

/// Whether every run of `_` in `line` stands between two ASCII letters or
/// digits (`CAPABILITY_NAMED_IAM`, `snake_case`): such a run is neither
/// left- nor right-flanking only, so it can neither open nor close
/// emphasis, and CommonMark keeps it as text.
fn underscores_are_letters(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'_', &bytes[at..]) {
        let start = at + found;
        let end = start + bytes[start..].iter().take_while(|&&b| b == b'_').count();
        let letter = |i: Option<usize>| {
            i.and_then(|i| bytes.get(i))
                .is_some_and(u8::is_ascii_alphanumeric)
        };
        if !letter(start.checked_sub(1)) || !letter(Some(end)) {
            return false;
        }
        at = end;
    }
    true
}

/// Whether any byte of `bytes` is marked in `table` (only ASCII bytes
/// are): eight bytes of kana or kanji, none ASCII, are passed over at once.
pub(super) fn has_any(bytes: &[u8], table: &[bool; 256]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let marked = |b: &u8| table[usize::from(*b)];
    let mut chunks = bytes.chunks_exact(8);
    let in_chunks = chunks.by_ref().any(|chunk| {
        let word = u64::from_ne_bytes(chunk.try_into().expect("eight bytes"));
        word & HIGH_BITS != HIGH_BITS && chunk.iter().any(marked)
    });
    in_chunks || chunks.remainder().iter().any(marked)
}
