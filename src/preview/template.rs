//! The part of Anki's card templates the note types use, rendered as Anki
//! renders it: `{{Field}}`, `{{#Field}}…{{/Field}}`, `{{furigana:Field}}`,
//! `{{cloze:Field}}`, `{{type:Field}}` and `{{FrontSide}}`. The preview
//! shows a card with its note type's own templates, so what it shows is
//! what Anki shows.

/// Which card of a note is rendered, and which side of it.
#[derive(Debug, Clone, Copy)]
pub struct Side {
    /// The card's template number: for a cloze note, its gap number - 1.
    pub ord: u32,
    pub answer: bool,
}

/// `template` with the fields filled in; `front_side` is what
/// `{{FrontSide}}` stands for (the rendered question).
pub fn render(template: &str, fields: &[(&str, &str)], front_side: &str, side: Side) -> String {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, value)| *value)
    };
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let tag = after[..close].trim();
        rest = &after[close + 2..];
        if let Some(name) = tag.strip_prefix('#') {
            // A section: shown when its field has text.
            let end_tag = format!("{{{{/{name}}}}}");
            let (inner, after_section) = rest.split_once(&end_tag).unwrap_or((rest, ""));
            if !field(name).trim().is_empty() {
                out.push_str(&render(inner, fields, front_side, side));
            }
            rest = after_section;
        } else if tag == "FrontSide" {
            out.push_str(front_side);
        } else if let Some(name) = tag.strip_prefix("furigana:") {
            out.push_str(&furigana_filter(field(name)));
        } else if let Some(name) = tag.strip_prefix("cloze:") {
            out.push_str(&cloze_filter(field(name), side));
        } else if tag.starts_with("type:") {
            // Anki's box for the typed answer; the preview has no checking.
            let disabled = if side.answer { " disabled" } else { "" };
            out.push_str(&format!(
                "<input class=\"pv-typeans\" type=\"text\" aria-label=\"Type the answer\"{disabled}>"
            ));
        } else {
            out.push_str(field(tag));
        }
    }
    out.push_str(rest);
    out
}

/// Anki's `cloze:` filter: the card's own gaps as `[...]` (or their hint)
/// on the question and as their text on the answer, in a `cloze` span;
/// the other gaps as their text.
pub fn cloze_filter(text: &str, side: Side) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find("{{c") {
        let after = &rest[open + 3..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let gap = after[digits..]
            .strip_prefix("::")
            .and_then(|inner| inner.find("}}").map(|end| &inner[..end]));
        let (Ok(number), Some(gap)) = (after[..digits].parse::<u32>(), gap) else {
            out.push_str(&rest[..open + 3]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..open]);
        let (content, hint) = gap.split_once("::").unwrap_or((gap, ""));
        if number == side.ord + 1 {
            if side.answer {
                out.push_str(&format!("<span class=\"cloze\">{content}</span>"));
            } else {
                let shown = if hint.is_empty() { "..." } else { hint };
                out.push_str(&format!("<span class=\"cloze\">[{shown}]</span>"));
            }
        } else {
            out.push_str(&format!("<span class=\"cloze-inactive\">{content}</span>"));
        }
        rest = &after[digits + 2 + gap.len() + 2..];
    }
    out.push_str(rest);
    out
}

/// Anki's `furigana:` filter: each ` ?BASE[READING]` (BASE without spaces
/// or `>`) becomes `<ruby><rb>BASE</rb><rt>READING</rt></ruby>`, the
/// optional space dropped; `[sound:…]` is left alone. It matches as Anki's
/// regular expression ` ?([^ >]+?)\[(.+?)\]` does, leftmost first.
pub fn furigana_filter(text: &str) -> String {
    let text = text.replace("&nbsp;", " ");
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    'scan: while at < text.len() {
        let base_start = if text[at..].starts_with(' ') {
            at + 1
        } else {
            at
        };
        for (offset, c) in text[base_start..].char_indices() {
            if c == ' ' || c == '>' {
                break;
            }
            if c != '[' || offset == 0 {
                continue;
            }
            let open = base_start + offset;
            let reading_from = open + 1;
            let Some(first) = text[reading_from..].chars().next() else {
                break;
            };
            // At least one character of reading, then up to `]` on the line.
            let search_from = reading_from + first.len_utf8();
            let close = text[search_from..]
                .find([']', '\n'])
                .map(|i| search_from + i)
                .filter(|&i| text[i..].starts_with(']') && first != '\n');
            if let Some(close) = close {
                let reading = &text[reading_from..close];
                if reading.starts_with("sound:") {
                    out.push_str(&text[at..close + 1]);
                } else {
                    out.push_str("<ruby><rb>");
                    out.push_str(&text[base_start..open]);
                    out.push_str("</rb><rt>");
                    out.push_str(reading);
                    out.push_str("</rt></ruby>");
                }
                at = close + 1;
                continue 'scan;
            }
        }
        let c = text[at..].chars().next().expect("at < len");
        out.push(c);
        at += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::notetype::{AFMT, QFMT};

    #[test]
    fn furigana_as_anki_shows_them() {
        assert_eq!(
            furigana_filter("これは 漢字[かんじ]です"),
            "これは<ruby><rb>漢字</rb><rt>かんじ</rt></ruby>です"
        );
        assert_eq!(
            furigana_filter("a&#91;0&#93; [sound:x.mp3]"),
            "a&#91;0&#93; [sound:x.mp3]"
        );
        assert_eq!(
            furigana_filter("<b>日本[にほん]</b>"),
            "<b><ruby><rb>日本</rb><rt>にほん</rt></ruby></b>"
        );
    }

    const QUESTION: Side = Side {
        ord: 0,
        answer: false,
    };
    const ANSWER: Side = Side {
        ord: 0,
        answer: true,
    };

    #[test]
    fn the_note_type_templates_render_sections_fields_and_front_side() {
        let fields = [
            ("Front", "漢字[かんじ]"),
            ("Back", "<p>定義</p>"),
            ("Context", ""),
            ("Source", "a.md"),
        ];
        let question = render(QFMT, &fields, "", QUESTION);
        assert!(!question.contains("nd-context"), "{question}");
        assert!(question
            .contains("<div class=\"nd-front\"><ruby><rb>漢字</rb><rt>かんじ</rt></ruby></div>"));
        let answer = render(AFMT, &fields, &question, ANSWER);
        assert!(answer.starts_with(&question));
        assert!(answer.contains("<p>定義</p>") && answer.contains(">a.md</div>"));
        assert!(!answer.contains("{{"), "{answer}");
        let with_context = render(QFMT, &[("Context", "上")], "", QUESTION);
        assert!(with_context.contains("<div class=\"nd-context\">上</div>"));
    }

    #[test]
    fn cloze_gaps_show_as_anki_shows_them() {
        let text = "{{c1::東京}}と{{c2::パリ::都市}}";
        let second = |answer| cloze_filter(text, Side { ord: 1, answer });
        assert_eq!(
            second(false),
            "<span class=\"cloze-inactive\">東京</span>と<span class=\"cloze\">[都市]</span>"
        );
        assert_eq!(
            second(true),
            "<span class=\"cloze-inactive\">東京</span>と<span class=\"cloze\">パリ</span>"
        );
        assert_eq!(
            cloze_filter(text, QUESTION),
            "<span class=\"cloze\">[...]</span>と<span class=\"cloze-inactive\">パリ</span>"
        );
        assert_eq!(cloze_filter("{{c::x}} {{cz", QUESTION), "{{c::x}} {{cz");
    }
}
