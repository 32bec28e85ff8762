//! Whether a search after a build walks the notes (`freshness`): not until
//! a note or a folder changes. Here, as it takes a build to tell.

use std::path::Path;

use crate::build::{self, BuildOptions};
use crate::export::OutputFormat;
use crate::freshness::needs_no_walk;
use crate::index::Index;

/// Builds `notes` into `out` and tells whether a search would skip the walk.
fn built(dir: &Path) -> impl Fn() -> bool + '_ {
    build::build(&BuildOptions {
        notes: Some(dir.join("notes")),
        out: dir.join("out"),
        formats: vec![OutputFormat::Csv],
        force: false,
        list_cards: false,
        split: false,
        dry_run: false,
        fetch_remote: false,
        progress: false,
        adopt: false,
    })
    .unwrap();
    move || {
        let index = Index::open_read_only(&build::index_path(&dir.join("out"))).unwrap();
        needs_no_walk(&index, &dir.join("notes")).unwrap()
    }
}

#[test]
fn a_search_after_a_build_needs_no_walk_until_a_note_or_folder_changes() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(notes.join("N5")).unwrap();
    std::fs::write(notes.join("N5/verbs.md"), "# 動詞\n\n- 行く: 移ること\n").unwrap();
    assert!(built(dir.path())(), "right after a build");

    let unchanged = built(dir.path());
    std::fs::write(notes.join("N5/verbs.md"), "# 動詞\n\n- 来る: 移ること\n").unwrap();
    assert!(!unchanged(), "a note edited in place");

    let unchanged = built(dir.path());
    std::fs::write(notes.join("N5/picture.png"), "").unwrap();
    assert!(!unchanged(), "a file added to a folder");

    let unchanged = built(dir.path());
    std::fs::create_dir(notes.join("N4")).unwrap();
    assert!(!unchanged(), "a folder added");
    assert!(built(dir.path())(), "built again");
}

#[test]
fn excluded_notes_do_not_make_a_search_walk() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(notes.join("drafts")).unwrap();
    std::fs::write(notes.join("a.md"), "- 行く: 移ること\n").unwrap();
    std::fs::write(notes.join("drafts/b.md"), "- 来る: 近づくこと\n").unwrap();
    std::fs::write(notes.join("notedeck.toml"), "exclude = [\"drafts/**\"]\n").unwrap();
    assert!(built(dir.path())());
}
