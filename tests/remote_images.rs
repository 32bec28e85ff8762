//! `build --fetch-remote`: remote images are downloaded once into a cache in
//! OUT and packed like local ones; without the flag nothing is downloaded,
//! the cached ones are still packed, and the rest stay links with a warning.

mod common;

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{http_server, Project, Reply};

const PICTURE: &[u8] = b"\x89PNG\r\n\x1a\n not really a picture";

/// A server of one picture, one web page posing as a picture, and a
/// missing file; it counts the requests for each path.
fn picture_server() -> (String, Arc<Mutex<HashMap<String, usize>>>) {
    let requests = Arc::new(Mutex::new(HashMap::new()));
    let counted = Arc::clone(&requests);
    let url = http_server(move |path, _| {
        *counted.lock().unwrap().entry(path.to_string()).or_insert(0) += 1;
        let (status, content_type, body) = match path {
            "/pic.png" => (200, "image/png", PICTURE.to_vec()),
            "/page.png" => (200, "text/html", b"<html>sign in</html>".to_vec()),
            _ => (404, "text/plain", b"not found".to_vec()),
        };
        Reply {
            status,
            content_type,
            body,
        }
    });
    (url, requests)
}

/// The files of a package's media, by name in the collection.
fn packed_media(apkg: &Path) -> HashMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(fs::File::open(apkg).unwrap()).unwrap();
    let map: HashMap<String, String> =
        serde_json::from_reader(zip.by_name("media").unwrap()).unwrap();
    map.into_iter()
        .map(|(entry, name)| {
            let mut bytes = Vec::new();
            zip.by_name(&entry)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            (name, bytes)
        })
        .collect()
}

#[test]
fn remote_images_are_fetched_once_when_asked_and_packed_from_the_cache() {
    let (server, requests) = picture_server();
    let project = Project::empty();
    project.write_note(
        "r.md",
        format!(
            "# R\n\n\
             - 構成図: ![図]({server}/pic.png) の通り\n\
             - 再掲: ![図]({server}/pic.png) を参照\n\
             - 画面: ![頁]({server}/page.png) です\n\
             - 欠落: ![無]({server}/missing.png) です\n"
        ),
    );
    let apkg = project.dir.path().join("out/notes.apkg");
    let count = |path: &str| requests.lock().unwrap().get(path).copied().unwrap_or(0);

    // Not asked: nothing is downloaded; one warning says how to pack them.
    let run = project.run(&["build"]);
    run.ok();
    let stderr = run.stderr();
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("remote image left as a link"))
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("--fetch-remote"), "{stderr}");
    assert!(requests.lock().unwrap().is_empty());
    assert!(packed_media(&apkg).is_empty());

    // Asked: the picture is downloaded once for both cards and packed; what
    // is not a picture, or not there, is named with the note's line.
    let run = project.run(&["build", "--fetch-remote"]);
    run.ok();
    let stderr = run.stderr();
    assert_eq!(count("/pic.png"), 1);
    assert!(
        stderr.lines().any(|l| l.contains("r.md:5: ")
            && l.contains("not fetched")
            && l.contains("not an image (Content-Type: text/html)")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("r.md:6: ") && l.contains("not fetched") && l.contains("404")),
        "{stderr}"
    );
    let media = packed_media(&apkg);
    assert_eq!(media.len(), 1, "{:?}", media.keys());
    assert_eq!(media.values().next().unwrap(), PICTURE);

    // Later builds, asked or not, pack the cached picture without a request.
    project.write_note(
        "r.md",
        format!("# R\n\n- 構成図: ![図]({server}/pic.png) の通りです\n"),
    );
    project.run(&["build"]).ok();
    assert_eq!(packed_media(&apkg).len(), 1);
    project.run(&["build", "--fetch-remote"]).ok();
    assert_eq!(count("/pic.png"), 1, "fetched once");
    assert_eq!(packed_media(&apkg).len(), 1);
}

#[test]
fn a_remote_image_past_ankis_media_limit_is_not_cached() {
    let server = http_server(|_, _| Reply {
        status: 200,
        content_type: "image/png",
        body: vec![0; (100 << 20) + 1],
    });
    let project = Project::empty();
    project.write_note(
        "big.md",
        format!("# B\n\n- 巨大: ![図]({server}/big.png) です\n"),
    );
    let run = project.run(&["build", "--fetch-remote"]);
    run.ok();
    assert!(
        run.stderr()
            .contains("big.md:3: remote image not fetched, left as a link"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("100 MiB"), "{}", run.stderr());
    let cache = project.dir.path().join("out/.notedeck-remote");
    let cached: Vec<_> = fs::read_dir(&cache).map_or(Vec::new(), |d| d.collect());
    assert!(
        cached.is_empty(),
        "nothing half-written is kept: {cached:?}"
    );
}
