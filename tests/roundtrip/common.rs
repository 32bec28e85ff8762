//! What the round-trip tests share: the Python with Anki's library, and a
//! stand-in for the index that gives each card its changed time.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use notedeck::card::Card;
use notedeck::export::{escape_html, IndexedCard, CONTEXT_SEPARATOR};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python that runs `tests/anki/check.py`, when it has the `anki` module.
pub struct Anki {
    python: String,
}

/// `Some` when Anki's library is there. Without it the tests pass after ONE
/// line on stderr saying why, unless `NOTEDECK_REQUIRE_ANKI=1` (as in CI),
/// where its absence is a failure.
pub fn anki() -> Option<&'static Anki> {
    static ANKI: OnceLock<Result<Anki, String>> = OnceLock::new();
    let found = ANKI.get_or_init(|| {
        let python = std::env::var("NOTEDECK_PYTHON").unwrap_or_else(|_| "python3".into());
        let probe = Command::new(&python)
            .arg(repo().join("tests/anki/check.py"))
            .arg("probe")
            .output();
        match probe {
            Ok(o) if o.status.success() => Ok(Anki { python }),
            Ok(o) => Err(format!(
                "{python} has no `anki` module ({})",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )),
            Err(err) => Err(format!("cannot run {python}: {err}")),
        }
    });
    match found {
        Ok(anki) => Some(anki),
        Err(why) => {
            if std::env::var("NOTEDECK_REQUIRE_ANKI").as_deref() == Ok("1") {
                panic!("NOTEDECK_REQUIRE_ANKI=1 but {why}; run .ci/run or set NOTEDECK_PYTHON");
            }
            static SAID: OnceLock<()> = OnceLock::new();
            SAID.get_or_init(|| {
                // Straight to stderr: the test harness swallows eprintln! of
                // passing tests, and this line must be seen.
                let line = format!(
                    "Anki round-trip tests skipped: {why} (set NOTEDECK_PYTHON to a Python with tests/anki/requirements.txt, as .ci/run does)\n"
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            });
            None
        }
    }
}

impl Anki {
    /// Runs `check.py ARGS` and parses the JSON it prints.
    pub fn run(&self, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Value {
        let output = Command::new(&self.python)
            .arg(repo().join("tests/anki/check.py"))
            .args(args.iter().map(|a| a.as_ref()))
            .output()
            .expect("run check.py");
        assert!(
            output.status.success(),
            "check.py {:?} failed:\n{}",
            args.iter()
                .map(|a| a.as_ref().to_owned())
                .collect::<Vec<_>>(),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("check.py prints JSON")
    }

    pub fn import_apkg(&self, col: &Path, packages: &[PathBuf]) -> Vec<Value> {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"import-apkg", &col];
        args.extend(packages.iter().map(|p| p as &dyn AsRef<std::ffi::OsStr>));
        logs(self.run(&args))
    }

    pub fn import_csv(&self, col: &Path, files: &[PathBuf]) -> Vec<Value> {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"import-csv", &col];
        args.extend(files.iter().map(|p| p as &dyn AsRef<std::ffi::OsStr>));
        logs(self.run(&args))
    }

    /// The collection's notes by GUID.
    pub fn notes(&self, col: &Path) -> BTreeMap<String, Value> {
        self.run(&[&"dump", &col])["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["guid"].as_str().unwrap().to_string(), n.clone()))
            .collect()
    }
}

fn logs(v: Value) -> Vec<Value> {
    v["logs"].as_array().unwrap().clone()
}

/// Sum of one count over the logs of several imports.
pub fn total(logs: &[Value], kind: &str) -> u64 {
    logs.iter().map(|l| l[kind].as_u64().unwrap()).sum()
}

/// Every card of the notes under `root`, as `extract` makes them.
pub fn extract_all(root: &Path) -> Vec<Card> {
    let mut cards = Vec::new();
    for path in notedeck::scan::find_notes(root).unwrap() {
        let text = notedeck::scan::read_note(&path).unwrap();
        let name = notedeck::scan::relative_name(root, &path);
        cards.extend(notedeck::extract::extract_note(&name, &text));
    }
    cards
}

/// Stands in for the index: a card's changed time moves only when its
/// content does, as the index will keep it.
#[derive(Default)]
pub struct FakeIndex {
    seen: HashMap<String, (String, i64)>,
    clock: i64,
}

impl FakeIndex {
    /// The cards with their changed times, and the GUIDs that changed now.
    pub fn update(&mut self, cards: &[Card]) -> (Vec<IndexedCard>, Vec<String>) {
        self.clock = self.clock.max(1_750_000_000) + 100;
        let mut changed_now = Vec::new();
        let indexed = cards
            .iter()
            .map(|card| {
                let content = serde_json::to_string(card).unwrap();
                let changed = match self.seen.get(&card.guid) {
                    Some((old, time)) if *old == content => *time,
                    _ => {
                        if self.seen.contains_key(&card.guid) {
                            changed_now.push(card.guid.clone());
                        }
                        self.seen.insert(card.guid.clone(), (content, self.clock));
                        self.clock
                    }
                };
                IndexedCard {
                    card: card.clone(),
                    changed,
                }
            })
            .collect();
        (indexed, changed_now)
    }
}

/// Writes every deck of `cards` into `out`; returns the files and warnings.
pub fn export(
    out: &Path,
    notes_root: &Path,
    cards: &[IndexedCard],
    formats: &[notedeck::export::OutputFormat],
) -> (Vec<PathBuf>, Vec<String>) {
    let mut decks: BTreeMap<&str, Vec<IndexedCard>> = BTreeMap::new();
    for c in cards {
        decks.entry(&c.card.deck).or_default().push(c.clone());
    }
    let (mut files, mut warnings) = (Vec::new(), Vec::new());
    for (deck, cards) in decks {
        let report = notedeck::export::write_deck(out, notes_root, deck, &cards, formats).unwrap();
        assert_eq!(report.cards, cards.len());
        files.extend(report.files);
        warnings.extend(report.warnings);
    }
    (files, warnings)
}

pub fn with_ext(files: &[PathBuf], ext: &str) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == ext))
        .cloned()
        .collect()
}

/// The four fields notedeck's note type should hold for a card without
/// local images.
pub fn expected_fields(card: &Card) -> [(String, String); 4] {
    [
        ("Front".into(), escape_html(&card.front).into_owned()),
        ("Back".into(), card.back_html.clone()),
        (
            "Context".into(),
            escape_html(&card.context.join(CONTEXT_SEPARATOR)).into_owned(),
        ),
        (
            "Source".into(),
            escape_html(&format!("{}:{}", card.file, card.line)).into_owned(),
        ),
    ]
}

/// Checks that `note` (from `dump`) holds `card`: fields, deck and tags.
pub fn assert_note_is(note: &Value, card: &Card, field_names: &[&str]) {
    for (name, want) in expected_fields(card) {
        if field_names.contains(&name.as_str()) {
            assert_eq!(
                note["fields"][&name].as_str(),
                Some(want.as_str()),
                "{name} of {} ({}:{})",
                card.guid,
                card.file,
                card.line
            );
        }
    }
    assert_eq!(
        note["decks"],
        serde_json::json!([card.deck]),
        "deck of {}",
        card.guid
    );
    let mut tags = card.tags.clone();
    tags.sort();
    let got: Vec<String> = serde_json::from_value(note["tags"].clone()).unwrap();
    // Anki matches tags case-insensitively; compare folded.
    let lower = |v: &[String]| v.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>();
    assert_eq!(lower(&got), lower(&tags), "tags of {}", card.guid);
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
