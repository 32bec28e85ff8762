//! The package of a rebuild, made by updating the collection the last
//! build kept in OUT (`.notedeck-collection.anki2`), imports as the package
//! a fresh build makes of the same notes: the same notes (GUIDs, fields,
//! tags, note types), decks and media, whichever is imported first. A
//! kept collection that is not the one the index recorded (a killed build,
//! a tampered OUT) is never used.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// A picture other than `PNG`.
const OTHER_PNG: &[u8] = b"\x89PNG\r\n\x1a\nanother picture";

fn kept(out: &Path) -> PathBuf {
    out.join(".notedeck-collection.anki2")
}

fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
}

/// The shipped notes, the hard note, and two notes with images.
fn notes_with_images(tmp: &Path) -> PathBuf {
    let notes = notes_with_hard_note(tmp);
    fs::create_dir_all(notes.join("aws/img")).unwrap();
    fs::write(notes.join("aws/img/図.png"), PNG).unwrap();
    fs::write(notes.join("aws/img/別.png"), OTHER_PNG).unwrap();
    fs::write(
        notes.join("aws/監視.md"),
        "# 監視\n\n## 41.\n\n- CloudWatch: 監視の図 ![図](img/図.png)\n",
    )
    .unwrap();
    fs::write(
        notes.join("aws/通知.md"),
        "# 通知\n\n- SNS: 通知の図 ![別](img/別.png)\n- SQS: キューの図 ![図](img/図.png)\n",
    )
    .unwrap();
    notes
}

/// One edit of each kind a learner makes: a back edited, a term added, a
/// heading renamed, a card and its image removed, a card with a new image
/// added.
fn edit(notes: &Path) {
    let cloud = notes.join("CloudLicence.md");
    let text = fs::read_to_string(&cloud).unwrap();
    let text = text.replacen("\n## 45.\n", "\n## 45. CloudFormation\n", 1);
    fs::write(&cloud, text).unwrap();
    append_to_line(&notes.join(HARD_NOTE.0), 5, " 追記");
    let hard = fs::read_to_string(notes.join(HARD_NOTE.0)).unwrap();
    fs::write(
        notes.join(HARD_NOTE.0),
        format!("{hard}- 終助詞: 文末で気持ちを示す\n"),
    )
    .unwrap();
    fs::write(
        notes.join("aws/img/新.png"),
        b"\x89PNG\r\n\x1a\na new picture",
    )
    .unwrap();
    fs::write(
        notes.join("aws/通知.md"),
        "# 通知\n\n- SQS: キューの図 ![図](img/図.png)\n- EventBridge: 規則の図 ![新](img/新.png) と ![図](img/図.png)\n",
    )
    .unwrap();
}

/// Copies the output folder `out` to `to` and builds there with `--force`:
/// the package a fresh build makes of the same index (the same GUIDs and
/// changed times).
fn fresh_build_like(notes: &Path, out: &Path, to: &Path, formats: &str) -> PathBuf {
    copy_dir(out, to);
    build_with(notes, to, formats, &["--force"]);
    to.join("notes.apkg")
}

/// The files of a collection's media folder, by name.
fn media_of(col: &Path) -> BTreeMap<String, Vec<u8>> {
    let dir = col.with_extension("media");
    let Ok(entries) = fs::read_dir(&dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// The notes and media a package imports as into an empty collection.
fn imported(
    anki: &Anki,
    dir: &Path,
    package: &Path,
) -> (
    BTreeMap<String, serde_json::Value>,
    BTreeMap<String, Vec<u8>>,
) {
    let col = dir.join("col.anki2");
    let logs = anki.import_apkg(&col, &[package.to_path_buf()]);
    assert_eq!(
        total(&logs, "updated") + total(&logs, "duplicate"),
        0,
        "{logs:?}"
    );
    let mut notes = anki.notes(&col);
    // Anki gives the cards it imports ids of its own.
    for note in notes.values_mut() {
        note.as_object_mut().unwrap().remove("card_ids");
    }
    (notes, media_of(&col))
}

/// Imports `package` into the collection `col` that has another package
/// already: nothing is added or updated.
fn assert_changes_nothing(anki: &Anki, col: &Path, package: &Path) {
    let before = anki.notes(col);
    let logs = anki.import_apkg(col, &[package.to_path_buf()]);
    for kind in [
        "new",
        "updated",
        "conflicting",
        "first_field_match",
        "missing_notetype",
        "missing_deck",
    ] {
        assert_eq!(total(&logs, kind), 0, "{kind}: {logs:?}");
    }
    assert_eq!(anki.notes(col), before);
}

fn updated_package_imports_as_a_fresh_one(formats: &str) {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = notes_with_images(tmp.path());
    let out = tmp.path().join("out");
    build(&notes, &out, formats);
    let kept_before = inode(&kept(&out));
    edit(&notes);
    build(&notes, &out, formats);
    // Updated in place, not made anew and renamed there.
    assert_eq!(
        inode(&kept(&out)),
        kept_before,
        "the kept collection was made anew"
    );
    let fresh_package = fresh_build_like(&notes, &out, &tmp.path().join("fresh"), formats);

    let (inc_dir, fresh_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    fs::create_dir_all(&inc_dir).unwrap();
    fs::create_dir_all(&fresh_dir).unwrap();
    let updated = out.join("notes.apkg");
    let (inc_notes, inc_media) = imported(anki, &inc_dir, &updated);
    let (fresh_notes, fresh_media) = imported(anki, &fresh_dir, &fresh_package);
    assert_eq!(inc_notes.len(), extracted(&notes).len());
    assert_eq!(inc_notes, fresh_notes);
    // The images of the cards there are now (図, 新), the removed card's
    // (別) gone.
    assert_eq!(inc_media.len(), 2, "{:?}", inc_media.keys());
    assert!(inc_media.values().all(|bytes| bytes != OTHER_PNG));
    assert_eq!(inc_media, fresh_media);
    // Both ways: each package imported over the other changes nothing.
    assert_changes_nothing(anki, &inc_dir.join("col.anki2"), &fresh_package);
    assert_changes_nothing(anki, &fresh_dir.join("col.anki2"), &updated);
}

#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_package_updated_after_edits_imports_as_a_fresh_build_of_the_same_notes() {
    updated_package_imports_as_a_fresh_one("apkg");
}

/// With the CSV, every card is read for it, and the package is still
/// updated rather than made anew.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_package_updated_beside_the_csv_imports_as_a_fresh_build_of_the_same_notes() {
    updated_package_imports_as_a_fresh_one("apkg,csv");
}

/// A kept collection changed behind notedeck's back (a note's fields
/// rewritten, the file cut short, a link in its place) is not used: the
/// package is made anew, and a link's target is left as it was.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_tampered_kept_collection_is_never_used() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = notes_with_images(tmp.path());
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg");
    let elsewhere = tmp.path().join("elsewhere.anki2");
    let tamperings: [&dyn Fn(&Path); 3] = [
        &|kept| {
            let db = rusqlite::Connection::open(kept).unwrap();
            db.execute("update notes set flds = replace(flds, 'の', 'X')", [])
                .unwrap();
        },
        &|kept| {
            let len = fs::metadata(kept).unwrap().len();
            fs::OpenOptions::new()
                .write(true)
                .open(kept)
                .unwrap()
                .set_len(len / 2)
                .unwrap();
        },
        &|kept| {
            fs::copy(kept, &elsewhere).unwrap();
            fs::remove_file(kept).unwrap();
            std::os::unix::fs::symlink(&elsewhere, kept).unwrap();
        },
    ];
    for (round, tamper) in tamperings.iter().enumerate() {
        tamper(&kept(&out));
        let note = notes.join(HARD_NOTE.0);
        let text = fs::read_to_string(&note).unwrap();
        fs::write(&note, format!("{text}- 追加{round}: 新しい用語\n")).unwrap();
        build(&notes, &out, "apkg");
        let fresh = fresh_build_like(
            &notes,
            &out,
            &tmp.path().join(format!("fresh{round}")),
            "apkg",
        );
        let dir = tmp.path().join(format!("col{round}"));
        fs::create_dir_all(&dir).unwrap();
        let (got, got_media) = imported(anki, &dir, &out.join("notes.apkg"));
        assert_changes_nothing(anki, &dir.join("col.anki2"), &fresh);
        let dir = tmp.path().join(format!("fresh-col{round}"));
        fs::create_dir_all(&dir).unwrap();
        let (want, want_media) = imported(anki, &dir, &fresh);
        assert_eq!(got, want, "round {round}");
        assert_eq!(got_media, want_media, "round {round}");
    }
    // The link was replaced by a collection of notedeck's own; what it
    // pointed at is as it was.
    assert!(fs::symlink_metadata(kept(&out)).unwrap().is_file());
    let db = rusqlite::Connection::open(&elsewhere).unwrap();
    let tampered: i64 = db
        .query_row(
            "select count(*) from notes where flds like '%追加2%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tampered, 0);
}

/// A build killed while it writes the package of an updated collection
/// leaves the previous package, which imports; the next build's package
/// imports as a fresh build's.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn a_build_killed_while_it_writes_an_updated_package_leaves_one_that_imports() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    let note = fs::read_to_string(repo().join("notes/CloudLicence.md")).unwrap();
    // Copies in decks of their own, or their cards would be duplicates.
    for i in 0..120 {
        let path = notes.join(format!("part{}/copy{i}.md", i % 10));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, note.replacen("# ", &format!("# 写し{i} "), 1)).unwrap();
    }
    let cards = extracted(&notes).len();
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg");
    let package = out.join("notes.apkg");
    let previous = fs::read(&package).unwrap();
    let kept_before = inode(&kept(&out));
    let edited = notes.join("part0/copy0.md");
    let text = fs::read_to_string(&edited).unwrap();
    fs::write(&edited, format!("{text}\n- 追加: 一つのノートの変更\n")).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_notedeck"))
        .args(["build", "--format", "apkg", "--notes"])
        .arg(&notes)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The package is written once the collection is updated: killed once
    // a megabyte of it is.
    let deadline = Instant::now() + Duration::from_secs(60);
    let writing = || {
        fs::read_dir(&out).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".notedeck-tmp-")
                && e.metadata().is_ok_and(|m| m.len() >= 1 << 20)
        })
    };
    while !writing() && Instant::now() < deadline {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    assert!(
        child.wait().unwrap().code().is_none(),
        "the build ended before it was killed"
    );
    assert_eq!(
        inode(&kept(&out)),
        kept_before,
        "the build was not updating the kept collection"
    );

    assert!(
        fs::read(&package).unwrap() == previous,
        "the previous package was changed"
    );
    let dir = tmp.path().join("killed");
    fs::create_dir_all(&dir).unwrap();
    let (left, _) = imported(anki, &dir, &package);
    assert_eq!(left.len(), cards, "the previous package's notes");

    build(&notes, &out, "apkg");
    let fresh = fresh_build_like(&notes, &out, &tmp.path().join("fresh"), "apkg");
    let (dir_a, dir_b) = (tmp.path().join("a"), tmp.path().join("b"));
    fs::create_dir_all(&dir_a).unwrap();
    fs::create_dir_all(&dir_b).unwrap();
    let (after, _) = imported(anki, &dir_a, &package);
    let (want, _) = imported(anki, &dir_b, &fresh);
    assert_eq!(after.len(), want.len());
    assert!(
        after == want,
        "the package after the killed build is not the fresh one's"
    );
}

/// The note types a package's collection carries (`col.models`), by id.
fn note_types_of(package: &Path) -> Vec<String> {
    use std::io::Read;

    let mut zip = zip::ZipArchive::new(fs::File::open(package).unwrap()).unwrap();
    let mut bytes = Vec::new();
    zip.by_name("collection.anki2")
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let collection = dir.path().join("collection.anki2");
    fs::write(&collection, bytes).unwrap();
    let models: String = rusqlite::Connection::open(&collection)
        .unwrap()
        .query_row("select models from col", [], |row| row.get(0))
        .unwrap();
    let models: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&models).unwrap();
    models.into_iter().map(|(id, _)| id).collect()
}

/// Cloze, reversed and type-in notes updated: a gap added (a card more),
/// the one reversed note removed (its note type with it), a type-in back
/// edited, a reversed note added where there was none.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn notes_of_every_note_type_updated_import_as_a_fresh_build_of_them() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = crate::notetypes::notetype_notes(tmp.path());
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg,csv");
    let kept_before = inode(&kept(&out));
    let types_before = note_types_of(&out.join("notes.apkg"));
    let science = fs::read_to_string(notes.join("理科.md")).unwrap();
    fs::write(
        notes.join("理科.md"),
        science.replace("から糖を作る", "から==糖==を作る"),
    )
    .unwrap();
    fs::remove_file(notes.join("逆.md")).unwrap();
    fs::write(notes.join("typed/入力.md"), "# 入力\n\n- 犬: a dog\n").unwrap();
    build(&notes, &out, "apkg,csv");
    assert_eq!(
        inode(&kept(&out)),
        kept_before,
        "the kept collection was made anew"
    );
    let fresh = fresh_build_like(&notes, &out, &tmp.path().join("fresh"), "apkg,csv");
    let types = note_types_of(&out.join("notes.apkg"));
    assert_eq!(types.len(), types_before.len() - 1, "{types:?}");
    assert_eq!(types, note_types_of(&fresh));
    let csv = |dir: &Path| fs::read(dir.join("notes.csv")).unwrap();
    assert!(
        csv(&out) == csv(&tmp.path().join("fresh")),
        "the CSVs differ"
    );

    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    let (updated, _) = imported(anki, &a, &out.join("notes.apkg"));
    let (want, _) = imported(anki, &b, &fresh);
    let gaps = updated
        .values()
        .find(|n| n["fields"]["Front"] == "光合成")
        .map(|n| n["card_mods"].as_array().unwrap().len());
    assert_eq!(gaps, Some(3), "{updated:#?}");
    assert_eq!(updated, want);
    assert_changes_nothing(anki, &a.join("col.anki2"), &fresh);
    assert_changes_nothing(anki, &b.join("col.anki2"), &out.join("notes.apkg"));
}
