//! A damaged index is a cache to make again: `build` moves it aside (kept,
//! and named), rebuilds it and keeps what only it knew when it can still be
//! read; `search` says so and moves nothing.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{assert_index_sound, card_count, Project};

/// A built project with one card removed from the notes (so the index
/// lists it) and every changed time set to 1234 (so a rebuild that forgot
/// them shows).
fn built_project() -> Project {
    let project = Project::with_notes();
    project.write_note(
        "extra.md",
        "- 残る: 残る用語の説明\n- 消える: 消える用語の説明\n",
    );
    project.run(&["build"]).ok();
    project.write_note("extra.md", "- 残る: 残る用語の説明\n");
    project.run(&["build"]).ok();
    project
        .index()
        .execute("UPDATE cards SET changed = 1234", [])
        .unwrap();
    project
}

fn index_file(project: &Project) -> PathBuf {
    project.dir.path().join("out/index.sqlite")
}

/// Every card's front (with its line, fronts repeat) → (GUID, changed).
fn identities(project: &Project) -> BTreeMap<(String, i64), (String, i64)> {
    project
        .index()
        .prepare("SELECT front, line, guid, changed FROM cards")
        .unwrap()
        .query_map([], |row| {
            Ok(((row.get(0)?, row.get(1)?), (row.get(2)?, row.get(3)?)))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The files moved aside as damaged, by name.
fn moved_aside(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("index.sqlite.damaged-"))
        // Its WAL files go with it, where SQLite finds them.
        .filter(|name| !name.ends_with("-wal") && !name.ends_with("-shm"))
        .collect();
    names.sort();
    names
}

/// Search says the index is damaged and moves nothing; build warns,
/// naming the index and where it went, and the index is sound again.
fn assert_found_and_repaired(project: &Project, build_args: &[&str]) -> String {
    let search = project.run(&["search", "監視"]);
    assert_eq!(search.code(), 2, "{}", search.stderr());
    assert!(
        search
            .stderr()
            .contains("out/index.sqlite: the index is damaged (")
            && search.stderr().contains("run `notedeck build --force`"),
        "{}",
        search.stderr()
    );
    assert!(moved_aside(project).is_empty(), "search moves nothing");

    let build = project.run(build_args);
    build.ok();
    let aside = moved_aside(project);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        build
            .stderr()
            .contains("warning: out/index.sqlite: the index was damaged (")
            && build
                .stderr()
                .contains(&format!("moved it aside to out/{}", aside[0])),
        "{}",
        build.stderr()
    );
    assert_index_sound(&project.index());
    assert!(!project.run(&["search", "監視"]).ok().is_empty());
    build.stderr()
}

#[test]
fn a_file_that_is_no_database_is_kept_aside_and_the_index_rebuilt() {
    let project = built_project();
    let garbage = b"not an index at all, ".repeat(400);
    std::fs::write(index_file(&project), &garbage).unwrap();
    let warning = assert_found_and_repaired(&project, &["build"]);
    assert!(warning.contains("nothing of it could be read"), "{warning}");
    let aside = project
        .dir
        .path()
        .join("out")
        .join(&moved_aside(&project)[0]);
    assert_eq!(std::fs::read(aside).unwrap(), garbage, "kept as it was");
    assert!(card_count(&project.index()) > 0);
}

#[test]
fn a_truncated_index_is_rebuilt() {
    let project = built_project();
    let file = std::fs::File::options()
        .write(true)
        .open(index_file(&project))
        .unwrap();
    file.set_len(file.metadata().unwrap().len() / 2).unwrap();
    assert_found_and_repaired(&project, &["build"]);
}

#[test]
fn damaged_full_text_tables_are_found_even_by_force_and_identities_kept() {
    let project = built_project();
    let before = identities(&project);
    let removed = project.run(&["removed", "--query"]).ok();
    project
        .index()
        .execute(
            "UPDATE cards_fts_data SET block = x'00ff00ff00ff00ff' WHERE id > 10",
            [],
        )
        .unwrap();
    let warning = assert_found_and_repaired(&project, &["build", "--force"]);
    assert!(
        warning.contains(&format!(
            "kept the identity and changed time of {} cards and 1 removed cards",
            before.len()
        )),
        "{warning}"
    );
    assert_eq!(identities(&project), before);
    assert_eq!(project.run(&["removed", "--query"]).ok(), removed);
    // The next build finds nothing to do.
    let next = project.run(&["build"]).ok();
    assert!(next.contains("no output rewritten"), "{next}");
}

#[test]
fn a_missing_table_is_damage_and_the_notes_folder_is_remembered() {
    let project = Project::with_notes();
    std::fs::rename(project.notes(), project.dir.path().join("study")).unwrap();
    project.run(&["build", "--notes", "study"]).ok();
    project.index().execute_batch("DROP TABLE files").unwrap();
    // No --notes: the damaged index still says where the notes are.
    assert_found_and_repaired(&project, &["build"]);
}

#[test]
fn a_dry_run_on_a_damaged_index_says_so_and_moves_nothing() {
    let project = built_project();
    std::fs::write(index_file(&project), b"garbage".repeat(1000)).unwrap();
    let run = project.run(&["build", "--dry-run"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("the index is damaged"),
        "{}",
        run.stderr()
    );
    assert!(moved_aside(&project).is_empty());
}

#[test]
fn damage_the_checks_miss_is_repaired_when_the_build_meets_it() {
    let project = built_project();
    // An index on `cards` whose entries lead to rows no longer there (their
    // ids changed behind its back): SQLite's quick check counts an index's
    // entries but does not follow them; a build that reads the cards of
    // `extra.md` through it does.
    let (rootpage, sql): (i64, String) = project
        .index()
        .query_row(
            "SELECT rootpage, sql FROM sqlite_master WHERE name = 'cards_by_file'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    project
        .index()
        .execute_batch(
            "PRAGMA writable_schema = ON; DELETE FROM sqlite_master WHERE name = 'cards_by_file';",
        )
        .unwrap();
    project
        .index()
        .execute_batch("UPDATE cards SET id = id + 100000 WHERE file = 'extra.md'")
        .unwrap();
    let index = project.index();
    index.execute_batch("PRAGMA writable_schema = ON").unwrap();
    index
        .execute(
            "INSERT INTO sqlite_master VALUES ('index', 'cards_by_file', 'cards', ?1, ?2)",
            rusqlite::params![rootpage, sql],
        )
        .unwrap();
    drop(index);
    project.write_note("extra.md", "- 残る: 残る用語の新しい説明\n");

    let build = project.run(&["build"]);
    build.ok();
    assert!(
        build
            .stderr()
            .contains("warning: out/index.sqlite: the index was damaged ("),
        "{}",
        build.stderr()
    );
    assert_eq!(moved_aside(&project).len(), 1);
    assert_index_sound(&project.index());
}

#[test]
fn a_large_index_is_checked_whole_when_the_build_is_forced() {
    let project = Project::empty();
    for i in 0..2400 {
        let mut note = format!("# ノート{i}\n\n");
        for j in 0..5 {
            note.push_str(&format!(
                "- 用語{i}の{j}: ノート{i}で{j}番目に説明する概念、監視と通知と保持についての説明文\n"
            ));
        }
        project.write_note(&format!("part{}/note{i}.md", i % 20), note);
    }
    project.run(&["build"]).ok();
    let size = std::fs::metadata(index_file(&project)).unwrap().len();
    assert!(
        size > 8 << 20,
        "{size} bytes: not past the size checked whole"
    );
    project
        .index()
        .execute(
            "UPDATE fronts_fts_data SET block = x'00ff00ff00ff00ff' WHERE id > 10",
            [],
        )
        .unwrap();
    assert_found_and_repaired(&project, &["build", "--force"]);
}
