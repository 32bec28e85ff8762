//! Search tokens: how text is cut into the terms the full-text index stores
//! and queries look up (DESIGN.md, "Index and search").
//!
//! Text is folded (NFKC, lower case) and its spellings folded
//! (`spelling`: `サーバー` and `サーバ`, `髙橋` and `高橋`), then split into segments: words of
//! letters and digits, and runs of kana and kanji. A word is one token. A run
//! becomes its overlapping bigrams plus its last character, as Groonga's
//! TokenBigram and Lucene's CJK bigram filter do: `監視する` → `監視 視す する る`.
//! So any two adjacent characters are a token, and any single character starts
//! one (which a one-character prefix query relies on).

use std::ops::Range;

use unicode_normalization::char::compose;

use super::fold;
use super::spelling::{self, End};

/// The version of the tokens: bump it with any change to how text is cut
/// or folded. The next build of an index whose tokens another version
/// made makes every card's tokens again (`index::Writer::reindex`).
pub const VERSION: u32 = 2;

/// Text folded as the index stores it: NFKC, lower case, one spelling.
fn searched_form(text: &str, end: End) -> String {
    spelling::unify_string(fold(text), end)
}

/// What a folded character is to the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Kana, kanji, the prolonged sound mark and iteration marks: cut into bigrams.
    Cjk,
    /// Letters and digits of other scripts: part of a word.
    Word,
    /// Spaces and punctuation: between tokens.
    Separator,
}

fn class(c: char) -> Class {
    match c {
        // The katakana middle dot separates words (`ロード・バランサー`).
        '・' => Class::Separator,
        '\u{3005}'..='\u{3007}'         // 々 〆 〇
        | '\u{3040}'..='\u{30ff}'       // hiragana, katakana, ー
        | '\u{31f0}'..='\u{31ff}'       // katakana phonetic extensions
        | '\u{3400}'..='\u{4dbf}'       // CJK extension A
        | '\u{4e00}'..='\u{9fff}'       // CJK unified ideographs
        | '\u{ac00}'..='\u{d7af}'       // hangul syllables
        | '\u{f900}'..='\u{faff}'       // CJK compatibility ideographs
        | '\u{20000}'..='\u{3134f}' => Class::Cjk, // extensions B and later
        c if c.is_alphanumeric() => Class::Word,
        _ => Class::Separator,
    }
}

/// A maximal piece of folded text of one class (never a separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment<'a> {
    text: &'a str,
    cjk: bool,
}

fn segments(folded: &str) -> impl Iterator<Item = Segment<'_>> {
    let mut rest = folded;
    std::iter::from_fn(move || {
        let start = rest.find(|c| class(c) != Class::Separator)?;
        rest = &rest[start..];
        let first = class(rest.chars().next()?);
        let end = rest.find(|c| class(c) != first).unwrap_or(rest.len());
        let segment = Segment {
            text: &rest[..end],
            cjk: first == Class::Cjk,
        };
        rest = &rest[end..];
        Some(segment)
    })
}

/// Appends the tokens of one segment. `last_char` says whether a run of two
/// or more characters also yields its last character alone.
fn push_segment_tokens(segment: Segment, last_char: bool, tokens: &mut Vec<String>) {
    if !segment.cjk {
        tokens.push(segment.text.to_string());
        return;
    }
    let chars: Vec<char> = segment.text.chars().collect();
    tokens.extend(chars.windows(2).map(|pair| pair.iter().collect()));
    if last_char || chars.len() == 1 {
        tokens.push(chars[chars.len() - 1].to_string());
    }
}

/// The tokens of a text to index, space-separated as the FTS5 columns store them.
/// Furigana are indexed as the base text read through and the readings
/// apart (`furigana::searchable`): `漢字[かんじ]を` is found by `漢字を` and
/// by `かんじ`.
pub fn index_text(text: &str) -> String {
    let mut tokens = String::new();
    index_text_into(text, &mut tokens);
    tokens
}

/// `index_text` written into `out`, replacing what it held: the tokens are
/// slices of the folded text copied into one buffer, which a caller reuses,
/// rather than a string each (a build makes tens of millions of them).
pub fn index_text_into(text: &str, out: &mut String) {
    out.clear();
    let folded = searched_form(&super::furigana::searchable(text), End::Closed);
    let mut push = |token: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    };
    for segment in segments(&folded) {
        if !segment.cjk {
            push(segment.text);
            continue;
        }
        // Overlapping bigrams, then the last character alone.
        let text = segment.text;
        let next = |at: usize| at + text[at..].chars().next().map_or(0, char::len_utf8);
        let (mut start, mut middle) = (0, next(0));
        while middle < text.len() {
            let end = next(middle);
            push(&text[start..end]);
            (start, middle) = (middle, end);
        }
        push(&text[start..]);
    }
}
/// One query word or quoted phrase, as a phrase of index tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub tokens: Vec<String>,
    /// The last token matches any token it starts.
    pub prefix: bool,
}

/// The phrase a query word or quoted phrase looks up; `None` when it holds no
/// letters, digits, kana or kanji.
///
/// It is tokenized as indexed text is, except at its end: the text found may
/// go on after it (`監視` inside `監視する`), so a final run of two or more
/// characters yields only its bigrams, and a final run of one character, or a
/// query of one character, becomes a prefix (`監` finds `監視`).
pub fn query_phrase(text: &str) -> Option<Phrase> {
    let folded = searched_form(text, End::Open);
    let all: Vec<Segment> = segments(&folded).collect();
    let (last, before) = all.split_last()?;
    let mut tokens = Vec::new();
    for &segment in before {
        push_segment_tokens(segment, true, &mut tokens);
    }
    push_segment_tokens(*last, false, &mut tokens);
    let one_char = |s: &str| s.chars().count() == 1;
    let prefix = one_char(last.text) && (last.cjk || all.len() == 1);
    Some(Phrase { tokens, prefix })
}

/// The pieces of a query that a reader sees matched in a card: its words and
/// runs of kana and kanji, folded. Snippets highlight these.
pub fn highlight_terms(text: &str) -> Vec<String> {
    segments(&searched_form(text, End::Open))
        .map(|s| s.text.to_string())
        .collect()
}

/// Text folded for matching, remembering where each folded character came
/// from, so that matches found in the folded form can be shown in the
/// original script and spelling (`ｼｽﾃﾑ` matched as `システム`, `髙橋` as
/// `高橋`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedText {
    pub folded: String,
    /// For each byte of `folded`, the byte range in the original it came from.
    origins: Vec<Range<usize>>,
}

impl FoldedText {
    pub fn new(original: &str) -> Self {
        let mut folded = String::with_capacity(original.len());
        let mut origins: Vec<Range<usize>> = Vec::with_capacity(original.len());
        for (start, c) in original.char_indices() {
            let range = start..start + c.len_utf8();
            let mut buf = [0; 4];
            for f in fold(c.encode_utf8(&mut buf)).chars() {
                // A half-width sound mark (`ｶﾞ`) folds to a combining mark
                // that belongs to the character before it, as NFKC of the
                // whole text composes it.
                if let Some(composed) = folded.chars().next_back().and_then(|p| compose(p, f)) {
                    let prev_start =
                        folded.len() - folded.chars().next_back().map_or(0, char::len_utf8);
                    let whole = origins[prev_start].start..range.end;
                    folded.truncate(prev_start);
                    origins.truncate(prev_start);
                    folded.push(composed);
                    origins.extend(std::iter::repeat_n(whole, composed.len_utf8()));
                } else {
                    folded.push(f);
                    origins.extend(std::iter::repeat_n(range.clone(), f.len_utf8()));
                }
            }
        }
        // Then its spelling, each character of that still pointing into
        // the original.
        let mut unified = String::with_capacity(folded.len());
        let mut unified_origins = Vec::with_capacity(origins.len());
        spelling::unify_with(&folded, End::Closed, |c, from| {
            let origin = origins[from.start].start..origins[from.end - 1].end;
            unified.push(c);
            unified_origins.extend(std::iter::repeat_n(origin, c.len_utf8()));
        });
        FoldedText {
            folded: unified,
            origins: unified_origins,
        }
    }

    /// The byte ranges of the original text where any of `terms` (folded)
    /// occur, sorted, overlapping ones merged.
    pub fn matches(&self, terms: &[String]) -> Vec<Range<usize>> {
        let mut found: Vec<Range<usize>> = terms
            .iter()
            .filter(|term| !term.is_empty())
            .flat_map(|term| {
                self.folded
                    .match_indices(term.as_str())
                    .map(|(at, m)| self.origins[at].start..self.origins[at + m.len() - 1].end)
            })
            .collect();
        found.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(found.len());
        for range in found {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(text: &str) -> (Vec<&'static str>, bool) {
        let p = query_phrase(text).expect("a phrase");
        let tokens = p.tokens.into_iter().map(|t| &*t.leak()).collect();
        (tokens, p.prefix)
    }

    #[test]
    fn runs_of_kana_and_kanji_become_bigrams_and_their_last_character() {
        // Hiragana is indexed as katakana (`spelling`).
        assert_eq!(index_text("監視する"), "監視 視ス スル ル");
        assert_eq!(index_text("監"), "監");
        assert_eq!(
            index_text("デッドレターキュー"),
            "デッ ッド ドレ レタ ター ーキ キュ ュー ー"
        );
    }

    #[test]
    fn latin_words_are_whole_tokens_folded_to_lower_case() {
        assert_eq!(index_text("AWS Systems Manager"), "aws systems manager");
        assert_eq!(
            index_text("cfn-signal スクリプト"),
            "cfn signal スク クリ リプ プト トー ー"
        );
        assert_eq!(index_text("ポート 443 で"), "ポー ート トー ー 443 デ");
    }

    #[test]
    fn width_variants_fold_alike() {
        assert_eq!(index_text("ＤＬＱ"), index_text("dlq"));
        assert_eq!(index_text("ｼｽﾃﾑ"), index_text("システム"));
        assert_eq!(index_text("ｶﾞｲﾄﾞ"), "ガイ イド ドー ー");
    }

    #[test]
    fn scripts_and_punctuation_split_runs() {
        assert_eq!(
            index_text("EC2インスタンス"),
            "ec2 イン ンス スタ タン ンス スー ー"
        );
        assert_eq!(index_text("設定（必須）、"), "設定 定 必須 須");
        assert_eq!(
            index_text("ロード・バランサー"),
            "ロー ード ドー ー バラ ラン ンサ サー ー"
        );
        assert_eq!(index_text("  、。"), "");
    }

    #[test]
    fn index_tokens_are_those_of_the_query_tokenizer() {
        // `push_segment_tokens` is what queries are cut with: the index
        // must hold exactly the tokens it makes of the same text.
        for text in [
            "監視する",
            "監",
            "EC2インスタンスを監視するための設定です",
            "ｶﾞｲﾄﾞ ＤＬＱ 𠮷野家の々と〆",
            "漢字[かんじ]を読む",
            "  、。",
            "a・b c",
        ] {
            let mut tokens = Vec::new();
            let folded = searched_form(&crate::japanese::furigana::searchable(text), End::Closed);
            for segment in segments(&folded) {
                push_segment_tokens(segment, true, &mut tokens);
            }
            assert_eq!(index_text(text), tokens.join(" "), "{text}");
        }
        let mut buffer = String::from("前の内容");
        index_text_into("監視", &mut buffer);
        assert_eq!(buffer, "監視 視");
    }

    #[test]
    fn a_query_run_at_the_end_may_continue_in_the_text() {
        assert_eq!(phrase("監視"), (vec!["監視"], false));
        assert_eq!(phrase("キュー"), (vec!["キュ", "ュー"], false));
        // A run followed by a word ends where the word begins: keep its last character.
        assert_eq!(
            phrase("ポート443"),
            (vec!["ポー", "ート", "トー", "ー", "443"], false)
        );
    }

    #[test]
    fn one_character_queries_are_prefixes() {
        assert_eq!(phrase("監"), (vec!["監"], true));
        assert_eq!(phrase("a"), (vec!["a"], true));
        assert_eq!(phrase("EC2の"), (vec!["ec2", "ノ"], true));
        assert_eq!(phrase("ec2"), (vec!["ec2"], false));
    }

    #[test]
    fn query_tokens_are_found_among_the_tokens_of_text_containing_them() {
        let text = index_text("ターゲット EC2 インスタンスを監視するための設定です");
        let tokens: Vec<&str> = text.split(' ').collect();
        for query in ["監視", "インスタンス", "設定", "ための", "監視する"] {
            let p = query_phrase(query).unwrap();
            assert!(
                tokens
                    .windows(p.tokens.len())
                    .any(|w| w == p.tokens.as_slice()),
                "{query}: {:?} not in {tokens:?}",
                p.tokens
            );
        }
    }

    #[test]
    fn a_query_without_words_is_nothing() {
        assert_eq!(query_phrase("・、。 -"), None);
        assert_eq!(
            highlight_terms("Systems Manager の監視"),
            ["systems", "manager", "ノ監視"]
        );
    }

    #[test]
    fn matches_are_shown_in_the_original_script() {
        let text = FoldedText::new("ｼｽﾃﾑ と ＤＬＱ のガイド");
        let shown: Vec<&str> = text
            .matches(&["システム".into(), "dlq".into()])
            .into_iter()
            .map(|r| &"ｼｽﾃﾑ と ＤＬＱ のガイド"[r])
            .collect();
        assert_eq!(shown, ["ｼｽﾃﾑ", "ＤＬＱ"]);
        let voiced = "ｶﾞｲﾄﾞを読む";
        let ranges = FoldedText::new(voiced).matches(&["ガイド".into()]);
        assert_eq!(
            ranges
                .iter()
                .map(|r| &voiced[r.clone()])
                .collect::<Vec<_>>(),
            ["ｶﾞｲﾄﾞ"]
        );
    }

    #[test]
    fn overlapping_matches_merge() {
        let text = FoldedText::new("デッドレターキュー");
        let ranges = text.matches(&["デッドレター".into(), "レターキュー".into()]);
        assert_eq!(ranges, vec![0..27]);
    }
}
