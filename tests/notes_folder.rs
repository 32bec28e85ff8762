//! What `build` takes from the notes folder: links only while they stay in
//! it, text without NUL bytes, files told apart by name even when their
//! names are not UTF-8.

mod common;

use common::{card_count, Project};

fn fronts(project: &Project) -> Vec<String> {
    let conn = project.index();
    let mut stmt = conn
        .prepare("SELECT front FROM cards ORDER BY front")
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn outputs_contain(project: &Project, needle: &str) -> bool {
    std::fs::read_dir(project.dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .any(|p| std::fs::read_to_string(p).unwrap().contains(needle))
}

#[cfg(unix)]
#[test]
fn links_out_of_the_notes_folder_are_refused_and_links_inside_followed() {
    use std::os::unix::fs::symlink;
    let project = Project::empty();
    let outside = project.dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.md"), "# S\n\n- 秘密: 外にある値\n").unwrap();
    project.write_note("real.md", "# R\n\n- 監視: 観察すること\n");
    // Indexed while it is a note of its own…
    project.write_note("pw.md", "# P\n\n- 通知: 知らせること\n");
    project.run(&["build"]).ok();
    assert_eq!(fronts(&project), ["監視", "通知"]);

    // …then replaced by a link out of the folder: refused, its cards go.
    std::fs::remove_file(project.notes().join("pw.md")).unwrap();
    symlink(outside.join("secret.md"), project.notes().join("pw.md")).unwrap();
    symlink(&outside, project.notes().join("linked")).unwrap();
    std::fs::create_dir(project.notes().join("other")).unwrap();
    symlink("../real.md", project.notes().join("other/alias.md")).unwrap();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let stderr = run.stderr();
    for name in ["pw.md", "linked"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("outside the notes folder")),
            "{name}: {stderr}"
        );
    }
    let refused = stderr.lines().filter(|l| l.contains("refused")).count();
    assert_eq!(
        refused, 2,
        "the folder refused once, no file in it: {stderr}"
    );
    assert!(run.stdout().contains("2 files failed"), "{}", run.stdout());
    // The link inside the folder is read like any note (deck other::R).
    assert_eq!(fronts(&project), ["監視", "監視"]);
    assert!(!outputs_contain(&project, "秘密") && !outputs_contain(&project, "通知"));
}

#[test]
fn nul_bytes_never_reach_the_index_or_the_outputs() {
    let project = Project::empty();
    project.write_note(
        "n.md",
        b"# N\n\n- \0\xE7\x9B\xA3\xE8\xA6\x96: \xE8\xA6\xB3\0\xE5\xAF\x9F\n",
    );
    project.run(&["build"]).ok();
    assert_eq!(fronts(&project), ["監視"]);
    let back: String = project
        .index()
        .query_row("SELECT back FROM cards", [], |row| row.get(0))
        .unwrap();
    assert_eq!(back, "観察");
    assert!(!outputs_contain(&project, "\0"));
    assert!(!project
        .run(&["extract", "notes", "--format", "jsonl"])
        .ok()
        .contains("\\u0000"));
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_and_print_the_same_stay_two_files() {
    use std::os::unix::ffi::OsStrExt;
    let project = Project::empty();
    for (byte, term) in [(0xff, "監視"), (0xfe, "通知")] {
        let bytes = [b'a', byte, b'.', b'm', b'd'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        std::fs::write(
            project.notes().join(name),
            format!("# T\n\n- {term}: 定義\n"),
        )
        .unwrap();
    }
    let first = project.run(&["build"]).ok();
    assert!(first.starts_with("2 files changed"), "{first}");
    assert_eq!(card_count(&project.index()), 2);
    let second = project.run(&["build"]).ok();
    assert!(second.starts_with("0 files changed"), "{second}");
    let files: Vec<String> = {
        let conn = project.index();
        let mut stmt = conn
            .prepare("SELECT DISTINCT file FROM cards ORDER BY file")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(files, ["a\\xFE.md", "a\\xFF.md"]);
}
