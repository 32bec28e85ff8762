//! Learner notes through the binary, without Anki: a card with furigana is
//! found by its text as read and by its readings; remote images are named
//! once.

mod common;

use common::Project;

const NOTE: &str = "# 日本語\n\n\
- 漢字[かんじ]: 中国から来た文字。{日本|にほん}で使う\n\
- 大阪: 西の<ruby>大阪<rt>おおさか</rt></ruby>は都市\n\
- 構成図: 全体は ![a](https://example.com/a.png) と ![b](https://example.com/b.png) の通り\n\
- 配置図: 配置は ![c](https://example.com/c.png) の通り\n";

fn fronts(project: &Project, query: &str) -> Vec<String> {
    let run = project.run(&["search", "--json", query]);
    run.stdout()
        .lines()
        .map(|line| {
            let hit: serde_json::Value = serde_json::from_str(line).unwrap();
            hit["front"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn furigana_are_searched_by_base_text_and_by_reading() {
    let project = Project::empty();
    project.write_note("日本語.md", NOTE);
    let build = project.run(&["build"]);
    build.ok();
    // Base text read through, across the reading.
    assert_eq!(fronts(&project, "漢字"), ["漢字[かんじ]"]);
    assert_eq!(fronts(&project, "日本で使う"), ["漢字[かんじ]"]);
    assert_eq!(fronts(&project, "西の大阪は"), ["大阪"]);
    // Readings, of a front and of a back.
    assert_eq!(fronts(&project, "かんじ"), ["漢字[かんじ]"]);
    assert_eq!(fronts(&project, "にほん"), ["漢字[かんじ]"]);
    assert_eq!(fronts(&project, "おおさか"), ["大阪"]);
}

#[test]
fn remote_images_get_one_warning_a_build() {
    let project = Project::empty();
    project.write_note("日本語.md", NOTE);
    let build = project.run(&["build"]);
    build.ok();
    let remote: Vec<String> = build
        .stderr()
        .lines()
        .filter(|l| l.contains("remote image"))
        .map(str::to_string)
        .collect();
    assert_eq!(remote.len(), 1, "{}", build.stderr());
    assert!(
        remote[0].contains("https://example.com/a.png"),
        "{remote:?}"
    );
}

#[test]
fn ruby_in_fronts_is_kept_and_decks_and_tags_are_named_as_read() {
    let project = Project::empty();
    project.write_note(
        "t.md",
        "# <ruby>日本<rt>にほん</rt></ruby>語\n\n\
         ## {漢字|かんじ}の章\n\n\
         - 私の<ruby>勉強<rp>(</rp><rt>べんきょう</rt><rp>)</rp></ruby>法: 学び方\n",
    );
    let run = project.run(&["extract", "--format", "jsonl", "notes/t.md"]);
    let card: serde_json::Value = serde_json::from_str(run.ok().lines().last().unwrap()).unwrap();
    assert_eq!(
        card["front"],
        "私の<ruby>勉強<rp>(</rp><rt>べんきょう</rt><rp>)</rp></ruby>法"
    );
    assert_eq!(card["deck"], "日本語");
    assert_eq!(card["tags"], serde_json::json!(["漢字の章"]));

    project.run(&["build"]).ok();
    let front = card["front"].as_str().unwrap();
    // The card first; its section, whose back holds it, after it.
    assert_eq!(fronts(&project, "私の勉強法")[0], front);
    assert_eq!(fronts(&project, "べんきょう")[0], front);
}

#[test]
fn furigana_in_braces_inside_a_table_cell_stay_in_their_cell() {
    let project = Project::empty();
    project.write_note(
        "t.md",
        "# 表\n\n- 読み方: 次の通り\n\n  | 語 | 意味 |\n  |---|---|\n  | {漢字|かんじ} | 文字 |\n",
    );
    let run = project.run(&["extract", "--format", "jsonl", "notes/t.md"]);
    let card: serde_json::Value = serde_json::from_str(run.ok().lines().next().unwrap()).unwrap();
    let html = card["back_html"].as_str().unwrap();
    assert!(
        html.contains("<td><ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby></td><td>文字</td>"),
        "{html}"
    );
    project.run(&["build"]).ok();
    // The row is a card of its own, fronted by its word; the item's back
    // holds the table.
    assert_eq!(fronts(&project, "かんじ"), ["{漢字|かんじ}", "読み方"]);
}
