//! Regenerating after the edits learners make: cards keep their GUIDs, one
//! package holds every deck, removals are listed, `search` and dry runs
//! write nothing. (Checked in Anki itself in `tests/roundtrip/regenerate.rs`.)

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{edit_note, move_note, swap_sections, write_study_notes, Project};

fn study_project() -> Project {
    let project = Project::empty();
    write_study_notes(&project.notes());
    project
}

fn summary(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or("")
}

/// Every edit that reorganises notes keeps every card's GUID; `build -v`
/// says which cards moved and which were renamed.
#[test]
fn reorganising_notes_keeps_every_guid() {
    let project = study_project();
    project.run(&["build"]).ok();
    let before = project.guids();
    assert_eq!(before.len(), 17, "{before:?}");
    let renamed = |p: &Project| {
        let after = p.guids();
        let same: Vec<&String> = after
            .values()
            .filter(|g| before.values().any(|b| b == *g))
            .collect();
        assert_eq!(same.len(), before.len(), "{before:?}\n{after:?}");
    };

    edit_note(
        &project.notes(),
        "N5/verbs.md",
        "## 基本",
        "## 基本（よく使う）",
    );
    let out = project.run(&["build", "-v"]).ok();
    assert!(
        summary(&out).contains("(0 new, 0 changed, 0 moved, 3 renamed, 0 removed)"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("renamed") && l.contains("食べる")),
        "{out}"
    );
    renamed(&project);

    edit_note(&project.notes(), "N5/nouns.md", "# 名詞", "# 名詞の基礎");
    let out = project.run(&["build", "-v"]).ok();
    assert!(
        summary(&out).contains("(0 new, 0 changed, 3 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("moved") && l.contains("N5::名詞の基礎 · 水")),
        "{out}"
    );
    renamed(&project);

    move_note(
        &project.notes(),
        "N4/adjectives.md",
        "N3/感情/adjectives.md",
    );
    let out = project.run(&["build", "-v"]).ok();
    assert!(summary(&out).starts_with("2 files changed"), "{out}");
    assert!(
        summary(&out).contains("(0 new, 0 changed, 3 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
    renamed(&project);

    swap_sections(&project.notes(), "grammar.md");
    let out = project.run(&["build", "-v"]).ok();
    assert!(
        summary(&out).contains("(0 new, 0 changed, 0 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
    renamed(&project);

    edit_note(
        &project.notes(),
        "N5/verbs.md",
        "液体を口から体に入れること",
        "液体を口から体に入れること（改訂）",
    );
    let out = project.run(&["build", "-v"]).ok();
    // The topic 基本（よく使う） above it lists it by its front: it is unchanged.
    assert!(
        summary(&out).contains("(0 new, 1 changed, 0 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
    renamed(&project);

    // All at once: a heading renamed, the title changed, the file moved and
    // renamed, its sections reordered, a back edited.
    edit_note(&project.notes(), "N5/verbs.md", "## 移動", "## 移動の動詞");
    edit_note(&project.notes(), "N5/verbs.md", "# 動詞", "# 動詞の基礎");
    edit_note(
        &project.notes(),
        "N5/verbs.md",
        "別の場所へ移ること",
        "別の場所へ移動すること",
    );
    swap_sections(&project.notes(), "N5/verbs.md");
    move_note(&project.notes(), "N5/verbs.md", "N4/doushi.md");
    let out = project.run(&["build", "-v"]).ok();
    assert!(
        summary(&out).contains("(0 new, 0 changed, 6 moved, 0 renamed, 0 removed)"),
        "{out}"
    );
    renamed(&project);
}

/// Two cards alike in all the evidence shares are not merged: one is new.
#[test]
fn an_ambiguous_match_makes_a_new_card() {
    let project = Project::empty();
    project.write_note("a.md", "# A\n\n## S3\n\n- 定義: ストレージの説明その一\n\n## RDS\n\n- 定義: データベースの説明その二\n");
    project.run(&["build"]).ok();
    // Both sections renamed and both backs rewritten: nothing tells which
    // old 定義 is which new one (nor the old sections from the new).
    project.write_note(
        "a.md",
        "# A\n\n## SQS\n\n- 定義: キューの話\n\n## SNS\n\n- 定義: 通知の話\n",
    );
    let out = project.run(&["build"]).ok();
    assert!(
        summary(&out).contains("(4 new, 0 changed, 0 moved, 0 renamed, 4 removed)"),
        "{out}"
    );
}

fn output_names(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".apkg") || n.ends_with(".csv"))
        .collect();
    names.sort();
    names
}

#[test]
fn one_package_holds_every_deck_and_split_names_never_collide() {
    let project = study_project();
    // Deck `a::b` (folder a, title b) and deck `a__b`.
    project.write_note("a/x.md", "# b\n\n- 甲: 一つ目のデッキの用語\n");
    project.write_note("a__b.md", "- 乙: 二つ目のデッキの用語\n");
    let out_dir = project.dir.path().join("out");
    let out = project.run(&["build"]).ok();
    assert_eq!(output_names(&out_dir), ["notes.apkg", "notes.csv"], "{out}");
    assert!(
        summary(&out).ends_with("· out/notes.apkg, out/notes.csv"),
        "{out}"
    );
    let csv = std::fs::read_to_string(out_dir.join("notes.csv")).unwrap();
    for deck in ["N5::動詞", "N4::形容詞", "文法", "a::b", "a__b"] {
        assert!(
            csv.contains(&format!("\t{deck}\t")),
            "{deck} not in the CSV"
        );
    }
    // The Source field names the file, not a line that goes stale.
    assert!(csv.contains("\tN5/verbs.md\t"), "{csv}");

    std::fs::write(out_dir.join("mine.csv"), "the user's own file").unwrap();
    let out = project.run(&["build", "--split"]).ok();
    let names = output_names(&out_dir);
    assert_eq!(names.len(), 2 * 6 + 1, "{names:?}\n{out}");
    assert!(
        !names.contains(&"notes.apkg".to_string()),
        "the old package is gone: {names:?}"
    );
    let stems: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".apkg"))
        .collect();
    assert_eq!(stems.len(), 6);
    assert!(
        stems.iter().filter(|s| s.starts_with("a__b-")).count() == 2,
        "{stems:?}"
    );

    // Back to one package: the per-deck files go, the user's file stays.
    project.run(&["build"]).ok();
    assert_eq!(
        output_names(&out_dir),
        ["mine.csv", "notes.apkg", "notes.csv"]
    );
}

/// Every file of OUT, by name.
fn snapshot(out: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn search_answers_from_the_index_and_never_writes() {
    let project = study_project();
    project.run(&["build"]).ok();
    let out = project.dir.path().join("out");
    let before = snapshot(&out);
    let find = |args: &[&str]| {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let run = project.run(&all);
        assert_eq!(snapshot(&out), before, "search {args:?} wrote to OUT");
        run
    };

    // Stale: a note changed since the build. The index answers, and says so.
    edit_note(
        &project.notes(),
        "grammar.md",
        "文の主題を示す助詞のこと",
        "主題を示す",
    );
    let run = find(&["文の主題"]);
    assert!(
        run.ok().contains("\"front\":\"係助詞\""),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr().contains("1 note changed since the last build"),
        "{}",
        run.stderr()
    );

    // Another notes folder: nothing of it is indexed, nothing is removed.
    std::fs::create_dir(project.dir.path().join("other")).unwrap();
    let run = find(&["--notes", "other", "食べる"]);
    assert!(run.ok().contains("\"front\":\"食べる\""));
    assert!(
        run.stderr().contains("built from another notes folder"),
        "{}",
        run.stderr()
    );

    // The notes folder gone.
    std::fs::rename(project.notes(), project.dir.path().join("moved-away")).unwrap();
    let run = find(&["水"]);
    assert!(run.ok().contains("\"front\":\"水\""));
    assert!(
        run.stderr().contains("notes folder not found"),
        "{}",
        run.stderr()
    );
    std::fs::rename(project.dir.path().join("moved-away"), project.notes()).unwrap();

    // The change list is still the next build's to report.
    let out = project.run(&["build", "-v"]).ok();
    assert!(
        out.lines()
            .any(|l| l.starts_with("changed") && l.contains("係助詞")),
        "{out}"
    );
}

/// Every edit a learner makes between builds is noticed by the next search,
/// and a build makes the warning go; files that are not notes change nothing.
#[test]
fn search_notices_each_kind_of_edit_since_the_build() {
    let project = study_project();
    std::fs::create_dir(project.notes().join("N3")).unwrap();
    project.run(&["build"]).ok();
    let warning = || project.run(&["search", "--json", "食べる"]).stderr();
    let rebuilt = || {
        project.run(&["build"]).ok();
        assert_eq!(warning(), "", "after a build");
    };
    assert_eq!(warning(), "", "right after the build");
    let expect = |edit: &str, changed: &str| {
        let said = warning();
        assert!(
            said.contains(&format!("{changed} changed since the last build")),
            "{edit}: {said}"
        );
        rebuilt();
    };

    // In place, the same number of bytes: only the file's time tells.
    edit_note(&project.notes(), "N5/verbs.md", "食べ物", "飲み物");
    expect("edited in place", "1 note");
    project.write_note("N5/adverbs.md", "# 副詞\n\n- ゆっくり: 時間をかけて\n");
    expect("added to a folder", "1 note");
    project.write_note("N3/keigo.md", "# 敬語\n\n- 召し上がる: 食べるの尊敬語\n");
    expect("added to a folder that was empty", "1 note");
    project.write_note("N2/deep/er.md", "# 深い\n\n- 奥: 内に深く入ったところ\n");
    expect("added in new folders", "1 note");
    std::fs::remove_file(project.notes().join("N5/adverbs.md")).unwrap();
    expect("deleted", "1 note");
    move_note(&project.notes(), "N5/nouns.md", "N5/meishi.md");
    expect("renamed", "2 notes");
    move_note(&project.notes(), "N5/meishi.md", "N2/deep/meishi.md");
    expect("moved to another folder", "2 notes");
    std::fs::remove_dir_all(project.notes().join("N2")).unwrap();
    expect("a folder deleted", "2 notes");

    // An editor's save: a new file renamed over the note.
    let temporary = project.notes().join("N4/.adjectives.md.swp");
    std::fs::write(&temporary, "# 形容詞\n\n- 嬉しい: 喜ばしい気持ち\n").unwrap();
    std::fs::rename(&temporary, project.notes().join("N4/adjectives.md")).unwrap();
    expect("saved by a rename", "1 note");

    project.write_note("N4/picture.png", "not a note");
    project.write_note(".hidden/draft.md", "# 下書き\n\n- 案: まだ書きかけ\n");
    assert_eq!(warning(), "", "files that are not notes");
}

/// A note the build could not use is known as failed, not as changed:
/// every search names it until it changes, and then counts it changed.
#[test]
fn search_names_a_note_that_failed_instead_of_calling_it_changed() {
    let project = study_project();
    project.write_note(
        "N5/sjis.md",
        b"# \x93\xfa\x96\x7b\n\n- \x8c\xea: \x90\xe0\n",
    );
    assert_eq!(project.run(&["build"]).code(), 2);
    for _ in 0..2 {
        let said = project.run(&["search", "--json", "食べる"]).stderr();
        assert!(!said.contains("changed"), "{said}");
        assert!(
            said.contains("the last build could not use 1 note")
                && said.contains("notes/N5/sjis.md:1: not UTF-8 text"),
            "{said}"
        );
        // Building again fails again, and changes nothing of that.
        assert_eq!(project.run(&["build"]).code(), 2);
    }
    project.write_note("N5/sjis.md", "# 日本\n\n- 語: 説\n");
    let said = project.run(&["search", "--json", "食べる"]).stderr();
    assert!(
        said.contains("1 note changed since the last build"),
        "{said}"
    );
    assert!(!said.contains("could not use"), "{said}");
    project.run(&["build"]).ok();
    assert_eq!(project.run(&["search", "--json", "食べる"]).stderr(), "");
}

#[cfg(unix)]
#[test]
fn search_works_on_a_read_only_out_folder() {
    use std::os::unix::fs::PermissionsExt;
    let project = study_project();
    project.run(&["build"]).ok();
    let out = project.dir.path().join("out");
    let set_mode =
        |mode| std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode)).unwrap();
    set_mode(0o555);
    let run = project.run(&["search", "--json", "水"]);
    set_mode(0o755);
    // As root the folder stays writable: then this checks nothing more than
    // a plain search, which is still right.
    assert!(run.ok().contains("\"front\":\"水\""), "{}", run.stderr());
}

#[test]
fn a_dry_run_writes_nothing_and_foretells_the_next_build() {
    let project = study_project();
    // On a fresh folder: not even OUT is made.
    let run = project.run(&["build", "--dry-run"]).ok();
    assert!(
        run.starts_with("dry run, nothing written: 4 files changed · 17 cards (17 new"),
        "{run}"
    );
    assert!(
        run.contains("would write out/notes.apkg, out/notes.csv"),
        "{run}"
    );
    assert!(!project.dir.path().join("out").exists());

    project.run(&["build"]).ok();
    let out = project.dir.path().join("out");
    edit_note(&project.notes(), "N5/nouns.md", "## 自然", "## 自然の名詞");
    edit_note(
        &project.notes(),
        "grammar.md",
        "- 格助詞: 名詞と述語の関係を示す助詞\n",
        "",
    );
    project.write_note("N5/new.md", "# 新しい\n\n- 新語: 新しく加えた用語の説明\n");
    let before = snapshot(&out);
    let dry = project.run(&["build", "--dry-run", "-v"]).ok();
    assert_eq!(snapshot(&out), before, "a dry run wrote to OUT");
    let real = project.run(&["build", "-v"]).ok();
    let expected = dry
        .replace("dry run, nothing written: ", "")
        .replace("would write ", "");
    assert_eq!(real, expected);
    assert!(
        summary(&real).contains("(1 new, 1 changed, 0 moved, 3 renamed, 1 removed)"),
        "{real}"
    );
}

#[test]
fn removed_cards_are_listed_with_their_anki_search_until_forgotten() {
    let project = study_project();
    project.run(&["build"]).ok();
    let guid_of = project.guids();
    edit_note(
        &project.notes(),
        "N5/nouns.md",
        "- 山: 周りより高く盛り上がった土地\n",
        "",
    );
    edit_note(
        &project.notes(),
        "grammar.md",
        "- 格助詞: 名詞と述語の関係を示す助詞\n",
        "",
    );
    let run = project.run(&["build"]);
    assert!(
        run.stderr().contains("notedeck removed"),
        "{}",
        run.stderr()
    );
    // A later build does not forget them.
    project.run(&["build"]).ok();
    let query = project.run(&["removed", "--query"]).ok();
    assert_eq!(query.lines().count(), 1, "{query}");
    assert_eq!(query.matches("\"Key:").count(), 2, "{query}");
    let list = project.run(&["removed"]).ok();
    assert!(list.contains("N5::名詞 · 山 · N5/nouns.md:6"), "{list}");
    assert!(list.contains("文法 · 格助詞 · grammar.md:6"), "{list}");

    // One comes back: it leaves the list and keeps its GUID.
    edit_note(
        &project.notes(),
        "grammar.md",
        "- 係助詞: 文の主題を示す助詞のこと\n",
        "- 係助詞: 文の主題を示す助詞のこと\n- 格助詞: 名詞と述語の関係を示す助詞\n",
    );
    project.run(&["build"]).ok();
    assert_eq!(project.guids()["格助詞"], guid_of["格助詞"]);
    let query = project.run(&["removed", "--query"]).ok();
    assert_eq!(query.matches("\"Key:").count(), 1, "{query}");

    let forgot = project.run(&["removed", "--forget"]).ok();
    assert!(forgot.contains("forgot 1 card"), "{forgot}");
    let run = project.run(&["removed", "--query"]);
    assert!(run.ok().is_empty());
    assert!(
        run.stderr().contains("no removed cards"),
        "{}",
        run.stderr()
    );
}
