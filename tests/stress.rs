//! Stress runs, not run by default: builds killed at random moments, and
//! many builds started at once on new output folders. Run them with
//!
//!     cargo test --release --test stress -- --ignored --nocapture
//!
//! NOTEDECK_STRESS_KILLS (default 40) and NOTEDECK_STRESS_ROUNDS (default
//! 50) set how many times; each test prints its counts.

mod common;

use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{assert_index_sound, card_count, Project, Run};

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A random number below `n`, from the standard library's random hasher
/// keys.
fn random_below(n: u64) -> u64 {
    RandomState::new().hash_one(0u8) % n.max(1)
}

/// A note of five terms under a heading, different for every `i`.
fn note(i: usize) -> String {
    let mut text = format!("# ノート{i}\n\n## 用語\n\n");
    for j in 0..5 {
        text.push_str(&format!(
            "- 用語{i}の{j}: ノート{i}で{j}番目に説明する概念のこと\n"
        ));
    }
    text
}

fn add_notes(project: &Project, range: std::ops::Range<usize>) {
    for i in range {
        project.write_note(&format!("part{}/note{i}.md", i % 20), note(i));
    }
}

fn build(project: &Project, out: &str) -> Child {
    project
        .command(&["build", "--out", out])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn index_at(project: &Project, out: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(project.dir.path().join(out).join("index.sqlite")).unwrap()
}

/// A clean build of the notes into `clean`, given the changed times of
/// `out` (a clean build stamps every card with its own time; nothing else
/// may differ) and written again with them.
fn clean_build_like(project: &Project, out: &str, clean: &str) {
    project.run(&["build", "--out", clean]).ok();
    let index = index_at(project, clean);
    index
        .execute(
            "ATTACH DATABASE ?1 AS tested",
            [project.dir.path().join(out).join("index.sqlite").to_str()],
        )
        .unwrap();
    let unmatched: i64 = index
        .query_row(
            "SELECT count(*) FROM cards WHERE guid NOT IN (SELECT guid FROM tested.cards)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(unmatched, 0, "cards whose GUID the tested index lacks");
    index
        .execute(
            "UPDATE main.cards SET changed = (SELECT t.changed FROM tested.cards AS t WHERE t.guid = main.cards.guid)",
            [],
        )
        .unwrap();
    drop(index);
    project.run(&["build", "--force", "--out", clean]).ok();
}

/// The outputs of `out` are those of the clean build in `clean`: the same
/// CSV, and a package holding the same notes, cards, decks, note types and
/// media (a package updated from a kept collection is not laid out as a
/// fresh one, and its new cards come last: `due` is left out).
fn assert_same_outputs(project: &Project, out: &str, clean: &str) {
    let path = |dir: &str, name: &str| project.dir.path().join(dir).join(name);
    let csv = |dir: &str| std::fs::read(path(dir, "notes.csv")).unwrap();
    assert!(
        csv(out) == csv(clean),
        "{out}/notes.csv differs from {clean}/notes.csv"
    );
    assert_eq!(
        package_contents(&path(out, "notes.apkg")),
        package_contents(&path(clean, "notes.apkg")),
        "{out}/notes.apkg differs from {clean}/notes.apkg"
    );
}

/// What a package holds, as rows of text: its collection's notes, cards
/// (but their `due`), decks and note types, and its media entries.
fn package_contents(package: &Path) -> Vec<String> {
    use std::io::Read;

    let mut zip = zip::ZipArchive::new(std::fs::File::open(package).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let collection = dir.path().join("collection.anki2");
    let mut contents = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if entry.name() == "collection.anki2" {
            std::fs::write(&collection, bytes).unwrap();
        } else {
            contents.push(format!("{}: {bytes:?}", entry.name()));
        }
    }
    let db = rusqlite::Connection::open(&collection).unwrap();
    for query in [
        "SELECT id, guid, mid, mod, tags, flds, sfld, csum FROM notes ORDER BY id",
        "SELECT id, nid, did, ord, mod, type, queue FROM cards ORDER BY id",
        "SELECT decks, models FROM col",
    ] {
        let mut stmt = db.prepare(query).unwrap();
        let columns = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        row.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        contents.extend(rows.map(|row| row.unwrap().join("|")));
    }
    contents
}

#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn builds_killed_at_random_moments_leave_a_sound_index_and_the_same_outputs() {
    let kills = env_count("NOTEDECK_STRESS_KILLS", 40);
    let project = Project::empty();
    add_notes(&project, 0..300);
    project.run(&["build"]).ok();
    let per_note = card_count(&index_at(&project, "out")) / 300;
    // Kill anywhere from the start to a little past the time of a build
    // like those killed: ten new notes.
    add_notes(&project, 300..310);
    let started = Instant::now();
    project.run(&["build"]).ok();
    let span = (started.elapsed().as_micros() as u64 * 5 / 4).max(1);
    let (mut killed, mut finished_first, mut committed) = (0, 0, 0);
    for round in 0..kills {
        let (before, after) = (
            per_note * (310 + round * 10) as i64,
            per_note * (320 + round * 10) as i64,
        );
        // New notes each round: the build has cards to add, outputs to write.
        add_notes(&project, 310 + round * 10..320 + round * 10);
        let mut child = build(&project, "out");
        std::thread::sleep(Duration::from_micros(random_below(span)));
        child.kill().unwrap();
        let was_killed = child.wait().unwrap().code().is_none();
        if was_killed {
            killed += 1;
        } else {
            finished_first += 1;
        }
        // The state before the build or after it, never half of it.
        let index = index_at(&project, "out");
        assert_index_sound(&index);
        let cards = card_count(&index);
        assert!(cards == before || cards == after, "{cards} cards");
        committed += usize::from(was_killed && cards == after);
        drop(index);
        project.run(&["build"]).ok();
        assert_index_sound(&index_at(&project, "out"));
        assert_eq!(card_count(&index_at(&project, "out")), after);
        let clean = format!("clean{round}");
        clean_build_like(&project, "out", &clean);
        assert_same_outputs(&project, "out", &clean);
        std::fs::remove_dir_all(project.dir.path().join(&clean)).unwrap();
        assert_no_temporaries(&project.dir.path().join("out"));
    }
    println!(
        "{kills} builds: {killed} killed ({committed} of them after their commit), {finished_first} finished before the kill; every next build succeeded, sound, with the outputs of a clean build"
    );
}

/// What a killed build left was swept by the next one.
fn assert_no_temporaries(out: &Path) {
    for entry in std::fs::read_dir(out).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(
            !name.to_string_lossy().starts_with(".notedeck-tmp-"),
            "{name:?} left behind"
        );
    }
}

#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn many_builds_and_searches_at_once_on_new_out_folders_all_succeed() {
    let rounds = env_count("NOTEDECK_STRESS_ROUNDS", 50);
    let project = Project::empty();
    add_notes(&project, 0..300);
    let started = Instant::now();
    project.run(&["build"]).ok();
    let span = started.elapsed().as_micros() as u64 * 2;
    let cards = card_count(&project.index());
    let (mut builds, mut searches, mut too_early) = (0, 0, 0);
    for round in 0..rounds {
        let out = format!("new{round}");
        let started: Vec<Child> = (0..8).map(|_| build(&project, &out)).collect();
        // Searches at random moments of the builds, the first one's
        // transaction included.
        let looking: Vec<Child> = (0..4)
            .map(|_| {
                std::thread::sleep(Duration::from_micros(random_below(span)));
                project
                    .command(&["search", "用語1", "--out", &out])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in started {
            let run = Run(child.wait_with_output().unwrap());
            assert_eq!(run.code(), 0, "round {round}: {}", run.stderr());
            builds += 1;
        }
        for child in looking {
            let run = Run(child.wait_with_output().unwrap());
            match run.code() {
                0 => searches += 1,
                _ if run.stderr().contains("no index here yet") => too_early += 1,
                code => panic!("round {round}: search exited {code}: {}", run.stderr()),
            }
        }
        let index = index_at(&project, &out);
        assert_index_sound(&index);
        assert_eq!(card_count(&index), cards);
        std::fs::remove_dir_all(project.dir.path().join(&out)).unwrap();
    }
    println!(
        "{rounds} rounds: {builds} builds succeeded; searches: {searches} found cards, {too_early} were told there is no index yet"
    );
}
