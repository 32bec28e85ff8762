//! `notedeck watch`: a build, then one after each save, through the binary.
//! Each build prints one line; the tests wait for it, then read the index.

mod common;

use std::time::Duration;

use common::{assert_index_sound, temporaries, write_study_notes, Project, Watching};

/// What `notedeck watch` says once it watches the notes: the changes made
/// from then on are built.
const WATCHING: &str = "for changes (Ctrl-C stops)";

/// The notes folder of `STUDY_NOTES`, watched with default folders once its
/// first build is done.
fn watched() -> (Project, Watching) {
    let project = Project::empty();
    write_study_notes(&project.notes());
    let watching = Watching::start(project.command(&["watch", "--format", "csv"]));
    watching.next_line();
    assert!(has_front(&project, "食べる"));
    watching.wait_for_stderr(WATCHING);
    (project, watching)
}

/// Whether the last build indexed a card with this front.
fn has_front(project: &Project, front: &str) -> bool {
    project.guids().contains_key(front)
}

fn write(project: &Project, name: &str, text: &str) {
    project.write_note(name, text);
}

#[test]
fn an_edit_is_built_without_asking() {
    let (project, watching) = watched();
    write(&project, "N5/nouns.md", "# 名詞\n\n- 川: 水が流れる道\n");
    watching.next_line();
    assert!(has_front(&project, "川"));
    assert!(!has_front(&project, "水"));
}

#[test]
fn a_save_by_a_new_file_renamed_over_the_note_is_built() {
    let (project, watching) = watched();
    // As editors save: the new text beside the note, then renamed over it.
    let notes = project.notes();
    std::fs::write(
        notes.join("N5/nouns.md.saving"),
        "# 名詞\n\n- 空: 頭の上に広がる所\n",
    )
    .unwrap();
    std::fs::rename(notes.join("N5/nouns.md.saving"), notes.join("N5/nouns.md")).unwrap();
    watching.next_line();
    assert!(has_front(&project, "空"));
    assert!(!has_front(&project, "山"));
}

#[test]
fn a_note_in_a_new_folder_and_a_deleted_note_and_folder_are_built() {
    let (project, watching) = watched();
    write(
        &project,
        "N3/deep/kanji.md",
        "# 漢字\n\n- 森: 木が多く茂った所\n",
    );
    watching.next_line();
    assert!(has_front(&project, "森"));

    std::fs::remove_file(project.notes().join("grammar.md")).unwrap();
    watching.next_line();
    assert!(!has_front(&project, "敬語"));

    std::fs::remove_dir_all(project.notes().join("N3")).unwrap();
    watching.next_line();
    assert!(!has_front(&project, "森"));
    assert!(has_front(&project, "食べる"));
}

#[test]
fn a_notes_folder_removed_and_made_again_is_watched_again() {
    let (project, watching) = watched();
    let notes = project.notes();
    std::fs::remove_dir_all(&notes).unwrap();
    watching.wait_for_stderr("the notes folder is gone; waiting for it to come back");
    // Back, as a checkout or a copy brings it: a new folder, another note.
    std::fs::create_dir(&notes).unwrap();
    write(&project, "nouns.md", "# 名詞\n\n- 森: 木が多く茂った所\n");
    // The build of the folder's removal failed on stderr: this line is the
    // build of the folder that is back.
    watching.next_line();
    assert!(has_front(&project, "森"));
    assert!(!has_front(&project, "食べる"));
}

#[test]
fn a_note_that_fails_is_named_and_the_watch_goes_on_until_it_is_fixed() {
    let (project, watching) = watched();
    project.write_note("N5/nouns.md", b"# \xff\xfe\n\n- x: y\n");
    let failed = watching.next_line();
    assert!(failed.contains("1 file failed"), "{failed}");
    // Said on stderr, which its own thread reads: waited for, as it may
    // come in after the summary line.
    watching.wait_for_stderr("N5/nouns.md:1: not UTF-8");
    // It keeps its cards meanwhile.
    assert!(has_front(&project, "水"));
    write(&project, "N5/nouns.md", "# 名詞\n\n- 川: 水が流れる道\n");
    let fixed = watching.next_line();
    assert!(!fixed.contains("failed"), "{fixed}");
    assert!(has_front(&project, "川"));
}

#[test]
fn notes_left_out_by_exclude_and_hidden_files_start_no_build() {
    let project = Project::empty();
    write_study_notes(&project.notes());
    project.write_note("notedeck.toml", "exclude = [\"drafts/**\"]\n");
    project.write_note("drafts/wip.md", "- 下書き: まだ途中のもの\n");
    let watching = Watching::start(project.command(&["watch", "--format", "csv"]));
    watching.next_line();
    watching.wait_for_stderr(WATCHING);
    let cards = common::card_count(&project.index());
    write(&project, "drafts/wip.md", "- 下書き: 書き直したもの\n");
    write(&project, ".hidden.md", "- 隠す: 見えなくすること\n");
    // Past the watch's quiet time: these alone would have built by now.
    std::thread::sleep(Duration::from_millis(1500));
    write(&project, "misc.md", "- 単語: 意味を持つ最小の言葉\n");
    let next = watching.next_line();
    assert!(next.starts_with("1 file changed"), "{next}");
    assert_eq!(common::card_count(&project.index()), cards + 1);
    assert!(!has_front(&project, "下書き"));
}

#[test]
fn another_build_can_use_the_output_folder_between_rebuilds() {
    let (project, _watching) = watched();
    let mut build = project.command(&["build", "--format", "csv"]);
    build.stdin(std::process::Stdio::null());
    let (run, _) = common::run_within(build, Duration::from_secs(60));
    assert!(run.ok().starts_with("0 files changed"), "{}", run.stdout());
}

#[test]
fn ctrl_c_stops_the_watch_with_130_and_no_temporary_file() {
    let (project, watching) = watched();
    assert_eq!(watching.stop_with(libc::SIGINT), 130);
    assert!(temporaries(&project.dir.path().join("out")).is_empty());
}

#[test]
fn sigterm_stops_the_watch_with_0() {
    let (_project, watching) = watched();
    assert_eq!(watching.stop_with(libc::SIGTERM), 0);
}

#[test]
fn ctrl_c_during_a_build_lets_it_finish_and_leaves_no_temporary_file() {
    let project = Project::empty();
    // Enough notes that the first build takes a while, in an unoptimized
    // binary too.
    for n in 0..300 {
        let items: String = (0..20)
            .map(|i| format!("- 用語{n}の{i}: 説明の文{n}と{i}\n"))
            .collect();
        project.write_note(
            &format!("part{}/note{n}.md", n / 50),
            format!("# 題{n}\n\n{items}"),
        );
    }
    let out = project.dir.path().join("out");
    let watching = Watching::start(project.command(&["watch"]));
    // The first build is under way once it has made its temporary index.
    let start = std::time::Instant::now();
    while !out.is_dir() || temporaries(&out).is_empty() {
        assert!(start.elapsed() < common::WATCH_WAIT, "no build started");
        std::thread::sleep(Duration::from_millis(2));
    }
    watching.signal(libc::SIGINT);
    let summary = watching.next_line();
    assert!(summary.contains("6000 cards"), "{summary}");
    assert_eq!(watching.wait(), 130);
    assert!(temporaries(&out).is_empty(), "{:?}", temporaries(&out));
    assert_index_sound(&project.index());
}
