//! The Markdown of a back, rendered as HTML (by pulldown-cmark) and as
//! plain text.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
}

/// A back as plain text and as HTML, from one parse of its Markdown.
pub fn plain_and_html(markdown: &str) -> (String, String) {
    let events: Vec<Event<'_>> = parser(markdown).collect();
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
    (plain(events), html)
}

/// Plain text: one line a paragraph or list item, items marked with `- `
/// (or their number) and indented by their depth.
fn plain<'e>(events: impl IntoIterator<Item = Event<'e>>) -> String {
    let mut out = String::new();
    // For each open list: the next number, or None for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut image_depth = 0usize;
    let new_line = |out: &mut String| {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
    };
    for event in events {
        match event {
            Event::Start(Tag::List(start)) => {
                new_line(&mut out);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                new_line(&mut out);
                out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            Event::Text(text) if image_depth == 0 => out.push_str(&text),
            Event::Code(code) => out.push_str(&code),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::InlineHtml(tag) if tag.trim().to_ascii_lowercase().starts_with("<br") => {
                out.push('\n')
            }
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => new_line(&mut out),
            _ => {}
        }
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn html_renders_nested_lists_and_images() {
        let (_, html) = plain_and_html("- a\n  - ![図](x.png)");
        assert!(
            html.contains("<ul>\n<li>a\n<ul>\n<li><img src=\"x.png\" alt=\"図\" /></li>"),
            "{html}"
        );
    }
}
