use super::bounded::MAX_END_TAG;
use super::fast::{has_any, push_plain_line};
use super::*;

/// The parser's own rendering, without the fast paths.
/// Asserts that `markdown` renders as the parser renders it, and tells
/// whether it took the fast path.
fn renders_as_parsed(markdown: &str) -> bool {
    assert_eq!(plain_and_html(markdown), parsed(markdown), "{markdown:?}");
    plain_blocks(markdown).is_some()
}

fn parsed(markdown: &str) -> (String, String) {
    let mut plain = Plain::new(MAX_PLAIN);
    let mut events = parser(markdown).inspect(|event| plain.push(event));
    let html = bounded_html(for_cards(&mut events), MAX_HTML);
    events.for_each(drop);
    (plain.finish(), html)
}

/// Numbers below `n` from a linear congruential generator: the same
/// shapes on every run.
fn pseudo_random(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    }
}

#[test]
fn plain_blocks_render_as_the_parser_would() {
    let words = [
        "用語の説明",
        "AWS のサービス",
        "cfn-signal を送る",
        "x",
        "全角　空白",
        "図 ![構成図](https://e.com/a-1.png) を参照",
        "![](img/x.png)",
        "A -> B の \"流れ\" と 'it'",
        "2023年に 3.5GHz",
        "![音](a.mp3)",
        "![a](b c)",
        "{\"enabled\": true}",
        "{漢字|かんじ}を読む",
        "1. 手順",
        "1\\. 手順",
        "2\\) 次",
        "1\\.手順",
        "3\\.",
        "2) 次の手順",
        "10. 十番目",
        "1.手順",
        "0123456789. 桁が多い",
        "99.5% の可用性",
        "2.",
        "CAPABILITY_NAMED_IAM を渡す",
        "~とても+形容詞",
        "1~3 日",
        "~~取り消し~~",
        "a~b",
        "~~~",
        "_斜体_ と a__b",
        "x_ と _y",
        "![a_b](img/a_b.png)",
        "![_a_](x.png)",
        "**用語**は説明",
        "**S3** is storage",
        "前の**太字**後",
        "**（括弧）**の中",
        "「**引用**」です",
        "**IAM**（Identity）",
        "a**b",
        "**x** **y**",
        "** x**",
        "*斜体*",
        "***三つ***",
        "**未完",
        "**a **b** c**",
        "**図 ![x](y.png)** だ",
        "**€** 記号",
    ];
    // Pseudo-random shapes (repeatable): paragraphs and lists of items
    // nested up to three levels, and the shapes that are no fast case.
    let mut next = pseudo_random(7);
    let mut fast = 0;
    for _ in 0..2_000 {
        let mut blocks = Vec::new();
        for _ in 0..=next(3) {
            if next(2) == 0 {
                // A paragraph, now and then wrapped, its later lines
                // indented or not.
                let lines: Vec<String> = (0..=next(3) / 2)
                    .map(|line| {
                        let indent = if line > 0 { next(3) as usize } else { 0 };
                        let word = words[next(words.len() as u64) as usize];
                        format!("{}{word}", " ".repeat(indent))
                    })
                    .collect();
                blocks.push(lines.join("\n"));
            } else {
                let mut depth = 0;
                let mut lines = Vec::new();
                for _ in 0..=next(4) {
                    depth = next(depth + 2).min(3);
                    let indent = if next(20) == 0 { 3 } else { 2 * depth as usize };
                    lines.push(format!(
                        "{}- {}",
                        " ".repeat(indent),
                        words[next(words.len() as u64) as usize]
                    ));
                }
                blocks.push(lines.join("\n"));
            }
        }
        // Blocks apart by one blank line, now and then by none or two,
        // and a line end before or after them all.
        let apart = match next(30) {
            0 => "\n",
            1 => "\n\n\n",
            _ => "\n\n",
        };
        let mut markdown = blocks.join(apart);
        match next(40) {
            0 => markdown.insert(0, '\n'),
            1 => markdown.push('\n'),
            _ => {}
        }
        fast += usize::from(renders_as_parsed(&markdown));
    }
    assert!(fast > 200, "only {fast} shapes took the fast path");
    // The shapes of real backs that the fast path is for.
    for markdown in [
        "- 1. 手順\n  - 有効化: 設定する\n- 2. 次の手順\n  - 作成: 作る",
        "- 1\\. 手順\n  - 有効化\n- 2\\) 次の手順\n  - 作成",
        "- 定義: 説明\n  - 10) 十番目\n    - 詳細",
        "- 設定\n  - {\"enabled\": true, \"name\": \"x\"}",
        "ログを検知し、\n  Lambda に転送する。\n\n- 例: 構成",
        "- CAPABILITY_NAMED_IAM: 名前を持つ IAM ロール\n- 可用性: 99.99%",
        "**バケットポリシー**はバケット単位で設定する\n\n- **Health check** — 状態を見る",
        "- **汎用SSD**（gp2、gp3）: 一般的な用途",
        "説明する。\n\n- ![image](https://e.com/a-1.png)",
        "- 構成\n  - ![](img/x.png)\n    - 詳細\n  - ![](img/y.png)\n- 次",
        "- ![](img/x.png)\n  - ![](img/y.png)\n- 次",
        "- Romaji: totemo\n- Formula: ~とても+形容詞/動詞\n- Translation: It's very cold.",
    ] {
        assert!(renders_as_parsed(markdown), "{markdown:?} took the parser");
    }
}

#[test]
fn bold_in_a_line_renders_as_the_parser_would() {
    // Pieces that make `**` open, close, both or neither, beside every
    // class of character, and the other inline syntax the line may have.
    let pieces = [
        "**",
        "**",
        "**",
        "用語",
        "S3",
        " ",
        "　",
        "（",
        "）",
        "、",
        "「",
        "」",
        "は",
        "€",
        "ー",
        "*",
        "x_y",
        "![i](a.png)",
        "{",
        "。",
        "!",
        "\"",
        "1",
        ">",
    ];
    let mut next = pseudo_random(5);
    let mut fast = 0;
    for _ in 0..20_000 {
        let line: String = (0..=next(8))
            .map(|_| pieces[next(pieces.len() as u64) as usize])
            .collect();
        for markdown in [line.clone(), format!("- {line}\n  - 子")] {
            fast += usize::from(renders_as_parsed(&markdown));
        }
    }
    assert!(fast > 5_000, "only {fast} lines took the fast path");
}

#[test]
fn byte_scans_find_what_a_plain_scan_finds() {
    let pieces = ["a", "\n", "\n\n", "漢字の", " ", "*", "テキスト"];
    let mut table = [false; 256];
    table[usize::from(b'*')] = true;
    table[usize::from(b'\n')] = true;
    let mut seed = 3u64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..5_000 {
        let text: String = (0..next(12))
            .map(|_| pieces[next(pieces.len() as u64) as usize])
            .collect();
        let marked = text.bytes().any(|b| b == b'*' || b == b'\n');
        assert_eq!(has_any(text.as_bytes(), &table), marked, "{text:?}");
    }
}

#[test]
fn plain_paragraphs_render_as_the_parser_would() {
    let lines = [
        "仮想サーバーを提供するサービス",
        "EC2 リソースが正常に作成されたかどうかを示すシグナル。",
        "AWS のサービス (マネージド)",
        "1 時間ごとに実行",
        "a . b , c ; d : e ? f / g % h @ i ^ j",
        "cfn-signal と a+b と x=1",
        "全角　スペース　入り",
        "x",
        "A => B, \"引用\" と 'it's'",
        "構成 ![図](https://e.com/x/y_z.png)![](b.png) の例",
        "2023年に 3.5GHz",
        "**太字**",
    ];
    let is_plain = |line| push_plain_line(line, &mut String::new(), &mut String::new());
    for line in lines {
        assert!(is_plain(line).is_some(), "{line}");
        renders_as_parsed(line);
    }
    for markup in [
        "*斜体*",
        "**太字",
        "a\nb",
        " 先頭",
        "末尾 ",
        "1. 番号",
        "- 項目",
        "+ 項目",
        "= 下線",
        "漢字[かんじ]",
        "a & b",
        "$x$",
        "1) 番号",
        "<b>太字</b>",
        "![音声](a.mp3)",
        "![図](<a b.png>)",
        "![図](a.png \"題\")",
        "![\"図\"](a.png)",
        "![[図.png]]",
        "見て!",
    ] {
        assert!(is_plain(markup).is_none(), "{markup}");
        renders_as_parsed(markup);
    }
}

#[test]
fn plain_text_keeps_list_structure() {
    let md = "定義の文。\n\n- 子 A\n  - 孫\n- `code` と [リンク](https://e.com)\n\n1. 一\n2. 二";
    assert_eq!(
        plain_and_html(md).0,
        "定義の文。\n- 子 A\n  - 孫\n- code と リンク\n1. 一\n2. 二"
    );
}

#[test]
fn what_follows_a_list_starts_on_its_own_line() {
    let md =
        "- SQS ポリシー\n  - 子\n\nポリシーを指定する際の注意\n\n- a\n\n> 引用\n\n- b\n\n## 見出し";
    assert_eq!(
        plain_and_html(md).0,
        "- SQS ポリシー\n  - 子\nポリシーを指定する際の注意\n- a\n引用\n- b\n見出し"
    );
}

#[test]
fn deep_nesting_is_indented_at_most_max_indent_levels() {
    let plain = plain_and_html(&("- ".repeat(100) + "x")).0;
    let widest = plain.lines().map(|l| l.len() - l.trim_start().len()).max();
    assert_eq!(widest, Some(2 * MAX_INDENT));
    assert_eq!(plain.lines().count(), 100);
}

#[test]
fn a_cut_html_back_closes_what_it_opened() {
    let md = "- a\n  - b **c d e f g h**\n    > quote\n";
    let full = bounded_html(parser(md), usize::MAX);
    for limit in [0, 30, 60, 100, 140] {
        let html = bounded_html(parser(md), limit);
        assert!(html.len() <= limit.max(MAX_END_TAG), "{limit}: {html}");
        assert!(html.ends_with("</ul>\n") || html == "…", "{limit}: {html}");
        for tag in ["ul", "li", "strong", "blockquote", "p"] {
            assert_eq!(
                html.matches(&format!("<{tag}>")).count(),
                html.matches(&format!("</{tag}>")).count(),
                "{limit}: {html}"
            );
        }
        assert!(html.contains('…') || html == full, "{limit}: {html}");
    }
    assert!(!full.contains('…'));
}

#[test]
fn a_long_plain_back_is_cut_and_marked() {
    let mut plain = Plain::new(10);
    for event in parser("一二三四五六七八九") {
        plain.push(&event);
    }
    assert_eq!(plain.finish(), "一二…");
}

#[test]
fn html_renders_nested_lists_and_images() {
    let (_, html) = plain_and_html("- a\n  - ![図](x.png)");
    assert!(
        html.contains("<ul>\n<li>a\n<ul>\n<li><img src=\"x.png\" alt=\"図\" /></li>"),
        "{html}"
    );
}

#[test]
fn math_becomes_mathjax_with_its_backslashes_kept() {
    let (plain, html) = plain_and_html("面積 $\\pi r^2\\,m$ と\n\n$$a < b \\\\ c$$");
    assert!(html.contains(r"\(\pi r^2\,m\)"), "{html}");
    assert!(html.contains(r"\[a &lt; b \\ c\]"), "{html}");
    assert!(!html.contains("$"), "{html}");
    assert!(plain.contains(r"$\pi r^2\,m$"), "{plain}");
}

#[test]
fn furigana_become_ruby_in_html_and_brackets_in_plain_text() {
    let md = "- 漢字[かんじ]を{勉強|べんきょう}\n- <ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby>\n- `a[い]` arr[0]";
    let (plain, html) = plain_and_html(md);
    assert!(
        html.contains("<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>を<ruby>勉強"),
        "{html}"
    );
    assert!(
        html.contains("<ruby>東京<rp>(</rp><rt>とうきょう</rt>"),
        "{html}"
    );
    assert!(html.contains("<code>a[い]</code> arr[0]"), "{html}");
    assert_eq!(
        plain,
        "- 漢字[かんじ]を{勉強|べんきょう}\n- 東京[とうきょう]\n- a[い] arr[0]"
    );
}

#[test]
fn fenced_code_with_a_known_language_is_highlighted_inline() {
    let (plain, html) = plain_and_html("```rust\nlet x = 1;\n```\n\n```\nlet y = 2;\n```");
    assert!(
        html.contains("<pre><code class=\"language-rust\"><span class=\"nd-hl\"><span style=\""),
        "{html}"
    );
    assert!(
        html.contains("<pre><code>let y = 2;\n</code></pre>"),
        "{html}"
    );
    assert_eq!(plain, "let x = 1;\nlet y = 2;");
}

#[test]
fn sounds_become_anki_sound_tags_and_obsidian_embeds_images() {
    let md = "- ![発音](a/b.mp3) [sound:c.ogg] ![[d.png]] ![[e.MP3]] [[別のノート]]\n- ![r](https://x/y.mp3)";
    let html = plain_and_html(md).1;
    assert!(
        html.contains("[sound:a/b.mp3] [sound:c.ogg] <img src=\"d.png\""),
        "{html}"
    );
    assert!(html.contains("[sound:e.MP3] 別のノート</li>"), "{html}");
    assert!(!html.contains("発音") && !html.contains("<a "), "{html}");
    assert!(html.contains("<img src=\"https://x/y.mp3\""), "{html}");
}

#[test]
fn escaping_in_runs_escapes_what_each_character_would() {
    // The definition, a character at a time.
    fn escaped_by_char(text: &str) -> String {
        let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let mut out = String::new();
        for (at, c) in text.char_indices() {
            let opens_block = at == 0 && matches!(c, '#' | '+' | '-' | '=' | '>')
                || at == digits && digits > 0 && matches!(c, '.' | ')');
            if opens_block || "\\`*_[]<&$~!".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }
    let pieces = [
        "用語",
        "a",
        "1",
        "23",
        ".",
        ")",
        "#",
        "+",
        "-",
        "=",
        ">",
        "\\",
        "`",
        "*",
        "_",
        "[",
        "]",
        "<",
        "&",
        "$",
        "~",
        "!",
        "{漢字|かんじ}",
        " ",
        "é",
    ];
    let mut next = pseudo_random(3);
    for _ in 0..20_000 {
        let text: String = (0..=next(6))
            .map(|_| pieces[next(pieces.len() as u64) as usize])
            .collect();
        assert_eq!(escape_markdown(&text), escaped_by_char(&text), "{text:?}");
    }
}
