//! Furigana: a reading written over its kanji, in the three ways notes
//! write it: Anki's `漢字[かんじ]`, `{漢字|かんじ}` and HTML
//! `<ruby>漢字<rt>かんじ</rt></ruby>`.
//!
//! `pieces` finds them in a text; the callers turn them into ruby HTML (a
//! back), Anki's own syntax for its `furigana:` filter (a front), or the
//! base text and the readings apart (the search index), so that a card is
//! found by `漢字を` as written and by `かんじ` as read.
//!
//! `漢字[かんじ]` is taken as furigana only when the reading is kana and the
//! kanji run right before it is its base: `arr[0]`, `[注]` or `項目[A]`
//! stay as they are. A space before the base is dropped, as Anki's filter
//! does, since that is where Anki users mark where a base starts.

use std::borrow::Cow;

use super::script::{is_hiragana, is_kanji, is_katakana};

/// A piece of text: as written, or a base with its reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Ruby {
        base: &'a str,
        reading: Cow<'a, str>,
    },
}

/// The longest `{…|…}` or `<ruby>…</ruby>` looked at, in bytes: a brace or
/// tag that opens and never closes costs no more than this each.
const MAX_SPAN: usize = 256;

/// The text cut into plain pieces and furigana, in order.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    // Start of the text not yet pushed.
    let mut plain = 0;
    let mut at = 0;
    while let Some(offset) = text[at..].find(['[', '{', '<']) {
        let open = at + offset;
        let found = match text.as_bytes()[open] {
            b'[' => bracket(text, plain, open),
            b'{' => braces(text, open).map(|(base, reading, end)| (open, base, reading, end)),
            _ => ruby_tag(text, open).map(|(base, reading, end)| (open, base, reading, end)),
        };
        match found {
            Some((start, base, reading, end)) => {
                if start > plain {
                    pieces.push(Piece::Text(&text[plain..start]));
                }
                pieces.push(Piece::Ruby { base, reading });
                plain = end;
                at = end;
            }
            None => at = open + 1,
        }
    }
    if plain < text.len() {
        pieces.push(Piece::Text(&text[plain..]));
    }
    pieces
}

/// The Markdown of a back with the bars of its `{漢字|かんじ}` escaped
/// (`{漢字\\|かんじ}`) when it has a table: in a table row a bar ends the
/// cell before any furigana are looked for, and GFM reads `\\|` as a bar
/// inside the cell, so the cell's text holds the furigana again. Elsewhere
/// `\\|` reads as `|` too. Without a table the text is returned as it is.
pub fn escape_bars_in_tables(markdown: &str) -> Cow<'_, str> {
    let bars = furigana_bars_in_tables(markdown);
    if bars.is_empty() {
        return Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + bars.len());
    let mut done = 0;
    for bar in bars {
        out.push_str(&markdown[done..bar]);
        out.push('\\');
        done = bar;
    }
    out.push_str(&markdown[done..]);
    Cow::Owned(out)
}

/// What stands for a furigana bar while a note's tables are parsed into
/// cells (`hide_bars_in_tables`): one byte, as the bar, that no note has.
const HIDDEN_BAR: char = '\u{1}';

/// `escape_bars_in_tables` for the outline, which must keep every offset
/// of the note: the bars of furigana in a note with a table become
/// `HIDDEN_BAR`, so that they end no cell; the cells' text gets them back
/// (`restore_bars`).
pub fn hide_bars_in_tables(markdown: &str) -> Cow<'_, str> {
    let bars = furigana_bars_in_tables(markdown);
    if bars.is_empty() {
        return Cow::Borrowed(markdown);
    }
    let mut out = markdown.as_bytes().to_vec();
    for bar in bars {
        out[bar] = HIDDEN_BAR as u8;
    }
    Cow::Owned(String::from_utf8(out).expect("one ASCII byte for another"))
}

/// Text read from `hide_bars_in_tables`' Markdown with its bars back.
pub fn restore_bars(text: &str) -> Cow<'_, str> {
    // Asked of every text of a note: memchr's SIMD search, not `contains`.
    if memchr::memchr(HIDDEN_BAR as u8, text.as_bytes()).is_some() {
        Cow::Owned(text.replace(HIDDEN_BAR, "|"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The offsets of the unescaped bars inside `{漢字|かんじ}` when the
/// Markdown has a table (none, and nothing allocated, without one: most
/// notes and backs).
fn furigana_bars_in_tables(markdown: &str) -> Vec<usize> {
    let mut bars = Vec::new();
    if !markdown.contains('{') || !has_table_delimiter_row(markdown) {
        return bars;
    }
    let mut at = 0;
    while let Some(offset) = markdown[at..].find('{') {
        let open = at + offset;
        at = open + 1;
        let Some((_, _, end)) = braces(markdown, open) else {
            continue;
        };
        let unescaped = markdown[open..end]
            .match_indices('|')
            .map(|(i, _)| open + i)
            .filter(|&bar| !markdown[..bar].ends_with('\\'));
        bars.extend(unescaped);
        at = end;
    }
    bars
}

/// Whether a line of `markdown` is a table's delimiter row. A table needs
/// a bar: only the lines that hold one are read (most notes have none, and
/// most lines of the others none either).
fn has_table_delimiter_row(markdown: &str) -> bool {
    let bytes = markdown.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'|', &bytes[from..]) {
        let bar = from + found;
        let start = memchr::memrchr(b'\n', &bytes[..bar]).map_or(0, |nl| nl + 1);
        let end = memchr::memchr(b'\n', &bytes[bar..]).map_or(bytes.len(), |nl| bar + nl);
        if is_table_delimiter_row(&markdown[start..end]) {
            return true;
        }
        from = end;
    }
    false
}

/// A table's delimiter row, the line under its header: `|---|:--:|`,
/// `--- | ---`.
fn is_table_delimiter_row(line: &str) -> bool {
    let line = line.trim();
    line.contains('|')
        && line.contains('-')
        && line.trim_matches('|').split('|').all(|cell| {
            let cell = cell.trim().trim_start_matches(':').trim_end_matches(':');
            !cell.is_empty() && cell.bytes().all(|b| b == b'-')
        })
}

/// `漢字[かんじ]` around the `[` at `open`, not reaching before `floor`:
/// (where the piece starts, base, reading, end).
fn bracket(text: &str, floor: usize, open: usize) -> Option<(usize, &str, Cow<'_, str>, usize)> {
    let close = open + text[open..].find(']')?;
    let reading = &text[open + 1..close];
    if reading.is_empty() || !reading.chars().all(is_kana) {
        return None;
    }
    let before = &text[floor..open];
    let base_len: usize = before
        .chars()
        .rev()
        .take_while(|&c| is_kanji(c))
        .map(char::len_utf8)
        .sum();
    if base_len == 0 {
        return None;
    }
    let base_start = open - base_len;
    let start = if text[floor..base_start].ends_with(' ') {
        base_start - 1
    } else {
        base_start
    };
    Some((
        start,
        &text[base_start..open],
        Cow::Borrowed(reading),
        close + 1,
    ))
}

/// `{漢字|かんじ}` at `open`; a reading split by more bars (`{漢字|かん|じ}`,
/// one part a character) is read whole.
fn braces(text: &str, open: usize) -> Option<(&str, Cow<'_, str>, usize)> {
    let window = &text[open + 1..];
    let close = window.find('}')?;
    if close > MAX_SPAN {
        return None;
    }
    let inner = &window[..close];
    let (base, reading) = inner.split_once('|')?;
    if base.trim().is_empty() || reading.trim().is_empty() || inner.contains(['{', '\n']) {
        return None;
    }
    let reading = if reading.contains('|') {
        Cow::Owned(reading.replace('|', ""))
    } else {
        Cow::Borrowed(reading)
    };
    Some((base, reading, open + 1 + close + 1))
}

/// `<ruby>漢字<rt>かんじ</rt></ruby>` at `open` (any case, with optional
/// `<rp>` parentheses); one base and one reading.
fn ruby_tag(text: &str, open: usize) -> Option<(&str, Cow<'_, str>, usize)> {
    let rest = &text[open..];
    let window = &rest[..floor_char_boundary(rest, MAX_SPAN)];
    let lower = window.to_ascii_lowercase();
    if !lower.starts_with("<ruby>") {
        return None;
    }
    let end = lower.find("</ruby>")?;
    let rt = lower.find("<rt>").filter(|&rt| rt < end)?;
    let rt_end = lower[rt..].find("</rt>").map(|i| rt + i)?;
    let base = strip_rp(&window["<ruby>".len()..rt]);
    let reading = &window[rt + "<rt>".len()..rt_end];
    if base.is_empty() || reading.is_empty() || base.contains('<') || reading.contains('<') {
        return None;
    }
    Some((base, Cow::Borrowed(reading), open + end + "</ruby>".len()))
}

/// The base before a `<rp>(</rp>` that some writers put before `<rt>`.
fn strip_rp(base: &str) -> &str {
    match base.to_ascii_lowercase().find("<rp>") {
        Some(rp) => &base[..rp],
        None => base,
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn is_kana(c: char) -> bool {
    is_hiragana(c) || is_katakana(c)
}

/// True when `text` holds furigana. Most text has none of the characters
/// that open one, and is not looked at further.
pub fn has_furigana(text: &str) -> bool {
    // The openers are ASCII: one byte search (memchr) finds any of them
    // without decoding the (mostly Japanese) text character by character.
    memchr::memchr3(b'[', b'{', b'<', text.as_bytes()).is_some()
        && pieces(text).iter().any(|p| matches!(p, Piece::Ruby { .. }))
}

/// The text with its furigana as Anki's `furigana:` filter reads them
/// (` 漢字[かんじ]`), HTML-escaped; a `[` or `]` that is not furigana is
/// written as an entity, so that the filter leaves it alone (`arr[0]`).
pub fn to_anki_field(text: &str, escape: impl Fn(&str) -> Cow<'_, str>) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => {
                out.push_str(&escape(text).replace('[', "&#91;").replace(']', "&#93;"))
            }
            Piece::Ruby { base, reading } => {
                // The space tells the filter where the base starts; it
                // shows none.
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&escape(base));
                out.push('[');
                out.push_str(&escape(&reading).replace(']', "&#93;"));
                out.push(']');
            }
        }
    }
    out
}

/// The text with its furigana as `<ruby>` HTML, HTML-escaped.
pub fn to_html(text: &str, escape: impl Fn(&str) -> Cow<'_, str>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(&escape(text)),
            Piece::Ruby { base, reading } => {
                out.push_str("<ruby>");
                out.push_str(&escape(base));
                out.push_str("<rp>(</rp><rt>");
                out.push_str(&escape(&reading));
                out.push_str("</rt><rp>)</rp></ruby>");
            }
        }
    }
    out
}

/// The text as read, without its readings (`漢字を学ぶ`): for what shows no
/// ruby, such as a deck's or a tag's name.
pub fn base_text(text: &str) -> Cow<'_, str> {
    if !has_furigana(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        pieces(text)
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(text) => text,
                Piece::Ruby { base, .. } => base,
            })
            .collect(),
    )
}

/// What the search index reads: the text as read without its readings
/// (`漢字を学ぶ`), then the readings on a line of their own. Text with no
/// furigana is returned as it is.
pub fn searchable(text: &str) -> Cow<'_, str> {
    if !has_furigana(text) {
        return Cow::Borrowed(text);
    }
    let pieces = pieces(text);
    let mut bases = String::with_capacity(text.len());
    let mut readings = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => bases.push_str(text),
            Piece::Ruby { base, reading } => {
                bases.push_str(base);
                readings.push('\n');
                readings.push_str(&reading);
            }
        }
    }
    bases.push_str(&readings);
    Cow::Owned(bases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_of_furigana_are_escaped_only_in_a_back_with_a_table() {
        let table = "| 語 | 意味 |\n|---|:--:|\n| {漢字|かんじ} | {文|ぶん}\\|{字|じ} |\n";
        assert_eq!(
            escape_bars_in_tables(table),
            "| 語 | 意味 |\n|---|:--:|\n| {漢字\\|かんじ} | {文\\|ぶん}\\|{字\\|じ} |\n"
        );
        let no_table = "{漢字|かんじ} と a | b\n";
        assert!(matches!(escape_bars_in_tables(no_table), Cow::Borrowed(_)));
        assert!(!is_table_delimiter_row("- 項目"));
        assert!(!is_table_delimiter_row("---"));
        assert!(is_table_delimiter_row("--- | ---"));
    }

    /// What callers escape text with (the crate's `html::escape_html`,
    /// which this module leaves to them): enough of it for these tests.
    fn escape_html(text: &str) -> Cow<'_, str> {
        Cow::Owned(
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        )
    }

    fn ruby<'a>(base: &'a str, reading: &'a str) -> Piece<'a> {
        Piece::Ruby {
            base,
            reading: Cow::Borrowed(reading),
        }
    }

    #[test]
    fn finds_the_three_syntaxes() {
        assert_eq!(
            pieces("これは漢字[かんじ]です"),
            [
                Piece::Text("これは"),
                ruby("漢字", "かんじ"),
                Piece::Text("です")
            ]
        );
        assert_eq!(
            pieces("{漢字|かんじ}と{東京|とう|きょう}"),
            [
                ruby("漢字", "かんじ"),
                Piece::Text("と"),
                Piece::Ruby {
                    base: "東京",
                    reading: Cow::Owned("とうきょう".into())
                }
            ]
        );
        assert_eq!(
            pieces("<ruby>漢字<rp>(</rp><RT>かんじ</RT><rp>)</rp></ruby>!"),
            [ruby("漢字", "かんじ"), Piece::Text("!")]
        );
        // Anki's space before the base is not text.
        assert_eq!(
            pieces("私 日本[にほん]"),
            [Piece::Text("私"), ruby("日本", "にほん")]
        );
    }

    #[test]
    fn brackets_that_are_not_furigana_stay_text() {
        for text in [
            "arr[0]",
            "[注]",
            "項目[A]",
            "かな[かな]",
            "{a b}",
            "{|x}",
            "<ruby>x",
            "漢字[かんじ",
        ] {
            assert_eq!(pieces(text), [Piece::Text(text)], "{text}");
        }
    }

    #[test]
    fn renders_for_anki_html_and_search() {
        let text = "a[0] と 漢字[かんじ]<b>";
        assert_eq!(
            to_anki_field(text, escape_html),
            "a&#91;0&#93; と 漢字[かんじ]&lt;b&gt;"
        );
        assert_eq!(
            to_anki_field("{漢字|かんじ}を", escape_html),
            "漢字[かんじ]を"
        );
        assert_eq!(
            to_html("{漢字|かんじ}を", escape_html),
            "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>を"
        );
        assert_eq!(searchable("漢字[かんじ]を学ぶ"), "漢字を学ぶ\nかんじ");
        assert!(matches!(searchable("arr[0]"), Cow::Borrowed("arr[0]")));
    }
}
