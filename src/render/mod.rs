//! The Markdown of a back, rendered as HTML (by pulldown-cmark) and as
//! plain text.
//!
//! The HTML is what a card shows: furigana as `<ruby>`, math in the
//! delimiters of Anki's MathJax, fenced code with a language highlighted
//! (`for_cards`). The plain text keeps what was written, readings in
//! brackets (`漢字[かんじ]`) and math in dollars, for search and the terminal.
//!
//! Most backs are plain lines and lists: `fast` renders them without the
//! parser. The rest stream once through the parser into `plain` and,
//! `bounded` by its limit, HTML.

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream,
};

use crate::html::escape_html;
use crate::japanese::furigana;
use crate::limits::{MAX_HTML, MAX_PLAIN};
use crate::{highlight, link, outline};

mod bounded;
mod fast;
mod plain;
#[cfg(test)]
mod tests;

use bounded::bounded_html;
use fast::plain_blocks;
use plain::Plain;

/// The deepest indentation of a plain-text item, in levels of two spaces:
/// no deeper than the outline nests, so deep nesting costs no more than its
/// Markdown.
const MAX_INDENT: usize = outline::MAX_DEPTH;

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

/// `escape_markdown` of `text`, written at the end of `out`: what needs
/// no escaping (most of a front) is copied in runs, not char by char.
pub fn push_escaped_markdown(out: &mut String, text: &str) {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    out.reserve(text.len());
    let mut copied = 0;
    // Every character to escape is ASCII: its byte is part of no other
    // character, and its offset is a character boundary.
    for (at, byte) in text.bytes().enumerate() {
        let opens_block = at == 0 && matches!(byte, b'#' | b'+' | b'-' | b'=' | b'>')
            || at == digits && digits > 0 && matches!(byte, b'.' | b')');
        if opens_block || MARKDOWN_PUNCTUATION[usize::from(byte)] {
            out.push_str(&text[copied..at]);
            out.push('\\');
            copied = at;
        }
    }
    out.push_str(&text[copied..]);
}

/// What `escape_markdown` escapes wherever it stands.
const MARKDOWN_PUNCTUATION: [bool; 256] = fast::byte_table(b"\\`*_[]<&$~!");

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
