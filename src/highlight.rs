//! Fenced code with a language, highlighted by syntect into spans with
//! inline colours: a card needs no JavaScript and no style sheet of ours for
//! it, and every Anki client shows it the same.
//!
//! The colours are those of a light theme; the note type's CSS inverts the
//! lightness of `.nd-hl` in night mode (hues kept), so the one set of inline
//! colours reads on both backgrounds.

use std::sync::OnceLock;

use syntect::easy::HighlightLines;
use syntect::highlighting::{Theme, ThemeSet};
use syntect::html::{styled_line_to_highlighted_html, IncludeBackground};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// The largest block highlighted, in bytes. Highlighting costs time and
/// multiplies the HTML by about ten; a larger block is shown plain, which
/// keeps a back's HTML within its limit (`limits::MAX_HTML`) and its build
/// time linear.
pub const MAX_HIGHLIGHTED: usize = 64 << 10;

/// The class of the element that holds highlighted code.
pub const CLASS: &str = "nd-hl";

const THEME: &str = "InspiredGitHub";

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme() -> &'static Theme {
    static THEME_SET: OnceLock<ThemeSet> = OnceLock::new();
    &THEME_SET.get_or_init(ThemeSet::load_defaults).themes[THEME]
}

/// `code` highlighted as `language` (a fence's info string: `rust`, `py`,
/// `sh`…), as `<span class="nd-hl">…</span>` to go inside `<pre><code>`;
/// None when the language is unknown or the block too large.
pub fn code_html(language: &str, code: &str) -> Option<String> {
    // The info string may carry attributes after the language (`rust,ignore`).
    let token = language
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()?;
    if token.is_empty() || code.len() > MAX_HIGHLIGHTED {
        return None;
    }
    let set = syntaxes();
    let syntax = set
        .find_syntax_by_token(token)
        .or_else(|| set.find_syntax_by_token(&token.to_ascii_lowercase()))?;
    let mut lines = HighlightLines::new(syntax, theme());
    let mut html = format!("<span class=\"{CLASS}\">");
    for line in LinesWithEndings::from(code) {
        let regions = lines.highlight_line(line, set).ok()?;
        html.push_str(&styled_line_to_highlighted_html(&regions, IncludeBackground::No).ok()?);
    }
    html.push_str("</span>");
    Some(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_coloured_spans_and_escaped_text() {
        let html = code_html("rust", "fn main() { let a = 1 < 2; }\n").unwrap();
        assert!(html.starts_with("<span class=\"nd-hl\">"), "{html}");
        assert!(html.contains("style=\"color:#"), "{html}");
        assert!(html.contains("&lt;"), "{html}");
        assert!(!html.contains("<script"));
        // Keywords and numbers differ in colour.
        let colours: std::collections::HashSet<&str> =
            html.split("color:").skip(1).map(|s| &s[..7]).collect();
        assert!(colours.len() >= 3, "{html}");
        assert!(code_html("Python", "x = 1\n").is_some());
        assert!(code_html("py,ignore", "x = 1\n").is_some());
    }

    #[test]
    fn unknown_languages_and_huge_blocks_stay_plain() {
        assert_eq!(code_html("no-such-language", "x"), None);
        assert_eq!(code_html("", "x"), None);
        assert_eq!(code_html("rust", &"a".repeat(MAX_HIGHLIGHTED + 1)), None);
    }
}
