//! A notes folder cloned from a stranger: what it holds beside notes (pipes,
//! devices, link loops, huge files), names macOS wrote decomposed, old Mac
//! line ends and queries built to be slow. Each is named and bounded; none
//! hangs a command, fails a build of the other notes, or changes identities.

mod common;

use common::Project;

// Case 11: a query is bounded; repeating a word or phrase is the same query.

fn a_few_hundred_cards(project: &Project) {
    for file in 0..10 {
        let mut note = format!("# 題{file}\n\n");
        for card in 0..30 {
            note.push_str(&format!(
                "- 見出し{file}の{card}: 用語 定義 をまとめた説明 {card}\n"
            ));
        }
        note.push_str("- 用語 定義: 用語 定義 そのもの\n");
        project.write_note(&format!("n{file}.md"), note);
    }
    project.run(&["build"]).ok();
}

#[test]
fn a_phrase_repeated_thousands_of_times_is_the_phrase_once() {
    let project = Project::empty();
    a_few_hundred_cards(&project);
    let once = project.run(&["search", "\"用語 定義\"", "--json", "--limit", "50"]);
    let hits = once.ok();
    assert_eq!(hits.lines().count(), 50, "{hits}");
    let repeated = "\"用語 定義\" ".repeat(2_000);
    let run = project.run(&["search", &repeated, "--json", "--limit", "50"]);
    assert_eq!(run.ok(), hits);
    let words = "用語 定義 ".repeat(2_000);
    let run = project.run(&["search", &words, "--json", "--limit", "50"]);
    let single = project.run(&["search", "用語 定義", "--json", "--limit", "50"]);
    assert_eq!(run.ok(), single.ok());
}

#[test]
fn a_query_past_its_bounds_is_an_error_naming_the_bound() {
    let project = Project::empty();
    a_few_hundred_cards(&project);
    let distinct: Vec<String> = (0..100).map(|i| format!("語{i}")).collect();
    let many = distinct.join(" ");
    let long = format!("\"{}\"", "用語定義".repeat(200));
    let huge = "a ".repeat(15_000);
    for (query, limit) in [
        (&many, "32 words"),
        (&long, "256 characters"),
        (&huge, "20000 characters"),
    ] {
        let run = project.run(&["search", query]);
        assert_eq!(run.code(), 2, "{}", run.stderr());
        assert!(run.stderr().contains(limit), "{limit}: {}", run.stderr());
    }
}

// Case 12: messages name the right file and line; a link loop is a warning.

#[test]
fn a_duplicate_card_warning_names_the_file_and_line_of_the_card_kept() {
    let project = Project::empty();
    project.write_note("a.md", "# 同じ\n\n- 用語: 定義\n");
    project.write_note("b.md", "# 同じ\n\n- 別語: 説明\n\n- 用語: 別の定義\n");
    let run = project.run(&["build"]);
    let stderr = run.stderr();
    assert_eq!(run.code(), 0, "{stderr}");
    assert!(
        stderr.contains(
            "b.md:5: a card of deck 同じ with the same front and context is already in a.md:3;"
        ),
        "{stderr}"
    );
}
