//! How large what notedeck reads and makes may grow (a note, its settings,
//! a media file, each field of a card), and cutting text to it.
//!
//! A card's back holds its whole subtree (cut at `extract::MAX_BACK` bytes of
//! Markdown), and every card carries the headings and fronts above it. Without
//! these limits a pathological note (thousands of nesting levels, a heading
//! of megabytes over thousands of cards) makes output and memory grow with
//! the square of its size; with them they stay linear in it.

/// The longest plain-text back, in bytes. Plain text is no longer than its
/// Markdown for ordinary notes; deep nesting (indentation) is what it stops.
pub const MAX_PLAIN: usize = 4 << 20;

/// The longest HTML back, in bytes: twice the longest Markdown back, since
/// HTML adds tags to it. Past it the HTML is cut between two elements, the
/// open ones are closed, and `…` marks the cut.
pub const MAX_HTML: usize = 8 << 20;

/// The longest level of a card's context (a heading or an ancestor's front)
/// and the longest tag, in bytes: every card below carries them.
pub const MAX_CONTEXT_PART: usize = 1 << 10;

/// The largest note file read, in bytes: hundreds of times a long note.
/// Past it a note is refused, naming the limit, rather than read into
/// memory whole (a file of gigabytes in a folder cloned from a stranger).
pub const MAX_NOTE_BYTES: u64 = 16 << 20;

/// The largest `notedeck.toml` read, in bytes: settings are a few lines.
pub const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// The most separators, and the most labels, `[extract]` of a
/// `notedeck.toml` may add: each is looked for in every head, and a cloned
/// folder's settings must not make extraction crawl.
pub const MAX_AUTHOR_WORDS: usize = 100;

/// The longest separator or label of `[extract]`, in bytes.
pub const MAX_AUTHOR_WORD_BYTES: usize = 64;

/// A limit in bytes as a message names it: `16 MiB`.
pub fn mebibytes(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

/// `text` cut to at most `limit` bytes (at a character boundary, `…`
/// included), or as it is when it fits.
pub fn cut(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut at = limit.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.truncate(at);
    text.truncate(text.trim_end().len());
    text.push('…');
    text
}

/// The largest media file taken into a package: Anki's own limit
/// (`MAX_INDIVIDUAL_MEDIA_FILE_SIZE`), past which its media sync refuses a
/// file, so a larger one could never reach the user's other devices.
pub const MAX_MEDIA_BYTES: u64 = 100 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_text_and_cuts_long_text_at_a_char_boundary() {
        assert_eq!(cut("見出し".into(), 9), "見出し");
        let cut_text = cut("見出し".into(), 8);
        assert_eq!(cut_text, "見…");
        assert!(cut_text.len() <= 8);
    }
}
