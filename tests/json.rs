//! `--json` on `build`, `sync` and `removed`: one JSON object on stdout,
//! as docs/json.md describes it, for scripts, editors and agents; and
//! `{"error": …}` when the command fails.

#[path = "common/ankiconnect.rs"]
mod ankiconnect;
mod common;

use common::{Project, Run};
use serde_json::Value;

/// The one JSON object a run printed (one line, nothing else on stdout).
fn object(run: &Run) -> Value {
    let stdout = run.stdout();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}: {stdout}"))
}

fn project() -> Project {
    let project = Project::empty();
    project.write_note(
        "語.md",
        "---\nnotedeck: {reverse: true}\n---\n# 語\n\n- 用語: 定義\n- 穴: ==光== と ==水==\n",
    );
    project.write_note(
        "別.md",
        "# 別\n\n- 別: 説明 ![図](https://example.com/a.png)\n",
    );
    project.write_note("bad.md", "---\nnotedeck: {reverse: maybe}\n---\n- 悪: 値\n");
    project
}

#[test]
fn build_json_has_the_counts_outputs_warnings_and_failed_notes() {
    let project = project();
    let run = project.run(&["build", "--json", "-v"]);
    assert_eq!(run.code(), 2, "a note failed: {}", run.stderr());
    let build = object(&run);
    assert_eq!(build["dry_run"], false);
    assert_eq!(build["notes_folder"], "notes");
    assert_eq!(build["files_changed"], 2);
    // 用語 reversed (2 cards), 穴 two gaps (2), 別 (1).
    assert_eq!(
        (build["notes"].as_u64(), build["cards"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(build["new"], 3);
    assert_eq!(
        build["outputs"],
        serde_json::json!(["out/notes.apkg", "out/notes.csv"])
    );
    let warnings = build["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("別.md:3: remote image left as a link")),
        "{warnings:?}"
    );
    let failed = &build["failed"][0];
    assert_eq!(failed["file"], "notes/bad.md");
    assert_eq!(failed["line"], 2);
    assert!(failed["error"]
        .as_str()
        .unwrap()
        .starts_with("notes/bad.md:2: notedeck: "));
    let changes = build["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0]["outcome"], "new");

    // A build with nothing to do.
    std::fs::remove_file(project.notes().join("bad.md")).unwrap();
    let build = object(&project.run(&["build", "--json"]));
    assert_eq!(build["outputs"], serde_json::json!([]));
    assert_eq!(build["changes"], serde_json::json!([]));
    assert_eq!(build["failed"], serde_json::json!([]));
}

#[test]
fn a_fatal_error_prints_one_error_object_and_exits_2() {
    let project = Project::empty();
    let run = project.run(&["build", "--json", "--notes", "missing"]);
    assert_eq!(run.code(), 2);
    assert_eq!(
        object(&run),
        serde_json::json!({"error": "missing: notes folder not found"})
    );
    assert!(!project.dir.path().join("out").exists());
    let run = project.run(&["removed", "--json"]);
    assert_eq!(run.code(), 2);
    assert!(object(&run)["error"]
        .as_str()
        .unwrap()
        .contains("index.sqlite"));
    // Anki not there: before anything is built.
    let run = project.run(&["sync", "--json", "--url", "http://127.0.0.1:9"]);
    assert_eq!(run.code(), 2);
    assert!(object(&run)["error"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1:9"));
}

#[test]
fn removed_json_lists_the_cards_with_the_search_that_selects_them() {
    let project = project();
    project.run(&["build"]);
    project.write_note("別.md", "# 別\n");
    project.run(&["build"]);
    let removed = object(&project.run(&["removed", "--json"]));
    let cards = removed["removed"].as_array().unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["front"], "別");
    assert_eq!(cards[0]["file"], "別.md");
    assert_eq!(cards[0]["line"], 3);
    let query = project.run(&["removed", "--query"]).ok();
    assert_eq!(removed["anki_search"], query.trim_end());
    assert_eq!(removed["forgotten"], 0);
    let forgot = object(&project.run(&["removed", "--json", "--forget"]));
    assert_eq!(forgot["forgotten"], 1);
    let none = object(&project.run(&["removed", "--json"]));
    assert_eq!(
        none,
        serde_json::json!({"removed": [], "anki_search": "", "forgotten": 0})
    );
}

#[test]
#[cfg_attr(
    not(anki_connect),
    ignore = "needs an AnkiConnect server: set NOTEDECK_ANKICONNECT"
)]
fn sync_json_has_the_build_and_what_was_done_in_anki() {
    let collection = tempfile::tempdir().unwrap();
    let server = ankiconnect::Server::start(&collection.path().join("collection.anki2"));
    let project = project();
    std::fs::remove_file(project.notes().join("bad.md")).unwrap();
    let run = project.run(&["sync", "--json", "--url", &server.url]);
    let sync = object(&run);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(sync["build"]["notes"], 3);
    assert_eq!(sync["build"]["cards"], 5);
    let anki = &sync["anki"];
    assert_eq!(anki["url"], server.url.as_str());
    assert_eq!(
        (anki["added"].as_u64(), anki["deleted"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(anki["conflicts"], serde_json::json!([]));
    project.write_note("別.md", "# 別\n");
    let sync = object(&project.run(&["sync", "--json", "--url", &server.url]));
    assert_eq!(sync["build"]["removed"], 1);
    assert_eq!(sync["anki"]["deleted"], 1);
    assert_eq!(sync["anki"]["unchanged"], 2);
    server.stop();
}
