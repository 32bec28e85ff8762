//! `notedeck build`: incremental indexing, bad input, killed and concurrent builds.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use common::{assert_index_sound, card_count, file_count, Project};

/// Three cards in `extra/terms.md`, as any extractor reads `- term: definition`.
const TERMS: &str = "# Terms\n\n- 監視: リソースを継続的に観察すること\n- 通知: イベントを知らせること\n- 保持: メッセージを残しておくこと\n";

fn summary(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or("")
}

#[test]
fn a_first_build_indexes_every_card_and_a_second_changes_nothing() {
    let project = Project::with_notes();
    let first = project.run(&["build"]).ok();
    assert_eq!(first.lines().count(), 1, "one summary line: {first}");
    let cards = card_count(&project.index());
    assert!(cards > 0);
    assert!(
        first.starts_with(&format!(
            "1 file changed · {cards} cards ({cards} new, 0 changed, 0 moved, 0 renamed, 0 removed)"
        )),
        "{first}"
    );

    let index = project.dir.path().join("out/index.sqlite");
    let written = || std::fs::metadata(&index).unwrap().modified().unwrap();
    let before = written();
    let second = project.run(&["build"]).ok();
    assert_eq!(
        second.trim(),
        format!(
            "0 files changed · {cards} cards (0 new, 0 changed, 0 moved, 0 renamed, 0 removed) · no output rewritten"
        )
    );
    // Nothing to do writes nothing: no page, no WAL to sync and check back.
    assert_eq!(written(), before, "the index was written");
    assert_index_sound(&project.index());
}

#[test]
fn touching_a_note_without_changing_it_rewrites_nothing() {
    let project = Project::with_notes();
    project.run(&["build"]).ok();
    let note = std::fs::File::options()
        .append(true)
        .open(project.notes().join("CloudLicence.md"))
        .unwrap();
    note.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    let out = project.run(&["build"]).ok();
    assert!(out.starts_with("0 files changed"), "{out}");
    assert!(
        out.contains("(0 new, 0 changed, 0 moved, 0 renamed, 0 removed) · no output rewritten"),
        "{out}"
    );
}

#[test]
fn editing_a_back_changes_that_card_and_its_changed_time() {
    let project = Project::with_notes();
    project.write_note("extra/terms.md", TERMS);
    project.run(&["build"]).ok();
    project
        .index()
        .execute("UPDATE cards SET changed = 1000", [])
        .unwrap();
    let before = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    project.write_note(
        "extra/terms.md",
        TERMS.replace("観察すること", "観察し、異常を見つけること"),
    );
    let out = project.run(&["build", "-v"]).ok();
    assert!(summary(&out).starts_with("1 file changed"), "{out}");
    assert!(
        summary(&out).contains("(0 new, 1 changed, 0 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("changed")
            && l.contains("監視")
            && l.contains("extra/terms.md:3")),
        "{out}"
    );

    let changed: Vec<(String, i64)> = project
        .index()
        .prepare("SELECT front, changed FROM cards WHERE changed <> 1000")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, "監視");
    assert!(changed[0].1 >= before);
}

#[test]
fn removed_items_and_files_remove_their_cards() {
    let project = Project::with_notes();
    project.write_note("extra/terms.md", TERMS);
    project.write_note("extra/more.md", "# More\n\n- 配信: 届けること\n");
    project.run(&["build"]).ok();
    let cards = card_count(&project.index());

    project.write_note(
        "extra/terms.md",
        TERMS.replace("- 保持: メッセージを残しておくこと\n", ""),
    );
    let out = project.run(&["build", "-v"]).ok();
    assert!(
        summary(&out).contains(&format!(
            "{} cards (0 new, 0 changed, 0 moved, 0 renamed, 1 removed)",
            cards - 1
        )),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("removed") && l.contains("保持")),
        "{out}"
    );

    std::fs::remove_file(project.notes().join("extra/more.md")).unwrap();
    let out = project.run(&["build"]).ok();
    assert!(
        out.starts_with(&format!(
            "1 file changed · {} cards (0 new, 0 changed, 0 moved, 0 renamed, 1 removed)",
            cards - 2
        )),
        "{out}"
    );
    assert_index_sound(&project.index());
}

#[test]
fn force_extracts_everything_again_without_changing_cards() {
    let project = Project::with_notes();
    project.run(&["build"]).ok();
    let out = project.run(&["build", "--force"]).ok();
    assert!(out.starts_with("1 file changed"), "{out}");
    assert!(
        out.contains("(0 new, 0 changed, 0 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
}

#[test]
fn hidden_folders_are_skipped() {
    let project = Project::empty();
    project.write_note("visible.md", "- 可視: 見える\n");
    project.write_note(".hidden/secret.md", "- 秘密: 見えない\n");
    let out = project.run(&["build"]).ok();
    assert!(out.starts_with("1 file changed · 1 card (1 new"), "{out}");
}

#[test]
fn a_note_that_is_not_utf8_is_named_and_the_others_are_indexed() {
    let project = Project::with_notes();
    project.write_note("broken.md", b"- ok: fine\n- bad: \xff\xfe here\n");
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("broken.md:2: not UTF-8"),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().contains("1 file failed"), "{}", run.stdout());
    assert!(
        card_count(&project.index()) > 0,
        "CloudLicence.md is still indexed"
    );

    // Fixed, it is indexed.
    project.write_note("broken.md", "- ok: fine\n");
    let out = project.run(&["build"]).ok();
    assert!(out.starts_with("1 file changed"), "{out}");
}

#[test]
fn a_missing_notes_folder_is_named_and_nothing_is_created() {
    let project = Project::empty();
    let run = project.run(&["build", "--notes", "no-such-folder"]);
    assert_eq!(run.code(), 2);
    // Given with --notes: no advice to give it with --notes.
    assert_eq!(
        run.stderr(),
        "notedeck: no-such-folder: notes folder not found\n"
    );
    assert!(
        !project.dir.path().join("out").exists(),
        "a failed build made out/"
    );

    // Not given: the way to give it.
    std::fs::remove_dir(project.notes()).unwrap();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains("notes: notes folder not found; give the folder of your notes with --notes"),
        "{}",
        run.stderr()
    );
    assert!(!project.dir.path().join("out").exists());
}

#[test]
fn a_build_that_makes_no_card_says_why() {
    let project = Project::empty();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 0);
    assert!(
        run.stderr()
            .contains("warning: no .md files under notes/: no card to build"),
        "{}",
        run.stderr()
    );

    project.write_note("a.md", "# 題\n\n今日は雨が降ったので家にいました。\n");
    project.write_note("b.md", "# 題\n");
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 0);
    assert!(
        run.stderr()
            .contains(": a.md, b.md made none; `notedeck explain "),
        "{}",
        run.stderr()
    );

    // A build with cards has nothing to say about it.
    project.write_note("c.md", "- 用語: 定義の説明\n");
    let run = project.run(&["build"]);
    assert!(!run.stderr().contains("made none"), "{}", run.stderr());
}

#[test]
fn an_older_index_is_rebuilt_keeping_changed_times() {
    let project = Project::with_notes();
    project.run(&["build"]).ok();
    let cards = card_count(&project.index());
    // One card's content as the older index knew it differs (other rules
    // made it): Anki must see that one change, and only it.
    project
        .index()
        .execute_batch(
            "UPDATE cards SET changed = 1234;
             UPDATE cards SET hash = x'00' WHERE id = (SELECT min(id) FROM cards);
             PRAGMA user_version = 0;",
        )
        .unwrap();

    let out = project.run(&["build"]).ok();
    assert!(
        out.contains(&format!(
            "{cards} cards (0 new, 1 changed, 0 moved, 0 renamed, 0 removed)"
        )),
        "{out}"
    );
    let index = project.index();
    let version: i64 = index
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert!(version > 0);
    let kept: i64 = index
        .query_row(
            "SELECT count(*) FROM cards WHERE changed = 1234",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(kept, cards - 1);
    assert_index_sound(&index);
}

#[test]
fn an_index_from_a_newer_version_is_refused() {
    let project = Project::with_notes();
    project.run(&["build"]).ok();
    project
        .index()
        .execute_batch("PRAGMA user_version = 999")
        .unwrap();
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("newer notedeck"), "{}", run.stderr());
}

/// Many copies of the repository's note, for builds that take a while.
fn large_project(copies: usize) -> Project {
    let project = Project::empty();
    let note = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/notes/CloudLicence.md"
    ))
    .unwrap();
    for i in 0..copies {
        project.write_note(&format!("part{}/copy{i}.md", i % 10), &note);
    }
    project
}

/// Starts a build and kills it once `file` holds a megabyte, checking that
/// it was still running then.
fn kill_build_once_written(project: &Project, file: &std::path::Path) {
    let mut child = project
        .command(&["build"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(file).map_or(0, |m| m.len()) < 1 << 20 && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    assert!(
        child.wait().unwrap().code().is_none(),
        "the build ended before it could be killed"
    );
}

#[test]
fn a_killed_build_leaves_a_sound_index_and_the_next_build_succeeds() {
    let project = Project::with_notes();
    project.run(&["build"]).ok();
    let note = std::fs::read_to_string(project.notes().join("CloudLicence.md")).unwrap();
    for i in 0..150 {
        project.write_note(&format!("part{}/copy{i}.md", i % 10), &note);
    }
    // Killed once it is writing its transaction.
    kill_build_once_written(&project, &project.dir.path().join("out/index.sqlite-wal"));

    {
        let index = project.index();
        assert_index_sound(&index);
        // The old state (nothing) or the new one (everything), never half.
        let files = file_count(&index);
        assert!(files == 1 || files == 151, "{files} files");
    }
    let out = project.dir.path().join("out");
    std::fs::write(out.join(".notedeck-tmp-KILLED"), "left by a killed export").unwrap();
    std::fs::create_dir(out.join(".notedeck-tmp-DIR")).unwrap();
    // Files that merely look temporary are the user's.
    std::fs::write(out.join(".tmp_backup.txt"), "precious").unwrap();

    project.run(&["build"]).ok();
    let index = project.index();
    assert_index_sound(&index);
    let files = file_count(&index);
    assert_eq!(files, 151);
    assert!(!out.join(".notedeck-tmp-KILLED").exists());
    assert!(!out.join(".notedeck-tmp-DIR").exists());
    assert_eq!(
        std::fs::read_to_string(out.join(".tmp_backup.txt")).unwrap(),
        "precious"
    );
}

#[test]
fn a_killed_first_build_leaves_nothing_and_the_next_build_makes_everything() {
    let project = large_project(150);
    // A first build makes its index in a temporary file: killed once that
    // is being written.
    let out = project.dir.path().join("out");
    kill_build_once_written(&project, &out.join(".notedeck-tmp-index.sqlite"));
    for name in ["index.sqlite", "notes.apkg", "notes.csv"] {
        assert!(
            !out.join(name).exists(),
            "{name} left by a killed first build"
        );
    }
    let search = project.run(&["search", "ライセンス"]);
    assert!(
        search.stderr().contains("no index here yet"),
        "{}",
        search.stderr()
    );

    project.run(&["build"]).ok();
    let index = project.index();
    assert_index_sound(&index);
    let files = file_count(&index);
    assert_eq!(files, 150);
    drop(index);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".notedeck-collection.anki2",
            ".notedeck-lock",
            "index.sqlite",
            "notes.apkg",
            "notes.csv"
        ]
    );
}

#[test]
fn two_builds_at_once_take_turns() {
    let project = large_project(40);
    let spawn = || {
        project
            .command(&["build"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let mut summaries: Vec<String> = outputs
        .iter()
        .map(|out| {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        })
        .collect();
    summaries.sort();
    // One did the work; the other waited, then found nothing to do.
    assert!(summaries[0].starts_with("0 files changed"), "{summaries:?}");
    assert!(
        summaries[1].starts_with("40 files changed"),
        "{summaries:?}"
    );
    assert_index_sound(&project.index());
}

#[test]
fn a_card_moved_between_notes_of_one_deck_keeps_its_identity() {
    let project = Project::empty();
    project.write_note("shared/a.md", "# Shared\n\n- 残る: 説明\n- 移動: 説明\n");
    project.write_note("shared/b.md", "# Shared\n\n- 他: 説明\n");
    project.run(&["build"]).ok();
    project.write_note("shared/a.md", "# Shared\n\n- 残る: 説明\n");
    project.write_note("shared/b.md", "# Shared\n\n- 他: 説明\n- 移動: 説明\n");
    let out = project.run(&["build"]).ok();
    assert!(
        out.starts_with(
            "2 files changed · 3 cards (0 new, 0 changed, 1 moved, 0 renamed, 0 removed)"
        ),
        "{out}"
    );
}

#[test]
fn builds_and_searches_started_at_once_on_a_new_out_folder_all_succeed() {
    let project = Project::with_notes();
    let cards = {
        project.run(&["build"]).ok();
        card_count(&project.index())
    };
    for round in 0..4 {
        let out = format!("new{round}");
        let spawn = |args: &[&str]| {
            project
                .command(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let builds: Vec<_> = (0..8).map(|_| spawn(&["build", "--out", &out])).collect();
        let searches: Vec<_> = (0..4)
            .map(|_| spawn(&["search", "監視", "--out", &out]))
            .collect();
        for build in builds {
            let run = common::Run(build.wait_with_output().unwrap());
            run.ok();
        }
        // A search finds the cards, or (before the first build committed)
        // that there is no index yet: never that a build is stuck.
        for search in searches {
            let run = common::Run(search.wait_with_output().unwrap());
            assert!(
                run.code() == 0 || run.stderr().contains("no index here yet"),
                "{}: {}",
                run.code(),
                run.stderr()
            );
        }
        let index =
            rusqlite::Connection::open(project.dir.path().join(&out).join("index.sqlite")).unwrap();
        assert_index_sound(&index);
        assert_eq!(card_count(&index), cards);
    }
}

/// Copies the output folder `out` of the project to `to` and builds there
/// with `--force`: the outputs a fresh build makes of the same index.
fn fresh_build_like(project: &Project, out: &str, to: &str) -> std::path::PathBuf {
    let (from, to) = (project.dir.path().join(out), project.dir.path().join(to));
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    project
        .run(&["build", "--out", &to.to_string_lossy(), "--force"])
        .ok();
    to
}

/// The layout of the CSV the index recorded for the next build to splice.
fn csv_layout(project: &Project) -> Option<String> {
    project
        .index()
        .query_row("SELECT value FROM meta WHERE name = 'csv'", [], |row| {
            row.get(0)
        })
        .ok()
}

#[test]
fn a_csv_spliced_after_edits_is_the_file_a_fresh_build_writes() {
    let project = Project::empty();
    common::write_study_notes(&project.notes());
    project.write_note("z/last.md", "# 最後\n\n- 終わり: 最後の項目\n");
    project.run(&["build"]).ok();
    assert!(csv_layout(&project).is_some(), "no layout recorded");
    let notes = project.notes();
    // A back edited, sections swapped, a file moved, one removed and one
    // added between the others.
    common::edit_note(
        &notes,
        "grammar.md",
        "文の主題を示す助詞のこと",
        "主題を示す",
    );
    common::swap_sections(&notes, "grammar.md");
    common::move_note(&notes, "N4/adjectives.md", "N3/adjectives.md");
    std::fs::remove_file(notes.join("z/last.md")).unwrap();
    project.write_note("m/middle.md", "# 中間\n\n- 途中: 間に入る項目\n");
    project.run(&["build"]).ok();
    let fresh = fresh_build_like(&project, "out", "fresh");
    let read = |path: std::path::PathBuf| std::fs::read_to_string(path).unwrap();
    let spliced = read(project.dir.path().join("out/notes.csv"));
    assert!(spliced.contains("間に入る項目") && !spliced.contains("最後の項目"));
    assert_eq!(spliced, read(fresh.join("notes.csv")));
}

#[test]
fn a_csv_in_place_changed_behind_notedecks_back_is_written_whole() {
    let project = Project::empty();
    common::write_study_notes(&project.notes());
    project.run(&["build"]).ok();
    let csv = project.dir.path().join("out/notes.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    // The same length: only the bytes' hash tells.
    std::fs::write(&csv, text.replace("液体", "固体")).unwrap();
    common::edit_note(&project.notes(), "grammar.md", "相手を敬う", "相手を尊ぶ");
    project.run(&["build"]).ok();
    let fresh = fresh_build_like(&project, "out", "fresh");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.contains("液体") && !written.contains("固体"));
    assert_eq!(
        written,
        std::fs::read_to_string(fresh.join("notes.csv")).unwrap()
    );
}

#[test]
fn the_collection_a_build_kept_is_removed_once_a_split_build_no_longer_keeps_it() {
    let project = Project::empty();
    common::write_study_notes(&project.notes());
    project.run(&["build"]).ok();
    let kept = project.dir.path().join("out/.notedeck-collection.anki2");
    assert!(
        kept.is_file(),
        "a build for every deck keeps its collection"
    );
    // Nothing changed: what is kept still holds the cards.
    project.run(&["build", "--split"]).ok();
    assert!(kept.is_file(), "removed though it still holds the cards");
    common::edit_note(&project.notes(), "grammar.md", "相手を敬う", "相手を尊ぶ");
    project.run(&["build", "--split"]).ok();
    assert!(!kept.exists(), "left behind, no longer the cards");
    project.run(&["build"]).ok();
    assert!(kept.is_file(), "a build for every deck keeps one again");
    #[cfg(unix)]
    {
        // A link under its name was not made by notedeck: left alone.
        std::fs::remove_file(&kept).unwrap();
        let elsewhere = project.dir.path().join("elsewhere.anki2");
        std::fs::write(&elsewhere, b"not notedeck's").unwrap();
        std::os::unix::fs::symlink(&elsewhere, &kept).unwrap();
        common::edit_note(&project.notes(), "grammar.md", "相手を尊ぶ", "相手を敬う");
        project.run(&["build", "--split"]).ok();
        assert!(kept.is_symlink());
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"not notedeck's");
    }
}
