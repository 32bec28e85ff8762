//! `build --fetch-remote`: remote images are downloaded once into a cache in
//! OUT and packed like local ones; without the flag nothing is downloaded,
//! the cached ones are still packed, and the rest stay links with a warning.
//! What is fetched, and what is packed from the cache, is held to rules a
//! stranger's notes folder cannot bend: https only, public addresses only
//! (each redirect too), pictures only, named by what they are, one time
//! limit for all, and no link in the cache followed.

mod common;

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{http_server, run_within, stalled_server, Project, Reply, Run};
use sha2::{Digest, Sha256};

const PICTURE: &[u8] = b"\x89PNG\r\n\x1a\n not really a picture";
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00 not really a picture either";

/// The loopback port a test's server is on, where the binary may fetch
/// from (and over plain HTTP) for the tests: no other port, no other
/// private address.
const LOOPBACK_PORT: &str = "NOTEDECK_TEST_FETCH_LOOPBACK_PORT";

/// The path's requests so far.
type Requests = Arc<Mutex<HashMap<String, usize>>>;

/// A server answering `reply(path)`, which counts the requests for each path.
fn counting_server(reply: fn(&str) -> Reply) -> (String, Requests) {
    let requests = Requests::default();
    let counted = Arc::clone(&requests);
    let url = http_server(move |path, _| {
        *counted.lock().unwrap().entry(path.to_string()).or_insert(0) += 1;
        reply(path)
    });
    (url, requests)
}

fn answer(status: u16, content_type: &'static str, body: &[u8]) -> Reply {
    Reply {
        status,
        content_type,
        body: body.to_vec(),
        location: None,
    }
}

fn redirect(to: String) -> Reply {
    Reply {
        location: Some(to),
        ..answer(302, "text/plain", b"")
    }
}

/// A server of one picture, one web page posing as a picture, and a
/// missing file; it counts the requests for each path.
fn picture_server() -> (String, Requests) {
    counting_server(|path| match path {
        "/pic.png" => answer(200, "image/png", PICTURE),
        "/page.png" => answer(200, "text/html", b"<html>sign in</html>"),
        _ => answer(404, "text/plain", b"not found"),
    })
}

fn count(requests: &Requests, path: &str) -> usize {
    requests.lock().unwrap().get(path).copied().unwrap_or(0)
}

fn port(url: &str) -> &str {
    url.rsplit(':').next().unwrap()
}

/// `build --fetch-remote`, allowed to fetch from the test's server at `url`.
fn fetch(project: &Project, url: &str) -> Run {
    let mut command = project.command(&["build", "--fetch-remote"]);
    command.env(LOOPBACK_PORT, port(url));
    Run(command.output().unwrap())
}

/// Whether a line of `stderr` names `at` (`file:line`), says the image was
/// not fetched, and says `why`.
fn not_fetched(stderr: &str, at: &str, why: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.contains(&format!("{at}: ")) && l.contains("not fetched") && l.contains(why))
}

/// The name the cache gives the image at `url`, without its extension.
fn cache_key(url: &str) -> String {
    Sha256::digest(url.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files of OUT's remote cache.
fn cached_files(project: &Project) -> Vec<String> {
    let cache = project.dir.path().join("out/.notedeck-remote");
    let mut names: Vec<String> = fs::read_dir(cache).map_or(Vec::new(), |dir| {
        dir.map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect()
    });
    names.sort();
    names
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
    let count = |path: &str| count(&requests, path);

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
    let run = fetch(&project, &server);
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
    fetch(&project, &server).ok();
    assert_eq!(count("/pic.png"), 1, "fetched once");
    assert_eq!(packed_media(&apkg).len(), 1);
}

#[test]
fn a_remote_image_past_ankis_media_limit_is_not_cached() {
    let server = http_server(|_, _| {
        let mut body = PICTURE.to_vec();
        body.resize((100 << 20) + 1, 0);
        answer(200, "image/png", &body)
    });
    let project = Project::empty();
    project.write_note(
        "big.md",
        format!("# B\n\n- 巨大: ![図]({server}/big.png) です\n"),
    );
    let run = fetch(&project, &server);
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

#[test]
fn without_the_test_port_this_machine_and_plain_http_are_refused() {
    let (server, requests) = picture_server();
    let port = port(&server);
    let project = Project::empty();
    project.write_note(
        "r.md",
        format!(
            "# R\n\n\
             - 平文: ![図]({server}/pic.png) です\n\
             - 名前: ![図](http://localhost:{port}/pic.png) です\n\
             - 直接: ![図](https://127.0.0.1:{port}/pic.png) です\n\
             - 数値: ![図](https://2130706433:{port}/pic.png) です\n\
             - 略記: ![図](https://0x7f.1:{port}/pic.png) です\n"
        ),
    );
    let mut command = project.command(&["build", "--fetch-remote"]);
    command.env_remove(LOOPBACK_PORT);
    let run = Run(command.output().unwrap());
    run.ok();
    let stderr = run.stderr();
    for line in [3, 4] {
        assert!(
            not_fetched(&stderr, &format!("r.md:{line}"), "refused: only https://"),
            "line {line}: {stderr}"
        );
    }
    for line in [5, 6, 7] {
        assert!(
            not_fetched(&stderr, &format!("r.md:{line}"), "is a loopback address"),
            "line {line}: {stderr}"
        );
    }
    assert!(requests.lock().unwrap().is_empty(), "{requests:?}");
    let apkg = project.dir.path().join("out/notes.apkg");
    assert!(packed_media(&apkg).is_empty());
}

#[test]
fn redirects_are_followed_a_few_times_and_each_checked() {
    // A service of this machine that the notes must not reach.
    let (internal, internal_requests) = counting_server(|_| answer(200, "image/png", PICTURE));
    let target = format!("{internal}/secret.png");
    let (server, requests) = {
        let requests = Requests::default();
        let counted = Arc::clone(&requests);
        let url = http_server(move |path, _| {
            *counted.lock().unwrap().entry(path.to_string()).or_insert(0) += 1;
            match path {
                "/moved.png" => redirect("pic.png".into()),
                "/pic.png" => answer(200, "image/png", PICTURE),
                "/inside.png" => redirect(target.clone()),
                "/loop.png" => redirect("/loop.png".into()),
                _ => answer(404, "text/plain", b""),
            }
        });
        (url, requests)
    };
    let project = Project::empty();
    project.write_note(
        "r.md",
        format!(
            "# R\n\n\
             - 移転: ![図]({server}/moved.png) です\n\
             - 内部: ![図]({server}/inside.png) です\n\
             - 循環: ![図]({server}/loop.png) です\n"
        ),
    );
    let run = fetch(&project, &server);
    run.ok();
    let stderr = run.stderr();
    assert!(
        not_fetched(
            &stderr,
            "r.md:4",
            &format!(
                "redirected to {internal}/secret.png: refused: 127.0.0.1 is a loopback address"
            )
        ),
        "{stderr}"
    );
    assert!(internal_requests.lock().unwrap().is_empty());
    assert!(
        not_fetched(&stderr, "r.md:5", "more than 5 redirects"),
        "{stderr}"
    );
    assert_eq!(count(&requests, "/loop.png"), 6);
    // The redirect within the allowed server was followed.
    assert_eq!(count(&requests, "/pic.png"), 1);
    let media = packed_media(&project.dir.path().join("out/notes.apkg"));
    assert_eq!(media.into_values().collect::<Vec<_>>(), [PICTURE]);
}

#[test]
fn a_fetched_image_is_named_by_what_it_is_not_by_its_url() {
    let (server, _) = counting_server(|path| match path {
        // What a server says of its file is no more trusted than its URL.
        "/run.sh" => answer(200, "image/png", PICTURE),
        "/photo.png" => answer(200, "image/png", GIF),
        "/script.png" => answer(200, "image/png", b"#!/bin/sh\nrm -rf ~\n"),
        _ => answer(404, "text/plain", b""),
    });
    let project = Project::empty();
    project.write_note(
        "r.md",
        format!(
            "# R\n\n\
             - 台本: ![図]({server}/run.sh) です\n\
             - 写真: ![図]({server}/photo.png) です\n\
             - 偽物: ![図]({server}/script.png) です\n"
        ),
    );
    let run = fetch(&project, &server);
    run.ok();
    assert!(
        not_fetched(&run.stderr(), "r.md:5", "not an image"),
        "{}",
        run.stderr()
    );
    let mut expected = vec![
        format!("{}.png", cache_key(&format!("{server}/run.sh"))),
        format!("{}.gif", cache_key(&format!("{server}/photo.png"))),
    ];
    expected.sort();
    assert_eq!(cached_files(&project), expected);
    let media = packed_media(&project.dir.path().join("out/notes.apkg"));
    let mut kinds: Vec<&str> = media
        .keys()
        .map(|n| n.rsplit('.').next().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["gif", "png"], "{:?}", media.keys());
}

#[test]
fn stalled_servers_hold_a_build_for_the_fetch_budget_at_most() {
    let server = stalled_server();
    let project = Project::empty();
    project.write_note(
        "r.md",
        format!(
            "# R\n\n\
             - 一: ![図]({server}/1.png) です\n\
             - 二: ![図]({server}/2.png) です\n\
             - 三: ![図]({server}/3.png) です\n\
             - 四: ![図]({server}/4.png) です\n"
        ),
    );
    let mut command = project.command(&["build", "--fetch-remote"]);
    command
        .env(LOOPBACK_PORT, port(&server))
        .env("NOTEDECK_TEST_FETCH_BUDGET_MS", "2000");
    let (run, took) = run_within(command, Duration::from_secs(20));
    run.ok();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let stderr = run.stderr();
    assert!(
        not_fetched(
            &stderr,
            "r.md:3",
            "the 2 s for fetching all remote images ran out"
        ),
        "{stderr}"
    );
    for line in [4, 5, 6] {
        assert!(
            not_fetched(&stderr, &format!("r.md:{line}"), "not tried"),
            "line {line}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_in_the_cache_is_not_packed() {
    let project = Project::empty();
    let secret = project.dir.path().join("id_rsa");
    fs::write(&secret, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let urls = [
        "https://example.com/linked.png",
        "https://example.com/script.png",
        "https://example.com/real.png",
    ];
    project.write_note(
        "r.md",
        format!(
            "# R\n\n\
             - 鍵: ![図]({}) です\n\
             - 台本: ![図]({}) です\n\
             - 本物: ![図]({}) です\n",
            urls[0], urls[1], urls[2]
        ),
    );
    // As a cloned repository may ship OUT.
    let cache = project.dir.path().join("out/.notedeck-remote");
    fs::create_dir_all(&cache).unwrap();
    let cached = |url: &str| cache.join(format!("{}.png", cache_key(url)));
    std::os::unix::fs::symlink(&secret, cached(urls[0])).unwrap();
    fs::write(cached(urls[1]), "#!/bin/sh\nrm -rf ~\n").unwrap();
    fs::write(cached(urls[2]), PICTURE).unwrap();

    let run = project.run(&["build"]);
    run.ok();
    let stderr = run.stderr();
    for (line, why, url) in [
        (3, "a symbolic link", urls[0]),
        (4, "not an image", urls[1]),
    ] {
        assert!(
            stderr.lines().any(|l| l.ends_with(&format!(
                "r.md:{line}: remote image left as a link, its cached copy is refused ({why}): {url}"
            ))),
            "line {line}: {stderr}"
        );
    }
    let media = packed_media(&project.dir.path().join("out/notes.apkg"));
    assert_eq!(media.into_values().collect::<Vec<_>>(), [PICTURE]);
}
