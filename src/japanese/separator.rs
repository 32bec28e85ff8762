//! The separator between a term and its definition, the first of these
//! that is not inside brackets, quotes, a URL, JSON, a word or a value:
//!
//! - `:` or `：`, spaced or not;
//! - with a space on each side: ` = `, ` -> `, ` => `, and the dashes
//!   ` - `, ` – `, ` — ` (a dash may follow the bracket of a reading);
//! - spaced or not, as Japanese notes write them: `→`, `⇒`, `－`, and `—`
//!   after Japanese text (`用語—説明`);
//! - spaced or not, with the definition after it on its line: `・・・`
//!   and `…` (`用語・・・説明`, `用語…説明`);
//! - `｜`;
//! - the space before the numbered senses of a dictionary entry.

use std::ops::Range;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::script::{is_close_bracket, is_japanese, is_katakana, is_open_bracket, is_space};

/// The byte range of the first separator in `text`, with the spaces around it.
///
/// `text` is plain text; the caller masks what Markdown puts out of reach
/// (inline code, links) before asking.
pub fn find(text: &str) -> Option<Range<usize>> {
    super::author::first_separator(text, find_built_in(text))
}

/// `find` of the built-in separators alone.
fn find_built_in(text: &str) -> Option<Range<usize>> {
    // Every separator has one of these bytes: `:`, `-`, `=`, the first
    // byte of `→`, `⇒`, `–`, `—`, `…`, `①`, `⑴` (0xe2) and of `：`, `｜`,
    // `－`, `（` (0xef), or `(` (senses); or is `・・・`. A sentence with
    // none is told by a SIMD search.
    let bytes = text.as_bytes();
    if memchr::memchr3(b':', b'-', b'=', bytes).is_none()
        && memchr::memchr3(b'(', 0xe2, 0xef, bytes).is_none()
        && DOTS_FINDER.find(bytes).is_none()
    {
        return None;
    }
    first_separator(text)
}

/// `find`, character by character, passing over at once what can't matter.
fn first_separator(text: &str) -> Option<Range<usize>> {
    scan(text, passed_over)
}

/// `find`, character by character; `skip(bytes, at)` is how many bytes at
/// `at` may be passed over unlooked at (0: look at the character there).
fn scan(text: &str, skip: impl Fn(&[u8], usize) -> usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_ascii_quote = false;
    let mut in_curly_quote = false;
    let mut at = 0;
    while at < bytes.len() {
        let step = skip(bytes, at);
        if step > 0 {
            at += step;
            continue;
        }
        let c = text[at..].chars().next().expect("a character boundary");
        match c {
            '"' => in_ascii_quote = !in_ascii_quote,
            '“' => in_curly_quote = true,
            '”' => in_curly_quote = false,
            c if is_open_bracket(c) => depth += 1,
            c if is_close_bracket(c) => depth = depth.saturating_sub(1),
            _ if depth > 0 || in_ascii_quote || in_curly_quote || !may_separate(c) => {}
            _ => {
                // A separator needs a term before it.
                let found = separator_at(text, at, c)
                    .filter(|_| !text[..at].trim_matches(is_space).is_empty());
                if let Some(len) = found {
                    return Some(widen_over_spaces(text, at..at + len));
                }
            }
        }
        at += c.len_utf8();
    }
    None
}

/// The length of the character at `at` if it is never a separator,
/// bracket or quote, else 0. Kana and kanji (U+3040 to U+9FFF), most of a
/// Japanese note, and most of ASCII are told by their first byte (a second
/// byte 0x80 after 0xe3 is the punctuation of U+3000 to U+303F); `・`
/// (U+30FB) is the one katakana-block character that may separate, as
/// `・・・`. An ASCII space separates only after a close bracket (before
/// numbered senses), so one after another ASCII character is passed over.
fn passed_over(bytes: &[u8], at: usize) -> usize {
    let byte = bytes[at];
    match PASSED_OVER[usize::from(byte)] {
        0 if byte == b' ' => {
            let after_plain_ascii =
                at > 0 && bytes[at - 1].is_ascii() && !matches!(bytes[at - 1], b')' | b']' | b'}');
            usize::from(after_plain_ascii)
        }
        3 if byte == 0xe3
            && (bytes[at + 1] == 0x80 || (bytes[at + 1] == 0x83 && bytes[at + 2] == 0xbb)) =>
        {
            0
        }
        step => usize::from(step),
    }
}

/// For the first byte of a character that is never a separator, bracket
/// or quote, its length: ASCII but for quotes, brackets, `:`, `-`, `=` and
/// the space; the characters of two bytes (U+0080 to U+07FF) and of four;
/// and those of three but for U+2000 to U+2FFF (dashes, arrows, `…`, `“`)
/// and U+F000 to U+FFFF (the full-width forms). `passed_over` tells
/// U+3000 to U+303F and the space apart.
const PASSED_OVER: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'"' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b':' | b'-' | b'=' | b' ' => 0,
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe2 | 0xef => 0,
            0xe0..=0xee => 3,
            0xf0..=0xf4 => 4,
            _ => 0,
        };
        byte += 1;
    }
    table
};

/// Whether `c` may begin a separator: most characters cannot, and are
/// passed over without a closer look.
fn may_separate(c: char) -> bool {
    matches!(
        c,
        ':' | '：'
            | '｜'
            | '-'
            | '='
            | '→'
            | '⇒'
            | '－'
            | '–'
            | '—'
            | '…'
            | '・'
            | ' '
            | '\u{3000}'
    )
}

/// `用語・・・説明`: three middle dots, a Japanese note's leader.
const DOTS: &str = "・・・";

/// The searcher of `DOTS`, built once: building one costs more than a
/// search of a short sentence.
static DOTS_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(DOTS));

/// The length of the separator that starts with `c` at `at`, if one does.
fn separator_at(text: &str, at: usize, c: char) -> Option<usize> {
    let after = &text[at + c.len_utf8()..];
    match c {
        ':' | '：' => {
            // `Cat 5: 100Mbps` names the first and says the second; `1 : 1`
            // and `1：1` are ratios.
            let labels_a_number =
                text[at + c.len_utf8()..].starts_with(is_space) && !text[..at].ends_with(is_space);
            let value = is_url_scheme(text, at, c)
                || is_time_or_address(text, at, c)
                || is_inside_word(text, at, c)
                || (is_between_numbers(text, at, c.len_utf8()) && !labels_a_number);
            (!value).then_some(c.len_utf8())
        }
        '｜' => Some(c.len_utf8()),
        // `->`, `=>`, `=`, and dashes separate only with spaces around
        // them: `re-Invent`, `a=b`, `2020-01` and `100-1000` are words and
        // values.
        '-' | '=' if after.starts_with('>') => spaced(text, at, 2),
        // `L = 7.5 Mbits`, `delay = 5 sec`: an equation that gives a
        // quantity is a worked value, not a definition.
        '=' if after
            .trim_start_matches(is_space)
            .starts_with(|c: char| c.is_ascii_digit()) =>
        {
            None
        }
        '-' | '=' | '–' => spaced(text, at, c.len_utf8()),
        '—' if !text[..at].ends_with(is_japanese) => spaced(text, at, c.len_utf8()),
        // Japanese notes write their arrows and dashes unspaced too
        // (`SOA→サービス指向`); a chain of them is still a flow.
        '→' | '⇒' | '－' | '—' => unspaced(text, at, c.len_utf8()),
        // A leader, with the definition after it on its line (`など…`
        // trails off, it defines nothing).
        '…' | '・' => {
            let len = if c == '…' {
                after.len() - after.trim_start_matches('…').len() + c.len_utf8()
            } else if text[at..].starts_with(DOTS) {
                DOTS.len()
            } else {
                return None;
            };
            let line = text[at + len..].split('\n').next().unwrap_or_default();
            (!line.trim_matches(is_space).is_empty()).then_some(len)
        }
        // `リーン(lean) （1）もたれる。`: a word, its gloss, then its senses.
        c if is_space(c) && text[..at].ends_with(is_close_bracket) && starts_senses(after) => {
            Some(c.len_utf8())
        }
        _ => None,
    }
}

/// `len` bytes at `at` with a space on each side (a dash may follow the
/// bracket of a reading instead: `単語（よみ）- meaning`), not between two
/// numbers (`100 - 200`, `1 = 1` are ranges and equations), and not the
/// first link of a chain (`A -> B -> C` is a flow, `A - B - C` a list).
fn spaced(text: &str, at: usize, len: usize) -> Option<usize> {
    let mark = &text[at..at + len];
    let rest = &text[at + len..];
    let after_reading = text[..at].ends_with(is_close_bracket) && is_dash(mark);
    if !(text[..at].ends_with(is_space) || after_reading) || !rest.starts_with(is_space) {
        return None;
    }
    let line_before = text[..at].rsplit('\n').next().unwrap_or_default();
    let line_after = rest.split('\n').next().unwrap_or_default();
    let link = format!(" {mark} ");
    let chain = line_before.contains(&link) || line_after.contains(&link);
    (!chain && !is_between_numbers(text, at, len)).then_some(len)
}

/// `len` bytes at `at`, spaced or not, that are not a link of a chain
/// (`A→B→C` is a flow), between two numbers, or a `－` typed for the
/// long vowel of a katakana word (`サ－バ`).
fn unspaced(text: &str, at: usize, len: usize) -> Option<usize> {
    let mark = &text[at..at + len];
    let line_before = text[..at].rsplit('\n').next().unwrap_or_default();
    let line_after = text[at + len..].split('\n').next().unwrap_or_default();
    let chain = line_before.contains(mark) || line_after.contains(mark);
    let long_vowel = mark == "－" && line_before.ends_with(is_katakana);
    (!chain && !long_vowel && !is_between_numbers(text, at, len)).then_some(len)
}

fn is_dash(mark: &str) -> bool {
    matches!(mark, "-" | "–" | "—")
}

/// Whether a separator (as `find` returned it) is one of the weak ones, a
/// dash, an arrow or `=`, rather than a colon or `｜`: those marks also join
/// words inside a name (`**S3標準 - 低頻度アクセス**`).
pub fn is_weak(separator: &str) -> bool {
    !separator
        .trim_matches(is_space)
        .starts_with([':', '：', '｜'])
}

/// The characters that make the weak separators.
pub fn is_weak_mark(c: char) -> bool {
    matches!(
        c,
        '-' | '>' | '=' | '→' | '⇒' | '－' | '–' | '—' | '…' | '・'
    )
}

/// Digits on both sides, spaces aside: `1 : 1`, `100 - 200`.
fn is_between_numbers(text: &str, at: usize, len: usize) -> bool {
    let before = text[..at].trim_end_matches(is_space);
    let after = text[at + len..].trim_start_matches(is_space);
    before.ends_with(|c: char| c.is_ascii_digit())
        && after.starts_with(|c: char| c.is_ascii_digit())
}

/// `（1）`, `(1)`, `①`: the first of numbered senses.
fn starts_senses(text: &str) -> bool {
    let text = text.trim_start_matches(is_space);
    text.starts_with(['①', '⑴'])
        || ["（1）", "(1)", "（１）"]
            .iter()
            .any(|s| text.starts_with(s))
}

/// `https:` followed by `//`.
fn is_url_scheme(text: &str, at: usize, colon: char) -> bool {
    colon == ':' && text[at + 1..].starts_with("//")
}

/// `re:Invent`, `s3:GetObject`, `arn:aws`, `std::vec`, `localhost:8080`: an
/// ASCII colon glued between two words, after a lower-case word or before
/// a number, or doubled, is part of a name or an address. (`Type:CNAME`,
/// a capitalised word before, still separates.)
fn is_inside_word(text: &str, at: usize, colon: char) -> bool {
    if colon != ':' {
        return false;
    }
    let after = &text[at + 1..];
    let word: &str = {
        let before = &text[..at];
        let start = before
            .rfind(|c: char| !c.is_ascii_alphanumeric())
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        &before[start..]
    };
    if after.starts_with(':') || text[..at].ends_with(':') {
        return true;
    }
    let glued = !word.is_empty() && after.starts_with(|c: char| c.is_ascii_alphanumeric());
    let lower = word.starts_with(|c: char| c.is_ascii_lowercase())
        && !word.contains(|c: char| c.is_ascii_uppercase());
    glued && (lower || after.starts_with(|c: char| c.is_ascii_digit()))
}

/// `9:30`, `2001:0db8`, `FF02::1:FF00:0/104`: an ASCII colon inside a run
/// of hex digits and colons with a digit on each side, or inside a run of
/// groups of them with a digit and two colons at least (an IPv6 address).
/// `Type:CNAME` and `Interface:Direct` still separate.
fn is_time_or_address(text: &str, at: usize, colon: char) -> bool {
    if colon != ':' {
        return false;
    }
    let is_part = |c: char| c.is_ascii_hexdigit() || c == ':';
    let before = &text[..at];
    let before = &before[before.trim_end_matches(is_part).len()..];
    let after = &text[at + 1..];
    let after = &after[..after.len() - after.trim_start_matches(is_part).len()];
    let is_digit = |c: char| c.is_ascii_digit();
    let is_hex = |c: char| c.is_ascii_hexdigit();
    let time = before.ends_with(is_hex) && before.contains(is_digit) && after.starts_with(is_digit);
    let more_colons = before.contains(':') || after.contains(':');
    let address = before.ends_with(is_hex)
        && after.starts_with(is_hex)
        && more_colons
        && (before.contains(is_digit) || after.contains(is_digit));
    time || address
}

fn widen_over_spaces(text: &str, mut range: Range<usize>) -> Range<usize> {
    let head = text[..range.start].trim_end_matches(is_space);
    range.start = head.len();
    let tail = text[range.end..].trim_start_matches(is_space);
    range.end = text.len() - tail.len();
    range
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_separator_bytes_is_passed_over_as_the_scan_would() {
        let pieces = [
            "語",
            "かな",
            "AWS",
            " ",
            "\u{3000}",
            ":",
            "：",
            "｜",
            " - ",
            " -> ",
            " → ",
            " – ",
            " — ",
            " = ",
            "（1）",
            "(1)",
            "（１）",
            "①",
            "⑴",
            "(lean)",
            "「",
            "」",
            "\"",
            "“",
            "”",
            "https://",
            "9:30",
            " => ",
            "⇒",
            "→",
            "－",
            "—",
            "・",
            "・・・",
            "…",
            "サ",
            "FF02::1:FF00",
            "、",
            "。",
            "é",
            "①",
            "\u{2028}",
        ];
        for text in crate::random_text::texts(&pieces, 8, 5, 20_000) {
            assert_eq!(find(&text), first_separator(&text), "{text:?}");
        }
    }

    #[test]
    fn characters_passed_over_are_those_the_plain_scan_would_pass() {
        let pieces = [
            "語",
            "カナ",
            "・",
            "・・・",
            "。",
            "\u{3000}",
            "「",
            "」",
            "AWS",
            " ",
            "  ",
            "\t",
            "\n",
            ".",
            ",",
            "/",
            "'",
            "\"",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ":",
            "-",
            "=",
            ">",
            "é",
            "한",
            "🎯",
            "：",
            "｜",
            "－",
            "（",
            "）",
            "（1）",
            "(1)",
            "①",
            "⑴",
            "→",
            "—",
            "–",
            "…",
            "“",
            "”",
            "\u{a0}",
            "\u{2028}",
            "9",
            "x",
        ];
        for text in crate::random_text::texts(&pieces, 16, 11, 50_000) {
            assert_eq!(first_separator(&text), scan(&text, |_, _| 0), "{text:?}");
        }
    }

    fn split(text: &str) -> Option<(&str, &str)> {
        find(text).map(|r| (&text[..r.start], &text[r.end..]))
    }

    #[test]
    fn ascii_and_full_width_colons_with_or_without_spaces() {
        assert_eq!(
            split("Permissions Boundary: IAM ユーザ"),
            Some(("Permissions Boundary", "IAM ユーザ"))
        );
        assert_eq!(
            split("ヒューリスティック："),
            Some(("ヒューリスティック", ""))
        );
        assert_eq!(
            split("AWS Organizations : 多数の"),
            Some(("AWS Organizations", "多数の"))
        );
        assert_eq!(
            split("Account Factory のセットアップ:AWS"),
            Some(("Account Factory のセットアップ", "AWS"))
        );
        assert_eq!(
            split("Amazon Kinesis Data Streams:　大規模に"),
            Some(("Amazon Kinesis Data Streams", "大規模に"))
        );
    }

    #[test]
    fn colons_inside_brackets_quotes_urls_json_and_times_do_not_separate() {
        assert_eq!(split("IPv4 アドレス（例: 192.0.2.1）を使用"), None);
        assert_eq!(split("「注意: これ」について"), None);
        assert_eq!(split("https://example.com を開く"), None);
        assert_eq!(split(r#"{"trustedAccessEnabled": true}"#), None);
        assert_eq!(split("毎朝 9:30 に実行"), None);
        assert_eq!(split("\"a: b\" です"), None);
        assert_eq!(split("2001:0db8:85a3:8a2e:0370 のアドレス"), None);
        assert_eq!(split("Type:CNAME"), Some(("Type", "CNAME")));
        assert_eq!(
            split("Transit Virtual Interface:Direct"),
            Some(("Transit Virtual Interface", "Direct"))
        );
    }

    #[test]
    fn equals_arrows_dashes_and_pipes_separate_when_spaced() {
        assert_eq!(
            split("DevOpsにおける「サイクル」 = OODAループ"),
            Some(("DevOpsにおける「サイクル」", "OODAループ"))
        );
        assert_eq!(split("SOA -> サービス指向"), Some(("SOA", "サービス指向")));
        assert_eq!(split("SOA → サービス指向"), Some(("SOA", "サービス指向")));
        assert_eq!(
            split("CI を行う - Day2で学習"),
            Some(("CI を行う", "Day2で学習"))
        );
        assert_eq!(
            split("Health check — a probe"),
            Some(("Health check", "a probe"))
        );
        assert_eq!(split("用語｜定義"), Some(("用語", "定義")));
        assert_eq!(
            split("リーン(lean) （1）もたれる。"),
            Some(("リーン(lean)", "（1）もたれる。"))
        );
        assert_eq!(split("Results are between 100-1000"), None);
        assert_eq!(split("from 100 - 200 users"), None);
        assert_eq!(split("a=b のとき"), None);
        assert_eq!(split("ユーザー -> AWS -> VPC エンドポイント -> EC2"), None);
        assert_eq!(split("Multi-factor"), None);
        assert_eq!(split("AWS Lambda (関数) を使う"), None);
        assert_eq!(
            split("食べる（たべる）- to eat"),
            Some(("食べる（たべる）", "to eat"))
        );
        assert_eq!(split("f(x)-1 の値"), None);
    }

    #[test]
    fn japanese_arrows_dashes_and_leaders_separate_spaced_or_not() {
        assert_eq!(
            split("2000::/3 => 先頭3ビットが001"),
            Some(("2000::/3", "先頭3ビットが001"))
        );
        assert_eq!(split("SOA⇒サービス指向"), Some(("SOA", "サービス指向")));
        assert_eq!(split("SOA→サービス指向"), Some(("SOA", "サービス指向")));
        assert_eq!(split("用語－説明"), Some(("用語", "説明")));
        assert_eq!(split("用語—説明"), Some(("用語", "説明")));
        assert_eq!(split("用語・・・説明"), Some(("用語", "説明")));
        assert_eq!(split("用語…説明"), Some(("用語", "説明")));
        assert_eq!(split("用語……説明"), Some(("用語", "説明")));
        assert_eq!(split("ユーザー→AWS→VPC"), None, "a flow");
        assert_eq!(split("サ－バを使う"), None, "a long vowel typed as a dash");
        assert_eq!(split("たとえば…"), None, "a line that trails off");
        assert_eq!(
            split("He left—quickly"),
            None,
            "an English em dash needs spaces"
        );
        assert_eq!(split("a => b => c"), None, "a flow");
        assert_eq!(split("L = 7.5 Mbits"), None, "a worked value");
        assert_eq!(
            split("Transmission rate = bandwidth"),
            Some(("Transmission rate", "bandwidth"))
        );
    }

    #[test]
    fn colons_inside_words_and_values_do_not_separate() {
        assert_eq!(
            split("FF02::1:FF00:0/104 => 解決で使用"),
            Some(("FF02::1:FF00:0/104", "解決で使用"))
        );
        assert_eq!(split("宛先は 2001:db8:1:FF00::1 です"), None);
        assert_eq!(split("12:30 に開始"), None);
        assert_eq!(
            split("Cat 5: 100Mbps - 1Gbps"),
            Some(("Cat 5", "100Mbps - 1Gbps"))
        );
        assert_eq!(split("2012, first re:Invent conference"), None);
        assert_eq!(split("s3:GetObject を許可する"), None);
        assert_eq!(split("localhost:8080 で待ち受け"), None);
        assert_eq!(split("比率は 1 : 1 です"), None);
        assert_eq!(split("std::vec の型"), None);
    }

    #[test]
    fn the_first_separator_wins() {
        assert_eq!(
            split("デフォルトの保持期間：24 時間、保持期間の延長：7 日間"),
            Some(("デフォルトの保持期間", "24 時間、保持期間の延長：7 日間"))
        );
        assert_eq!(
            split("Amazon SNS デッドレターキュー (DLQ)(Redrive ポリシー ): Amazon SNS"),
            Some((
                "Amazon SNS デッドレターキュー (DLQ)(Redrive ポリシー )",
                "Amazon SNS"
            ))
        );
    }
}
