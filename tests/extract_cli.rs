//! `notedeck extract` through the built binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn notedeck(args: &[&str], dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notedeck"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run notedeck");
    // A hang is a failure, not a stuck test run.
    let deadline = Instant::now() + Duration::from_secs(120);
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "notedeck {args:?} did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let stdout = reader.join().unwrap();
    let mut output = child.wait_with_output().unwrap();
    output.stdout = stdout.into_bytes();
    output
}

fn jsonl(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn default_notes_give_cards_with_every_key_the_same_on_every_run() {
    let first = notedeck(&["extract", "--format", "jsonl"], repo());
    assert!(first.status.success());
    let cards = jsonl(&first);
    assert!(cards.len() > 100, "{} cards", cards.len());
    let mut keys: Vec<&str> = cards[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "back",
            "back_html",
            "context",
            "deck",
            "file",
            "front",
            "guid",
            "kind",
            "line",
            "tags"
        ]
    );
    assert!(
        first.stdout.starts_with(br#"{"guid":"#),
        "keys in the documented order"
    );
    let signal = cards
        .iter()
        .find(|c| c["front"] == "cfn-signal")
        .expect("the cfn-signal card");
    assert_eq!(signal["deck"], "CloudLicence");
    assert_eq!(signal["file"], "CloudLicence.md");
    assert_eq!(signal["line"], 56);
    assert_eq!(signal["kind"], "term");
    assert_eq!(signal["context"], serde_json::json!(["45."]));
    assert_eq!(signal["tags"], serde_json::json!(["45"]));
    let again = notedeck(&["extract", "notes", "--format", "jsonl"], repo());
    assert_eq!(
        first.stdout, again.stdout,
        "same notes, same cards and GUIDs"
    );
    assert!(String::from_utf8_lossy(&first.stderr)
        .contains(&format!("{} cards from 1 file", cards.len())));
}

#[test]
fn tsv_has_a_header_row_and_text_fits_the_width() {
    let tsv = notedeck(&["extract", "--format", "tsv"], repo());
    let text = String::from_utf8(tsv.stdout).unwrap();
    assert!(text.starts_with("guid\tdeck\tkind\tfile\tline\tfront\tcontext\ttags\tback\n"));
    let people = notedeck(&["extract", "--format", "text"], repo());
    let text = String::from_utf8(people.stdout).unwrap();
    assert!(text.contains("cfn-signal"));
}

#[test]
fn a_file_that_is_not_utf8_is_named_and_the_others_are_still_extracted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.md"), "- 用語: 定義\n").unwrap();
    std::fs::write(
        dir.path().join("bad.md"),
        b"- ok: fine\n- \xff\xfe: broken\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("nowhere.md", dir.path().join("dangling.md")).unwrap();
    let output = notedeck(&["extract", ".", "--format", "jsonl"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.md:2: not UTF-8"), "{stderr}");
    assert!(stderr.contains("dangling.md"), "{stderr}");
    let cards = jsonl(&output);
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["front"], "用語");
}

#[test]
fn a_missing_path_is_an_error_naming_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = notedeck(&["extract", "no-such-folder"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no-such-folder: cannot read: No such file or directory"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("no-such-folder").count(), 1, "{stderr}");
    // Said once: no summary of nothing after it.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn odd_but_valid_input_never_breaks_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    write("empty.md", String::new());
    write(
        "crlf.md",
        "\u{feff}# T\r\n\r\n- 用語: 定義\r\n\t- タブ: 値\r\n".into(),
    );
    write(
        "deep.md",
        (0..10_000)
            .map(|i| format!("{}- 項目{i}: 説明\n", "  ".repeat(i % 200)))
            .collect(),
    );
    write(
        "nested.md",
        "- ".repeat(10_000) + "x\n" + &">".repeat(10_000) + "\n" + &"[".repeat(10_000),
    );
    write(
        "long.md",
        format!("- 長い行: {}\n", "定義の文。".repeat(700_000)),
    );
    let output = notedeck(&["extract", ".", "--format", "jsonl"], dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cards = jsonl(&output);
    let crlf: Vec<_> = cards.iter().filter(|c| c["file"] == "crlf.md").collect();
    assert_eq!(crlf.len(), 2);
    assert_eq!(crlf[0]["front"], "用語");
    assert_eq!(crlf[0]["deck"], "T");
    assert!(cards
        .iter()
        .any(|c| c["file"] == "long.md" && c["front"] == "長い行"));
    assert!(cards
        .iter()
        .any(|c| c["file"] == "deep.md" && c["front"] == "項目9800"));
}

#[test]
fn a_folder_without_notes_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let output = notedeck(&["extract", "empty"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: no .md files under empty/"),
        "{stderr}"
    );
}
