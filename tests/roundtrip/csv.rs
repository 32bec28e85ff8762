//! The CSV files `notedeck build` writes, imported the way File › Import
//! does: `get_csv_metadata` reads their header lines, nothing is chosen by
//! the test.

use crate::common::*;
use notedeck::card::{Card, Kind};

/// 4. Into a fresh collection (no notedeck type: Anki falls back to Basic,
///    Front and Back) and into one that has the notedeck type (all its
///    fields): the same notes, decks and tags, the hard fields intact; after
///    an edit, a re-import updates by GUID instead of adding notes.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn csv_imports_into_fresh_and_notedeck_collections_and_updates_by_guid() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = notes_with_hard_note(tmp.path());
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg,csv");
    let csvs = outputs(&out, "csv");
    assert_eq!(csvs, [out.join("notes.csv")], "one CSV for every deck");
    let cards = extracted(&notes);
    let hard = hard_cards(&cards);

    let fresh = tmp.path().join("fresh.anki2");
    let typed = tmp.path().join("typed.anki2");
    let kept = anki.run(&[&"keep-notetype-only", &typed, &outputs(&out, "apkg")[0]]);
    assert_eq!(kept["notes"], 0);
    assert!(kept["notetypes"]
        .as_array()
        .unwrap()
        .contains(&"notedeck".into()));
    for (col, notetype, fields) in [
        (&fresh, "Basic", &["Back"][..]),
        (
            &typed,
            "notedeck",
            &["Back", "Context", "Source", "Key"][..],
        ),
    ] {
        let logs = anki.import_csv(col, &csvs);
        assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
        for kind in ["updated", "duplicate", "conflicting", "first_field_match"] {
            assert_eq!(total(&logs, kind), 0, "{kind} in {col:?}: {logs:?}");
        }
        assert_imported(&anki.notes(col), &cards, notetype, fields);
    }

    // Edit the hard note's tricky definition; only the cards it changes
    // differ, and the re-import updates them in place.
    let target = hard
        .iter()
        .find(|c| c.kind == Kind::Term && c.back_html.contains('\t'))
        .unwrap();
    append_to_line(&notes.join(&*target.file), target.line, " 'end' \"改訂\"");
    let run = build(&notes, &out, "csv");
    let after = extracted(&notes);
    assert_eq!(after.len(), cards.len());
    let changed: Vec<&Card> = after.iter().filter(|c| !cards.contains(c)).collect();
    assert!(changed.iter().any(|c| c.guid == target.guid), "{changed:?}");
    assert!(
        run.stdout.contains(&format!("{} changed", changed.len())),
        "{}",
        run.stdout
    );
    for (col, notetype, fields) in [
        (&fresh, "Basic", &["Back"][..]),
        (
            &typed,
            "notedeck",
            &["Back", "Context", "Source", "Key"][..],
        ),
    ] {
        let logs = anki.import_csv(col, &outputs(&out, "csv"));
        assert_eq!(total(&logs, "new"), 0, "{logs:?}");
        assert_eq!(total(&logs, "conflicting"), 0, "{logs:?}");
        assert_eq!(total(&logs, "updated"), changed.len() as u64, "{logs:?}");
        assert_imported(&anki.notes(col), &after, notetype, fields);
    }
}

/// The collection holds exactly `cards`, each with `fields` as exported.
fn assert_imported(
    imported: &std::collections::BTreeMap<String, serde_json::Value>,
    cards: &[Card],
    notetype: &str,
    fields: &[&str],
) {
    assert_eq!(imported.len(), cards.len());
    for card in cards {
        let note = &imported[&card.guid];
        assert_eq!(note["notetype"], notetype, "{}", card.guid);
        assert_note_is(note, card, fields);
    }
}
