//! `notedeck sync` against a real AnkiConnect server (the headless
//! `anki-connect-server` over Anki's own library, pinned in
//! tests/anki/sync-requirements.txt), its collection read back with Anki's
//! library once the server has stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{json, Value};

use crate::ankiconnect::Server;
use crate::common::*;
use crate::shared::{edit_note, move_note, write_study_notes};

/// A notes folder synced into a fresh collection.
pub struct Synced {
    _tmp: tempfile::TempDir,
    pub notes: PathBuf,
    pub out: PathBuf,
    pub col: PathBuf,
}

impl Synced {
    pub fn new() -> Synced {
        let tmp = tempfile::tempdir().unwrap();
        let notes = tmp.path().join("notes");
        write_study_notes(&notes);
        // A note with one card and nothing above it, and one with an image.
        std::fs::write(
            notes.join("misc.md"),
            "# その他\n\n- 単語: 意味を持つ最小の言葉\n",
        )
        .unwrap();
        std::fs::create_dir_all(notes.join("img")).unwrap();
        std::fs::write(
            notes.join("img/図.png"),
            b"\x89PNG\r\n\x1a\n not really a picture",
        )
        .unwrap();
        std::fs::write(
            notes.join("pictures.md"),
            "# 図\n\n- 構成図: 全体は ![図](img/図.png) の通り\n",
        )
        .unwrap();
        let col_dir = tmp.path().join("anki");
        std::fs::create_dir_all(&col_dir).unwrap();
        Synced {
            out: tmp.path().join("out"),
            col: col_dir.join("collection.anki2"),
            notes,
            _tmp: tmp,
        }
    }

    /// `notedeck sync` with a server started for it and stopped after.
    pub fn sync(&self, extra: &[&str]) -> Run {
        let server = Server::start(&self.col);
        let run = self.sync_with(&server, extra);
        server.stop();
        run
    }

    pub fn sync_with(&self, server: &Server, extra: &[&str]) -> Run {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"sync",
            &"--notes",
            &self.notes,
            &"--out",
            &self.out,
            &"--url",
            &server.url,
        ];
        args.extend(extra.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
        notedeck(&args)
    }

    /// `notedeck sync` of `notes` into this OUT and collection, which must
    /// fail with exit code 2; its stderr.
    fn sync_fails(&self, notes: &Path, extra: &[&str]) -> String {
        let server = Server::start(&self.col);
        let output = Command::new(env!("CARGO_BIN_EXE_notedeck"))
            .arg("sync")
            .args(extra)
            .arg("--notes")
            .arg(notes)
            .arg("--out")
            .arg(&self.out)
            .args(["--url", &server.url])
            .output()
            .unwrap();
        server.stop();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        stderr
    }

    pub fn cards(&self) -> Vec<notedeck::card::Card> {
        extracted(&self.notes)
    }
}

/// The collection's notes by their Key field (a synced note's GUID is
/// Anki's own), and the collection's modification time.
fn by_key(anki: &Anki, col: &Path) -> (BTreeMap<String, Value>, i64) {
    let (notes, col_mod) = all_notes(anki, col);
    (notes.into_iter().collect(), col_mod)
}

/// `by_key`, each Key on one note only: a map by Key would keep one of two
/// notes with the same Key and hide the other, a note added twice.
fn by_unique_key(anki: &Anki, col: &Path) -> BTreeMap<String, Value> {
    let (notes, _) = all_notes(anki, col);
    let mut by_key = BTreeMap::new();
    for (key, note) in notes {
        if let Some(first) = by_key.insert(key.clone(), note) {
            panic!("two notes have the Key {key}: {first} and {}", by_key[&key]);
        }
    }
    by_key
}

/// Every note of the collection with its Key, and the collection's
/// modification time.
fn all_notes(anki: &Anki, col: &Path) -> (Vec<(String, Value)>, i64) {
    let dump = anki.run(&[&"dump", &col]);
    let notes = dump["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (text_of(n["fields"]["Key"].as_str().unwrap()), n.clone()))
        .collect();
    (notes, dump["mod"].as_i64().unwrap())
}

/// What a note holds, whatever its ids: fields, tags, deck, suspension.
fn content(note: &Value) -> Value {
    json!([
        note["fields"],
        note["tags"],
        note["decks"],
        note["suspended"]
    ])
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_first_sync_makes_every_card_a_note_with_its_media() {
    let anki = anki();
    let s = Synced::new();
    let run = s.sync(&[]);
    let cards = s.cards();
    assert!(
        run.stdout.contains(&format!("{} added", cards.len())),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 media files sent"), "{}", run.stdout);
    let (notes, _) = by_key(anki, &s.col);
    assert_eq!(notes.len(), cards.len());
    let media_dir = s.col.with_file_name("collection.media");
    for card in &cards {
        let note = &notes[&card.guid];
        assert_eq!(note["notetype"], "notedeck");
        if card.front == "構成図" {
            let back = note["fields"]["Back"].as_str().unwrap();
            let name = back
                .split("src=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(
                media_dir.join(name).is_file(),
                "{name} not in {media_dir:?}"
            );
        } else {
            assert_note_is(note, card, &ALL_FIELDS);
        }
    }
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn an_edit_updates_one_note_and_keeps_its_reviews() {
    let anki = anki();
    let s = Synced::new();
    let server = Server::start(&s.col);
    s.sync_with(&server, &[]);
    let word = s.cards().into_iter().find(|c| c.front == "単語").unwrap();
    let cards = server.call(
        "findCards",
        json!({ "query": format!("\"Key:{}\"", word.guid) }),
    );
    let card_id = cards[0].as_i64().unwrap();
    server.call(
        "answerCards",
        json!({ "answers": [{ "cardId": card_id, "ease": 3 }] }),
    );
    server.stop();
    let (before, _) = by_key(anki, &s.col);

    edit_note(&s.notes, "misc.md", "最小の言葉", "最小の言語単位");
    let run = s.sync(&[]);
    assert!(
        run.stdout
            .contains("0 added, 1 updated, 0 moved, 0 deleted"),
        "{}",
        run.stdout
    );
    let (after, _) = by_key(anki, &s.col);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| after[*k]["mod"] != before[*k]["mod"])
        .collect();
    assert_eq!(changed, [&word.guid]);
    let note = &after[&word.guid];
    assert!(note["fields"]["Back"]
        .as_str()
        .unwrap()
        .contains("最小の言語単位"));
    assert_eq!(note["reps"], 1);
    assert_eq!(note["card_ids"], json!([card_id]));
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_moved_file_moves_its_cards_to_the_new_deck_keeping_them() {
    let anki = anki();
    let s = Synced::new();
    s.sync(&[]);
    let (before, _) = by_key(anki, &s.col);
    move_note(&s.notes, "N5/nouns.md", "N3/nouns.md");
    let run = s.sync(&[]);
    assert!(run.stdout.contains("0 added, 3 updated"), "{}", run.stdout);
    let (after, _) = by_key(anki, &s.col);
    assert_eq!(after.len(), before.len());
    let moved: Vec<&Value> = after
        .values()
        .filter(|n| n["decks"] == json!(["N3::名詞"]))
        .collect();
    assert_eq!(moved.len(), 3);
    for note in moved {
        let key = text_of(note["fields"]["Key"].as_str().unwrap());
        assert_eq!(before[&key]["decks"], json!(["N5::名詞"]));
        assert_eq!(note["card_ids"], before[&key]["card_ids"], "the same cards");
    }
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn removed_cards_are_deleted_or_suspended_and_tagged() {
    let anki = anki();
    for keep in [false, true] {
        let s = Synced::new();
        s.sync(&[]);
        let cards = s.cards();
        let gone = [guid_of(&cards, "単語"), guid_of(&cards, "格助詞")];
        edit_note(&s.notes, "misc.md", "- 単語: 意味を持つ最小の言葉\n", "");
        edit_note(
            &s.notes,
            "grammar.md",
            "- 格助詞: 名詞と述語の関係を示す助詞\n",
            "",
        );
        let run = s.sync(if keep { &["--keep-removed"][..] } else { &[] });
        let (after, _) = by_key(anki, &s.col);
        if keep {
            assert!(run.stdout.contains("2 suspended"), "{}", run.stdout);
            assert_eq!(after.len(), cards.len());
            for key in &gone {
                assert_eq!(after[key]["suspended"], true);
                assert!(after[key]["tags"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("notedeck::removed")));
            }
        } else {
            assert!(run.stdout.contains("2 deleted"), "{}", run.stdout);
            assert_eq!(after.len(), cards.len() - 2);
            assert!(gone.iter().all(|key| !after.contains_key(key)));
        }
        // Dealt with: no longer listed as removed.
        let listed = notedeck(&[&"removed", &"--out", &s.out, &"--query"]);
        assert!(listed.stdout.is_empty(), "{}", listed.stdout);
    }
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn notes_imported_from_a_package_are_found_not_duplicated() {
    let anki = anki();
    let s = Synced::new();
    build(&s.notes, &s.out, "apkg");
    anki.import_apkg(&s.col, &[s.out.join("notes.apkg")]);
    let (imported, _) = by_key(anki, &s.col);
    let run = s.sync(&[]);
    assert!(run.stdout.contains("0 added"), "{}", run.stdout);
    let (after, _) = by_key(anki, &s.col);
    assert_eq!(after.len(), s.cards().len(), "no duplicates");
    for (key, note) in &after {
        assert_eq!(
            note["guid"], imported[key]["guid"],
            "the imported note itself"
        );
    }
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_second_sync_with_no_edit_writes_nothing_and_a_dry_run_changes_nothing() {
    let anki = anki();
    let s = Synced::new();
    s.sync(&[]);
    let (before, col_mod) = by_key(anki, &s.col);
    let run = s.sync(&[]);
    assert!(
        run.stdout.contains(&format!(
            "0 added, 0 updated, 0 moved, 0 deleted, 0 media files sent, {} unchanged",
            before.len()
        )),
        "{}",
        run.stdout
    );
    let (after, after_mod) = by_key(anki, &s.col);
    assert_eq!(after_mod, col_mod, "the collection was not written");
    assert_eq!(after, before);

    edit_note(&s.notes, "misc.md", "最小の言葉", "最小の単位");
    let run = s.sync(&["--dry-run"]);
    assert!(
        run.stdout.contains("dry run, nothing sent"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("update") && l.contains("単語")),
        "{}",
        run.stdout
    );
    let (dry, dry_mod) = by_key(anki, &s.col);
    assert_eq!((dry, dry_mod), (before, col_mod));
    // The index did not take the edit in either: the next sync sends it.
    let run = s.sync(&[]);
    assert!(run.stdout.contains("1 updated"), "{}", run.stdout);
}

/// Many cards, so that a sync takes long enough to be stopped part-way.
pub fn many_cards(notes: &Path) {
    for file in 0..30 {
        let mut text = format!("# 大量{file}\n\n## 節\n\n");
        for item in 0..50 {
            text.push_str(&format!(
                "- 用語{file}の{item}: 説明{file}-{item}、止めても続きから\n"
            ));
        }
        std::fs::create_dir_all(notes.join(format!("part{}", file % 3))).unwrap();
        std::fs::write(notes.join(format!("part{}/n{file}.md", file % 3)), text).unwrap();
    }
}

/// The edits made between the two rounds of syncs: a card edited, a file
/// moved, two cards removed.
fn edit_many(notes: &Path) {
    edit_note(notes, "part0/n0.md", "説明0-1、", "説明0-1（改訂）、");
    move_note(notes, "part1/n1.md", "moved/n1.md");
    edit_note(
        notes,
        "part2/n2.md",
        "- 用語2の3: 説明2-3、止めても続きから\n- 用語2の4: 説明2-4、止めても続きから\n",
        "",
    );
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn syncs_killed_at_any_moment_end_as_one_uninterrupted_sync() {
    let anki = anki();
    // The reference: one sync, the edits, one sync, each timed.
    let reference = Synced::new();
    many_cards(&reference.notes);
    let server = Server::start(&reference.col);
    let timed = |s: &Synced| {
        let start = Instant::now();
        s.sync_with(&server, &[]);
        start.elapsed()
    };
    let first = timed(&reference);
    edit_many(&reference.notes);
    let second = timed(&reference);
    server.stop();
    let (expected, _) = by_key(anki, &reference.col);

    let s = Synced::new();
    many_cards(&s.notes);
    let mut server = Server::start(&s.col);
    let mut killed = 0;
    for round in 0..10 {
        if round == 5 {
            // Finish the first round, then kill the syncs of the edits.
            s.sync_with(&server, &[]);
            edit_many(&s.notes);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_notedeck"))
            .args(["sync", "--url", &server.url, "--notes"])
            .arg(&s.notes)
            .arg("--out")
            .arg(&s.out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // At moments spread over what an uninterrupted sync takes (each
        // killed sync leaves less for the next): building, adding,
        // updating, moving, deleting.
        let whole = if round < 5 { first } else { second };
        std::thread::sleep(whole.mul_f64([0.05, 0.3, 0.15, 0.45, 0.6][round % 5]));
        let running = child.try_wait().unwrap().is_none();
        if running {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        if running {
            // The killed sync's last request goes on in the server, which
            // runs each request in a worker thread, side by side with the
            // next sync's, where Anki's add-on runs them one after another
            // on its main thread. Left running, it writes what the killed
            // sync wanted after the next sync has read or set it: a
            // collection that no order of the syncs' requests makes.
            // Anki finishes a request before it reads the next; so does
            // the server when stopped (uvicorn's graceful shutdown waits
            // for its requests) and started again.
            server.stop();
            server = Server::start(&s.col);
        }
    }
    s.sync_with(&server, &[]);
    server.stop();
    eprintln!("{killed} of 10 syncs were killed while running");
    assert!(
        killed >= 5,
        "only {killed} of 10 syncs were still running when killed"
    );
    let got = by_unique_key(anki, &s.col);
    assert_eq!(got.len(), expected.len(), "nothing duplicated or lost");
    for (key, note) in &expected {
        assert_eq!(content(&got[key]), content(note), "{key}");
    }
}

/// The note types reach Anki through AnkiConnect: each note of the type
/// its card asks for, with its cards; a note whose type changes is made
/// anew in its new type.
#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn cloze_reversed_and_type_in_notes_are_synced_with_their_cards() {
    let anki = anki();
    let s = Synced::new();
    std::fs::remove_dir_all(&s.notes).unwrap();
    crate::notetypes::notetype_notes(s.notes.parent().unwrap());
    let run = s.sync(&["-v"]);
    for name in ["notedeck cloze", "notedeck reversed", "notedeck type-in"] {
        assert!(
            run.stdout.contains(&format!("create   note type {name}")),
            "{}",
            run.stdout
        );
    }
    let cards = s.cards();
    let (notes, _) = by_key(anki, &s.col);
    assert_eq!(notes.len(), cards.len());
    let type_of = |front: &str| {
        let card = cards.iter().find(|c| c.front == front).unwrap();
        let note = &notes[&card.guid];
        (
            note["notetype"].as_str().unwrap().to_string(),
            note["card_ids"].as_array().unwrap().len(),
        )
    };
    assert_eq!(type_of("表"), ("notedeck reversed".to_string(), 2));
    assert_eq!(type_of("犬"), ("notedeck type-in".to_string(), 1));
    assert_eq!(type_of("比較"), ("notedeck".to_string(), 1));
    let photosynthesis = cards.iter().find(|c| c.front == "光合成").unwrap();
    let note = &notes[&photosynthesis.guid];
    assert_eq!(note["notetype"], "notedeck cloze");
    // Its cards are not counted: the test server (anki-connect-server
    // 0.5.0) creates every model as a standard one, ignoring `isCloze`,
    // so it makes one card where AnkiConnect's cloze model makes one a
    // gap (the package test counts them).
    assert_eq!(
        note["fields"]["Text"].as_str().unwrap(),
        photosynthesis.back_html
    );

    // The reversed note loses its front matter: a basic note, made anew.
    let path = s.notes.join("逆.md");
    std::fs::write(&path, "# 逆\n\n- 表: 裏の説明\n").unwrap();
    let run = s.sync(&["-v"]);
    assert!(
        run.stdout
            .contains("retype   逆 · 表 (notedeck reversed → notedeck: card 1 was new)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 added"), "{}", run.stdout);
    let (notes, _) = by_key(anki, &s.col);
    assert_eq!(notes.len(), cards.len());
    let card = s.cards().into_iter().find(|c| c.front == "表").unwrap();
    assert_eq!(notes[&card.guid]["notetype"], "notedeck");
    assert_eq!(notes[&card.guid]["card_ids"].as_array().unwrap().len(), 1);
    // And a second sync sends nothing.
    let run = s.sync(&[]);
    assert!(
        run.stdout
            .contains("0 added, 0 updated, 0 moved, 0 deleted"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_second_notes_folder_synced_into_the_same_output_folder_deletes_nothing_in_anki() {
    let anki = anki();
    let s = Synced::new();
    s.sync(&[]);
    let (before, _) = by_key(anki, &s.col);
    let other = s.notes.parent().unwrap().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("b.md"), "# B\n\n- 冗長化: 予備を置くこと\n").unwrap();

    let stderr = s.sync_fails(&other, &[]);
    assert!(
        stderr.contains("this output folder holds the index of the notes in")
            && stderr.contains("--adopt"),
        "{stderr}"
    );
    let (after, _) = by_key(anki, &s.col);
    assert_eq!(after, before, "not one note deleted or changed");
}

/// A synced collection of one note of Greek letters, each card tagged
/// `Greek` by its heading.
fn greek() -> Synced {
    let s = Synced::new();
    std::fs::write(
        s.notes.join("greek.md"),
        "# 言語\n\n## Greek\n\n- アルファ: ギリシャ文字の最初の文字\n- ベータ: ギリシャ文字の二番目の文字\n",
    )
    .unwrap();
    s.sync(&[]);
    s
}

fn tags_of(anki: &Anki, s: &Synced, guid: &str) -> Vec<String> {
    let (notes, _) = by_key(anki, &s.col);
    let mut tags: Vec<String> = serde_json::from_value(notes[guid]["tags"].clone()).unwrap();
    tags.sort();
    tags
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn tags_added_in_anki_stay_through_edits_and_renamed_headings() {
    let anki = anki();
    let s = greek();
    let alpha = guid_of(&s.cards(), "アルファ");
    let server = Server::start(&s.col);
    let nids = server.call(
        "findNotes",
        json!({ "query": notedeck::export::key_search(&alpha) }),
    );
    server.call(
        "addTags",
        json!({ "notes": nids, "tags": "leech marked mytag" }),
    );
    server.stop();
    assert_eq!(
        tags_of(anki, &s, &alpha),
        ["Greek", "leech", "marked", "mytag"]
    );

    // The definition edited in the notes: the new back, every tag kept.
    edit_note(&s.notes, "greek.md", "最初の文字", "最初の字母");
    let run = s.sync(&[]);
    // The card alone: the topic of its heading lists it by its front.
    assert!(run.stdout.contains("1 updated"), "{}", run.stdout);
    let (notes, _) = by_key(anki, &s.col);
    assert!(notes[&alpha]["fields"]["Back"]
        .as_str()
        .unwrap()
        .contains("最初の字母"));
    assert_eq!(
        tags_of(anki, &s, &alpha),
        ["Greek", "leech", "marked", "mytag"]
    );

    // The heading its tag comes from renamed: notedeck's tag follows, the
    // learner's and Anki's stay.
    edit_note(&s.notes, "greek.md", "## Greek", "## Hellenic");
    s.sync(&[]);
    assert_eq!(
        tags_of(anki, &s, &alpha),
        ["Hellenic", "leech", "marked", "mytag"]
    );
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_sync_that_would_delete_many_notes_stops_unless_allowed() {
    let anki = anki();
    let s = Synced::new();
    many_cards(&s.notes);
    s.sync(&[]);
    let (before, _) = by_key(anki, &s.col);
    // A folder of 510 cards (10 notes of a section and its 50 terms) moved
    // away by mistake: a third of them all.
    std::fs::rename(
        s.notes.join("part0"),
        s.notes.parent().unwrap().join("away"),
    )
    .unwrap();

    let run = s.sync(&["--dry-run"]);
    assert!(
        run.stdout.contains("510 deleted")
            && run
                .stdout
                .contains("would stop: it would delete 510 of the"),
        "{}",
        run.stdout
    );
    let stderr = s.sync_fails(&s.notes, &[]);
    assert!(
        stderr.contains("sync stopped: it would delete 510 of the")
            && stderr.contains("--allow-deletes"),
        "{stderr}"
    );
    let (after, _) = by_key(anki, &s.col);
    assert_eq!(after, before, "nothing deleted or changed");
    // The index is as it was: the next sync sees the same removal.
    let run = s.sync(&["--allow-deletes"]);
    assert!(run.stdout.contains("510 deleted"), "{}", run.stdout);
    let (after, _) = by_key(anki, &s.col);
    assert_eq!(after.len(), before.len() - 510);
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn a_note_edited_in_anki_and_in_the_notes_is_kept_and_named_until_the_notes_win() {
    let anki = anki();
    let s = greek();
    let alpha = guid_of(&s.cards(), "アルファ");
    let server = Server::start(&s.col);
    let nid = server.call(
        "findNotes",
        json!({ "query": notedeck::export::key_search(&alpha) }),
    )[0]
    .as_i64()
    .unwrap();
    server.call(
        "updateNoteFields",
        json!({ "note": { "id": nid, "fields": { "Back": "Α α（学習者の修正）" } } }),
    );
    server.stop();

    edit_note(&s.notes, "greek.md", "最初の文字", "最初の字母");
    let run = s.sync(&[]);
    assert!(
        run.stdout.contains("conflict 言語 · アルファ")
            && run
                .stdout
                .contains("1 edited in Anki and in the notes, left as edited in Anki")
            && run.stdout.contains("anki-edits.json"),
        "{}",
        run.stdout
    );
    let back = |s: &Synced| {
        let (notes, _) = by_key(anki, &s.col);
        notes[&alpha]["fields"]["Back"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(back(&s), "Α α（学習者の修正）");
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(s.out.join("anki-edits.json")).unwrap())
            .unwrap();
    assert_eq!(kept[0]["anki"]["Back"], "Α α（学習者の修正）");
    assert!(kept[0]["notes"]["Back"]
        .as_str()
        .unwrap()
        .contains("最初の字母"));
    // Said again by the next sync: nothing was settled.
    assert!(s.sync(&[]).stdout.contains("conflict 言語 · アルファ"));

    let run = s.sync(&["--overwrite-anki-edits"]);
    assert!(
        run.stdout.contains("overwritten with the notes' version"),
        "{}",
        run.stdout
    );
    assert!(back(&s).contains("最初の字母"));
    let run = s.sync(&[]);
    assert!(!run.stdout.contains("conflict"), "{}", run.stdout);
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn an_anki_that_cannot_reach_ankiweb_first_changes_nothing() {
    let anki = anki();
    let s = greek();
    let (before, _) = by_key(anki, &s.col);
    edit_note(&s.notes, "greek.md", "最初の文字", "最初の字母");
    // The test server has no AnkiWeb account: its `sync` fails, as Anki's
    // does offline or logged out.
    let stderr = s.sync_fails(&s.notes, &["--ankiweb"]);
    assert!(
        stderr.contains("Anki could not sync with AnkiWeb first, so nothing was changed")
            && stderr.contains("ANKIWEB_USER"),
        "{stderr}"
    );
    let (after, _) = by_key(anki, &s.col);
    assert_eq!(after, before);
    let run = s.sync(&[]);
    // The edited card alone: its topic lists it by its front.
    assert!(run.stdout.contains("1 updated"), "{}", run.stdout);
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT and NOTEDECK_PYTHON"
)]
fn watch_with_sync_puts_a_saved_note_into_a_running_anki() {
    let s = Synced::new();
    let server = Server::start(&s.col);
    let mut command = Command::new(env!("CARGO_BIN_EXE_notedeck"));
    command
        .args(["watch", "--sync", "--url", &server.url, "--notes"])
        .arg(&s.notes)
        .arg("--out")
        .arg(&s.out);
    let watching = crate::shared::Watching::start(command);
    watching.next_line();
    let synced = watching.next_line();
    let cards = s.cards().len();
    assert!(synced.contains(&format!("{cards} added")), "{synced}");
    watching.wait_for_stderr("for changes (Ctrl-C stops)");

    edit_note(&s.notes, "misc.md", "最小の言葉", "最小の言語単位");
    watching.next_line();
    let synced = watching.next_line();
    assert!(
        synced.contains("0 added, 1 updated, 0 moved, 0 deleted"),
        "{synced}"
    );
    let word = s.cards().into_iter().find(|c| c.front == "単語").unwrap();
    let ids = server.call(
        "findNotes",
        json!({ "query": format!("\"Key:{}\"", word.guid) }),
    );
    let info = server.call("notesInfo", json!({ "notes": ids }));
    let back = info[0]["fields"]["Back"]["value"].as_str().unwrap();
    assert!(back.contains("最小の言語単位"), "{back}");
    assert_eq!(watching.stop_with(libc::SIGINT), 130);
    server.stop();
}
