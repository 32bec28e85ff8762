//! The Markdown of a back, rendered as HTML (by pulldown-cmark) and as
//! plain text.
//!
//! The HTML is what a card shows: furigana as `<ruby>`, math in the
//! delimiters of Anki's MathJax, fenced code with a language highlighted
//! (`for_cards`). The plain text keeps what was written, readings in
//! brackets (`漢字[かんじ]`) and math in dollars, for search and the terminal.

use std::cell::Cell;
use std::fmt;
use std::ops::Range;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream,
};

use crate::html::escape_html;
use crate::japanese::furigana;
use crate::limits::{self, MAX_HTML, MAX_PLAIN};
use crate::{highlight, link, outline};

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_MATH
            | Options::ENABLE_WIKILINKS,
    )
}

/// The events as a card shows them: text with furigana as ruby, `$…$` and
/// `$$…$$` as MathJax's `\(…\)` and `\[…\]` (Anki typesets those on every
/// platform; the TeX is kept as written, backslashes included), the text
/// of a fenced code block with a known language as coloured spans, a local
/// sound "image" (`![](x.mp3)`, Obsidian's `![[x.mp3]]`) as Anki's
/// `[sound:x.mp3]`, and an Obsidian link to another note (`[[note]]`), which
/// leads nowhere in Anki, as its text.
fn for_cards<'e>(events: impl Iterator<Item = Event<'e>>) -> impl Iterator<Item = Event<'e>> {
    let mut code_language: Option<CowStr<'e>> = None;
    // An image's alt text is written escaped: no markup goes there.
    let mut image_depth = 0usize;
    // Inside a sound made `[sound:…]`: its alt text is dropped.
    let mut in_sound = false;
    // For each open link: whether it is an Obsidian link, whose tags are dropped.
    let mut wiki_links: Vec<bool> = Vec::new();
    // Consecutive texts as one: `漢字[かんじ]` comes in three pieces.
    TextMergeStream::new(events).filter_map(move |event| {
        if in_sound {
            in_sound = !matches!(event, Event::End(TagEnd::Image));
            return None;
        }
        let event = match event {
            Event::Start(Tag::Image { ref dest_url, .. }) if link::is_sound(dest_url) => {
                in_sound = true;
                Event::Text(format!("[sound:{dest_url}]").into())
            }
            Event::Start(Tag::Image { .. }) => {
                image_depth += 1;
                event
            }
            Event::End(TagEnd::Image) => {
                image_depth = image_depth.saturating_sub(1);
                event
            }
            Event::Start(Tag::Link { link_type, .. }) => {
                let wiki = matches!(link_type, LinkType::WikiLink { .. });
                wiki_links.push(wiki);
                if wiki {
                    return None;
                }
                event
            }
            Event::End(TagEnd::Link) => {
                if wiki_links.pop() == Some(true) {
                    return None;
                }
                event
            }
            Event::Start(Tag::CodeBlock(ref kind)) => {
                code_language = Some(match kind {
                    CodeBlockKind::Fenced(language) => language.clone(),
                    CodeBlockKind::Indented => CowStr::Borrowed(""),
                });
                event
            }
            Event::End(TagEnd::CodeBlock) => {
                code_language = None;
                event
            }
            Event::Text(text) => match &code_language {
                Some(language) => match highlight::code_html(language, &text) {
                    Some(html) => Event::InlineHtml(html.into()),
                    None => Event::Text(text),
                },
                None if image_depth == 0 && furigana::has_furigana(&text) => {
                    Event::InlineHtml(furigana::to_html(&text, escape_html).into())
                }
                None => Event::Text(text),
            },
            Event::InlineMath(tex) => {
                Event::InlineHtml(format!("\\({}\\)", escape_html(&tex)).into())
            }
            Event::DisplayMath(tex) => {
                Event::InlineHtml(format!("\\[{}\\]", escape_html(&tex)).into())
            }
            other => other,
        };
        Some(event)
    })
}

/// `text` (a front: plain text, perhaps with furigana `{漢字|かんじ}`) as
/// Markdown that shows it as written in a list item: what would make
/// emphasis, links, code, HTML, entities or math is escaped, and so is
/// what would open a heading, a list or a quote at its start.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped_markdown(&mut out, text);
    out
}

/// `escape_markdown` of `text`, written at the end of `out`.
pub fn push_escaped_markdown(out: &mut String, text: &str) {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    for (at, c) in text.char_indices() {
        let opens_block = at == 0 && matches!(c, '#' | '+' | '-' | '=' | '>')
            || at == digits && digits > 0 && matches!(c, '.' | ')');
        if opens_block
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '&' | '$' | '~' | '!'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
}

/// A back as plain text and as HTML, from one parse of its Markdown, each
/// within its limit (`limits::MAX_PLAIN`, `limits::MAX_HTML`). The events
/// stream through both renderers, never held all at once.
pub fn plain_and_html(markdown: &str) -> (String, String) {
    if let Some(rendered) = plain_blocks(markdown) {
        return rendered;
    }
    let markdown = furigana::escape_bars_in_tables(markdown);
    let mut plain = Plain::new(MAX_PLAIN);
    let mut events = parser(&markdown).inspect(|event| plain.push(event));
    let html = bounded_html(for_cards(&mut events), MAX_HTML);
    // The plain text of what the HTML had no room for.
    events.for_each(drop);
    (plain.finish(), html)
}

/// The plain text and HTML of a back made only of plain lines (as
/// `push_plain_line` reads them): paragraphs, and lists of `- ` items nested
/// two spaces a level (an item may open with a number, `- 1. 手順`), the
/// blocks apart by a blank line. That
/// is most backs (a definition, a term over its nested list), and parsing is
/// most of the cost of rendering them; the output is the parser's to the
/// byte. `None` for anything else.
fn plain_blocks(markdown: &str) -> Option<(String, String)> {
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
    // The depth of the item each `<li>` is open for, outermost first.
    let mut open: Vec<usize> = Vec::new();
    let mut next = Some(first);
    while let Some(line) = next {
        let text = line.trim_start_matches(' ');
        let indent = line.len() - text.len();
        let depth = indent / 2;
        let text = text.strip_prefix("- ")?;
        let deeper = open.last().map_or(0, |d| d + 1);
        if indent % 2 != 0 || depth > deeper || depth > MAX_INDENT {
            return None;
        }
        if !open.is_empty() {
            plain.push('\n');
        }
        plain.push_str(&line[..indent]);
        plain.push_str("- ");
        match open.last() {
            None => html.push_str("<ul>\n"),
            Some(&last) if depth > last => {
                if !html.ends_with('\n') {
                    html.push('\n');
                }
                html.push_str("<ul>\n");
            }
            Some(_) => {
                while open.last().is_some_and(|&d| d > depth) {
                    open.pop();
                    html.push_str("</li>\n</ul>\n");
                }
                open.pop();
                html.push_str("</li>\n");
            }
        }
        open.push(depth);
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
                push_plain_line(text, plain, html)?;
                html.push_str("</li>\n</ol>\n");
            }
            Some(_) => return None,
            None => push_plain_line(text, plain, html)?,
        }
        next = lines.next_if(|line| !line.is_empty());
    }
    for _ in open {
        html.push_str("</li>\n</ul>\n");
    }
    Some(())
}

/// `1. text` or `2) text`, which opens an ordered list: its number (as
/// the parser reads it, `01.` is 1) and its text.
fn numbered(text: &str) -> Option<(u64, &str)> {
    let (digits, after) = ordered_marker(text)?;
    Some((digits.parse().ok()?, after.strip_prefix(' ')?))
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
/// underscores inside words (`underscores_are_letters`).
const SYNTAX: [bool; 256] = byte_table(b"\\`*[]<&!#|~$\n\r\t");

/// `SYNTAX`, `>`, which HTML escapes, and the braces and underscores that
/// take a closer look: a line with none of them is its own HTML.
const SYNTAX_OR_ESCAPED: [bool; 256] = byte_table(b"\\`*[]<&!#|~$\n\r\t>{}_");

const fn byte_table(bytes: &[u8]) -> [bool; 256] {
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
/// most definitions are such lines. `None` for any other line.
fn push_plain_line(line: &str, plain: &mut String, html: &mut String) -> Option<()> {
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
fn has_any(bytes: &[u8], table: &[bool; 256]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let marked = |b: &u8| table[usize::from(*b)];
    let mut chunks = bytes.chunks_exact(8);
    let in_chunks = chunks.by_ref().any(|chunk| {
        let word = u64::from_ne_bytes(chunk.try_into().expect("eight bytes"));
        word & HIGH_BITS != HIGH_BITS && chunk.iter().any(marked)
    });
    in_chunks || chunks.remainder().iter().any(marked)
}

/// The HTML of `events` in at most `limit` bytes (but for the last event
/// written, a text may overshoot by its own size): past it `…` marks the
/// cut and the elements still open are closed.
fn bounded_html<'e>(events: impl Iterator<Item = Event<'e>>, limit: usize) -> String {
    let written = Cell::new(0);
    let mut html = Counted {
        out: String::new(),
        written: &written,
    };
    let events = Bounded {
        events,
        written: &written,
        limit,
        open: Vec::new(),
        closing: None,
    };
    pulldown_cmark::html::write_html_fmt(&mut html, events).expect("writing to a String");
    html.out
}

/// A String that tells how much has been written into it.
struct Counted<'c> {
    out: String,
    written: &'c Cell<usize>,
}

impl fmt::Write for Counted<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.push_str(s);
        self.written.set(self.out.len());
        Ok(())
    }
}

/// The longest HTML pulldown-cmark writes to end an element
/// (`</tbody></table>\n`): room for it is kept for each open element.
const MAX_END_TAG: usize = 20;

/// The events while they and the ends of the elements they open fit in
/// `limit` bytes, then `…` and the end of every element still open,
/// innermost first.
struct Bounded<'c, I> {
    events: I,
    written: &'c Cell<usize>,
    limit: usize,
    open: Vec<TagEnd>,
    /// Once cut: the events left to close what is open.
    closing: Option<std::vec::IntoIter<Event<'static>>>,
}

impl<'e, I: Iterator<Item = Event<'e>>> Iterator for Bounded<'_, I> {
    type Item = Event<'e>;

    fn next(&mut self) -> Option<Event<'e>> {
        let to_close = self.open.len() * MAX_END_TAG + "…".len();
        if self.closing.is_none() && self.written.get() + to_close > self.limit {
            let mut closing = vec![Event::Text("…".into())];
            closing.extend(self.open.drain(..).rev().map(Event::End));
            self.closing = Some(closing.into_iter());
        }
        if let Some(closing) = &mut self.closing {
            return closing.next();
        }
        let event = self.events.next()?;
        match &event {
            Event::Start(tag) => self.open.push(tag.to_end()),
            Event::End(_) => {
                self.open.pop();
            }
            _ => {}
        }
        Some(event)
    }
}

/// Plain text: one line a paragraph or list item, items marked with `- `
/// (or their number) and indented by their depth, up to `MAX_INDENT` levels
/// so that deep nesting costs no more than its Markdown.
struct Plain {
    out: String,
    limit: usize,
    /// For each open list: the next number, or None for bullets.
    lists: Vec<Option<u64>>,
    image_depth: usize,
    /// Inside `<rp>`: the parentheses a ruby shows where ruby is not
    /// supported; the plain text has brackets of its own.
    in_rp: bool,
}

/// The deepest indentation of a plain-text item, in levels of two spaces.
const MAX_INDENT: usize = outline::MAX_DEPTH;

impl Plain {
    fn new(limit: usize) -> Plain {
        Plain {
            out: String::new(),
            limit,
            lists: Vec::new(),
            image_depth: 0,
            in_rp: false,
        }
    }

    fn new_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn push(&mut self, event: &Event<'_>) {
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
                let depth = self.lists.len().saturating_sub(1).min(MAX_INDENT);
                self.out.push_str(&"  ".repeat(depth));
                match self.lists.last_mut() {
                    Some(Some(n)) => {
                        self.out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => self.out.push_str("- "),
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

    fn finish(self) -> String {
        let mut out = limits::cut(self.out, self.limit);
        out.truncate(out.trim_end().len());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser's own rendering, without the fast paths.
    /// Asserts that `markdown` renders as the parser renders it, and tells
    /// whether it took the fast path.
    fn renders_as_parsed(markdown: &str) -> bool {
        assert_eq!(plain_and_html(markdown), parsed(markdown), "{markdown:?}");
        plain_blocks(markdown).is_some()
    }

    fn parsed(markdown: &str) -> (String, String) {
        let mut plain = Plain::new(MAX_PLAIN);
        let mut events = parser(markdown).inspect(|event| plain.push(event));
        let html = bounded_html(for_cards(&mut events), MAX_HTML);
        events.for_each(drop);
        (plain.finish(), html)
    }

    /// Numbers below `n` from a linear congruential generator: the same
    /// shapes on every run.
    fn pseudo_random(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        }
    }

    #[test]
    fn plain_blocks_render_as_the_parser_would() {
        let words = [
            "用語の説明",
            "AWS のサービス",
            "cfn-signal を送る",
            "x",
            "全角　空白",
            "図 ![構成図](https://e.com/a-1.png) を参照",
            "![](img/x.png)",
            "A -> B の \"流れ\" と 'it'",
            "2023年に 3.5GHz",
            "![音](a.mp3)",
            "![a](b c)",
            "{\"enabled\": true}",
            "{漢字|かんじ}を読む",
            "1. 手順",
            "2) 次の手順",
            "10. 十番目",
            "1.手順",
            "0123456789. 桁が多い",
            "99.5% の可用性",
            "2.",
            "CAPABILITY_NAMED_IAM を渡す",
            "_斜体_ と a__b",
            "x_ と _y",
            "![a_b](img/a_b.png)",
            "![_a_](x.png)",
            "**用語**は説明",
            "**S3** is storage",
            "前の**太字**後",
            "**（括弧）**の中",
            "「**引用**」です",
            "**IAM**（Identity）",
            "a**b",
            "**x** **y**",
            "** x**",
            "*斜体*",
            "***三つ***",
            "**未完",
            "**a **b** c**",
            "**図 ![x](y.png)** だ",
            "**€** 記号",
        ];
        // Pseudo-random shapes (repeatable): paragraphs and lists of items
        // nested up to three levels, and the shapes that are no fast case.
        let mut next = pseudo_random(7);
        let mut fast = 0;
        for _ in 0..2_000 {
            let mut blocks = Vec::new();
            for _ in 0..=next(3) {
                if next(2) == 0 {
                    // A paragraph, now and then wrapped, its later lines
                    // indented or not.
                    let lines: Vec<String> = (0..=next(3) / 2)
                        .map(|line| {
                            let indent = if line > 0 { next(3) as usize } else { 0 };
                            let word = words[next(words.len() as u64) as usize];
                            format!("{}{word}", " ".repeat(indent))
                        })
                        .collect();
                    blocks.push(lines.join("\n"));
                } else {
                    let mut depth = 0;
                    let mut lines = Vec::new();
                    for _ in 0..=next(4) {
                        depth = next(depth + 2).min(3);
                        let indent = if next(20) == 0 { 3 } else { 2 * depth as usize };
                        lines.push(format!(
                            "{}- {}",
                            " ".repeat(indent),
                            words[next(words.len() as u64) as usize]
                        ));
                    }
                    blocks.push(lines.join("\n"));
                }
            }
            // Blocks apart by one blank line, now and then by none or two,
            // and a line end before or after them all.
            let apart = match next(30) {
                0 => "\n",
                1 => "\n\n\n",
                _ => "\n\n",
            };
            let mut markdown = blocks.join(apart);
            match next(40) {
                0 => markdown.insert(0, '\n'),
                1 => markdown.push('\n'),
                _ => {}
            }
            fast += usize::from(renders_as_parsed(&markdown));
        }
        assert!(fast > 200, "only {fast} shapes took the fast path");
        // The shapes of real backs that the fast path is for.
        for markdown in [
            "- 1. 手順\n  - 有効化: 設定する\n- 2. 次の手順\n  - 作成: 作る",
            "- 定義: 説明\n  - 10) 十番目\n    - 詳細",
            "- 設定\n  - {\"enabled\": true, \"name\": \"x\"}",
            "ログを検知し、\n  Lambda に転送する。\n\n- 例: 構成",
            "- CAPABILITY_NAMED_IAM: 名前を持つ IAM ロール\n- 可用性: 99.99%",
            "**バケットポリシー**はバケット単位で設定する\n\n- **Health check** — 状態を見る",
            "- **汎用SSD**（gp2、gp3）: 一般的な用途",
        ] {
            assert!(renders_as_parsed(markdown), "{markdown:?} took the parser");
        }
    }

    #[test]
    fn bold_in_a_line_renders_as_the_parser_would() {
        // Pieces that make `**` open, close, both or neither, beside every
        // class of character, and the other inline syntax the line may have.
        let pieces = [
            "**",
            "**",
            "**",
            "用語",
            "S3",
            " ",
            "　",
            "（",
            "）",
            "、",
            "「",
            "」",
            "は",
            "€",
            "ー",
            "*",
            "x_y",
            "![i](a.png)",
            "{",
            "。",
            "!",
            "\"",
            "1",
            ">",
        ];
        let mut next = pseudo_random(5);
        let mut fast = 0;
        for _ in 0..20_000 {
            let line: String = (0..=next(8))
                .map(|_| pieces[next(pieces.len() as u64) as usize])
                .collect();
            for markdown in [line.clone(), format!("- {line}\n  - 子")] {
                fast += usize::from(renders_as_parsed(&markdown));
            }
        }
        assert!(fast > 5_000, "only {fast} lines took the fast path");
    }

    #[test]
    fn byte_scans_find_what_a_plain_scan_finds() {
        let pieces = ["a", "\n", "\n\n", "漢字の", " ", "*", "テキスト"];
        let mut table = [false; 256];
        table[usize::from(b'*')] = true;
        table[usize::from(b'\n')] = true;
        let mut seed = 3u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..5_000 {
            let text: String = (0..next(12))
                .map(|_| pieces[next(pieces.len() as u64) as usize])
                .collect();
            let marked = text.bytes().any(|b| b == b'*' || b == b'\n');
            assert_eq!(has_any(text.as_bytes(), &table), marked, "{text:?}");
        }
    }

    #[test]
    fn plain_paragraphs_render_as_the_parser_would() {
        let lines = [
            "仮想サーバーを提供するサービス",
            "EC2 リソースが正常に作成されたかどうかを示すシグナル。",
            "AWS のサービス (マネージド)",
            "1 時間ごとに実行",
            "a . b , c ; d : e ? f / g % h @ i ^ j",
            "cfn-signal と a+b と x=1",
            "全角　スペース　入り",
            "x",
            "A => B, \"引用\" と 'it's'",
            "構成 ![図](https://e.com/x/y_z.png)![](b.png) の例",
            "2023年に 3.5GHz",
            "**太字**",
        ];
        let is_plain = |line| push_plain_line(line, &mut String::new(), &mut String::new());
        for line in lines {
            assert!(is_plain(line).is_some(), "{line}");
            renders_as_parsed(line);
        }
        for markup in [
            "*斜体*",
            "**太字",
            "a\nb",
            " 先頭",
            "末尾 ",
            "1. 番号",
            "- 項目",
            "+ 項目",
            "= 下線",
            "漢字[かんじ]",
            "a & b",
            "$x$",
            "1) 番号",
            "<b>太字</b>",
            "![音声](a.mp3)",
            "![図](<a b.png>)",
            "![図](a.png \"題\")",
            "![\"図\"](a.png)",
            "![[図.png]]",
            "見て!",
        ] {
            assert!(is_plain(markup).is_none(), "{markup}");
            renders_as_parsed(markup);
        }
    }

    #[test]
    fn plain_text_keeps_list_structure() {
        let md =
            "定義の文。\n\n- 子 A\n  - 孫\n- `code` と [リンク](https://e.com)\n\n1. 一\n2. 二";
        assert_eq!(
            plain_and_html(md).0,
            "定義の文。\n- 子 A\n  - 孫\n- code と リンク\n1. 一\n2. 二"
        );
    }

    #[test]
    fn what_follows_a_list_starts_on_its_own_line() {
        let md = "- SQS ポリシー\n  - 子\n\nポリシーを指定する際の注意\n\n- a\n\n> 引用\n\n- b\n\n## 見出し";
        assert_eq!(
            plain_and_html(md).0,
            "- SQS ポリシー\n  - 子\nポリシーを指定する際の注意\n- a\n引用\n- b\n見出し"
        );
    }

    #[test]
    fn deep_nesting_is_indented_at_most_max_indent_levels() {
        let plain = plain_and_html(&("- ".repeat(100) + "x")).0;
        let widest = plain.lines().map(|l| l.len() - l.trim_start().len()).max();
        assert_eq!(widest, Some(2 * MAX_INDENT));
        assert_eq!(plain.lines().count(), 100);
    }

    #[test]
    fn a_cut_html_back_closes_what_it_opened() {
        let md = "- a\n  - b **c d e f g h**\n    > quote\n";
        let full = bounded_html(parser(md), usize::MAX);
        for limit in [0, 30, 60, 100, 140] {
            let html = bounded_html(parser(md), limit);
            assert!(html.len() <= limit.max(MAX_END_TAG), "{limit}: {html}");
            assert!(html.ends_with("</ul>\n") || html == "…", "{limit}: {html}");
            for tag in ["ul", "li", "strong", "blockquote", "p"] {
                assert_eq!(
                    html.matches(&format!("<{tag}>")).count(),
                    html.matches(&format!("</{tag}>")).count(),
                    "{limit}: {html}"
                );
            }
            assert!(html.contains('…') || html == full, "{limit}: {html}");
        }
        assert!(!full.contains('…'));
    }

    #[test]
    fn a_long_plain_back_is_cut_and_marked() {
        let mut plain = Plain::new(10);
        for event in parser("一二三四五六七八九") {
            plain.push(&event);
        }
        assert_eq!(plain.finish(), "一二…");
    }

    #[test]
    fn html_renders_nested_lists_and_images() {
        let (_, html) = plain_and_html("- a\n  - ![図](x.png)");
        assert!(
            html.contains("<ul>\n<li>a\n<ul>\n<li><img src=\"x.png\" alt=\"図\" /></li>"),
            "{html}"
        );
    }

    #[test]
    fn math_becomes_mathjax_with_its_backslashes_kept() {
        let (plain, html) = plain_and_html("面積 $\\pi r^2\\,m$ と\n\n$$a < b \\\\ c$$");
        assert!(html.contains(r"\(\pi r^2\,m\)"), "{html}");
        assert!(html.contains(r"\[a &lt; b \\ c\]"), "{html}");
        assert!(!html.contains("$"), "{html}");
        assert!(plain.contains(r"$\pi r^2\,m$"), "{plain}");
    }

    #[test]
    fn furigana_become_ruby_in_html_and_brackets_in_plain_text() {
        let md = "- 漢字[かんじ]を{勉強|べんきょう}\n- <ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby>\n- `a[い]` arr[0]";
        let (plain, html) = plain_and_html(md);
        assert!(
            html.contains("<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>を<ruby>勉強"),
            "{html}"
        );
        assert!(
            html.contains("<ruby>東京<rp>(</rp><rt>とうきょう</rt>"),
            "{html}"
        );
        assert!(html.contains("<code>a[い]</code> arr[0]"), "{html}");
        assert_eq!(
            plain,
            "- 漢字[かんじ]を{勉強|べんきょう}\n- 東京[とうきょう]\n- a[い] arr[0]"
        );
    }

    #[test]
    fn fenced_code_with_a_known_language_is_highlighted_inline() {
        let (plain, html) = plain_and_html("```rust\nlet x = 1;\n```\n\n```\nlet y = 2;\n```");
        assert!(
            html.contains(
                "<pre><code class=\"language-rust\"><span class=\"nd-hl\"><span style=\""
            ),
            "{html}"
        );
        assert!(
            html.contains("<pre><code>let y = 2;\n</code></pre>"),
            "{html}"
        );
        assert_eq!(plain, "let x = 1;\nlet y = 2;");
    }

    #[test]
    fn sounds_become_anki_sound_tags_and_obsidian_embeds_images() {
        let md = "- ![発音](a/b.mp3) [sound:c.ogg] ![[d.png]] ![[e.MP3]] [[別のノート]]\n- ![r](https://x/y.mp3)";
        let html = plain_and_html(md).1;
        assert!(
            html.contains("[sound:a/b.mp3] [sound:c.ogg] <img src=\"d.png\""),
            "{html}"
        );
        assert!(html.contains("[sound:e.MP3] 別のノート</li>"), "{html}");
        assert!(!html.contains("発音") && !html.contains("<a "), "{html}");
        assert!(html.contains("<img src=\"https://x/y.mp3\""), "{html}");
    }
}
