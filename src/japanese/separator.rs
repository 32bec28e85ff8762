//! The separator between a term and its definition: the first `:` or `：`
//! that is not inside brackets, quotes, a URL, JSON or a time.

use std::ops::Range;

use super::script::{is_close_bracket, is_open_bracket, is_space};

/// The byte range of the first separator in `text`, with the spaces around it.
///
/// `text` is plain text; the caller masks what Markdown puts out of reach
/// (inline code, links) before asking.
pub fn find(text: &str) -> Option<Range<usize>> {
    let mut depth = 0usize;
    let mut in_ascii_quote = false;
    let mut in_curly_quote = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => in_ascii_quote = !in_ascii_quote,
            '“' => in_curly_quote = true,
            '”' => in_curly_quote = false,
            c if is_open_bracket(c) => depth += 1,
            c if is_close_bracket(c) => depth = depth.saturating_sub(1),
            ':' | '：' if depth == 0 && !in_ascii_quote && !in_curly_quote => {
                if is_url_scheme(text, at, c) || is_time_or_address(text, at, c) {
                    continue;
                }
                return Some(widen_over_spaces(text, at..at + c.len_utf8()));
            }
            _ => {}
        }
    }
    None
}

/// `https:` followed by `//`.
fn is_url_scheme(text: &str, at: usize, colon: char) -> bool {
    colon == ':' && text[at + 1..].starts_with("//")
}

/// `9:30`, `2001:0db8`: an ASCII colon inside a run of hex digits and colons
/// with a digit on each side (`Type:CNAME` and `Interface:Direct` still separate).
fn is_time_or_address(text: &str, at: usize, colon: char) -> bool {
    if colon != ':' {
        return false;
    }
    let is_part = |c: char| c.is_ascii_hexdigit() || c == ':';
    let before: String = text[..at]
        .chars()
        .rev()
        .take_while(|&c| is_part(c))
        .collect();
    let after: String = text[at + 1..].chars().take_while(|&c| is_part(c)).collect();
    before.starts_with(|c: char| c.is_ascii_hexdigit())
        && before.contains(|c: char| c.is_ascii_digit())
        && after.starts_with(|c: char| c.is_ascii_digit())
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
