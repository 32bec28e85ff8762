//! Japanese text handling that every stage shares: folding (of width and
//! case here, of spelling in `spelling`), script classes,
//! separators, labels, term-likeness, search tokens and display width.
//! It knows nothing of Markdown, SQLite or Anki.

pub mod author;
pub mod case;
pub mod course;
pub mod furigana;
pub mod naming;
pub mod phrase;
pub mod script;
pub mod separator;
pub mod spelling;
pub mod step;
pub mod tokens;
pub mod width;
mod words;

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The form used for matching and identity: NFKC, lower case.
/// (`ＤＬＱ` and `dlq`, `ｼｽﾃﾑ` and `システム` fold alike.)
pub fn fold(text: &str) -> String {
    // Most text is NFKC already; normalizing it anyway is the costly part.
    // Runs of characters NFKC leaves alone are copied (ASCII lowered), and
    // only the pieces around the others are normalized: the text can be cut
    // before any such character, since it composes with nothing before it.
    let mut folded = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let unstable = stable_prefix(rest);
        // The character before an unstable one may compose with it
        // (`か` and a combining `゙`): it is normalized with it.
        let copied = match rest[..unstable].char_indices().next_back() {
            Some((last, _)) if unstable < rest.len() => last,
            _ => unstable,
        };
        let start = folded.len();
        folded.push_str(&rest[..copied]);
        folded[start..].make_ascii_lowercase();
        rest = &rest[copied..];
        let after = unstable - copied;
        let end = rest
            .get(after..)
            .and_then(|tail| tail.find(is_nfkc_stable))
            .map_or(rest.len(), |at| after + at);
        let piece = &rest[..end];
        push_folded_piece(&mut folded, piece, after);
        rest = &rest[end..];
    }
    folded
}

/// Appends `piece` (its first `stable` bytes a character NFKC leaves
/// alone, or none) folded. Japanese text writes brackets, colons and
/// digits full width (`（`, `：`, `１`): NFKC makes each its ASCII
/// twin, one for one, and that twin composes with nothing, so a piece of
/// them alone is folded without the normalizer.
fn push_folded_piece(folded: &mut String, piece: &str, stable: usize) {
    let (first, rest) = piece.split_at(stable);
    if rest.chars().all(|c| full_width_ascii(c).is_some()) {
        first.chars().for_each(|c| push_lower(folded, c));
        let ascii = rest.chars().filter_map(full_width_ascii);
        folded.extend(ascii.map(|b| char::from(b.to_ascii_lowercase())));
    } else if is_nfkc_quick(piece.chars()) == IsNormalized::Yes {
        piece.chars().for_each(|c| push_lower(folded, c));
    } else {
        piece.nfkc().for_each(|c| push_lower(folded, c));
    }
}

/// The ASCII character NFKC makes of a full-width form (U+FF01 to
/// U+FF5E) or the ideographic space.
fn full_width_ascii(c: char) -> Option<u8> {
    match c {
        '\u{ff01}'..='\u{ff5e}' => u8::try_from(u32::from(c) - 0xfee0).ok(),
        '\u{3000}' => Some(b' '),
        _ => None,
    }
}

/// `fold(text)`, borrowing `text` when it is folded already (no capitals,
/// only characters NFKC leaves alone): most labels, fronts and headings of
/// a Japanese note, checked without allocating. Text that only has
/// capitals to lower is lowered without normalizing.
pub fn folded(text: &str) -> Cow<'_, str> {
    if stable_prefix(text) < text.len() {
        Cow::Owned(fold(text))
    } else if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// `folded(text)` to `out`, in pieces: text that only has ASCII capitals
/// to lower (`AWS Lambda`) is lowered through a small buffer, not copied
/// whole. For hashing, where the pieces add up to the same digest.
pub fn fold_in_pieces(text: &str, mut out: impl FnMut(&[u8])) {
    if stable_prefix(text) < text.len() {
        return out(fold(text).as_bytes());
    }
    let mut buffer = [0u8; 64];
    for chunk in text.as_bytes().chunks(buffer.len()) {
        let lowered = &mut buffer[..chunk.len()];
        lowered.copy_from_slice(chunk);
        lowered.make_ascii_lowercase();
        out(lowered);
    }
}

/// `str::trim_matches(script::is_space)`, told from the bytes at the ends
/// of the text when neither is white space (most text: a search of the
/// whitespace tables for each end's character is passed over).
pub trait TrimSpaces {
    fn trim_spaces(&self) -> &str;
}

impl TrimSpaces for str {
    fn trim_spaces(&self) -> &str {
        let bytes = self.as_bytes();
        if starts_with_space(bytes) || ends_with_space(bytes) {
            self.trim_matches(script::is_space)
        } else {
            self
        }
    }
}

/// Whether `bytes` (of a text) start with white space (`script::is_space`):
/// ASCII, U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029,
/// U+202F, U+205F or U+3000.
fn starts_with_space(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [b'\t'..=b'\r' | b' ', ..]
            | [0xc2, 0x85 | 0xa0, ..]
            | [0xe1, 0x9a, 0x80, ..]
            | [0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf, ..]
            | [0xe2, 0x81, 0x9f, ..]
            | [0xe3, 0x80, 0x80, ..]
    )
}

/// Whether `bytes` (of a text) end with white space (`starts_with_space`).
fn ends_with_space(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [.., b'\t'..=b'\r' | b' ']
            | [.., 0xc2, 0x85 | 0xa0]
            | [.., 0xe1, 0x9a, 0x80]
            | [.., 0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf]
            | [.., 0xe2, 0x81, 0x9f]
            | [.., 0xe3, 0x80, 0x80]
    )
}

/// The byte offsets of `c` in `text`, in order (or backwards), as
/// `str::match_indices` (`rmatch_indices`) finds them, but by memchr's SIMD search for the last byte of `c` (the
/// standard library's search goes a word at a time): the rules look for
/// `は`, `と` and `が` in every head.
pub fn char_offsets(text: &str, c: char) -> impl DoubleEndedIterator<Item = usize> + '_ {
    let mut needle = [0u8; 4];
    let len = c.encode_utf8(&mut needle).len();
    let bytes = text.as_bytes();
    // UTF-8 is self-synchronizing: where the bytes of `c` stand, `c` does.
    memchr::memchr_iter(needle[len - 1], bytes).filter_map(move |last| {
        let start = (last + 1).checked_sub(len)?;
        (bytes[start..=last] == needle[..len]).then_some(start)
    })
}

/// `text` in NFC, as Linux and Windows write file names and editors write
/// text, where macOS writes names decomposed (`ざ` as `さ` and U+3099): a
/// note then makes the same decks, GUIDs and text wherever it was saved.
/// Borrowed when it is NFC already, which is checked fast for kana, kanji
/// and ASCII.
///
/// CJK compatibility ideographs stay as written: NFC would make each its
/// unified twin (`神` U+FA19 becomes U+795E), a glyph the writer chose (of
/// a name, mostly), and no file system decomposes them.
pub fn compose(text: &str) -> Cow<'_, str> {
    let rest = &text[stable_prefix(text)..];
    if rest.is_empty() || is_nfc_quick(rest.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    let mut composed = String::with_capacity(text.len());
    // A compatibility ideograph composes with nothing: the text is cut after each.
    for piece in text.split_inclusive(is_compatibility_ideograph) {
        let kept = piece
            .chars()
            .next_back()
            .filter(|&c| is_compatibility_ideograph(c));
        let body = &piece[..piece.len() - kept.map_or(0, char::len_utf8)];
        composed.extend(body.nfc());
        composed.extend(kept);
    }
    Cow::Owned(composed)
}

/// `compose(&text)` as a `String`, `text` itself when it is NFC already.
pub fn compose_string(text: String) -> String {
    if let Cow::Owned(composed) = compose(&text) {
        return composed;
    }
    text
}

fn is_compatibility_ideograph(c: char) -> bool {
    matches!(c, '\u{f900}'..='\u{faff}' | '\u{2f800}'..='\u{2fa1f}')
}

/// The length of the run of characters at the start of `text` that NFKC
/// leaves alone (`is_nfkc_stable`): ASCII passed over byte by byte, and a
/// character of three bytes (kana, kanji, Japanese punctuation: the common
/// case) decoded from its bytes and told by ranges, without slicing `text`
/// or a jump on its bytes (which mispredicts on mixed text). No character
/// of two or four bytes is stable.
fn stable_prefix(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&lead) = bytes.get(at) {
        if lead.is_ascii() {
            at += 1;
            continue;
        }
        let stable = match bytes[at..] {
            [lead @ 0xe0..=0xef, second, third, ..] => is_stable_in_three_bytes(
                (u32::from(lead & 0x0f) << 12)
                    | (u32::from(second & 0x3f) << 6)
                    | u32::from(third & 0x3f),
            ),
            _ => false,
        };
        if !stable {
            break;
        }
        at += 3;
    }
    at
}

/// `is_nfkc_stable` of a character of three bytes, by its code point: the
/// common kanji, or one of U+3000 to U+30FF that a bit of `STABLE_IN_3000`
/// marks.
fn is_stable_in_three_bytes(code: u32) -> bool {
    if (0x4e00..=0x9fff).contains(&code) {
        return true;
    }
    let offset = code.wrapping_sub(0x3000);
    offset < 0x100 && STABLE_IN_3000[(offset / 64) as usize] & (1 << (offset % 64)) != 0
}

/// The characters of U+3000 to U+30FF that `is_nfkc_stable` accepts, a bit
/// each (bit `n % 64` of word `n / 64` for U+3000 + n).
const STABLE_IN_3000: [u64; 4] = {
    let mut bits = [0u64; 4];
    let mut offset = 0;
    while offset < 0x100 {
        let c = char::from_u32(0x3000 + offset).expect("U+3000 to U+30FF are characters");
        if is_nfkc_stable(c) {
            bits[(offset / 64) as usize] |= 1 << (offset % 64);
        }
        offset += 1;
    }
    bits
};

/// Characters that NFKC leaves as they are and that compose with nothing:
/// ASCII, kana, common kanji and Japanese punctuation, most of any note.
/// (Full-width forms, half-width kana and the ideographic space are not.)
const fn is_nfkc_stable(c: char) -> bool {
    matches!(c,
        '\0'..='\u{7f}' | '\u{3001}'..='\u{3002}' | '\u{3005}'..='\u{3007}' | '\u{300c}'..='\u{3011}'
        | '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{30fc}' | '\u{4e00}'..='\u{9fff}')
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if script::is_japanese(c) {
        // Kana and kanji have no case: skip the case tables.
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composing_joins_what_macos_decomposed_and_keeps_compatibility_ideographs() {
        assert_eq!(compose("\u{3055}\u{3099}っき"), "ざっき");
        assert!(matches!(compose("ざっき.md"), Cow::Borrowed(_)));
        assert!(matches!(compose("Café déjà"), Cow::Borrowed(_)));
        assert_eq!(compose("Cafe\u{301}"), "Café");
        // U+FA19 and U+2F800 stay themselves around marks that compose.
        assert_eq!(
            compose("\u{fa19}か\u{3099}\u{2f800}\u{3099}"),
            "\u{fa19}が\u{2f800}\u{3099}"
        );
    }

    #[test]
    fn the_stable_prefix_of_a_character_is_whether_it_is_stable() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("{c}");
            let stable = if is_nfkc_stable(c) { text.len() } else { 0 };
            assert_eq!(stable_prefix(&text), stable, "{c:?}");
        }
    }

    #[test]
    fn the_stable_prefix_is_where_the_first_unstable_character_stands() {
        let alphabet = [
            "a",
            "Amazon EC2 ",
            "インスタンス",
            "漢",
            "、",
            "ＤＬ",
            "\u{3000}",
            "\u{3099}",
            "é",
            "①",
            "abcdefghijklmnopq",
            "㐀",
            "\u{1f600}",
        ];
        for text in crate::random_text::texts(&alphabet, 16, 17, 20_000) {
            let by_chars = text
                .char_indices()
                .find(|&(_, c)| !is_nfkc_stable(c))
                .map_or(text.len(), |(at, _)| at);
            assert_eq!(stable_prefix(&text), by_chars, "{text:?}");
        }
    }

    #[test]
    fn spaces_are_trimmed_as_trim_matches_trims_them() {
        for c in (0..=0x3100)
            .chain([0xfeff, 0xff1a, 0x1f600])
            .filter_map(char::from_u32)
        {
            for text in [
                format!("{c}"),
                format!("{c}語{c}"),
                format!("a{c}"),
                format!("{c}b"),
            ] {
                assert_eq!(
                    text.trim_spaces(),
                    text.trim_matches(script::is_space),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn chars_are_found_where_match_indices_finds_them() {
        let texts = [
            "",
            "は",
            "とはと",
            "xとyとz",
            "ぱは\u{306f}",
            "a\u{3068}\u{3099}と",
            "とと",
        ];
        for text in texts {
            for c in ['は', 'と', 'が', 'x', '\u{3099}'] {
                let expected: Vec<usize> = text.match_indices(c).map(|(at, _)| at).collect();
                assert_eq!(
                    char_offsets(text, c).collect::<Vec<_>>(),
                    expected,
                    "{text:?} {c:?}"
                );
                let backwards: Vec<usize> = text.rmatch_indices(c).map(|(at, _)| at).collect();
                assert_eq!(char_offsets(text, c).rev().collect::<Vec<_>>(), backwards);
            }
        }
    }

    #[test]
    fn folding_joins_widths_and_cases() {
        assert_eq!(fold("ＤＬＱ"), "dlq");
        assert_eq!(fold("ｼｽﾃﾑ"), "システム");
        assert_eq!(fold("（SSM）"), "(ssm)");
        assert_eq!(fold("AWS の設定、「監視」"), "aws の設定、「監視」");
        assert_eq!(
            fold("\u{30ab}\u{3099}"),
            "\u{30ac}",
            "a decomposed voiced kana composes"
        );
        assert_eq!(fold("　"), " ");
    }

    /// Folding as defined: the whole text normalized, then lowered.
    fn folded_whole(text: &str) -> String {
        let mut out = String::new();
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            text.chars().for_each(|c| push_lower(&mut out, c));
        } else {
            text.nfkc().for_each(|c| push_lower(&mut out, c));
        }
        out
    }

    #[test]
    fn folding_piece_by_piece_is_folding_the_whole() {
        // Stable characters, characters NFKC changes, and marks that
        // compose with the character before them.
        let alphabet = [
            "a", "Z", " ", "か", "カ", "漢", "、", "「", "ＤＬ", "（", "）", "：", "ｶ", "ﾞ",
            "\u{3099}", "\u{309a}", "e", "\u{301}", "\u{327}", "É", "①", "\u{3000}", "ㄱ",
            "\u{1161}", "\u{1100}", "ﬁ", "Å", "\u{30fb}", "１", "！", "～", "Ｚ", "｟",
        ];
        for c in ('\u{ff00}'..='\u{ff60}').chain(['\u{3000}']) {
            for text in [format!("{c}"), format!("a{c}b"), format!("か{c}\u{3099}")] {
                assert_eq!(fold(&text), folded_whole(&text), "{text:?}");
            }
        }
        for text in crate::random_text::texts(&alphabet, 16, 11, 20_000) {
            assert_eq!(fold(&text), folded_whole(&text), "{text:?}");
            assert_eq!(folded(&text), folded_whole(&text), "{text:?}");
            let mut pieces = Vec::new();
            fold_in_pieces(&text.repeat(9), |piece| pieces.extend_from_slice(piece));
            assert_eq!(pieces, folded_whole(&text.repeat(9)).as_bytes(), "{text:?}");
        }
    }
}
