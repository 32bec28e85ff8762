//! Front matter and `notedeck.toml` through the binary: what they choose
//! (note types, decks, the output folder), that front matter makes no card
//! and moves no line, and that a bad setting names its file and line.

mod common;

use common::Project;
use notedeck::card::{Card, NoteType};

fn cards(project: &Project) -> Vec<Card> {
    project
        .run(&["extract", "notes", "--format", "jsonl"])
        .ok()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn card<'a>(cards: &'a [Card], front: &str) -> &'a Card {
    cards.iter().find(|c| c.front == front).unwrap()
}

#[test]
fn front_matter_chooses_the_note_type_and_makes_no_card() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "---\ntitle: 例\nnotedeck:\n  reverse: true\n---\n# 例\n\n- 用語: 定義\n- 穴: ==答え== です\n",
    );
    project.write_note("b.md", "- 別: 説明\n");
    let cards = cards(&project);
    assert_eq!(cards.len(), 3, "{cards:#?}");
    assert_eq!(card(&cards, "用語").note_type, NoteType::Reversed);
    assert_eq!(card(&cards, "用語").line, 8);
    assert_eq!(&*card(&cards, "用語").deck, "例");
    assert_eq!(card(&cards, "穴").note_type, NoteType::Cloze);
    assert_eq!(card(&cards, "別").note_type, NoteType::Basic);
}

#[test]
fn a_bad_front_matter_names_the_line_and_the_other_notes_are_built() {
    let project = Project::empty();
    project.write_note(
        "bad.md",
        "---\nnotedeck: {reverse: maybe}\n---\n- 用語: 定義\n",
    );
    project.write_note("good.md", "- 別: 説明\n");
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("bad.md:2: notedeck: invalid boolean"),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().contains("1 card (1 new"), "{}", run.stdout());
}

#[test]
fn the_summary_counts_notes_and_the_cards_anki_makes_of_them() {
    let project = Project::empty();
    project.write_note(
        "a.md",
        "---\nnotedeck: {reverse: true}\n---\n- 用語: 定義\n",
    );
    project.write_note("b.md", "- 穴: ==光== と ==水==\n- 別: 説明\n");
    let summary = project.run(&["build"]).ok();
    assert!(summary.contains(" · 3 notes, 5 cards (3 new"), "{summary}");
    // One gap fewer: a note changed, a card fewer.
    project.write_note("b.md", "- 穴: ==光== と水\n- 別: 説明\n");
    let summary = project.run(&["build"]).ok();
    assert!(
        summary.contains(" · 3 notes, 4 cards (0 new, 1 changed"),
        "{summary}"
    );
    // Nothing changed: the same counts, kept by the index.
    let summary = project.run(&["build"]).ok();
    assert!(
        summary.contains(" · 3 notes, 4 cards (0 new, 0 changed"),
        "{summary}"
    );
    // As many cards as notes: cards alone.
    project.write_note("a.md", "- 用語: 定義\n");
    project.write_note("b.md", "- 別: 説明\n");
    let summary = project.run(&["build"]).ok();
    assert!(
        summary.contains(" · 2 cards (0 new, 1 changed, 0 moved, 0 renamed, 1 removed)"),
        "{summary}"
    );
}

#[test]
fn front_matter_is_yaml_quoted_multi_line_and_commented_alike() {
    let project = Project::empty();
    // What other tools write: quoted keys and values, a flow mapping over
    // several lines, comments, lists and a `#` inside a quoted value.
    project.write_note(
        "quoted.md",
        "---\ntitle: \"A: b # not a comment\"\n\"notedeck\": {\"reverse\": true}\n---\n- 用語: 定義\n",
    );
    project.write_note(
        "flow.md",
        "---\nnotedeck: {\n  type_in: true,   # typed\n}\ntags:\n  - a\n---\n- 別: 説明\n",
    );
    let cards = cards(&project);
    assert_eq!(card(&cards, "用語").note_type, NoteType::Reversed);
    assert_eq!(card(&cards, "別").note_type, NoteType::TypeIn);
    assert_eq!(card(&cards, "別").line, 8);
}

#[test]
fn front_matter_that_is_no_yaml_or_an_alias_bomb_fails_its_note_alone() {
    let project = Project::empty();
    project.write_note("broken.md", "---\ntitle: [x\nnext: y\n---\n- 用語: 定義\n");
    let mut bomb = String::from("---\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let aliases = vec![format!("*{previous}"); 9].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{aliases}]\n"));
    }
    project.write_note("bomb.md", format!("{bomb}---\n- 穴: 答え\n"));
    project.write_note("good.md", "- 別: 説明\n");
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    let stderr = run.stderr();
    assert!(stderr.contains("broken.md:3: front matter: "), "{stderr}");
    assert!(stderr.contains("bomb.md:"), "{stderr}");
    assert!(stderr.contains("alias"), "{stderr}");
    assert!(run.stdout().contains("1 card (1 new"), "{}", run.stdout());
}

#[test]
fn notedeck_toml_sets_folders_decks_and_the_output_folder_flags_win() {
    let project = Project::empty();
    project.write_note("aws/ec2/x.md", "# 起動\n\n- AMI: イメージ\n");
    project.write_note("other.md", "# 他\n\n- 用語: 定義\n");
    project.write_note(
        "notedeck.toml",
        "out = \"../decks\"\n\n[folders.\"aws/ec2\"]\ndeck = \"AWS::EC2\"\ntype_in = true\n",
    );
    // From the notes root, no flag is needed.
    let run_in_root = std::process::Command::new(env!("CARGO_BIN_EXE_notedeck"))
        .arg("build")
        .current_dir(project.notes())
        .output()
        .unwrap();
    assert!(run_in_root.status.success(), "{run_in_root:?}");
    let decks = project.dir.path().join("decks");
    assert!(decks.join("notes.apkg").is_file());
    let index = rusqlite::Connection::open(decks.join("index.sqlite")).unwrap();
    let rows: Vec<(String, String)> = index
        .prepare("SELECT deck, note_type FROM cards ORDER BY deck")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            ("AWS::EC2::起動".to_string(), "type_in".to_string()),
            ("他".to_string(), "basic".to_string())
        ]
    );
    // From the project, `build` finds notes/notedeck.toml too; --out wins.
    let out = project.run(&["build"]).ok();
    assert!(out.contains("no output rewritten"), "{out}");
    project.run(&["build", "--out", "elsewhere"]).ok();
    assert!(project.dir.path().join("elsewhere/notes.apkg").is_file());
}

#[test]
fn a_changed_notedeck_toml_rebuilds_the_cards_it_changes() {
    let project = Project::empty();
    project.write_note("a.md", "- 用語: 定義\n");
    project.run(&["build"]).ok();
    project.write_note("notedeck.toml", "reverse = true\n");
    let out = project.run(&["build", "-v"]).ok();
    assert!(out.contains("changed  a · 用語"), "{out}");
    assert!(out.contains("out/notes.apkg"), "{out}");
    let index = project.index();
    let note_type: String = index
        .query_row("SELECT note_type FROM cards", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note_type, "reversed");
}

#[test]
fn a_bad_notedeck_toml_names_the_file_and_line_and_builds_nothing() {
    let project = Project::empty();
    project.write_note("a.md", "- 用語: 定義\n");
    project.write_note(
        "notedeck.toml",
        "\n[folders.a]\nreverse = true\ntype_in = true\n",
    );
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("notedeck.toml"), "{}", run.stderr());
    assert!(run.stderr().contains("line 2"), "{}", run.stderr());
    assert!(
        run.stderr().contains("reverse and type_in"),
        "{}",
        run.stderr()
    );
    assert!(!project.dir.path().join("out").exists());
}
