//! An output folder, and the `out` of a `notedeck.toml`, may come from a
//! repository someone else wrote: a build writes, replaces and removes only
//! what notedeck made there, and an index it did not make is left as it is.

mod common;

use std::fs;
use std::path::Path;

use common::{card_count, Project};

fn notes_with_one_card(project: &Project) {
    project.write_note("a.md", "# A\n\n- 監視: システムを見張ること\n");
}

/// Every file under `dir`, with its bytes, to compare before and after.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap_or_default();
            (path.strip_prefix(dir).unwrap().display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_database_notedeck_did_not_make_is_refused_and_left_byte_identical() {
    let project = Project::empty();
    notes_with_one_card(&project);
    let out = project.dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let other = rusqlite::Connection::open(out.join("index.sqlite")).unwrap();
    other
        .execute_batch(
            "CREATE TABLE bookmarks (url); INSERT INTO bookmarks VALUES ('https://example.org');",
        )
        .unwrap();
    drop(other);
    let before = fs::read(out.join("index.sqlite")).unwrap();

    for args in [
        &["build"][..],
        &["build", "--force"],
        &["build", "--dry-run"],
        &["search", "監視"],
        &["removed"],
    ] {
        let run = project.run(args);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(
            run.stderr()
                .contains("out/index.sqlite: a database notedeck did not make (tables: bookmarks)")
                && run.stderr().contains("--out"),
            "{args:?}: {}",
            run.stderr()
        );
    }
    assert_eq!(fs::read(out.join("index.sqlite")).unwrap(), before);
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with(".notedeck-lock"))
        .collect();
    assert_eq!(names, ["index.sqlite"], "no copy moved aside, no output");

    // Another program's own mark is refused the same way.
    let other = rusqlite::Connection::open(out.join("index.sqlite")).unwrap();
    other
        .pragma_update(None, "application_id", 0x0f055112)
        .unwrap();
    drop(other);
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("another program (application id 0x0f055112)"),
        "{}",
        run.stderr()
    );
}

#[cfg(unix)]
#[test]
fn an_index_that_is_a_link_is_refused_and_what_it_points_at_untouched() {
    let project = Project::empty();
    notes_with_one_card(&project);
    // A real notedeck index elsewhere, linked from OUT.
    project.run(&["build", "--out", "elsewhere"]).ok();
    let target = project.dir.path().join("elsewhere/index.sqlite");
    let before = snapshot(&project.dir.path().join("elsewhere"));
    let out = project.dir.path().join("out");
    fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&target, out.join("index.sqlite")).unwrap();
    for args in [&["build"][..], &["search", "監視"]] {
        let run = project.run(args);
        assert_eq!(run.code(), 2, "{args:?}");
        assert!(
            run.stderr()
                .contains("out/index.sqlite: a symbolic link, not an index notedeck made"),
            "{}",
            run.stderr()
        );
    }
    // Nor a WAL file that links out: SQLite would write through it.
    fs::remove_file(out.join("index.sqlite")).unwrap();
    project.run(&["build"]).ok();
    let victim = project.dir.path().join("victim");
    fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, out.join("index.sqlite-wal")).unwrap();
    let run = project.run(&["build", "--force"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("out/index.sqlite-wal: a symbolic link"),
        "{}",
        run.stderr()
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
    assert_eq!(snapshot(&project.dir.path().join("elsewhere")), before);
}

#[cfg(unix)]
#[test]
fn a_lock_file_that_is_a_link_creates_nothing_where_it_points() {
    let project = Project::empty();
    notes_with_one_card(&project);
    let out = project.dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let target = project.dir.path().join("created-by-the-link");
    std::os::unix::fs::symlink(&target, out.join(".notedeck-lock")).unwrap();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains(".notedeck-lock: cannot open the build lock"),
        "{}",
        run.stderr()
    );
    assert!(!target.exists());
}

#[test]
fn crafted_output_records_delete_nothing_outside_or_not_made_by_notedeck() {
    let project = Project::empty();
    notes_with_one_card(&project);
    project.run(&["build"]).ok();
    let dir = project.dir.path();
    fs::create_dir(dir.join("victim")).unwrap();
    fs::write(dir.join("victim/important.csv"), "#separator:tab\nmine\n").unwrap();
    let absolute = dir.join("victim/absolute.apkg");
    fs::write(&absolute, "PK\x03\x04 mine too").unwrap();
    fs::write(dir.join("out/mine.csv"), "name,phone\n").unwrap();
    {
        let index = project.index();
        for name in [
            "../victim/important.csv",
            absolute.to_str().unwrap(),
            "mine.csv",
        ] {
            index
                .execute("INSERT INTO outputs (name, pending) VALUES (?1, 0)", [name])
                .unwrap();
        }
    }
    let run = project.run(&["build"]);
    let summary = run.ok();
    assert!(!summary.contains("old output"), "{summary}");
    assert!(
        run.stderr().contains("out/mine.csv: left as it is"),
        "{}",
        run.stderr()
    );
    assert!(dir.join("victim/important.csv").exists());
    assert!(absolute.exists());
    assert_eq!(
        fs::read_to_string(dir.join("out/mine.csv")).unwrap(),
        "name,phone\n"
    );
    // The crafted records are forgotten: the next build says nothing.
    let count: i64 = project
        .index()
        .query_row("SELECT count(*) FROM outputs", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, 2, "notes.apkg and notes.csv");
    let run = project.run(&["build"]);
    assert!(run.stderr().is_empty(), "{}", run.stderr());

    // An output notedeck made and no longer makes is still removed.
    let run = project.run(&["build", "--split"]);
    assert!(
        run.ok().contains("removed 2 old outputs"),
        "{}",
        run.stdout()
    );
    assert!(!dir.join("out/notes.apkg").exists());
}

#[test]
fn a_second_notes_folder_cannot_take_over_an_output_folder_without_adopt() {
    let project = Project::empty();
    notes_with_one_card(&project);
    let other = project.dir.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("b.md"), "# B\n\n- 冗長化: 予備を置くこと\n").unwrap();
    project.run(&["build", "--out", "decks"]).ok();
    let decks = project.dir.path().join("decks");
    let before = snapshot(&decks);

    for args in [
        &["build", "--notes", "other", "--out", "decks"][..],
        &["build", "--notes", "other", "--out", "decks", "--dry-run"],
    ] {
        let run = project.run(args);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(
            run.stderr()
                .contains("decks: this output folder holds the index of the notes in")
                && run.stderr().contains("--adopt"),
            "{}",
            run.stderr()
        );
    }
    assert_eq!(snapshot(&decks), before, "nothing deleted or rewritten");

    let run = project.run(&["build", "--notes", "other", "--out", "decks", "--adopt"]);
    assert!(run.ok().contains("1 removed"), "{}", run.stdout());
    assert!(run.stderr().contains("it now follows"), "{}", run.stderr());
    assert!(decks.join("other.apkg").exists());
}

#[test]
fn an_out_of_a_notedeck_toml_stays_beside_the_notes() {
    let project = Project::empty();
    notes_with_one_card(&project);
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("notes.csv"), "precious\n").unwrap();
    for out in [
        elsewhere.path().display().to_string(),
        "../../elsewhere".to_string(),
    ] {
        project.write_note("notedeck.toml", format!("reverse = false\nout = {out:?}\n"));
        let run = project.run(&["build"]);
        assert_eq!(run.code(), 2, "{out}");
        assert!(
            run.stderr().contains("notedeck.toml: line 2: out = ")
                && run
                    .stderr()
                    .contains("is outside the folder that holds the notes"),
            "{}",
            run.stderr()
        );
    }
    assert_eq!(
        snapshot(elsewhere.path()),
        [("notes.csv".to_string(), b"precious\n".to_vec())]
    );
    // Beside the notes, as the README shows.
    project.write_note("notedeck.toml", "out = \"../decks\"\n");
    project.run(&["build"]).ok();
    assert!(project.dir.path().join("decks/notes.apkg").exists());
}

#[test]
fn a_file_of_the_users_where_an_output_would_go_stops_the_build() {
    let project = Project::empty();
    notes_with_one_card(&project);
    let out = project.dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.csv"), "my own spreadsheet\n").unwrap();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains(
            "out/notes.csv: notedeck would write its output here, but this file is not one it made"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.csv")).unwrap(),
        "my own spreadsheet\n"
    );
    assert!(!out.join("index.sqlite").exists(), "no index half made");
    assert!(!out.join("notes.apkg").exists());

    // Once it is moved away, the build goes on; later it replaces its own.
    fs::rename(out.join("notes.csv"), project.dir.path().join("kept.csv")).unwrap();
    project.run(&["build"]).ok();
    project.write_note("a.md", "# A\n\n- 監視: システムを常に見張ること\n");
    project.run(&["build"]).ok();
    assert!(card_count(&project.index()) == 1);
    assert!(fs::read_to_string(out.join("notes.csv"))
        .unwrap()
        .contains("常に見張る"));

    // Its own outputs, made again after the index was lost, are taken over.
    fs::remove_file(out.join("index.sqlite")).unwrap();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2, "the records went with the index");
    project.run(&["build", "--adopt"]).ok();
}
