//! The plain-text back as `extract` prints it (and the index and CSV keep it).

mod common;

use common::Project;
use notedeck::card::Card;

#[test]
fn a_paragraph_quote_or_heading_after_a_list_starts_on_its_own_line() {
    let project = Project::empty();
    project.write_note(
        "sqs.md",
        "# SQS\n\n## SQS のアクセス制御\n\n\
         - SQS ポリシー\n  - キューごとに付ける\n\n\
         ポリシーを指定する際の注意点がある。\n\n\
         - 暗号化\n\n> 引用した説明\n\n\
         - 保持期間\n\n#### 補足の見出し\n\n本文。\n",
    );
    let out = project.run(&["extract", "notes", "--format", "jsonl"]).ok();
    let section: Card = out
        .lines()
        .map(|l| serde_json::from_str::<Card>(l).unwrap())
        .find(|c| c.front == "SQS のアクセス制御")
        .expect("the section's card");
    let lines: Vec<&str> = section.back.lines().collect();
    // A subsection shows as its title in the list of titles that ends a
    // section's back (docs/extraction.md, "no giant cards").
    for line in [
        "ポリシーを指定する際の注意点がある。",
        "引用した説明",
        "- 補足の見出し",
    ] {
        assert!(lines.contains(&line), "{line:?} not a line of {lines:#?}");
    }
}

#[test]
fn an_item_of_only_a_picture_leaves_no_empty_bullet() {
    let project = Project::empty();
    project.write_note(
        "ooda.md",
        "# OODA\n\n- OODAループ: 意思決定の理論\n  - 観察から始まる。\n  - ![](images/ooda.png)\n  - PDCAとの違い\n",
    );
    let out = project.run(&["extract", "notes", "--format", "jsonl"]).ok();
    let card: Card = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        card.back,
        "意思決定の理論\n- 観察から始まる。\n- PDCAとの違い"
    );
    assert!(
        card.back_html.contains("<img src=\"images/ooda.png\""),
        "{}",
        card.back_html
    );
}
