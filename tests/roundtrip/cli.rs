//! `notedeck build` end to end, judged by Anki's library: the binary builds
//! the decks of a notes folder (with its real index and changed times), and
//! the packages and CSV files are imported into collections and read back.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use notedeck::card::{Card, Kind};

fn notedeck(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_notedeck"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run notedeck");
    assert!(
        output.status.success(),
        "notedeck failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn build(notes: &Path, out: &Path, formats: &str) -> String {
    notedeck(&[
        &"build",
        &"--notes",
        &notes,
        &"--out",
        &out,
        &"--format",
        &formats,
    ])
}

/// The cards as `notedeck extract DIR --format jsonl` prints them.
fn extracted(notes: &Path) -> Vec<Card> {
    notedeck(&[&"extract", &notes, &"--format", &"jsonl"])
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a card a line"))
        .collect()
}

fn outputs(out: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn copy_of_notes(tmp: &Path) -> PathBuf {
    let notes = tmp.join("notes");
    copy_dir(&repo().join("notes"), &notes);
    notes
}

#[test]
fn build_writes_packages_that_import_with_every_card() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = repo().join("notes");
    let out = tmp.path().join("out");
    let summary = build(&notes, &out, "apkg,csv");
    let packages = outputs(&out, "apkg");
    assert!(!packages.is_empty());
    for file in packages.iter().chain(&outputs(&out, "csv")) {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(summary.contains(&*name), "{name} not in: {summary}");
    }

    let cards = extracted(&notes);
    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, &packages);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    assert_eq!(total(&logs, "conflicting"), 0, "{logs:?}");
    let imported = anki.notes(&col);
    assert_eq!(imported.len(), cards.len());
    for card in &cards {
        assert_note_is(
            &imported[&card.guid],
            card,
            &["Front", "Back", "Context", "Source"],
        );
    }
}

#[test]
fn rebuild_after_an_edit_updates_that_note_and_keeps_its_review() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = copy_of_notes(tmp.path());
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    build(&notes, &out, "apkg");
    let before = extracted(&notes);
    anki.import_apkg(&col, &outputs(&out, "apkg"));

    // A term whose edit changes no other card (a topic above it would).
    let target = before
        .iter()
        .filter(|c| c.kind == Kind::Term && !c.back.is_empty())
        .find(|c| {
            let path = notes.join(&c.file);
            let original = fs::read_to_string(&path).unwrap();
            append_to_line(&path, c.line, "（改訂）");
            let after = extracted(&notes);
            let changed: Vec<&Card> = after.iter().filter(|a| !before.contains(a)).collect();
            let only_this = changed.len() == 1 && changed[0].guid == c.guid;
            fs::write(&path, original).unwrap();
            only_this
        })
        .expect("a term whose edit changes one card")
        .clone();
    let review = anki.run(&[&"review", &col, &target.guid]);
    assert_eq!(review["reps"], 1);
    append_to_line(&notes.join(&target.file), target.line, "（改訂）");
    let summary = build(&notes, &out, "apkg");
    assert!(summary.contains("1 changed"), "{summary}");
    let logs = anki.import_apkg(&col, &outputs(&out, "apkg"));
    assert_eq!(total(&logs, "updated"), 1, "{logs:?}");
    assert_eq!(total(&logs, "new"), 0, "{logs:?}");
    assert_eq!(total(&logs, "conflicting"), 0, "{logs:?}");

    let imported = anki.notes(&col);
    assert_eq!(imported.len(), before.len());
    let note = &imported[&target.guid];
    assert!(note["fields"]["Back"]
        .as_str()
        .unwrap()
        .contains("（改訂）"));
    assert_eq!(note["reps"], 1, "the review survives the update");
}

#[test]
fn rebuild_adds_a_new_term_and_reports_a_removed_one() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = copy_of_notes(tmp.path());
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    build(&notes, &out, "apkg");
    let before = extracted(&notes);
    anki.import_apkg(&col, &outputs(&out, "apkg"));

    // Remove the last card's line, add a term at the end: no other line moves.
    let last = before
        .iter()
        .max_by_key(|c| (c.file.clone(), c.line))
        .unwrap()
        .clone();
    let path = notes.join(&last.file);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(last.line - 1);
    fs::write(
        &path,
        lines.join("\n") + "\n\n- 追加用語: ラウンドトリップ試験のために追加した定義\n",
    )
    .unwrap();
    let summary = build(&notes, &out, "apkg");
    assert!(summary.contains("1 removed"), "{summary}");
    let after = extracted(&notes);
    let added: Vec<&Card> = after
        .iter()
        .filter(|c| !before.iter().any(|b| b.guid == c.guid))
        .collect();
    assert!(added.iter().any(|c| c.front == "追加用語"), "{added:?}");
    assert!(
        summary.contains(&format!("{} new", added.len())),
        "{summary}"
    );

    let logs = anki.import_apkg(&col, &outputs(&out, "apkg"));
    assert_eq!(total(&logs, "new"), added.len() as u64, "{logs:?}");
    let imported = anki.notes(&col);
    for card in &added {
        assert_note_is(&imported[&card.guid], card, &["Front", "Back", "Source"]);
    }
}

#[test]
fn build_csv_imports_and_reimports_by_guid() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = copy_of_notes(tmp.path());
    let out = tmp.path().join("out");
    build(&notes, &out, "csv");
    assert!(
        outputs(&out, "apkg").is_empty(),
        "--format csv writes no package"
    );
    let cards = extracted(&notes);
    let col = tmp.path().join("col.anki2");
    let logs = anki.import_csv(&col, &outputs(&out, "csv"));
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    let imported = anki.notes(&col);
    for card in &cards {
        assert_note_is(&imported[&card.guid], card, &["Back"]);
    }

    let target = cards.iter().find(|c| !c.back.is_empty()).unwrap();
    append_to_line(&notes.join(&target.file), target.line, "（改訂）");
    build(&notes, &out, "csv");
    let logs = anki.import_csv(&col, &outputs(&out, "csv"));
    assert_eq!(total(&logs, "new"), 0, "{logs:?}");
    let imported = anki.notes(&col);
    assert_eq!(imported.len(), cards.len());
    assert!(imported[&target.guid]["fields"]["Back"]
        .as_str()
        .unwrap()
        .contains("（改訂）"));
}

fn append_to_line(path: &Path, line: usize, suffix: &str) {
    let text = fs::read_to_string(path).unwrap();
    let edited: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                format!("{l}{suffix}")
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(path, edited.join("\n") + "\n").unwrap();
}
