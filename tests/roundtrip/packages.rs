//! The `.apkg` packages `notedeck build` writes, imported with Anki's
//! defaults: a first import, and re-imports after the notes change.

use std::fs;
use std::path::PathBuf;

use crate::common::*;
use notedeck::card::{Card, Kind};

/// Counts an import must not report: each means a note was lost, merged or
/// placed somewhere the user did not ask for.
const NEVER: [&str; 4] = [
    "conflicting",
    "first_field_match",
    "missing_notetype",
    "missing_deck",
];

fn assert_none_of(logs: &[serde_json::Value], kinds: &[&str]) {
    for kind in kinds {
        assert_eq!(total(logs, kind), 0, "{kind}: {logs:?}");
    }
}

/// 1. The one package of the notes imports into a fresh collection: one new
///    note a card, holding its fields, deck and tags.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn the_package_imports_into_a_fresh_collection() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = notes_with_hard_note(tmp.path());
    let out = tmp.path().join("out");
    let run = build(&notes, &out, "apkg");
    // The notes link one remote image: it is named, and nothing else is.
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(warnings[0].contains("remote image"), "{}", run.stderr);
    let packages = outputs(&out, "apkg");
    assert_eq!(
        packages,
        [out.join("notes.apkg")],
        "one package for every deck"
    );
    for package in &packages {
        let name = package.file_name().unwrap().to_string_lossy();
        assert!(run.stdout.contains(&*name), "{name} not in: {}", run.stdout);
    }

    let cards = extracted(&notes);
    hard_cards(&cards);
    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, &packages);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    assert_none_of(&logs, &NEVER);
    assert_none_of(&logs, &["duplicate", "updated"]);
    let imported = anki.notes(&col);
    assert_eq!(imported.len(), cards.len());
    for card in &cards {
        let note = &imported[&card.guid];
        assert_eq!(note["notetype"], "notedeck");
        assert_note_is(note, card, &ALL_FIELDS);
    }
}

/// 2. A reviewed card keeps its review when its definition changes and the
///    rebuilt package is imported again; only that note is updated.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn reimport_after_an_edit_updates_that_note_and_keeps_its_review() {
    let anki = anki();
    let Imported {
        _tmp,
        notes,
        out,
        col,
        cards: before,
    } = imported_copy_of_notes(anki);

    // A term whose edit changes no other card (a topic above it would).
    let target = before
        .iter()
        .filter(|c| c.kind == Kind::Term && !c.back.is_empty())
        .find(|c| {
            let path = notes.join(&*c.file);
            let original = fs::read_to_string(&path).unwrap();
            append_to_line(&path, c.line, "（改訂）");
            let after = extracted(&notes);
            let changed: Vec<&Card> = after.iter().filter(|a| !before.contains(a)).collect();
            fs::write(&path, original).unwrap();
            changed.len() == 1 && changed[0].guid == c.guid
        })
        .expect("a term whose edit changes one card")
        .clone();
    let review = anki.run(&[&"review", &col, &target.guid]);
    assert_eq!(review["reps"], 1);

    append_to_line(&notes.join(&*target.file), target.line, "（改訂）");
    let run = build(&notes, &out, "apkg");
    assert!(run.stdout.contains("1 changed"), "{}", run.stdout);
    let edited = extracted(&notes)
        .into_iter()
        .find(|c| c.guid == target.guid)
        .expect("the edited card keeps its GUID");
    assert!(edited.back_html.contains("（改訂）"));

    let logs = anki.import_apkg(&col, &outputs(&out, "apkg"));
    assert_eq!(total(&logs, "updated"), 1, "{logs:?}");
    assert_eq!(total(&logs, "new"), 0, "{logs:?}");
    assert_eq!(total(&logs, "duplicate"), before.len() as u64 - 1);
    assert_none_of(&logs, &NEVER);

    let imported = anki.notes(&col);
    assert_eq!(imported.len(), before.len());
    let note = &imported[&target.guid];
    assert_note_is(note, &edited, &ALL_FIELDS);
    assert_eq!(note["reps"], 1, "the review survives the update");
    assert_eq!(note["card_ids"], serde_json::json!([review["card_id"]]));
}

/// 3. A term added to the notes is added on re-import; a removed one is
///    reported by `build` (an import never deletes) and is no longer in the
///    packages.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn rebuild_adds_a_new_term_and_reports_a_removed_one() {
    let anki = anki();
    let Imported {
        _tmp,
        notes,
        out,
        col,
        cards: before,
    } = imported_copy_of_notes(anki);

    // Remove the last card's line, add a term at the end: no other line moves.
    let last = before
        .iter()
        .max_by_key(|c| (c.file.clone(), c.line))
        .unwrap()
        .clone();
    let path = notes.join(&*last.file);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(last.line - 1);
    fs::write(
        &path,
        lines.join("\n") + "\n\n- 追加用語: ラウンドトリップ試験のために追加した定義\n",
    )
    .unwrap();
    let run = build(&notes, &out, "apkg");
    assert!(run.stdout.contains("1 removed"), "{}", run.stdout);
    let after = extracted(&notes);
    assert!(!after.iter().any(|c| c.guid == last.guid));
    let added: Vec<&Card> = after
        .iter()
        .filter(|c| !before.iter().any(|b| b.guid == c.guid))
        .collect();
    assert!(added.iter().any(|c| c.front == "追加用語"), "{added:?}");
    assert!(
        run.stdout.contains(&format!("{} new", added.len())),
        "{}",
        run.stdout
    );

    let logs = anki.import_apkg(&col, &outputs(&out, "apkg"));
    assert_eq!(total(&logs, "new"), added.len() as u64, "{logs:?}");
    assert_none_of(&logs, &NEVER);
    // Every note of the packages is accounted for: they hold exactly the
    // cards the notes have now, not the removed one.
    let in_packages: u64 = ["new", "updated", "duplicate"]
        .iter()
        .map(|kind| total(&logs, kind))
        .sum();
    assert_eq!(in_packages, after.len() as u64, "{logs:?}");
    let imported = anki.notes(&col);
    assert_eq!(imported.len(), before.len() + added.len());
    for card in &added {
        assert_note_is(&imported[&card.guid], card, &ALL_FIELDS);
    }
}

/// 6. The legacy layout every Anki client imports: schema 11, the entries
///    `collection.anki2` and `media` and nothing else (no `meta`), each
///    with its right CRC-32.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn package_is_legacy_schema_11_without_meta() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    write_hard_note(&notes);
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg");
    assert_eq!(outputs(&out, "apkg"), vec![out.join("notes.apkg")]);
    let schema = anki.run(&[&"schema", &out.join("notes.apkg")]);
    assert_eq!(schema["ver"], 11);
    assert_eq!(schema["crc_ok"], true);
    assert_eq!(
        schema["entries"],
        serde_json::json!(["collection.anki2", "media"])
    );
    assert_eq!(schema["media"], serde_json::json!({}));
    assert_eq!(
        schema["tables"],
        serde_json::json!(["cards", "col", "graves", "notes", "revlog"])
    );
}

/// 7. A package large enough that its collection is deflated in several
///    pieces, most of them while it is built, imports whole: every note
///    with its fields, every CRC-32 right.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_package_deflated_in_pieces_imports_whole() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    let terms: String = (0..9_000)
        .map(|i| format!("- 用語{i}: {i} は、監視のために使うサービスです。設定 {i} では、失敗したメッセージを保持し、後で再処理できます。\n"))
        .collect();
    fs::write(notes.join("many.md"), format!("# 大量\n\n{terms}")).unwrap();
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg");
    let package = out.join("notes.apkg");
    let collection = zip::ZipArchive::new(fs::File::open(&package).unwrap())
        .unwrap()
        .by_name("collection.anki2")
        .unwrap()
        .size();
    // Pieces are 1 MiB: the notes' pieces in the middle are deflated early.
    assert!(collection > 3 << 20, "{collection} bytes");
    assert_eq!(anki.run(&[&"schema", &package])["crc_ok"], true);

    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, &[package]);
    assert_eq!(total(&logs, "new"), 9_000, "{logs:?}");
    assert_none_of(&logs, &NEVER);
    let imported = anki.notes(&col);
    let cards = extracted(&notes);
    assert_eq!(imported.len(), cards.len());
    for card in &cards {
        assert_note_is(&imported[&card.guid], card, &ALL_FIELDS);
    }
}

/// 8. A topic lists the cards nested under it by their fronts: when an item
///    under a reviewed topic becomes a card of its own, the rebuilt package
///    updates the topic's note in place (its GUID and review kept), showing
///    the item by its front, and adds the item's card with its definition.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_topic_whose_item_becomes_a_card_is_updated_in_place_listing_it_by_its_front() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    let note = notes.join("ssm.md");
    let topic = "# SSM\n\n- Session Manager\n  - 踏み台ホストなしでインスタンスに接続できる。\n";
    fs::write(
        &note,
        format!("{topic}  - SSM Agent はインスタンスで動くソフトウェアです。\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    build(&notes, &out, "apkg");
    let before = extracted(&notes);
    assert_eq!(before.len(), 1, "{before:#?}");
    anki.import_apkg(&col, &outputs(&out, "apkg"));
    let guid = guid_of(&before, "Session Manager");
    let review = anki.run(&[&"review", &col, &guid]);
    assert_eq!(review["reps"], 1);

    fs::write(
        &note,
        format!("{topic}  - SSM Agent: インスタンスで動くソフトウェア\n"),
    )
    .unwrap();
    build(&notes, &out, "apkg");
    let after = extracted(&notes);
    let topic_card = after
        .iter()
        .find(|c| c.guid == guid)
        .expect("the topic keeps its GUID");
    assert_eq!(
        topic_card.back,
        "- 踏み台ホストなしでインスタンスに接続できる。\n- SSM Agent"
    );
    let agent = after
        .iter()
        .find(|c| c.front == "SSM Agent")
        .expect("the item's card");
    assert_eq!(agent.back, "インスタンスで動くソフトウェア");

    let logs = anki.import_apkg(&col, &outputs(&out, "apkg"));
    assert_eq!(total(&logs, "updated"), 1, "{logs:?}");
    assert_eq!(total(&logs, "new"), 1, "{logs:?}");
    assert_none_of(&logs, &NEVER);
    let imported = anki.notes(&col);
    assert_eq!(imported.len(), 2);
    let note = &imported[&guid];
    assert_note_is(note, topic_card, &ALL_FIELDS);
    assert_eq!(note["reps"], 1, "the review survives the update");
    assert_eq!(note["card_ids"], serde_json::json!([review["card_id"]]));
    assert_note_is(&imported[&agent.guid], agent, &ALL_FIELDS);
}

/// A copy of `notes/` in a temporary folder, built into `out` and imported
/// into the collection `col`, with its cards as extracted.
struct Imported {
    _tmp: tempfile::TempDir,
    notes: PathBuf,
    out: PathBuf,
    col: PathBuf,
    cards: Vec<Card>,
}

fn imported_copy_of_notes(anki: &Anki) -> Imported {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_dir(&repo().join("notes"), &notes);
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    build(&notes, &out, "apkg");
    let cards = extracted(&notes);
    anki.import_apkg(&col, &outputs(&out, "apkg"));
    Imported {
        _tmp: tmp,
        notes,
        out,
        col,
        cards,
    }
}
