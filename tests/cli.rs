//! The command line as scripts see it: exit codes, `--quiet`, `--color`,
//! help, and error messages that name the file and the fix.

mod common;

use common::Project;

/// A project whose notes are built, with one note that cannot be used.
fn project_with_a_broken_note() -> Project {
    let project = Project::with_notes();
    project.write_note("broken.md", b"- bad: \xff\xfe\n");
    project
}

#[test]
fn exit_codes_are_0_for_hits_1_for_none_and_2_for_errors() {
    let project = project_with_a_broken_note();
    // A note that could not be used: the others are built, and it is an error.
    let build = project.run(&["build"]);
    assert_eq!(build.code(), 2, "{}", build.stderr());
    assert!(
        build.stdout().contains("1 file failed"),
        "{}",
        build.stdout()
    );
    // A search with hits succeeds, whatever note is broken.
    project.run(&["search", "監視"]).ok();
    assert_eq!(project.run(&["search", "存在しない語句"]).code(), 1);
    for args in [
        &["search", ""][..],
        &["search", "監視", "--out", "no-index-here"],
        &["build", "--notes", "no-such-folder"],
        &["extract", "no-such-note.md"],
        &["removed", "--out", "no-index-here"],
    ] {
        let run = project.run(args);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(run.stderr().starts_with("notedeck: "), "{}", run.stderr());
    }
}

#[test]
fn an_unknown_deck_is_an_error_that_names_the_decks() {
    let project = Project::with_notes();
    project.write_note("n5/verbs.md", "# 動詞\n\n- 食べる: 口に入れること\n");
    project.run(&["build"]).ok();
    let run = project.run(&["search", "監視", "--deck", "nope"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("unknown deck `nope`; the decks are `CloudLicence`, `n5::動詞`"),
        "{}",
        run.stderr()
    );
    // A parent deck is a deck.
    let run = project.run(&["search", "食べる", "--deck", "n5"]);
    assert!(run.ok().contains("食べる"));
}

#[test]
fn quiet_prints_errors_only_wherever_it_is_given() {
    let project = project_with_a_broken_note();
    project.write_note("gone.md", "- 消える: すぐ消える用語\n");
    project.run(&["build"]);
    std::fs::remove_file(project.notes().join("gone.md")).unwrap();
    // Removing a card warns that an import never deletes; quiet does not.
    let run = project.run(&["build", "--quiet", "--force"]);
    assert_eq!(run.code(), 2);
    assert_eq!(run.stdout(), "", "no summary");
    let lines: Vec<String> = run.stderr().lines().map(String::from).collect();
    assert_eq!(lines.len(), 1, "the error alone: {lines:?}");
    assert!(lines[0].contains("broken.md:1: not UTF-8"), "{lines:?}");

    let run = project.run(&["-q", "search", "存在しない語句"]);
    assert_eq!((run.code(), run.stderr().as_str()), (1, ""));
    let run = project.run(&["extract", "notes/CloudLicence.md", "-q"]);
    assert!(!run.ok().is_empty());
    assert_eq!(run.stderr(), "", "no summary line");
    let loud = project.run(&["extract", "notes/CloudLicence.md"]);
    assert!(
        loud.stderr().contains("cards from 1 file"),
        "{}",
        loud.stderr()
    );
}

#[test]
fn color_always_and_never_override_the_terminal_and_no_color() {
    let project = Project::with_notes();
    project.run(&["build"]).ok();
    let bold = "\x1b[1m監視\x1b[0m";
    let piped = project.run(&["search", "監視"]).ok();
    assert!(!piped.contains('\x1b'), "auto: plain on a pipe");
    let always = project
        .command(&["search", "監視", "--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&always.stdout).contains(bold));
    let never = project.run(&["--color=never", "search", "監視"]).ok();
    assert!(!never.contains('\x1b'));
}

#[test]
fn the_format_default_shows_as_it_is_typed() {
    let help = Project::empty().run(&["build", "--help"]).ok();
    assert!(
        help.contains("comma-separated [default: apkg,csv]"),
        "{help}"
    );
    assert!(!help.contains("apkg csv"), "{help}");
}

#[test]
fn an_sqlite_error_during_a_build_names_the_index() {
    let project = Project::with_notes();
    // Files may not grow past 150 KB: the CSV of the notes fits, their
    // index does not. Ignoring SIGXFSZ turns the limit into a write error.
    let binary = env!("CARGO_BIN_EXE_notedeck");
    let run = common::Run(
        std::process::Command::new("sh")
            .args([
                "-c",
                &format!("ulimit -f 300 && trap '' XFSZ && exec '{binary}' build --format csv"),
            ])
            .current_dir(project.dir.path())
            .output()
            .unwrap(),
    );
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .starts_with("notedeck: out/index.sqlite: disk I/O error"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_terminal_sees_progress_while_outputs_are_written_unless_quiet() {
    let project = Project::with_notes();
    let Some(progress) = project.on_terminal(80, "", "build --force >/dev/null") else {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    };
    assert!(progress.contains("writing 1/1 notes"), "{progress:?}");
    assert!(progress.contains("saving the index"), "{progress:?}");
    let quiet = project
        .on_terminal(80, "", "build --force --quiet >/dev/null")
        .unwrap();
    assert_eq!(quiet, "");
    let piped = project.run(&["build", "--force"]);
    assert!(!piped.stderr().contains("writing"), "{}", piped.stderr());
}

#[test]
fn explain_of_a_missing_note_says_why_once() {
    let project = Project::empty();
    let run = project.run(&["explain", "notes/nothing.md"]);
    assert_eq!(run.code(), 2);
    assert_eq!(
        run.stderr().matches("No such file or directory").count(),
        1,
        "{}",
        run.stderr()
    );
}

/// The completion scripts are made from the commands: bash loads its own
/// and completes commands and flags with it; the others are each shell's.
#[test]
fn completions_for_each_shell_come_from_the_commands() {
    let project = Project::empty();
    let bash = project.run(&["completions", "bash"]).ok();
    // What bash offers after `notedeck ` and `notedeck build --dr`.
    let complete = |words: &str| {
        let script = format!(
            "source /dev/stdin\nCOMP_WORDS=({words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
             COMP_LINE='{words}'\nCOMP_POINT=${{#COMP_LINE}}\n\
             _notedeck notedeck \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let mut child = std::process::Command::new("bash")
            .args(["-c", &script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(bash.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = complete("notedeck ''");
    for command in ["build", "sync", "search", "removed", "completions", "man"] {
        assert!(
            commands.lines().any(|l| l == command),
            "{command}: {commands}"
        );
    }
    assert_eq!(complete("notedeck build --dr").trim(), "--dry-run");

    for (shell, marker) in [
        ("zsh", "#compdef notedeck"),
        ("fish", "complete -c notedeck"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = project.run(&["completions", shell]).ok();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("dry-run"), "{shell}");
    }
    assert_eq!(project.run(&["completions", "tcsh"]).code(), 2);
}

/// `notedeck man` is a man page that `man` reads, and so is each command's.
#[test]
fn man_pages_of_notedeck_and_its_commands() {
    let project = Project::empty();
    let page = project.run(&["man"]).ok();
    assert!(page.contains(".TH notedeck 1"), "{page}");
    assert!(page.contains("build") && page.contains("completions"));
    let page = project.run(&["man", "build"]).ok();
    assert!(page.contains(".TH notedeck-build 1"), "{page}");
    assert!(page.contains("dry\\-run"), "{page}");
    let run = project.run(&["man", "nope"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("the commands are build, sync"),
        "{}",
        run.stderr()
    );
    // Read by man itself, where there is one.
    let file = project.dir.path().join("notedeck-build.1");
    std::fs::write(&file, project.run(&["man", "build"]).ok()).unwrap();
    let Ok(shown) = std::process::Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANWIDTH", "80")
        .output()
    else {
        return;
    };
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("notedeck build"), "{shown}");
    assert!(shown.contains("--dry-run"), "{shown}");
}
