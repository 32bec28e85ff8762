//! `notedeck sync` of a note whose note type changed (reverse or type_in
//! turned on, gaps written), against the real AnkiConnect server: the note
//! is made again in its new type, and its first card keeps its schedule and
//! review log, read back with Anki's library.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{json, Value};

use crate::ankiconnect::Server;
use crate::common::*;
use crate::shared::edit_note;
use crate::sync::{many_cards, Synced};

/// Every note of the collection by its Key (a list: more than one is a
/// duplicate), each with its type and each card's schedule and reviews.
fn history(s: &Synced) -> BTreeMap<String, Vec<Value>> {
    let notes = anki().run(&[&"history", &s.col])["notes"].clone();
    serde_json::from_value::<BTreeMap<String, Vec<Value>>>(notes)
        .unwrap()
        .into_iter()
        .map(|(key, notes)| (text_of(&key), notes))
        .collect()
}

/// The one note of `key`.
fn note_of<'a>(history: &'a BTreeMap<String, Vec<Value>>, key: &str) -> &'a Value {
    let notes = &history[key];
    assert_eq!(notes.len(), 1, "one note for {key}: {notes:#?}");
    &notes[0]
}

/// A card's schedule, without its reviews.
fn schedule(card: &Value) -> Value {
    let mut card = card.clone();
    card.as_object_mut().unwrap().remove("reviews");
    card.as_object_mut().unwrap().remove("ord");
    card
}

/// Asserts that `after` (a card of the new note) has `before`'s schedule
/// and a copy of each of its reviews, once, in order, at most a minute
/// after the original (a review's id is its time).
fn assert_carried_over(before: &Value, after: &Value) {
    assert_eq!(schedule(after), schedule(before));
    let (old, new) = (
        before["reviews"].as_array().unwrap(),
        after["reviews"].as_array().unwrap(),
    );
    assert!(!old.is_empty());
    assert_eq!(new.len(), old.len(), "each review once: {new:#?}");
    for (old, new) in old.iter().zip(new) {
        let shift = new["id"].as_i64().unwrap() - old["id"].as_i64().unwrap();
        assert!((1..=60_000).contains(&shift), "{old} → {new}");
        for column in ["ease", "ivl", "lastIvl", "factor", "time", "type"] {
            assert_eq!(new[column], old[column], "{column}");
        }
    }
}

fn assert_new(card: &Value) {
    assert_eq!(
        (
            &card["type"],
            &card["reps"],
            card["reviews"].as_array().unwrap().len()
        ),
        (&json!(0), &json!(0), 0),
        "{card}"
    );
}

/// Answers the cards an Anki search finds: Good, then Easy (a review card
/// with an interval and ease of its own).
fn review(s: &Synced, query: &str) {
    let server = Server::start(&s.col);
    let cards = server.call("findCards", json!({ "query": query }));
    for ease in [3, 4] {
        let answers: Vec<Value> = cards
            .as_array()
            .unwrap()
            .iter()
            .map(|card| json!({ "cardId": card, "ease": ease }))
            .collect();
        server.call("answerCards", json!({ "answers": answers }));
    }
    server.stop();
}

/// A synced collection whose card 単語 (misc.md) was reviewed twice, with
/// that card's history.
fn reviewed_word() -> (Synced, String, Value) {
    let s = Synced::new();
    s.sync(&[]);
    let word = guid_of(&s.cards(), "単語");
    review(&s, &notedeck::export::key_search(&word));
    let before = note_of(&history(&s), &word)["cards"][0].clone();
    assert_eq!(before["reps"], 2);
    assert_eq!(before["type"], 2, "a review card: {before}");
    (s, word, before)
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_note_turned_reversed_keeps_its_cards_schedule_and_reviews() {
    let (s, word, before) = reviewed_word();
    let server = Server::start(&s.col);
    let nids = server.call(
        "findNotes",
        json!({ "query": notedeck::export::key_search(&word) }),
    );
    server.call("addTags", json!({ "notes": nids, "tags": "leech mytag" }));
    server.stop();
    let unchanged = history(&s);
    edit_note(
        &s.notes,
        "misc.md",
        "# その他",
        "---\nnotedeck: {reverse: true}\n---\n# その他",
    );

    let run = s.sync(&["--dry-run", "-v"]);
    assert!(
        run.stdout.contains(
            "retype   その他 · 単語 (notedeck → notedeck reversed: card 1 keeps its schedule and 2 reviews; card 2 starts new)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(history(&s), unchanged, "a dry run changes nothing");

    let run = s.sync(&["-v"]);
    assert!(
        run.stdout.contains("retype   その他 · 単語"),
        "{}",
        run.stdout
    );
    let after = history(&s);
    let note = note_of(&after, &word);
    assert_eq!(note["notetype"], "notedeck reversed");
    assert_eq!(
        note["tags"],
        json!(["leech", "mytag"]),
        "the learner's and Anki's tags"
    );
    let cards = note["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert_carried_over(&before, &cards[0]);
    assert_new(&cards[1]);
    // Every other note as it was, and a second sync sends nothing.
    assert_eq!(after.len(), unchanged.len());
    for (key, notes) in &unchanged {
        if *key != word {
            assert_eq!(&after[key], notes, "{key}");
        }
    }
    let run = s.sync(&[]);
    assert!(
        run.stdout
            .contains("0 added, 0 updated, 0 moved, 0 deleted"),
        "{}",
        run.stdout
    );

    // And back: the reverse turned off, card 1 keeps its history again, the
    // back → front card goes with the old note.
    edit_note(&s.notes, "misc.md", "notedeck: {reverse: true}\n", "");
    let run = s.sync(&["-v"]);
    assert!(
        run.stdout.contains(
            "retype   その他 · 単語 (notedeck reversed → notedeck: card 1 keeps its schedule and 2 reviews)"
        ),
        "{}",
        run.stdout
    );
    let note = note_of(&history(&s), &word).clone();
    assert_eq!(note["notetype"], "notedeck");
    assert_eq!(note["cards"].as_array().unwrap().len(), 1);
    assert_eq!(schedule(&note["cards"][0]), schedule(&before));
    assert_eq!(note["cards"][0]["reviews"].as_array().unwrap().len(), 2);
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_note_turned_type_in_or_cloze_keeps_its_cards_schedule_and_reviews() {
    for (edit, to, type_name) in [
        (
            ("# その他", "---\nnotedeck: {type_in: true}\n---\n# その他"),
            "notedeck type-in",
            "type-in",
        ),
        (("最小の言葉", "==最小==の言葉"), "notedeck cloze", "cloze"),
    ] {
        let (s, word, before) = reviewed_word();
        edit_note(&s.notes, "misc.md", edit.0, edit.1);
        let run = s.sync(&["-v"]);
        assert!(
            run.stdout.contains(&format!(
                "retype   その他 · 単語 (notedeck → {to}: card 1 keeps its schedule and 2 reviews"
            )),
            "{type_name}: {}",
            run.stdout
        );
        let note = note_of(&history(&s), &word).clone();
        assert_eq!(note["notetype"], to);
        assert_carried_over(&before, &note["cards"][0]);
    }
}

/// Front matter turning the reverse on in each of `many_cards`' notes.
fn reverse_many(s: &Synced) {
    for file in 0..30 {
        edit_note(
            &s.notes,
            &format!("part{}/n{file}.md", file % 3),
            &format!("# 大量{file}\n"),
            &format!("---\nnotedeck: {{reverse: true}}\n---\n# 大量{file}\n"),
        );
    }
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn syncs_killed_while_copying_histories_lose_and_double_nothing() {
    // The reference: how long the sync of the reverse takes, uninterrupted.
    let reference = Synced::new();
    many_cards(&reference.notes);
    reference.sync(&[]);
    review(&reference, "");
    reverse_many(&reference);
    let server = Server::start(&reference.col);
    let start = Instant::now();
    reference.sync_with(&server, &[]);
    let whole = start.elapsed();
    server.stop();

    let s = Synced::new();
    many_cards(&s.notes);
    s.sync(&[]);
    let cards = s.cards();
    review(&s, "");
    let before = history(&s);
    reverse_many(&s);
    let reversed: Vec<&str> = cards
        .iter()
        .filter(|c| c.file.starts_with("part"))
        .map(|c| c.guid.as_str())
        .collect();

    let server = Server::start(&s.col);
    let count = |query: &str| {
        server
            .call("findNotes", json!({ "query": query }))
            .as_array()
            .unwrap()
            .len()
    };
    let (mut killed, mut halfway) = (0, 0);
    for fraction in [0.15, 0.3, 0.45, 0.6, 0.75, 0.9] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_notedeck"))
            .args(["sync", "--url", &server.url, "--notes"])
            .arg(&s.notes)
            .arg("--out")
            .arg(&s.out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(fraction));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        // Stopped with both notes of some cards in Anki: mid-copy.
        if count("\"note:notedeck\"") + count("\"note:notedeck reversed\"") > before.len() {
            halfway += 1;
        }
    }
    s.sync_with(&server, &[]);
    server.stop();
    eprintln!("{killed} of 6 syncs killed, {halfway} with a copy half done");
    assert!(killed >= 2, "only {killed} of 6 syncs were killed running");
    assert!(halfway >= 1, "no sync was killed in the middle of a copy");

    let after = history(&s);
    assert_eq!(after.len(), before.len());
    for guid in &reversed {
        let note = note_of(&after, guid);
        assert_eq!(note["notetype"], "notedeck reversed", "{guid}");
        assert_carried_over(&note_of(&before, guid)["cards"][0], &note["cards"][0]);
        assert_new(&note["cards"][1]);
    }
}
