use super::*;

fn heads(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n.head.text.trim().to_string())
        .collect()
}

#[test]
fn items_nest_with_heads_lines_and_lazy_continuations() {
    let outline = parse("# T\n\n## 41.\n\n- 用語: 定義\n  - 子: 説明\n- 次の項目は、\n続きの行\n");
    assert_eq!(outline.title_text(), Some("T"));
    let section = &outline.nodes[0].children[0];
    assert_eq!(section.kind, NodeKind::Heading(2));
    assert_eq!(
        heads(&section.children),
        ["用語: 定義", "次の項目は、\n続きの行"]
    );
    assert_eq!(section.children[0].line, 5);
    assert_eq!(heads(&section.children[0].children), ["子: 説明"]);
    assert_eq!(section.children[0].children[0].line, 6);
}

#[test]
fn ideographic_space_bullets_are_bullets() {
    let outline = parse("-\u{3000} ALB のデプロイ:\n- 次\n");
    assert_eq!(heads(&outline.nodes), ["ALB のデプロイ:"]);
    assert_eq!(heads(&outline.nodes[0].children), ["次"]);
}

/// `normalize_bullets` as first defined, line by line.
fn normalized_by_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '\t']);
        let marker = body.len() - body.trim_start_matches(['-', '#']).len();
        let slip = match &body[..marker] {
            "-" => true,
            hashes => (1..=6).contains(&hashes.len()) && !hashes.contains('-'),
        };
        match body[marker..].strip_prefix('\u{3000}') {
            Some(rest) if slip => {
                out.push_str(&line[..line.len() - body.len() + marker]);
                out.push_str(" \u{a0}");
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[test]
fn slips_are_found_by_their_marks_and_spaces_as_line_by_line() {
    let alphabet = ["-", "#", " ", "\t", "\u{3000}", "\n", "語", "a"];
    for text in crate::random_text::texts(&alphabet, 16, 7, 20_000) {
        assert_eq!(
            super::normalize_bullets(&text),
            normalized_by_lines(&text),
            "{text:?}"
        );
    }
}

#[test]
fn a_numbered_head_inside_a_bullet_is_one_item() {
    let outline = parse("- 1. AWS Control Tower のセットアップ\n  - 有効化: 説明\n");
    assert_eq!(
        heads(&outline.nodes),
        ["1. AWS Control Tower のセットアップ"]
    );
    assert_eq!(heads(&outline.nodes[0].children), ["有効化: 説明"]);
}

#[test]
fn an_image_after_a_childless_item_belongs_to_it() {
    let outline = parse("- デプロイタイプ\n- ![image](https://example.com/a.png)\n- 次: 説明\n");
    assert_eq!(heads(&outline.nodes), ["デプロイタイプ", "次: 説明"]);
    assert_eq!(outline.nodes[0].children.len(), 1);
}

#[test]
fn code_fences_on_the_item_line_close_where_commonmark_says() {
    let outline = parse("- ```yaml\n  a: b\n  ```\n- 用語: 定義\n");
    assert_eq!(heads(&outline.nodes), ["", "用語: 定義"]);
    assert_eq!(outline.nodes[0].children[0].kind, NodeKind::Other);
}

#[test]
fn markdown_of_children_is_dedented() {
    let outline = parse("- 親:\n  - 子 A\n    - 孫\n  - 子 B\n");
    assert_eq!(
        outline.markdown(&outline.nodes[0].children, usize::MAX),
        "- 子 A\n  - 孫\n- 子 B"
    );
}

#[test]
fn tables_are_read_into_rows_of_cells_and_furigana_bars_end_no_cell() {
    let outline = parse("- 語彙:\n\n  | 単語 | 意味 |\n  |---|---|\n  | {食|た}べる | **eat** |\n");
    let table = &outline.tables[0];
    let texts =
        |row: &Row| -> Vec<String> { row.cells.iter().map(|c| c.head.text.to_string()).collect() };
    assert_eq!(texts(&table.header), ["単語", "意味"]);
    assert_eq!(texts(&table.rows[0]), ["{食|た}べる", "eat"]);
    assert_eq!(table.rows[0].line, 5);
    let cell = &table.rows[0].cells[1];
    assert_eq!(&outline.source[cell.source.clone()].trim(), &"**eat**");
    assert_eq!(outline.nodes[0].children[0].kind, NodeKind::Table(0));
}

#[test]
fn text_is_read_as_written_where_no_furigana_bars_were_hidden() {
    // The byte that stands for a hidden bar is a bar again only in a note
    // whose tables hid one; elsewhere it is the note's own.
    let outline = parse("- {食|た}べる\u{1}\n");
    assert_eq!(outline.nodes[0].head.text.to_string(), "{食|た}べる\u{1}");
}

#[test]
fn separators_in_code_and_links_are_out_of_reach() {
    let outline = parse("- `a:b` の説明\n- [x: y](https://e.com) です\n");
    assert!(outline.nodes.iter().all(|n| n.head.separator().is_none()));
}

#[test]
fn columns_counted_by_first_bytes_are_those_counted_by_characters() {
    let pieces = ["\t", " ", "　", "- ", "語", "é", "🎯", "a", "> "];
    for text in crate::random_text::texts(&pieces, 16, 3, 5_000) {
        let by_characters: usize = text.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
        assert_eq!(column_width(text.as_bytes()), by_characters, "{text:?}");
    }
}

#[test]
fn spans_read_as_the_vec_they_were_pushed_to() {
    let mut spans = head::Spans::default();
    let mut pushed = Vec::new();
    for i in 0..9 {
        let span = head::Span {
            text: i..i + 1,
            source: 2 * i..2 * i + 3,
            opaque: i % 3 == 0,
        };
        spans.push(span.clone());
        pushed.push(span);
        assert_eq!(&*spans, pushed.as_slice());
    }
}

#[test]
fn head_texts_in_one_buffer_read_as_strings_written_apart() {
    // Pieces pushed to three texts in the order of a random text's
    // characters: each text is the pieces pushed to it, whichever was
    // written last.
    let pieces = ["a", "b", "c", "語", ""];
    for order in crate::random_text::texts(&["0", "1", "2"], 12, 5, 2_000) {
        let mut buffer = String::new();
        let mut texts = vec![HeadText::default(); 3];
        let mut expected = vec![String::new(); 3];
        for (n, which) in order.bytes().map(|b| usize::from(b - b'0')).enumerate() {
            let piece = pieces[n % pieces.len()];
            texts[which].push_str(&mut buffer, piece);
            expected[which].push_str(piece);
            assert_eq!(texts[which].len(), expected[which].len());
        }
        let buffer = std::rc::Rc::new(buffer);
        for (text, expected) in texts.iter_mut().zip(&expected) {
            text.seal(&buffer);
            assert_eq!(text.as_str(), expected, "{order:?}");
        }
    }
}

#[test]
fn a_line_counted_on_from_another_is_the_line_searched_for() {
    let text = "a\n\nbc\nd\n\n\nefg\nh";
    let lines = super::Lines::new(text);
    for offset in 0..=text.len() {
        for near in 0..=10 {
            assert_eq!(
                lines.line_from(near, offset),
                lines.line(offset),
                "from line {near} to offset {offset}"
            );
        }
    }
}
