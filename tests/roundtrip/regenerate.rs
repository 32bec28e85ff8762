//! Issue: Anki mirrors the notes through every ordinary edit. After each
//! edit of the notes, `build` and one re-import of the one package: no new
//! note, the reviewed note keeps its id and reviews, and exactly the notes
//! whose content changed are updated. Removed cards are found in Anki by
//! the search `notedeck removed` prints.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::shared::{edit_note, move_note, swap_sections, write_study_notes};

/// The study notes built and imported into a fresh collection, with the
/// card 食べる reviewed once.
struct Studied {
    _tmp: tempfile::TempDir,
    notes: PathBuf,
    out: PathBuf,
    col: PathBuf,
    reviewed: String,
    card_id: serde_json::Value,
}

fn studied(anki: &Anki) -> Studied {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    write_study_notes(&notes);
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    build(&notes, &out, "apkg");
    let logs = anki.import_apkg(&col, &[out.join("notes.apkg")]);
    assert_eq!(total(&logs, "new"), 17, "{logs:?}");
    let reviewed = extracted(&notes)
        .into_iter()
        .find(|c| c.front == "食べる")
        .unwrap()
        .guid;
    let review = anki.run(&[&"review", &col, &reviewed]);
    assert_eq!(review["reps"], 1);
    Studied {
        _tmp: tmp,
        notes,
        out,
        col,
        reviewed,
        card_id: review["card_id"].clone(),
    }
}

/// Applies `edits`, rebuilds, re-imports the one package and checks the
/// collection: nothing new, the review kept, and the updated notes are
/// exactly those whose fields or tags changed, fronted `updated`.
fn rebuild_and_reimport(anki: &Anki, edits: &[&dyn Fn(&Path)], updated: &[&str]) {
    let s = studied(anki);
    let before = anki.notes(&s.col);
    for edit in edits {
        edit(&s.notes);
    }
    let run = build(&s.notes, &s.out, "apkg");
    assert!(run.stdout.contains("(0 new"), "{}", run.stdout);
    assert!(run.stdout.contains("0 removed)"), "{}", run.stdout);
    let logs = anki.import_apkg(&s.col, &[s.out.join("notes.apkg")]);
    assert_eq!(total(&logs, "new"), 0, "{logs:?}");
    for kind in ["conflicting", "first_field_match", "missing_notetype"] {
        assert_eq!(total(&logs, kind), 0, "{kind}: {logs:?}");
    }
    let after = anki.notes(&s.col);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "the same notes, by GUID"
    );
    let reviewed = &after[&s.reviewed];
    assert_eq!(reviewed["reps"], 1, "the review survives");
    assert_eq!(reviewed["card_ids"], serde_json::json!([s.card_id]));

    let content = |n: &serde_json::Value| (n["fields"].clone(), n["tags"].clone());
    let changed: BTreeSet<String> = after
        .iter()
        .filter(|(guid, note)| content(note) != content(&before[*guid]))
        .map(|(_, note)| text_of(note["fields"]["Front"].as_str().unwrap()))
        .collect();
    let expected: BTreeSet<String> = updated.iter().map(|f| f.to_string()).collect();
    assert_eq!(changed, expected, "notes whose content changed");
    assert_eq!(total(&logs, "updated"), expected.len() as u64, "{logs:?}");
}

fn rename_heading(notes: &Path) {
    edit_note(notes, "N5/verbs.md", "## 基本", "## 基本（よく使う）");
}

fn retitle(notes: &Path) {
    edit_note(notes, "N5/verbs.md", "# 動詞", "# 動詞の基礎");
}

fn move_file(notes: &Path) {
    move_note(notes, "N5/verbs.md", "N4/verbs.md");
}

fn reorder(notes: &Path) {
    swap_sections(notes, "N5/verbs.md");
}

fn edit_back(notes: &Path) {
    edit_note(
        notes,
        "N5/verbs.md",
        "食べ物を口に入れて飲み込むこと",
        "食べ物を口に入れて噛み、飲み込むこと",
    );
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_renamed_heading_updates_its_cards_in_place() {
    let anki = anki();
    rebuild_and_reimport(
        anki,
        &[&rename_heading],
        &["基本（よく使う）", "食べる", "飲む"],
    );
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_retitled_note_changes_no_note() {
    let anki = anki();
    // The deck changes, which an import does not carry out (README).
    rebuild_and_reimport(anki, &[&retitle], &[]);
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_moved_file_updates_the_source_of_its_cards() {
    let anki = anki();
    rebuild_and_reimport(
        anki,
        &[&move_file],
        &["基本", "食べる", "飲む", "移動", "行く", "来る"],
    );
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn reordered_sections_change_no_note() {
    let anki = anki();
    rebuild_and_reimport(anki, &[&reorder], &[]);
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn an_edited_back_updates_that_card_alone_as_its_topic_lists_it_by_its_front() {
    let anki = anki();
    rebuild_and_reimport(anki, &[&edit_back], &["食べる"]);
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn all_the_edits_at_once_keep_every_note() {
    let anki = anki();
    rebuild_and_reimport(
        anki,
        &[&rename_heading, &retitle, &reorder, &edit_back, &move_file],
        &["基本（よく使う）", "食べる", "飲む", "移動", "行く", "来る"],
    );
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn the_removed_search_selects_exactly_the_removed_notes() {
    let anki = anki();
    let s = studied(anki);
    let cards = extracted(&s.notes);
    edit_note(
        &s.notes,
        "N5/nouns.md",
        "- 山: 周りより高く盛り上がった土地\n",
        "",
    );
    edit_note(
        &s.notes,
        "grammar.md",
        "- 格助詞: 名詞と述語の関係を示す助詞\n",
        "",
    );
    let run = build(&s.notes, &s.out, "apkg");
    assert!(run.stdout.contains("2 removed"), "{}", run.stdout);
    let query = notedeck(&[&"removed", &"--out", &s.out, &"--query"]).stdout;
    let found = anki.run(&[&"find", &s.col, &query.trim()]);
    let mut expected = vec![guid_of(&cards, "山"), guid_of(&cards, "格助詞")];
    expected.sort();
    assert_eq!(found["guids"], serde_json::json!(expected), "{query}");
}

/// `--split` writes one package a deck; importing them all is the same as
/// importing the one package.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn split_packages_import_as_the_one_package_does() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    write_study_notes(&notes);
    let out = tmp.path().join("out");
    build_with(&notes, &out, "apkg", &["--split"]);
    let packages = outputs(&out, "apkg");
    assert_eq!(packages.len(), 4, "{packages:?}");
    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, &packages);
    assert_eq!(total(&logs, "new"), 17, "{logs:?}");
    for card in extracted(&notes) {
        assert_note_is(&anki.notes(&col)[&card.guid], &card, &ALL_FIELDS);
    }
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_reimport_sets_the_tags_of_the_notes_it_updates_to_the_packages() {
    // Measured with Anki's library, and documented in the README: an
    // import that updates a note replaces its tags with the package's, so
    // the tags added in Anki to a note whose card changed are gone (a
    // package cannot know them: `sync` keeps them); a note the import
    // leaves alone keeps its own.
    let anki = anki();
    let s = studied(anki);
    let drink = extracted(&s.notes)
        .into_iter()
        .find(|c| c.front == "行く")
        .unwrap()
        .guid;
    for guid in [&s.reviewed, &drink] {
        anki.run(&[&"add-tags", &s.col, guid, &"leech", &"mytag"]);
    }
    // Anki updates a note only from a newer one (modification times in
    // seconds): the edit in the notes comes later than the tagging.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    edit_note(&s.notes, "N5/verbs.md", "飲み込むこと", "飲み下すこと");
    rename_heading(&s.notes);
    build(&s.notes, &s.out, "apkg");
    let logs = anki.import_apkg(&s.col, &[s.out.join("notes.apkg")]);
    assert!(total(&logs, "updated") > 0, "{logs:?}");
    let notes = anki.notes(&s.col);
    let tags = |guid: &str| -> Vec<String> {
        let mut tags: Vec<String> = serde_json::from_value(notes[guid]["tags"].clone()).unwrap();
        tags.sort();
        tags
    };
    assert!(notes[&s.reviewed]["fields"]["Back"]
        .as_str()
        .unwrap()
        .contains("飲み下す"));
    assert_eq!(tags(&s.reviewed), ["基本（よく使う）"]);
    // 行く's section was not renamed and its card did not change.
    assert_eq!(tags(&drink), ["leech", "mytag", "移動"]);
}
