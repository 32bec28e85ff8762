//! The README says what is so: its examples are run, and what they show is
//! what notedeck prints.
//!
//! An example is a block indented 4 spaces whose first line starts with
//! `$ `. Each `$ ` line is a shell command and the lines after it, up to the
//! next `$ ` line, what it prints (stdout and stderr together, as a terminal
//! shows them). The examples run in README order, one after the other, in one
//! temporary project whose `notes/` is a copy of the repository's, with the
//! built `notedeck` first on `PATH`: the edits between examples are `$ `
//! lines of the README too. Each command must succeed. Before comparing,
//! the project's temporary path is replaced by `PROJECT` and trailing
//! spaces are dropped; an output line `…` stands for any lines left out.
//!
//! The examples of `notedeck sync` need a running Anki: with an AnkiConnect
//! server (cfg `anki_connect`, see `build.rs`) they sync into a fresh
//! collection, `--url` of its server added to each `notedeck sync` and
//! its address shown as the default one, the README's; without, they are
//! not run.

#[path = "common/ankiconnect.rs"]
mod ankiconnect;
mod common;

use std::path::Path;
use std::process::Command;

use ankiconnect::Server;
use common::Project;

/// An example's command, where it is in the README and what it prints.
struct Step {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The blocks indented 4 spaces, each with the README line it starts at,
/// unindented and without trailing blank lines.
fn indented_blocks(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut blocks: Vec<(usize, Vec<String>)> = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        match (line.strip_prefix("    "), &mut current) {
            (Some(code), Some((_, lines))) => lines.push(code.to_string()),
            (Some(code), None) => current = Some((i + 1, vec![code.to_string()])),
            (None, Some((_, lines))) if line.trim().is_empty() => lines.push(String::new()),
            (None, _) => blocks.extend(current.take()),
        }
    }
    blocks.extend(current);
    for (_, lines) in &mut blocks {
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
    }
    blocks
}

/// The README's examples, each a list of steps.
fn examples(text: &str) -> Vec<Vec<Step>> {
    indented_blocks(text)
        .into_iter()
        .filter(|(_, lines)| lines[0].starts_with("$ "))
        .map(|(start, lines)| {
            let mut steps: Vec<Step> = Vec::new();
            for (i, line) in lines.into_iter().enumerate() {
                match (line.strip_prefix("$ "), steps.last_mut()) {
                    (Some(command), _) => steps.push(Step {
                        line: start + i,
                        command: command.to_string(),
                        expected: Vec::new(),
                    }),
                    (None, Some(step)) => step.expected.push(line),
                    (None, None) => unreachable!("an example starts with `$ `"),
                }
            }
            steps
        })
        .collect()
}

fn is_sync(command: &str) -> bool {
    command.starts_with("notedeck sync")
}

/// Whether an example needs a running Anki (AnkiConnect).
fn needs_anki(example: &[Step]) -> bool {
    example.iter().any(|step| is_sync(&step.command))
}

/// The Anki the examples sync into: an AnkiConnect server over a fresh
/// collection.
struct Anki {
    server: Server,
    _collection: tempfile::TempDir,
}

impl Anki {
    fn start() -> Anki {
        let collection = tempfile::tempdir().unwrap();
        let server = Server::start(&collection.path().join("collection.anki2"));
        Anki {
            server,
            _collection: collection,
        }
    }

    /// `command`, a sync sent to this server.
    fn command(&self, command: &str) -> String {
        if is_sync(command) {
            format!("{command} --url {}", self.server.url)
        } else {
            command.to_string()
        }
    }

    /// `printed` with this server's address written as the default one.
    fn as_default(&self, printed: Vec<String>) -> Vec<String> {
        let url = &self.server.url;
        printed
            .into_iter()
            .map(|line| line.replace(url, "http://127.0.0.1:8765"))
            .collect()
    }
}

/// Runs `command` with `sh` in the project, with the built `notedeck`
/// first on `PATH`: its stdout and stderr together, normalised, in lines.
fn run(project: &Project, command: &str) -> Result<Vec<String>, String> {
    let binary = Path::new(env!("CARGO_BIN_EXE_notedeck"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1; {command}"))
        .current_dir(project.dir.path())
        .env("PATH", path)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let printed = normalise(project, &String::from_utf8_lossy(&output.stdout));
    if output.status.success() {
        Ok(printed)
    } else {
        Err(format!(
            "failed ({}):\n{}",
            output.status,
            printed.join("\n")
        ))
    }
}

/// The lines printed, the project's temporary path (the one thing of
/// them that varies from run to run) written `PROJECT`.
fn normalise(project: &Project, printed: &str) -> Vec<String> {
    printed
        .replace(&project.dir.path().display().to_string(), "PROJECT")
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect()
}

/// Whether `actual` is `expected`, where an expected line `…` stands for
/// any lines (none included).
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "…" => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, others)| line == first && matches(rest, others)),
    }
}

#[test]
fn every_example_of_the_readme_prints_what_it_shows() {
    let examples = examples(&readme());
    assert!(examples.len() >= 5, "the README's examples were not found");
    let project = Project::with_notes();
    let anki = cfg!(anki_connect).then(Anki::start);
    let mut wrong = Vec::new();
    for example in examples.iter().filter(|e| anki.is_some() || !needs_anki(e)) {
        for step in example {
            let printed = match &anki {
                Some(anki) => {
                    run(&project, &anki.command(&step.command)).map(|p| anki.as_default(p))
                }
                None => run(&project, &step.command),
            };
            match printed {
                Ok(actual) if matches(&step.expected, &actual) => {}
                Ok(actual) => wrong.push(format!(
                    "README.md:{}: $ {}\nshows:\n{}\nprints:\n{}",
                    step.line,
                    step.command,
                    step.expected.join("\n"),
                    actual.join("\n")
                )),
                Err(failed) => wrong.push(format!(
                    "README.md:{}: $ {}\n{failed}",
                    step.line, step.command
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn an_ellipsis_line_stands_for_any_lines_and_only_there() {
    let lines = |text: &str| -> Vec<String> { text.lines().map(String::from).collect() };
    assert!(matches(&lines("a\n…\nd"), &lines("a\nb\nc\nd")));
    assert!(matches(&lines("a\n…\nd"), &lines("a\nd")));
    assert!(matches(&lines("…"), &lines("")));
    assert!(!matches(&lines("a\n…\nd"), &lines("a\nb\nc")));
    assert!(!matches(&lines("a\nd"), &lines("a\nb\nd")));
    assert!(!matches(&lines("a b…"), &lines("a b c")));
}

/// The front matter example, copied as the README shows it into a note,
/// gives that note a reversed card.
#[test]
fn the_front_matter_example_of_the_readme_works_as_shown() {
    let front_matter = indented_blocks(&readme())
        .into_iter()
        .map(|(_, lines)| lines)
        .find(|lines| lines[0] == "---" && lines.iter().any(|l| l.starts_with("notedeck:")))
        .expect("the README's front matter example");
    let project = Project::empty();
    project.write_note(
        "a.md",
        format!("{}\n# 題\n\n- 用語: 定義の説明\n", front_matter.join("\n")),
    );
    project.run(&["build"]).ok();
    let csv = std::fs::read_to_string(project.dir.path().join("out/notes.csv")).unwrap();
    assert!(csv.contains("notedeck reversed"), "{csv}");
}

#[test]
fn the_install_line_of_the_readme_keeps_the_locked_versions() {
    let readme = readme();
    let install: Vec<&str> = readme
        .lines()
        .filter(|l| l.trim_start().starts_with("cargo install"))
        .collect();
    assert!(!install.is_empty(), "no `cargo install` line in the README");
    for line in install {
        assert!(line.contains("--locked"), "{line}");
    }
}

/// The README's completion and man page lines name shells and commands the
/// binary has: each `notedeck completions SHELL` and `notedeck man [COMMAND]`
/// it shows (those of its `for` loop too) prints a script or a page.
#[test]
fn the_completion_and_man_lines_of_the_readme_work() {
    let readme = readme();
    let project = Project::empty();
    let mut ran = 0;
    for line in readme.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let invocations: Vec<Vec<String>> = if let Some(list) = line
            .strip_prefix("for c in ")
            .and_then(|rest| rest.split_once(';'))
            .map(|(list, _)| list)
        {
            list.split_whitespace()
                .map(|c| vec!["man".to_string(), c.to_string()])
                .collect()
        } else {
            (0..words.len().saturating_sub(1))
                .filter(|&at| {
                    words[at] == "notedeck" && matches!(words[at + 1], "completions" | "man")
                })
                .map(|at| {
                    words[at + 1..]
                        .iter()
                        .take_while(|x| !matches!(**x, ">" | ">>" | "|" | "&&"))
                        .map(|x| x.to_string())
                        .collect()
                })
                .collect()
        };
        for args in invocations {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = project.run(&args).ok();
            assert!(!out.is_empty(), "notedeck {args:?}");
            ran += 1;
        }
    }
    // Four shells, notedeck's page and its seven commands'.
    assert!(ran >= 12, "only {ran} lines found");
}
