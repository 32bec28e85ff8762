//! The exporters judged by Anki's own library: packages and CSV files written
//! by `write_deck` are imported into real collections and read back.
//!
//! These drive the library (extract → stand-in index → `write_deck`); the same
//! checks through the `notedeck build` command are in `cli.rs`.

use std::fs;
use std::path::Path;

use crate::common::*;
use notedeck::card::{Card, Kind};
use notedeck::export::{write_deck, IndexedCard, OutputFormat};

const BOTH: &[OutputFormat] = &[OutputFormat::Apkg, OutputFormat::Csv];

/// 1. Every package of `notes/` imports into a fresh collection: one note a
///    card, fields, decks and tags as extracted, nothing conflicting.
#[test]
fn packages_of_the_notes_import_into_a_fresh_collection() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = repo().join("notes");
    let cards = extract_all(&notes);
    assert!(!cards.is_empty());
    let (indexed, _) = FakeIndex::default().update(&cards);
    let (files, warnings) = export(&tmp.path().join("out"), &notes, &indexed, BOTH);
    assert!(warnings.is_empty(), "{warnings:?}");

    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, &with_ext(&files, "apkg"));
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    for kind in [
        "conflicting",
        "duplicate",
        "updated",
        "missing_notetype",
        "missing_deck",
    ] {
        assert_eq!(total(&logs, kind), 0, "{kind}: {logs:?}");
    }
    let imported = anki.notes(&col);
    assert_eq!(imported.len(), cards.len());
    for card in &cards {
        let note = &imported[&card.guid];
        assert_eq!(note["notetype"], "notedeck");
        assert_note_is(note, card, &["Front", "Back", "Context", "Source"]);
    }
}

/// 2. A reviewed card keeps its review when its definition changes and the
///    package is imported again; only that note is updated.
#[test]
fn reimport_updates_exactly_the_changed_note_and_keeps_its_review() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_dir(&repo().join("notes"), &notes);
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    let mut index = FakeIndex::default();
    let cards = extract_all(&notes);
    let (indexed, _) = index.update(&cards);
    let (files, _) = export(&out, &notes, &indexed, &[OutputFormat::Apkg]);
    anki.import_apkg(&col, &with_ext(&files, "apkg"));

    // A term whose definition is on its own line, so that editing it changes
    // that card alone (a topic above it would change with it).
    let target = cards
        .iter()
        .filter(|c| c.kind == Kind::Term && !c.back.is_empty())
        .find(|c| {
            let original = edit_line(&notes, c, "（改訂）");
            let after = extract_all(&notes);
            let changed: Vec<&Card> = after.iter().filter(|a| !cards.contains(a)).collect();
            let only_this = changed.len() == 1 && changed[0].guid == c.guid;
            if !only_this {
                fs::write(notes.join(&c.file), original).unwrap();
            }
            only_this
        })
        .expect("a term whose edit changes one card")
        .clone();

    let review = anki.run(&[&"review", &col, &target.guid]);
    assert_eq!(review["reps"], 1);

    let cards_after = extract_all(&notes);
    assert_eq!(cards_after.len(), cards.len());
    let (indexed, changed) = index.update(&cards_after);
    assert_eq!(changed, vec![target.guid.clone()]);
    let (files, _) = export(&out, &notes, &indexed, &[OutputFormat::Apkg]);
    let logs = anki.import_apkg(&col, &with_ext(&files, "apkg"));
    assert_eq!(total(&logs, "updated"), 1, "{logs:?}");
    assert_eq!(total(&logs, "new"), 0, "{logs:?}");
    assert_eq!(total(&logs, "conflicting"), 0, "{logs:?}");
    assert_eq!(total(&logs, "duplicate"), cards.len() as u64 - 1);

    let imported = anki.notes(&col);
    assert_eq!(imported.len(), cards.len());
    let note = &imported[&target.guid];
    assert!(note["fields"]["Back"]
        .as_str()
        .unwrap()
        .contains("（改訂）"));
    assert_eq!(note["reps"], 1, "the review survives the update");
    assert_eq!(note["card_ids"][0], review["card_id"]);
}

/// 3. A new term is added on re-import; a removed one is no longer exported
///    (Anki keeps it: imports never delete, which is why `build` reports it).
#[test]
fn added_term_is_added_and_removed_term_is_gone_from_the_package() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_dir(&repo().join("notes"), &notes);
    let out = tmp.path().join("out");
    let col = tmp.path().join("col.anki2");
    let mut index = FakeIndex::default();
    let before = extract_all(&notes);
    let (indexed, _) = index.update(&before);
    let (files, _) = export(&out, &notes, &indexed, &[OutputFormat::Apkg]);
    anki.import_apkg(&col, &with_ext(&files, "apkg"));

    // Remove the last card's line and append a new term at the end, so that
    // no other line moves.
    let last = before
        .iter()
        .max_by_key(|c| (c.file.clone(), c.line))
        .unwrap()
        .clone();
    let path = notes.join(&last.file);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(last.line - 1);
    let mut new_text = lines.join("\n");
    new_text.push_str("\n\n- 追加用語: ラウンドトリップ試験のために追加した定義\n");
    fs::write(&path, new_text).unwrap();

    let after = extract_all(&notes);
    let added: Vec<&Card> = after
        .iter()
        .filter(|c| !before.iter().any(|b| b.guid == c.guid))
        .collect();
    assert!(added.iter().any(|c| c.front == "追加用語"), "{added:?}");
    assert!(!after.iter().any(|c| c.guid == last.guid));

    let (indexed, _) = index.update(&after);
    let (files, _) = export(&out, &notes, &indexed, &[OutputFormat::Apkg]);
    let logs = anki.import_apkg(&col, &with_ext(&files, "apkg"));
    assert_eq!(total(&logs, "new"), added.len() as u64, "{logs:?}");
    assert_eq!(total(&logs, "conflicting"), 0);
    let imported = anki.notes(&col);
    for card in &added {
        assert_note_is(&imported[&card.guid], card, &["Front", "Back", "Source"]);
    }
    // The removed card stays in Anki until the user deletes it.
    assert!(imported.contains_key(&last.guid));
}

/// 4. The CSV files import with the metadata Anki reads from their headers:
///    into a fresh collection (Basic: Front and Back) and into one that has
///    the notedeck type (all four fields); a re-import updates by GUID.
#[test]
fn csv_imports_into_fresh_and_notedeck_collections_and_updates_by_guid() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_dir(&repo().join("notes"), &notes);
    let out = tmp.path().join("out");
    let mut cards = extract_all(&notes);
    // Fields that a careless CSV writer would break.
    cards.push(card(
        "tricky",
        "#見出し風 \"引用\"\tタブ",
        "一行目<br>\n二行目 \"quote\" 'single'\tタブ",
        &["上位", "下位"],
    ));
    let mut index = FakeIndex::default();
    let (indexed, _) = index.update(&cards);
    let (files, _) = export(&out, &notes, &indexed, BOTH);
    let csvs = with_ext(&files, "csv");

    // Fresh collection: the notedeck type is unknown, Anki uses Basic.
    let fresh = tmp.path().join("fresh.anki2");
    let logs = anki.import_csv(&fresh, &csvs);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    let imported = anki.notes(&fresh);
    assert_eq!(imported.len(), cards.len());
    for c in &cards {
        let note = &imported[&c.guid];
        assert_eq!(note["notetype"], "Basic");
        assert_note_is(note, c, &["Back"]);
        assert_eq!(
            notedeck_front_text(note["fields"]["Front"].as_str().unwrap()),
            c.front,
            "{}",
            c.guid
        );
    }

    // A collection that has the notedeck type: all four fields.
    let typed = tmp.path().join("typed.anki2");
    let kept = anki.run(&[&"keep-notetype-only", &typed, &with_ext(&files, "apkg")[0]]);
    assert_eq!(kept["notes"], 0);
    let logs = anki.import_csv(&typed, &csvs);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    let imported = anki.notes(&typed);
    for c in &cards {
        let note = &imported[&c.guid];
        assert_eq!(note["notetype"], "notedeck");
        assert_note_is(note, c, &["Back", "Context", "Source"]);
    }

    // Edit one card; the re-import updates it by GUID instead of adding one.
    let target = cards.iter().position(|c| !c.back.is_empty()).unwrap();
    cards[target].back_html.push_str("（改訂）");
    let (indexed, _) = index.update(&cards);
    let (files, _) = export(&out, &notes, &indexed, &[OutputFormat::Csv]);
    for col in [&fresh, &typed] {
        let logs = anki.import_csv(col, &with_ext(&files, "csv"));
        assert_eq!(total(&logs, "new"), 0, "{logs:?}");
        let imported = anki.notes(col);
        assert_eq!(imported.len(), cards.len());
        let back = imported[&cards[target].guid]["fields"]["Back"]
            .as_str()
            .unwrap();
        assert!(back.ends_with("（改訂）"), "{back}");
    }
}

/// The Front as text: the CSV protects a leading `#` with an entity.
fn notedeck_front_text(html: &str) -> String {
    html.replace("&#35;", "#")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// 5. A local image lands in the collection's media folder and the card
///    shows it; escapes and missing files are warnings, remote images stay.
#[test]
fn local_image_reaches_the_media_folder_and_the_card() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(notes.join("aws/img")).unwrap();
    let png = tiny_png();
    fs::write(notes.join("aws/img/図.png"), &png).unwrap();
    fs::write(tmp.path().join("secret.png"), b"not for sharing").unwrap();
    let mut cards = vec![card(
        "aws::監視",
        "CloudWatch",
        r#"<p>監視 <img src="img/%E5%9B%B3.png" alt="図" /></p><p><img src="https://example.com/r.png" alt="r" /></p>"#,
        &["41"],
    )];
    cards.push(card(
        "aws::監視",
        "秘密",
        r#"<img src="../../secret.png" alt="s" /><img src="img/none.png" alt="n" />"#,
        &[],
    ));
    for c in &mut cards {
        c.file = "aws/監視.md".into();
    }
    let indexed: Vec<IndexedCard> = FakeIndex::default().update(&cards).0;
    let out = tmp.path().join("out");
    let report = write_deck(&out, &notes, "aws::監視", &indexed, BOTH).unwrap();
    assert_eq!(report.media, 1);
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(report.warnings[0].starts_with("aws/監視.md:"));
    assert!(report.warnings[0].contains("refused"));
    assert!(report.warnings[1].contains("not found"));

    let apkg = &with_ext(&report.files, "apkg")[0];
    let schema = anki.run(&[&"schema", apkg]);
    let name = schema["media"]["0"].as_str().unwrap().to_string();
    assert!(name.starts_with("nd-") && name.ends_with(".png"), "{name}");
    assert_eq!(
        schema["media"].as_object().unwrap().len(),
        1,
        "no secret in the package"
    );

    let col = tmp.path().join("col.anki2");
    anki.import_apkg(&col, std::slice::from_ref(apkg));
    let rendered = anki.run(&[&"render", &col, &cards[0].guid]);
    let media_dir = Path::new(rendered["media_dir"].as_str().unwrap());
    assert_eq!(fs::read(media_dir.join(&name)).unwrap(), png);
    let answer = rendered["answer"].as_str().unwrap();
    assert!(answer.contains(&format!("src=\"{name}\"")), "{answer}");
    assert!(answer.contains("https://example.com/r.png"), "{answer}");
    assert!(rendered["question"]
        .as_str()
        .unwrap()
        .contains("lang=\"ja\""));
    assert!(!fs::read_dir(media_dir).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("secret")));
}

/// 6. The legacy layout every client imports: schema 11, no `meta` entry.
#[test]
fn package_is_legacy_schema_11_without_meta() {
    let Some(anki) = anki() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let cards = vec![card("a::b", "用語", "定義", &["t"])];
    let indexed = FakeIndex::default().update(&cards).0;
    let report = write_deck(
        tmp.path(),
        tmp.path(),
        "a::b",
        &indexed,
        &[OutputFormat::Apkg],
    )
    .unwrap();
    assert_eq!(report.files, vec![tmp.path().join("a__b.apkg")]);
    let schema = anki.run(&[&"schema", &report.files[0]]);
    assert_eq!(schema["ver"], 11);
    assert_eq!(
        schema["entries"],
        serde_json::json!(["collection.anki2", "media"])
    );
    assert_eq!(
        schema["tables"],
        serde_json::json!(["cards", "col", "graves", "notes", "revlog"])
    );
}

fn card(deck: &str, front: &str, back_html: &str, tags: &[&str]) -> Card {
    Card {
        guid: format!("test-{deck}-{front}"),
        deck: deck.into(),
        front: front.into(),
        back: back_html.into(),
        back_html: back_html.into(),
        context: vec!["親 <項目>".into(), "子".into()],
        tags: tags.iter().map(|t| t.to_string()).collect(),
        kind: Kind::Term,
        file: "test.md".into(),
        line: 3,
    }
}

/// Appends `suffix` to the card's line in its file; returns the old text.
fn edit_line(notes: &Path, card: &Card, suffix: &str) -> String {
    let path = notes.join(&card.file);
    let text = fs::read_to_string(&path).unwrap();
    let edited: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == card.line {
                format!("{l}{suffix}")
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&path, edited.join("\n") + "\n").unwrap();
    text
}

/// A valid 1×1 PNG.
fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}
