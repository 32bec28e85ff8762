//! What the round-trip tests share: the Python with Anki's library, the
//! `notedeck` binary, and what a note should look like once in Anki.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use notedeck::card::Card;
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python that runs `tests/anki/check.py`, when it has the `anki` module.
pub struct Anki {
    python: String,
}

/// The Python with Anki's library. The tests that call this are compiled
/// as ignored unless the build asked for them (`build.rs`: NOTEDECK_PYTHON
/// set, or NOTEDECK_REQUIRE_ANKI=1 as in CI), so once they run, a Python
/// without the `anki` module is a failure, never a quiet pass.
pub fn anki() -> &'static Anki {
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
        Ok(anki) => anki,
        Err(why) => panic!(
            "{why}: set NOTEDECK_PYTHON to a Python with tests/anki/requirements.txt (.ci/run makes one in .venv)"
        ),
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

/// What one run of the binary printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built `notedeck` with `args`; it must succeed.
pub fn notedeck(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_notedeck"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run notedeck");
    let run = Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        output.status.success(),
        "notedeck {:?} failed:\n{}\n{}",
        args.iter()
            .map(|a| a.as_ref().to_owned())
            .collect::<Vec<_>>(),
        run.stdout,
        run.stderr
    );
    run
}

/// `notedeck build --notes NOTES --out OUT --format FORMATS`.
pub fn build(notes: &Path, out: &Path, formats: &str) -> Run {
    build_with(notes, out, formats, &[])
}

/// `build` with more arguments (`--split`).
pub fn build_with(notes: &Path, out: &Path, formats: &str, extra: &[&str]) -> Run {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
        &"build",
        &"--notes",
        &notes,
        &"--out",
        &out,
        &"--format",
        &formats,
    ];
    args.extend(extra.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
    notedeck(&args)
}

/// The GUID of the card fronted `front` (there must be one).
pub fn guid_of(cards: &[Card], front: &str) -> String {
    cards
        .iter()
        .find(|c| c.front == front)
        .unwrap_or_else(|| panic!("no card fronted {front}"))
        .guid
        .clone()
}

/// The cards as `notedeck extract NOTES --format jsonl` prints them: what
/// `build` should export.
pub fn extracted(notes: &Path) -> Vec<Card> {
    notedeck(&[&"extract", &notes, &"--format", &"jsonl"])
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a card a line"))
        .collect()
}

/// The files with extension `ext` that `build` wrote into `out`, sorted.
pub fn outputs(out: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// A note with the fields a careless exporter breaks: a tab, a line break,
/// double and single quotes and a `<br>` in a definition, a front starting
/// with `#` (a list item, not a heading), `&`, `<` and quotes in a front. Its
/// subfolder and `#` title make a nested deck; its headings make tags.
pub const HARD_NOTE: (&str, &str) = (
    "日本語/文法.md",
    "# 助詞と記号\n\
     \n\
     ## 第1課\n\
     \n\
     - 係助詞: 主題を示す\t\"二重\" と '単一' 、<br> 改行の前\n  二行目の説明\n\
     - #タグ: 見出しではなく、リストの項目\n\
     - \"引用\" & <記号>: 前面にも引用符\n\
     \n\
     ## 第2課\n\
     \n\
     - 格助詞: 主語を示す\n",
);

/// A copy of the project's `notes/` with `HARD_NOTE` added, under `tmp`.
pub fn notes_with_hard_note(tmp: &Path) -> PathBuf {
    let notes = tmp.join("notes");
    copy_dir(&repo().join("notes"), &notes);
    write_hard_note(&notes);
    notes
}

pub fn write_hard_note(notes: &Path) {
    let path = notes.join(HARD_NOTE.0);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, HARD_NOTE.1).unwrap();
}

/// The hard note's cards, after checking that they still hold what makes
/// them hard (so that a change of the extractor cannot quietly make the
/// round trip easy).
pub fn hard_cards(cards: &[Card]) -> Vec<Card> {
    let hard: Vec<Card> = cards
        .iter()
        .filter(|c| *c.file == *HARD_NOTE.0)
        .cloned()
        .collect();
    let backs: String = hard.iter().map(|c| c.back_html.as_str()).collect();
    for needle in ["\t", "\n", "\"", "'", "<br>"] {
        assert!(backs.contains(needle), "no {needle:?} in {hard:#?}");
    }
    assert!(hard.iter().any(|c| c.front == "#タグ"), "{hard:#?}");
    assert!(hard.iter().any(|c| c.front.contains(['&', '<', '"'])));
    assert!(hard.iter().all(|c| &*c.deck == "日本語::助詞と記号"));
    assert!(hard.iter().any(|c| *c.tags == ["第1課"]), "{hard:#?}");
    hard
}

/// Plain text as an Anki field (HTML), written here rather than taken from
/// notedeck so that the expectation does not come from the code under test.
pub fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The text an HTML field shows (the entities notedeck writes).
pub fn text_of(field: &str) -> String {
    field
        .replace("&#35;", "#")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The fields of the `notedeck` note type for a card without local images:
/// Front, Back, Context (levels joined by ` › `), Source (the file, no line
/// to go stale), Key (the GUID, for Anki searches).
pub fn expected_fields(card: &Card) -> [(&'static str, String); 5] {
    [
        ("Front", html(&card.front)),
        ("Back", card.back_html.clone()),
        ("Context", html(&card.context.join(" › "))),
        ("Source", html(&card.file)),
        ("Key", html(&card.guid)),
    ]
}

/// Every field of the `notedeck` note type.
pub const ALL_FIELDS: [&str; 5] = ["Front", "Back", "Context", "Source", "Key"];

/// Checks that `note` (from `dump`) holds `card`: the named fields exactly,
/// the Front as the text it shows, the deck and the tags.
pub fn assert_note_is(note: &Value, card: &Card, field_names: &[&str]) {
    let front = note["fields"]["Front"].as_str().expect("a Front field");
    assert_eq!(text_of(front), card.front, "Front of {}", card.guid);
    for (name, want) in expected_fields(card) {
        if field_names.contains(&name) {
            assert_eq!(
                note["fields"][name].as_str(),
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
    let mut tags = card.tags.to_vec();
    tags.sort();
    let got: Vec<String> = serde_json::from_value(note["tags"].clone()).unwrap();
    // Anki matches tags case-insensitively; compare folded.
    let lower = |v: &[String]| v.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>();
    assert_eq!(lower(&got), lower(&tags), "tags of {}", card.guid);
}

/// Appends `suffix` to line `line` (1-based) of `path`.
pub fn append_to_line(path: &Path, line: usize, suffix: &str) {
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

/// A valid 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];
