//! A notes folder cloned from a stranger: what it holds beside notes (pipes,
//! devices, link loops, huge files), names macOS wrote decomposed, old Mac
//! line ends and queries built to be slow. Each is named and bounded; none
//! hangs a command, fails a build of the other notes, or changes identities.

mod common;

use common::Project;

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
