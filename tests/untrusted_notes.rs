//! A notes folder cloned from a stranger: what it holds beside notes (pipes,
//! devices, link loops, huge files), names macOS wrote decomposed, old Mac
//! line ends and queries built to be slow. Each is named and bounded; none
//! hangs a command, fails a build of the other notes, or changes identities.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Project;
use unicode_normalization::UnicodeNormalization;

/// Runs `command`, killing it after `seconds`: `None` if it had to be
/// killed (it hung, or read without end).
fn run_within(command: &mut Command, seconds: u64) -> Option<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn jsonl(output: &Output) -> Vec<serde_json::Value> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn extract_jsonl(project: &Project) -> Output {
    project
        .command(&["extract", "notes", "--format", "jsonl"])
        .output()
        .unwrap()
}

// Case 9: what is not a regular file is never read as settings or notes.

#[cfg(unix)]
#[test]
fn a_settings_file_that_is_a_fifo_or_a_device_is_an_error_naming_it() {
    let fifo = Project::empty();
    fifo.write_note("a.md", "# A\n\n- 用語: 定義\n");
    mkfifo(&fifo.notes().join("notedeck.toml"));
    let zero = Project::empty();
    zero.write_note("a.md", "# A\n\n- 用語: 定義\n");
    std::os::unix::fs::symlink("/dev/zero", zero.notes().join("notedeck.toml")).unwrap();
    for (project, what) in [(&fifo, "a FIFO"), (&zero, "a device")] {
        for args in [
            &["build", "--notes", "notes"][..],
            &["extract", "notes"],
            &["search", "用語", "--notes", "notes"],
        ] {
            let mut command = project.command(args);
            let Some(run) = run_within(&mut command, 20) else {
                panic!("{args:?} with notedeck.toml {what}: still running after 20 s");
            };
            let stderr = text(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(
                stderr.contains("notedeck.toml") && stderr.contains(what),
                "{args:?}: {stderr}"
            );
        }
        assert!(!project.dir.path().join("out/index.sqlite").exists());
    }
}

#[test]
fn a_settings_file_past_its_limit_is_refused_naming_the_limit() {
    let project = Project::empty();
    project.write_note("a.md", "# A\n\n- 用語: 定義\n");
    let comment = format!("# {}\n", "x".repeat(1 << 20));
    project.write_note("notedeck.toml", format!("reverse = true\n{comment}"));
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("notedeck.toml") && run.stderr().contains("1 MiB"),
        "{}",
        run.stderr()
    );
}

#[cfg(unix)]
#[test]
fn a_note_that_is_a_fifo_or_a_device_is_named_in_a_warning_and_skipped() {
    let project = Project::empty();
    project.write_note("a.md", "# A\n\n- 用語: 定義\n");
    mkfifo(&project.notes().join("pipe.md"));
    std::os::unix::fs::symlink("/dev/zero", project.notes().join("zero.md")).unwrap();
    for args in [&["build"][..], &["extract", "notes", "--format", "jsonl"]] {
        let Some(run) = run_within(&mut project.command(args), 20) else {
            panic!("{args:?}: still running after 20 s");
        };
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{args:?}: {stderr}");
        for (name, what) in [("pipe.md", "a FIFO"), ("zero.md", "a device")] {
            assert!(
                stderr.lines().any(|l| l.contains("warning")
                    && l.contains(name)
                    && l.contains(what)
                    && l.contains("skipped")),
                "{args:?}, {name}: {stderr}"
            );
        }
    }
    assert_eq!(common::card_count(&project.index()), 1);
    assert_eq!(common::file_count(&project.index()), 1);
}

#[test]
fn a_note_past_the_size_limit_is_named_and_the_others_still_built() {
    let project = Project::empty();
    project.write_note("a.md", "# A\n\n- 用語: 定義\n");
    let huge = format!("# H\n\n- 巨大: {}\n", "あ".repeat((16 << 20) / 3 + 1));
    project.write_note("huge.md", huge);
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .lines()
            .any(|l| l.contains("huge.md") && l.contains("16 MiB")),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().contains("1 file failed"), "{}", run.stdout());
    assert_eq!(common::card_count(&project.index()), 1);
}

// Case 10: names and text as macOS writes them (NFD) make the decks, GUIDs
// and names the same text does in NFC.

const NOTE: &str = "# ざつがく\n\n## ざっくり\n\n- がぎぐ: ぱぴぷぺぽの説明\n- 用語: 定義\n";

fn nfd(text: &str) -> String {
    text.nfd().collect()
}

/// The deck, GUID, file, front and context of every card `extract` makes.
fn identities(output: &Output) -> Vec<[String; 5]> {
    jsonl(output)
        .iter()
        .map(|card| ["deck", "guid", "file", "front", "context"].map(|key| card[key].to_string()))
        .collect()
}

#[test]
fn decomposed_names_and_text_give_the_decks_and_guids_of_composed_ones() {
    let composed = Project::empty();
    composed.write_note("ぶんぽう/ざっき.md", NOTE);
    let decomposed = Project::empty();
    decomposed.write_note(&nfd("ぶんぽう/ざっき.md"), nfd(NOTE));
    assert_ne!(nfd("ざっき"), "ざっき", "the name is decomposed");

    let want = identities(&extract_jsonl(&composed));
    assert_eq!(want.len(), 3, "{want:?}");
    assert!(want[0][0].contains("ぶんぽう::ざつがく"), "{want:?}");
    assert!(want[0][2].contains("ぶんぽう/ざっき.md"), "{want:?}");
    assert_eq!(identities(&extract_jsonl(&decomposed)), want);

    // Built, the index records the composed name (and reads the file by
    // its real, decomposed one).
    decomposed.run(&["build"]).ok();
    let file: String = decomposed
        .index()
        .query_row("SELECT path FROM files", [], |row| row.get(0))
        .unwrap();
    assert_eq!(file, "ぶんぽう/ざっき.md");
    let second = decomposed.run(&["build"]);
    assert!(
        second.ok().starts_with("0 files changed"),
        "{}",
        second.stdout()
    );
}

#[test]
fn images_are_found_whichever_form_their_folder_and_link_are_written_in() {
    let project = Project::empty();
    // macOS named the folder and the image; the link was typed composed.
    project.write_note(
        &nfd("ざっき/a.md"),
        "# A\n\n- 図: ![](図.png) と ![](ずかん.png)\n",
    );
    project.write_note(&nfd("ざっき/図.png"), b"\x89PNG\r\n\x1a\n");
    project.write_note(&nfd("ざっき/ずかん.png"), b"\x89PNG\r\n\x1a\nz");
    let run = project.run(&["build"]);
    assert!(!run.stderr().contains("not found"), "{}", run.stderr());
    let csv = std::fs::read_to_string(project.dir.path().join("out/notes.csv")).unwrap();
    assert_eq!(csv.matches("<img src=\"\"nd-").count(), 2, "{csv}");
}

#[test]
fn a_folder_setting_names_the_folder_however_either_is_written() {
    let project = Project::empty();
    project.write_note(&nfd("ざっき/a.md"), "# A\n\n- 用語: 定義\n");
    project.write_note("notedeck.toml", "[folders.\"ざっき\"]\ndeck = \"ざつ\"\n");
    let cards = jsonl(&extract_jsonl(&project));
    assert_eq!(cards[0]["deck"], "ざつ::A", "{cards:?}");
}

#[test]
fn two_files_named_alike_once_composed_are_not_taken_for_one() {
    let project = Project::empty();
    project.write_note("ざっき.md", "# 一\n\n- 用語: 定義\n");
    project.write_note(&nfd("ざっき.md"), "# 二\n\n- 別語: 説明\n");
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .lines()
            .any(|l| l.contains("ざっき.md") && l.contains("same name")),
        "{}",
        run.stderr()
    );
    assert_eq!(common::card_count(&project.index()), 1);
    // Not one file whose content flips at every build.
    assert!(project
        .run(&["build"])
        .stdout()
        .starts_with("0 files changed"));
}

// Case 11: a query is bounded; repeating a word or phrase is the same query.

fn a_few_hundred_cards(project: &Project) {
    for file in 0..10 {
        let mut note = format!("# 題{file}\n\n");
        for card in 0..30 {
            note.push_str(&format!(
                "- 見出し{file}の{card}: 用語 定義 をまとめた説明 {card}\n"
            ));
        }
        note.push_str("- 用語 定義: 用語 定義 そのもの\n");
        project.write_note(&format!("n{file}.md"), note);
    }
    project.run(&["build"]).ok();
}

#[test]
fn a_phrase_repeated_thousands_of_times_is_the_phrase_once() {
    let project = Project::empty();
    a_few_hundred_cards(&project);
    let once = project.run(&["search", "\"用語 定義\"", "--json", "--limit", "50"]);
    let hits = once.ok();
    assert_eq!(hits.lines().count(), 50, "{hits}");
    let repeated = "\"用語 定義\" ".repeat(2_000);
    let run = project.run(&["search", &repeated, "--json", "--limit", "50"]);
    assert_eq!(run.ok(), hits);
    let words = "用語 定義 ".repeat(2_000);
    let run = project.run(&["search", &words, "--json", "--limit", "50"]);
    let single = project.run(&["search", "用語 定義", "--json", "--limit", "50"]);
    assert_eq!(run.ok(), single.ok());
}

#[test]
fn a_query_past_its_bounds_is_an_error_naming_the_bound() {
    let project = Project::empty();
    a_few_hundred_cards(&project);
    let distinct: Vec<String> = (0..100).map(|i| format!("語{i}")).collect();
    let many = distinct.join(" ");
    let long = format!("\"{}\"", "用語定義".repeat(200));
    let huge = "a ".repeat(15_000);
    for (query, limit) in [
        (&many, "32 words"),
        (&long, "256 characters"),
        (&huge, "20000 characters"),
    ] {
        let run = project.run(&["search", query]);
        assert_eq!(run.code(), 2, "{}", run.stderr());
        assert!(run.stderr().contains(limit), "{limit}: {}", run.stderr());
    }
}

// Case 12: messages name the right file and line; a link loop is a warning.

#[test]
fn a_duplicate_card_warning_names_the_file_and_line_of_the_card_kept() {
    let project = Project::empty();
    project.write_note("a.md", "# 同じ\n\n- 用語: 定義\n");
    project.write_note("b.md", "# 同じ\n\n- 別語: 説明\n\n- 用語: 別の定義\n");
    let run = project.run(&["build"]);
    let stderr = run.stderr();
    assert_eq!(run.code(), 0, "{stderr}");
    assert!(
        stderr.contains(
            "b.md:5: a card of deck 同じ with the same front and context is already in a.md:3;"
        ),
        "{stderr}"
    );
}

#[test]
fn old_mac_line_ends_count_lines_as_commonmark_does() {
    let lines = [
        "# 題",
        "",
        "- 用語: 定義",
        "- 別語: 説明",
        "",
        "## 節",
        "",
        "- 三つ目: 三",
        "",
    ];
    let cards_with = |end: &str| {
        let project = Project::empty();
        project.write_note("a.md", lines.join(end));
        let cards = jsonl(&extract_jsonl(&project));
        assert!(cards
            .iter()
            .all(|c| !c["back"].as_str().unwrap().contains('\r')));
        cards
            .iter()
            .map(|c| (c["front"].to_string(), c["line"].as_u64().unwrap()))
            .collect::<Vec<_>>()
    };
    let want = cards_with("\n");
    let lines_of = |front: &str| -> Vec<u64> {
        want.iter()
            .filter(|(f, _)| f == front)
            .map(|(_, l)| *l)
            .collect()
    };
    assert_eq!(lines_of("\"用語\""), [3]);
    assert_eq!(lines_of("\"三つ目\""), [8]);
    assert_eq!(cards_with("\r"), want, "old Mac line ends");
    assert_eq!(cards_with("\r\n"), want, "Windows line ends");
}

#[cfg(unix)]
#[test]
fn a_link_loop_is_a_warning_about_the_link_and_the_other_notes_build() {
    let project = Project::empty();
    project.write_note("a.md", "# A\n\n- 用語: 定義\n");
    project.write_note("sub/b.md", "# B\n\n- 別語: 説明\n");
    std::os::unix::fs::symlink("..", project.notes().join("sub/loop")).unwrap();
    for _ in 0..2 {
        let run = project.run(&["build"]);
        let stderr = run.stderr();
        assert_eq!(run.code(), 0, "{stderr}");
        assert!(
            stderr
                .lines()
                .any(|l| l.contains("warning") && l.contains("sub/loop") && l.contains("loop")),
            "{stderr}"
        );
        assert!(!run.stdout().contains("failed"), "{}", run.stdout());
    }
    assert_eq!(common::card_count(&project.index()), 2);
}
