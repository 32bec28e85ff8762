//! Cloze, reversed and type-in notes as Anki makes and shows them: the
//! package and the CSV imported with Anki's library, each card rendered
//! with Anki's renderer (`card.question()`, `card.answer()`).

use std::fs;
use std::path::{Path, PathBuf};

use notedeck::card::Card;
use serde_json::Value;

use crate::common::*;

/// A gap of each kind (highlights, Anki's own with a hint and a skipped
/// number), a reversed note by its front matter, type-in notes by
/// `notedeck.toml`, and a plain card.
pub fn notetype_notes(tmp: &Path) -> PathBuf {
    let notes = tmp.join("notes");
    fs::create_dir_all(notes.join("typed")).unwrap();
    fs::write(
        notes.join("理科.md"),
        "# 理科\n\n- 光合成: 植物が==光==を使って==二酸化炭素==から糖を作る\n\
         - 首都: 日本は{{c1::東京}}、フランスは{{c3::パリ::都市}}\n\
         - 比較: `a == b` は等しいかどうか\n",
    )
    .unwrap();
    fs::write(
        notes.join("逆.md"),
        "---\ntags: [study]\nnotedeck: {reverse: true}\n---\n# 逆\n\n- 表: 裏の説明\n",
    )
    .unwrap();
    fs::write(notes.join("typed/入力.md"), "# 入力\n\n- 犬: dog\n").unwrap();
    fs::write(
        notes.join("notedeck.toml"),
        "[folders.typed]\ntype_in = true\n",
    )
    .unwrap();
    notes
}

fn card<'a>(cards: &'a [Card], front: &str) -> &'a Card {
    cards
        .iter()
        .find(|c| c.front == front)
        .unwrap_or_else(|| panic!("no card {front}: {cards:#?}"))
}

/// The note type and the cards (ord, question, answer) of a note.
pub fn anki_cards(col: &Path, guid: &str) -> (String, Vec<(u64, String, String)>) {
    let got = anki().run(&[&"cards", &col, &guid]);
    let cards = got["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c: &Value| {
            (
                c["ord"].as_u64().unwrap(),
                c["question"].as_str().unwrap().to_string(),
                c["answer"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (got["notetype"].as_str().unwrap().to_string(), cards)
}

/// What each note type makes in a collection, checked on `col`.
pub fn assert_cards_as_anki_shows_them(col: &Path, cards: &[Card]) {
    // Highlights: one card a gap, c1 and c2; the other gap shows as text.
    let (notetype, got) = anki_cards(col, &card(cards, "光合成").guid);
    assert_eq!(notetype, "notedeck cloze");
    assert_eq!(got.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 1]);
    let (_, first_q, first_a) = &got[0];
    assert!(
        first_q.contains(">光合成<"),
        "the front is the cue: {first_q}"
    );
    assert!(
        first_q.contains("[...]") && !first_q.contains(">光<"),
        "{first_q}"
    );
    assert!(first_q.contains("二酸化炭素"), "{first_q}");
    assert!(first_a.contains(">光</span>"), "{first_a}");
    let (_, second_q, _) = &got[1];
    assert!(second_q.contains(">光</span>") && second_q.contains("[...]"));
    assert!(!second_q.contains(">二酸化炭素<"), "{second_q}");
    // Anki's own gaps keep their numbers (c1 and c3: cards 1 and 3) and hints.
    let (_, got) = anki_cards(col, &card(cards, "首都").guid);
    assert_eq!(got.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 2]);
    assert!(got[1].1.contains("[都市]"), "{}", got[1].1);
    assert!(got[1].2.contains(">パリ</span>"), "{}", got[1].2);
    // `==` in code is no gap: a plain note.
    let (notetype, got) = anki_cards(col, &card(cards, "比較").guid);
    assert_eq!((notetype.as_str(), got.len()), ("notedeck", 1));
    assert!(got[0].2.contains("<code>a == b</code>"), "{}", got[0].2);
    // Reversed: front → back and back → front.
    let (notetype, got) = anki_cards(col, &card(cards, "表").guid);
    assert_eq!(notetype, "notedeck reversed");
    assert_eq!(got.len(), 2);
    assert!(got[0].1.contains(">表<") && !got[0].1.contains("裏の説明"));
    assert!(got[1].1.contains("裏の説明") && !got[1].1.contains(">表<"));
    assert!(got[1].2.contains(">表<"), "{}", got[1].2);
    // Type-in: Anki's box on the question, the comparison on the answer.
    let (notetype, got) = anki_cards(col, &card(cards, "犬").guid);
    assert_eq!(notetype, "notedeck type-in");
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("[[type:Back]]"), "{}", got[0].1);
    assert!(got[0].2.contains("[[type:Back]]") && got[0].2.contains("dog"));
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn cloze_reversed_and_type_in_notes_as_anki_renders_them() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = notetype_notes(tmp.path());
    let cards = extracted(&notes);
    // The front matter made no card and moved no line.
    assert!(cards
        .iter()
        .all(|c| c.front != "tags" && c.front != "notedeck"));
    assert_eq!(card(&cards, "表").line, 7);
    let out = tmp.path().join("out");
    let summary = build(&notes, &out, "apkg,csv").stdout;

    let col = tmp.path().join("package.anki2");
    let logs = anki.import_apkg(&col, &[out.join("notes.apkg")]);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    assert_cards_as_anki_shows_them(&col, &cards);
    // The summary counts the notes and the cards Anki made of them.
    let in_anki: usize = cards
        .iter()
        .map(|c| anki_cards(&col, &c.guid).1.len())
        .sum();
    assert_eq!((cards.len(), in_anki), (5, 8));
    assert!(summary.contains(" · 5 notes, 8 cards (5 new"), "{summary}");
    // Every note keeps its identity: GUID and Key.
    let notes_in_anki = anki.notes(&col);
    for card in &cards {
        assert_eq!(
            notes_in_anki[&card.guid]["fields"]["Key"].as_str(),
            Some(html(&card.guid).as_str())
        );
    }

    // The CSV, into a collection that has the note types (as after one
    // package import), makes the same notes and cards.
    let from_csv = tmp.path().join("csv.anki2");
    anki.run(&[&"keep-notetype-only", &from_csv, &out.join("notes.apkg")]);
    let logs = anki.import_csv(&from_csv, &[out.join("notes.csv")]);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");
    assert_cards_as_anki_shows_them(&from_csv, &cards);
    let csv_notes = anki.notes(&from_csv);
    for card in &cards {
        assert_eq!(
            csv_notes[&card.guid]["fields"], notes_in_anki[&card.guid]["fields"],
            "{}",
            card.front
        );
        assert_eq!(csv_notes[&card.guid]["decks"], json_deck(card));
    }
}

fn json_deck(card: &Card) -> Value {
    serde_json::json!([card.deck])
}
