//! Hostile notes: every field of a card stays within its limit, so that a
//! build's output, memory and time stay linear in its notes.

mod common;

use common::{card_count, Project};
use notedeck::card::Card;
use notedeck::limits::{MAX_CONTEXT_PART, MAX_HTML, MAX_PLAIN};

const SECTION: &str = "# D\n\n## 見出し\n\n";

fn cards(project: &Project) -> Vec<Card> {
    project
        .run(&["extract", "notes", "--format", "jsonl"])
        .ok()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a card a line"))
        .collect()
}

fn index_size(project: &Project) -> u64 {
    std::fs::metadata(project.dir.path().join("out/index.sqlite"))
        .unwrap()
        .len()
}

/// Each field within its limit (a back's last text run may overshoot the HTML
/// limit by its own size, which these notes never reach).
fn assert_bounded(card: &Card) {
    assert!(
        card.back.len() <= MAX_PLAIN,
        "plain back of {}",
        card.back.len()
    );
    assert!(
        card.back_html.len() <= MAX_HTML,
        "HTML back of {}",
        card.back_html.len()
    );
    for part in card.context.iter().chain(card.tags.iter()) {
        assert!(
            part.len() <= MAX_CONTEXT_PART,
            "context or tag of {}",
            part.len()
        );
    }
}

#[test]
fn a_note_nested_thirty_thousand_levels_deep_builds_a_small_index() {
    // 60 KB, which once made a 900 MB index.
    let project = Project::empty();
    project.write_note("a.md", format!("{SECTION}{}x\n", "- ".repeat(30_000)));
    project.run(&["build"]).ok();
    assert_eq!(card_count(&project.index()), 1);
    assert!(
        index_size(&project) < 20 << 20,
        "{} bytes",
        index_size(&project)
    );

    let cards = cards(&project);
    assert_eq!(cards.len(), 1);
    assert_bounded(&cards[0]);
    // The one 60 KB line is past the longest back a card takes: cut, marked.
    assert!(cards[0].back.ends_with('…'), "{}", cards[0].back);
}

#[test]
fn nesting_past_every_limit_is_cut_and_marked_not_a_failed_build() {
    // Once 19.5 GB of memory, then "String or BLOB exceeds size limit".
    let project = Project::empty();
    let mut note = format!("{SECTION}{}html: <div>\n\n", "- ".repeat(70_000));
    note.push_str(&"1. ".repeat(70_000));
    note.push('\n');
    project.write_note("b.md", &note);
    let out = project.run(&["build"]).ok();
    assert!(out.starts_with("1 file changed · 1 card (1 new"), "{out}");
    assert!(
        index_size(&project) < 64 << 20,
        "{} bytes",
        index_size(&project)
    );

    let cards = cards(&project);
    assert_eq!(cards.len(), 1);
    assert_bounded(&cards[0]);
    assert!(cards[0].back.ends_with('…'), "{}", cards[0].back);
}

#[test]
fn a_huge_heading_costs_each_card_below_it_a_bounded_context() {
    let heading = "長い見出し".repeat(20_000); // 300 KB
    let terms: String = (0..2_000)
        .map(|i| format!("- 用語{i}: 定義{i}\n"))
        .collect();
    let project = Project::empty();
    project.write_note("c.md", format!("# D\n\n## {heading}\n\n{terms}"));
    project.run(&["build"]).ok();
    assert!(
        index_size(&project) < 20 << 20,
        "{} bytes",
        index_size(&project)
    );

    let cards = cards(&project);
    // The heading's own card, then the terms under it.
    assert_eq!(cards.len(), 2_001);
    for card in &cards[1..] {
        assert_bounded(card);
        assert!(card.context[0].starts_with("長い見出し") && card.context[0].ends_with('…'));
    }
}

#[test]
fn blockquotes_nested_past_the_html_limit_make_closed_html() {
    let project = Project::empty();
    project.write_note("q.md", format!("{SECTION}{}x\n", ">".repeat(400_000)));
    project.run(&["build"]).ok();
    let cards = cards(&project);
    let html = &cards[0].back_html;
    assert_bounded(&cards[0]);
    assert!(html.contains('…'));
    assert_eq!(
        html.matches("<blockquote>").count(),
        html.matches("</blockquote>").count()
    );
}

#[test]
fn a_paragraph_of_thousands_of_definition_lines_extracts_in_linear_time() {
    // Each line is a card; reading each from the head's start made 50,000
    // lines take a minute.
    let lines: String = (0..30_000)
        .map(|i| format!("`用語{i}`: **説明**の文{i}  \n"))
        .collect();
    let started = std::time::Instant::now();
    let cards = notedeck::extract::extract_note("a.md", &lines);
    assert_eq!(cards.len(), 30_000);
    assert_eq!(cards[29_999].line, 30_000);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
