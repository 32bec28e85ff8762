//! The author in control of what becomes a card, through the built binary:
//! `<!-- notedeck: skip -->`, front matter `skip`, `exclude`, the author's
//! own separators and labels, and `explain`.

mod common;

use std::collections::BTreeMap;

use common::Project;

/// The fronts `extract --format jsonl` makes of the notes folder.
fn fronts(project: &Project) -> Vec<String> {
    cards(project)
        .iter()
        .map(|card| card["front"].as_str().unwrap().to_string())
        .collect()
}

fn cards(project: &Project) -> Vec<serde_json::Value> {
    project
        .run(&["extract", "notes", "--format", "jsonl"])
        .ok()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// `explain --format jsonl` of a note: each line's object, by line number.
fn explain(project: &Project, note: &str) -> BTreeMap<u64, serde_json::Value> {
    let path = format!("notes/{note}");
    project
        .run(&["explain", &path, "--format", "jsonl"])
        .ok()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|object| (object["line"].as_u64().unwrap(), object))
        .collect()
}

#[test]
fn skip_above_an_item_skips_it_and_what_is_under_it() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "# 題\n\n- 残る: カードになる定義\n<!-- notedeck: skip -->\n- 飛ばす: カードにしない定義\n  - 子の用語: その下の定義\n- 次: 次もカードになる\n  <!--  notedeck:skip  -->\n  - 孫: 字下げした印の下\n  - 兄弟: 印の下の次の項目\n",
    );
    assert_eq!(fronts(&project), ["残る", "次", "兄弟"]);
}

#[test]
fn skip_above_a_heading_skips_its_whole_section() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "# 題\n\n## 残る節\n\n- 用語A: 定義A\n\n<!-- notedeck: skip -->\n## 飛ばす節\n\n本文の段落。\n\n- 用語B: 定義B\n\n### 小節\n\n- 用語C: 定義C\n\n## 次の節\n\n- 用語D: 定義D\n",
    );
    assert_eq!(
        fronts(&project),
        ["残る節", "用語A", "次の節", "用語D"],
        "the section up to the next heading of its level makes no card"
    );
}

#[test]
fn skip_above_a_table_skips_its_rows_and_leaves_it_in_the_back() {
    let project = Project::empty();
    let note = "# 題\n\n## 単語表\n\n<!-- notedeck: skip -->\n| 単語 | 意味 |\n|---|---|\n| 水 | みず |\n\n| 単語 | 意味 |\n|---|---|\n| 山 | やま |\n";
    project.write_note("a.md", note);
    assert_eq!(fronts(&project), ["単語表", "山"]);
    // What it says is still part of the section.
    assert!(cards(&project)[0]["back"]
        .as_str()
        .unwrap()
        .contains("みず"));
    let lines = explain(&project, "a.md");
    for line in 6..=8 {
        assert_eq!(lines[&line]["outcome"], "skipped", "{:?}", lines[&line]);
    }
    assert_eq!(
        lines[&12]["cards"][0]["rule"],
        "Tables: rows that name things"
    );
}

#[test]
fn skip_in_front_matter_removes_a_notes_cards_and_they_come_back_with_their_guids() {
    let project = Project::empty();
    let body = "# 題\n\n- 用語: 定義の説明\n- 別の用語: 別の定義\n";
    project.write_note("a.md", body);
    project.write_note("b.md", "# 他\n\n- 残る: 残る定義\n");
    project.run(&["build"]).ok();
    let before = project.guids();

    project.write_note(
        "a.md",
        format!("---\nnotedeck: {{skip: true}}\n---\n{body}"),
    );
    let out = project.run(&["build", "-v"]).ok();
    assert!(out.contains("2 removed"), "{out}");
    assert_eq!(project.guids().keys().collect::<Vec<_>>(), ["残る"]);
    let removed = project.run(&["removed"]).ok();
    assert!(
        removed.contains("用語") && removed.contains("a.md"),
        "{removed}"
    );

    project.write_note(
        "a.md",
        format!("---\nnotedeck:\n  skip: false\n---\n{body}"),
    );
    project.run(&["build"]).ok();
    assert_eq!(project.guids(), before);
}

#[test]
fn excluded_notes_are_never_read_and_their_cards_leave() {
    let project = Project::empty();
    project.write_note("a.md", "# 題\n\n- 用語: 定義の説明\n");
    project.write_note("drafts/d.md", "# 下書き\n\n- 下書きの用語: 下書きの定義\n");
    project.write_note("aws/x.private.md", "# 私用\n\n- 私用の用語: 私用の定義\n");
    project.run(&["build", "--notes", "notes"]).ok();
    assert_eq!(project.guids().len(), 3);
    let kept = project.guids()["用語"].clone();

    std::fs::write(
        project.notes().join("notedeck.toml"),
        "exclude = [\"drafts/**\", \"*.private.md\"]\n",
    )
    .unwrap();
    // Not read at all: a file there that is no note fails nothing.
    project.write_note("drafts/broken.md", b"\xff\xfe not UTF-8");
    let out = project.run(&["build", "--notes", "notes", "-v"]).ok();
    assert!(out.contains("2 removed"), "{out}");
    assert_eq!(
        project.guids().into_iter().collect::<Vec<_>>(),
        [("用語".to_string(), kept)]
    );
    assert_eq!(fronts(&project), ["用語"]);
    let search = project.run(&["search", "用語"]);
    assert!(!search.stderr().contains("changed"), "{}", search.stderr());
    let explained = explain(&project, "drafts/d.md");
    assert_eq!(explained[&3]["outcome"], "excluded", "{explained:?}");
}

#[test]
fn a_bad_exclude_glob_names_the_file_and_line() {
    let project = Project::empty();
    project.write_note("a.md", "- 用語: 定義\n");
    std::fs::write(
        project.notes().join("notedeck.toml"),
        "exclude = [\n  \"drafts/**\",\n  \"[oops\",\n]\n",
    )
    .unwrap();
    let run = project.run(&["build", "--notes", "notes"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("notedeck.toml: line 3: exclude = \"[oops\""),
        "{}",
        run.stderr()
    );
}

#[test]
fn explain_names_the_rule_of_each_card_and_why_a_line_made_none() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "# 題\n\n- 用語: 定義の説明\n- 今日は雨が降ったので家にいました。\n\n```\ncode: here\n```\n\n<!-- notedeck: skp -->\n- 次の用語: 次の定義\n",
    );
    let lines = explain(&project, "a.md");
    assert_eq!(lines[&3]["outcome"], "card");
    assert_eq!(lines[&3]["cards"][0]["front"], "用語");
    assert_eq!(lines[&3]["cards"][0]["rule"], "3. Term with definition");
    assert_eq!(lines[&4]["outcome"], "no_card");
    assert_eq!(lines[&4]["why"], "a sentence: it defines nothing");
    assert_eq!(lines[&7]["why"], "inside a code block");
    assert_eq!(lines[&1]["why"], "the note's title (it names the deck)");
    // A slip in the mark skips nothing, and says so.
    let slip = lines[&10]["why"].as_str().unwrap();
    assert!(slip.contains("skipping nothing"), "{slip}");
    assert_eq!(lines[&11]["outcome"], "card");

    let text = project.run(&["explain", "notes/a.md"]).ok();
    assert!(
        text.contains(
            "    3  - 用語: 定義の説明\n       → card «用語» (term), 3. Term with definition\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("→ no card: a sentence: it defines nothing"),
        "{text}"
    );
}

#[test]
fn explain_names_a_title_over_one_card_a_name_said_again_and_a_schedule_note() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "# 題\n\n- CloudFormation\n  - Retain: 削除時にリソースを保持する\n- CNAME レコード:\n  - 別名を定義する。\n\
         \x20 - CNAME レコードは、ルートには使えない。\n- Git を使う - Day1後半で学習\n  - [Git](https://git-scm.com)\n",
    );
    let lines = explain(&project, "a.md");
    let why = |line: u64| lines[&line]["why"].as_str().unwrap_or("").to_string();
    assert_eq!(
        why(3),
        "a title over one card, which keeps it in its context"
    );
    assert_eq!(lines[&4]["outcome"], "card");
    assert_eq!(lines[&5]["outcome"], "card");
    assert_eq!(
        why(7),
        "names the card above again: it stays whole in that back"
    );
    assert_eq!(
        why(8),
        "only when the course teaches it, over links: nothing to recall"
    );
}

#[test]
fn the_authors_separators_make_terms_and_a_new_setting_reextracts_keeping_guids() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "# 題\n\n- 用語: 定義の説明\n- 光合成 ... 植物が光で糖を作ること\n- 呼吸 ～ 糖から力を取り出すこと\n",
    );
    project.run(&["build", "--notes", "notes"]).ok();
    let before = project.guids();
    assert_eq!(before.keys().collect::<Vec<_>>(), ["用語"]);

    std::fs::write(
        project.notes().join("notedeck.toml"),
        "[extract]\nseparators = [\" ... \", \"～\"]\n",
    )
    .unwrap();
    project.run(&["build", "--notes", "notes"]).ok();
    let after = project.guids();
    assert_eq!(after.keys().collect::<Vec<_>>(), ["光合成", "呼吸", "用語"]);
    assert_eq!(after["用語"], before["用語"]);
    let cards = cards(&project);
    assert_eq!(cards[1]["back"], "植物が光で糖を作ること");
    assert_eq!(cards[2]["back"], "糖から力を取り出すこと");
}

#[test]
fn the_authors_labels_file_what_follows_as_built_in_labels_do() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "# 題\n\n## 出典\n\n本の名前と著者の一覧。\n\n- 出典\n  - 用語X: 定義X\n- 出典: 用語Y: 定義Y\n",
    );
    let without = fronts(&project);
    assert!(without.iter().any(|f| f == "出典"), "{without:?}");
    std::fs::write(
        project.notes().join("notedeck.toml"),
        "[extract]\nlabels = [\"出典\"]\n",
    )
    .unwrap();
    assert_eq!(fronts(&project), ["用語X", "用語Y"]);
}
