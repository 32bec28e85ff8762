//! Images too large for Anki are left out with a warning naming the note's
//! `file:line`; the build, and the other images, go on.

mod common;

use std::fs;

use common::Project;

/// The media map of a package: zip entry → file name.
fn media_names(apkg: &std::path::Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(fs::File::open(apkg).unwrap()).unwrap();
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_reader(zip.by_name("media").unwrap()).unwrap();
    map.values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// A file of `len` bytes that takes no disk space (a hole).
fn sparse(path: &std::path::Path, len: u64) {
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn images_past_the_media_limit_are_left_out_and_the_build_goes_on() {
    let project = Project::empty();
    fs::create_dir(project.notes().join("img")).unwrap();
    fs::write(project.notes().join("img/small.png"), b"small picture").unwrap();
    // Anki's media limit is 100 MiB; the zip's without its large-file option 4 GiB.
    sparse(&project.notes().join("img/limit.png"), 100 << 20);
    sparse(&project.notes().join("img/over.png"), (100 << 20) + 1);
    sparse(&project.notes().join("img/huge.png"), 4 << 30);
    project.write_note(
        "m.md",
        "# M\n\n\
         - 小: 図 ![s](img/small.png) です\n\
         - 上限: 図 ![l](img/limit.png) です\n\
         - 超過: 図 ![o](img/over.png) です\n\
         - 巨大: 図 ![h](img/huge.png) です\n",
    );
    let run = project.run(&["build", "--format", "apkg"]);
    let stdout = run.ok();
    assert!(stdout.contains("4 cards"), "{stdout}");
    let stderr = run.stderr();
    for (line, image) in [(5, "img/over.png"), (6, "img/huge.png")] {
        assert!(
            stderr.lines().any(|l| l.contains(&format!("m.md:{line}:"))
                && l.contains("100 MiB")
                && l.ends_with(image)),
            "no warning for {image}: {stderr}"
        );
    }
    assert_eq!(stderr.lines().count(), 2, "{stderr}");

    let names = media_names(&project.dir.path().join("out/notes.apkg"));
    assert_eq!(names.len(), 2, "small and limit: {names:?}");
    // The one at the limit went in whole.
    let apkg = fs::File::open(project.dir.path().join("out/notes.apkg")).unwrap();
    let mut zip = zip::ZipArchive::new(apkg).unwrap();
    let sizes: Vec<u64> = (0..names.len())
        .map(|i| zip.by_name(&i.to_string()).unwrap().size())
        .collect();
    assert!(sizes.contains(&(100 << 20)), "{sizes:?}");
}
